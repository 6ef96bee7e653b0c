/**
 * Issue 12: the Glue type parser and the column classification (`column-evolution.ts`) are apart from the contract
 * mapping, so the table DDL function's bundle carries neither the mapping nor ajv; `table-step.ts` re-exports them.
 */
import * as path from 'node:path';
import { build } from 'esbuild';
import * as evolution from '../../lambdas/shared/contracts/column-evolution';
import * as tableStep from '../../lambdas/shared/contracts/table-step';
import { LAKEFORGE_ESBUILD_OPTIONS } from '../../lib/shared/lambda-entry';

const REPO = path.join(__dirname, '..', '..');

describe('column-evolution', () => {
  it('is what table-step exports for types and columns (one definition)', () => {
    expect(tableStep.parseGlueType).toBe(evolution.parseGlueType);
    expect(tableStep.compareColumns).toBe(evolution.compareColumns);
    expect(tableStep.TABLE_EVOLUTION_RULES).toBe(evolution.TABLE_EVOLUTION_RULES);
  });

  it('keeps ajv and the contract mapping out of the table DDL function bundle (built as the function is)', async () => {
    const result = await build({
      ...LAKEFORGE_ESBUILD_OPTIONS,
      mainFields: [...LAKEFORGE_ESBUILD_OPTIONS.mainFields],
      entryPoints: [path.join(REPO, 'lambdas', 'table-ddl', 'handler.ts')],
      bundle: true,
      write: false,
      outdir: path.join(REPO, 'cdk.out', 'unused'),
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('lambdas/shared/contracts/column-evolution.ts');
    expect(inputs.filter((i) => /node_modules\/ajv|glue-types|contract-ajv/.test(i))).toEqual([]);
  });
});

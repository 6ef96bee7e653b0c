/**
 * Issue 12: the Glue type parser and the column classification (`column-evolution.ts`) are apart from the contract
 * mapping, so the table DDL function's bundle carries neither the mapping nor ajv; `table-step.ts` re-exports them.
 */
import * as evolution from '../../lambdas/shared/contracts/column-evolution';
import * as tableStep from '../../lambdas/shared/contracts/table-step';
import { bundleMetafile } from '../helpers/bundle';


describe('column-evolution', () => {
  it('is what table-step exports for types and columns (one definition)', () => {
    expect(tableStep.parseGlueType).toBe(evolution.parseGlueType);
    expect(tableStep.compareColumns).toBe(evolution.compareColumns);
    expect(tableStep.TABLE_EVOLUTION_RULES).toBe(evolution.TABLE_EVOLUTION_RULES);
  });

  it('keeps ajv and the contract mapping out of the table DDL function bundle (built as the function is)', async () => {
    const inputs = Object.keys((await bundleMetafile('lambdas/table-ddl/handler.ts')).inputs);
    expect(inputs).toContain('lambdas/shared/contracts/column-evolution.ts');
    expect(inputs.filter((i) => /node_modules\/ajv|glue-types|contract-ajv/.test(i))).toEqual([]);
  });
});

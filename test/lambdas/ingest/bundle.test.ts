/**
 * The ingest function's bundle, built as the function ships (`LAKEFORGE_ESBUILD_OPTIONS`, AWS SDK bundled), carries
 * what the function runs and nothing of the contract tooling it shares `lambdas/shared` with; and the run-time schema
 * compiler (ajv through `lambdas/shared/contract-ajv.ts`, the largest part the registry added) is evaluated on the
 * first registry schema compiled, not at cold start. Sizes and times are measured by `npm run bench:ingest`, not here.
 */
import type { Metafile } from 'esbuild';
import { bundleMetafile } from '../../helpers/bundle';

const CONTRACT_AJV = 'lambdas/shared/contract-ajv.ts';

/** Contract modules of `lambdas/shared/contracts` the ingest function never runs (build, table DDL, publication). */
const NOT_IN_INGEST = ['glue-types', 'compatibility', 'table-step', 'column-evolution', 'publication-rules'].map(
  (name) => `lambdas/shared/contracts/${name}.ts`,
);

let metafile: Metafile;

beforeAll(async () => {
  metafile = await bundleMetafile('lambdas/ingest/handler.ts');
});

/** The package a bundled file belongs to and the folder holding that package (two copies differ by folder). */
function packageOf(input: string): { name: string; root: string } | undefined {
  const match = /^(.*node_modules\/)((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match === null ? undefined : { name: match[2], root: match[1] };
}

describe('ingest function bundle', () => {
  it('carries the registry compiler but none of the contract modules the function does not run', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain(CONTRACT_AJV);
    expect(inputs.filter((i) => NOT_IN_INGEST.includes(i))).toEqual([]);
  });

  it('carries one copy of ajv, ajv-formats and fast-uri, and no AWS SDK client but S3', () => {
    const roots = new Map<string, Set<string>>();
    for (const input of Object.keys(metafile.inputs)) {
      const pkg = packageOf(input);
      if (pkg !== undefined) roots.set(pkg.name, (roots.get(pkg.name) ?? new Set()).add(pkg.root));
    }
    expect(['ajv', 'ajv-formats', 'fast-uri'].map((name) => [name, roots.get(name)?.size])).toEqual([
      ['ajv', 1],
      ['ajv-formats', 1],
      ['fast-uri', 1],
    ]);
    expect([...roots.keys()].filter((name) => name.startsWith('@aws-sdk/client-'))).toEqual(['@aws-sdk/client-s3']);
  });

  it('reaches the schema compiler only through a lazy require (not evaluated at cold start)', () => {
    const importers = Object.entries(metafile.inputs).flatMap(([file, input]) =>
      input.imports.filter((i) => i.path === CONTRACT_AJV).map((i) => ({ file, kind: i.kind })),
    );
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((i) => i.kind !== 'require-call')).toEqual([]);
    // ajv's compiler itself is reached through contract-ajv only (the precompiled validators use ajv's runtime helpers).
    const compilerImporters = Object.entries(metafile.inputs)
      .filter(([file]) => !file.includes('node_modules/'))
      .filter(([, input]) => input.imports.some((i) => /node_modules\/ajv\/dist\/(ajv|core)\.js$|node_modules\/ajv-formats\//.test(i.path)))
      .map(([file]) => file);
    expect(compilerImporters).toEqual([CONTRACT_AJV]);
  });
});

describe('ingest function at load', () => {
  afterEach(() => {
    jest.dontMock('ajv');
    jest.resetModules();
  });

  it('does not evaluate ajv until a registry schema is compiled, then does (once)', () => {
    let evaluated = 0;
    jest.doMock('ajv', () => {
      evaluated += 1;
      return jest.requireActual('ajv');
    });
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('../../../lambdas/ingest/handler');
      expect(evaluated).toBe(0);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { compileRegistrySchema } = require('../../../lambdas/ingest/registry') as typeof import('../../../lambdas/ingest/registry');
      const uri = 'iglu:com.acme/bundle_probe/jsonschema/1-0-0';
      const schema = {
        $schema: 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#',
        self: { vendor: 'com.acme', name: 'bundle_probe', format: 'jsonschema', version: '1-0-0' },
        type: 'object',
        properties: { n: { type: 'integer' } },
      };
      for (let i = 0; i < 2; i++) {
        const resolution = compileRegistrySchema(JSON.stringify(schema), uri, 'schemas/com.acme/bundle_probe/jsonschema/1-0-0');
        expect(resolution.kind).toBe('found');
      }
      expect(evaluated).toBe(1);
    });
  });
});

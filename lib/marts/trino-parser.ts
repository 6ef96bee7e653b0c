/**
 * Loads dt-sql-parser's Trino grammar (Athena engine 3 is Trino) into CommonJS.
 *
 * dt-sql-parser 4.5 ships ES modules with directory imports that neither Node's CommonJS loader
 * nor jest (which does not transform `node_modules`) can load. We bundle the Trino entry points
 * with the project's esbuild into one CommonJS string on first use (~0.3 s, cached per process)
 * and compile it as a module. esbuild is already required by the CDK app (NodejsFunction
 * bundling), so this adds no dependency; it does mean SQL checks need esbuild at synth time.
 */
import * as path from 'node:path';
import Module from 'node:module';
import type { TrinoSQL } from 'dt-sql-parser';
import type * as TrinoParserModule from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser';

/** The parts of dt-sql-parser this project uses: the Trino facade and the generated parser's context classes. */
export type TrinoModule = { readonly TrinoSQL: typeof TrinoSQL } & typeof TrinoParserModule;

let cached: TrinoModule | undefined;

/**
 * The bundled Trino parser module (created once per process).
 *
 * @throws Error when esbuild or dt-sql-parser cannot be resolved.
 */
export function loadTrino(): TrinoModule {
  if (cached !== undefined) {
    return cached;
  }
  // Required lazily: esbuild is only needed when SQL is checked.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const root = path.dirname(require.resolve('dt-sql-parser/package.json'));
  const result = esbuild.buildSync({
    stdin: {
      contents: [
        "export { TrinoSQL } from './dist/parser/trino/index.js';",
        "export * from './dist/lib/trino/TrinoSqlParser.js';",
      ].join('\n'),
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    keepNames: true,
    write: false,
    logLevel: 'silent',
  });
  const filename = path.join(root, 'lakeforge-trino-bundle.cjs');
  // Module is typed without its internal _compile/_nodeModulePaths; narrow through a local interface.
  interface CompilableModule {
    filename: string;
    paths: string[];
    exports: unknown;
    _compile(code: string, filename: string): void;
  }
  const ModuleCtor = Module as unknown as {
    new (id: string): CompilableModule;
    _nodeModulePaths(dir: string): string[];
  };
  const mod = new ModuleCtor(filename);
  mod.filename = filename;
  mod.paths = ModuleCtor._nodeModulePaths(root);
  mod._compile(result.outputFiles[0].text, filename);
  cached = mod.exports as TrinoModule;
  return cached;
}

let parserInstance: TrinoSQL | undefined;

/** A shared `TrinoSQL` instance (the facade is stateless between calls). */
export function trinoSql(): TrinoSQL {
  parserInstance ??= new (loadTrino().TrinoSQL)();
  return parserInstance;
}

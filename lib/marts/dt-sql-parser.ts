/**
 * Loads grammars of dt-sql-parser into CommonJS.
 *
 * dt-sql-parser 4.5 ships ES modules with directory imports that neither Node's CommonJS loader
 * nor jest (which does not transform `node_modules`) can load. {@link loadDtSqlParser} bundles an
 * entry of the package with the project's esbuild into one CommonJS string (~0.3 s a grammar) and
 * compiles it as a module. esbuild is already required by the CDK app (NodejsFunction bundling),
 * so this adds no dependency; it does mean SQL checks need esbuild at synth time.
 */
import * as path from 'node:path';
import Module from 'node:module';

/**
 * Bundles `entry` (ES module source whose imports are resolved from dt-sql-parser's root, e.g.
 * `export { HiveSQL } from './dist/parser/hive/index.js';`) into CommonJS and returns the compiled module's exports.
 * Each call bundles again: callers keep the result (once per process).
 *
 * @param entry - the bundle's entry source.
 * @param bundleName - the bundle's file name under dt-sql-parser's root (the module's `filename`, shown in stack
 *   traces), e.g. `lakeforge-trino-bundle.cjs`; nothing is written there.
 * @returns the module's exports, typed by the caller as what `entry` exports.
 * @throws Error when esbuild or dt-sql-parser cannot be resolved, or `entry` does not bundle.
 */
export function loadDtSqlParser<T>(entry: string, bundleName: string): T {
  // Required lazily: esbuild is only needed when SQL is checked.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const root = path.dirname(require.resolve('dt-sql-parser/package.json'));
  const result = esbuild.buildSync({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    keepNames: true,
    write: false,
    logLevel: 'silent',
  });
  const filename = path.join(root, bundleName);
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
  return mod.exports as T;
}

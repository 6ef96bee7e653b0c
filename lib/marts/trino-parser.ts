/**
 * Loads dt-sql-parser's Trino grammar (Athena engine 3 is Trino) into CommonJS: the Trino entry points bundled
 * by {@link loadDtSqlParser} on first use (~0.3 s, cached per process).
 */
import type { TrinoSQL } from 'dt-sql-parser';
import type * as TrinoParserModule from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser';
import { loadDtSqlParser } from './dt-sql-parser';

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
  cached = loadDtSqlParser<TrinoModule>(
    ["export { TrinoSQL } from './dist/parser/trino/index.js';", "export * from './dist/lib/trino/TrinoSqlParser.js';"].join('\n'),
    'lakeforge-trino-bundle.cjs',
  );
  return cached;
}

let parserInstance: TrinoSQL | undefined;

/** A shared `TrinoSQL` instance (the facade is stateless between calls). */
export function trinoSql(): TrinoSQL {
  parserInstance ??= new (loadTrino().TrinoSQL)();
  return parserInstance;
}

/**
 * `checkMarts`: everything that must hold before marts are deployed. Returns errors instead of
 * throwing so the CDK app (and `lakeforge marts check`) can report them all and fail synth.
 */
import * as path from 'node:path';
import { buildCatalogModel } from './catalog';
import type { ContractTable } from './contract-adapter';
import { renderCuratedChunksQuery, renderCuratedMerge, renderCuratedWindowQuery, renderFreshnessQuery, renderWatermarkInsert } from './curated';
import type { Mart } from './declaration';
import { renderMartChunksQuery, renderMartMerge } from './render';
import { analyzeStatement, type OutputColumn } from './sql-check';
import { NULL_TYPE, normalizeGlueType } from './sql-types';

/** One problem with a mart (or a curated step), with a position in its SQL when there is one. */
export interface MartCheckError {
  /** Mart name, or `curated.<table>` for a generated curated step. */
  readonly mart: string;
  /** What is wrong, naming the missing table/column or the parser's message. */
  readonly message: string;
  /** SQL file (relative to `cwd`) when the error points into it. @default - none */
  readonly file?: string;
  /** 1-based line. @default - none */
  readonly line?: number;
  /** 1-based column. @default - none */
  readonly column?: number;
}

/** `mart "x" (config/marts/x.sql:3:7): message`. */
export function formatMartCheckError(e: MartCheckError): string {
  const where = e.line === undefined ? '' : ` (${e.file ?? 'sql'}:${e.line}:${e.column ?? 1})`;
  return `mart "${e.mart}"${where}: ${e.message}`;
}

/**
 * Checks every mart and generated curated step:
 * - each SQL file holds exactly one statement that parses with the Trino grammar;
 * - every table and column it references exists in the catalog model (contracts, vendor batch
 *   tables, other marts' declared output columns);
 * - the SELECT list produces exactly the declared output columns, in order, and each column's declared
 *   type is the type its expression produces on Athena (Trino), where that type can be inferred
 *   ({@link outputTypeErrors});
 * - `dependsOn` lists exactly the curated/marts tables the SQL reads, and has no cycle.
 *
 * @param marts - validated declarations.
 * @param contracts - contract tables (from the contract adapter).
 * @param cwd - base for relative file names in errors. @default process.cwd()
 * @returns all errors; empty when everything is valid.
 */
export function checkMarts(marts: readonly Mart[], contracts: readonly ContractTable[], cwd: string = process.cwd()): MartCheckError[] {
  const errors: MartCheckError[] = [];
  const seen = new Set<string>();
  for (const mart of marts) {
    if (seen.has(mart.name)) errors.push({ mart: mart.name, message: 'declared twice' });
    seen.add(mart.name);
  }
  const catalog = buildCatalogModel(contracts, marts);
  // Generated statements: a problem here is a bug in Lakeforge or a contract the generator cannot express.
  for (const contract of contracts) {
    const name = `curated.${contract.tableName}`;
    const generated: [string, string][] = [
      ['window', renderCuratedWindowQuery(contract)],
      ['chunks', renderCuratedChunksQuery(contract)],
      ['merge', renderCuratedMerge(contract)],
      ['watermark', renderWatermarkInsert(contract)],
      ['freshness', renderFreshnessQuery(contract)],
    ];
    for (const [what, sql] of generated) {
      for (const issue of analyzeStatement(sql, catalog).issues) {
        errors.push({ mart: name, message: `${what} statement: ${issue.message}`, line: issue.line, column: issue.column, file: '(generated)' });
      }
    }
  }
  for (const mart of marts) {
    const file = path.relative(cwd, mart.sqlPath);
    const analysis = analyzeStatement(mart.sql, catalog);
    for (const issue of analysis.issues) {
      errors.push({ mart: mart.name, message: issue.message, file, line: issue.line, column: issue.column });
    }
    if (analysis.issues.length > 0) continue;
    if (analysis.outputColumns === undefined) {
      errors.push({ mart: mart.name, message: 'the SQL file must hold a query (SELECT …); the refresh statement is generated' });
      continue;
    }
    const produced = analysis.outputColumns.map((c) => c.name);
    const declared = mart.output.columns.map((c) => c.name);
    if (produced.join(',') !== declared.join(',')) {
      errors.push({ mart: mart.name, file, message: `SELECT list produces (${produced.join(', ')}) but output.columns declares (${declared.join(', ')})` });
    } else {
      errors.push(...outputTypeErrors(mart, analysis.outputColumns, file, cwd));
    }
    if (analysis.tablesRead.includes(mart.table)) {
      errors.push({ mart: mart.name, file, message: `reads its own output table ${mart.table}` });
    }
    for (const [what, sql] of [['refresh MERGE', renderMartMerge(mart)], ['chunks query', renderMartChunksQuery(mart)]] as const) {
      if (sql === undefined) continue;
      for (const issue of analyzeStatement(sql, catalog).issues) {
        errors.push({ mart: mart.name, file: '(generated)', message: `${what}: ${issue.message}`, line: issue.line, column: issue.column });
      }
    }
    const upstream = analysis.tablesRead.filter((t) => !t.startsWith('raw.') && t !== mart.table);
    for (const t of upstream) {
      if (!mart.dependsOn.includes(t)) errors.push({ mart: mart.name, message: `reads ${t} but dependsOn does not list it` });
    }
    for (const t of mart.dependsOn) {
      if (!upstream.includes(t)) errors.push({ mart: mart.name, message: `dependsOn lists ${t} but the SQL does not read it` });
      if (!catalog.tables.has(t)) errors.push({ mart: mart.name, message: `dependsOn lists unknown table ${t}` });
    }
  }
  for (const cycle of findCycles(marts)) {
    errors.push({ mart: cycle[0], message: `dependency cycle: ${cycle.map((m) => `marts.${m}`).join(' → ')}` });
  }
  return errors;
}

/**
 * Declared output types against the types the SELECT list produces: one error per column whose inferred
 * type (see `sql-types.ts`: column references, literals, CAST/TRY_CAST, count/sum/avg/min/max/array_agg,
 * coalesce, CASE, split, …) differs from its declared Glue type, naming the declaration file, the column,
 * both types and the position of the select item. A column whose type cannot be inferred is not checked
 * (no error): the check is exact where it speaks and silent where it cannot know.
 *
 * @param mart - the mart (its declared columns are compared in order).
 * @param produced - the SELECT list's output columns, same names and order as declared.
 * @param file - the SQL file, as printed.
 * @param cwd - base for the declaration file's name.
 */
export function outputTypeErrors(mart: Mart, produced: readonly OutputColumn[], file: string, cwd: string = process.cwd()): MartCheckError[] {
  const declaration = mart.declarationPath === undefined ? undefined : path.isAbsolute(mart.declarationPath) ? path.relative(cwd, mart.declarationPath) : mart.declarationPath;
  const errors: MartCheckError[] = [];
  mart.output.columns.forEach((column, i) => {
    const inferred = produced[i]?.type;
    if (inferred === undefined || inferred === NULL_TYPE) return;
    if (normalizeGlueType(inferred) === normalizeGlueType(column.type)) return;
    errors.push({
      mart: mart.name,
      file,
      line: produced[i].line,
      column: produced[i].column,
      message: `${declaration ?? 'the declaration'}: output.columns.${i} "${column.name}" is declared ${column.type} but the SQL produces ${normalizeGlueType(inferred)}`,
    });
  });
  return errors;
}

function findCycles(marts: readonly Mart[]): string[][] {
  const deps = new Map(marts.map((m) => [m.name, m.dependsOn.filter((d) => d.startsWith('marts.')).map((d) => d.slice(6))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(name)), name]);
      return;
    }
    state.set(name, 'visiting');
    for (const d of deps.get(name) ?? []) visit(d, [...trail, name]);
    state.set(name, 'done');
  };
  for (const m of marts) visit(m.name, []);
  return cycles;
}

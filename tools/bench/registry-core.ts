/**
 * The measurement behind `npm run bench:registry` (issue 12, "Contracts that take any real registry"), without the
 * timing: what the contract model makes of every schema of an Iglu registry folder, as counts a reader can check.
 *
 * From a folder read by the loader (`readIgluFolder`: one entry per file, a load error per bad one, other formats
 * skipped), {@link analyzeRegistry} computes
 * 1. lint ({@link LintSummary}): every loaded schema linted as `contracts lint` does (`lintContract` with one shared
 *    ajv); files found, loaded, well-formed (parse as JSON and their `self` matches their path), mapped; the
 *    refusals grouped by reason class ({@link reasonClass}) with examples; the warnings by fallback rule;
 * 2. SQL and DDL ({@link SqlSummary}): for every mapped schema, its MODEL's table as `readContractTables` builds it
 *    from the mapped versions up to this one (`contractTableOf`: the table's history), the curated window, chunks, MERGE and freshness statements parsed with the
 *    Trino grammar and resolved against the catalog (`analyzeStatement`), and the table's `CREATE TABLE` (the
 *    deploy-time `planTable` on the `IcebergTables` properties) parsed with the Hive grammar;
 * 3. compatibility ({@link PairSummary}): every consecutive version pair of each vendor/name
 *    ({@link consecutivePairs}) through `checkCompatibility`, with the earlier versions of `from`'s MODEL as its
 *    history; verdicts counted by `declared->required` and sufficiency, the insufficient pairs listed with their
 *    reasons at the required step, and the rules grouped.
 * {@link renderRegistrySection} renders it (and the lint timings measured by `registry.ts`) as Markdown.
 *
 * Pure apart from what the parsers load (the dt-sql-parser grammars, bundled once per process): no file I/O, no
 * clock.
 */
import type Ajv from 'ajv';
import { type CompatibilityReport, checkCompatibility } from '../../lib/contracts/compatibility';
import type { Contract } from '../../lib/contracts/contract';
import type { ContractError } from '../../lib/contracts/contract-error';
import { type FallbackId } from '../../lib/contracts/glue-types';
import { type ContractLint, lintContract } from '../../lib/contracts/lint';
import type { LoadResult } from '../../lib/contracts/loader';
import { type IgluUri, type SchemaVer, type SchemaVerStep, compareSchemaVer, parseSchemaVer, renderIgluUri } from '../../lib/contracts/schemaver';
import { renderCuratedIcebergTableSpec, renderTableDdlProperties } from '../../lib/constructs/catalog/iceberg-tables';
import { buildCatalogModel } from '../../lib/marts/catalog';
import { type ContractTable, contractTableOf } from '../../lib/marts/contract-adapter';
import { renderCuratedChunksQuery, renderCuratedMerge, renderCuratedWindowQuery, renderFreshnessQuery } from '../../lib/marts/curated';
import { hiveDdlErrors } from '../../lib/marts/hive-parser';
import { analyzeStatement } from '../../lib/marts/sql-check';
import { planTable } from '../../lambdas/table-ddl/core';

/** Example URIs kept per reason class, rule or problem list. */
export const EXAMPLES_PER_GROUP = 3;

/** One class of refusal: the schemas refused for it (a schema with several problems counts in each of their classes). */
export interface ReasonGroup {
  /** The reason with its specific values blanked ({@link reasonClass}), e.g. `self.version "…" does not match …`. */
  readonly reasonClass: string;
  /** False for a file that is not well-formed (not JSON, no matching `self`, not a schema file of the layout). */
  readonly wellFormed: boolean;
  /** Schemas (files) refused with this class. */
  readonly count: number;
  /** The first {@link EXAMPLES_PER_GROUP} URIs (or paths), in load order. */
  readonly examples: readonly string[];
}

/** The warnings of one fallback rule. */
export interface WarningCount {
  /** The fallback rule (`FALLBACK_RULES`). */
  readonly rule: FallbackId;
  /** Warnings raised. */
  readonly warnings: number;
  /** Schemas with at least one. */
  readonly schemas: number;
}

/** What lint makes of the folder. */
export interface LintSummary {
  /** Schema files (and misplaced entries) found: loaded + not loaded. */
  readonly found: number;
  /** Files the loader parsed into contracts. */
  readonly loaded: number;
  /** Files that parse as JSON and whose `self` matches their path (the loader's other refusals included). */
  readonly wellFormed: number;
  /** Schemas that load, compile with ajv and map to Glue columns (`contracts lint` says ok). */
  readonly mapped: number;
  /** Folders of other schema formats (`avro`, `thrift`…), skipped by the loader, as paths. */
  readonly skipped: readonly string[];
  /** Refusals by class, most frequent first. */
  readonly refusals: readonly ReasonGroup[];
  /** Warnings by fallback rule, most frequent first. */
  readonly warnings: readonly WarningCount[];
}

/** The SQL and DDL problems of one mapped schema. */
export interface SqlProblem {
  /** The schema's Iglu URI. */
  readonly uri: string;
  /** `<statement>: <kind> <line>:<column> <message>` per issue; `render: <message>` when a renderer threw. */
  readonly problems: readonly string[];
}

/** The curated SQL and table DDL of every mapped schema. */
export interface SqlSummary {
  /** Mapped schemas whose statements were rendered and parsed. */
  readonly checked: number;
  /** Of those, the ones with no problem in any statement. */
  readonly clean: number;
  /** Statements rendered and parsed per schema (4 curated statements + 1 CREATE TABLE). */
  readonly statementsPerSchema: number;
  /** Every schema with a problem, in load order. */
  readonly problems: readonly SqlProblem[];
}

/** One version file of a vendor/name, loaded or not. */
export interface VersionEntry {
  /** Iglu URI from the file's location. */
  readonly uri: string;
  /** Iglu vendor (from the location). */
  readonly vendor: string;
  /** Iglu name (from the location). */
  readonly name: string;
  /** Version from the file name. */
  readonly version: SchemaVer;
  /** The loaded contract; absent when the file did not load. */
  readonly contract?: Contract;
  /** Why the file did not load (the loader's reason); absent when it did. */
  readonly loadError?: string;
}

/** Two consecutive versions of one vendor/name and the versions of `from`'s MODEL below `from`. */
export interface VersionPair {
  /** The older version. */
  readonly from: VersionEntry;
  /** The next version of the same vendor/name. */
  readonly to: VersionEntry;
  /** Loaded versions of `from`'s MODEL below `from`, oldest first (the table's history). */
  readonly history: readonly Contract[];
}

/** One reason of an insufficient pair, at the required step. */
export interface PairReason {
  /** A compatibility rule (instance step) or a table rule (table step). */
  readonly rule: string;
  /** JSON pointer (instance step) or `column <name>` (table step). */
  readonly where: string;
  /** The checker's message. */
  readonly message: string;
}

/** A pair whose declared bump is smaller than the change needs. */
export interface InsufficientPair {
  /** Iglu URI of the older version. */
  readonly from: string;
  /** Iglu URI of the newer version. */
  readonly to: string;
  /** The step the version numbers declare. */
  readonly declared: SchemaVerStep | 'NONE';
  /** The step the change needs (the larger of the instance and table steps). */
  readonly required: SchemaVerStep | 'NONE';
  /** The reasons at the required step (the ones the declared bump does not cover). */
  readonly reasons: readonly PairReason[];
}

/** Verdicts of one kind: `declared->required`, sufficient or not. */
export interface VerdictCount {
  /** The step the version numbers declare. */
  readonly declared: SchemaVerStep | 'NONE';
  /** The step the change needs. */
  readonly required: SchemaVerStep | 'NONE';
  /** Whether the declared step covers the required one. */
  readonly sufficient: boolean;
  /** Pairs with this verdict. */
  readonly count: number;
}

/** The insufficient pairs that name one rule at their required step. */
export interface RuleCount {
  /** A compatibility rule id (`COMPATIBILITY_RULES`) or table rule id (`TABLE_EVOLUTION_RULES`). */
  readonly rule: string;
  /** Insufficient pairs with at least one reason of this rule at the required step. */
  readonly pairs: number;
  /** The first {@link EXAMPLES_PER_GROUP} of them, `from → to`. */
  readonly examples: readonly string[];
}

/** Compatibility verdicts of every consecutive version pair. */
export interface PairSummary {
  /** Consecutive pairs (over every version file, loaded or not). */
  readonly pairs: number;
  /** Pairs whose two versions loaded and were compared. */
  readonly compared: number;
  /** Verdict counts, most frequent first. */
  readonly verdicts: readonly VerdictCount[];
  /** Every insufficient pair, in registry order. */
  readonly insufficient: readonly InsufficientPair[];
  /** Rules at the required step of the insufficient pairs, most frequent first. */
  readonly byRule: readonly RuleCount[];
  /** Pairs not compared: a version did not load, or the checker refused the pair. */
  readonly notCompared: readonly NotComparedPair[];
}

/** A pair that was not compared. */
export interface NotComparedPair {
  /** Iglu URI of the older version. */
  readonly from: string;
  /** Iglu URI of the newer version. */
  readonly to: string;
  /** `<uri> does not load: <reason>`, or the checker's error. */
  readonly reason: string;
}

/** Everything {@link analyzeRegistry} measures. */
export interface RegistryAnalysis {
  /** The Iglu root read (`dir` or `dir/schemas`). */
  readonly root: string;
  /** Files, mapped share, refusals, warnings. */
  readonly lint: LintSummary;
  /** Curated SQL and table DDL of the mapped schemas. */
  readonly sql: SqlSummary;
  /** Compatibility verdicts of consecutive versions. */
  readonly pairs: PairSummary;
}

/** Speed of lint, measured by `registry.ts` (interleaved runs, medians). */
export interface LintTiming {
  /** Loaded schemas linted per run. */
  readonly schemas: number;
  /** Measured runs per variant. */
  readonly runs: number;
  /** Median ms to lint every schema with one shared ajv (`createContractAjv` once, as `contracts lint`). */
  readonly sharedAjvMs: number;
  /** Median ms to lint every schema with a new ajv per schema (the behaviour before issue 12). */
  readonly ajvPerSchemaMs: number;
}

/** Options of {@link analyzeRegistry}. */
export interface AnalyzeOptions {
  /**
   * The URI to show for a file that did not load.
   * @default {@link uriOfFile}
   */
  readonly uriOfFile?: (file: string) => string;
}

const VERSION_FILE_RE = /^(\d+-\d+-\d+)(\.json)?$/;

/**
 * Vendor, name and version of a schema file from its location `…/<vendor>/<name>/jsonschema/<M-R-A>[.json]`;
 * `undefined` when the path is not in that layout.
 */
export function versionFileOf(file: string): IgluUri | undefined {
  const parts = file.split(/[\\/]/);
  const m = VERSION_FILE_RE.exec(parts[parts.length - 1] ?? '');
  if (m === null || parts.length < 4 || parts[parts.length - 2] !== 'jsonschema') return undefined;
  try {
    return { vendor: parts[parts.length - 4], name: parts[parts.length - 3], format: 'jsonschema', version: parseSchemaVer(m[1]) };
  } catch {
    return undefined;
  }
}

/** The Iglu URI a file's location names ({@link versionFileOf}), or the path itself when it is not in the layout. */
export function uriOfFile(file: string): string {
  const uri = versionFileOf(file);
  return uri === undefined ? file : renderIgluUri(uri);
}

/**
 * The class of a refusal: its reason with the specific values blanked, so schemas refused for the same reason
 * group together. Quoted values become `"…"`, Iglu URIs `iglu:…`, URLs `<url>`, JSON pointers after ` at ` `/…`;
 * JSON syntax errors are one class.
 * @param reason - a `ContractError`'s reason (without the file and pointer).
 */
export function reasonClass(reason: string): string {
  if (reason.startsWith('not valid JSON')) return 'not valid JSON';
  return reason
    .replace(/iglu:[^\s"',)]+/g, 'iglu:…')
    .replace(/https?:\/\/[^\s"',)]+/g, '<url>')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/ at \/[^\s,;:]*/g, ' at /…')
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'");
}

/**
 * True when a file the loader refused is still well-formed: it parses as a JSON object, sits where the layout
 * expects a schema file, and its `self` block matches its path (the loader refused it for another reason, e.g. an
 * unsupported `$schema`).
 */
export function isWellFormedLoadError(e: Pick<ContractError, 'pointer' | 'reason'>): boolean {
  if (e.pointer === '/self' || e.pointer.startsWith('/self/')) return false;
  return !/^(not valid JSON|a self-describing schema must be a JSON object|expected a )/.test(e.reason);
}

function sortedGroups<T extends { readonly count: number }>(groups: Iterable<T>, key: (g: T) => string): T[] {
  return [...groups].sort((a, b) => b.count - a.count || key(a).localeCompare(key(b)));
}

/**
 * Group refusals by class: `refusals` is one entry per refused file, with its problems.
 */
export function groupRefusals(refusals: readonly { readonly uri: string; readonly wellFormed: boolean; readonly reasons: readonly string[] }[]): ReasonGroup[] {
  const groups = new Map<string, { reasonClass: string; wellFormed: boolean; count: number; examples: string[] }>();
  for (const r of refusals) {
    for (const cls of new Set(r.reasons.map(reasonClass))) {
      const key = `${r.wellFormed}\u0000${cls}`;
      const g = groups.get(key) ?? { reasonClass: cls, wellFormed: r.wellFormed, count: 0, examples: [] };
      g.count += 1;
      if (g.examples.length < EXAMPLES_PER_GROUP) g.examples.push(r.uri);
      groups.set(key, g);
    }
  }
  return sortedGroups(groups.values(), (g) => g.reasonClass);
}

/** Warnings of every lint, counted by fallback rule. */
export function countWarnings(lints: readonly ContractLint[]): WarningCount[] {
  const counts = new Map<FallbackId, { rule: FallbackId; warnings: number; schemas: number }>();
  for (const l of lints) {
    const seen = new Set<FallbackId>();
    for (const w of l.warnings) {
      const c = counts.get(w.rule) ?? { rule: w.rule, warnings: 0, schemas: 0 };
      c.warnings += 1;
      if (!seen.has(w.rule)) c.schemas += 1;
      seen.add(w.rule);
      counts.set(w.rule, c);
    }
  }
  return [...counts.values()].sort((a, b) => b.warnings - a.warnings || a.rule.localeCompare(b.rule));
}

/**
 * The lint summary of a folder: `lints[i]` is the lint of `load.contracts[i]`.
 * @param uriOf - the URI to show for a file that did not load.
 */
export function summarizeLint(load: LoadResult, lints: readonly ContractLint[], uriOf: (file: string) => string = uriOfFile): LintSummary {
  const loadRefusals = load.errors.map((e) => ({ uri: uriOf(e.file), wellFormed: isWellFormedLoadError(e), reasons: [e.reason] }));
  const lintRefusals = lints.filter((l) => l.errors.length > 0).map((l) => ({ uri: l.uri, wellFormed: true, reasons: l.errors.map((e) => e.reason) }));
  return {
    found: load.contracts.length + load.errors.length,
    loaded: load.contracts.length,
    wellFormed: load.contracts.length + loadRefusals.filter((r) => r.wellFormed).length,
    mapped: lints.filter((l) => l.errors.length === 0).length,
    skipped: load.skipped,
    refusals: groupRefusals([...lintRefusals, ...loadRefusals]),
    warnings: countWarnings(lints),
  };
}

/** Names used for the rendered DDL (any valid names: the grammar is what is checked). */
const DDL_TARGET = { workgroup: 'lakeforge_bench', database: 'lakeforge_bench_curated', bucketName: 'lakeforge-bench-curated' } as const;

/**
 * The problems of the SQL and DDL one contract table renders: the curated window, chunks, MERGE and freshness
 * statements (Trino grammar + name resolution, `analyzeStatement`) and the deploy-time `CREATE TABLE` (Hive
 * grammar). Empty when everything parses and resolves.
 */
export function checkTableSql(table: ContractTable): string[] {
  const problems: string[] = [];
  try {
    const catalog = buildCatalogModel([table], []);
    const statements: [string, string][] = [
      ['window', renderCuratedWindowQuery(table)],
      ['chunks', renderCuratedChunksQuery(table)],
      ['merge', renderCuratedMerge(table)],
      ['freshness', renderFreshnessQuery(table)],
    ];
    for (const [label, sql] of statements) {
      for (const i of analyzeStatement(sql, catalog).issues) problems.push(`${label}: ${i.kind} ${i.line}:${i.column} ${i.message}`);
    }
    const spec = renderCuratedIcebergTableSpec(table, {
      database: DDL_TARGET.database,
      bucketName: DDL_TARGET.bucketName,
      description: `Curated, deduplicated events of ${table.schemaUri}, by event date.`,
      parameters: {},
    });
    const [ddlTable] = renderTableDdlProperties(DDL_TARGET.workgroup, [spec]).Tables;
    const create = planTable(ddlTable, undefined).find((a) => a.kind === 'create');
    if (create === undefined || create.kind !== 'create') problems.push('create table: planTable planned no CREATE TABLE for an absent table');
    else problems.push(...hiveDdlErrors(create.sql).map((e) => `create table: hive ${e}`));
  } catch (e) {
    problems.push(`render: ${(e as Error).message}`);
  }
  return problems;
}

/** Statements {@link checkTableSql} renders per schema. */
export const STATEMENTS_PER_SCHEMA = 5;

/**
 * Every version file as a {@link VersionEntry}: the loaded contracts, and the files that did not load but sit in the
 * layout (their location gives vendor, name and version).
 */
export function versionEntries(load: LoadResult): VersionEntry[] {
  const loaded = load.contracts.map((l): VersionEntry => ({ uri: l.contract.id, vendor: l.contract.uri.vendor, name: l.contract.uri.name, version: l.contract.uri.version, contract: l.contract }));
  const failed = load.errors.flatMap((e): VersionEntry[] => {
    const uri = versionFileOf(e.file);
    return uri === undefined ? [] : [{ uri: renderIgluUri(uri), vendor: uri.vendor, name: uri.name, version: uri.version, loadError: e.reason }];
  });
  return [...loaded, ...failed];
}

/**
 * Consecutive version pairs of each vendor/name (registry order: vendor, name, version), each with the loaded
 * versions of `from`'s MODEL below `from` as history. Two files of the same version (`1-0-0` and `1-0-0.json`)
 * are consecutive too.
 */
export function consecutivePairs(entries: readonly VersionEntry[]): VersionPair[] {
  const byName = new Map<string, VersionEntry[]>();
  for (const e of entries) {
    const key = `${e.vendor}/${e.name}`;
    byName.set(key, [...(byName.get(key) ?? []), e]);
  }
  const pairs: VersionPair[] = [];
  for (const key of [...byName.keys()].sort()) {
    const list = [...(byName.get(key) ?? [])].sort((a, b) => compareSchemaVer(a.version, b.version));
    for (let i = 1; i < list.length; i++) {
      const from = list[i - 1];
      const history = list
        .slice(0, i - 1)
        .filter((e) => e.version.model === from.version.model)
        .flatMap((e) => (e.contract === undefined ? [] : [e.contract]));
      pairs.push({ from, to: list[i], history });
    }
  }
  return pairs;
}

/** The reasons of a report at its required step (the ones the declared bump does not cover when insufficient). */
export function reasonsAtRequiredStep(report: CompatibilityReport): PairReason[] {
  return [
    ...report.reasons.filter((r) => r.step === report.required).map((r) => ({ rule: r.rule, where: r.pointer === '' ? '(root)' : r.pointer, message: r.message })),
    ...report.tableReasons.filter((r) => r.step === report.required).map((r) => ({ rule: r.rule, where: `column ${r.column}`, message: r.message })),
  ];
}

/**
 * The compatibility verdict of every pair: `checkCompatibility(from, to, { history })`.
 * @param check - the checker. @default `checkCompatibility`
 */
export function comparePairs(pairs: readonly VersionPair[], check: typeof checkCompatibility = checkCompatibility): PairSummary {
  const verdicts = new Map<string, { declared: SchemaVerStep | 'NONE'; required: SchemaVerStep | 'NONE'; sufficient: boolean; count: number }>();
  const insufficient: InsufficientPair[] = [];
  const notCompared: NotComparedPair[] = [];
  for (const { from, to, history } of pairs) {
    if (from.contract === undefined || to.contract === undefined) {
      const bad = from.contract === undefined ? from : to;
      notCompared.push({ from: from.uri, to: to.uri, reason: `${bad.uri} does not load: ${bad.loadError ?? 'unknown'}` });
      continue;
    }
    let report: CompatibilityReport;
    try {
      report = check(from.contract, to.contract, { history });
    } catch (e) {
      notCompared.push({ from: from.uri, to: to.uri, reason: (e as Error).message });
      continue;
    }
    const key = `${report.declared}->${report.required}:${report.sufficient}`;
    const v = verdicts.get(key) ?? { declared: report.declared, required: report.required, sufficient: report.sufficient, count: 0 };
    v.count += 1;
    verdicts.set(key, v);
    if (!report.sufficient) insufficient.push({ from: report.from, to: report.to, declared: report.declared, required: report.required, reasons: reasonsAtRequiredStep(report) });
  }
  const rules = new Map<string, { rule: string; count: number; examples: string[] }>();
  for (const p of insufficient) {
    for (const rule of new Set(p.reasons.map((r) => r.rule))) {
      const g = rules.get(rule) ?? { rule, count: 0, examples: [] };
      g.count += 1;
      if (g.examples.length < EXAMPLES_PER_GROUP) g.examples.push(`${p.from} → ${versionOf(p.to)}`);
      rules.set(rule, g);
    }
  }
  return {
    pairs: pairs.length,
    compared: pairs.length - notCompared.length,
    verdicts: sortedGroups(verdicts.values(), (v) => `${v.declared}->${v.required}:${v.sufficient}`),
    insufficient,
    byRule: sortedGroups(rules.values(), (r) => r.rule).map(({ rule, count, examples }) => ({ rule, pairs: count, examples })),
    notCompared,
  };
}

/** `1-0-1` from `iglu:…/1-0-1`. */
function versionOf(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1);
}

/**
 * Lint, SQL/DDL and compatibility of a loaded folder.
 * @param load - `readIgluFolder(dir)`.
 * @param ajv - the ajv instance every schema is compiled with (`createContractAjv(false)`, as `contracts lint`).
 */
export function analyzeRegistry(load: LoadResult, ajv: Ajv, options: AnalyzeOptions = {}): RegistryAnalysis {
  const lints = load.contracts.map((l) => lintContract(l, ajv));
  const lint = summarizeLint(load, lints, options.uriOfFile ?? uriOfFile);
  const problems: SqlProblem[] = [];
  let checked = 0;
  // Each mapped version's table as the deployed table holds it then: the MODEL's mapped versions up to it
  // (`contractTableOf`, the history readContractTables builds); the folder is sorted by vendor, name, version.
  const mappedSoFar = new Map<string, Contract[]>();
  load.contracts.forEach((l, i) => {
    if (lints[i].errors.length > 0) return;
    checked += 1;
    const { vendor, name, version } = l.contract.uri;
    const key = `${vendor}/${name}/${version.model}`;
    const versions = [...(mappedSoFar.get(key) ?? []), l.contract];
    mappedSoFar.set(key, versions);
    let found: string[];
    try {
      found = checkTableSql(contractTableOf(versions));
    } catch (e) {
      found = [`table: ${(e as Error).message}`];
    }
    if (found.length > 0) problems.push({ uri: l.contract.id, problems: found });
  });
  return {
    root: load.root,
    lint,
    sql: { checked, clean: checked - problems.length, statementsPerSchema: STATEMENTS_PER_SCHEMA, problems },
    pairs: comparePairs(consecutivePairs(versionEntries(load))),
  };
}

/** Options of {@link renderRegistrySection}. */
export interface RenderOptions {
  /** How the folder is named in the section: a path (shown as code, e.g. `config/contracts`) or words. */
  readonly label: string;
  /** The machine line (CPUs, Node, date, load), or omitted. @default - none */
  readonly machine?: string;
  /** The lint timings. @default - no speed table */
  readonly timing?: LintTiming;
  /** Insufficient pairs and SQL problems listed at most. @default 60 */
  readonly maxListed?: number;
}

const pct = (n: number, d: number): string => (d === 0 ? '–' : `${((100 * n) / d).toFixed(1)}%`);
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
const cut = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** The BENCHMARKS.md "Registry" section (between `<!-- registry:start … -->` and `<!-- registry:end -->`). */
export function renderRegistrySection(a: RegistryAnalysis, o: RenderOptions): string {
  const { lint, sql, pairs } = a;
  const max = o.maxListed ?? 60;
  const refusedWellFormed = lint.wellFormed - lint.mapped;
  const lines = [
    '<!-- registry:start (written by `npm run bench:registry`; do not edit by hand) -->',
    '## Registry',
    '',
    ...(o.machine === undefined ? [] : [o.machine]),
    `Registry: ${/\s/.test(o.label) ? o.label : `\`${o.label}\``}${/[\\/]schemas$/.test(a.root) ? ' (its `schemas/` folder)' : ''}, ${lint.found} jsonschema files${lint.skipped.length === 0 ? '' : `; ${lint.skipped.length} folder(s) of other formats skipped`}.`,
    '',
    '### Lint (`contracts lint`)',
    '',
    '| files | count | share |',
    '|---|---:|---:|',
    `| found | ${lint.found} | |`,
    `| loaded (JSON, \`self\` matches the path, accepted \`$schema\`) | ${lint.loaded} | ${pct(lint.loaded, lint.found)} |`,
    `| well-formed (JSON, \`self\` matches the path) | ${lint.wellFormed} | ${pct(lint.wellFormed, lint.found)} |`,
    `| **mapped** (load, compile with ajv, map to Glue columns) | **${lint.mapped}** | **${pct(lint.mapped, lint.found)}** of all, **${pct(lint.mapped, lint.wellFormed)}** of well-formed |`,
    '',
    ...(lint.refusals.length === 0
      ? ['Refused: none.', '']
      : [
          `Refused: ${lint.found - lint.mapped} files (${refusedWellFormed} well-formed, ${lint.found - lint.wellFormed} not). By reason class (a file with problems of several classes counts in each):`,
          '',
          '| files | well-formed | reason class | examples |',
          '|---:|---|---|---|',
          ...lint.refusals.map((g) => `| ${g.count} | ${g.wellFormed ? 'yes' : 'no'} | ${cell(cut(g.reasonClass, 160))} | ${g.examples.map((e) => `\`${e}\``).join(' ')} |`),
          '',
        ]),
    lint.warnings.length === 0
      ? 'Warnings (fallbacks): none.'
      : `Warnings (fallbacks, \`FALLBACK_RULES\`): ${lint.warnings.map((w) => `\`${w.rule}\` ${w.warnings} (${w.schemas} schemas)`).join(', ')}.`,
    '',
    '### Curated SQL and table DDL',
    '',
    `Every mapped schema on its MODEL's table as it stands at that version (the mapped versions up to it, \`contractTableOf\`): window, chunks, MERGE and freshness statements (Trino grammar + catalog name resolution, \`analyzeStatement\`) and \`CREATE TABLE\` (\`planTable\`, Hive grammar): ${sql.statementsPerSchema} statements each.`,
    `**${sql.clean}/${sql.checked}** schemas clean${sql.problems.length === 0 ? '.' : `; ${sql.problems.length} with problems:`}`,
    ...sql.problems.slice(0, max).map((p) => `- \`${p.uri}\`: ${cell(cut(p.problems.slice(0, 3).join(' | '), 300))}`),
    ...(sql.problems.length > max ? [`- … and ${sql.problems.length - max} more (\`--json\` lists all)`] : []),
    '',
    '### Compatibility of consecutive versions (`contracts diff`)',
    '',
    `${pairs.pairs} consecutive version pairs of the same vendor/name; ${pairs.compared} compared (\`checkCompatibility\`, the earlier versions of \`from\`'s MODEL as history), ${pairs.pairs - pairs.compared} not (a version does not load, or the checker refused the pair). **${pairs.insufficient.length}** insufficient.`,
    '',
    ...(pairs.verdicts.length === 0
      ? []
      : ['| declared → required | sufficient | pairs |', '|---|---|---:|', ...pairs.verdicts.map((v) => `| ${v.declared} → ${v.required} | ${v.sufficient ? 'yes' : '**no**'} | ${v.count} |`), '']),
  ];
  if (pairs.byRule.length > 0) {
    lines.push(
      'Rules at the required step of the insufficient pairs (a pair counts once per rule):',
      '',
      '| rule | pairs | examples |',
      '|---|---:|---|',
      ...pairs.byRule.map((r) => `| \`${r.rule}\` | ${r.pairs} | ${r.examples.map((e) => `\`${e}\``).join(', ')} |`),
      '',
      'Insufficient pairs, with the reasons at the required step:',
      '',
      ...pairs.insufficient.slice(0, max).map((p) => `- \`${p.from}\` → ${versionOf(p.to)}: declared ${p.declared}, required ${p.required}: ${cell(cut(p.reasons.map((r) => `[${r.rule}] ${r.where}: ${r.message}`).join('; '), 300))}`),
      ...(pairs.insufficient.length > max ? [`- … and ${pairs.insufficient.length - max} more (\`--json\` lists all)`] : []),
      '',
    );
  }
  if (pairs.notCompared.length > 0) {
    lines.push('Pairs not compared:', '', ...pairs.notCompared.slice(0, max).map((p) => `- \`${p.from}\` → ${versionOf(p.to)}: ${cell(cut(p.reason, 200))}`), '');
  }
  if (o.timing !== undefined) {
    const t = o.timing;
    const perSecond = (ms: number): string => Math.round(t.schemas / (ms / 1000)).toLocaleString('en-US');
    lines.push(
      '### Lint speed',
      '',
      `Lint (\`lintContract\`: ajv compile + Glue mapping) of the ${t.schemas} loaded schemas, median of ${t.runs} interleaved runs after one warm-up each:`,
      '',
      '| variant | time (ms) | schemas/s | ms per schema |',
      '|---|---:|---:|---:|',
      `| one shared ajv for the folder (\`createContractAjv\` once, as \`contracts lint\`) | ${t.sharedAjvMs.toFixed(0)} | ${perSecond(t.sharedAjvMs)} | ${(t.sharedAjvMs / Math.max(1, t.schemas)).toFixed(2)} |`,
      `| a new ajv per schema (before issue 12) | ${t.ajvPerSchemaMs.toFixed(0)} | ${perSecond(t.ajvPerSchemaMs)} | ${(t.ajvPerSchemaMs / Math.max(1, t.schemas)).toFixed(2)} |`,
      '',
      `Shared ajv / ajv per schema: **${(t.ajvPerSchemaMs / t.sharedAjvMs).toFixed(1)}×** faster.`,
      '',
    );
  }
  while (lines[lines.length - 1] === '') lines.pop();
  lines.push('<!-- registry:end -->');
  return lines.join('\n');
}

/**
 * Rendering per stage and the pure helpers the CDK side needs: refresh statements with physical
 * Glue database names, output tables, schedules, and the tables each step reads and writes
 * (for least-privilege IAM).
 *
 * Refresh mechanism of a mart (Athena engine 3): the output table is an Iceberg table; one
 * `MERGE INTO marts.<name> USING (<the mart's SELECT>) ON <key> WHEN MATCHED THEN UPDATE …
 * WHEN NOT MATCHED THEN INSERT …` per run — atomic and safe to re-run. Rows whose key vanished
 * from the SELECT are not deleted (the reference marts are aggregates over append-only data, so
 * keys never vanish).
 */
import type { TableRefContext } from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser';
import { databaseName, type CatalogZone } from '../shared/naming';
import { buildCatalogModel } from './catalog';
import type { ContractTable } from './contract-adapter';
import { curatedTable, renderCuratedMerge } from './curated';
import type { Mart } from './declaration';
import { analyzeStatement } from './sql-check';
import { loadTrino, trinoSql } from './trino-parser';

/** Default schedule of a curated step (hourly at minute 5), before the marts at :15 and later. */
export const CURATED_SCHEDULE = 'cron(5 * * * ? *)';

/**
 * Event-date (`dt`) partitions the freshness read of a curated table looks at, counted back from the
 * run's UTC date: 8 = the longest freshness SLA a product may declare (7 days, `lib/products/declaration.ts`)
 * plus the partial day at the window's start. Reading only these partitions keeps the probe cheap (two
 * timestamp columns of at most 9 Parquet partitions, pruned by Iceberg); finding nothing in the window means
 * the newest event is older than any allowed SLA, and the function then emits no metric, which the alarm
 * treats as breaching.
 */
export const FRESHNESS_WINDOW_DAYS = 8;

/**
 * Replaces zone-qualified logical table names (`raw.x`, `curated.x`, `marts.x`) with physical
 * ones (`lakeforge_<env>_<zone>.x`). Works on the parse tree's table references, so strings,
 * comments and column names are left alone.
 *
 * @throws Error when the SQL does not parse.
 */
export function renderPhysical(sql: string, env: string): string {
  const T = loadTrino();
  const errors = trinoSql().validate(sql);
  if (errors.length > 0) {
    throw new Error(`Cannot render SQL that does not parse: ${errors[0].startLine}:${errors[0].startColumn} ${errors[0].message}`);
  }
  const refs: TableRefContext[] = [];
  const walk = (node: { getChildCount(): number; getChild(i: number): unknown }): void => {
    if (node instanceof T.TableRefContext) refs.push(node);
    for (let i = 0; i < node.getChildCount(); i++) {
      const child = node.getChild(i);
      if (child !== null && typeof child === 'object' && 'getChildCount' in child) walk(child as typeof node);
    }
  };
  walk(trinoSql().parse(sql));
  let out = sql;
  for (const ref of refs.sort((a, b) => (b.start?.start ?? 0) - (a.start?.start ?? 0))) {
    const ids = ref.identifier();
    const zone = ids.length === 2 ? ids[0].getText().toLowerCase() : '';
    if (zone === 'raw' || zone === 'curated' || zone === 'marts') {
      const start = ids[0].start!.start;
      const stop = ids[0].stop!.stop;
      out = out.slice(0, start) + databaseName(env, zone as CatalogZone) + out.slice(stop + 1);
    }
  }
  return out;
}

/** The logical (zone-qualified) MERGE statement that refreshes a mart. */
export function renderMartMerge(mart: Mart): string {
  const cols = mart.output.columns.map((c) => c.name);
  const nonKey = cols.filter((c) => !mart.output.key.includes(c));
  const select = mart.sql
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  return [
    `MERGE INTO ${mart.table} AS tgt`,
    'USING (',
    select,
    ') AS src',
    `ON ${mart.output.key.map((k) => `tgt.${k} = src.${k}`).join(' AND ')}`,
    ...(nonKey.length === 0 ? [] : ['WHEN MATCHED THEN UPDATE SET', nonKey.map((c) => `  ${c} = src.${c}`).join(',\n')]),
    `WHEN NOT MATCHED THEN INSERT (${cols.join(', ')})`,
    `VALUES (${cols.map((c) => `src.${c}`).join(', ')})`,
  ].join('\n');
}

/** A physical table reference: Glue database and table name. */
export interface PhysicalTable {
  readonly database: string;
  readonly table: string;
}

/**
 * What the freshness read after a curated step looks at (rendered into SQL by the refresh function,
 * `renderFreshnessQuery` in lambdas/mart-refresh/core.ts, with the run's clock).
 */
export interface FreshnessProbe {
  /** The curated table (physical). */
  readonly table: PhysicalTable;
  /** Event-date partitions read, counted back from the run's UTC date. @default {@link FRESHNESS_WINDOW_DAYS} */
  readonly windowDays: number;
}

/** One refresh step (a curated step or a mart) rendered for a stage. */
export interface RefreshStep {
  /** Step id: the logical output table, `curated.<table>` or `marts.<name>`. */
  readonly id: string;
  readonly kind: 'curated' | 'mart';
  /** EventBridge Scheduler expression. */
  readonly schedule: string;
  /** Glue database used as the Athena QueryExecutionContext. */
  readonly database: string;
  /** Statements in execution order (physical names). */
  readonly statements: readonly string[];
  /** Tables read (physical), for IAM. */
  readonly reads: readonly PhysicalTable[];
  /** Tables written (physical), for IAM. */
  readonly writes: readonly PhysicalTable[];
  /** Step ids that must run first (direct dependencies). */
  readonly dependsOn: readonly string[];
  /**
   * Curated steps only: the table whose newest `arrival_time` and `event_time` are read after the MERGE
   * succeeded (metrics `CuratedFreshnessSeconds` and `CuratedEventLagSeconds`).
   * @default - no freshness read (marts)
   */
  readonly freshness?: FreshnessProbe;
}

/**
 * The refresh plan of a stage: JSON-serializable, bundled with the refresh Lambda as
 * `refresh-plan.json` (see `lambdas/mart-refresh`).
 */
export interface RefreshPlan {
  readonly env: string;
  readonly steps: Readonly<Record<string, RefreshStep>>;
}

function physical(env: string, logical: string): PhysicalTable {
  const [zone, table] = logical.split('.');
  return { database: databaseName(env, zone as CatalogZone), table };
}

/**
 * Renders every curated step and mart for a stage.
 *
 * @param env - environment name (`dev`, `acc`, `prod`).
 * @param marts - validated declarations (run `checkMarts` first).
 * @param contracts - contract tables.
 * @throws Error when a statement does not parse.
 */
export function renderRefreshPlan(env: string, marts: readonly Mart[], contracts: readonly ContractTable[]): RefreshPlan {
  const steps: Record<string, RefreshStep> = {};
  const catalog = buildCatalogModel(contracts, marts);
  for (const c of contracts) {
    const id = curatedTable(c).name;
    steps[id] = {
      id,
      kind: 'curated',
      schedule: CURATED_SCHEDULE,
      database: databaseName(env, 'curated'),
      statements: [renderPhysical(renderCuratedMerge(c), env)],
      reads: [physical(env, `raw.${c.tableName}`), physical(env, id)],
      writes: [physical(env, id)],
      dependsOn: [],
      freshness: { table: physical(env, id), windowDays: FRESHNESS_WINDOW_DAYS },
    };
  }
  for (const m of marts) {
    const reads = new Set<string>([...m.dependsOn, ...analyzeStatement(m.sql, catalog).tablesRead]);
    steps[m.table] = {
      id: m.table,
      kind: 'mart',
      schedule: m.schedule,
      database: databaseName(env, 'marts'),
      statements: [renderPhysical(renderMartMerge(m), env)],
      reads: [...reads, m.table].sort().map((t) => physical(env, t)),
      writes: [physical(env, m.table)],
      dependsOn: [...m.dependsOn],
    };
  }
  return { env, steps };
}



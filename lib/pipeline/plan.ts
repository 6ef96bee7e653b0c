/**
 * The pipeline plan of a stage: everything the raw → curated → marts run executes, as data. One plan,
 * two executors: the Step Functions state machine (`PipelineOrchestration`, which reads the steps from a
 * JSON asset) and the local runtime (`tools/local/pipeline-runner.ts`, on DuckDB). Both run the same
 * statements in the same order with the same chunking:
 *
 * 1. every curated step (in parallel on AWS, one after another locally), each:
 *    window query → chunks query → one write per chunk (in chunk order, one at a time) → watermark insert →
 *    freshness read;
 * 2. the marts, level by level in dependency order (a level's marts in parallel), each: chunks query (when
 *    partitioned) → one write per chunk;
 * 3. maintenance (a separate execution mode): OPTIMIZE then VACUUM per Iceberg table.
 *
 * Statements are physical (database names of the stage) and hold run-time placeholders
 * (`lib/pipeline/template.ts`), the curated window's settings (go-live date, lookback) included: the statements
 * ({@link PipelinePlanTemplate}) are the same whatever those values are, so a product team's refresh can publish them
 * as an asset although it knows the platform's values only at deploy time. A {@link PipelinePlan} adds the literal
 * values, for the executors that know them at synth (the local runtime, `lakeforge marts`).
 */
import { curatedTable, MAX_PARTITIONS_PER_WRITE, renderCuratedChunksQuery, renderCuratedMerge, renderCuratedWindowQuery, renderFreshnessQuery, renderWatermarkInsert, WATERMARK_TABLE } from '../marts/curated';
import type { ContractTable } from '../marts/contract-adapter';
import { PLACEHOLDER_PATTERNS, type TemplateValues } from './template';
import type { Mart } from '../marts/declaration';
import { physicalTable, renderMartChunksQuery, renderMartMerge, renderPhysical, type PhysicalTable } from '../marts/render';
import { buildCatalogModel } from '../marts/catalog';
import { analyzeStatement } from '../marts/sql-check';

/** One table-writing step of the plan: a curated step or a mart. */
export interface PipelineStep {
  /** Step id: the logical output table, `curated.<table>` or `marts.<name>`. */
  readonly id: string;
  /** `curated` or `mart`. */
  readonly kind: 'curated' | 'mart';
  /** The table the step writes. */
  readonly table: PhysicalTable;
  /** Glue database of the Athena query execution context. */
  readonly database: string;
  /**
   * Curated steps: one row `(since_dt, since_hour)`, values for `{{since_dt}}`/`{{since_hour}}`.
   * @default - no window (marts)
   */
  readonly windowQuery?: string;
  /**
   * Rows `(chunk, lo, hi, partitions, …)` in execution order: one write per row, each with `{{chunk}}`,
   * `{{lo}}`, `{{hi}}` from its row.
   * @default - one write, no chunk values (unpartitioned marts)
   */
  readonly chunksQuery?: string;
  /** The write (MERGE) of one chunk. */
  readonly writeStatement: string;
  /**
   * Curated steps: records the run's start as the next watermark, after every chunk succeeded.
   * @default - none (marts)
   */
  readonly watermarkStatement?: string;
  /**
   * Curated steps: one row of `FRESHNESS_COLUMNS` (lib/marts/curated.ts, seconds), read after the watermark; published as
   * metrics. A failed read never fails the run.
   * @default - none (marts)
   */
  readonly freshnessQuery?: string;
  /** Tables the step reads (physical), for IAM and docs. */
  readonly reads: readonly PhysicalTable[];
  /** Step ids that must have run first in the same execution. */
  readonly dependsOn: readonly string[];
}

/** Table maintenance of one Iceberg table. */
export interface MaintenanceStep {
  /** The logical table, e.g. `curated.rating_submitted_v1`. */
  readonly id: string;
  readonly table: PhysicalTable;
  /** Glue database of the query execution context. */
  readonly database: string;
  /** OPTIMIZE (recent partitions only, at most {@link MAX_PARTITIONS_PER_WRITE}) then VACUUM. */
  readonly statements: readonly string[];
}

/**
 * The statements of a pipeline, every run-time value a placeholder (the curated window's go-live date and lookback
 * included). JSON-serializable (it is the state machine's item source).
 */
export interface PipelinePlanTemplate {
  /** Environment name: the physical database names of the statements are `lakeforge_<env>_<zone>`. */
  readonly env: string;
  /** The writer limit every write respects ({@link MAX_PARTITIONS_PER_WRITE}). */
  readonly maxPartitionsPerWrite: number;
  /** The control table of curated watermarks. */
  readonly watermarkTable: PhysicalTable;
  /** Curated steps, one per contract MODEL. */
  readonly curated: readonly PipelineStep[];
  /** Marts by dependency level: level n only depends on curated steps and levels < n. */
  readonly martLevels: readonly (readonly PipelineStep[])[];
  /** Maintenance of every curated and mart table (and, unless left out, the control table). */
  readonly maintenance: readonly MaintenanceStep[];
}

/** The pipeline of a stage: its statements and the literal values of the curated window's settings. */
export interface PipelinePlan extends PipelinePlanTemplate {
  /** First arrival date the pipeline ever reads (`YYYY-MM-DD`): the value of `{{go_live_date}}`. */
  readonly goLiveDate: string;
  /** Hours the curated window re-reads before the last successful run's start: the value of `{{lookback_hours}}`. */
  readonly lookbackHours: number;
}

/** Options of {@link renderPipelinePlanTemplate}. */
export interface PipelinePlanTemplateOptions {
  /**
   * Days of recent event-date partitions OPTIMIZE rewrites (at most {@link MAX_PARTITIONS_PER_WRITE} - 1).
   * @default 30
   */
  readonly optimizeRecentDays?: number;
  /**
   * Whether maintenance includes the watermark control table. `false` for a data product's own refresh: the control
   * table is the platform's (its pipeline creates and maintains it); the product only adds rows.
   * @default true
   */
  readonly maintainWatermarkTable?: boolean;
}

/** Options of {@link renderPipelinePlan}. */
export interface PipelinePlanOptions extends PipelinePlanTemplateOptions {
  /** First arrival date the pipeline reads, `YYYY-MM-DD` (config `pipeline.goLiveDate`). */
  readonly goLiveDate: string;
  /** See {@link curatedLookbackHours}. */
  readonly lookbackHours: number;
}

/**
 * The curated window's lookback, in whole hours: the longest a record can take from its Kinesis arrival to
 * the raw zone — the mapping retries a record until it is `maxRecordAgeSeconds` old and an invocation that
 * started just before may run `timeoutSeconds` more — plus `marginHours`.
 * Source: AWS Lambda Developer Guide, "Using Lambda with Kinesis" (MaximumRecordAgeInSeconds).
 *
 * @throws Error when an input is negative or not finite.
 */
export function curatedLookbackHours(ingestion: { readonly maxRecordAgeSeconds: number; readonly timeoutSeconds: number }, marginHours: number): number {
  for (const [name, v] of [['maxRecordAgeSeconds', ingestion.maxRecordAgeSeconds], ['timeoutSeconds', ingestion.timeoutSeconds], ['marginHours', marginHours]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`curatedLookbackHours: ${name} must be a finite number ≥ 0, got ${v}`);
  }
  return Math.ceil((ingestion.maxRecordAgeSeconds + ingestion.timeoutSeconds) / 3600 + marginHours);
}

/**
 * Groups marts into dependency levels: a mart's level is one more than the highest level of the marts it
 * depends on (curated dependencies are met by the curated phase). Within a level, marts are sorted by name.
 *
 * @throws Error on a dependency on an unknown mart, or a cycle.
 */
export function martLevels(marts: readonly Mart[]): Mart[][] {
  const byTable = new Map(marts.map((m) => [m.table, m]));
  const level = new Map<string, number>();
  const visiting = new Set<string>();
  const levelOf = (m: Mart): number => {
    const known = level.get(m.table);
    if (known !== undefined) return known;
    if (visiting.has(m.table)) throw new Error(`Mart dependency cycle through ${m.table}`);
    visiting.add(m.table);
    let l = 0;
    for (const d of m.dependsOn.filter((x) => x.startsWith('marts.'))) {
      const up = byTable.get(d);
      if (up === undefined) throw new Error(`Mart ${m.table} depends on unknown mart ${d}`);
      l = Math.max(l, levelOf(up) + 1);
    }
    visiting.delete(m.table);
    level.set(m.table, l);
    return l;
  };
  const levels: Mart[][] = [];
  for (const m of [...marts].sort((a, b) => a.name.localeCompare(b.name))) {
    const l = levelOf(m);
    (levels[l] ??= []).push(m);
  }
  return levels.filter((l) => l !== undefined);
}

/**
 * Renders the pipeline of a stage with the literal values of its curated window ({@link renderPipelinePlanTemplate}
 * plus `goLiveDate` and `lookbackHours`, checked as the placeholders they fill).
 *
 * @param env - environment name (`dev`, `acc`, `prod`).
 * @param marts - validated declarations (run `checkMarts` first).
 * @param contracts - contract tables.
 * @throws Error when a statement does not parse, on a mart dependency cycle, or on invalid options.
 */
export function renderPipelinePlan(env: string, marts: readonly Mart[], contracts: readonly ContractTable[], options: PipelinePlanOptions): PipelinePlan {
  validateWindowSettings(options.goLiveDate, options.lookbackHours);
  const { goLiveDate, lookbackHours, ...templateOptions } = options;
  return { ...renderPipelinePlanTemplate(env, marts, contracts, templateOptions), goLiveDate, lookbackHours };
}

/**
 * Checks the curated window's settings against the patterns of the placeholders they fill.
 *
 * @throws Error when `goLiveDate` is not `YYYY-MM-DD` or `lookbackHours` is not a whole number from 1 to 99999.
 */
export function validateWindowSettings(goLiveDate: string, lookbackHours: number): void {
  if (!PLACEHOLDER_PATTERNS.goLiveDate.test(goLiveDate)) throw new Error(`goLiveDate must be YYYY-MM-DD, got "${goLiveDate}"`);
  if (!Number.isInteger(lookbackHours) || !PLACEHOLDER_PATTERNS.lookbackHours.test(String(lookbackHours))) {
    throw new Error(`lookbackHours must be a whole number from 1 to 99999, got ${lookbackHours}`);
  }
}

/**
 * The values of a plan's deploy-time placeholders (`{{go_live_date}}`, `{{lookback_hours}}`), for `fillTemplate`.
 */
export function windowSettingValues(plan: Pick<PipelinePlan, 'goLiveDate' | 'lookbackHours'>): TemplateValues {
  return { goLiveDate: plan.goLiveDate, lookbackHours: String(plan.lookbackHours) };
}

/**
 * Renders the statements of a pipeline: one curated step per contract table, the marts by dependency level, and
 * maintenance. The same for the platform's stage and for a data product's own refresh (its contract tables, its marts).
 *
 * @param env - environment name (`dev`, `acc`, `prod`).
 * @param marts - validated declarations (run `checkMarts` first).
 * @param contracts - contract tables.
 * @throws Error when a statement does not parse, on a mart dependency cycle, or on invalid options.
 */
export function renderPipelinePlanTemplate(env: string, marts: readonly Mart[], contracts: readonly ContractTable[], options: PipelinePlanTemplateOptions = {}): PipelinePlanTemplate {
  const optimizeDays = options.optimizeRecentDays ?? 30;
  if (!Number.isInteger(optimizeDays) || optimizeDays < 1 || optimizeDays >= MAX_PARTITIONS_PER_WRITE) {
    throw new Error(`optimizeRecentDays must be a whole number from 1 to ${MAX_PARTITIONS_PER_WRITE - 1}, got ${optimizeDays}`);
  }
  const phys = (sql: string): string => renderPhysical(sql, env);
  const watermark = physicalTable(env, WATERMARK_TABLE);
  const curated: PipelineStep[] = contracts.map((c) => {
    const id = curatedTable(c).name;
    return {
      id,
      kind: 'curated',
      table: physicalTable(env, id),
      database: physicalTable(env, id).database,
      windowQuery: phys(renderCuratedWindowQuery(c)),
      chunksQuery: phys(renderCuratedChunksQuery(c)),
      writeStatement: phys(renderCuratedMerge(c)),
      watermarkStatement: phys(renderWatermarkInsert(c)),
      freshnessQuery: phys(renderFreshnessQuery(c)),
      reads: [physicalTable(env, `raw.${c.tableName}`), physicalTable(env, id), watermark],
      dependsOn: [],
    };
  });
  const catalog = buildCatalogModel(contracts, marts);
  const levels = martLevels(marts).map((level) =>
    level.map((m): PipelineStep => {
      const chunks = renderMartChunksQuery(m);
      const reads = new Set<string>([...m.dependsOn, ...analyzeStatement(m.sql, catalog).tablesRead, m.table]);
      return {
        id: m.table,
        kind: 'mart',
        table: physicalTable(env, m.table),
        database: physicalTable(env, m.table).database,
        ...(chunks === undefined ? {} : { chunksQuery: phys(chunks) }),
        writeStatement: phys(renderMartMerge(m)),
        reads: [...reads].sort().map((t) => physicalTable(env, t)),
        dependsOn: [...m.dependsOn].sort(),
      };
    }),
  );
  const recent = `CAST(CAST(CAST(current_timestamp AT TIME ZONE 'UTC' AS timestamp) - INTERVAL '${optimizeDays}' DAY AS date) AS varchar)`;
  const maintain = (id: string, partitionedByDt: boolean): MaintenanceStep => {
    const t = physicalTable(env, id);
    const name = `${t.database}.${t.table}`;
    return {
      id,
      table: t,
      database: t.database,
      statements: [`OPTIMIZE ${name} REWRITE DATA USING BIN_PACK${partitionedByDt ? ` WHERE dt >= ${recent}` : ''}`, `VACUUM ${name}`],
    };
  };
  return {
    env,
    maxPartitionsPerWrite: MAX_PARTITIONS_PER_WRITE,
    watermarkTable: watermark,
    curated,
    martLevels: levels,
    maintenance: [
      ...contracts.map((c) => maintain(curatedTable(c).name, true)),
      ...marts.map((m) => maintain(m.table, false)),
      ...(options.maintainWatermarkTable ?? true ? [maintain(WATERMARK_TABLE, false)] : []),
    ],
  };
}

/** Every step of a plan in execution order (curated steps, then mart levels). */
export function planSteps(plan: PipelinePlanTemplate): PipelineStep[] {
  return [...plan.curated, ...plan.martLevels.flat()];
}


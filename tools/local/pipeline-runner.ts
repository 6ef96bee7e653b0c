/**
 * The local executor of a {@link PipelinePlan}: runs the plan on DuckDB exactly as the Step Functions
 * state machine runs it on Athena — the same statements from the plan, in the same order, with the same
 * chunking, filled with {@link fillTemplate} and translated only by {@link toDuckDb}:
 *
 * 1. each curated step: window query (one row → `{{since_dt}}`, `{{since_hour}}`; `{{backfill_from}}` = ''
 *    unless a backfill is asked for; `{{go_live_date}}` and `{{lookback_hours}}` from the plan's literal values,
 *    where the state machine has its definition substitutions) → chunks query (one write per row, in row order, `{{chunk}}`, `{{lo}}`,
 *    `{{hi}}` from the row) → the write of each chunk → watermark insert (`{{run_started_at}}`,
 *    `{{execution_id}}`) → freshness query (a failed read never fails the run);
 * 2. the mart levels in order, each mart: chunks query when it has one (else one write with no chunk values)
 *    → its writes.
 *
 * Athena's writer limit is enforced, not assumed: every write runs in a transaction with
 * `RETURNING merge_action, <partition columns>` appended; when the rows it wrote span more than
 * `plan.maxPartitionsPerWrite` distinct partitions (an unpartitioned table is one partition), the write is
 * rolled back and the run fails with {@link TooManyOpenPartitionsError}, as Athena fails the statement with
 * `HIVE_TOO_MANY_OPEN_PARTITIONS` and commits nothing.
 */
import { curatedTable } from '../../lib/marts/curated';
import type { ContractTable } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { toDuckDb } from '../../lib/marts/dialect';
import { windowSettingValues, type PipelinePlan, type PipelineStep } from '../../lib/pipeline/plan';
import { fillTemplate, type TemplateValues } from '../../lib/pipeline/template';

/** The SQL engine the runner drives (a `DuckDbLake` fits). */
export interface SqlEngine {
  /** Runs one DuckDB statement as is and returns its rows. */
  run(duckSql: string): Promise<Record<string, unknown>[]>;
}

/**
 * Athena's answer to a write that opens more partitions than the writer limit
 * (`HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for partitions/buckets`). The write
 * was rolled back.
 */
export class TooManyOpenPartitionsError extends Error {
  /** Athena's error type. */
  public readonly errorType = 'HIVE_TOO_MANY_OPEN_PARTITIONS';

  constructor(
    /** The step whose write failed. */
    public readonly stepId: string,
    /** Chunk values of the write (empty for a single write). */
    public readonly chunk: TemplateValues,
    /** Distinct partitions the write opened. */
    public readonly partitions: number,
    /** The limit. */
    public readonly limit: number,
  ) {
    super(
      `HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of ${limit} open writers for partitions/buckets: ` +
        `${stepId} wrote ${partitions} partitions in one statement${chunk.chunk === undefined ? '' : ` (chunk ${chunk.chunk}, ${chunk.lo}..${chunk.hi})`}`,
    );
    this.name = 'TooManyOpenPartitionsError';
  }
}

/** The run was interrupted on purpose ({@link PipelineRunOptions.interruptBeforeWrite}). */
export class PipelineInterruptedError extends Error {
  constructor(
    /** The step whose write was not started. */
    public readonly stepId: string,
    /** Writes of the run that completed before the interruption. */
    public readonly completedWrites: number,
  ) {
    super(`pipeline run interrupted before write ${completedWrites + 1} (${stepId})`);
    this.name = 'PipelineInterruptedError';
  }
}

/** Options of one run. */
export interface PipelineRunOptions {
  /** Start of the run, RFC 3339 UTC (`{{run_started_at}}`; Step Functions' execution start time). */
  readonly runStartedAt: string;
  /** Id of the run (`{{execution_id}}`), e.g. `local:3`. */
  readonly executionId: string;
  /**
   * First arrival date to re-read (`{{backfill_from}}`, `YYYY-MM-DD`).
   * @default '' (the watermark decides)
   */
  readonly backfillFrom?: string;
  /**
   * Fault injection: the run stops (throws {@link PipelineInterruptedError}) before its write number
   * `interruptBeforeWrite` (0-based, counted over the whole run), as an execution that fails or is aborted
   * between two chunks. Earlier writes stay committed; no watermark of the interrupted step is written.
   * @default - never
   */
  readonly interruptBeforeWrite?: number;
  /**
   * Called after each statement and awaited before the next one (progress; tests let data land mid-run).
   * @default - nothing
   */
  readonly onStatement?: (stepId: string, kind: StatementKind) => void | Promise<void>;
}

/** The statements of a plan step, by role. */
export type StatementKind = 'window' | 'chunks' | 'write' | 'watermark' | 'freshness';

/** What one step did in one run. */
export interface StepReport {
  readonly id: string;
  readonly kind: PipelineStep['kind'];
  /** Statements executed (window, chunks, writes, watermark, freshness). */
  readonly statements: number;
  /** Distinct partitions each write opened, in write order. */
  readonly partitionsPerWrite: readonly number[];
  /** Rows written, by `merge_action` (`INSERT`, `UPDATE`, `DELETE`). */
  readonly actions: Readonly<Record<string, number>>;
  /** Curated steps: the freshness row (seconds), or the error message of a failed read. */
  readonly freshness?: Readonly<Record<string, unknown>> | string;
  readonly seconds: number;
}

/** What one run did. */
export interface PipelineRunReport {
  readonly statements: number;
  readonly writes: number;
  /** Most distinct partitions one write of the run opened (0 when nothing was written). */
  readonly maxPartitionsPerWrite: number;
  readonly steps: readonly StepReport[];
}

/** Counters over every run of a runner. */
export interface PipelineRunnerStats {
  statements: number;
  writes: number;
  maxPartitionsPerWrite: number;
  runs: number;
}

/**
 * Partition columns of the table each step writes, by step id: curated tables' partition keys
 * ({@link curatedTable}), marts' `output.partitionedBy` (empty: unpartitioned, one partition).
 */
export function partitionColumnsByStep(contracts: readonly ContractTable[], marts: readonly Mart[]): ReadonlyMap<string, readonly string[]> {
  return new Map<string, readonly string[]>([
    ...contracts.map((c): [string, string[]] => {
      const t = curatedTable(c);
      return [t.name, (t.partitionKeys ?? []).map((k) => k.name)];
    }),
    ...marts.map((m): [string, string[]] => [m.table, [...m.output.partitionedBy]]),
  ]);
}

/** A write statement (DuckDB SQL) returning what it wrote: `merge_action` and the partition columns. */
export function withPartitionReturning(duckSql: string, partitionColumns: readonly string[]): string {
  return `${duckSql.trimEnd()}\nRETURNING merge_action${partitionColumns.map((c) => `, "${c.replace(/"/g, '""')}"`).join('')}`;
}

/**
 * Distinct partitions among the rows a write returned: distinct partition-column tuples, or 1 for an
 * unpartitioned table that got at least one row.
 */
export function partitionsWritten(rows: readonly Record<string, unknown>[], partitionColumns: readonly string[]): number {
  if (rows.length === 0) return 0;
  if (partitionColumns.length === 0) return 1;
  return new Set(rows.map((r) => JSON.stringify(partitionColumns.map((c) => String(r[c] ?? '\u0000null'))))).size;
}

/** Runs pipeline plans against one engine; keeps counters over all its runs. */
export class PipelineRunner {
  /** Counters over every run so far (updated statement by statement, so they hold after a failure too). */
  public readonly stats: PipelineRunnerStats = { statements: 0, writes: 0, maxPartitionsPerWrite: 0, runs: 0 };

  /**
   * @param engine - where statements run.
   * @param plan - the plan (physical statements of its `env`; the engine's schemas must be named alike).
   * @param partitionColumns - see {@link partitionColumnsByStep}.
   * @throws Error when a step of the plan has no entry in `partitionColumns`.
   */
  constructor(
    private readonly engine: SqlEngine,
    public readonly plan: PipelinePlan,
    private readonly partitionColumns: ReadonlyMap<string, readonly string[]>,
  ) {
    for (const step of [...plan.curated, ...plan.martLevels.flat()]) {
      if (!partitionColumns.has(step.id)) throw new Error(`no partition columns known for pipeline step ${step.id}`);
    }
  }

  /**
   * One pipeline run: every curated step, then the mart levels (see the module comment).
   *
   * @throws TooManyOpenPartitionsError when a write opens more than `plan.maxPartitionsPerWrite` partitions;
   *   PipelineInterruptedError on an injected interruption; the engine's error when a statement fails.
   */
  async run(options: PipelineRunOptions): Promise<PipelineRunReport> {
    this.stats.runs += 1;
    const run = { statements: 0, writes: 0, maxPartitionsPerWrite: 0 };
    const steps: StepReport[] = [];
    const runValues: TemplateValues = {
      ...windowSettingValues(this.plan),
      runStartedAt: options.runStartedAt,
      executionId: options.executionId,
      backfillFrom: options.backfillFrom ?? '',
    };
    for (const step of [...this.plan.curated, ...this.plan.martLevels.flat()]) {
      steps.push(await this.runStep(step, runValues, options, run));
    }
    return { ...run, steps };
  }

  private async runStep(
    step: PipelineStep,
    runValues: TemplateValues,
    options: PipelineRunOptions,
    run: { statements: number; writes: number; maxPartitionsPerWrite: number },
  ): Promise<StepReport> {
    const started = performance.now();
    const partitionColumns = this.partitionColumns.get(step.id) ?? [];
    const partitionsPerWrite: number[] = [];
    const actions: Record<string, number> = {};
    let statements = 0;
    const execute = async (kind: StatementKind, template: string, values: TemplateValues): Promise<Record<string, unknown>[]> => {
      const sql = toDuckDb(fillTemplate(template, values));
      statements += 1;
      run.statements += 1;
      this.stats.statements += 1;
      const rows = await this.engine.run(kind === 'write' ? withPartitionReturning(sql, partitionColumns) : sql);
      await options.onStatement?.(step.id, kind);
      return rows;
    };

    let values: TemplateValues = { ...runValues };
    if (step.windowQuery !== undefined) {
      const [window] = await execute('window', step.windowQuery, values);
      if (window === undefined) throw new Error(`${step.id}: the window query returned no row`);
      values = { ...values, sinceDt: String(window.since_dt), sinceHour: String(window.since_hour) };
    }
    const chunks: TemplateValues[] =
      step.chunksQuery === undefined
        ? [{}]
        : (await execute('chunks', step.chunksQuery, values)).map((r) => ({ chunk: String(r.chunk), lo: String(r.lo), hi: String(r.hi) }));
    for (const chunk of chunks) {
      if (options.interruptBeforeWrite !== undefined && run.writes >= options.interruptBeforeWrite) {
        throw new PipelineInterruptedError(step.id, run.writes);
      }
      await this.engine.run('BEGIN TRANSACTION');
      let committed = false;
      try {
        const rows = await execute('write', step.writeStatement, { ...values, ...chunk });
        const partitions = partitionsWritten(rows, partitionColumns);
        run.writes += 1;
        this.stats.writes += 1;
        run.maxPartitionsPerWrite = Math.max(run.maxPartitionsPerWrite, partitions);
        this.stats.maxPartitionsPerWrite = Math.max(this.stats.maxPartitionsPerWrite, partitions);
        if (partitions > this.plan.maxPartitionsPerWrite) throw new TooManyOpenPartitionsError(step.id, chunk, partitions, this.plan.maxPartitionsPerWrite);
        await this.engine.run('COMMIT');
        committed = true;
        partitionsPerWrite.push(partitions);
        for (const r of rows) actions[String(r.merge_action)] = (actions[String(r.merge_action)] ?? 0) + 1;
      } finally {
        // A failed write leaves nothing behind, as a failed Athena statement commits nothing.
        if (!committed) await this.engine.run('ROLLBACK').catch(() => undefined);
      }
    }
    if (step.watermarkStatement !== undefined) await execute('watermark', step.watermarkStatement, values);
    let freshness: StepReport['freshness'];
    if (step.freshnessQuery !== undefined) {
      try {
        freshness = (await execute('freshness', step.freshnessQuery, values))[0] ?? {};
      } catch (e) {
        freshness = e instanceof Error ? e.message : String(e);
      }
    }
    return {
      id: step.id,
      kind: step.kind,
      statements,
      partitionsPerWrite,
      actions,
      ...(freshness === undefined ? {} : { freshness }),
      seconds: (performance.now() - started) / 1000,
    };
  }
}

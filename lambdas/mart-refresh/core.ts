/**
 * Mart refresh logic, pure apart from the injected ports: which steps to run for an event, in
 * dependency order, and how to drive one Athena query to a terminal state with exponential
 * backoff. No SDK, no env, no clock here.
 *
 * Event shape: `{ "mart": "<name>" }` or `{ "curated": "<table>" }` (e.g. `rating_submitted_v1`).
 * A mart event also refreshes its upstream steps first (transitively): every statement is an
 * idempotent MERGE, so re-running a step is safe and the mart never reads stale upstream data.
 *
 * Freshness: after a curated step's MERGE succeeded, one more query reads the curated table's newest
 * `arrival_time` and `event_time` over the step's recent event-date partitions ({@link renderFreshnessQuery});
 * the handler turns the reading into the metrics {@link FRESHNESS_METRICS}. A failed or empty read never fails
 * the refresh (the data did refresh): it is reported as a {@link FreshnessOutcome} and emits no metric, which
 * the freshness alarm treats as breaching.
 */
import type { FreshnessProbe, RefreshPlan, RefreshStep } from '../../lib/marts/render';

/** Environment variables of the refresh function (set by the CDK construct). */
export const ENV = {
  /** Athena workgroup the statements run in. */
  WORKGROUP: 'MART_REFRESH_WORKGROUP',
  /** Path of the rendered plan JSON. @default `refresh-plan.json` next to the handler bundle */
  PLAN_FILE: 'MART_REFRESH_PLAN_FILE',
} as const;

/** Powertools service name of the refresh function (the `service` dimension of its metrics). */
export const MART_REFRESH_SERVICE_NAME = 'lakeforge-mart-refresh';

/**
 * Freshness metrics of a curated table, in seconds, with the dimension {@link FRESHNESS_DIMENSION} = the
 * curated table name (e.g. `rating_submitted_v1`) next to Powertools' `service` dimension.
 */
export const FRESHNESS_METRICS = {
  /** now − newest `arrival_time` of the curated table: how long ago the newest curated event arrived. */
  freshness: 'CuratedFreshnessSeconds',
  /** now − newest `event_time` of the curated table (negative when a producer's clock runs ahead). */
  eventLag: 'CuratedEventLagSeconds',
} as const;

/** The metric dimension naming the curated table. */
export const FRESHNESS_DIMENSION = 'Table';

/** Column aliases of the freshness query (also the header row of its result). */
export const FRESHNESS_COLUMNS = ['newest_arrival_time', 'newest_event_time'] as const;

/** Rows of an Athena result set, cells as returned (`VarCharValue`), `undefined` for SQL NULL. */
export type ResultRows = readonly (readonly (string | undefined)[])[];

/** Terminal and non-terminal Athena query states (Athena API `QueryExecutionState`). */
export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** The Athena operations the refresh needs. */
export interface AthenaPort {
  /** StartQueryExecution; returns the query execution id. */
  start(query: { sql: string; database: string; workgroup: string }): Promise<string>;
  /** GetQueryExecution; returns state and StateChangeReason. */
  status(queryExecutionId: string): Promise<{ state: QueryState; reason?: string }>;
  /** GetQueryResults of a SUCCEEDED query: every row (header row included, as Athena returns it). */
  results(queryExecutionId: string): Promise<ResultRows>;
}

/** Polling policy: delays double from `initialDelayMs` up to `maxDelayMs`; give up after `timeoutMs`. */
export interface PollPolicy {
  /** @default 500 */
  readonly initialDelayMs: number;
  /** @default 10000 */
  readonly maxDelayMs: number;
  /** Total waiting budget per query, ms. @default 840000 (14 minutes, under Lambda's 15-minute cap) */
  readonly timeoutMs: number;
}

/** Default polling policy. */
export const DEFAULT_POLL_POLICY: PollPolicy = { initialDelayMs: 500, maxDelayMs: 10_000, timeoutMs: 840_000 };

/** Injected effects. */
export interface RefreshDeps {
  readonly athena: AthenaPort;
  readonly workgroup: string;
  /** Waits `ms` milliseconds. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly policy?: PollPolicy;
  /** Called after each query finishes (for logs/metrics). @default - nothing */
  readonly onQueryDone?: (info: { step: string; statement: number; queryExecutionId: string; waitedMs: number }) => void;
  /** The clock of freshness measurements. */
  readonly now: () => Date;
  /** Called with the outcome of each freshness read (after each curated step). @default - nothing */
  readonly onFreshness?: (outcome: FreshnessOutcome) => void;
}

/** The newest curated event of a table. */
export interface FreshnessReading {
  /** Newest `arrival_time` (UTC). */
  readonly newestArrival: Date;
  /** Newest `event_time` (UTC). */
  readonly newestEvent: Date;
}

/** Metric values of a reading at a point in time, in seconds (millisecond resolution). */
export interface FreshnessValues {
  /** now − newest arrival. */
  readonly freshnessSeconds: number;
  /** now − newest event time. */
  readonly eventLagSeconds: number;
}

/**
 * What a freshness read after a curated step found: `measured` (emit the metrics), `empty` (no event in the
 * window: warn, emit nothing) or `failed` (the query or its result failed: log an error, emit nothing).
 */
export type FreshnessOutcome =
  | ({ readonly kind: 'measured'; readonly step: string; readonly table: string; readonly queryExecutionId: string } & FreshnessReading & FreshnessValues)
  | { readonly kind: 'empty'; readonly step: string; readonly table: string; readonly queryExecutionId: string; readonly windowDays: number }
  | { readonly kind: 'failed'; readonly step: string; readonly table: string; readonly error: Error };

/** What a refresh ran. */
export interface RefreshResult {
  readonly target: string;
  readonly steps: readonly { readonly step: string; readonly queryExecutionIds: readonly string[] }[];
}

/** Raised when a query ends FAILED or CANCELLED, or times out. */
export class RefreshError extends Error {
  constructor(
    message: string,
    /** The step id, e.g. `marts.daily_engagement`. */
    public readonly step: string,
    public readonly queryExecutionId: string,
    public readonly state: QueryState | 'TIMEOUT',
  ) {
    super(message);
    this.name = 'RefreshError';
  }
}

/**
 * The step id an event asks for.
 *
 * @throws Error when the event is not `{mart: string}` or `{curated: string}` (exactly one).
 */
export function targetOf(event: unknown): string {
  if (typeof event === 'object' && event !== null) {
    const e = event as Record<string, unknown>;
    const keys = Object.keys(e);
    if (keys.length === 1 && typeof e.mart === 'string' && /^[a-z][a-z0-9_]*$/.test(e.mart)) return `marts.${e.mart}`;
    if (keys.length === 1 && typeof e.curated === 'string' && /^[a-z][a-z0-9_]*$/.test(e.curated)) return `curated.${e.curated}`;
  }
  throw new Error(`Invalid refresh event ${JSON.stringify(event)}: expected {"mart":"<name>"} or {"curated":"<table>"}`);
}

/**
 * Step ids to run for a target, dependencies first (transitive, deterministic topological order).
 *
 * @throws Error on an unknown target or dependency, or a cycle.
 */
export function executionOrder(plan: Pick<RefreshPlan, 'steps'>, target: string): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, from: string | undefined): void => {
    const step = plan.steps[id];
    if (step === undefined) {
      throw new Error(from === undefined ? `Unknown refresh target "${id}"` : `Step "${from}" depends on unknown step "${id}"`);
    }
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`Dependency cycle through "${id}"`);
    state.set(id, 'visiting');
    for (const d of [...step.dependsOn].sort()) visit(d, id);
    state.set(id, 'done');
    order.push(id);
  };
  visit(target, undefined);
  return order;
}

/**
 * Starts one query and polls until it is terminal.
 *
 * @returns the query execution id when SUCCEEDED.
 * @throws RefreshError with Athena's StateChangeReason when FAILED or CANCELLED, or on timeout.
 */
export async function runQuery(deps: RefreshDeps, step: string, sql: string, database: string): Promise<{ id: string; waitedMs: number }> {
  const policy = deps.policy ?? DEFAULT_POLL_POLICY;
  const id = await deps.athena.start({ sql, database, workgroup: deps.workgroup });
  let delay = policy.initialDelayMs;
  let waited = 0;
  for (;;) {
    const { state, reason } = await deps.athena.status(id);
    if (state === 'SUCCEEDED') return { id, waitedMs: waited };
    if (state === 'FAILED' || state === 'CANCELLED') {
      throw new RefreshError(`${step}: Athena query ${id} ${state}: ${reason ?? 'no reason given'}`, step, id, state);
    }
    if (waited + delay > policy.timeoutMs) {
      throw new RefreshError(`${step}: Athena query ${id} still ${state} after ${waited} ms`, step, id, 'TIMEOUT');
    }
    await deps.sleep(delay);
    waited += delay;
    delay = Math.min(delay * 2, policy.maxDelayMs);
  }
}

/**
 * Runs every statement of every step for `target`, in dependency order, one at a time; stops at
 * the first failure (later steps would read stale or partial upstream data). After each curated step
 * (a step with `freshness`), reads the table's freshness and reports it to `deps.onFreshness`; that read
 * never throws (see {@link measureFreshness}).
 *
 * @throws RefreshError from {@link runQuery}; Error from {@link executionOrder}.
 */
export async function refresh(plan: Pick<RefreshPlan, 'steps'>, target: string, deps: RefreshDeps): Promise<RefreshResult> {
  const steps: { step: string; queryExecutionIds: string[] }[] = [];
  for (const id of executionOrder(plan, target)) {
    const step = plan.steps[id];
    const ids: string[] = [];
    for (const [i, sql] of step.statements.entries()) {
      const { id: qid, waitedMs } = await runQuery(deps, id, sql, step.database);
      deps.onQueryDone?.({ step: id, statement: i, queryExecutionId: qid, waitedMs });
      ids.push(qid);
    }
    if (step.freshness !== undefined) deps.onFreshness?.(await measureFreshness(deps, step as RefreshStep & { freshness: FreshnessProbe }));
    steps.push({ step: id, queryExecutionIds: ids });
  }
  return { target, steps };
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * The UTC calendar date `days` days before `now`, as `YYYY-MM-DD` (the curated `dt` format).
 *
 * @throws Error when `now` is an invalid date or `days` is not a whole number ≥ 0.
 */
export function utcDateDaysBefore(now: Date, days: number): string {
  if (Number.isNaN(now.getTime())) throw new Error('Invalid clock reading');
  if (!Number.isInteger(days) || days < 0) throw new Error(`Window must be a whole number of days ≥ 0, got ${days}`);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days));
  return d.toISOString().slice(0, 10);
}

/**
 * The freshness query of a curated table: newest `arrival_time` and `event_time` over the event-date
 * partitions `dt >= <UTC date of now − windowDays>` (a literal, so Iceberg prunes partitions at planning).
 * An aggregate without GROUP BY returns exactly one row, NULLs when no row matched.
 *
 * @throws Error when the database or table is not a plain lower-case identifier, or on a bad window.
 */
export function renderFreshnessQuery(probe: FreshnessProbe, now: Date): string {
  const { database, table } = probe.table;
  for (const name of [database, table]) {
    if (!IDENTIFIER.test(name)) throw new Error(`Freshness probe: "${name}" is not a plain identifier ([a-z_][a-z0-9_]*)`);
  }
  const [arrival, event] = FRESHNESS_COLUMNS;
  return [
    `SELECT max(arrival_time) AS ${arrival}, max(event_time) AS ${event}`,
    `FROM ${database}.${table}`,
    `WHERE dt >= '${utcDateDaysBefore(now, probe.windowDays)}'`,
  ].join('\n');
}

const ATHENA_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: UTC|Z)?$/;

/**
 * Parses a timestamp as Athena (Trino) prints it in query results: `2024-05-10 12:34:56.789` (precision 0–9;
 * Iceberg timestamps print 6 digits), optionally with ` UTC` or an ISO `T`/`Z`. The value is read as UTC
 * (curated timestamps are UTC); digits past milliseconds are truncated.
 *
 * @throws Error naming the text when it is not such a timestamp or not a real calendar time.
 */
export function parseAthenaTimestamp(text: string): Date {
  const m = ATHENA_TIMESTAMP.exec(text);
  if (m === null) throw new Error(`Not an Athena timestamp: "${text}"`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) {
    throw new Error(`Not a calendar time: "${text}"`);
  }
  return date;
}

/**
 * Reads the result of {@link renderFreshnessQuery}: the header row (if present) then exactly one data row.
 *
 * @returns the reading, or `undefined` when both values are NULL (no event in the window).
 * @throws Error when there is not exactly one data row of two cells, when only one value is NULL, or when
 *   a value is not a timestamp.
 */
export function parseFreshnessResult(rows: ResultRows): FreshnessReading | undefined {
  const isHeader = (row: readonly (string | undefined)[]) => row.length === FRESHNESS_COLUMNS.length && row.every((c, i) => c === FRESHNESS_COLUMNS[i]);
  const data = rows.length > 0 && isHeader(rows[0]) ? rows.slice(1) : rows;
  if (data.length !== 1 || data[0].length !== FRESHNESS_COLUMNS.length) {
    throw new Error(`Freshness result: expected one row of ${FRESHNESS_COLUMNS.length} values, got ${JSON.stringify(data)}`);
  }
  const [arrival, event] = data[0];
  if (arrival === undefined && event === undefined) return undefined;
  if (arrival === undefined || event === undefined) {
    throw new Error(`Freshness result: ${arrival === undefined ? 'arrival_time' : 'event_time'} is NULL while the other is not (${JSON.stringify(data[0])})`);
  }
  return { newestArrival: parseAthenaTimestamp(arrival), newestEvent: parseAthenaTimestamp(event) };
}

/** The metric values of a reading at `now`: seconds since the newest arrival and since the newest event time. */
export function freshnessValues(reading: FreshnessReading, now: Date): FreshnessValues {
  return {
    freshnessSeconds: (now.getTime() - reading.newestArrival.getTime()) / 1000,
    eventLagSeconds: (now.getTime() - reading.newestEvent.getTime()) / 1000,
  };
}

/**
 * Runs the freshness query of a curated step and reads its result. Never throws: a query that fails, times
 * out or returns something unreadable gives a `failed` outcome (the step's data did refresh; the missing
 * metric makes the freshness alarm fire).
 */
export async function measureFreshness(deps: RefreshDeps, step: RefreshStep & { freshness: FreshnessProbe }): Promise<FreshnessOutcome> {
  const table = step.freshness.table.table;
  const label = `${step.id} (freshness)`;
  try {
    const sql = renderFreshnessQuery(step.freshness, deps.now());
    const { id } = await runQuery(deps, label, sql, step.freshness.table.database);
    const reading = parseFreshnessResult(await deps.athena.results(id));
    if (reading === undefined) return { kind: 'empty', step: step.id, table, queryExecutionId: id, windowDays: step.freshness.windowDays };
    return { kind: 'measured', step: step.id, table, queryExecutionId: id, ...reading, ...freshnessValues(reading, deps.now()) };
  } catch (e) {
    return { kind: 'failed', step: step.id, table, error: e instanceof Error ? e : new Error(String(e)) };
  }
}

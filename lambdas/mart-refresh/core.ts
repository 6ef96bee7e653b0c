/**
 * Mart refresh logic, pure apart from the injected ports: which steps to run for an event, in
 * dependency order, and how to drive one Athena query to a terminal state with exponential
 * backoff. No SDK, no env, no clock here.
 *
 * Event shape: `{ "mart": "<name>" }` or `{ "curated": "<table>" }` (e.g. `rating_submitted_v1`).
 * A mart event also refreshes its upstream steps first (transitively): every statement is an
 * idempotent MERGE, so re-running a step is safe and the mart never reads stale upstream data.
 */
import type { RefreshPlan } from '../../lib/marts/render';

/** Environment variables of the refresh function (set by the CDK construct). */
export const ENV = {
  /** Athena workgroup the statements run in. */
  WORKGROUP: 'MART_REFRESH_WORKGROUP',
  /** Path of the rendered plan JSON. @default `refresh-plan.json` next to the handler bundle */
  PLAN_FILE: 'MART_REFRESH_PLAN_FILE',
} as const;

/** Terminal and non-terminal Athena query states (Athena API `QueryExecutionState`). */
export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** The Athena operations the refresh needs. */
export interface AthenaPort {
  /** StartQueryExecution; returns the query execution id. */
  start(query: { sql: string; database: string; workgroup: string }): Promise<string>;
  /** GetQueryExecution; returns state and StateChangeReason. */
  status(queryExecutionId: string): Promise<{ state: QueryState; reason?: string }>;
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
}

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
 * the first failure (later steps would read stale or partial upstream data).
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
    steps.push({ step: id, queryExecutionIds: ids });
  }
  return { target, steps };
}

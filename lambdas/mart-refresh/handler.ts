/**
 * Mart refresh Lambda. Invoked by EventBridge Scheduler with `{ "mart": "<name>" }` or
 * `{ "curated": "<table>" }`; runs the step (and its upstream steps) in Athena.
 *
 * The statements are rendered per stage at synth time (`renderRefreshPlan`) and bundled as
 * `refresh-plan.json` next to this handler (env vars are capped at 4 KB, a plan is not), or at
 * the path in `MART_REFRESH_PLAN_FILE`. The workgroup comes from `MART_REFRESH_WORKGROUP`.
 *
 * After each curated step, the freshness of its table is published as CloudWatch metrics (Powertools
 * EMF, namespace `POWERTOOLS_METRICS_NAMESPACE`, dimensions `service` and `Table`): see
 * `FRESHNESS_METRICS` in core.ts. An empty table logs a warning and a failed read logs an error; neither
 * emits a metric nor fails the invocation.
 */
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AthenaClient } from '@aws-sdk/client-athena';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { createPowertools } from '../shared/powertools';
import { athenaPort, loadPlan } from './adapters';
import {
  type AthenaPort,
  ENV,
  FRESHNESS_DIMENSION,
  FRESHNESS_METRICS,
  type FreshnessOutcome,
  MART_REFRESH_SERVICE_NAME,
  type PollPolicy,
  refresh,
  type RefreshResult,
  targetOf,
} from './core';

/** What {@link createRefreshHandler} wires together. */
export interface RefreshHandlerDeps {
  readonly athena: AthenaPort;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Environment variables ({@link ENV}). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Clock of the freshness metrics. */
  readonly now: () => Date;
  /** Waits between Athena polls. */
  readonly sleep: (ms: number) => Promise<void>;
  /** @default DEFAULT_POLL_POLICY */
  readonly policy?: PollPolicy;
}

/**
 * Builds the handler: reads the plan once, runs the event's target, publishes one EMF document per
 * measured curated table.
 *
 * @returns a handler that throws (failing the invocation) when the event is invalid, the workgroup is
 *   unset or a refresh statement fails.
 */
export function createRefreshHandler(deps: RefreshHandlerDeps): (event: unknown) => Promise<RefreshResult> {
  const { logger, metrics } = deps;
  let plan: ReturnType<typeof loadPlan> | undefined;
  const onFreshness = (outcome: FreshnessOutcome): void => {
    switch (outcome.kind) {
      case 'measured':
        // One document per table: publishing clears the Table dimension (the service dimension stays).
        metrics.addDimension(FRESHNESS_DIMENSION, outcome.table);
        metrics.addMetric(FRESHNESS_METRICS.freshness, MetricUnit.Seconds, outcome.freshnessSeconds);
        metrics.addMetric(FRESHNESS_METRICS.eventLag, MetricUnit.Seconds, outcome.eventLagSeconds);
        metrics.publishStoredMetrics();
        logger.info('freshness measured', {
          table: outcome.table,
          newestArrival: outcome.newestArrival.toISOString(),
          newestEvent: outcome.newestEvent.toISOString(),
          freshnessSeconds: outcome.freshnessSeconds,
          eventLagSeconds: outcome.eventLagSeconds,
        });
        return;
      case 'empty':
        logger.warn('freshness: no curated event in the window, no metric emitted', { table: outcome.table, windowDays: outcome.windowDays, queryExecutionId: outcome.queryExecutionId });
        return;
      case 'failed':
        logger.error('freshness read failed, no metric emitted', { table: outcome.table, step: outcome.step, error: outcome.error });
        return;
    }
  };
  return async (event) => {
    const workgroup = deps.env[ENV.WORKGROUP];
    if (workgroup === undefined || workgroup === '') throw new Error(`${ENV.WORKGROUP} is not set`);
    plan ??= loadPlan(deps.env[ENV.PLAN_FILE] ?? path.join(__dirname, 'refresh-plan.json'));
    const target = targetOf(event);
    logger.info('refresh started', { target, workgroup });
    const result = await refresh(plan, target, {
      athena: deps.athena,
      workgroup,
      sleep: deps.sleep,
      policy: deps.policy,
      now: deps.now,
      onQueryDone: (info) => logger.info('query succeeded', info),
      onFreshness,
    });
    logger.info('refresh finished', { target, steps: result.steps.length });
    return result;
  };
}

const { logger, metrics } = createPowertools(MART_REFRESH_SERVICE_NAME);

/** Lambda entry point; throws (failing the invocation) when a refresh query fails. */
export const handler = createRefreshHandler({
  athena: athenaPort(new AthenaClient({})),
  logger,
  metrics,
  env: process.env,
  now: () => new Date(),
  sleep: (ms) => sleep(ms).then(() => undefined),
});

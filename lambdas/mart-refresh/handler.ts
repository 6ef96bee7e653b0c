/**
 * Mart refresh Lambda. Invoked by EventBridge Scheduler with `{ "mart": "<name>" }` or
 * `{ "curated": "<table>" }`; runs the step (and its upstream steps) in Athena.
 *
 * The statements are rendered per stage at synth time (`renderRefreshPlan`) and bundled as
 * `refresh-plan.json` next to this handler (env vars are capped at 4 KB, a plan is not), or at
 * the path in `MART_REFRESH_PLAN_FILE`. The workgroup comes from `MART_REFRESH_WORKGROUP`.
 */
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AthenaClient } from '@aws-sdk/client-athena';
import { Logger } from '@aws-lambda-powertools/logger';
import { athenaPort, loadPlan } from './adapters';
import { ENV, refresh, targetOf, type RefreshResult } from './core';

const logger = new Logger({ serviceName: 'mart-refresh' });
const athena = athenaPort(new AthenaClient({}));
let plan: ReturnType<typeof loadPlan> | undefined;

/** Lambda entry point; throws (failing the invocation) when a query fails. */
export async function handler(event: unknown): Promise<RefreshResult> {
  const workgroup = process.env[ENV.WORKGROUP];
  if (workgroup === undefined || workgroup === '') throw new Error(`${ENV.WORKGROUP} is not set`);
  plan ??= loadPlan(process.env[ENV.PLAN_FILE] ?? path.join(__dirname, 'refresh-plan.json'));
  const target = targetOf(event);
  logger.info('refresh started', { target, workgroup });
  const result = await refresh(plan, target, {
    athena,
    workgroup,
    sleep: (ms) => sleep(ms).then(() => undefined),
    onQueryDone: (info) => logger.info('query succeeded', info),
  });
  logger.info('refresh finished', { target, steps: result.steps.length });
  return result;
}

/**
 * `lakeforge smoke --env <env> [--timeout-seconds <n>] [--poll-seconds <n>] [--no-refresh] [--no-cleanup]
 * [--stream-name <name>] [--raw-bucket <name>] [--quarantine-bucket <name>] [--state-machine-arn <arn>]`:
 * the end-to-end check of a deployed environment (see `tools/smoke/run.ts`). Prints one line per step and exits 0
 * when every step passed, 1 otherwise (or on bad input). Credentials come from the default chain and are never
 * printed. Thin: the work lives in `tools/smoke`.
 */
import type { Command } from 'commander';
import { ENVIRONMENT_NAMES, loadConfig, type EnvironmentName } from '../../config';
import { didYouMean } from '../../lib/shared/config-error';
import type { SmokePorts, SmokeResult, SmokeTargets } from '../smoke/run';
import type { TargetOverrides } from '../smoke/targets';

/** Default longest wait of each waiting step, in seconds. */
export const DEFAULT_SMOKE_TIMEOUT_SECONDS = 900;
/** Default seconds between two polls. */
export const DEFAULT_SMOKE_POLL_SECONDS = 15;

/** Options of {@link smokeAction} (as parsed by commander: numbers are strings). */
export interface SmokeCommandOptions extends TargetOverrides {
  /** `dev`, `acc` or `prod`. */
  readonly env: string;
  /** Positive integer. @default {@link DEFAULT_SMOKE_TIMEOUT_SECONDS} */
  readonly timeoutSeconds?: string;
  /** Positive integer, less than the timeout. @default {@link DEFAULT_SMOKE_POLL_SECONDS} */
  readonly pollSeconds?: string;
  /** `false` with `--no-refresh`. @default true */
  readonly refresh?: boolean;
  /** `false` with `--no-cleanup`. @default true */
  readonly cleanup?: boolean;
}

/** What {@link smokeAction} needs besides the options; tests inject local ports. */
export interface SmokeDeps {
  /** The ports and the handle reader of an environment. @default - AWS (`tools/smoke/aws.ts`) */
  readonly ports?: (env: { name: string; account: string; region: string; workgroup: string }) => SmokePorts & { getParameter(name: string): Promise<string> };
  /** Prints one line. @default console.log */
  readonly log?: (line: string) => void;
}

/**
 * Validates the options, resolves the environment's targets and runs the smoke test.
 *
 * @returns the exit code (0 when every step passed) and the result.
 * @throws Error (one line) on bad input: unknown environment, a non-positive or inconsistent wait.
 */
export async function smokeAction(opts: SmokeCommandOptions, deps: SmokeDeps = {}): Promise<{ exitCode: number; result?: SmokeResult; targets?: SmokeTargets }> {
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(opts.env)) {
    throw new Error(`--env: unknown environment "${opts.env}", ${didYouMean(opts.env, ENVIRONMENT_NAMES) ?? `expected one of ${ENVIRONMENT_NAMES.join(', ')}`}`);
  }
  const timeoutSeconds = positiveInteger('--timeout-seconds', opts.timeoutSeconds ?? String(DEFAULT_SMOKE_TIMEOUT_SECONDS));
  const pollSeconds = positiveInteger('--poll-seconds', opts.pollSeconds ?? String(DEFAULT_SMOKE_POLL_SECONDS));
  if (pollSeconds >= timeoutSeconds) throw new Error(`--poll-seconds (${pollSeconds}) must be less than --timeout-seconds (${timeoutSeconds})`);
  const config = loadConfig(opts.env as EnvironmentName);
  const log = deps.log ?? ((line: string) => console.log(line));
  // Required here, not imported: the AWS adapters load the SDK's credential chain only when the command runs.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { runSmoke } = require('../smoke/run') as typeof import('../smoke/run');
  const { resolveTargets, smokeWorkgroup } = require('../smoke/targets') as typeof import('../smoke/targets');
  const makePorts = deps.ports ?? ((env) => (require('../smoke/aws') as typeof import('../smoke/aws')).awsSmokePorts({ region: env.region, workgroup: env.workgroup }));
  /* eslint-enable @typescript-eslint/no-require-imports */
  const env = { name: config.name, account: config.account, region: config.region, workgroup: smokeWorkgroup(config.name) };
  const ports = makePorts(env);
  let targets: SmokeTargets;
  try {
    targets = await resolveTargets(env, (n) => ports.getParameter(n), opts);
  } catch (e) {
    log(`lakeforge smoke ${config.name}: ✗ ${e instanceof Error ? e.message : String(e)}`);
    return { exitCode: 1 };
  }
  const result = await runSmoke(
    { env: config.name, targets, timeoutMs: timeoutSeconds * 1000, pollMs: pollSeconds * 1000, refresh: opts.refresh ?? true, cleanup: opts.cleanup ?? true, log },
    ports,
  );
  log(result.ok ? `OK: ${config.name} ingests, quarantines and curates (canary ${result.canaryId})` : `FAILED at ${result.failure?.step}: canary ${result.canaryId}`);
  return { exitCode: result.ok ? 0 : 1, result, targets };
}

/** Registers `lakeforge smoke`. */
export function registerSmokeCommand(program: Command, deps: SmokeDeps = {}): void {
  program
    .command('smoke')
    .description('put a valid and an invalid canary event on an environment and check raw zone, quarantine, curated refresh and curated table (exit 1 on failure)')
    .requiredOption('--env <env>', `environment: ${ENVIRONMENT_NAMES.join(', ')}`)
    .option('--timeout-seconds <n>', 'longest wait of each step (ingest, refresh, curated)', String(DEFAULT_SMOKE_TIMEOUT_SECONDS))
    .option('--poll-seconds <n>', 'seconds between two polls', String(DEFAULT_SMOKE_POLL_SECONDS))
    .option('--no-refresh', 'do not start the curated refresh nor check the curated table')
    .option('--no-cleanup', "keep the canary's own raw and quarantine objects (never removed in prod anyway)")
    .option('--stream-name <name>', 'ingest stream (default: the handle /lakeforge/<env>/ingestion/stream-name)')
    .option('--raw-bucket <name>', 'raw zone bucket (default: the handle /lakeforge/<env>/storage/raw-bucket-name)')
    .option('--quarantine-bucket <name>', 'quarantine bucket (default: the handle /lakeforge/<env>/storage/quarantine-bucket-name)')
    .option('--state-machine-arn <arn>', "pipeline state machine (default: lakeforge-<env>-pipeline in the environment's account and region)")
    .action(async (opts: SmokeCommandOptions) => {
      const { exitCode } = await smokeAction(opts, deps);
      process.exitCode = exitCode;
    });
}

function positiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

/**
 * `lakeforge smoke --env <env> [--local] [--timeout-seconds <n>] [--poll-seconds <n>] [--no-refresh] [--no-cleanup]
 * [--stream-name <name>] [--raw-bucket <name>] [--quarantine-bucket <name>] [--state-machine-arn <arn>]`:
 * the end-to-end check of a deployed environment (see `tools/smoke/run.ts`), or with `--local` of the environment
 * on the local platform (`tools/smoke/local.ts`: kinesalite, s3rver, the ingest function's handler and the
 * environment's pipeline plan on DuckDB). Prints one line per step and exits 0 when every step passed, 1 otherwise
 * (or on bad input). Credentials come from the default chain and are never printed. Thin: the work lives in
 * `tools/smoke`.
 */
import type { Command } from 'commander';
import { ENVIRONMENT_NAMES, loadConfig, type EnvironmentName } from '../../config';
import { didYouMean } from '../../lib/shared/config-error';
import type { LocalSmokePlatform } from '../smoke/local';
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
  /**
   * `true` with `--local`: run against the local platform instead of AWS (no flag naming a resource then).
   * @default false
   */
  readonly local?: boolean;
}

/** The flags naming a resource, which `--local` excludes (the local platform creates its own). */
const TARGET_FLAGS: Readonly<Record<keyof TargetOverrides, string>> = {
  streamName: '--stream-name',
  rawBucket: '--raw-bucket',
  quarantineBucket: '--quarantine-bucket',
  stateMachineArn: '--state-machine-arn',
};

/** What {@link smokeAction} needs besides the options; tests inject local ports. */
export interface SmokeDeps {
  /** The ports and the handle reader of an environment. @default - AWS (`tools/smoke/aws.ts`) */
  readonly ports?: (env: { name: string; account: string; region: string; workgroup: string }) => SmokePorts & { getParameter(name: string): Promise<string> };
  /** Prints one line. @default console.log */
  readonly log?: (line: string) => void;
  /**
   * With `--local`: an already started local platform of the environment, used and left running (tests start one
   * per file and break it on purpose).
   * @default - `startLocalSmokePlatform` of the environment, stopped at the end of the run
   */
  readonly local?: LocalSmokePlatform;
}

/**
 * Validates the options, resolves the environment's targets and runs the smoke test.
 *
 * With `--local`, starts the environment's local platform (unless `deps.local` gives one), runs the same steps
 * against it, prints the same lines (after one line naming the local endpoints) and stops it.
 *
 * @returns the exit code (0 when every step passed) and the result; exit code 1 with no result when a handle cannot
 *   be read or the local platform does not start.
 * @throws Error (one line) on bad input: unknown environment, a non-positive or inconsistent wait, `--local` with a
 *   flag naming a resource, a `deps.local` platform of another environment, a local-only engine not installed.
 */
export async function smokeAction(opts: SmokeCommandOptions, deps: SmokeDeps = {}): Promise<{ exitCode: number; result?: SmokeResult; targets?: SmokeTargets }> {
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(opts.env)) {
    throw new Error(`--env: unknown environment "${opts.env}", ${didYouMean(opts.env, ENVIRONMENT_NAMES) ?? `expected one of ${ENVIRONMENT_NAMES.join(', ')}`}`);
  }
  const timeoutSeconds = positiveInteger('--timeout-seconds', opts.timeoutSeconds ?? String(DEFAULT_SMOKE_TIMEOUT_SECONDS));
  const pollSeconds = positiveInteger('--poll-seconds', opts.pollSeconds ?? String(DEFAULT_SMOKE_POLL_SECONDS));
  if (pollSeconds >= timeoutSeconds) throw new Error(`--poll-seconds (${pollSeconds}) must be less than --timeout-seconds (${timeoutSeconds})`);
  const local = opts.local ?? false;
  const named = (Object.keys(TARGET_FLAGS) as (keyof TargetOverrides)[]).filter((k) => opts[k] !== undefined).map((k) => TARGET_FLAGS[k]);
  if (local && named.length > 0) throw new Error(`--local cannot be combined with ${named.join(', ')}: the local platform creates its own stream, buckets and pipeline`);
  const config = loadConfig(opts.env as EnvironmentName);
  const log = deps.log ?? ((line: string) => console.log(line));
  const waits = { timeoutSeconds, pollSeconds };
  if (!local) return runAgainst(config, opts, opts, waits, deps.ports, log);

  let platform = deps.local;
  const owned = platform === undefined;
  if (platform === undefined) {
    const { startLocalSmokePlatform } = await loadLocalSmoke();
    try {
      platform = await startLocalSmokePlatform({ env: config.name });
    } catch (e) {
      log(`lakeforge smoke ${config.name} --local: ✗ the local platform did not start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      return { exitCode: 1 };
    }
  }
  if (platform.env !== config.name) throw new Error(`--env ${config.name}: the local platform given runs ${platform.env}`);
  try {
    log(`lakeforge smoke ${config.name} --local: ${platform.describe()}`);
    const started = platform;
    // Stream and buckets through the local handles, as on AWS; the state machine is the local runner's.
    return await runAgainst(config, opts, { stateMachineArn: started.resources.stateMachineArn }, waits, () => started.ports(), log);
  } finally {
    if (owned) await platform.stop();
  }
}

/** Resolves the targets through the ports' handle reader and runs the smoke test (AWS or local). */
async function runAgainst(
  config: { readonly name: string; readonly account: string; readonly region: string },
  opts: SmokeCommandOptions,
  overrides: TargetOverrides,
  waits: { timeoutSeconds: number; pollSeconds: number },
  ports: SmokeDeps['ports'],
  log: (line: string) => void,
): Promise<{ exitCode: number; result?: SmokeResult; targets?: SmokeTargets }> {
  const { timeoutSeconds, pollSeconds } = waits;
  // Required here, not imported: the AWS adapters load the SDK's credential chain only when the command runs.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { runSmoke } = require('../smoke/run') as typeof import('../smoke/run');
  const { resolveTargets, smokeWorkgroup } = require('../smoke/targets') as typeof import('../smoke/targets');
  const makePorts = ports ?? ((env) => (require('../smoke/aws') as typeof import('../smoke/aws')).awsSmokePorts({ region: env.region, workgroup: env.workgroup }));
  /* eslint-enable @typescript-eslint/no-require-imports */
  const env = { name: config.name, account: config.account, region: config.region, workgroup: smokeWorkgroup(config.name) };
  const envPorts = makePorts(env);
  let targets: SmokeTargets;
  try {
    targets = await resolveTargets(env, (n) => envPorts.getParameter(n), overrides);
  } catch (e) {
    log(`lakeforge smoke ${config.name}: ✗ ${e instanceof Error ? e.message : String(e)}`);
    return { exitCode: 1 };
  }
  const result = await runSmoke(
    { env: config.name, targets, timeoutMs: timeoutSeconds * 1000, pollMs: pollSeconds * 1000, refresh: opts.refresh ?? true, cleanup: opts.cleanup ?? true, log },
    envPorts,
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
    .option('--local', 'run against the local platform (kinesalite, s3rver, the ingest function, the pipeline plan on DuckDB) instead of AWS; waits are simulated')
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

/**
 * Imports the local smoke platform, or explains in one line what is missing.
 *
 * @throws Error naming the module to install when a local-only engine (a development dependency) is not installed.
 */
async function loadLocalSmoke(): Promise<typeof import('../smoke/local')> {
  try {
    return await import('../smoke/local');
  } catch (e) {
    const missing = /Cannot find module '([^']+)'/.exec(e instanceof Error ? e.message : String(e));
    if (missing === null) throw e;
    throw new Error(`lakeforge smoke --local needs ${missing[1]}, a development dependency: run it from a clone of the repository (npm ci), or npm install --save-dev @duckdb/node-api kinesalite s3rver`);
  }
}

function positiveInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

/**
 * `lakeforge smoke --local`: the smoke test's {@link SmokePorts} on the local platform (`tools/local`), so the same
 * steps (`./run.ts`) run on one machine with no AWS account:
 *
 * - stream and buckets: kinesalite and s3rver, started as `lakeforge local` starts them (the environment's shard
 *   count; raw, quarantine and an empty contract registry bucket);
 * - the ingest function: its own handler (`createIngestHandler` with the bundled validators, the S3 writer and the
 *   registry resolver, configured by `readIngestConfig` from the environment variables the construct sets on
 *   AWS), invoked by the local event source mapping (the environment's batch size and retry bound, bisect on
 *   error) each time the smoke test waits;
 * - the curated refresh: the environment's pipeline plan — rendered as the Pipeline stack renders it for the
 *   state machine — run by {@link PipelineRunner} on a DuckDB lake over a temporary folder, after the raw bucket
 *   is mirrored into it (as `lakeforge local` mirrors it);
 * - the curated count: a DuckDB query on the curated table (`lakeforge_<env>_curated.<table>`, the physical name
 *   the plan writes).
 *
 * Nothing runs in the background: the event source mapping delivers only while the smoke test waits, and the
 * refresh runs to its end inside `startRefresh`. Each run's clock ({@link LocalSmokePlatform.ports}) is real time
 * plus the time the run has waited, so a broken path fails after `timeoutMs` of waits without sleeping for real.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, type EnvironmentName } from '../../config';
import { loadPlatform } from '../../config/platform';
import { S3ObjectWriter } from '../../lambdas/ingest/adapters';
import type { ContractTable } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { platformParameterName, PLATFORM_PARAMETERS } from '../../lib/platform/parameter-names';
import { curatedLookbackHours, renderPipelinePlan, type PipelinePlan } from '../../lib/pipeline/plan';
import { DuckDbLake, sqlString } from '../local/duckdb-lake';
import { KinesisShardReader, runEventSourceMapping, type DiscardedBatch } from '../local/event-source-mapping';
import { createStream, startLocalKinesis, type LocalKinesis } from '../local/local-kinesis';
import { listKeys, startLocalS3, type LocalS3 } from '../local/local-s3';
import { PipelineRunner, partitionColumnsByStep, type PipelineRunReport } from '../local/pipeline-runner';
import { localIngestFunction, quietPowertools, stopOnSignals } from '../local/platform';
import { storagePorts } from './aws';
import type { ExecutionStatus, SmokePorts } from './run';

/** The local names of an environment's resources (for `dev`, those of `lakeforge local`: `LOCAL_RESOURCES`). */
export interface LocalSmokeResources {
  /** The ingest stream (kinesalite), with the environment's shard count. */
  readonly streamName: string;
  /** The raw zone bucket (s3rver) the function writes valid events to. */
  readonly rawBucket: string;
  /** The quarantine bucket (s3rver) the function writes bad rows to. */
  readonly quarantineBucket: string;
  /** The contract registry bucket (empty: schemas outside `config/contracts` are `schema_unknown`). */
  readonly registryBucket: string;
  /** The local stand-in of the pipeline state machine (`local:lakeforge-<env>-pipeline`; not an AWS ARN). */
  readonly stateMachineArn: string;
}

/** The local resource names of `env`: `lakeforge-<env>-ingest`, `lakeforge-<env>-raw`, … */
export function localSmokeResources(env: string): LocalSmokeResources {
  return {
    streamName: `lakeforge-${env}-ingest`,
    rawBucket: `lakeforge-${env}-raw`,
    quarantineBucket: `lakeforge-${env}-quarantine`,
    registryBucket: `lakeforge-${env}-registry`,
    stateMachineArn: `local:lakeforge-${env}-pipeline`,
  };
}

/**
 * The pipeline plan of an environment, rendered from its config exactly as the Pipeline stack renders the plan its
 * state machine runs (`lib/stacks/pipeline-stack.ts`, lookback from `lib/stages/lakeforge-stage.ts`).
 */
export function smokePipelinePlan(env: EnvironmentName, contracts: readonly ContractTable[], marts: readonly Mart[]): PipelinePlan {
  const config = loadConfig(env);
  return renderPipelinePlan(config.name, marts, contracts, {
    goLiveDate: config.pipeline.goLiveDate,
    lookbackHours: curatedLookbackHours(config.ingestion, config.pipeline.lateArrivalMarginHours),
    optimizeRecentDays: config.pipeline.optimizeRecentDays,
  });
}

/** The smoke ports of one run on the local platform, plus the reader of its handles. */
export type LocalSmokePorts = SmokePorts & {
  /** The local "handles": stream and bucket names under their `/lakeforge/<env>/…` parameter names. */
  getParameter(name: string): Promise<string>;
  /** Why a local refresh failed (the pipeline's error), `undefined` when it did not. */
  refreshFailureCause(executionArn: string): Promise<string | undefined>;
};

/** A started local platform for the smoke test. Stop it with {@link LocalSmokePlatform.stop}. */
export interface LocalSmokePlatform {
  /** Environment name. */
  readonly env: string;
  /** The local stream, buckets and state machine name. */
  readonly resources: LocalSmokeResources;
  /** The local Kinesis (tests use its client to break the stream). */
  readonly kinesis: LocalKinesis;
  /** The local S3 (tests use its client to break a bucket). */
  readonly s3: LocalS3;
  /** Root of the DuckDB lake's folder (removed by `stop`). */
  readonly lakeDir: string;
  /** Batches the event source mapping discarded so far (what the on-failure destination receives on AWS). */
  readonly discarded: readonly DiscardedBatch[];
  /** Reports of the pipeline runs so far, by execution ARN. */
  readonly refreshes: ReadonlyMap<string, { readonly status: ExecutionStatus; readonly report?: PipelineRunReport; readonly cause?: string }>;
  /** One line: endpoints, shards, lake folder and the plan's size. */
  describe(): string;
  /** Ports for one smoke run, with the run's own clock (real time plus the time it has waited). */
  ports(): LocalSmokePorts;
  /** Stops the servers, closes DuckDB and removes the lake folder. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalSmokePlatform}. */
export interface LocalSmokeOptions {
  /** `dev`, `acc` or `prod`: its shard count, event source mapping settings, pipeline plan and database names. */
  readonly env: EnvironmentName;
}

/**
 * Starts the local platform of an environment for the smoke test (see the module comment). Sets
 * `POWERTOOLS_METRICS_DISABLED` until it is stopped (the function's EMF is not the smoke test's output); stops
 * itself on SIGINT/SIGTERM.
 *
 * @throws Error when a server, the stream or the DuckDB lake cannot be started (whatever was started is stopped).
 */
export async function startLocalSmokePlatform(options: LocalSmokeOptions): Promise<LocalSmokePlatform> {
  const config = loadConfig(options.env);
  const env = config.name;
  const resources = localSmokeResources(env);
  const { contractTables, marts } = loadPlatform();
  const plan = smokePipelinePlan(options.env, contractTables, marts);

  const stops: Array<() => Promise<void> | void> = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    removeSignalListeners();
    for (const s of stops.splice(0).reverse()) await Promise.resolve(s()).catch(() => undefined);
  };
  const removeSignalListeners = stopOnSignals(stop);
  stops.push(quietPowertools());

  try {
    const kinesis = await startLocalKinesis();
    stops.push(() => kinesis.stop());
    const s3 = await startLocalS3([resources.rawBucket, resources.quarantineBucket, resources.registryBucket]);
    stops.push(() => s3.stop());
    await createStream(kinesis.client, resources.streamName, config.ingestion.shardCount);
    const lakeDir = fs.mkdtempSync(path.join(os.tmpdir(), `lakeforge-smoke-${env}-`));
    stops.push(() => fs.rmSync(lakeDir, { recursive: true, force: true }));
    const lake = await DuckDbLake.open(lakeDir, contractTables, marts, { env: plan.env });
    stops.push(() => lake.close());
    const runner = new PipelineRunner(lake, plan, partitionColumnsByStep(contractTables, marts));

    // The ingest function as `lakeforge local` wires it: configured from its environment variables.
    const s3Client = s3.client();
    const storage = storagePorts({ kinesis: kinesis.client, s3: s3Client });
    const handler = localIngestFunction({ buckets: resources, s3: s3Client }).handler(new S3ObjectWriter(s3Client));
    let checkpoints: ReadonlyMap<string, string> = new Map();
    const discarded: DiscardedBatch[] = [];
    /** One drain of the stream through the function (what the event source mapping does while time passes). */
    const deliver = async (): Promise<void> => {
      const report = await runEventSourceMapping({
        reader: new KinesisShardReader(kinesis.client, resources.streamName),
        invoke: handler,
        batchSize: config.ingestion.batchSize,
        maximumRetryAttempts: config.ingestion.retryAttempts,
        bisectBatchOnFunctionError: true,
        checkpoints,
      });
      checkpoints = report.checkpoints;
      discarded.push(...report.discarded);
    };

    const mirrored = new Set<string>();
    /** Copies the raw bucket's new objects into the lake folder (the pipeline reads only the raw zone). */
    const mirrorRaw = async (): Promise<void> => {
      for (const key of await listKeys(s3Client, resources.rawBucket)) {
        if (mirrored.has(key)) continue;
        const file = path.join(lakeDir, 'raw', ...key.split('/'));
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, await storage.getObject(resources.rawBucket, key));
        mirrored.add(key);
      }
      await lake.refreshViews();
    };

    const refreshes = new Map<string, { status: ExecutionStatus; report?: PipelineRunReport; cause?: string }>();
    const handles = new Map<string, string>([
      [platformParameterName(env, PLATFORM_PARAMETERS.ingestStreamName), resources.streamName],
      [platformParameterName(env, PLATFORM_PARAMETERS.rawBucketName), resources.rawBucket],
      [platformParameterName(env, PLATFORM_PARAMETERS.quarantineBucketName), resources.quarantineBucket],
      [platformParameterName(env, PLATFORM_PARAMETERS.registryBucketName), resources.registryBucket],
    ]);

    const ports = (): LocalSmokePorts => {
      let waitedMs = 0;
      const now = (): number => Date.now() + waitedMs;
      return {
        ...storage,
        async getParameter(name: string): Promise<string> {
          const value = handles.get(name);
          if (value === undefined) throw new Error(`ParameterNotFound: ${name} is not a handle of the local platform`);
          return value;
        },
        // While the smoke test waits, the event source mapping delivers what is on the stream to the function.
        async sleep(ms: number): Promise<void> {
          await deliver();
          waitedMs += ms;
        },
        now,
        async startRefresh(stateMachineArn: string, executionName: string): Promise<string> {
          if (stateMachineArn !== resources.stateMachineArn) throw new Error(`StateMachineDoesNotExist: the local platform runs ${resources.stateMachineArn}, not ${stateMachineArn}`);
          const executionArn = `${stateMachineArn}:${executionName}`;
          if (refreshes.has(executionArn)) throw new Error(`ExecutionAlreadyExists: ${executionArn}`);
          try {
            await mirrorRaw();
            const report = await runner.run({ runStartedAt: new Date(now()).toISOString(), executionId: executionArn });
            refreshes.set(executionArn, { status: 'SUCCEEDED', report });
          } catch (e) {
            refreshes.set(executionArn, { status: 'FAILED', cause: e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e) });
          }
          return executionArn;
        },
        async refreshStatus(executionArn: string): Promise<ExecutionStatus> {
          const run = refreshes.get(executionArn);
          if (run === undefined) throw new Error(`ExecutionDoesNotExist: ${executionArn}`);
          return run.status;
        },
        async refreshFailureCause(executionArn: string): Promise<string | undefined> {
          return refreshes.get(executionArn)?.cause;
        },
        async countCurated(database: string, table: string, eventId: string): Promise<number> {
          const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
          const rows = await lake.run(`SELECT count(*) AS n FROM ${ident(database)}.${ident(table)} WHERE event_id = ${sqlString(eventId)}`);
          return Number(rows[0]?.n ?? 0);
        },
      };
    };

    return {
      env,
      resources,
      kinesis,
      s3,
      lakeDir,
      discarded,
      refreshes,
      describe: () =>
        `kinesis ${kinesis.endpoint} (${config.ingestion.shardCount} shard(s)), s3 ${s3.endpoint}, DuckDB lake ${lakeDir}, ` +
        `pipeline plan of ${env} (${plan.curated.length} curated step(s), ${plan.martLevels.flat().length} mart(s))`,
      ports,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

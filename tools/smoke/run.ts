/**
 * `lakeforge smoke`: the end-to-end check of one deployed environment, written against ports so the same logic
 * runs on AWS (`./aws.ts`) and against the local platform in the tests.
 *
 * Steps (each prints one line; the first failure stops the run and says what to check):
 * 1. `put`        — the two canaries of {@link buildCanary} (one valid, one invalid) on the ingest stream;
 * 2. `ingest`     — wait until the valid canary is in the raw zone and the invalid one in the quarantine under
 *                   `bad-rows/schema_violation/` (bounded: `timeoutMs`, polling every `pollMs`);
 * 3. `refresh`    — start the pipeline state machine (`lakeforge-<env>-pipeline`) and wait until it succeeds;
 * 4. `curated`    — wait until the canary's `event_id` is in the curated table (Athena);
 * 5. `clean-up`   — remove the raw and quarantine objects every line of which is a canary of this run (never in
 *                   prod, never an object shared with other events, never curated rows: see {@link planCleanup}).
 */
import { gunzipSync } from 'node:zlib';
import {
  buildCanary,
  CANARY_CURATED_TABLE,
  INVALID_CANARY_FAILURE_TYPE,
  planCleanup,
  quarantinePrefixes,
  rawPrefixes,
  attribute,
  type Canary,
  type CanaryObject,
  type Envelope,
} from './canary';

/** One object of a listing. */
export interface ListedObject {
  readonly key: string;
  /** Last modification, epoch ms (objects older than the run are skipped). */
  readonly lastModifiedMs?: number;
}

/** The state of a pipeline execution, as Step Functions names it. */
export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

/** What the smoke test needs from an environment. Every method may throw; the message is printed. */
export interface SmokePorts {
  /** Puts the envelopes (JSON, one record each, partition key = event id) on the stream. */
  putEnvelopes(streamName: string, envelopes: readonly Envelope[]): Promise<void>;
  /** Lists the objects under a prefix. */
  listObjects(bucket: string, prefix: string): Promise<ListedObject[]>;
  /** Reads an object's bytes. */
  getObject(bucket: string, key: string): Promise<Uint8Array>;
  /** Deletes an object. */
  deleteObject(bucket: string, key: string): Promise<void>;
  /** Starts an execution of the state machine; returns the execution ARN. */
  startRefresh(stateMachineArn: string, executionName: string): Promise<string>;
  /** The status of an execution. */
  refreshStatus(executionArn: string): Promise<ExecutionStatus>;
  /**
   * Why an execution that did not succeed failed, in one line (the local platform knows its pipeline's error).
   * @default - not asked: the failure message points at the Step Functions console
   */
  refreshFailureCause?(executionArn: string): Promise<string | undefined>;
  /** How many rows of `database.table` have `event_id` = `eventId` (an Athena query). */
  countCurated(database: string, table: string, eventId: string): Promise<number>;
  /** Waits `ms` milliseconds (tests inject a fake that advances the clock). */
  sleep(ms: number): Promise<void>;
  /** Now, epoch ms. */
  now(): number;
}

/** The names of the environment's resources (from its handles, `./handles.ts`, or flags). */
export interface SmokeTargets {
  readonly streamName: string;
  readonly rawBucket: string;
  readonly quarantineBucket: string;
  readonly stateMachineArn: string;
  /** Glue database of the curated zone, e.g. `lakeforge_dev_curated`. */
  readonly curatedDatabase: string;
}

/** Options of {@link runSmoke}. */
export interface SmokeOptions {
  /** Environment name (`dev`, `acc`, `prod`). */
  readonly env: string;
  readonly targets: SmokeTargets;
  /** Longest wait of each waiting step, in ms. */
  readonly timeoutMs: number;
  /** Wait between two polls, in ms. */
  readonly pollMs: number;
  /** Start the curated refresh and check the curated table. @default true */
  readonly refresh?: boolean;
  /** Remove the canary's own objects at the end (never in prod). @default true */
  readonly cleanup?: boolean;
  /** Prints one line. */
  readonly log: (line: string) => void;
  /** The canaries (tests pass fixed ones). @default buildCanary(ports.now()) */
  readonly canary?: Canary;
}

/** The result of {@link runSmoke}. */
export interface SmokeResult {
  readonly ok: boolean;
  readonly canaryId: string;
  /** The step that failed and why (one line). */
  readonly failure?: { readonly step: string; readonly message: string };
  /** Objects the canaries were found in. */
  readonly objects: readonly CanaryObject[];
  /** Objects removed by the clean-up. */
  readonly removed: readonly CanaryObject[];
}

/** A step failed; the message says what was expected, what happened and what to check. */
export class SmokeStepError extends Error {
  constructor(
    /** The step (`put`, `ingest`, `refresh`, `curated`, `clean-up`). */
    public readonly step: string,
    message: string,
  ) {
    super(message);
    this.name = 'SmokeStepError';
  }
}

/**
 * Runs the smoke test (see the module comment). Never throws for an environment problem: the result says which
 * step failed and why.
 */
export async function runSmoke(options: SmokeOptions, ports: SmokePorts): Promise<SmokeResult> {
  const { targets, log } = options;
  const canary = options.canary ?? buildCanary(ports.now());
  const objects: CanaryObject[] = [];
  let removed: CanaryObject[] = [];
  const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;
  log(`lakeforge smoke ${options.env}: canary ${canary.id} (valid ${canary.valid.event_id}, invalid ${canary.invalid.event_id})`);
  try {
    const putAt = ports.now();
    await step('put', () => ports.putEnvelopes(targets.streamName, [canary.valid, canary.invalid]));
    log(`  ✓ put     2 canary events on stream ${targets.streamName}`);

    // Objects written before the put cannot hold the canary (one minute of slack for clock skew).
    const since = putAt - 60_000;
    const seen = new Set<string>();
    const search = async (bucket: string, prefixes: string[], eventId: string): Promise<CanaryObject | undefined> => {
      for (const prefix of prefixes) {
        let listed: ListedObject[];
        try {
          listed = await ports.listObjects(bucket, prefix);
        } catch (e) {
          throw new SmokeStepError(
            'ingest',
            `cannot list s3://${bucket}/${prefix}: ${e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e)} (is the bucket deployed, and is its handle /lakeforge/${options.env}/storage/… current?)`,
          );
        }
        for (const o of listed) {
          if (seen.has(`${bucket}/${o.key}`) || (o.lastModifiedMs !== undefined && o.lastModifiedMs < since)) continue;
          const text = gunzipSync(await ports.getObject(bucket, o.key)).toString('utf8');
          const attribution = attribute(text, canary.eventIds);
          // An object's content never changes (keys name shard and sequence range): read each once.
          seen.add(`${bucket}/${o.key}`);
          if (attribution.found.length > 0) objects.push({ bucket, key: o.key, attribution });
          if (attribution.found.includes(eventId)) return { bucket, key: o.key, attribution };
        }
      }
      return undefined;
    };
    const found: { raw?: CanaryObject; quarantine?: CanaryObject } = {};
    await waitUntil(
      'ingest',
      async () => {
        const now = ports.now();
        found.raw ??= await search(targets.rawBucket, rawPrefixes(putAt, now), canary.valid.event_id);
        found.quarantine ??= await search(targets.quarantineBucket, quarantinePrefixes(putAt, now), canary.invalid.event_id);
        return found.raw !== undefined && found.quarantine !== undefined;
      },
      () =>
        [
          found.raw === undefined ? `the valid canary ${canary.valid.event_id} is not in s3://${targets.rawBucket}/${rawPrefixes(putAt, putAt)[0].replace(/dt=.*$/, '')}` : '',
          found.quarantine === undefined
            ? `the invalid canary ${canary.invalid.event_id} is not in s3://${targets.quarantineBucket}/bad-rows/${INVALID_CANARY_FAILURE_TYPE}/`
            : '',
        ]
          .filter((s) => s !== '')
          .join('; ') +
        ` after ${seconds(options.timeoutMs)}: check the ingest function's errors and the on-failure destination (runbook: IngestErrorsAlarm, IngestIteratorAgeAlarm), the iterator age, and that the bucket exists`,
    );
    log(`  ✓ ingest  valid canary in s3://${targets.rawBucket}/${found.raw!.key}`);
    log(`  ✓ ingest  invalid canary in s3://${targets.quarantineBucket}/${found.quarantine!.key} (${INVALID_CANARY_FAILURE_TYPE})`);

    if (options.refresh ?? true) {
      const executionName = `smoke-${canary.id}`;
      const executionArn = await step('refresh', () => ports.startRefresh(targets.stateMachineArn, executionName));
      log(`  … refresh started ${executionArn}`);
      let status: ExecutionStatus = 'RUNNING';
      await waitUntil(
        'refresh',
        async () => {
          status = await ports.refreshStatus(executionArn);
          if (status !== 'RUNNING') {
            if (status === 'SUCCEEDED') return true;
            const cause = await ports.refreshFailureCause?.(executionArn);
            throw new SmokeStepError(
              'refresh',
              cause === undefined
                ? `pipeline execution ${executionArn} ended ${status}: read its failed state in the Step Functions console, fix the cause, then redrive it (runbook: PipelineExecutionsFailedAlarm)`
                : `pipeline execution ${executionArn} ended ${status}: ${cause}`,
            );
          }
          return false;
        },
        () => `pipeline execution ${executionArn} still RUNNING after ${seconds(options.timeoutMs)}: check the Athena queries of the execution and the workgroup's scan limit`,
      );
      log(`  ✓ refresh ${executionName} SUCCEEDED`);
      let rows = 0;
      await waitUntil(
        'curated',
        async () => {
          rows = await ports.countCurated(targets.curatedDatabase, CANARY_CURATED_TABLE, canary.valid.event_id);
          if (rows > 1) throw new SmokeStepError('curated', `the canary ${canary.valid.event_id} is ${rows} times in ${targets.curatedDatabase}.${CANARY_CURATED_TABLE}: the curated MERGE is not deduplicating by event_id`);
          return rows === 1;
        },
        () => `the canary ${canary.valid.event_id} is not in ${targets.curatedDatabase}.${CANARY_CURATED_TABLE} after ${seconds(options.timeoutMs)} although the refresh succeeded: check the curated lookback (pipeline.lateArrivalMarginHours) and the curated step's query`,
      );
      log(`  ✓ curated canary in ${targets.curatedDatabase}.${CANARY_CURATED_TABLE}`);
    } else {
      log('  - refresh skipped (--no-refresh): the curated table is not checked');
    }
    return { ok: true, canaryId: canary.id, objects, removed: (removed = await cleanUp()) };
  } catch (e) {
    const failure = e instanceof SmokeStepError ? { step: e.step, message: e.message } : { step: 'unknown', message: e instanceof Error ? e.message : String(e) };
    log(`  ✗ ${failure.step.padEnd(7)} ${failure.message}`);
    // Remove what this run can attribute to itself even when a later step failed.
    try {
      removed = await cleanUp();
    } catch (c) {
      log(`  ✗ clean-up ${c instanceof Error ? c.message : String(c)}`);
    }
    return { ok: false, canaryId: canary.id, failure, objects, removed };
  }

  async function cleanUp(): Promise<CanaryObject[]> {
    const plan = planCleanup(options.env, objects, options.cleanup ?? true);
    if (plan.skipped !== undefined) {
      log(`  - clean-up skipped: ${plan.skipped}; canary objects kept: ${objects.length}`);
      return [];
    }
    for (const o of plan.remove) await step('clean-up', () => ports.deleteObject(o.bucket, o.key));
    log(
      `  ✓ clean-up removed ${plan.remove.length} object(s) holding only this run's canaries; kept ${plan.keep.length} shared with other events; curated rows are never removed`,
    );
    return [...plan.remove];
  }

  /** Runs one port call; an error becomes a {@link SmokeStepError} of the step. */
  async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (e) {
      if (e instanceof SmokeStepError) throw e;
      throw new SmokeStepError(name, `${e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e)}`);
    }
  }

  /** Polls `check` until it answers true, at most `timeoutMs` (by the injected clock) apart from the first poll. */
  async function waitUntil(name: string, check: () => Promise<boolean>, timeoutMessage: () => string): Promise<void> {
    const started = ports.now();
    for (;;) {
      if (await step(name, check)) return;
      if (ports.now() - started >= options.timeoutMs) throw new SmokeStepError(name, timeoutMessage());
      await ports.sleep(options.pollMs);
    }
  }
}

/**
 * `lakeforge smoke` against the local platform: kinesalite, s3rver and the ingest function's own handler (the code
 * the Lambda bundle runs), polled like the event source mapping whenever the smoke test waits. The Step Functions
 * refresh and the Athena count are stubbed: the stub "curates" every event it finds in the raw zone. Waits are
 * bounded by an injected clock (each sleep advances it), never by real time.
 */
import { gunzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readIngestConfig, S3ObjectWriter } from '../../lambdas/ingest/adapters';
import { validators } from '../../lambdas/ingest/generated/validators';
import { createIngestHandler } from '../../lambdas/ingest/process-batch';
import { INGEST_ENV } from '../../lambdas/shared/env';
import { smokeAction } from '../../tools/commands/smoke';
import { KinesisShardReader, runEventSourceMapping } from '../../tools/local/event-source-mapping';
import { createStream, startLocalKinesis, type LocalKinesis } from '../../tools/local/local-kinesis';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { listKeys, S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../../tools/local/local-s3';
import { storagePorts } from '../../tools/smoke/aws';
import { buildCanary, CANARY_CURATED_TABLE, CANARY_SCHEMA_URI } from '../../tools/smoke/canary';
import { runSmoke, type SmokePorts, type SmokeTargets } from '../../tools/smoke/run';

const STREAM = 'lakeforge-dev-ingest';
const RAW = 'lakeforge-dev-raw';
const QUARANTINE = 'lakeforge-dev-quarantine';
/** A bucket that does not exist. */
const OTHER = 'lakeforge-dev-missing';

let kinesis: LocalKinesis;
let s3: LocalS3;
const savedMetrics = process.env.POWERTOOLS_METRICS_DISABLED;

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  kinesis = await startLocalKinesis();
  s3 = await startLocalS3([]);
});

afterAll(async () => {
  await kinesis?.stop();
  await s3?.stop();
  if (savedMetrics === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = savedMetrics;
});

let environments = 0;

/**
 * The local environment as the smoke test sees it: real stream and buckets, the ingest handler run by the local
 * event source mapping on each `sleep`, a fake clock, and a stubbed refresh/curated table. Each has its own stream and
 * buckets, as each environment has on AWS (object keys name shard and sequence numbers, unique per stream only).
 *
 * @param functionQuarantineBucket - the quarantine bucket the FUNCTION writes to (a missing one breaks the ingest path).
 */
async function localEnvironment(brokenQuarantine = false): Promise<{ ports: SmokePorts & { getParameter(n: string): Promise<string> }; targets: SmokeTargets; curated: Set<string>; clock: { now: number } }> {
  const n = ++environments;
  const [streamName, RAW_N, QUARANTINE_N] = [`${STREAM}-${n}`, `${RAW}-${n}`, `${QUARANTINE}-${n}`];
  await createStream(kinesis.client, streamName, 1);
  for (const bucket of [RAW_N, QUARANTINE_N]) await s3.client().send(new CreateBucketCommand({ Bucket: bucket }));
  const config = readIngestConfig({ [INGEST_ENV.RAW_BUCKET]: RAW_N, [INGEST_ENV.QUARANTINE_BUCKET]: brokenQuarantine ? OTHER : QUARANTINE_N });
  const writer = new S3ObjectWriter(s3.client({ maxAttempts: 1 }));
  const handler = createIngestHandler({
    validators,
    config: () => config,
    writer: () => writer,
    logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }),
    metrics: new Metrics({ serviceName: 'ingest', namespace: 'LakeforgeLocal' }),
  });
  let checkpoints: ReadonlyMap<string, string> = new Map();
  // Starts at the real time (the local Kinesis stamps real arrival times, which name the partitions) and then
  // only moves when the smoke test sleeps.
  const clock = { now: Date.now() };
  const curated = new Set<string>();
  const storage = storagePorts({ kinesis: kinesis.client, s3: s3.client() });
  const ports: SmokePorts & { getParameter(n: string): Promise<string> } = {
    ...storage,
    // The handles of the local "environment" (what the Handles stack writes on AWS).
    getParameter: async (name) => {
      const values: Record<string, string> = { 'ingestion/stream-name': streamName, 'storage/raw-bucket-name': RAW_N, 'storage/quarantine-bucket-name': QUARANTINE_N };
      const key = Object.keys(values).find((k) => name === `/lakeforge/dev/${k}`);
      if (key === undefined) throw new Error(`ParameterNotFound: ${name}`);
      return values[key];
    },
    // While the smoke test waits, the event source mapping delivers what is on the stream to the function.
    sleep: async (ms) => {
      const report = await runEventSourceMapping({ reader: new KinesisShardReader(kinesis.client, streamName), invoke: handler, batchSize: 100, maximumRetryAttempts: 1, bisectBatchOnFunctionError: true, checkpoints });
      checkpoints = report.checkpoints;
      clock.now += ms;
    },
    now: () => clock.now,
    startRefresh: async (_arn, name) => `arn:aws:states:eu-west-1:111111111111:execution:lakeforge-dev-pipeline:${name}`,
    // The stubbed pipeline curates every event of the raw zone.
    refreshStatus: async () => {
      for (const key of await listKeys(s3.client(), RAW_N, 'events/')) {
        const body = await storage.getObject(RAW_N, key);
        for (const line of gunzipSync(body).toString('utf8').split('\n')) if (line !== '') curated.add((JSON.parse(line) as { event_id: string }).event_id);
      }
      return 'SUCCEEDED';
    },
    countCurated: async (_db, table, eventId) => (table === CANARY_CURATED_TABLE && curated.has(eventId) ? 1 : 0),
  };
  const targets: SmokeTargets = { streamName, rawBucket: RAW_N, quarantineBucket: QUARANTINE_N, stateMachineArn: 'arn:aws:states:eu-west-1:111111111111:stateMachine:lakeforge-dev-pipeline', curatedDatabase: 'lakeforge_dev_curated' };
  return { ports, targets, curated, clock };
}

describe('lakeforge smoke against the local platform', () => {
  it('the canaries pass the contract as intended: the valid one validates, the invalid one violates the reference contract', () => {
    const canary = buildCanary(0);
    const validate = (validators as unknown as Record<string, (d: unknown) => boolean>)[CANARY_SCHEMA_URI];
    expect(typeof validate).toBe('function');
    expect([validate(canary.valid.data), validate(canary.invalid.data)]).toEqual([true, false]);
  });

  it('passes: the valid canary lands in the raw zone, the invalid one in bad-rows/schema_violation/, the refresh curates it, and its own objects are removed', async () => {
    const { ports, targets, curated } = await localEnvironment();
    const lines: string[] = [];
    const result = await runSmoke({ env: 'dev', targets, timeoutMs: 60_000, pollMs: 5_000, log: (l) => lines.push(l) }, ports);
    const text = lines.join('\n');
    expect({ ok: result.ok, failure: result.failure }).toEqual({ ok: true, failure: undefined });
    expect(curated.has(result.canaryId)).toBe(true);
    expect(result.objects.map((o) => o.bucket).sort()).toEqual([targets.quarantineBucket, targets.rawBucket]);
    expect(result.objects.find((o) => o.bucket === targets.quarantineBucket)!.key).toMatch(/^bad-rows\/schema_violation\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\//);
    expect(text).toContain(`canary ${result.canaryId}`);
    expect(text).toMatch(/✓ curated canary in lakeforge_dev_curated\.rating_submitted_v1/);
    // Only this run's objects existed, and they are gone.
    expect(result.removed).toHaveLength(2);
    expect([...(await listKeys(s3.client(), targets.rawBucket, 'events/')), ...(await listKeys(s3.client(), targets.quarantineBucket, 'bad-rows/'))]).toEqual([]);
    // No credential of the local servers in the output.
    expect(text).not.toContain(S3RVER_CREDENTIALS.secretAccessKey);
  });

  it('keeps an object it shares with another producer\'s event and removes nothing in prod', async () => {
    const { ports, targets } = await localEnvironment();
    // Another producer's event in the same batch as the canaries: same raw object.
    const other = { ...buildCanary(0).valid, event_id: '00000000-0000-4000-8000-00000000abcd' };
    const canary = buildCanary(ports.now());
    const put = ports.putEnvelopes.bind(ports);
    ports.putEnvelopes = async (stream, envelopes) => put(stream, [...envelopes, other]);
    const result = await runSmoke({ env: 'dev', targets, timeoutMs: 60_000, pollMs: 5_000, log: () => undefined, canary }, ports);
    expect(result.ok).toBe(true);
    const raw = result.objects.find((o) => o.bucket === targets.rawBucket)!;
    expect(raw.attribution.others).toBe(1);
    expect(result.removed.map((o) => o.bucket)).toEqual([targets.quarantineBucket]);
    expect(await listKeys(s3.client(), targets.rawBucket, raw.key)).toEqual([raw.key]);

    const prod = await localEnvironment();
    const lines: string[] = [];
    const prodResult = await runSmoke({ env: 'prod', targets: prod.targets, timeoutMs: 60_000, pollMs: 5_000, log: (l) => lines.push(l) }, prod.ports);
    expect(prodResult.removed).toEqual([]);
    expect(lines.join('\n')).toContain('clean-up skipped: prod data is never deleted');
  });

  it('fails with a clear message, after a bounded wait, when the ingest path is broken (the function\'s quarantine bucket is missing)', async () => {
    const { ports, targets, clock } = await localEnvironment(true);
    const started = clock.now;
    const lines: string[] = [];
    const result = await runSmoke({ env: 'dev', targets, timeoutMs: 30_000, pollMs: 10_000, log: (l) => lines.push(l) }, ports);
    expect(result.ok).toBe(false);
    expect(result.failure!.step).toBe('ingest');
    expect(result.failure!.message).toMatch(new RegExp(`the invalid canary [0-9a-f-]{36} is not in s3://${targets.quarantineBucket}/bad-rows/schema_violation/ after 30 s: check the ingest function's errors`));
    // Bounded: it gave up once the injected clock passed the timeout (polls every 10 s → 3 sleeps).
    expect(clock.now - started).toBe(30_000);
    expect(lines.join('\n')).toMatch(/✗ ingest/);
  });

  it.each<[string, Partial<SmokePorts>, string, RegExp]>([
    ['the refresh fails', { refreshStatus: async () => 'FAILED' }, 'refresh', /ended FAILED: .*redrive it \(runbook: PipelineExecutionsFailedAlarm\)/],
    ['the refresh never ends', { refreshStatus: async () => 'RUNNING' }, 'refresh', /still RUNNING after 30 s/],
    ['the canary is curated twice', { countCurated: async () => 2 }, 'curated', /is 2 times in lakeforge_dev_curated\.rating_submitted_v1: the curated MERGE is not deduplicating by event_id/],
    ['the canary never reaches the curated table', { countCurated: async () => 0 }, 'curated', /not in lakeforge_dev_curated\.rating_submitted_v1 after 30 s although the refresh succeeded/],
  ])('fails at the step that broke when %s, and still removes its own objects', async (_name, override, step, message) => {
    const env = await localEnvironment();
    const result = await runSmoke({ env: 'dev', targets: env.targets, timeoutMs: 30_000, pollMs: 10_000, log: () => undefined }, { ...env.ports, ...override });
    expect(result.failure).toEqual({ step, message: expect.stringMatching(message) });
    expect(result.removed).toHaveLength(2);
  });

  it('fails at once, naming the bucket, when the quarantine bucket it must search does not exist', async () => {
    const { ports, targets } = await localEnvironment();
    const result = await runSmoke({ env: 'dev', targets: { ...targets, quarantineBucket: OTHER }, timeoutMs: 30_000, pollMs: 10_000, log: () => undefined }, ports);
    expect(result.failure).toEqual({ step: 'ingest', message: expect.stringMatching(new RegExp(`cannot list s3://${OTHER}/bad-rows/schema_violation/dt=.*NoSuchBucket`)) });
  });

  it('lakeforge smoke --env dev resolves the handles, runs the same logic and exits 0; exits 1 when a handle is missing', async () => {
    const { ports } = await localEnvironment();
    const lines: string[] = [];
    const { exitCode, targets } = await smokeAction({ env: 'dev', timeoutSeconds: '60', pollSeconds: '5' }, { ports: () => ports, log: (l) => lines.push(l) });
    expect({ exitCode, lines }).toEqual({ exitCode: 0, lines: expect.arrayContaining([expect.stringMatching(/^OK: dev/)]) });
    expect(targets).toMatchObject({ rawBucket: expect.stringMatching(`^${RAW}-`), quarantineBucket: expect.stringMatching(`^${QUARANTINE}-`), curatedDatabase: 'lakeforge_dev_curated' });
    expect(lines[lines.length - 1]).toMatch(/^OK: dev ingests, quarantines and curates/);

    const broken = { ...ports, getParameter: async (n: string) => Promise.reject(new Error(`ParameterNotFound: ${n}`)) };
    const failed: string[] = [];
    expect((await smokeAction({ env: 'dev' }, { ports: () => broken, log: (l) => failed.push(l) })).exitCode).toBe(1);
    expect(failed.join('\n')).toContain('cannot read the handle /lakeforge/dev/ingestion/stream-name');
  });

  it.each([
    [{ env: 'dve' }, /--env: unknown environment "dve", did you mean "dev"\?/],
    [{ env: 'dev', timeoutSeconds: '0' }, /--timeout-seconds must be a positive integer, got "0"/],
    [{ env: 'dev', timeoutSeconds: '10', pollSeconds: '10' }, /--poll-seconds \(10\) must be less than --timeout-seconds \(10\)/],
  ])('rejects bad input %j with one line', async (opts, message) => {
    await expect(smokeAction(opts)).rejects.toThrow(message);
  });
});

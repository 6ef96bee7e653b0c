/**
 * The ingest handler resolving schemas at run time against an Iglu static registry held by a real
 * S3-compatible server (s3rver), read with the real AWS SDK v3 S3 client: hit, miss, invalid schema,
 * registry outages (records retried, nothing quarantined, nothing lost), cache expiry with an injected clock,
 * the bounded cache, and the deployed handler module configured only through its environment.
 * The registry holds real third-party schemas: the vendored Iglu Central sample (examples/data, Apache-2.0).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createRegistryRequestHandler, S3ObjectWriter, S3SchemaSource, type IngestConfig } from '../../../lambdas/ingest/adapters';
import { parseIgluUri } from '../../../lambdas/ingest/core';
import { validators } from '../../../lambdas/ingest/generated/validators';
import { createIngestHandler, INGEST_METRICS } from '../../../lambdas/ingest/process-batch';
import { REGISTRY_DEFAULTS, registryObjectKey, RegistryResolver, type RegistryResolverOptions, type SchemaSource } from '../../../lambdas/ingest/registry';
import { toKinesisStreamRecord } from '../../../tools/local/event-source-mapping';
import { listKeys, localS3Client, readJsonLines, S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../../helpers/local-s3';
import { ARRIVAL, RATING_URI, ratingEnvelope, sequenceNumber } from './records';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const IGLU_SAMPLE = join(__dirname, '..', '..', '..', 'examples', 'data', 'iglu-central-sample');
/** Every schema file of the Iglu Central sample: registry key (its path) → text. */
const SAMPLE = new Map<string, string>();
(function walk(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const key = relative(IGLU_SAMPLE, path).split(sep).join('/');
    if (statSync(path).isDirectory()) walk(path);
    else if (key.startsWith('schemas/')) SAMPLE.set(key, readFileSync(path, 'utf8'));
  }
})(IGLU_SAMPLE);

const LINK_CLICK_1_0_0 = 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-0';
const LINK_CLICK = 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1';
const SITE_SEARCH = 'iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0';
/** A third-party URI that is in neither the contracts nor the registry. */
const MISSING = 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/9-0-0';

let s3: LocalS3;
let bucketSeq = 0;

beforeAll(async () => {
  s3 = await startLocalS3([]);
  expect(SAMPLE.has(registryObjectKey(LINK_CLICK))).toBe(true);
});
afterAll(async () => {
  await s3.stop();
});

interface Lake extends IngestConfig {
  readonly registryBucket: string;
}

/** Fresh raw, quarantine and registry buckets; the registry holds the whole Iglu Central sample under `prefix`. */
async function freshLake(prefix = ''): Promise<Lake> {
  bucketSeq += 1;
  const lake = { rawBucket: `raw-${bucketSeq}`, quarantineBucket: `quarantine-${bucketSeq}`, registryBucket: `registry-${bucketSeq}`, maxRecordBytes: 1 << 20 };
  const client = s3.client();
  for (const bucket of [lake.rawBucket, lake.quarantineBucket, lake.registryBucket]) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [key, text] of SAMPLE) await publish(lake, `${prefix}${key}`, text);
  return lake;
}

async function publish(lake: Lake, key: string, text: string): Promise<void> {
  await s3.client().send(new PutObjectCommand({ Bucket: lake.registryBucket, Key: key, Body: text }));
}

/** A schema source that records the keys it is asked for. */
function counting(source: SchemaSource): SchemaSource & { reads: string[] } {
  const reads: string[] = [];
  return { reads, getText: (key) => (reads.push(key), source.getText(key)) };
}

interface Harness {
  readonly handler: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;
  readonly source: SchemaSource & { reads: string[] };
  /** The value of each metric added by the last invocation. */
  metricsOfLastCall(): Record<string, number>;
}

/** The ingest handler with a registry resolver reading `registryClient` (default: the local S3 server). */
function harness(lake: Lake, options: { registryClient?: S3Client; resolver?: Partial<RegistryResolverOptions> } = {}): Harness {
  const source = counting(new S3SchemaSource(options.registryClient ?? s3.client(), lake.registryBucket));
  const resolver = new RegistryResolver({ source, ...options.resolver });
  const metrics = new Metrics({ namespace: 'Test', serviceName: 'ingest' });
  const added = jest.spyOn(metrics, 'addMetric');
  const writer = new S3ObjectWriter(s3.client());
  const handler = createIngestHandler({
    validators,
    config: () => lake,
    writer: () => writer,
    registry: () => resolver,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics,
  });
  return {
    handler: async (event) => {
      added.mockClear();
      return handler(event);
    },
    source,
    metricsOfLastCall: () => Object.fromEntries(added.mock.calls.map(([name, , value]) => [name, value])),
  };
}

/** A one-shard event; record i (0-based) gets sequence number `first + i`. */
function kinesisEvent(payloads: ReadonlyArray<string | Record<string, unknown>>, first = 1): KinesisStreamEvent {
  return {
    Records: payloads.map((p, i) =>
      toKinesisStreamRecord('shardId-000000000000', {
        sequenceNumber: sequenceNumber(first + i),
        partitionKey: 'p',
        data: Buffer.from(typeof p === 'string' ? p : JSON.stringify(p)),
        approximateArrivalTimestamp: ARRIVAL,
      }),
    ),
  };
}

const eventId = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const envelope = (schema: string, data: Record<string, unknown>, n: number): Record<string, unknown> => ratingEnvelope({ schema, data, event_id: eventId(n) });
const linkClick = (n: number, schema = LINK_CLICK): Record<string, unknown> => envelope(schema, { targetUrl: `https://example.com/${n}` }, n);
const siteSearch = (n: number): Record<string, unknown> => envelope(SITE_SEARCH, { terms: [`term${n}`] }, n);
const ratingEvent = (n: number): Record<string, unknown> => envelope(RATING_URI, { user_id: n, movie_id: 1, rating: 3 }, n);

/** Every line under `prefix` of `bucket`, with the last 7 digits of its sequence number. */
async function lines(bucket: string, prefix = ''): Promise<Array<{ key: string; n: number; line: Record<string, unknown> }>> {
  const client = s3.client();
  const out: Array<{ key: string; n: number; line: Record<string, unknown> }> = [];
  for (const key of await listKeys(client, bucket, prefix)) {
    for (const line of await readJsonLines(client, bucket, key)) out.push({ key, n: Number(String(line.sequence_number).slice(-7)), line });
  }
  return out.sort((a, b) => a.n - b.n);
}

const failures = (...ns: number[]): KinesisStreamBatchResponse => ({ batchItemFailures: ns.map((n) => ({ itemIdentifier: sequenceNumber(n) })) });

describe('registry hit', () => {
  it('lands events of third-party schemas found in the registry under their own model, and validates them', async () => {
    const lake = await freshLake();
    const { handler, source } = harness(lake);
    const violation = envelope(LINK_CLICK, { elementId: 'no-target' }, 4);

    await expect(handler(kinesisEvent([linkClick(1), siteSearch(2), ratingEvent(3), violation]))).resolves.toEqual(failures());

    const raw = await lines(lake.rawBucket);
    expect(raw.map((l) => [l.n, l.key.split('/').slice(0, 4).join('/')])).toEqual([
      [1, 'events/com.snowplowanalytics.snowplow/link_click/v1'],
      [2, 'events/com.snowplowanalytics.snowplow/site_search/v1'],
      [3, 'events/com.lakeforge.ott/rating_submitted/v1'],
    ]);
    expect(raw[0].line).toMatchObject({ schema: LINK_CLICK, data: { targetUrl: 'https://example.com/1' } });
    const bad = await lines(lake.quarantineBucket);
    expect(bad.map((l) => [l.n, l.line.failure_type])).toEqual([[4, 'schema_violation']]);
    expect(String(bad[0].line.errors)).toMatch(/must have required property 'targetUrl'/);
    expect(source.reads.sort()).toEqual([registryObjectKey(LINK_CLICK), registryObjectKey(SITE_SEARCH)].sort());
  });

  it('never reads the registry for a URI with a precompiled validator, even when the registry has an object for it', async () => {
    const lake = await freshLake();
    // A registry schema that would reject every rating: never used, the precompiled contract wins.
    const rating = parseIgluUri(RATING_URI);
    if (rating === undefined) throw new Error(`${RATING_URI} is not an Iglu URI`);
    const self = { vendor: rating.vendor, name: rating.name, format: rating.format, version: `${rating.model}-${rating.revision}-${rating.addition}` };
    await publish(lake, registryObjectKey(RATING_URI), JSON.stringify({ self, type: 'object', required: ['never'] }));
    const { handler, source, metricsOfLastCall } = harness(lake);

    await expect(handler(kinesisEvent([ratingEvent(1), ratingEvent(2)]))).resolves.toEqual(failures());

    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1, 2]);
    expect(source.reads).toEqual([]);
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryCacheHits]: 0, [INGEST_METRICS.registryFetches]: 0 });
  });

  it('fetches a schema once per container and answers later batches from the cache (metrics: misses, then hits)', async () => {
    const lake = await freshLake();
    const { handler, source, metricsOfLastCall } = harness(lake);

    await handler(kinesisEvent([linkClick(1), linkClick(2), siteSearch(3)]));
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryFetches]: 2, [INGEST_METRICS.registryCacheHits]: 0, [INGEST_METRICS.recordsDeferred]: 0 });
    await handler(kinesisEvent([linkClick(4), siteSearch(5), linkClick(6)], 4));
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryFetches]: 0, [INGEST_METRICS.registryCacheHits]: 2 });

    expect(source.reads).toHaveLength(2);
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads the registry under its key prefix', async () => {
    const lake = await freshLake('iglu/');
    const { handler, source } = harness(lake, { resolver: { prefix: 'iglu/' } });
    await expect(handler(kinesisEvent([linkClick(1)]))).resolves.toEqual(failures());
    expect(source.reads).toEqual([`iglu/${registryObjectKey(LINK_CLICK)}`]);
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1]);
  });
});

describe('registry miss', () => {
  it('quarantines an event whose schema is in neither the contracts nor the registry as schema_unknown, naming the URI', async () => {
    const lake = await freshLake();
    const { handler, metricsOfLastCall } = harness(lake);

    await expect(handler(kinesisEvent([linkClick(1), linkClick(2, MISSING)]))).resolves.toEqual(failures());

    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1]);
    const bad = await lines(lake.quarantineBucket);
    expect(bad.map((l) => [l.n, l.key.split('/')[1], l.line.schema])).toEqual([[2, 'schema_unknown', MISSING]]);
    expect(bad[0].line.errors).toEqual([`no contract registered for ${MISSING}: no schema ${registryObjectKey(MISSING)} in the registry`]);
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryFetches]: 2, [INGEST_METRICS.registryNotFound]: 1, [INGEST_METRICS.registryErrors]: 0 });
  });

  it('remembers "not found" for the negative time to live only, then sees a schema published since', async () => {
    let now = 0;
    const lake = await freshLake();
    const { handler, source } = harness(lake, { resolver: { now: () => now } });
    await handler(kinesisEvent([linkClick(1, MISSING)]));
    await publish(lake, registryObjectKey(MISSING), (SAMPLE.get(registryObjectKey(LINK_CLICK)) ?? '').replace('"1-0-1"', '"9-0-0"'));

    now = REGISTRY_DEFAULTS.negativeTtlMs - 1;
    await handler(kinesisEvent([linkClick(2, MISSING)], 2));
    now = REGISTRY_DEFAULTS.negativeTtlMs;
    await handler(kinesisEvent([linkClick(3, MISSING)], 3));

    expect((await lines(lake.quarantineBucket)).map((l) => [l.n, l.line.failure_type])).toEqual([[1, 'schema_unknown'], [2, 'schema_unknown']]);
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([3]);
    expect(source.reads).toHaveLength(2);
  });
});

describe('invalid schema in the registry', () => {
  const original = (): Record<string, unknown> => JSON.parse(SAMPLE.get(registryObjectKey(LINK_CLICK)) ?? '{}') as Record<string, unknown>;
  it.each<[string, () => string, RegExp]>([
    ['an object that is not JSON', () => 'self: link_click', /is not JSON/],
    ['a self block naming another version', () => JSON.stringify({ ...original(), self: { ...(original().self as object), version: '1-0-0' } }), /self\.version is "1-0-0", expected "1-0-1"/],
    ['a schema ajv cannot compile', () => JSON.stringify({ ...original(), properties: { targetUrl: { type: 'strng' } } }), /ajv cannot compile/],
  ])('quarantines its events as schema_invalid naming the schema, for %s', async (_name, text, reason) => {
    const lake = await freshLake();
    await publish(lake, registryObjectKey(LINK_CLICK), text());
    const { handler, metricsOfLastCall } = harness(lake);

    await expect(handler(kinesisEvent([linkClick(1), ratingEvent(2)]))).resolves.toEqual(failures());

    const bad = await lines(lake.quarantineBucket);
    expect(bad.map((l) => [l.n, l.key.split('/')[1], l.line.schema])).toEqual([[1, 'schema_invalid', LINK_CLICK]]);
    expect(String(bad[0].line.errors)).toMatch(new RegExp(`schema ${LINK_CLICK.replace(/[./]/g, '\\$&')} in the registry is invalid: .*${registryObjectKey(LINK_CLICK).replace(/[./]/g, '\\$&')}`));
    expect(String(bad[0].line.errors)).toMatch(reason);
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([2]);
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryInvalid]: 1, [INGEST_METRICS.registryErrors]: 0 });
  });
});

/** A local HTTP server answering every request with `status` and an S3 error document (or never, for `status` 0). */
async function startBrokenRegistry(status: number, code: string): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (status === 0) return; // never answers: the client times out
    req.resume();
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected ${code}</Message></Error>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback endpoint nothing listens on: a server's port, after the server has closed. */
async function closedEndpoint(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { endpoint: `http://127.0.0.1:${port}`, stop: async () => undefined };
}

describe('registry outage', () => {
  it.each<[string, () => Promise<{ endpoint: string; stop(): Promise<void> }>]>([
    ['unreachable (connection refused)', closedEndpoint],
    ['throttling (503 SlowDown)', () => startBrokenRegistry(503, 'SlowDown')],
    ['failing (500 InternalError)', () => startBrokenRegistry(500, 'InternalError')],
    ['denying access (403 AccessDenied)', () => startBrokenRegistry(403, 'AccessDenied')],
    ['not answering (request timeout)', () => startBrokenRegistry(0, '')],
  ])('reports the record and the rest of its shard for retry when the registry is %s, quarantines nothing, and lands everything once it is back', async (_name, start) => {
    const broken = await start();
    const lake = await freshLake();
    const brokenClient = localS3Client(broken.endpoint, {
      maxAttempts: 1,
      requestHandler: createRegistryRequestHandler({ connection: 500, request: 500 }),
    });
    let down = true;
    const up = new S3SchemaSource(s3.client(), lake.registryBucket);
    const outage = new S3SchemaSource(brokenClient, lake.registryBucket);
    const switchable: SchemaSource = { getText: (key) => (down ? outage : up).getText(key) };
    const resolver = new RegistryResolver({ source: switchable });
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'ingest' });
    const added = jest.spyOn(metrics, 'addMetric');
    const handler = createIngestHandler({
      validators,
      config: () => lake,
      writer: () => new S3ObjectWriter(s3.client()),
      registry: () => resolver,
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics,
    });
    const batch = [ratingEvent(1), linkClick(2), ratingEvent(3), '{', siteSearch(5)];

    try {
      await expect(handler(kinesisEvent(batch))).resolves.toEqual(failures(2, 3, 4, 5));
    } finally {
      await broken.stop();
    }
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1]);
    expect(await listKeys(s3.client(), lake.quarantineBucket)).toEqual([]);
    const metric = Object.fromEntries(added.mock.calls.map(([name, , value]) => [name, value]));
    expect(metric).toMatchObject({ [INGEST_METRICS.registryErrors]: 2, [INGEST_METRICS.recordsDeferred]: 4, [INGEST_METRICS.registryFetches]: 2 });

    // Lambda re-delivers from the first reported record; the registry answers again.
    down = false;
    await expect(handler(kinesisEvent(batch.slice(1), 2))).resolves.toEqual(failures());
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1, 2, 3, 5]);
    expect((await lines(lake.quarantineBucket)).map((l) => [l.n, l.line.failure_type])).toEqual([[4, 'not_json']]);
  });
});

describe('registry cache', () => {
  it('reuses a fetched schema until its time to live has passed, then fetches it again (injected clock)', async () => {
    let now = 1_000_000;
    const ttlMs = 60_000;
    const lake = await freshLake();
    const { handler, source, metricsOfLastCall } = harness(lake, { resolver: { now: () => now, ttlMs } });
    await handler(kinesisEvent([linkClick(1)]));
    // The registry object changes: the new version requires elementId, which the events do not have.
    const stricter = JSON.parse(SAMPLE.get(registryObjectKey(LINK_CLICK)) ?? '{}') as { required: string[] };
    await publish(lake, registryObjectKey(LINK_CLICK), JSON.stringify({ ...stricter, required: [...stricter.required, 'elementId'] }));

    now += ttlMs - 1;
    await handler(kinesisEvent([linkClick(2)], 2));
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryCacheHits]: 1, [INGEST_METRICS.registryFetches]: 0 });
    now += 1;
    await handler(kinesisEvent([linkClick(3)], 3));
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryCacheHits]: 0, [INGEST_METRICS.registryFetches]: 1 });

    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1, 2]);
    const bad = await lines(lake.quarantineBucket);
    expect(bad.map((l) => [l.n, l.line.failure_type])).toEqual([[3, 'schema_violation']]);
    expect(String(bad[0].line.errors)).toMatch(/elementId/);
    expect(source.reads).toEqual([registryObjectKey(LINK_CLICK), registryObjectKey(LINK_CLICK)]);
  });

  it('holds at most maxEntries schemas, evicting the least recently used one', async () => {
    const lake = await freshLake();
    const { handler, source } = harness(lake, { resolver: { maxEntries: 2 } });
    const order: Array<Record<string, unknown>> = [
      linkClick(1, LINK_CLICK_1_0_0), // fetch A
      linkClick(2), // fetch B
      linkClick(3, LINK_CLICK_1_0_0), // hit A (A is now the most recently used)
      siteSearch(4), // fetch C, evicts B
      linkClick(5, LINK_CLICK_1_0_0), // hit A
      linkClick(6), // fetch B again, evicts C
    ];
    for (const [i, payload] of order.entries()) await expect(handler(kinesisEvent([payload], i + 1))).resolves.toEqual(failures());

    expect(source.reads).toEqual([LINK_CLICK_1_0_0, LINK_CLICK, SITE_SEARCH, LINK_CLICK].map((uri) => registryObjectKey(uri)));
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

describe('the deployed handler module', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('resolves from the registry named by REGISTRY_BUCKET and REGISTRY_PREFIX, with the timeouts of its own client', async () => {
    const lake = await freshLake('iglu/');
    Object.assign(process.env, {
      RAW_BUCKET: lake.rawBucket,
      QUARANTINE_BUCKET: lake.quarantineBucket,
      REGISTRY_BUCKET: lake.registryBucket,
      REGISTRY_PREFIX: 'iglu/',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    });
    const { handler } = (await import('../../../lambdas/ingest/handler')) as { handler: Harness['handler'] };

    await expect(handler(kinesisEvent([linkClick(1), linkClick(2, MISSING), ratingEvent(3)]))).resolves.toEqual(failures());

    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1, 3]);
    expect((await lines(lake.quarantineBucket)).map((l) => [l.n, l.line.failure_type])).toEqual([[2, 'schema_unknown']]);
  });
});

it('quarantines third-party events as schema_unknown when no registry is configured (as before)', async () => {
  const lake = await freshLake();
  const handler = createIngestHandler({
    validators,
    config: () => lake,
    writer: () => new S3ObjectWriter(s3.client()),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'ingest' }),
  });
  await expect(handler(kinesisEvent([linkClick(1)]))).resolves.toEqual(failures());
  const bad = await lines(lake.quarantineBucket);
  expect(bad.map((l) => [l.n, l.line.failure_type, l.line.errors])).toEqual([[1, 'schema_unknown', [`no contract registered for ${LINK_CLICK}`]]]);
});

describe('iglu: $refs of registry schemas (hand-written schemas, fetched from the same bucket)', () => {
  const ACME = 'com.acme.refs';
  const uriOf = (name: string, version = '1-0-0'): string => `iglu:${ACME}/${name}/jsonschema/${version}`;
  const doc = (name: string, body: Record<string, unknown>, version = '1-0-0'): string =>
    JSON.stringify({ self: { vendor: ACME, name, format: 'jsonschema', version }, ...body });
  /** `geo` ← `address` (local ref inside, and an iglu: ref to geo) ← `order` (an iglu: ref with a fragment too). */
  const SCHEMAS: Record<string, string> = {
    geo: doc('geo', { type: 'object', properties: { lat: { type: 'number', minimum: -90, maximum: 90 } }, required: ['lat'] }),
    address: doc('address', {
      type: 'object',
      definitions: { code: { type: 'string', maxLength: 6 } },
      properties: { street: { type: 'string' }, zip: { $ref: '#/definitions/code' }, geo: { $ref: uriOf('geo') } },
      required: ['street'],
      additionalProperties: false,
    }),
    order: doc('order', {
      type: 'object',
      properties: { ship_to: { $ref: uriOf('address') }, zip_only: { $ref: `${uriOf('address')}#/definitions/code` } },
      required: ['ship_to'],
      additionalProperties: false,
    }),
    dangling: doc('dangling', { type: 'object', properties: { to: { $ref: uriOf('nowhere') } } }),
  };
  async function refLake(schemas: Record<string, string> = SCHEMAS): Promise<Lake> {
    const lake = await freshLake();
    for (const [name, text] of Object.entries(schemas)) await publish(lake, registryObjectKey(uriOf(name)), text);
    return lake;
  }
  const order = (n: number, data: Record<string, unknown>): Record<string, unknown> => envelope(uriOf('order'), data, n);

  it('compiles a schema with the schemas its refs name (recursively), validates with them and caches them', async () => {
    const lake = await refLake();
    const { handler, source, metricsOfLastCall } = harness(lake);
    const batch = [
      order(1, { ship_to: { street: 'Main 1', zip: '1234', geo: { lat: 52 } }, zip_only: '9999' }),
      order(2, { ship_to: { zip: '1234' } }),
      order(3, { ship_to: { street: 'Main 1', geo: { lat: 100 } } }),
      order(4, { ship_to: { street: 'Main 1' }, zip_only: 'too long' }),
    ];

    await expect(handler(kinesisEvent(batch))).resolves.toEqual(failures());

    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1]);
    const bad = await lines(lake.quarantineBucket);
    expect(bad.map((l) => [l.n, l.line.failure_type])).toEqual([[2, 'schema_violation'], [3, 'schema_violation'], [4, 'schema_violation']]);
    expect(String(bad[0].line.errors)).toMatch(/street/);
    expect(source.reads.sort()).toEqual(['order', 'address', 'geo'].map((n) => registryObjectKey(uriOf(n))).sort());
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryFetches]: 3, [INGEST_METRICS.registryInvalid]: 0 });

    // The referenced schemas are cached like the rest: a schema of the same registry that references them needs
    // one read, its own.
    await publish(lake, registryObjectKey(uriOf('order', '1-0-1')), doc('order', { type: 'object', properties: { to: { $ref: uriOf('address') } } }, '1-0-1'));
    await expect(handler(kinesisEvent([envelope(uriOf('order', '1-0-1'), { to: { street: 'x', geo: { lat: 1 } } }, 5)], 5))).resolves.toEqual(failures());
    expect(source.reads).toHaveLength(4);
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1, 5]);
  });

  it.each<[string, Record<string, string>, string, RegExp]>([
    ['a ref to a schema that is not in the registry', SCHEMAS, 'dangling', new RegExp(`\\$ref "${uriOf('nowhere').replace(/[./]/g, '\\$&')}" that cannot be resolved: no schema \\S+/nowhere/jsonschema/1-0-0 in the registry`)],
    ['a ref through a referenced schema to a missing one', { ...SCHEMAS, geo: '' }, 'order', /\$ref "iglu:com\.acme\.refs\/geo\/jsonschema\/1-0-0" \(through iglu:com\.acme\.refs\/address\/jsonschema\/1-0-0\) that cannot be resolved: .*is not JSON/],
    [
      'refs nested deeper than the bound',
      Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`chain${i}`, doc(`chain${i}`, { type: 'object', properties: { next: { $ref: uriOf(`chain${i + 1}`) } } })])),
      'chain0',
      /more than \d+ levels of iglu: \$refs/,
    ],
  ])('quarantines the events as schema_invalid with a reason naming the ref, never loses them: %s', async (_label, schemas, name, reason) => {
    const lake = await refLake(schemas);
    const { handler, metricsOfLastCall } = harness(lake);

    await expect(handler(kinesisEvent([envelope(uriOf(name), { ship_to: { street: 'x' } }, 1), ratingEvent(2)]))).resolves.toEqual(failures());

    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([2]);
    const bad = await lines(lake.quarantineBucket);
    expect(bad.map((l) => [l.n, l.line.failure_type, l.line.schema])).toEqual([[1, 'schema_invalid', uriOf(name)]]);
    expect(String(bad[0].line.errors)).toMatch(reason);
    expect(metricsOfLastCall()).toMatchObject({ [INGEST_METRICS.registryInvalid]: 1, [INGEST_METRICS.registryErrors]: 0 });
  });

  it('retries (never quarantines) an event whose referenced schema cannot be read now', async () => {
    const lake = await refLake();
    const up = new S3SchemaSource(s3.client(), lake.registryBucket);
    let down = true;
    const throttled = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    const source: SchemaSource = { getText: (key) => (down && key === registryObjectKey(uriOf('geo')) ? Promise.reject(throttled) : up.getText(key)) };
    const { handler } = harness(lake, { resolver: { source } });
    const batch = [order(1, { ship_to: { street: 'Main 1', geo: { lat: 1 } } })];

    await expect(handler(kinesisEvent(batch))).resolves.toEqual(failures(1));
    expect(await listKeys(s3.client(), lake.quarantineBucket)).toEqual([]);

    down = false;
    await expect(handler(kinesisEvent(batch))).resolves.toEqual(failures());
    expect((await lines(lake.rawBucket)).map((l) => l.n)).toEqual([1]);
  });
});

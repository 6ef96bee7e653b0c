/**
 * The pure parts of run-time schema resolution: registry keys, the `self` check, compilation (same rules as
 * the precompiled contracts), error classification, the TTL/LRU cache, the resolver's cache policy with a
 * fake source, the core's deferral of records whose schema cannot be resolved, and the registry settings.
 * The same behaviour against a real S3-compatible server: registry-handler.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { readIngestConfig } from '../../../lambdas/ingest/adapters';
import {
  batchItemFailures,
  classifyRecord,
  planBatch,
  retryCheckpoints,
  SchemaUnavailableError,
  type SchemaResolution,
} from '../../../lambdas/ingest/core';
import { validators } from '../../../lambdas/ingest/generated/validators';
import {
  compileRegistrySchema,
  isNotFoundError,
  REGISTRY_DEFAULTS,
  registryObjectKey,
  RegistryResolver,
  selfBlockProblems,
  TtlLruCache,
  type SchemaSource,
} from '../../../lambdas/ingest/registry';
import { INGEST_ENV } from '../../../lambdas/shared/env';
import { parseIgluUri } from '../../../lambdas/ingest/core';
import { RATING_URI, ratingEnvelope, sequenceNumber, streamRecord } from './records';

const REPO = join(__dirname, '..', '..', '..');
/** The vendored Iglu Central sample (Apache-2.0, see its LICENSE): real third-party schemas in Iglu layout. */
const IGLU_SAMPLE = join(REPO, 'examples', 'data', 'iglu-central-sample');

/** Every schema file of an Iglu folder with the URI its path names. */
function igluFiles(root: string): Array<{ uri: string; key: string; text: string }> {
  const out: Array<{ uri: string; key: string; text: string }> = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (relative(root, path).startsWith(`schemas${sep}`)) {
        const key = relative(root, path).split(sep).join('/');
        const [, vendor, schemaName, format, version] = key.split('/');
        out.push({ uri: `iglu:${vendor}/${schemaName}/${format}/${version}`, key, text: readFileSync(path, 'utf8') });
      }
    }
  };
  walk(root);
  return out;
}

const SAMPLE = igluFiles(IGLU_SAMPLE);
const LINK_CLICK = 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1';
const sampleText = (uri: string): string => {
  const file = SAMPLE.find((f) => f.uri === uri);
  if (file === undefined) throw new Error(`${uri} is not in the Iglu Central sample`);
  return file.text;
};

describe('registryObjectKey', () => {
  it('maps every URI of the Iglu Central sample to the path of its file (the static registry layout)', () => {
    expect(SAMPLE.length).toBeGreaterThan(0);
    for (const { uri, key } of SAMPLE) expect(registryObjectKey(uri)).toBe(key);
  });

  it('puts the layout under the registry prefix', () => {
    expect(registryObjectKey(LINK_CLICK, 'registry/')).toBe('registry/schemas/com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1');
  });

  it('refuses a string that is not an Iglu URI', () => {
    expect(() => registryObjectKey('iglu:com.acme/x/jsonschema/1-0')).toThrow(/not an Iglu URI/);
  });
});

describe('compileRegistrySchema', () => {
  it('compiles every schema of the Iglu Central sample', () => {
    for (const { uri, key, text } of SAMPLE) expect([uri, compileRegistrySchema(text, uri, key).kind]).toEqual([uri, 'found']);
  });

  it('validates data with the compiled schema, listing every error', () => {
    const resolution = compileRegistrySchema(sampleText(LINK_CLICK), LINK_CLICK, 'k');
    if (resolution.kind !== 'found') throw new Error(`expected found, got ${resolution.kind}`);
    expect(resolution.validator({ targetUrl: 'https://example.com/' })).toBe(true);
    expect(resolution.validator({ targetUrl: '', extra: 1 })).toBe(false);
    expect(resolution.validator.errors?.map((e) => e.keyword).sort()).toEqual(['additionalProperties', 'minLength']);
  });

  it('rewrites draft-04 exclusive bounds as the build does', () => {
    const uri = 'iglu:com.acme/price/jsonschema/1-0-0';
    const text = JSON.stringify({
      self: { vendor: 'com.acme', name: 'price', format: 'jsonschema', version: '1-0-0' },
      type: 'object',
      properties: { amount: { type: 'number', minimum: 0, exclusiveMinimum: true } },
    });
    const resolution = compileRegistrySchema(text, uri, 'k');
    if (resolution.kind !== 'found') throw new Error(`expected found, got ${JSON.stringify(resolution)}`);
    expect([resolution.validator({ amount: 0 }), resolution.validator({ amount: 0.01 })]).toEqual([false, true]);
  });

  const linkClick = (): Record<string, unknown> => JSON.parse(sampleText(LINK_CLICK)) as Record<string, unknown>;
  it.each<[string, () => string, RegExp]>([
    ['text that is not JSON', () => '{"self": ', /registry\/key is not JSON/],
    ['a JSON array', () => '[]', /does not describe .*: is not a JSON object/],
    ['a schema without a self block', () => JSON.stringify({ ...linkClick(), self: undefined }), /has no self block/],
    ['a self block of another version', () => JSON.stringify({ ...linkClick(), self: { ...(linkClick().self as object), version: '1-0-0' } }), /self\.version is "1-0-0", expected "1-0-1"/],
    ['a self block of another vendor', () => JSON.stringify({ ...linkClick(), self: { ...(linkClick().self as object), vendor: 'com.acme' } }), /self\.vendor is "com\.acme"/],
    ['a keyword ajv does not know (strict schema)', () => JSON.stringify({ ...linkClick(), properties: { targetUrl: { type: 'string', maxLenght: 3 } } }), /ajv cannot compile registry\/key: .*maxLenght/],
    ['a local $ref that does not resolve', () => JSON.stringify({ ...linkClick(), properties: { targetUrl: { $ref: '#/definitions/missing' } } }), /ajv cannot compile/],
  ])('answers invalid, naming the object and the reason, for %s', (_name, text, reason) => {
    const resolution = compileRegistrySchema(text(), LINK_CLICK, 'registry/key');
    expect(resolution.kind).toBe('invalid');
    expect(resolution.kind === 'invalid' ? resolution.reason : '').toMatch(reason);
  });
});

describe('selfBlockProblems', () => {
  it('accepts the self block of every sample schema for its own URI', () => {
    for (const { uri, text } of SAMPLE) expect(selfBlockProblems(JSON.parse(text), parseIgluUri(uri) as never)).toEqual([]);
  });

  it('names every field that differs', () => {
    const key = parseIgluUri('iglu:com.acme/checkout/jsonschema/2-1-0');
    if (key === undefined) throw new Error('bad test URI');
    expect(selfBlockProblems({ self: { vendor: 'com.acme', name: 'cart', format: 'jsonschema' } }, key)).toEqual([
      'self.name is "cart", expected "checkout"',
      'self.version is missing, expected "2-1-0"',
    ]);
  });
});

describe('isNotFoundError', () => {
  const sdkError = (name: string, status: number): Error => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
  it.each<[string, boolean, unknown]>([
    ['NoSuchKey (GetObject)', true, sdkError('NoSuchKey', 404)],
    ['NotFound (HEAD-style 404)', true, sdkError('NotFound', 404)],
    ['any 404', true, sdkError('UnknownError', 404)],
    ['AccessDenied (a missing key without s3:ListBucket, or a real denial)', false, sdkError('AccessDenied', 403)],
    ['SlowDown (throttling)', false, sdkError('SlowDown', 503)],
    ['InternalError', false, sdkError('InternalError', 500)],
    ['NoSuchBucket (a misconfigured registry: retried, not schema_unknown)', false, sdkError('NoSuchBucket', 404)],
    ['a connection error', false, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a timeout', false, Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['not an error', false, 'boom'],
  ])('%s → not found: %s', (_name, expected, error) => {
    expect(isNotFoundError(error)).toBe(expected);
  });
});

describe('TtlLruCache', () => {
  it('returns a value until its time to live has passed, then forgets it', () => {
    let now = 1_000;
    const cache = new TtlLruCache<string>(10, () => now);
    cache.set('a', 'A', 100);
    now = 1_099;
    expect(cache.get('a')).toBe('A');
    now = 1_100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry (reads count as use) beyond its bound', () => {
    const cache = new TtlLruCache<number>(2, () => 0);
    cache.set('a', 1, 10);
    cache.set('b', 2, 10);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3, 10);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3]);
    expect(cache.size).toBe(2);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new TtlLruCache(0, () => 0)).toThrow(/maxEntries must be a positive integer, got 0/);
  });
});

/** A registry held in memory, counting reads; `fail` makes reads throw that error instead. */
function memorySource(objects: Map<string, string>): SchemaSource & { reads: string[]; fail?: Error } {
  const source: SchemaSource & { reads: string[]; fail?: Error } = {
    reads: [],
    getText: async (key) => {
      source.reads.push(key);
      if (source.fail !== undefined) throw source.fail;
      const text = objects.get(key);
      if (text === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      return text;
    },
  };
  return source;
}

describe('RegistryResolver cache policy', () => {
  const objects = new Map(SAMPLE.map((f) => [f.key, f.text]));
  const MISSING = 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/9-0-0';

  it('fetches a URI once, then answers from the cache until the time to live has passed', async () => {
    let now = 0;
    const source = memorySource(objects);
    const resolver = new RegistryResolver({ source, now: () => now });
    expect(resolver.lookup(LINK_CLICK)).toBeUndefined();
    expect((await resolver.resolveAll([LINK_CLICK])).get(LINK_CLICK)?.kind).toBe('found');
    now = REGISTRY_DEFAULTS.ttlMs - 1;
    expect(resolver.lookup(LINK_CLICK)?.kind).toBe('found');
    now = REGISTRY_DEFAULTS.ttlMs;
    expect(resolver.lookup(LINK_CLICK)).toBeUndefined();
    expect(source.reads).toEqual([registryObjectKey(LINK_CLICK)]);
    expect(resolver.takeCounts()).toEqual({ cacheHits: 1, fetches: 1, notFound: 0, invalid: 0, errors: 0 });
    expect(resolver.takeCounts()).toEqual({ cacheHits: 0, fetches: 0, notFound: 0, invalid: 0, errors: 0 });
  });

  it('caches "not found" for the shorter negative time to live', async () => {
    let now = 0;
    const resolver = new RegistryResolver({ source: memorySource(objects), now: () => now });
    expect((await resolver.resolveAll([MISSING])).get(MISSING)).toEqual({ kind: 'not_found', reason: `no schema ${registryObjectKey(MISSING)} in the registry` });
    now = REGISTRY_DEFAULTS.negativeTtlMs - 1;
    expect(resolver.lookup(MISSING)?.kind).toBe('not_found');
    now = REGISTRY_DEFAULTS.negativeTtlMs;
    expect(resolver.lookup(MISSING)).toBeUndefined();
  });

  it('never caches an unavailable registry, and never rejects', async () => {
    const source = memorySource(objects);
    source.fail = Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    const resolver = new RegistryResolver({ source, now: () => 0 });
    const answer = (await resolver.resolveAll([LINK_CLICK])).get(LINK_CLICK);
    expect(answer).toEqual({ kind: 'unavailable', reason: expect.stringMatching(/SlowDown \(HTTP 503\): Please reduce/) as unknown });
    expect(resolver.lookup(LINK_CLICK)).toBeUndefined();
    expect(resolver.takeCounts()).toMatchObject({ fetches: 1, errors: 1 });
  });

  it('fetches each URI of a batch once, at most fetchConcurrency at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const inner = memorySource(objects);
    const source: SchemaSource = {
      getText: async (key) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return inner.getText(key);
      },
    };
    const resolver = new RegistryResolver({ source, fetchConcurrency: 3 });
    const uris = SAMPLE.map((f) => f.uri);
    const answers = await resolver.resolveAll([...uris, ...uris]);
    expect([...answers.keys()].sort()).toEqual([...uris].sort());
    expect(inner.reads.length).toBe(uris.length);
    expect(most).toBe(Math.min(3, uris.length));
  });

  it('refuses a time to live that is not a positive integer', () => {
    expect(() => new RegistryResolver({ source: memorySource(objects), ttlMs: 0 })).toThrow(/ttlMs must be a positive integer, got 0/);
  });
});

describe('core with a resolver', () => {
  const THIRD_PARTY = LINK_CLICK;
  const found = compileRegistrySchema(sampleText(LINK_CLICK), LINK_CLICK, 'k');
  const linkClick = (n: number): Record<string, unknown> =>
    ratingEnvelope({ schema: THIRD_PARTY, data: { targetUrl: `https://example.com/${n}` }, event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });
  const record = (payload: Record<string, unknown>, n: number, shardId = 'shardId-000000000000') => streamRecord(payload, { sequenceNumber: sequenceNumber(n), shardId });
  const options = (answer: SchemaResolution | undefined, calls: string[] = []) => ({
    validators,
    resolve: (uri: string) => {
      calls.push(uri);
      return answer;
    },
  });

  it.each<[string, string, SchemaResolution, RegExp]>([
    ['found', 'valid', found, /./],
    ['not_found', 'schema_unknown', { kind: 'not_found', reason: 'no schema k in the registry' }, /no contract registered for iglu:com\.snowplowanalytics\.snowplow\/link_click\/jsonschema\/1-0-1: no schema k/],
    ['invalid', 'schema_invalid', { kind: 'invalid', reason: 'k is not JSON' }, /schema iglu:com\.snowplowanalytics\.snowplow\/link_click\/jsonschema\/1-0-1 in the registry is invalid: k is not JSON/],
  ])('turns a %s answer into %s', (_name, expected, answer, reason) => {
    const outcome = classifyRecord(record(linkClick(1), 1), options(answer));
    expect(outcome.kind === 'valid' ? 'valid' : outcome.badRow.failure_type).toBe(expected);
    if (outcome.kind === 'bad') {
      expect(outcome.badRow.errors.join('\n')).toMatch(reason);
      expect(outcome.badRow.schema).toBe(THIRD_PARTY);
    }
  });

  it('validates data against a found schema (schema_violation when it does not conform)', () => {
    const outcome = classifyRecord(record(linkClick(1), 1, undefined), options(found));
    expect(outcome.kind).toBe('valid');
    const bad = classifyRecord(record({ ...linkClick(2), data: { elementId: 'x' } }, 2), options(found));
    expect(bad.kind === 'bad' ? bad.badRow.failure_type : 'valid').toBe('schema_violation');
  });

  it('never asks the resolver about a URI with a precompiled validator', () => {
    const calls: string[] = [];
    const outcome = classifyRecord(record(ratingEnvelope(), 1), options(undefined, calls));
    expect(outcome.kind).toBe('valid');
    expect(calls).toEqual([]);
  });

  it.each<[string, SchemaResolution | undefined]>([
    ['unavailable', { kind: 'unavailable', reason: 'SlowDown' }],
    ['not yet resolved', undefined],
  ])('throws SchemaUnavailableError from classifyRecord when the schema is %s', (_name, answer) => {
    expect(() => classifyRecord(record(linkClick(1), 1), options(answer))).toThrow(SchemaUnavailableError);
  });

  it('defers, per shard, the first record whose schema is unavailable and every later record of that shard; other shards are planned', () => {
    const unavailable: SchemaResolution = { kind: 'unavailable', reason: 'registry read failed: SlowDown' };
    const records = [
      record(ratingEnvelope({ event_id: '00000000-0000-4000-9000-000000000001' }), 1),
      record(linkClick(2), 2),
      record(ratingEnvelope({ event_id: '00000000-0000-4000-9000-000000000003' }), 3),
      record({ not: 'an envelope' }, 4),
      record(ratingEnvelope({ event_id: '00000000-0000-4000-9000-000000000005' }), 5, 'shardId-000000000001'),
    ];
    const plan = planBatch(records, options(unavailable));

    expect(plan.deferred.map((d) => [d.shardId, d.sequenceNumber])).toEqual([
      ['shardId-000000000000', sequenceNumber(2)],
      ['shardId-000000000000', sequenceNumber(3)],
      ['shardId-000000000000', sequenceNumber(4)],
    ]);
    expect(plan.deferred[0].reason).toMatch(/link_click\/jsonschema\/1-0-1: registry read failed: SlowDown/);
    expect(plan.objects.flatMap((o) => o.sequenceNumbers)).toEqual([sequenceNumber(1), sequenceNumber(5)]);
    expect(plan.accepted).toBe(2);
    expect(Object.values(plan.badRows).reduce((a, b) => a + b, 0)).toBe(0);
    expect(plan.unresolved).toEqual([]);
    expect(batchItemFailures(plan, retryCheckpoints(plan, new Set()))).toEqual([2, 3, 4].map((n) => ({ itemIdentifier: sequenceNumber(n) })));
  });

  it('lists every unresolved URI of the batch once, even after the first deferral of a shard', () => {
    const other = 'iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0';
    const records = [record(linkClick(1), 1), record({ ...linkClick(2), schema: other, data: { terms: ['x'] } }, 2), record(linkClick(3), 3)];
    const plan = planBatch(records, options(undefined));
    expect(plan.unresolved).toEqual([THIRD_PARTY, other]);
    expect(plan.deferred).toHaveLength(3);
    expect(plan.objects).toEqual([]);
  });

  it('reports write failures and deferred records together as one suffix of the shard', () => {
    const unavailable: SchemaResolution = { kind: 'unavailable', reason: 'timeout' };
    const records = [record(ratingEnvelope({ event_id: '00000000-0000-4000-9000-000000000001' }), 1), streamRecord('{', { sequenceNumber: sequenceNumber(2) }), record(linkClick(3), 3), record(ratingEnvelope(), 4)];
    const plan = planBatch(records, options(unavailable));
    const ratings = plan.objects.find((o) => o.zone === 'raw');
    if (ratings === undefined) throw new Error('no raw object');
    const failures = batchItemFailures(plan, retryCheckpoints(plan, new Set([ratings.key])));
    expect(failures).toEqual([1, 2, 3, 4].map((n) => ({ itemIdentifier: sequenceNumber(n) })));
  });

  it('keeps today\'s behaviour without a resolver: schema_unknown', () => {
    const outcome = classifyRecord(record(linkClick(1), 1), { validators });
    expect(outcome.kind === 'bad' ? outcome.badRow.errors : []).toEqual([`no contract registered for ${THIRD_PARTY}`]);
    expect(RATING_URI in validators).toBe(true);
  });
});

describe('registry settings (readIngestConfig)', () => {
  const base = { [INGEST_ENV.RAW_BUCKET]: 'raw', [INGEST_ENV.QUARANTINE_BUCKET]: 'quarantine' };

  it.each<[string, Record<string, string>]>([
    ['is absent', {}],
    ['is empty', { [INGEST_ENV.REGISTRY_BUCKET]: '' }],
  ])('configures no registry when REGISTRY_BUCKET %s', (_name, env) => {
    expect(readIngestConfig({ ...base, ...env }).registry).toBeUndefined();
  });

  it('reads the bucket, the prefix and the time to live in seconds', () => {
    expect(readIngestConfig({ ...base, REGISTRY_BUCKET: 'registry', REGISTRY_PREFIX: 'iglu/', REGISTRY_CACHE_TTL_SECONDS: '30' }).registry).toEqual({
      bucket: 'registry',
      prefix: 'iglu/',
      ttlMs: 30_000,
    });
    expect(readIngestConfig({ ...base, REGISTRY_BUCKET: 'registry' }).registry).toEqual({ bucket: 'registry', prefix: '', ttlMs: REGISTRY_DEFAULTS.ttlMs });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['a prefix without a trailing slash', { REGISTRY_PREFIX: 'iglu' }, /environment variable REGISTRY_PREFIX must be empty or end in "\/", got "iglu"/],
    ['a time to live of zero', { REGISTRY_CACHE_TTL_SECONDS: '0' }, /environment variable REGISTRY_CACHE_TTL_SECONDS must be a positive integer, got "0"/],
    ['a time to live in minutes', { REGISTRY_CACHE_TTL_SECONDS: '5m' }, /REGISTRY_CACHE_TTL_SECONDS must be a positive integer, got "5m"/],
  ])('fails naming the variable for %s', (_name, env, message) => {
    expect(() => readIngestConfig({ ...base, REGISTRY_BUCKET: 'registry', ...env })).toThrow(message);
  });
});

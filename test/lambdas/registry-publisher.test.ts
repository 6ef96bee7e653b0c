/**
 * The publishing gate (lambdas/registry-publisher/core.ts) against a real S3-compatible server (s3rver on a
 * loopback port) through the real S3 adapter and SDK v3 client: first publication, idempotent republication,
 * immutable published versions, honest and dishonest SchemaVer steps against the registry's history, gaps, new
 * MODELs, all-or-nothing writes, `self` mismatches, the catalog entry, and a concurrent publisher (412).
 *
 * s3rver ignores `If-None-Match` on PUT, so the clients here answer a create-only PutObject of an existing key
 * with S3's 412 PreconditionFailed themselves ({@link ConditionalWrites}), as S3 does.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { s3RegistryStore } from '../../lambdas/registry-publisher/adapters';
import { PublicationError, publishSchemas, type RegistryStore, summarizeProblems } from '../../lambdas/registry-publisher/core';
import { GATE_RULES } from '../../lambdas/shared/contracts/publication-rules';
import { catalogEntryKey, registrySchemaKey } from '../../lambdas/shared/registry-keys';
import type { PublishedSchemaProperty, SchemaPublicationProperties } from '../../lambdas/shared/schema-publication-properties';
import type { JsonObject } from '../../lib/contracts/contract';
import { selfDescribing } from '../contracts/contract-factory';
import { listKeys, localS3ForFile } from '../helpers/local-s3';

const VENDOR = 'com.acme';
const NAME = 'video_played';
const uriOf = (version: string, name = NAME): string => `iglu:${VENDOR}/${name}/jsonschema/${version}`;

/** Version 1-0-0: a closed object with a required `id`. */
const V1_BODY: JsonObject = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false };
/** An honest ADDITION of V1: an optional property where V1 forbade additional properties. */
const ADDED_OPTIONAL: JsonObject = { ...V1_BODY, properties: { id: { type: 'string' }, title: { type: 'string' } } };
/** A REVISION of V1: `id` gets a maximum length (historical instances may exceed it). */
const REVISED: JsonObject = { ...V1_BODY, properties: { id: { type: 'string', maxLength: 64 } } };
/**
 * A new required property where V1 forbade additional properties: no historical instance has it, so none stays
 * valid (MODEL, not REVISION).
 */
const ADDED_REQUIRED: JsonObject = { ...ADDED_OPTIONAL, required: ['id', 'title'] };
/** 1-0-0 of a schema with an integer column, and the same with that column a number (instances widen: ADDITION). */
const COUNTED: JsonObject = { ...V1_BODY, properties: { id: { type: 'string' }, views: { type: 'integer', minimum: 0 } } };
const COUNTED_AS_NUMBER: JsonObject = { ...V1_BODY, properties: { id: { type: 'string' }, views: { type: 'number', minimum: 0 } } };
/** A redesign: `id` becomes an integer. */
const REDESIGNED: JsonObject = { ...V1_BODY, properties: { id: { type: 'integer' } } };

/** One schema of a request, from root keywords (through the contract factory's self-describing wrapper). */
function schema(body: JsonObject, version: string, name = NAME): PublishedSchemaProperty {
  return { Uri: uriOf(version, name), Schema: JSON.stringify(selfDescribing(body, version, name, VENDOR), null, 2) };
}

const local = localS3ForFile();
let client: S3Client;

/**
 * S3's conditional write on top of s3rver: a PutObject with `If-None-Match: *` of a key that exists is answered
 * 412 PreconditionFailed (the S3 error document), before s3rver sees it; everything else passes through.
 */
class ConditionalWrites extends NodeHttpHandler {
  constructor(private readonly probe: () => S3Client) {
    super();
  }
  override async handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    const [request] = args;
    if (request.method === 'PUT' && request.headers['if-none-match'] === '*') {
      const [bucket, ...key] = request.path.split('/').filter((p) => p !== '');
      const exists = await this.probe()
        .send(new HeadObjectCommand({ Bucket: bucket, Key: key.map(decodeURIComponent).join('/') }))
        .then(() => true, () => false);
      if (exists) {
        const xml = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>';
        return { response: { statusCode: 412, reason: 'Precondition Failed', headers: { 'content-type': 'application/xml' }, body: Readable.from([Buffer.from(xml)]) } };
      }
    }
    return super.handle(...args);
  }
}

beforeAll(() => {
  client = local.server().client({ requestHandler: new ConditionalWrites(() => local.server().client()) });
});

/** A fresh registry bucket and the properties of a request publishing `schemas` to it under `prefix`. */
async function freshRequest(schemas: PublishedSchemaProperty[], prefix = 'iglu/'): Promise<SchemaPublicationProperties> {
  return { RegistryBucket: await local.freshBucket('registry'), RegistryPrefix: prefix, Product: 'viewer-engagement', Schemas: schemas };
}

const publish = (props: SchemaPublicationProperties, store: RegistryStore = s3RegistryStore(client, props.RegistryBucket)) => publishSchemas(store, props);

/** The refusal's problem lines (fails the test when the publication succeeds). */
async function refusal(props: SchemaPublicationProperties): Promise<readonly string[]> {
  const error = await publish(props).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PublicationError);
  return (error as PublicationError).problems;
}

const keyOf = (props: SchemaPublicationProperties, version: string, name = NAME): string => registrySchemaKey({ vendor: VENDOR, name, format: 'jsonschema' }, version, props.RegistryPrefix);

async function text(bucket: string, key: string): Promise<string> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString('utf-8')) ?? '';
}

describe('publishing contracts to the registry', () => {
  it('publishes a first version 1-0-0 at the Iglu static registry key, as given, as application/json', async () => {
    const s = schema(V1_BODY, '1-0-0');
    const props = await freshRequest([s]);
    await expect(publish(props)).resolves.toEqual({ created: [s.Uri], unchanged: [] });
    expect(await listKeys(client, props.RegistryBucket)).toEqual([`iglu/schemas/${VENDOR}/${NAME}/jsonschema/1-0-0`]);
    expect(await text(props.RegistryBucket, keyOf(props, '1-0-0'))).toBe(s.Schema);
    const head = await client.send(new HeadObjectCommand({ Bucket: props.RegistryBucket, Key: keyOf(props, '1-0-0') }));
    expect(head.ContentType).toBe('application/json');
  });

  it('republishes the same content as a no-op, however it is formatted', async () => {
    const s = schema(V1_BODY, '1-0-0');
    const props = await freshRequest([s]);
    await publish(props);
    const reformatted = { ...s, Schema: JSON.stringify(JSON.parse(s.Schema)) };
    await expect(publish({ ...props, Schemas: [reformatted] })).resolves.toEqual({ created: [], unchanged: [s.Uri] });
    expect(await text(props.RegistryBucket, keyOf(props, '1-0-0'))).toBe(s.Schema);
  });

  it('refuses to rewrite a published version with different content, naming the URI and the rule', async () => {
    const props = await freshRequest([schema(V1_BODY, '1-0-0')]);
    await publish(props);
    const rewritten = schema(ADDED_OPTIONAL, '1-0-0');
    expect(await refusal({ ...props, Schemas: [rewritten] })).toEqual([
      `${rewritten.Uri}: ${GATE_RULES.immutable}: the registry's copy (${keyOf(props, '1-0-0')}) differs from this version's content; publish a new version instead`,
    ]);
    expect(await text(props.RegistryBucket, keyOf(props, '1-0-0'))).toBe(props.Schemas[0].Schema);
  });

  it('accepts an honest ADDITION 1-0-1 against the published 1-0-0', async () => {
    const props = await freshRequest([schema(V1_BODY, '1-0-0')]);
    await publish(props);
    const next = schema(ADDED_OPTIONAL, '1-0-1');
    await expect(publish({ ...props, Schemas: [...props.Schemas, next] })).resolves.toEqual({ created: [next.Uri], unchanged: [props.Schemas[0].Uri] });
  });

  it('refuses a dishonest step, naming the schema, the latest published version and the rule, and writes nothing', async () => {
    const props = await freshRequest([schema(V1_BODY, '1-0-0')]);
    await publish(props);
    const dishonest = schema(REVISED, '1-0-1');
    const problems = await refusal({ ...props, Schemas: [dishonest] });
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${dishonest.Uri}: ${GATE_RULES.bump}: declared ADDITION but the changes require REVISION (compared with ${uriOf('1-0-0')}): the instance step decides `)).toBe(true);
    expect(problems[0]).toContain('[bound-tightened]');
    expect(await listKeys(client, props.RegistryBucket)).toEqual([keyOf(props, '1-0-0')]);
  });

  it('accepts the same change as a REVISION 1-1-0', async () => {
    const props = await freshRequest([schema(V1_BODY, '1-0-0')]);
    await publish(props);
    await expect(publish({ ...props, Schemas: [schema(REVISED, '1-1-0')] })).resolves.toMatchObject({ created: [uriOf('1-1-0')] });
  });

  it('refuses an ADDITION that changes a column from integer to number: the table step (int → double) needs MODEL', async () => {
    const props = await freshRequest([schema(COUNTED, '1-0-0')]);
    await publish(props);
    const widened = schema(COUNTED_AS_NUMBER, '1-0-1');
    expect(await refusal({ ...props, Schemas: [widened] })).toEqual([
      `${widened.Uri}: ${GATE_RULES.bump}: declared ADDITION but the changes require MODEL (compared with ${uriOf('1-0-0')}): the table step decides (instance step ADDITION, table step MODEL): column views [column-type-changed] bigint → double: Iceberg cannot change this type in place (MODEL, table step)`,
    ]);
    expect(await listKeys(client, props.RegistryBucket)).toEqual([keyOf(props, '1-0-0')]);
    await expect(publish({ ...props, Schemas: [schema(COUNTED_AS_NUMBER, '2-0-0')] })).resolves.toMatchObject({ created: [uriOf('2-0-0')] });
  });

  it('judges the table step against the MODEL\'s history in the registry: a column dropped and re-added with another type needs MODEL', async () => {
    const props = await freshRequest([schema(COUNTED, '1-0-0')]);
    await publish(props);
    // 1-1-0 drops `views` (REVISION: a closed root); the table keeps the bigint column for 1-0-0's events.
    await expect(publish({ ...props, Schemas: [schema(V1_BODY, '1-1-0')] })).resolves.toMatchObject({ created: [uriOf('1-1-0')] });
    // 1-2-0 brings `views` back as a string: against 1-1-0 alone a new column, against the table a bigint → string.
    const viewsAsText: JsonObject = { ...V1_BODY, properties: { id: { type: 'string' }, views: { type: 'string' } } };
    const returned = schema(viewsAsText, '1-2-0');
    const problems = await refusal({ ...props, Schemas: [returned] });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${returned.Uri}: ${GATE_RULES.bump}: declared REVISION but the changes require MODEL .*column views \\[column-type-changed\\] bigint → string`))]);
    await expect(publish({ ...props, Schemas: [schema(viewsAsText, '2-0-0')] })).resolves.toMatchObject({ created: [uriOf('2-0-0')] });
  });

  it('refuses a new required property of a closed object even as a REVISION: no historical instance stays valid', async () => {
    const props = await freshRequest([schema(V1_BODY, '1-0-0')]);
    await publish(props);
    const problems = await refusal({ ...props, Schemas: [schema(ADDED_REQUIRED, '1-1-0')] });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${uriOf('1-1-0')}: ${GATE_RULES.bump}: declared REVISION but the changes require MODEL .*\\[required-added-closed\\] "title" is now required`))]);
  });

  it('refuses a gap (1-0-0 → 1-0-2)', async () => {
    const props = await freshRequest([schema(V1_BODY, '1-0-0')]);
    await publish(props);
    expect(await refusal({ ...props, Schemas: [schema(ADDED_OPTIONAL, '1-0-2')] })).toEqual([
      `${uriOf('1-0-2')}: ${GATE_RULES.consecutive}: ${uriOf('1-0-2')} does not directly follow ${uriOf('1-0-0')}`,
    ]);
  });

  it('refuses a first version other than 1-0-0', async () => {
    const props = await freshRequest([schema(V1_BODY, '1-0-1')]);
    expect(await refusal(props)).toEqual([`${uriOf('1-0-1')}: ${GATE_RULES.firstVersion}: no earlier version of ${VENDOR}/${NAME} exists`]);
  });

  it('accepts a new MODEL 2-0-0 after the latest version of MODEL 1, and refuses 3-0-0 without 2-0-0', async () => {
    const props = await freshRequest([schema(V1_BODY, '1-0-0'), schema(ADDED_OPTIONAL, '1-0-1')]);
    await publish(props);
    await expect(publish({ ...props, Schemas: [schema(REDESIGNED, '2-0-0')] })).resolves.toMatchObject({ created: [uriOf('2-0-0')] });
    const props2 = await freshRequest([schema(V1_BODY, '1-0-0')]);
    await publish(props2);
    expect(await refusal({ ...props2, Schemas: [schema(REDESIGNED, '3-0-0')] })).toEqual([
      `${uriOf('3-0-0')}: ${GATE_RULES.consecutive}: ${uriOf('3-0-0')} does not directly follow ${uriOf('1-0-0')}`,
    ]);
  });

  it('checks the versions of one request against each other, oldest first whatever their order', async () => {
    const props = await freshRequest([schema(ADDED_OPTIONAL, '1-0-1'), schema(V1_BODY, '1-0-0')], '');
    await expect(publish(props)).resolves.toEqual({ created: [uriOf('1-0-0'), uriOf('1-0-1')], unchanged: [] });
    expect(await listKeys(client, props.RegistryBucket)).toEqual([`schemas/${VENDOR}/${NAME}/jsonschema/1-0-0`, `schemas/${VENDOR}/${NAME}/jsonschema/1-0-1`]);
    const dishonest = await freshRequest([schema(V1_BODY, '1-0-0'), schema(ADDED_REQUIRED, '1-0-1')]);
    expect(await refusal(dishonest)).toEqual([expect.stringMatching(new RegExp(`^${uriOf('1-0-1')}: ${GATE_RULES.bump}: `))]);
  });

  it('writes nothing when one of several schemas fails, and lists every problem', async () => {
    const props = await freshRequest([
      schema(V1_BODY, '1-0-0'),
      schema(V1_BODY, '1-0-0', 'tag_added'),
      schema(ADDED_REQUIRED, '1-0-1', 'tag_added'),
      schema(V1_BODY, '1-0-2', 'rating_submitted'),
    ]);
    const problems = await refusal(props);
    expect(problems.map((p) => p.split(': ').slice(0, 2).join(': '))).toEqual([
      `${uriOf('1-0-1', 'tag_added')}: ${GATE_RULES.bump}`,
      `${uriOf('1-0-2', 'rating_submitted')}: ${GATE_RULES.firstVersion}`,
    ]);
    expect(await listKeys(client, props.RegistryBucket)).toEqual([]);
  });

  it('refuses a schema whose self block does not name its URI', async () => {
    const s = schema(V1_BODY, '1-0-0');
    const props = await freshRequest([{ ...s, Uri: uriOf('1-0-0', 'other_name') }]);
    expect(await refusal(props)).toEqual([`${uriOf('1-0-0', 'other_name')}: ${GATE_RULES.valid}: at /self: the self block names ${s.Uri}, not the URI it is published under`]);
    expect(await listKeys(client, props.RegistryBucket)).toEqual([]);
  });

  it('writes the catalog entry, and rewrites it on the next deploy', async () => {
    const props = { ...(await freshRequest([schema(V1_BODY, '1-0-0')])), CatalogEntry: JSON.stringify({ product: 'viewer-engagement', owner: 'a' }) };
    const key = catalogEntryKey(props.Product, props.RegistryPrefix);
    expect(key).toBe('iglu/catalog/products/viewer-engagement.json');
    await expect(publish(props)).resolves.toMatchObject({ catalogKey: key });
    await publish({ ...props, CatalogEntry: JSON.stringify({ product: 'viewer-engagement', owner: 'b' }) });
    expect(JSON.parse(await text(props.RegistryBucket, key))).toEqual({ product: 'viewer-engagement', owner: 'b' });
  });

  describe('a concurrent publisher (create-only write answered 412)', () => {
    /** A store through which another publisher writes `competitor` at the first created key, just before we do. */
    function racedStore(bucket: string, competitor: string): RegistryStore {
      const store = s3RegistryStore(client, bucket);
      let raced = false;
      return {
        ...store,
        async createOnly(key, body) {
          if (!raced) {
            raced = true;
            await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: competitor }));
          }
          return store.createOnly(key, body);
        },
      };
    }

    it('takes the same content written meanwhile as published', async () => {
      const s = schema(V1_BODY, '1-0-0');
      const props = await freshRequest([s]);
      await expect(publish(props, racedStore(props.RegistryBucket, JSON.stringify(JSON.parse(s.Schema))))).resolves.toEqual({ created: [], unchanged: [s.Uri] });
    });

    it('refuses when different content was written meanwhile, and keeps the other publisher\'s copy', async () => {
      const s = schema(V1_BODY, '1-0-0');
      const props = await freshRequest([s]);
      const competitor = schema(ADDED_OPTIONAL, '1-0-0').Schema;
      expect(await publish(props, racedStore(props.RegistryBucket, competitor)).catch((e: PublicationError) => e.problems)).toEqual([
        `${s.Uri}: ${GATE_RULES.immutable}: the registry's copy (${keyOf(props, '1-0-0')}) differs from this version's content; publish a new version instead`,
      ]);
      expect(await text(props.RegistryBucket, keyOf(props, '1-0-0'))).toBe(competitor);
    });
  });
});

describe('summarizeProblems', () => {
  it('keeps whole lines within the limit and says how many more there are', () => {
    const problems = Array.from({ length: 50 }, (_, i) => `${uriOf(`1-0-${i}`)}: ${GATE_RULES.bump}: ${'x'.repeat(100)}`);
    const reason = summarizeProblems(problems, 1000);
    const lines = reason.split('\n');
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(1000);
    expect(lines.slice(0, -1)).toEqual(problems.slice(0, lines.length - 1));
    expect(lines.at(-1)).toBe(`… and ${problems.length - (lines.length - 1)} more (see the function's log)`);
    expect(summarizeProblems(problems.slice(0, 2), 1000)).toBe(problems.slice(0, 2).join('\n'));
  });
});

describe('publishing contracts with iglu: $refs', () => {
  /** A shared definition published under its own name: an object with a bounded string `code`. */
  const SHARED: JsonObject = { type: 'object', properties: { code: { type: 'string', maxLength: 8 } }, additionalProperties: false };
  const sharedRef = `iglu:${VENDOR}/shared_def/jsonschema/1-0-0`;
  /** A contract whose `origin` property is the shared definition, by `iglu:` $ref. */
  const withRef = (extra: JsonObject = {}): JsonObject => ({
    ...V1_BODY,
    properties: { id: { type: 'string' }, origin: { $ref: sharedRef }, ...extra },
  });

  it('resolves a ref to a schema of the same request, and to one the registry already holds', async () => {
    const shared = schema(SHARED, '1-0-0', 'shared_def');
    const first = schema(withRef(), '1-0-0');
    const props = await freshRequest([shared, first]);
    await expect(publish(props)).resolves.toEqual({ created: [shared.Uri, first.Uri], unchanged: [] });
    // Only the new version is requested: the referenced schema (and 1-0-0) come from the registry.
    const next = schema(withRef({ title: { type: 'string' } }), '1-0-1');
    await expect(publish({ ...props, Schemas: [next] })).resolves.toEqual({ created: [next.Uri], unchanged: [] });
  });

  it('judges the step through the referenced schema: a dishonest ADDITION is refused', async () => {
    const shared = schema(SHARED, '1-0-0', 'shared_def');
    const props = await freshRequest([shared, schema(withRef(), '1-0-0')]);
    await publish(props);
    // 1-0-1 replaces the ref by a tighter inline copy: a REVISION declared as an ADDITION.
    const tighter = schema({ ...V1_BODY, properties: { id: { type: 'string' }, origin: { ...SHARED, properties: { code: { type: 'string', maxLength: 4 } } } } }, '1-0-1');
    const problems = await refusal({ ...props, Schemas: [tighter] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${tighter.Uri}: ${GATE_RULES.bump}: declared ADDITION but the changes require REVISION`);
  });

  it('refuses a ref that neither the request nor the registry holds, naming it, and writes nothing', async () => {
    const first = schema(withRef(), '1-0-0');
    const props = await freshRequest([first]);
    const problems = await refusal(props);
    expect(problems.some((p) => p.startsWith(`${first.Uri}: ${GATE_RULES.valid}:`) && p.includes(`$ref "${sharedRef}"`))).toBe(true);
    expect(await listKeys(client, props.RegistryBucket)).toEqual([]);
  });
});

/**
 * The registry publisher handler as CloudFormation drives it: each request gets exactly one response, PUT to a
 * loopback server standing in for the pre-signed `ResponseURL`, with the physical id fixed at Create; the
 * registry is a real S3-compatible server (s3rver) read and written with the real S3 adapter.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { s3RegistryStore } from '../../lambdas/registry-publisher/adapters';
import { createRegistryPublisherHandler } from '../../lambdas/registry-publisher/handler';
import { GATE_RULES } from '../../lambdas/shared/contracts/publication-rules';
import { type CustomResourceResponse, httpsResponseSender, MAX_RESPONSE_BYTES } from '../../lambdas/shared/custom-resource-response';
import { SCHEMA_PUBLICATION_RESOURCE_TYPE, type SchemaPublicationProperties } from '../../lambdas/shared/schema-publication-properties';
import type { JsonObject } from '../../lib/contracts/contract';
import { selfDescribing } from '../contracts/contract-factory';
import { listKeys, localS3ForFile } from '../helpers/local-s3';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const PRODUCT = 'viewer-engagement';
const PHYSICAL_ID = `lakeforge-schema-publication/${PRODUCT}`;
const BODY: JsonObject = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false };
const schemaAt = (version: string, body: JsonObject = BODY, name = 'video_played') => ({
  Uri: `iglu:com.acme/${name}/jsonschema/${version}`,
  Schema: JSON.stringify(selfDescribing(body, version, name, 'com.acme')),
});

const local = localS3ForFile();
const client = () => local.server().client();
let server: http.Server;
let url: string;
let received: CustomResourceResponse[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push(JSON.parse(body) as CustomResourceResponse);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?X-Amz-Signature=abc`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
});

async function freshProps(overrides: Partial<SchemaPublicationProperties> = {}): Promise<SchemaPublicationProperties> {
  return { RegistryBucket: await local.freshBucket('registry'), RegistryPrefix: '', Product: PRODUCT, Schemas: [schemaAt('1-0-0')], ...overrides };
}

function event(type: 'Create' | 'Update' | 'Delete', props: unknown): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:registry-publisher',
    ResponseURL: url,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Dev-Products/1',
    RequestId: `req-${type}`,
    LogicalResourceId: 'SchemaPublication',
    ResourceType: SCHEMA_PUBLICATION_RESOURCE_TYPE,
    ResourceProperties: { ServiceToken: 'arn', ...(props as object) },
    ...(type === 'Create' ? {} : { PhysicalResourceId: PHYSICAL_ID, OldResourceProperties: {} }),
  } as CloudFormationCustomResourceEvent;
}

const handler = () =>
  createRegistryPublisherHandler({
    registry: (bucket) => s3RegistryStore(client(), bucket),
    send: httpsResponseSender(2_000),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'LakeforgeTest', serviceName: 'registry-publisher' }),
  });

describe('registry publisher handler', () => {
  it('answers a Create with one SUCCESS carrying the physical id, after publishing', async () => {
    const props = await freshProps();
    await handler()(event('Create', props));
    expect(received).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: PHYSICAL_ID, RequestId: 'req-Create', LogicalResourceId: 'SchemaPublication' })]);
    expect(await listKeys(client(), props.RegistryBucket)).toEqual(['schemas/com.acme/video_played/jsonschema/1-0-0']);
  });

  it('answers a refused Update with one FAILED naming the schema and the rule, with the physical id unchanged', async () => {
    const props = await freshProps();
    await handler()(event('Create', props));
    received = [];
    await handler()(event('Update', { ...props, Schemas: [schemaAt('1-0-0', { ...BODY, minProperties: 1 })] }));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ Status: 'FAILED', PhysicalResourceId: PHYSICAL_ID });
    expect(received[0].Reason).toMatch(new RegExp(`^iglu:com.acme/video_played/jsonschema/1-0-0: ${GATE_RULES.immutable}: `));
  });

  it('answers a Delete with SUCCESS and unpublishes nothing', async () => {
    const props = await freshProps({ CatalogEntry: '{"product":"viewer-engagement"}' });
    await handler()(event('Create', props));
    const before = await listKeys(client(), props.RegistryBucket);
    received = [];
    await handler()(event('Delete', props));
    expect(received).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: PHYSICAL_ID })]);
    expect(await listKeys(client(), props.RegistryBucket)).toEqual(before);
    expect(before).toHaveLength(2);
  });

  it('answers malformed properties with one FAILED naming the property', async () => {
    await handler()(event('Create', { RegistryBucket: 'b', RegistryPrefix: '', Product: 'Not Kebab', Schemas: [] }));
    expect(received).toEqual([expect.objectContaining({ Status: 'FAILED', PhysicalResourceId: 'lakeforge-schema-publication/Not Kebab' })]);
    expect(received[0].Reason).toMatch(/^ResourceProperties\.Product: expected a kebab-case product name/);
  });

  it('answers an unreachable registry with one FAILED', async () => {
    await handler()(event('Create', { RegistryBucket: 'no-such-bucket', RegistryPrefix: '', Product: PRODUCT, Schemas: [schemaAt('1-0-0')] }));
    expect(received).toEqual([expect.objectContaining({ Status: 'FAILED', PhysicalResourceId: PHYSICAL_ID, Reason: expect.any(String) })]);
  });

  it('keeps a long list of problems within the response limit and says how many were left out', async () => {
    const names = Array.from({ length: 80 }, (_, i) => `event_number_${i}_with_a_long_name`);
    const props = await freshProps({ Schemas: names.map((n) => schemaAt('1-0-1', BODY, n)) });
    await handler()(event('Create', props));
    expect(received).toHaveLength(1);
    const reason = received[0].Reason ?? '';
    expect(Buffer.byteLength(JSON.stringify(received[0]))).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(reason.split('\n')[0]).toBe(`iglu:com.acme/${names[0]}/jsonschema/1-0-1: ${GATE_RULES.firstVersion}: no earlier version of com.acme/${names[0]} exists`);
    expect(reason).toMatch(/\n… and \d+ more \(see the function's log\)$/);
    expect(await listKeys(client(), props.RegistryBucket)).toEqual([]);
  });
});

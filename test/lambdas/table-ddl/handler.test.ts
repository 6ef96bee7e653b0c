import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetTableCommand, GlueClient, UpdateTableCommand } from '@aws-sdk/client-glue';
import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { athenaDdlPort, type CustomResourceResponse, glueDdlPort, httpsResponseSender, MAX_RESPONSE_BYTES, responseBody, stackPort } from '../../../lambdas/table-ddl/adapters';
import { createTableDdlHandler } from '../../../lambdas/table-ddl/handler';
import type { TableDdlTable } from '../../../lambdas/shared/table-ddl-properties';

const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
const athenaMock = mockClient(AthenaClient);
const glueMock = mockClient(GlueClient);
const cfnMock = mockClient(CloudFormationClient);

const table: TableDdlTable = {
  Database: 'lakeforge_dev_curated',
  Table: 'tag_added_v1',
  Location: 's3://curated/events/com.acme/tag_added/v1/',
  Columns: [
    { Name: 'event_id', Type: 'string', Comment: 'Event id.' },
    { Name: 'dt', Type: 'string', Comment: 'UTC event date.' },
  ],
  PartitionedBy: ['dt'],
  Description: 'Tags.',
  Parameters: { 'lakeforge.product': 'viewer-engagement' },
};

const event = (type: 'Create' | 'Update' | 'Delete', responseUrl: string, tables: unknown[] = [table]): CloudFormationCustomResourceEvent =>
  ({
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:ddl',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/Dev-Products/1',
    RequestId: 'req-1',
    LogicalResourceId: 'CuratedTables',
    ResourceType: 'Custom::LakeforgeIcebergTables',
    ResourceProperties: { ServiceToken: 'arn', Workgroup: 'lakeforge-dev-platform', Tables: tables },
    ...(type === 'Create' ? {} : { PhysicalResourceId: 'lakeforge-iceberg-tables/lakeforge_dev_curated/tag_added_v1', OldResourceProperties: {} }),
  }) as CloudFormationCustomResourceEvent;

/** A loopback HTTP server standing in for the pre-signed S3 URL: records each PUT. */
let server: http.Server;
let received: { method?: string; contentType?: string; body: CustomResourceResponse }[];
let answerStatus = 200;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, contentType: req.headers['content-type'], body: JSON.parse(body) });
      res.statusCode = answerStatus;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?X-Amz-Signature=abc`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  athenaMock.reset();
  glueMock.reset();
  cfnMock.reset();
  cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Dev-Products', CreationTime: new Date(0), StackStatus: 'UPDATE_IN_PROGRESS' }] });
  received = [];
  answerStatus = 200;
});

function makeHandler() {
  return createTableDdlHandler({
    athena: athenaDdlPort(new AthenaClient({ region: 'eu-west-1', credentials })),
    glue: glueDdlPort(new GlueClient({ region: 'eu-west-1', credentials })),
    stacks: stackPort(new CloudFormationClient({ region: 'eu-west-1', credentials })),
    send: httpsResponseSender(2_000),
    logger: new Logger({ logLevel: 'SILENT' }),
    sleep: async () => undefined,
    now: () => 0,
  });
}
const context = { getRemainingTimeInMillis: () => 600_000 };
const notFound = Object.assign(new Error('Table not found'), { name: 'EntityNotFoundException' });
const icebergTable = (columns: { Name: string; Type: string }[], extra = {}) => ({
  Table: {
    Name: 'tag_added_v1',
    DatabaseName: 'lakeforge_dev_curated',
    Description: 'Tags.',
    VersionId: '3',
    TableType: 'EXTERNAL_TABLE',
    Parameters: { table_type: 'ICEBERG', metadata_location: 's3://curated/m/00001.metadata.json', 'lakeforge.product': 'viewer-engagement' },
    StorageDescriptor: { Columns: columns, Location: table.Location },
    ...extra,
  },
});

describe('table DDL handler', () => {
  it('creates an absent table with Athena, sets its metadata with Glue UpdateTable on the created table, and answers SUCCESS', async () => {
    glueMock.on(GetTableCommand).rejectsOnce(notFound).resolves(icebergTable([{ Name: 'event_id', Type: 'string' }, { Name: 'dt', Type: 'string' }], { Description: undefined }));
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athenaMock.on(GetQueryExecutionCommand).resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } }).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });

    await makeHandler()(event('Create', url), context);

    const [start] = athenaMock.commandCalls(StartQueryExecutionCommand);
    expect(start.args[0].input).toMatchObject({ WorkGroup: 'lakeforge-dev-platform', QueryExecutionContext: { Database: 'lakeforge_dev_curated' } });
    expect(start.args[0].input.QueryString).toMatch(/^CREATE TABLE IF NOT EXISTS lakeforge_dev_curated\.tag_added_v1 \(/);
    const [update] = glueMock.commandCalls(UpdateTableCommand);
    expect(update.args[0].input).toMatchObject({
      DatabaseName: 'lakeforge_dev_curated',
      VersionId: '3',
      TableInput: { Name: 'tag_added_v1', Description: 'Tags.', Parameters: { table_type: 'ICEBERG', metadata_location: 's3://curated/m/00001.metadata.json' } },
    });
    expect(update.args[0].input.TableInput).not.toHaveProperty('DatabaseName');
    expect(received).toEqual([
      {
        method: 'PUT',
        contentType: '',
        body: {
          Status: 'SUCCESS',
          PhysicalResourceId: 'lakeforge-iceberg-tables/lakeforge_dev_curated/tag_added_v1',
          StackId: expect.stringContaining(':stack/Dev-Products/'),
          RequestId: 'req-1',
          LogicalResourceId: 'CuratedTables',
        },
      },
    ]);
  });

  it('adds a new column on Update with one ALTER TABLE ADD COLUMNS and keeps the physical id', async () => {
    glueMock.on(GetTableCommand).resolves(icebergTable([{ Name: 'event_id', Type: 'string' }, { Name: 'dt', Type: 'string' }]));
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const withTag = { ...table, Columns: [...table.Columns, { Name: 'tag', Type: 'string', Comment: 'The tag.' }] };

    await makeHandler()(event('Update', url, [withTag]), context);

    expect(athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString)).toEqual([
      "ALTER TABLE lakeforge_dev_curated.tag_added_v1 ADD COLUMNS (tag string COMMENT 'The tag.')",
    ]);
    expect(received.map((r) => [r.body.Status, r.body.PhysicalResourceId])).toEqual([['SUCCESS', 'lakeforge-iceberg-tables/lakeforge_dev_curated/tag_added_v1']]);
  });

  it('answers FAILED with the precise reason when the declaration retypes a column, and runs no DDL', async () => {
    glueMock.on(GetTableCommand).resolves(icebergTable([{ Name: 'event_id', Type: 'bigint' }, { Name: 'dt', Type: 'string' }]));

    await makeHandler()(event('Update', url), context);

    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
    expect(glueMock.commandCalls(UpdateTableCommand)).toHaveLength(0);
    expect(received[0].body).toMatchObject({
      Status: 'FAILED',
      Reason: 'lakeforge_dev_curated.tag_added_v1: column event_id is bigint in the table, the declaration says string (table-step rule column-type-changed: bigint → string: Iceberg cannot change this type in place); a type change needs a new contract MODEL (a new _v<MODEL> table)',
    });
  });

  it('refuses a removed column on a forward update', async () => {
    glueMock.on(GetTableCommand).resolves(icebergTable([{ Name: 'event_id', Type: 'string' }, { Name: 'tag', Type: 'string' }, { Name: 'dt', Type: 'string' }]));

    await makeHandler()(event('Update', url), context);

    expect(received[0].body).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('column tag is in the table but no longer in the declaration') });
  });

  it('keeps the columns a failed update added when CloudFormation rolls back to the previous declaration', async () => {
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Dev-Products', CreationTime: new Date(0), StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' }] });
    glueMock.on(GetTableCommand).resolves(icebergTable([{ Name: 'event_id', Type: 'string' }, { Name: 'tag', Type: 'string' }, { Name: 'dt', Type: 'string' }]));

    await makeHandler()(event('Update', url), context);

    expect(cfnMock.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({ StackName: expect.stringContaining(':stack/Dev-Products/') });
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
    expect(received[0].body.Status).toBe('SUCCESS');
  });

  it('answers FAILED with the reason Athena gives when a statement fails', async () => {
    glueMock.on(GetTableCommand).rejects(notFound);
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q9' });
    athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'Insufficient permissions' } } });

    await makeHandler()(event('Create', url), context);

    expect(received[0].body.Status).toBe('FAILED');
    expect(received[0].body.Reason).toMatch(/Athena query q9 FAILED: Insufficient permissions/);
  });

  it('answers FAILED when the properties are malformed, with a physical id from the logical id', async () => {
    await makeHandler()(event('Create', url, []), context);
    expect(received[0].body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'lakeforge-iceberg-tables/CuratedTables', Reason: expect.stringMatching(/Tables: expected a non-empty list/) });
  });

  it('retains tables and data on Delete: no AWS call, SUCCESS with the same physical id', async () => {
    await makeHandler()(event('Delete', url), context);
    expect(athenaMock.calls()).toHaveLength(0);
    expect(glueMock.calls()).toHaveLength(0);
    expect(received.map((r) => [r.body.Status, r.body.PhysicalResourceId])).toEqual([['SUCCESS', 'lakeforge-iceberg-tables/lakeforge_dev_curated/tag_added_v1']]);
  });

  it('throws when the response cannot be delivered, so Lambda retries the invocation', async () => {
    answerStatus = 403;
    await expect(makeHandler()(event('Delete', url), context)).rejects.toThrow(/answered HTTP 403/);
  });
});

describe('response sender', () => {
  const response: CustomResourceResponse = { Status: 'FAILED', Reason: 'x'.repeat(10_000), PhysicalResourceId: 'p', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' };

  it('shortens the reason so the body stays within the 4096-byte limit', () => {
    const body = responseBody(response);
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(JSON.parse(body).Reason).toMatch(/^x+…$/);
  });

  it('refuses a plain-HTTP URL that is not on the loopback interface', async () => {
    await expect(httpsResponseSender()('http://example.com/x', response)).rejects.toThrow(/ResponseURL must be https/);
  });
});

/**
 * The deployed raw table declares the SerDe key mappings: a DataProduct over a contract with keys containing
 * `-` and `.` synthesizes an AWS::Glue::Table whose SerDe parameters map each raw field to its JSON key.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { DataProduct } from '../../lib/constructs/data-product/data-product';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { selfDescribing } from './contract-factory';

it('a DataProduct raw table carries mapping.<field> = <key> for every key the SerDe cannot match by name', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-serde-stack-'));
  const schemaDir = path.join(dir, 'com.example.web/hook/jsonschema');
  fs.mkdirSync(schemaDir, { recursive: true });
  const body = { type: 'object', properties: { 'hook-id': { type: 'string' }, 'meta.info': { type: 'object', properties: { 'x-y': { type: 'string' } } } }, additionalProperties: false };
  fs.writeFileSync(path.join(schemaDir, '1-0-0'), JSON.stringify(selfDescribing(body, '1-0-0', 'hook', 'com.example.web')));
  const tables = readContractTables(dir);

  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key');
  new DataProduct(stack, 'Hooks', {
    productName: 'hooks',
    owner: 'web',
    description: 'Webhooks.',
    domain: 'web',
    classification: 'internal',
    piiColumns: [],
    freshnessSla: Duration.hours(2),
    eventTables: tables,
    rawDatabase: new glue.Database(stack, 'RawDb', { databaseName: 'lakeforge_test_raw' }),
    curatedDatabase: new glue.Database(stack, 'CuratedDb', { databaseName: 'lakeforge_test_curated' }),
    rawBucket: new s3.Bucket(stack, 'Raw', { encryptionKey: key }),
    curatedBucket: new s3.Bucket(stack, 'Curated', { encryptionKey: key }),
    encryptionKey: key,
    ingestStream: new kinesis.Stream(stack, 'Stream', { encryptionKey: key }),
    ddl: { serviceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:table-ddl', workgroupName: 'wg' },
    projectionStartDate: '2024-01-01',
  });
  const [raw] = Object.values(Template.fromStack(stack).findResources('AWS::Glue::Table'));
  const storage = raw.Properties.TableInput.StorageDescriptor;
  expect(storage.SerdeInfo.Parameters).toEqual({ 'ignore.malformed.json': 'false', 'mapping.hook_id': 'hook-id', 'mapping.meta_info': 'meta.info', 'mapping.x_y': 'x-y' });
  expect(storage.Columns.find((c: { Name: string }) => c.Name === 'data').Type).toBe('struct<hook_id:string,meta_info:struct<x_y:string>>');
});

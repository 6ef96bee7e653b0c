import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CONTRACTS_DIR } from '../../config/platform';
import { MARTS } from '../../config/marts';
import { QueryWorkgroup } from '../../lib/constructs/analytics/query-workgroup';
import {
  IcebergTables,
  type IcebergTableSpec,
  renderCuratedIcebergTableSpec,
  renderMartIcebergTableSpec,
  renderWatermarkIcebergTableSpec,
} from '../../lib/constructs/catalog/iceberg-tables';
import { TableDdlFunction } from '../../lib/constructs/catalog/table-ddl-function';
import { registerPolicyPacks } from '../../lib/governance/policy-packs';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { synthesizeApp } from '../../tools/synth';
import { lakeforgeApp, stackPaths } from '../helpers/app';

const contractTables = readContractTables(CONTRACTS_DIR);
const rating = contractTables.find((t) => t.contractName === 'rating_submitted')!;

function setup(app = new App()) {
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const bucket = (id: string) => new s3.Bucket(stack, id, { encryptionKey: key });
  const results = bucket('Results');
  const workgroup = new QueryWorkgroup(stack, 'Platform', {
    workgroupName: 'lakeforge-test-platform',
    description: 'platform',
    resultsBucket: results,
    encryptionKey: key,
    bytesScannedCutoffPerQuery: 1024 ** 3,
  });
  const ddl = new TableDdlFunction(stack, 'TableDdl', {
    environmentName: 'test',
    workgroup,
    resultsBucket: results,
    curatedBucket: bucket('Curated'),
    martsBucket: bucket('Marts'),
    encryptionKey: key,
    logRetention: logs.RetentionDays.ONE_MONTH,
  });
  return { stack, ddl };
}

const spec = (overrides: Partial<IcebergTableSpec> = {}): IcebergTableSpec => ({
  ...renderCuratedIcebergTableSpec(rating, {
    database: 'lakeforge_test_curated',
    bucketName: 'curated-bucket',
    description: 'Ratings.',
    parameters: { 'lakeforge.product': 'viewer-engagement' },
  }),
  ...overrides,
});

describe('TableDdlFunction', () => {
  const { stack } = setup();
  const template = Template.fromStack(stack);
  const statements: { Sid: string; Action: string | string[]; Resource: unknown }[] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
  const statement = (sid: string) => statements.find((s) => s.Sid === sid)!;

  it('runs on the pinned runtime on ARM64 with its own KMS-encrypted log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^TableDdlTableDdlLogGroup') } }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 30 });
  });

  it('may run Athena statements in the platform workgroup only', () => {
    expect(statement('RunDdlInPlatformWorkgroup').Action).toEqual(['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution']);
    expect(JSON.stringify(statement('RunDdlInPlatformWorkgroup').Resource)).toContain(':workgroup/lakeforge-test-platform');
  });

  it('may create and update tables in the curated and marts databases, and never delete one', () => {
    const glue = statement('CreateAndEvolveTables');
    expect(glue.Action).toEqual(['glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable']);
    const resources = JSON.stringify(glue.Resource);
    for (const db of ['lakeforge_test_curated', 'lakeforge_test_marts']) {
      expect(resources).toContain(`:database/${db}"`);
      expect(resources).toContain(`:table/${db}/*"`);
    }
    expect(resources).not.toContain('lakeforge_test_raw');
    expect(JSON.stringify(statements)).not.toMatch(/Delete|"glue:\*"|"s3:\*"/);
  });

  it('may read stack status (to tell a rollback) and nothing else in CloudFormation', () => {
    expect(statement('TellRollbacks').Action).toBe('cloudformation:DescribeStacks');
    expect(JSON.stringify(statement('TellRollbacks').Resource)).toContain(':cloudformation:eu-west-1:123456789012:stack/*');
  });

  it('is allowed nothing through grants: the role has exactly one managed policy and no inline policy', () => {
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('has zero unacknowledged findings across the four policy packs', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-ddl-')) });
    // The fixture keeps its logs a month, as dev/acc do: Control Tower's one-year minimum is acknowledged for that retention.
    registerPolicyPacks(app, { logRetentionDays: 30 });
    const { stack: s, ddl } = setup(app);
    new IcebergTables(s, 'Tables', { ddl, tables: [spec()] });
    const result = synthesizeApp(app);
    expect(result.findings.filter((f) => f.path.includes('/TableDdl/') || f.path.includes('/Tables/'))).toEqual([]);
  });
});

describe('IcebergTables', () => {
  const provider = { serviceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:ddl', workgroupName: 'wg' };

  it('declares the tables in one Custom::LakeforgeIcebergTables resource served by the DDL function, with columns and comments', () => {
    const { stack, ddl } = setup();
    new IcebergTables(stack, 'CuratedTables', { ddl, tables: [spec()] });
    const template = Template.fromStack(stack);
    template.hasResource('Custom::LakeforgeIcebergTables', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TableDdlTableDdlFunction'), 'Arn'] },
        Workgroup: 'lakeforge-test-platform',
        Tables: [
          {
            Database: 'lakeforge_test_curated',
            Table: 'rating_submitted_v1',
            Location: 's3://curated-bucket/events/com.lakeforge.ott/rating_submitted/v1/',
            Columns: [
              { Name: 'event_id', Type: 'string', Comment: 'Producer-assigned event id; unique in this table.' },
              { Name: 'event_time', Type: 'timestamp', Comment: 'Event time, UTC.' },
              { Name: 'schema_uri', Type: 'string', Comment: 'Iglu URI of the contract version.' },
              Match.objectLike({ Name: 'user_id', Type: 'int' }),
              Match.objectLike({ Name: 'movie_id', Type: 'int' }),
              Match.objectLike({ Name: 'rating', Type: 'double' }),
              { Name: 'arrival_time', Type: 'timestamp', Comment: 'Earliest arrival of this event, UTC.' },
              { Name: 'dt', Type: 'string', Comment: 'UTC event date YYYY-MM-DD.' },
            ],
            PartitionedBy: ['dt'],
            Description: 'Ratings.',
            Parameters: { 'lakeforge.product': 'viewer-engagement' },
          },
        ],
      },
    });
    template.resourceCountIs('AWS::Glue::Table', 0);
  });

  it('accepts a service token and workgroup name instead of the construct (a product team app)', () => {
    const stack = new Stack(new App(), 'Product');
    new IcebergTables(stack, 'Tables', { ddl: provider, tables: [spec()] });
    Template.fromStack(stack).hasResourceProperties('Custom::LakeforgeIcebergTables', { ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:ddl', Workgroup: 'wg' });
  });

  it.each<[string, IcebergTableSpec[], RegExp]>([
    ['no table is declared', [], /tables must list at least one table/],
    ['a table is declared twice', [spec(), spec()], /table lakeforge_test_curated\.rating_submitted_v1 is declared twice/],
    ['a column description is longer than Glue allows', [spec({ columns: [{ name: 'dt', type: 'string', description: 'x'.repeat(256) }] })], /comment of column "dt" has 256 characters; Glue allows 255/],
    ['the description is longer than Glue allows', [spec({ description: 'x'.repeat(2049) })], /description has 2049 characters; Glue allows 2048/],
    ['a table name is not lower_snake_case', [spec({ table: 'Ratings' })], /table name "Ratings" must be lower-case letters/],
    ['a parameter is not a lakeforge key', [spec({ parameters: { metadata_location: 's3://x' } })], /parameter "metadata_location" is not a lakeforge\.\* key/],
  ])('fails at synth when %s', (_what, tables, message) => {
    expect(() => new IcebergTables(new Stack(new App(), 'Product'), 'Tables', { ddl: provider, tables })).toThrow(message);
  });

  it('accepts a location and database given as tokens', () => {
    const stack = new Stack(new App(), 'Product');
    const ddl = provider;
    const bucket = new s3.Bucket(stack, 'Other');
    expect(() => new IcebergTables(stack, 'Tables', { ddl, tables: [spec({ location: bucket.s3UrlForObject('x/'), database: bucket.bucketName })] })).not.toThrow();
  });
});

describe('Iceberg table renderers', () => {
  it('renders a mart with its output columns, partitions, location under the mart name and lakeforge parameters', () => {
    const mart = MARTS.find((m) => m.output.partitionedBy.length > 0) ?? MARTS[0];
    const s = renderMartIcebergTableSpec(mart, { database: 'lakeforge_test_marts', bucketName: 'marts-bucket' });
    expect(s).toEqual({
      database: 'lakeforge_test_marts',
      table: mart.name,
      location: `s3://marts-bucket/${mart.name}/`,
      columns: mart.output.columns,
      partitionedBy: mart.output.partitionedBy,
      description: mart.description,
      parameters: { 'lakeforge.product': mart.product, 'lakeforge.owner': mart.owner, 'lakeforge.key': mart.output.key.join(','), 'lakeforge.schedule': mart.schedule },
    });
  });

  it('renders the watermark table unpartitioned in the curated database under _lakeforge/watermarks/', () => {
    const s = renderWatermarkIcebergTableSpec({ database: 'lakeforge_test_curated', bucketName: 'curated-bucket' });
    expect(s).toMatchObject({ database: 'lakeforge_test_curated', table: 'lakeforge_watermarks', location: 's3://curated-bucket/_lakeforge/watermarks/', partitionedBy: [] });
    expect(s.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['step:string', 'run_started_at:timestamp', 'execution_id:string', 'recorded_at:timestamp']);
  });

  it('renders a curated table partitioned by event dt, with dt last', () => {
    const s = spec();
    expect(s.partitionedBy).toEqual(['dt']);
    expect(s.columns.at(-1)!.name).toBe('dt');
  });
});

describe('every stage', () => {
  it('defines no Iceberg table as an AWS::Glue::Table, and declares curated tables in the products stacks through the Analytics stack\'s DDL function', () => {
    const t = lakeforgeApp();
    let declared = 0;
    for (const p of stackPaths(t)) {
      const template = t.template(p);
      for (const table of Object.values(template.findResources('AWS::Glue::Table'))) {
        expect([p, table.Properties.OpenTableFormatInput]).toEqual([p, undefined]);
        expect([p, table.Properties.TableInput.Parameters?.table_type]).toEqual([p, undefined]);
      }
      if (/\/Products[A-Z]/.test(p)) {
        for (const r of Object.values(template.findResources('Custom::LakeforgeIcebergTables'))) {
          expect(JSON.stringify(r.Properties.ServiceToken)).toMatch(/Fn::ImportValue.*Analytics/);
          declared += r.Properties.Tables.length;
        }
      }
    }
    expect(declared).toBeGreaterThan(0);
  });
});

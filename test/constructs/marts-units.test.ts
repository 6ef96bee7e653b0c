import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as glue from 'aws-cdk-lib/aws-glue';
import { MARTS } from '../../config/marts';
import { renderAnalystQueries } from '../../lib/constructs/analytics/analyst-queries';
import { MartRefresh, scheduleId, schedulePayload } from '../../lib/constructs/analytics/mart-refresh';
import { MART_ICEBERG_TYPES, renderMartTable } from '../../lib/constructs/analytics/mart-table';
import { QueryWorkgroup } from '../../lib/constructs/analytics/query-workgroup';
import { readContractTables } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { renderRefreshPlan } from '../../lib/marts/render';
import { renderTableLocations } from '../../lib/stacks/marts-stack';

const CONTRACTS = readContractTables(path.join(__dirname, '..', '..', 'config', 'contracts'));
const dailyEngagement = MARTS.find((m) => m.name === 'daily_engagement')!;
const titlePopularity = MARTS.find((m) => m.name === 'title_popularity')!;

describe('renderMartTable', () => {
  const partitioned: Mart = { ...dailyEngagement, output: { ...dailyEngagement.output, partitionedBy: ['dt'] } };

  it('puts an unpartitioned mart\'s columns, nested types included, in the storage descriptor', () => {
    const t = renderMartTable(titlePopularity, 's3://b/title_popularity/');
    expect(t.tableInput.storageDescriptor).toEqual({
      location: 's3://b/title_popularity/',
      columns: titlePopularity.output.columns.map((c) => ({ name: c.name, type: c.type, comment: c.description })),
    });
    expect(t.openTableFormatInput).toEqual({ icebergInput: { metadataOperation: 'CREATE', version: '2' } });
  });

  it('declares a partitioned mart\'s partitions as an identity Iceberg partition spec on the declared columns', () => {
    const t = renderMartTable(partitioned, 's3://b/daily_engagement/');
    const input = (t.openTableFormatInput.icebergInput as glue.CfnTable.IcebergInputProperty).icebergTableInput as glue.CfnTable.IcebergTableInputProperty;
    const schema = input.schema as glue.CfnTable.IcebergSchemaProperty;
    const fields = schema.fields as glue.CfnTable.IcebergStructFieldProperty[];
    expect(fields.map((f) => [f.name, f.type])).toEqual(partitioned.output.columns.map((c) => [c.name, MART_ICEBERG_TYPES[c.type]]));
    expect(new Set(fields.map((f) => f.id)).size).toBe(fields.length);
    const spec = input.partitionSpec as glue.CfnTable.IcebergPartitionSpecProperty;
    const dtId = fields.find((f) => f.name === 'dt')!.id;
    expect(spec.fields).toEqual([expect.objectContaining({ name: 'dt', sourceId: dtId, transform: 'identity' })]);
    expect(input.location).toBe('s3://b/daily_engagement/');
    expect(t.tableInput.storageDescriptor).toBeUndefined();
  });

  it('fails when a partitioned mart has a nested column type', () => {
    const nested: Mart = { ...titlePopularity, output: { ...titlePopularity.output, partitionedBy: ['movie_id'] } };
    expect(() => renderMartTable(nested, 's3://b/x/')).toThrow(/Mart "title_popularity": column "genres" has type array<string>/);
  });

  it('fails when a column description exceeds Glue\'s 255 characters', () => {
    const long: Mart = {
      ...dailyEngagement,
      output: { ...dailyEngagement.output, columns: dailyEngagement.output.columns.map((c, i) => (i === 1 ? { ...c, description: 'x'.repeat(256) } : c)) },
    };
    expect(() => renderMartTable(long, 's3://b/x/')).toThrow(/column "active_users" has 256 characters; Glue allows 255/);
  });
});

describe('schedule ids and payloads', () => {
  it.each([
    [{ id: 'marts.daily_engagement', kind: 'mart' as const }, 'MartDailyEngagementSchedule', { mart: 'daily_engagement' }],
    [{ id: 'curated.rating_submitted_v1', kind: 'curated' as const }, 'CuratedRatingSubmittedV1Schedule', { curated: 'rating_submitted_v1' }],
  ])('names the schedule of %j and sends the event the refresh handler expects', (step, id, payload) => {
    expect(scheduleId(step)).toBe(id);
    expect(schedulePayload(step)).toEqual(payload);
  });
});

describe('renderAnalystQueries', () => {
  it('renders physical names for the stage and unique ids', () => {
    const queries = renderAnalystQueries('prod', MARTS, CONTRACTS);
    expect(new Set(queries.map((q) => q.id)).size).toBe(queries.length);
    for (const q of queries) expect(q.sql).toMatch(/lakeforge_prod_(marts|curated)\./);
  });
});

describe('MartRefresh validation', () => {
  function inputs() {
    const stack = new Stack(new App(), 'S', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'K');
    const bucket = new s3.Bucket(stack, 'B');
    const workgroup = new QueryWorkgroup(stack, 'W', {
      workgroupName: 'lakeforge-dev-platform',
      description: 'w',
      resultsBucket: bucket,
      encryptionKey: key,
      bytesScannedCutoffPerQuery: 10_000_000,
    });
    const plan = renderRefreshPlan('dev', MARTS, CONTRACTS);
    const tableLocations = renderTableLocations('dev', { marts: MARTS, contracts: CONTRACTS, rawBucket: bucket, curatedBucket: bucket, martsBucket: bucket });
    return { stack, props: { plan, tableLocations, workgroup, resultsBucket: bucket, encryptionKey: key, logRetention: logs.RetentionDays.ONE_DAY } };
  }

  it.each([
    [{ retryAttempts: 186 }, /retryAttempts must be a whole number from 0 to 185, got 186/],
    [{ retryAttempts: -1 }, /retryAttempts must be a whole number from 0 to 185, got -1/],
    [{ maxEventAge: Duration.seconds(30) }, /maxEventAge must be from 1 minute to 6 hours, got 30 s/],
    [{ maxEventAge: Duration.hours(7) }, /maxEventAge must be from 1 minute to 6 hours, got 25200 s/],
  ])('fails when %j is out of range', (override, message) => {
    const { stack, props } = inputs();
    expect(() => new MartRefresh(stack, 'MartRefresh', { ...props, ...override })).toThrow(message);
  });

  it('fails when a table the plan uses has no S3 location', () => {
    const { stack, props } = inputs();
    const tableLocations = props.tableLocations.filter((l) => l.table !== 'content_catalog_movies');
    expect(() => new MartRefresh(stack, 'MartRefresh', { ...props, tableLocations })).toThrow(
      /step marts\.(title_popularity|genre_ratings) uses table lakeforge_dev_raw\.content_catalog_movies, which has no S3 location/,
    );
  });
});

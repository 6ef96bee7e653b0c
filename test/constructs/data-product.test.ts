import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CONTRACTS_DIR } from '../../config/platform';
import { DataProduct, type DataProductProps } from '../../lib/constructs/data-product/data-product';
import { BATCH_TABLES } from '../../lib/marts/catalog';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { defineProduct } from '../../lib/products/declaration';
import { planProductStacks, PRODUCT_STACK_BUDGET } from '../../lib/products/stack-plan';

const contractTables = readContractTables(CONTRACTS_DIR);
const rating = contractTables.find((t) => t.contractName === 'rating_submitted')!;

function setup(overrides: Partial<DataProductProps> = {}) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key');
  const product = new DataProduct(stack, 'ViewerEngagement', {
    productName: 'viewer-engagement',
    owner: 'growth-analytics',
    description: 'Ratings and tags.',
    domain: 'engagement',
    classification: 'confidential',
    piiColumns: ['user_id'],
    freshnessSla: Duration.hours(2),
    eventTables: contractTables,
    batchTables: [...BATCH_TABLES],
    rawDatabase: new glue.Database(stack, 'RawDb', { databaseName: 'lakeforge_test_raw' }),
    curatedDatabase: new glue.Database(stack, 'CuratedDb', { databaseName: 'lakeforge_test_curated' }),
    rawBucket: new s3.Bucket(stack, 'Raw', { encryptionKey: key }),
    curatedBucket: new s3.Bucket(stack, 'Curated', { encryptionKey: key }),
    encryptionKey: key,
    ingestStream: new kinesis.Stream(stack, 'Stream', { encryptionKey: key }),
    ...overrides,
  });
  return { stack, product };
}

function tableInput(template: Template, name: string) {
  const tables = Object.values(template.findResources('AWS::Glue::Table')).map((r) => r.Properties);
  const found = tables.find((p) => p.TableInput.Name === name && (name.startsWith('content') || p.DatabaseName.Ref.startsWith(p.OpenTableFormatInput ? 'CuratedDb' : 'RawDb')));
  if (!found) throw new Error(`no table ${name}`);
  return found;
}

describe('DataProduct', () => {
  const { stack } = setup();
  const template = Template.fromStack(stack);
  const tables = Object.values(template.findResources('AWS::Glue::Table'));
  const raw = (name: string) => tables.find((t) => t.Properties.TableInput.Name === name && !t.Properties.OpenTableFormatInput)!.Properties;
  const curated = (name: string) => tables.find((t) => t.Properties.TableInput.Name === name && t.Properties.OpenTableFormatInput)!.Properties;

  it('creates a raw and a curated table per contract MODEL and one table per batch table', () => {
    expect(tables).toHaveLength(2 * contractTables.length + BATCH_TABLES.length);
    expect(tableInput).toBeDefined();
  });

  it('derives the raw table columns from the contract: envelope, data struct and ingest metadata', () => {
    const cols = raw('rating_submitted_v1').TableInput.StorageDescriptor.Columns.map((c: { Name: string; Type: string }) => `${c.Name}:${c.Type}`);
    expect(cols).toEqual([
      'schema:string',
      'event_id:string',
      'event_time:string',
      'data:struct<user_id:int,movie_id:int,rating:double>',
      'arrival_time:string',
      'shard_id:string',
      'sequence_number:string',
    ]);
  });

  it('locates raw events under events/<vendor>/<name>/v<MODEL>/ with partition projection on arrival dt and hour', () => {
    const input = raw('rating_submitted_v1').TableInput;
    expect(input.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(['dt', 'hour']);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
    });
    const location = JSON.stringify(input.StorageDescriptor.Location);
    expect(location).toContain('/events/com.lakeforge.ott/rating_submitted/v1/');
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain('/events/com.lakeforge.ott/rating_submitted/v1/dt=${dt}/hour=${hour}/');
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
  });

  it('types the curated Iceberg table from the contract with event_time as timestamp, partitioned by event dt', () => {
    const props = curated('tag_added_v1');
    const input = props.OpenTableFormatInput.IcebergInput;
    expect(input.MetadataOperation).toBe('CREATE');
    expect(input.Version).toBe('2');
    const fields = input.IcebergTableInput.Schema.Fields.map((f: { Name: string; Type: string }) => `${f.Name}:${f.Type}`);
    expect(fields).toEqual(['event_id:string', 'event_time:timestamp', 'schema_uri:string', 'user_id:int', 'movie_id:int', 'tag:string', 'arrival_time:timestamp', 'dt:string']);
    const dtId = input.IcebergTableInput.Schema.Fields.find((f: { Name: string }) => f.Name === 'dt').Id;
    expect(input.IcebergTableInput.PartitionSpec.Fields).toEqual([expect.objectContaining({ Name: 'dt', SourceId: dtId, Transform: 'identity' })]);
  });

  it('keeps vendor ids as strings in the CSV batch tables', () => {
    const input = raw('content_catalog_links').TableInput;
    expect(input.StorageDescriptor.Columns.every((c: { Type: string }) => c.Type === 'string')).toBe(true);
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.serde2.OpenCSVSerde');
    expect(input.Parameters['skip.header.line.count']).toBe('1');
  });

  it('writes owner, classification, PII columns, contract and SLA into the table parameters', () => {
    expect(curated('rating_submitted_v1').TableInput.Parameters).toMatchObject({
      'lakeforge.product': 'viewer-engagement',
      'lakeforge.owner': 'growth-analytics',
      'lakeforge.classification': 'confidential',
      'lakeforge.pii_columns': 'user_id',
      'lakeforge.freshness_sla_minutes': '120',
      'lakeforge.contract': rating.schemaUri,
    });
  });

  it('retains its tables by default', () => {
    for (const t of tables) expect(t.DeletionPolicy).toBe('Retain');
  });

  it('grants read on its tables, prefixes and key in one call, and nothing else', () => {
    const { stack: s, product } = setup();
    const role = new iam.Role(s, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    product.grantRead(role);
    const [policy] = Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy'));
    const doc = JSON.stringify(policy.Properties.PolicyDocument);
    expect(doc).toMatch(/"CuratedDb[0-9A-F]+"\},"\/rating_submitted_v1"/);
    expect(doc).toMatch(/"RawDb[0-9A-F]+"\},"\/content_catalog_movies"/);
    expect(doc).toContain('/events/com.lakeforge.ott/tag_added/v1/*');
    expect(doc).toContain('kms:Decrypt');
    expect(doc).not.toContain('glue:CreateTable');
    expect(doc).not.toContain('s3:PutObject');
  });

  it('grants producers PutRecords on the ingest stream', () => {
    const { stack: s, product } = setup();
    const role = new iam.Role(s, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    product.grantProduce(role);
    const [policy] = Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy'));
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('kinesis:PutRecords');
  });

  it.each<[string, Partial<DataProductProps>, RegExp]>([
    ['a PII column is not a column of its tables', { piiColumns: ['email'] }, /piiColumns names "email", which is not a column/],
    ['it has no tables', { eventTables: [], batchTables: [] }, /needs at least one event contract or batch table/],
    ['the freshness SLA is under a minute', { freshnessSla: Duration.seconds(30) }, /freshnessSla must be at least 1 minute/],
  ])('fails when %s', (_what, overrides, message) => {
    expect(() => setup(overrides)).toThrow(message);
  });
});

describe('product stacks', () => {
  const product = (i: number, domain: string) =>
    defineProduct({
      name: `product-${i}`,
      owner: 'team',
      description: 'A generated product for the plan test.',
      domain,
      contracts: [`iglu:com.acme/event_${i}/jsonschema/1-0-0`],
      classification: { level: 'internal' },
      freshnessSlaMinutes: 60,
    });

  it('groups 120 products by domain into stacks that stay under the resource budget', () => {
    const products = Array.from({ length: 120 }, (_, i) => product(i, ['alpha', 'beta', 'gamma'][i % 3]));
    const groups = planProductStacks(products, () => 1);
    expect(groups.map((g) => g.stackId)).toEqual(['ProductsAlpha', 'ProductsBeta', 'ProductsGamma']);
    expect(groups.reduce((n, g) => n + g.products.length, 0)).toBe(120);
    for (const g of groups) expect(g.resources).toBeLessThanOrEqual(PRODUCT_STACK_BUDGET);
  });

  it('keeps a product in its domain stack when products are added before it', () => {
    const before = planProductStacks([product(1, 'alpha'), product(2, 'beta')], () => 1);
    const after = planProductStacks([product(0, 'beta'), product(1, 'alpha'), product(2, 'beta')], () => 1);
    const stackOf = (groups: typeof before, name: string) => groups.find((g) => g.products.some((p) => p.name === name))!.stackId;
    expect(stackOf(after, 'product-1')).toBe(stackOf(before, 'product-1'));
    expect(stackOf(after, 'product-2')).toBe(stackOf(before, 'product-2'));
  });

  it('fails with the domain name when one domain outgrows a stack', () => {
    const products = Array.from({ length: 230 }, (_, i) => product(i, 'huge'));
    expect(() => planProductStacks(products, () => 1)).toThrow(/domain "huge" need 460 CloudFormation resources in one stack/);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CONTRACTS_DIR } from '../../config/platform';
import type { TableDdlProperties } from '../../lambdas/shared/table-ddl-properties';
import { planTable } from '../../lambdas/table-ddl/core';
import { DataProduct, type DataProductProps } from '../../lib/constructs/data-product/data-product';
import { BATCH_TABLES } from '../../lib/marts/catalog';
import { type ContractTable, readContractTables } from '../../lib/marts/contract-adapter';
import { defineProduct } from '../../lib/products/declaration';
import { planProductStacks, PRODUCT_STACK_BUDGET } from '../../lib/products/stack-plan';
import { SCHEMA_PUBLICATION_RESOURCE_TYPE } from '../../lambdas/shared/schema-publication-properties';
import { curatedTable, rawTable } from '../../lib/marts/curated';

const contractTables = readContractTables(CONTRACTS_DIR);
const rating = contractTables.find((t) => t.contractName === 'rating_submitted')!;
const ddl = { serviceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:table-ddl', workgroupName: 'lakeforge-test-platform' };

function setup(overridesOrFn: Partial<DataProductProps> | ((stack: Stack) => Partial<DataProductProps>) = {}) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const overrides = typeof overridesOrFn === 'function' ? overridesOrFn(stack) : overridesOrFn;
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
    ddl,
    projectionStartDate: '2024-01-01',
    ...overrides,
  });
  return { stack, product };
}

/** The curated table declarations of the product's Custom::LakeforgeIcebergTables resource. */
function curatedDeclarations(template: Template): TableDdlProperties['Tables'] {
  const resources = Object.values(template.findResources('Custom::LakeforgeIcebergTables'));
  expect(resources).toHaveLength(1);
  return resources[0].Properties.Tables;
}

describe('DataProduct', () => {
  const { stack } = setup();
  const template = Template.fromStack(stack);
  const tables = Object.values(template.findResources('AWS::Glue::Table'));
  const raw = (name: string) => tables.find((t) => t.Properties.TableInput.Name === name)!.Properties;
  const curated = (name: string) => curatedDeclarations(template).find((t) => t.Table === name)!;

  it('creates a raw table per contract MODEL and per batch table, and declares the curated tables in one Iceberg tables resource', () => {
    expect(tables).toHaveLength(contractTables.length + BATCH_TABLES.length);
    expect(curatedDeclarations(template).map((t) => t.Table)).toEqual(contractTables.map((t) => t.tableName));
  });

  it('has no AWS::Glue::Table that defines an Iceberg table', () => {
    for (const t of tables) {
      expect(t.Properties.OpenTableFormatInput).toBeUndefined();
      expect(JSON.stringify(t.Properties.TableInput.Parameters ?? {})).not.toMatch(/"table_type":"ICEBERG"/i);
    }
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

  it('locates raw events under events/<vendor>/<name>/v<MODEL>/ with partition projection on arrival dt and hour from the go-live date', () => {
    const input = raw('rating_submitted_v1').TableInput;
    expect(input.PartitionKeys.map((k: { Name: string }) => k.Name)).toEqual(['dt', 'hour']);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-01-01,NOW',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
    });
    const location = JSON.stringify(input.StorageDescriptor.Location);
    expect(location).toContain('/events/com.lakeforge.ott/rating_submitted/v1/');
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain('/events/com.lakeforge.ott/rating_submitted/v1/dt=${dt}/hour=${hour}/');
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
  });

  it('types the curated Iceberg table from the contract with event_time as timestamp, partitioned by event dt, in the curated bucket', () => {
    const table = curated('tag_added_v1');
    expect(table.Columns.map((c) => `${c.Name}:${c.Type}`)).toEqual(['event_id:string', 'event_time:timestamp', 'schema_uri:string', 'user_id:int', 'movie_id:int', 'tag:string', 'arrival_time:timestamp', 'dt:string']);
    expect(table.PartitionedBy).toEqual(['dt']);
    expect(JSON.stringify(table.Database)).toMatch(/CuratedDb/);
    expect(JSON.stringify(table.Location)).toMatch(/Curated[0-9A-F]+.*\/events\/com\.lakeforge\.ott\/tag_added\/v1\//);
  });

  it('keeps vendor ids as strings in the CSV batch tables', () => {
    const input = raw('content_catalog_links').TableInput;
    expect(input.StorageDescriptor.Columns.every((c: { Type: string }) => c.Type === 'string')).toBe(true);
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.serde2.OpenCSVSerde');
    expect(input.Parameters['skip.header.line.count']).toBe('1');
  });

  it('writes owner, classification, PII columns, contract and SLA into the table parameters', () => {
    const expected = {
      'lakeforge.product': 'viewer-engagement',
      'lakeforge.owner': 'growth-analytics',
      'lakeforge.classification': 'confidential',
      'lakeforge.pii_columns': 'user_id',
      'lakeforge.freshness_sla_minutes': '120',
      'lakeforge.contract': rating.schemaUri,
    };
    expect(curated('rating_submitted_v1').Parameters).toEqual(expected);
    expect(raw('rating_submitted_v1').TableInput.Parameters).toMatchObject(expected);
  });

  it('retains its raw tables and its curated tables resource by default', () => {
    for (const t of tables) expect(t.DeletionPolicy).toBe('Retain');
    template.hasResource('Custom::LakeforgeIcebergTables', { DeletionPolicy: 'Retain' });
  });

  it('retains the curated tables resource even when destruction is allowed', () => {
    const t = Template.fromStack(setup({ allowDestroy: true }).stack);
    expect(Object.values(t.findResources('AWS::Glue::Table')).every((r) => r.DeletionPolicy === 'Delete')).toBe(true);
    t.hasResource('Custom::LakeforgeIcebergTables', { DeletionPolicy: 'Retain' });
  });

  it('exposes the curated tables as Glue table ARNs by name', () => {
    const { stack: s, product } = setup();
    expect(Object.keys(product.curatedTables)).toEqual(contractTables.map((t) => t.tableName));
    expect(JSON.stringify(s.resolve(product.curatedTables.rating_submitted_v1))).toMatch(/:table\/",\{"Ref":"CuratedDb[0-9A-F]+"\},"\/rating_submitted_v1"/);
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

  it('grants consumers its published tables only: curated and batch tables, not the raw event tables', () => {
    const { stack: s, product } = setup({ batchTables: [] });
    const doc = JSON.stringify(s.resolve(product.readStatements().map((st) => st.toStatementJson())));
    for (const t of contractTables) expect(doc).toMatch(new RegExp(`"CuratedDb[0-9A-F]+"\\},"/${t.tableName}"`));
    expect(doc).not.toMatch(/RawDb|"Raw[0-9A-F]+"/);
  });

  it('grants read on its marts in the marts database and bucket', () => {
    const marts = ['daily_engagement', 'title_popularity'];
    const { stack: s, product } = setup();
    const martsStack = setup((stack) => ({
      martNames: marts,
      martsDatabase: new glue.Database(stack, 'MartsDb', { databaseName: 'lakeforge_test_marts' }),
      martsBucket: new s3.Bucket(stack, 'MartsBucket'),
    }));
    const doc = JSON.stringify(martsStack.stack.resolve(martsStack.product.readStatements().map((st) => st.toStatementJson())));
    for (const m of marts) {
      expect(doc).toContain(`/${m}"`);
      expect(doc).toContain(`/${m}/*`);
    }
    expect(JSON.stringify(s.resolve(product.readStatements().map((st) => st.toStatementJson())))).not.toContain('daily_engagement');
  });

  it('grants producers PutRecords on the ingest stream', () => {
    const { stack: s, product } = setup();
    const role = new iam.Role(s, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    product.grantProduce(role);
    const [policy] = Object.values(Template.fromStack(s).findResources('AWS::IAM::Policy'));
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('kinesis:PutRecords');
  });

  it('needs no table DDL provider when it has batch tables only', () => {
    const t = Template.fromStack(setup({ eventTables: [], ddl: undefined, piiColumns: [] }).stack);
    t.resourceCountIs('Custom::LakeforgeIcebergTables', 0);
  });

  it.each<[string, Partial<DataProductProps>, RegExp]>([
    ['a PII column is not a column of its tables', { piiColumns: ['email'] }, /piiColumns names "email", which is not a column/],
    ['it has no tables', { eventTables: [], batchTables: [] }, /needs at least one event contract or batch table/],
    ['the freshness SLA is under a minute', { freshnessSla: Duration.seconds(30) }, /freshnessSla must be at least 1 minute/],
    ['it has marts but no marts database or bucket', { martNames: ['daily_engagement'] }, /has marts \(daily_engagement\), so it needs the martsDatabase and martsBucket props/],
    ['it has event tables but no table DDL provider', { ddl: undefined }, new RegExp(`has event tables \\(${contractTables.map((t) => t.tableName).join(', ')}\\), so it needs the ddl prop`)],
    ['the projection start date is not a calendar date', { projectionStartDate: '2024-13-01' }, /projectionStartDate must be a YYYY-MM-DD calendar date \(config pipeline\.goLiveDate\), got "2024-13-01"/],
  ])('fails when %s', (_what, overrides, message) => {
    expect(() => setup(overrides)).toThrow(message);
  });
});

describe('DataProduct publication', () => {
  const registry = { serviceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:publisher', registryBucketName: 'registry-bucket' };
  const publications = (t: Template) => Object.entries(t.findResources(SCHEMA_PUBLICATION_RESOURCE_TYPE));

  it('publishes nothing without a registry', () => {
    expect(publications(Template.fromStack(setup().stack))).toEqual([]);
  });

  it('publishes every version of each of its contracts, in order, through the registry publisher', () => {
    const template = Template.fromStack(setup({ registry }).stack);
    const found = publications(template);
    expect(found).toHaveLength(1);
    const [, publication] = found[0];
    expect(publication.Properties).toMatchObject({ ServiceToken: registry.serviceToken, RegistryBucket: registry.registryBucketName, Product: 'viewer-engagement' });
    const expected = contractTables.flatMap((t) => t.schemas!);
    expect(expected.length).toBeGreaterThanOrEqual(contractTables.length);
    expect(publication.Properties.Schemas).toEqual(expected.map((x) => ({ Uri: x.uri, Schema: x.text })));
  });

  it('publishes its catalog entry: metadata, raw and curated tables per contract MODEL, batch tables, marts, contracts and consumers', () => {
    const { stack } = setup((st) => ({
      registry,
      consumers: ['analysts'],
      martNames: ['daily_engagement'],
      martsDatabase: new glue.Database(st, 'MartsDb', { databaseName: 'lakeforge_test_marts' }),
      martsBucket: new s3.Bucket(st, 'Marts'),
    }));
    const [[, publication]] = publications(Template.fromStack(stack));
    const entry = JSON.parse(publication.Properties.CatalogEntry);
    expect(entry).toMatchObject({
      product: 'viewer-engagement',
      owner: 'growth-analytics',
      domain: 'engagement',
      description: 'Ratings and tags.',
      classification: 'confidential',
      piiColumns: ['user_id'],
      freshnessSlaMinutes: 120,
      contracts: contractTables.flatMap((t) => t.versions),
      consumers: ['analysts'],
    });
    const names = (t: { columns: readonly { name: string }[]; partitionKeys?: readonly { name: string }[] }) => [...t.columns, ...(t.partitionKeys ?? [])].map((c) => c.name);
    const tables = entry.tables as Array<{ zone: string; table: string; contract?: string; columns: { name: string }[] }>;
    for (const c of contractTables) {
      const raw = tables.find((t) => t.zone === 'raw' && t.table === c.tableName)!;
      expect({ contract: raw.contract, columns: raw.columns.map((x) => x.name) }).toEqual({ contract: c.schemaUri, columns: names(rawTable(c)) });
      const curated = tables.find((t) => t.zone === 'curated' && t.table === c.tableName)!;
      expect({ contract: curated.contract, columns: curated.columns.map((x) => x.name) }).toEqual({ contract: c.schemaUri, columns: names(curatedTable(c)) });
    }
    for (const b of BATCH_TABLES) expect(tables.find((t) => t.zone === 'raw' && `raw.${t.table}` === b.name)!.columns.map((x) => x.name)).toEqual(names(b));
    expect(tables.filter((t) => t.zone === 'marts').map((t) => t.table)).toEqual(['daily_engagement']);
  });

  it('creates and evolves its event tables only after the publication (the gate), and its batch tables independently', () => {
    const template = Template.fromStack(setup({ registry }).stack);
    const [[publicationId]] = publications(template);
    const curated = Object.values(template.findResources('Custom::LakeforgeIcebergTables'));
    expect(curated.map((r) => r.DependsOn)).toEqual([expect.arrayContaining([publicationId])]);
    const glueTables = Object.values(template.findResources('AWS::Glue::Table'));
    const eventNames = new Set(contractTables.map((t) => t.tableName));
    for (const t of glueTables) {
      const isEvent = eventNames.has(t.Properties.TableInput.Name);
      expect({ table: t.Properties.TableInput.Name, dependsOnPublication: (t.DependsOn ?? []).includes(publicationId) }).toEqual({ table: t.Properties.TableInput.Name, dependsOnPublication: isEvent });
    }
  });

  it('fails, naming the tables, when an event table carries no schema texts to publish', () => {
    const handMade: ContractTable = { ...rating, schemas: undefined };
    expect(() => setup({ registry, eventTables: [handMade] })).toThrow(
      `DataProduct viewer-engagement: has a registry, but the event tables ${rating.tableName} carry no schema texts to publish (ContractTable.schemas); build them with readContractTables(<contracts folder>)`,
    );
  });
});

describe('a contract ADDITION', () => {
  /** rating_submitted 1-0-0 alone, and with a 1-0-1 that adds an optional property. */
  function contractsWithAddition(): { before: ContractTable; after: ContractTable } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-contracts-'));
    const folder = path.join(dir, 'com.lakeforge.ott', 'rating_submitted', 'jsonschema');
    fs.mkdirSync(folder, { recursive: true });
    const v100 = JSON.parse(fs.readFileSync(path.join(CONTRACTS_DIR, 'com.lakeforge.ott', 'rating_submitted', 'jsonschema', '1-0-0.json'), 'utf8'));
    fs.writeFileSync(path.join(folder, '1-0-0.json'), JSON.stringify(v100));
    const before = readContractTables(dir)[0];
    const v101 = {
      ...v100,
      self: { ...v100.self, version: '1-0-1' },
      properties: { ...v100.properties, device: { description: 'Device the rating was given on.', type: 'string', maxLength: 64 } },
    };
    fs.writeFileSync(path.join(folder, '1-0-1.json'), JSON.stringify(v101));
    return { before, after: readContractTables(dir)[0] };
  }

  const { before, after } = contractsWithAddition();
  const templateOf = (table: ContractTable) => Template.fromStack(setup({ eventTables: [table], batchTables: [], piiColumns: [] }).stack).toJSON();
  const t0 = templateOf(before);
  const t1 = templateOf(after);
  const changed = Object.keys(t1.Resources).filter((id) => JSON.stringify(t0.Resources[id]) !== JSON.stringify(t1.Resources[id]));
  const declaration = (t: typeof t0): TableDdlProperties['Tables'][number] =>
    (Object.values(t.Resources) as { Type: string; Properties: TableDdlProperties }[]).find((r) => r.Type === 'Custom::LakeforgeIcebergTables')!.Properties.Tables[0];

  it('changes the curated table only through the Iceberg tables resource: one more column, the new contract URI, nothing else', () => {
    const types = changed.map((id) => t1.Resources[id].Type).sort();
    // The raw table is a Hive table (its data struct gains the field); no Iceberg table is a Glue resource.
    expect(types).toEqual(['AWS::Glue::Table', 'Custom::LakeforgeIcebergTables']);
    expect(Object.keys(t1.Resources).sort()).toEqual(Object.keys(t0.Resources).sort());
    const [d0, d1] = [declaration(t0), declaration(t1)];
    expect(d1.Columns.filter((c) => !d0.Columns.some((o) => o.Name === c.Name))).toEqual([{ Name: 'device', Type: 'string', Comment: 'Device the rating was given on.' }]);
    expect(d1.Columns.filter((c) => c.Name !== 'device')).toEqual(d0.Columns);
    const withoutUri = (d: typeof d0) => JSON.parse(JSON.stringify({ ...d, Columns: undefined }).replaceAll(before.schemaUri, 'URI').replaceAll(after.schemaUri, 'URI'));
    expect(withoutUri(d1)).toEqual(withoutUri(d0));
  });

  it('makes the table DDL function plan exactly one ALTER TABLE ADD COLUMNS', () => {
    const resolved = (d: ReturnType<typeof declaration>) => ({ ...d, Database: 'lakeforge_test_curated', Location: 's3://curated/events/com.lakeforge.ott/rating_submitted/v1/' });
    const d0 = resolved(declaration(t0));
    const existing = {
      Description: d0.Description,
      Parameters: { table_type: 'ICEBERG', metadata_location: 's3://curated/m.json', ...d0.Parameters },
      StorageDescriptor: { Columns: d0.Columns.map((c) => ({ Name: c.Name, Type: c.Type })) },
    };
    const actions = planTable(resolved(declaration(t1)), existing);
    expect(actions.filter((a) => a.kind === 'add-columns').map((a) => 'sql' in a && a.sql)).toEqual([
      "ALTER TABLE lakeforge_test_curated.rating_submitted_v1 ADD COLUMNS (device string COMMENT 'Device the rating was given on.')",
    ]);
    expect(actions.map((a) => a.kind)).toEqual(['add-columns', 'update-metadata']);
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
    expect(() => planProductStacks(products, () => 1)).toThrow(/domain "huge" need 690 CloudFormation resources in one stack/);
  });
});

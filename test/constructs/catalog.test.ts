import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BadRowsTable } from '../../lib/constructs/catalog/bad-rows-table';
import { CatalogEncryption } from '../../lib/constructs/catalog/catalog-encryption';
import { LakeCatalog } from '../../lib/constructs/catalog/lake-catalog';

function setup(withEncryption: boolean) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const encryption = withEncryption ? new CatalogEncryption(stack, 'Enc') : undefined;
  const bucket = (id: string) => new s3.Bucket(stack, id);
  const catalog = new LakeCatalog(stack, 'Catalog', {
    environmentName: 'test',
    rawBucket: bucket('Raw'),
    curatedBucket: bucket('Curated'),
    martsBucket: bucket('Marts'),
  });
  return { stack, catalog, encryption };
}

describe('LakeCatalog', () => {
  it.each(['raw', 'curated', 'marts'])('creates the %s database named through the naming helper', (zone) => {
    Template.fromStack(setup(false).stack).hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: { Name: `lakeforge_test_${zone}` },
    });
  });

  it('retains the databases by default', () => {
    const dbs = Object.values(Template.fromStack(setup(false).stack).findResources('AWS::Glue::Database'));
    expect(dbs).toHaveLength(3);
    for (const db of dbs) expect(db.DeletionPolicy).toBe('Retain');
  });

  it('grants metadata read on one zone database and its tables only', () => {
    const { stack, catalog } = setup(false);
    const role = new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() });
    catalog.grantReadMetadata(role, 'marts');
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const resources = JSON.stringify(policy.Properties.PolicyDocument.Statement[0].Resource);
    const martsDb = stack.getLogicalId(catalog.martsDatabase.node.defaultChild as never);
    expect(resources).toContain(`:table/",{"Ref":"${martsDb}"},"/*"`);
    expect(resources).toContain(`:database/",{"Ref":"${martsDb}"}`);
    for (const other of [catalog.rawDatabase, catalog.curatedDatabase]) {
      expect(resources).not.toContain(stack.getLogicalId(other.node.defaultChild as never));
    }
  });
});

describe('CatalogEncryption', () => {
  it('encrypts catalog metadata and connection passwords with its own rotating key', () => {
    const template = Template.fromStack(setup(true).stack);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const [settings] = Object.values(template.findResources('AWS::Glue::DataCatalogEncryptionSettings'));
    const input = settings.Properties.DataCatalogEncryptionSettings;
    expect(input.EncryptionAtRest.CatalogEncryptionMode).toBe('SSE-KMS');
    expect(input.EncryptionAtRest.SseAwsKmsKeyId).toBeDefined();
    expect(input.ConnectionPasswordEncryption.ReturnConnectionPasswordEncrypted).toBe(true);
    expect(input.ConnectionPasswordEncryption.KmsKeyId).toBeDefined();
  });

  it('creates no encryption settings when the environment does not own them', () => {
    Template.fromStack(setup(false).stack).resourceCountIs('AWS::Glue::DataCatalogEncryptionSettings', 0);
  });
});

describe('BadRowsTable', () => {
  const badRows = (projectionStartDate: string) => {
    const { stack, catalog } = setup(false);
    new BadRowsTable(stack, 'BadRows', { database: catalog.rawDatabase, quarantineBucket: new s3.Bucket(stack, 'Quarantine'), projectionStartDate });
    return Template.fromStack(stack);
  };

  it('projects arrival partitions from the go-live date, not from a fixed past date', () => {
    const [table] = Object.values(badRows('2025-03-01').findResources('AWS::Glue::Table'));
    expect(table.Properties.TableInput.Parameters['projection.dt.range']).toBe('2025-03-01,NOW');
  });

  it.each(['2025-02-30', '2025-3-1', 'today'])('fails when the projection start date is %s', (date) => {
    expect(() => badRows(date)).toThrow(`projectionStartDate must be a YYYY-MM-DD calendar date (config pipeline.goLiveDate), got "${date}"`);
  });
});

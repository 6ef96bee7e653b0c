import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadPlatform } from '../../config/platform';
import { SCHEMA_PUBLICATION_RESOURCE_TYPE } from '../../lambdas/shared/schema-publication-properties';
import { SCHEMA_PUBLICATION_MAX_BYTES, SchemaPublication, type SchemaPublicationProps } from '../../lib/constructs/catalog/schema-publication';
import { type ContractSchemaText, readContractTables } from '../../lib/marts/contract-adapter';
import { resolveEventTables } from '../../lib/stacks/products-stack';
import { lakeforgeApp } from '../helpers/app';
import { tempDirs } from '../helpers/temp-dirs';

const tempDir = tempDirs();
const registry = { serviceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:publisher', registryBucketName: 'registry-bucket' };

/** A self-describing schema's text (as a team's file would hold it). */
function schemaText(vendor: string, name: string, version: string, properties: Record<string, unknown> = { id: { type: 'string' } }): string {
  return `${JSON.stringify(
    {
      $schema: 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#',
      self: { vendor, name, format: 'jsonschema', version },
      type: 'object',
      properties,
      additionalProperties: false,
    },
    null,
    2,
  )}\n`;
}

/** An Iglu folder with two MODELs of one schema (1-0-0, 1-0-1; 2-0-0) and one other schema. */
function contractsFolder(): string {
  const dir = tempDir('lakeforge-publication-');
  const files: Array<[string, string, string, Record<string, unknown>?]> = [
    ['com.example', 'clicked', '1-0-0'],
    ['com.example', 'clicked', '1-0-1', { id: { type: 'string' }, label: { type: 'string' } }],
    ['com.example', 'clicked', '2-0-0', { id: { type: 'integer' } }],
    ['com.example', 'viewed', '1-0-0'],
  ];
  for (const [vendor, name, version, properties] of files) {
    const folder = path.join(dir, vendor, name, 'jsonschema');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, version), schemaText(vendor, name, version, properties));
  }
  return dir;
}

function publish(props: Partial<SchemaPublicationProps> = {}) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const schemas = props.schemas ?? readContractTables(contractsFolder()).flatMap((t) => t.schemas ?? []);
  new SchemaPublication(stack, 'Publication', { registry, product: 'clicks', schemas, ...props });
  return Template.fromStack(stack);
}

describe('readContractTables', () => {
  it('carries the text of every version of each MODEL, oldest first, as in the files', () => {
    const dir = contractsFolder();
    const tables = readContractTables(dir);
    for (const t of tables) {
      expect(t.schemas!.map((s) => s.uri)).toEqual(t.versions);
      for (const s of t.schemas!) {
        const [, vendor, name, , version] = /^iglu:([^/]+)\/([^/]+)\/(jsonschema)\/(.+)$/.exec(s.uri)!;
        expect(s.text).toBe(fs.readFileSync(path.join(dir, vendor, name, 'jsonschema', version), 'utf8'));
      }
    }
    expect(tables.find((t) => t.tableName === 'clicked_v1')!.schemas!.map((s) => s.uri)).toEqual([
      'iglu:com.example/clicked/jsonschema/1-0-0',
      'iglu:com.example/clicked/jsonschema/1-0-1',
    ]);
  });
});

describe('SchemaPublication', () => {
  it('is one custom resource served by the publisher, with every version of each contract in order, as given', () => {
    const tables = readContractTables(contractsFolder());
    const schemas = tables.flatMap((t) => t.schemas ?? []);
    const template = publish({ schemas });
    const resources = Object.values(template.findResources(SCHEMA_PUBLICATION_RESOURCE_TYPE));
    expect(resources).toHaveLength(1);
    expect(resources[0].Properties).toEqual({
      ServiceToken: registry.serviceToken,
      RegistryBucket: registry.registryBucketName,
      RegistryPrefix: '',
      Product: 'clicks',
      Schemas: schemas.map((s) => ({ Uri: s.uri, Schema: s.text })),
    });
    expect(resources[0].Properties.Schemas.map((s: { Uri: string }) => s.Uri)).toEqual(tables.flatMap((t) => t.versions));
    // Published versions outlive the stack: CloudFormation never asks the publisher to delete.
    expect(resources[0].DeletionPolicy).toBe('Retain');
    expect(resources[0].UpdateReplacePolicy).toBe('Retain');
  });

  it('publishes the catalog entry as JSON text', () => {
    const catalogEntry = {
      product: 'clicks',
      owner: 'web-team',
      domain: 'web',
      description: 'Clicks.',
      classification: 'internal',
      piiColumns: [],
      freshnessSlaMinutes: 30,
      tables: [{ zone: 'curated', table: 'clicked_v1', contract: 'iglu:com.example/clicked/jsonschema/1-0-1', columns: [{ name: 'id', type: 'string' }] }],
      contracts: ['iglu:com.example/clicked/jsonschema/1-0-0'],
    };
    const [resource] = Object.values(publish({ catalogEntry }).findResources(SCHEMA_PUBLICATION_RESOURCE_TYPE));
    expect(JSON.parse(resource.Properties.CatalogEntry)).toEqual(catalogEntry);
  });

  it('refuses a schema whose self block does not name its URI, naming the product and the schema', () => {
    const schemas: ContractSchemaText[] = [{ uri: 'iglu:com.example/clicked/jsonschema/1-0-1', text: schemaText('com.example', 'clicked', '1-0-0') }];
    expect(() => publish({ schemas })).toThrow(/^SchemaPublication clicks: iglu:com\.example\/clicked\/jsonschema\/1-0-1 at \/self\/version: /);
  });

  it('refuses a text that is not JSON, and a URI that is not an Iglu URI', () => {
    expect(() => publish({ schemas: [{ uri: 'iglu:com.example/clicked/jsonschema/1-0-0', text: '{' }] })).toThrow(/^SchemaPublication clicks: iglu:com\.example\/clicked\/jsonschema\/1-0-0: not valid JSON/);
    expect(() => publish({ schemas: [{ uri: 'com.example/clicked/1-0-0', text: '{}' }] })).toThrow(/^SchemaPublication clicks: .*must start with "iglu:"/);
  });

  it('refuses a URI listed twice', () => {
    const one = { uri: 'iglu:com.example/clicked/jsonschema/1-0-0', text: schemaText('com.example', 'clicked', '1-0-0') };
    expect(() => publish({ schemas: [one, one] })).toThrow('SchemaPublication clicks: iglu:com.example/clicked/jsonschema/1-0-0 is listed twice');
  });

  it('refuses versions of a MODEL listed newest first', () => {
    const v = (version: string) => ({ uri: `iglu:com.example/clicked/jsonschema/${version}`, text: schemaText('com.example', 'clicked', version) });
    expect(() => publish({ schemas: [v('1-0-1'), v('1-0-0')] })).toThrow(
      'SchemaPublication clicks: iglu:com.example/clicked/jsonschema/1-0-0: listed after 1-0-1: versions of a MODEL are published oldest first',
    );
    // Different MODELs are independent.
    expect(() => publish({ schemas: [v('2-0-0'), v('1-0-0')] })).not.toThrow();
  });

  it('refuses a publication over the size budget, naming the size, the budget and the largest schema', () => {
    const big = { huge: { type: 'string', description: 'x'.repeat(SCHEMA_PUBLICATION_MAX_BYTES) } };
    const schemas = [{ uri: 'iglu:com.example/clicked/jsonschema/1-0-0', text: schemaText('com.example', 'clicked', '1-0-0', big) }];
    expect(() => publish({ schemas })).toThrow(
      new RegExp(`^SchemaPublication clicks: the publication is \\d+ bytes of template JSON, more than the budget of ${SCHEMA_PUBLICATION_MAX_BYTES} bytes .*largest: iglu:com\\.example/clicked/jsonschema/1-0-0 \\(\\d+ bytes\\)`),
    );
  });

  it('refuses to publish nothing', () => {
    expect(() => publish({ schemas: [] })).toThrow('SchemaPublication clicks: nothing to publish (no schema and no catalog entry)');
  });
});

describe('the platform publishes its data products', () => {
  const t = lakeforgeApp();
  const platform = loadPlatform();

  it.each(Object.keys(t.stages))("%s: every declared product publishes every version of its contracts and its catalog entry through the stage's publisher", (stageName) => {
    const stage = t.stages[stageName];
    const published: string[] = [];
    for (const productsStack of stage.products) {
      for (const publication of Object.values(t.template(productsStack.node.path).findResources(SCHEMA_PUBLICATION_RESOURCE_TYPE))) {
        const declaration = platform.products.find((p) => p.name === publication.Properties.Product)!;
        const expected = resolveEventTables(declaration, platform.contractTables).flatMap((c) => c.schemas ?? []);
        expect(publication.Properties.Schemas).toEqual(expected.map((s) => ({ Uri: s.uri, Schema: s.text })));
        expect(JSON.parse(publication.Properties.CatalogEntry)).toMatchObject({
          product: declaration.name,
          owner: declaration.owner,
          domain: declaration.domain,
          freshnessSlaMinutes: declaration.freshnessSlaMinutes,
          consumers: [...declaration.consumers],
          contracts: expected.map((s) => s.uri),
        });
        // The Analytics stack's registry publisher, imported across stacks.
        expect(JSON.stringify(publication.Properties.ServiceToken)).toMatch(new RegExp(`${stage.analytics.stackName}:.*RegistryPublisher.*Arn`));
        published.push(declaration.name);
      }
    }
    expect(published.sort()).toEqual(platform.products.map((p) => p.name).sort());
  });
});

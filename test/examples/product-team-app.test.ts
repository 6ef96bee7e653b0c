import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildProductTeamApp, DEV_TARGET } from '../../examples/product-team-app/app';
import { SCHEMA_PUBLICATION_RESOURCE_TYPE } from '../../lambdas/shared/schema-publication-properties';
import { productRefreshStateMachineName } from '../../lib/constructs/data-product/product-refresh';
import { curatedTable } from '../../lib/marts/curated';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { PLATFORM_PARAMETERS, platformParameterName } from '../../lib/platform/parameter-names';
import { databaseName, stageId, workgroupName } from '../../lib/shared/naming';
import { lakeforgeApp } from '../helpers/app';

const EXAMPLE = path.join(__dirname, '../../examples/product-team-app/app.ts');
const EXAMPLE_CONTRACTS = path.join(__dirname, '../../examples/product-team-app/contracts');
const DYNAMIC_REFERENCE = /\{\{resolve:ssm:([^}]+)\}\}/g;
/** CloudFormation's limit of dynamic references per template (AWS CloudFormation User Guide, "dynamic references"). */
const MAX_DYNAMIC_REFERENCES = 60;

function synthesize(): { template: Template; violations: unknown[] } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-example-'));
  const assembly = buildProductTeamApp(DEV_TARGET, outdir).synth();
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  return {
    template: Template.fromJSON(assembly.getStackByName('CheckoutOrders').template),
    violations: report.pluginReports.flatMap((r: { violations: unknown[] }) => r.violations),
  };
}

describe('the product-team example app', () => {
  const { template, violations } = synthesize();
  const text = JSON.stringify(template.toJSON());

  it('imports Lakeforge only through its public API', () => {
    const imports = [...fs.readFileSync(EXAMPLE, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    const local = imports.filter((i) => i.startsWith('.'));
    expect(local).toEqual(['../../lib']);
  });

  it('synthesizes its data product with zero policy findings', () => {
    expect(violations).toEqual([]);
    const names = Object.values(template.findResources('AWS::Glue::Table')).map((t) => t.Properties.TableInput.Name);
    expect(names).toEqual(['order_placed_v1']);
    const [curated] = Object.values(template.findResources('Custom::LakeforgeIcebergTables'));
    const columns = curated.Properties.Tables[0].Columns.map((c: { Name: string; Type: string }) => `${c.Name}:${c.Type}`);
    expect(columns).toEqual(expect.arrayContaining(['order_id:string', 'customer_id:int', 'amount_cents:bigint', 'currency:string']));
  });

  it('finds the platform through the dev handles, resolved at deploy time', () => {
    const [curated] = Object.values(template.findResources('Custom::LakeforgeIcebergTables'));
    const ref = (key: string) => `{{resolve:ssm:${platformParameterName('dev', key)}}}`;
    expect(curated.Properties.ServiceToken).toBe(ref(PLATFORM_PARAMETERS.tableDdlFunctionArn));
    expect(curated.Properties.Workgroup).toBe(ref(PLATFORM_PARAMETERS.tableDdlWorkgroupName));
    expect(curated.Properties.Tables[0].Database).toBe(ref(PLATFORM_PARAMETERS.curatedDatabaseName));
    const [raw] = Object.values(template.findResources('AWS::Glue::Table'));
    expect(raw.Properties.DatabaseName).toBe(ref(PLATFORM_PARAMETERS.rawDatabaseName));
    expect(raw.Properties.TableInput.Parameters['projection.dt.range']).toBe(`${ref(PLATFORM_PARAMETERS.goLiveDate)},NOW`);
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: [ref(PLATFORM_PARAMETERS.producerPolicyArn)] });
  });

  it('publishes every version of its contracts and its catalog entry through the platform\'s registry publisher, before its tables', () => {
    const ref = (key: string) => `{{resolve:ssm:${platformParameterName('dev', key)}}}`;
    const publications = template.findResources(SCHEMA_PUBLICATION_RESOURCE_TYPE);
    expect(Object.keys(publications)).toHaveLength(1);
    const [[id, publication]] = Object.entries(publications);
    expect(publication.Properties.ServiceToken).toBe(ref(PLATFORM_PARAMETERS.registryPublisherFunctionArn));
    expect(publication.Properties.RegistryBucket).toBe(ref(PLATFORM_PARAMETERS.registryBucketName));
    const declared = readContractTables(EXAMPLE_CONTRACTS).flatMap((t) => t.schemas ?? []);
    expect(publication.Properties.Schemas).toEqual(declared.map((s) => ({ Uri: s.uri, Schema: s.text })));
    const entry = JSON.parse(publication.Properties.CatalogEntry);
    expect(entry).toMatchObject({ product: 'checkout-orders', owner: 'checkout-team', contracts: declared.map((s) => s.uri) });
    // The team's deployment role writes nothing to the registry: no policy of the app names the registry bucket.
    expect(JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'))).not.toContain(PLATFORM_PARAMETERS.registryBucketName);
    for (const type of ['AWS::Glue::Table', 'Custom::LakeforgeIcebergTables']) {
      for (const table of Object.values(template.findResources(type))) expect(table.DependsOn).toContain(id);
    }
  });

  it('refreshes its own curated tables on a schedule, with a freshness alarm per curated table on the platform\'s topic', () => {
    const tables = readContractTables(EXAMPLE_CONTRACTS);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: productRefreshStateMachineName(DEV_TARGET.environment, 'checkout-orders') });
    expect(Object.keys(template.findResources('AWS::Scheduler::Schedule')).length).toBeGreaterThanOrEqual(1);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => JSON.stringify(a.Properties));
    const topic = `{{resolve:ssm:${platformParameterName('dev', PLATFORM_PARAMETERS.alarmTopicArn)}}}`;
    for (const t of tables) {
      const table = curatedTable(t).name.replace(/^curated\./, '');
      const freshness = alarms.filter((a) => a.includes('CuratedFreshness') && a.includes(table));
      expect(freshness.length).toBeGreaterThanOrEqual(1);
      for (const a of freshness) expect(a).toContain(topic);
    }
  });

  it('hard-codes no platform name: every platform value is a dynamic reference to /lakeforge/dev/', () => {
    const references = [...text.matchAll(DYNAMIC_REFERENCE)].map((m) => m[1]);
    expect(references.length).toBeGreaterThan(0);
    for (const name of references) expect(name.startsWith('/lakeforge/dev/')).toBe(true);
    // The names the platform gives its resources (and the placeholders the example used to carry) appear nowhere
    // outside the team's own schema files (published as they are).
    const json = JSON.parse(JSON.stringify(template.toJSON()));
    for (const r of Object.values(json.Resources as Record<string, { Type: string; Properties: { Schemas?: unknown } }>)) {
      if (r.Type === SCHEMA_PUBLICATION_RESOURCE_TYPE) delete r.Properties.Schemas;
    }
    const platformText = JSON.stringify(json);
    for (const literal of [workgroupName('dev', 'platform'), 'Dev-', 'example', ':key/']) {
      expect(platformText).not.toContain(literal);
    }
    // One documented exception: the product's refresh names the environment's Glue databases by the public convention
    // lakeforge_<env>_<zone> in its IAM, as its SQL (an S3 asset, which CloudFormation does not resolve) must.
    for (const zone of ['raw', 'curated'] as const) {
      const occurrences = JSON.stringify(json).split(databaseName('dev', zone)).length - 1;
      const inRefresh = JSON.stringify(Object.fromEntries(Object.entries(json.Resources as Record<string, unknown>).filter(([id]) => id.includes('Refresh')))).split(databaseName('dev', zone)).length - 1;
      expect(occurrences).toBe(inRefresh);
    }
    // No CloudFormation parameters either (valueForStringParameter would add one per handle).
    expect(Object.keys(template.toJSON().Parameters ?? {})).toEqual(['BootstrapVersion']);
  });

  it('stays within CloudFormation limits of dynamic references: at most 60, none under Fn::Split', () => {
    expect([...text.matchAll(DYNAMIC_REFERENCE)].length).toBeLessThanOrEqual(MAX_DYNAMIC_REFERENCES);
    // CloudFormation runs Fn::Split before it resolves a dynamic reference (aws/aws-cdk#14476): a split handle is wrong at deploy time.
    const splits = JSON.stringify(findAll(template.toJSON(), 'Fn::Split'));
    expect(splits).not.toContain('{{resolve:');
  });

  it('reads only parameters the dev stage writes', () => {
    const written = Object.values(lakeforgeApp().template(`${stageId('dev')}/Handles`).findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name);
    const read = [...new Set([...text.matchAll(DYNAMIC_REFERENCE)].map((m) => m[1]))];
    expect(read.filter((name) => !written.includes(name))).toEqual([]);
  });
});

/** Every value under `key` anywhere in a template. */
function findAll(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((n) => findAll(n, key));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === key ? [v, ...findAll(v, key)] : findAll(v, key)));
}

import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadAllConfigs, type EnvironmentConfig } from '../../config';
import { CONTRACTS_DIR, loadPlatform } from '../../config/platform';
import { MARTS } from '../../config/marts';
import { PRODUCTS } from '../../config/products';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../../lib/app';
import {
  ConsumerReadPolicies,
  estimatePolicyCharacters,
  IAM_MANAGED_POLICY_MAX_CHARACTERS,
  IAM_ROLE_MANAGED_POLICIES_DEFAULT_QUOTA,
} from '../../lib/constructs/data-product/consumer-read-policies';
import { DataProduct } from '../../lib/constructs/data-product/data-product';
import { BATCH_TABLES } from '../../lib/marts/catalog';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { checkProductConsumers, productConsumerProblems } from '../../lib/products/consumers';
import { defineProduct, type ProductDeclaration } from '../../lib/products/declaration';
import { consumerRoleName, workgroupName } from '../../lib/shared/naming';
import { resolveEventTables } from '../../lib/stacks/products-stack';
import { LakeforgeStage } from '../../lib/stages/lakeforge-stage';
import { lakeforgeApp } from '../helpers/app';

const contractTables = readContractTables(CONTRACTS_DIR);
const CONFIGS = loadAllConfigs();

/** The tables a consumer of `p` reads, as patterns of their Glue table ARNs (database imported from the Catalog stack). */
function readableTables(p: ProductDeclaration): RegExp[] {
  const arn = (zone: string, table: string) => new RegExp(`:table/",\{"Fn::ImportValue":"[^"]*Catalog${zone}Database[0-9A-F]+"\},"/${table}"`);
  return [
    ...resolveEventTables(p, contractTables).map((t) => arn('Curated', t.tableName)),
    ...p.batchTables.map((b) => arn('Raw', b)),
    ...MARTS.filter((m) => m.product === p.name).map((m) => arn('Marts', m.name)),
  ];
}

/** The logical id of the consumer role named `roleName` in the analytics template. */
function roleLogicalId(analytics: Template, roleName: string): string {
  const roles = analytics.findResources('AWS::IAM::Role', { Properties: { RoleName: roleName } });
  expect(Object.keys(roles)).toHaveLength(1);
  return Object.keys(roles)[0];
}

/** The logical ids (in the analytics template) of the roles a managed policy of another stack is attached to. */
function attachedRoles(policy: { Properties: { Roles: unknown[] } }, analytics: Template): string[] {
  const outputs = analytics.toJSON().Outputs as Record<string, { Value: { Ref?: string }; Export: { Name: string } }>;
  return policy.Properties.Roles.map((r) => {
    const name = (r as { 'Fn::ImportValue'?: string })['Fn::ImportValue'];
    const output = Object.values(outputs).find((o) => o.Export.Name === name);
    return output?.Value.Ref ?? String(r);
  });
}

/** The read policy documents attached to a role, over every products stack of the stage, as JSON text. */
function readPolicies(env: EnvironmentConfig, roleId: string): string[] {
  const t = lakeforgeApp();
  const stage = t.stages[env.name.charAt(0).toUpperCase() + env.name.slice(1)];
  const analytics = t.template(stage.analytics.node.path);
  return stage.products.flatMap((s) =>
    Object.values(t.template(s.node.path).findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => attachedRoles(p as { Properties: { Roles: unknown[] } }, analytics).includes(roleId))
      .map((p) => JSON.stringify(p.Properties.PolicyDocument)),
  );
}

describe('consumer grants in the synthesized stages', () => {
  const cases = CONFIGS.flatMap((env) =>
    PRODUCTS.flatMap((p) => p.consumers.filter((c) => c in env.analytics.consumers).map((c): [string, string, string, EnvironmentConfig, ProductDeclaration] => [env.name, c, p.name, env, p])),
  );

  it('has a case for every consumer a product names in an environment that defines it', () => {
    expect(cases.length).toBeGreaterThan(0);
    expect(new Set(cases.map(([, c]) => c))).toEqual(new Set(PRODUCTS.flatMap((p) => p.consumers)));
  });

  it.each(cases)('%s: consumer %s reads %s: its curated tables, batch tables and marts, and the lake key', (_env, consumer, _product, env, p) => {
    const analytics = lakeforgeApp().template(lakeforgeApp().stages[_env.charAt(0).toUpperCase() + _env.slice(1)].analytics.node.path);
    const roleId = roleLogicalId(analytics, consumerRoleName(env.name, consumer));
    const docs = readPolicies(env, roleId).filter((d) => readableTables(p).every((t) => t.test(d)));
    expect(docs).toHaveLength(1);
    expect(docs[0]).toContain('kms:Decrypt');
    expect(docs[0]).toContain('s3:GetObject');
    expect(docs[0]).not.toMatch(/"(glue:(Create|Update|Delete)|s3:(Put|Delete))/);
  });

  it.each(CONFIGS.flatMap((env) => Object.entries(env.analytics.consumers).map(([name, c]): [string, string, string, EnvironmentConfig] => [env.name, name, c.workgroup, env])))(
    '%s: consumer %s may query in its workgroup %s',
    (_env, consumer, workgroup, env) => {
      const t = lakeforgeApp();
      const analytics = t.template(t.stages[_env.charAt(0).toUpperCase() + _env.slice(1)].analytics.node.path);
      const roleId = roleLogicalId(analytics, consumerRoleName(env.name, consumer));
      const policies = Object.values(analytics.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
        (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
      );
      const doc = JSON.stringify(policies.map((p) => p.Properties.PolicyDocument));
      expect(doc).toContain(`workgroup/${workgroupName(env.name, workgroup)}`);
      expect(doc).toContain('athena:StartQueryExecution');
    },
  );

  it('grants nothing to a consumer in an environment that does not define it', () => {
    for (const env of CONFIGS) {
      const t = lakeforgeApp();
      const stage = t.stages[env.name.charAt(0).toUpperCase() + env.name.slice(1)];
      const undefinedHere = PRODUCTS.flatMap((p) => p.consumers).filter((c) => !(c in env.analytics.consumers));
      for (const consumer of undefinedHere) {
        for (const s of stage.products) expect(Object.keys(s.consumerGrants)).not.toContain(consumer);
        expect(t.template(stage.analytics.node.path).findResources('AWS::IAM::Role', { Properties: { RoleName: consumerRoleName(env.name, consumer) } })).toEqual({});
      }
    }
  });

  it('attaches the read policies to an existing role given by roleArn, creating no role for it', () => {
    const [dev] = CONFIGS;
    const roleArn = `arn:aws:iam::${dev.account}:role/analytics/team-analysts`;
    const config = { ...dev, analytics: { ...dev.analytics, consumers: { ...dev.analytics.consumers, analysts: { workgroup: 'analysts', roleArn } } } };
    const app = new App({ context: LAKEFORGE_APP_CONTEXT });
    const [stage] = addLakeforgeStages(app, [config, ...CONFIGS.slice(1)], loadPlatform());
    const readers = PRODUCTS.filter((p) => p.consumers.includes('analysts'));
    const attached = stage.products.flatMap((s) =>
      Object.values(Stack.of(s).resolve(Object.values(s.consumerGrants).flatMap((g) => g.policies.map((p) => (p.node.defaultChild as iam.CfnManagedPolicy).roles)))),
    );
    expect(readers.length).toBeGreaterThan(0);
    expect(attached.flat()).toContain('team-analysts');
    expect(Object.keys(stage.analytics.consumers)).toContain('analysts');
    expect(Template.fromStack(stage.analytics).findResources('AWS::IAM::Role', { Properties: { RoleName: consumerRoleName(dev.name, 'analysts') } })).toEqual({});
    expect(JSON.stringify(Stack.of(stage.analytics).resolve(stage.analytics.consumers.analysts.role.roleArn))).toContain('team-analysts');
  });
});

describe('the managed policies quota of a consumer role', () => {
  it('warns when a consumer would get more managed policies than IAM allows a role by default', () => {
    const [dev] = CONFIGS;
    const base = loadPlatform();
    const batch = base.products.find((p) => p.batchTables.length > 0)!.batchTables[0];
    // One products stack per domain, each with one read policy for analysts, plus the workgroup policy.
    const products = Array.from({ length: IAM_ROLE_MANAGED_POLICIES_DEFAULT_QUOTA }, (_, i) =>
      defineProduct({ name: `quota-product-${i}`, owner: 'team', description: 'A product of its own domain.', domain: `quota${i}`, batchTables: [batch], classification: { level: 'internal' }, freshnessSlaMinutes: 60, consumers: ['analysts'] }),
    );
    const stage = new LakeforgeStage(new App({ context: LAKEFORGE_APP_CONTEXT }), 'Dev', { config: dev, platform: { ...base, products, marts: [] } });
    const warnings = stage.analytics.consumers.analysts.node.metadata.filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings.join('\n')).toMatch(new RegExp(`Consumer "analysts" gets ${IAM_ROLE_MANAGED_POLICIES_DEFAULT_QUOTA + 1} managed policies .* more than IAM's default quota of ${IAM_ROLE_MANAGED_POLICIES_DEFAULT_QUOTA} per role`));
    expect(lakeforgeApp().stages.Dev.analytics.consumers.analysts.node.metadata.filter((m) => m.type === 'aws:cdk:warning')).toEqual([]);
  });
});

describe('unknown consumers', () => {
  const known = [...new Set(CONFIGS.flatMap((c) => Object.keys(c.analytics.consumers)))].sort();
  const typo = `${known[known.length - 1]}x`;
  const product = (consumers: string[]) =>
    defineProduct(
      { ...withoutSource(PRODUCTS[0]), consumers, classification: { ...PRODUCTS[0].classification, piiColumns: [...PRODUCTS[0].classification.piiColumns] } },
      'config/products/viewer-engagement.ts',
    );
  function withoutSource(p: ProductDeclaration) {
    const { source: _source, ...rest } = p;
    return { ...rest, contracts: [...rest.contracts], batchTables: [...rest.batchTables] };
  }

  it('fails synth with one line naming the declaration file, the field and the defined consumers', () => {
    const platform = { ...loadPlatform(), products: [product([known[0], typo])] };
    expect(() => addLakeforgeStages(new App({ context: LAKEFORGE_APP_CONTEXT }), CONFIGS, platform)).toThrow(
      `config/products/viewer-engagement.ts: consumers.1: "${typo}" is not a consumer defined in config (${known.join(', ')}), did you mean "${known[known.length - 1]}"?`,
    );
  });

  it('accepts a consumer only some environments define', () => {
    const some = known.find((c) => CONFIGS.some((e) => !(c in e.analytics.consumers)));
    expect(some).toBeDefined();
    expect(() => checkProductConsumers([product([some!])], CONFIGS.flatMap((c) => Object.keys(c.analytics.consumers)))).not.toThrow();
  });

  it('reports every unknown consumer on its own line, without a hint when nothing is close', () => {
    expect(productConsumerProblems([product(['zzzzzzzz', 'qqqqqqqq'])], known)).toEqual([
      `config/products/viewer-engagement.ts: consumers.0: "zzzzzzzz" is not a consumer defined in config (${known.join(', ')})`,
      `config/products/viewer-engagement.ts: consumers.1: "qqqqqqqq" is not a consumer defined in config (${known.join(', ')})`,
    ]);
  });
});

describe('ConsumerReadPolicies', () => {
  function products(count: number) {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key');
    const common = {
      owner: 'team',
      description: 'A product for the size test.',
      domain: 'test',
      classification: 'internal',
      freshnessSla: Duration.hours(1),
      rawDatabase: new glue.Database(stack, 'RawDb', { databaseName: 'lakeforge_test_raw' }),
      curatedDatabase: new glue.Database(stack, 'CuratedDb', { databaseName: 'lakeforge_test_curated' }),
      rawBucket: new s3.Bucket(stack, 'Raw', { encryptionKey: key }),
      curatedBucket: new s3.Bucket(stack, 'Curated', { encryptionKey: key }),
      encryptionKey: key,
      projectionStartDate: '2024-01-01',
    };
    const list = Array.from({ length: count }, (_, i) => new DataProduct(stack, `P${i}`, { ...common, productName: `product-${i}`, batchTables: [...BATCH_TABLES] }));
    const role = new iam.Role(stack, 'Consumer', { assumedBy: new iam.AccountRootPrincipal() });
    return { stack, list, role };
  }

  it('packs the products into one policy when they fit, with statement ids unique per product', () => {
    const { stack, list, role } = products(2);
    const grants = new ConsumerReadPolicies(stack, 'Read', { consumerName: 'analysts', role, products: list });
    expect(grants.policies).toHaveLength(1);
    const sids = (stack.resolve((grants.policies[0].node.defaultChild as iam.CfnManagedPolicy).policyDocument).Statement as Array<{ Sid?: string }>)
      .map((s) => s.Sid)
      .filter((s) => s !== undefined);
    expect(new Set(sids).size).toBe(sids.length);
  });

  it('splits into several policies when one would exceed the size limit, each within it and each product in one', () => {
    const count = 40;
    const { stack, list, role } = products(count);
    const grants = new ConsumerReadPolicies(stack, 'Read', { consumerName: 'analysts', role, products: list });
    expect(grants.policies.length).toBeGreaterThan(1);
    for (const policy of grants.policies) {
      expect(estimatePolicyCharacters(stack, policy.document)).toBeLessThanOrEqual(IAM_MANAGED_POLICY_MAX_CHARACTERS);
    }
    const described = grants.policies.map((p) => (p.node.defaultChild as iam.CfnManagedPolicy).description!).join(',');
    for (const p of list) expect(described.split(new RegExp(`\\b${p.productName}\\b`)).length - 1).toBe(1);
  });

  it('fails when one product alone does not fit a policy', () => {
    const { stack, list, role } = products(1);
    expect(() => new ConsumerReadPolicies(stack, 'Read', { consumerName: 'analysts', role, products: list, maxPolicyCharacters: 100 })).toThrow(
      /read statements of data product "product-0" alone take about \d+ characters, more than an IAM managed policy holds \(100\)/,
    );
  });
});

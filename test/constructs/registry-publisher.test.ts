import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { REGISTRY_SCHEMAS_PREFIX } from '../../lambdas/shared/env';
import { REGISTRY_CATALOG_PREFIX, REGISTRY_PUBLISHER_SERVICE_NAME, SCHEMA_PUBLICATION_RESOURCE_TYPE } from '../../lambdas/shared/schema-publication-properties';
import { RegistryPublisherFunction } from '../../lib/constructs/catalog/registry-publisher-function';
import { SchemaPublication } from '../../lib/constructs/catalog/schema-publication';
import { registerPolicyPacks } from '../../lib/governance/policy-packs';
import { registryPublisherRoleName } from '../../lib/shared/naming';
import { synthesizeApp } from '../../tools/synth';
import { lakeforgeApp } from '../helpers/app';

function setup(app = new App()) {
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const registryBucket = new s3.Bucket(stack, 'Registry', { encryptionKey: key });
  const publisher = new RegistryPublisherFunction(stack, 'RegistryPublisher', {
    environmentName: 'test',
    registryBucket,
    encryptionKey: key,
    logRetention: logs.RetentionDays.ONE_MONTH,
  });
  return { stack, publisher, registryBucket };
}

type Statement = { Sid: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };

describe('RegistryPublisherFunction', () => {
  const { stack } = setup();
  const template = Template.fromStack(stack);
  const statements: Statement[] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
  const statement = (sid: string) => statements.find((s) => s.Sid === sid)!;
  const registryArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Registry'), 'Arn'] };

  it('runs on the pinned runtime on ARM64, as the publisher service, with its own KMS-encrypted log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: REGISTRY_PUBLISHER_SERVICE_NAME }) },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^RegistryPublisherRegistryPublisherLogGroup') } }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), RetentionInDays: 30 });
  });

  it('has a role with the fixed name the registry bucket policy names', () => {
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: registryPublisherRoleName('test') });
    expect(registryPublisherRoleName('test')).toBe('lakeforge-test-registry-publisher');
  });

  it('may read and write (never delete) only the schemas and product catalog prefixes of the registry', () => {
    expect(statement('ReadAndPublish').Action).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(stack.resolve(statement('ReadAndPublish').Resource)).toEqual(
      [REGISTRY_SCHEMAS_PREFIX, REGISTRY_CATALOG_PREFIX].map((p) => ({ 'Fn::Join': ['', [expect.objectContaining({ 'Fn::GetAtt': [expect.stringMatching(/^Registry/), 'Arn'] }), `/${p}*`]] })),
    );
    expect(JSON.stringify(statements)).not.toMatch(/Delete|"s3:\*"|"kms:\*"/);
  });

  it('may list the registry bucket only under those prefixes', () => {
    expect(statement('ListPublished')).toMatchObject({
      Action: 's3:ListBucket',
      Condition: { StringLike: { 's3:prefix': [`${REGISTRY_SCHEMAS_PREFIX}*`, `${REGISTRY_CATALOG_PREFIX}*`] } },
    });
    expect(Match.objectLike(registryArn).test(statement('ListPublished').Resource).isSuccess).toBe(true);
  });

  it('may encrypt and decrypt with the lake key', () => {
    expect(statement('UseLakeKey').Action).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(statement('UseLakeKey').Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] });
  });

  it('is allowed nothing through grants: the role has exactly one managed policy and no inline policy', () => {
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('serves SchemaPublication resources with its ARN and its registry bucket', () => {
    const { stack, publisher } = setup();
    new SchemaPublication(stack, 'Publication', {
      registry: publisher,
      product: 'clicks',
      schemas: [],
      catalogEntry: { product: 'clicks', owner: 'o', domain: 'd', description: 'x', classification: 'internal', piiColumns: [], freshnessSlaMinutes: 5, tables: [], contracts: [] },
    });
    Template.fromStack(stack).hasResourceProperties(SCHEMA_PUBLICATION_RESOURCE_TYPE, {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryPublisherRegistryPublisherFunction'), 'Arn'] },
      RegistryBucket: { Ref: Match.stringLikeRegexp('^Registry') },
    });
  });

  it('has zero unacknowledged findings across the four policy packs', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-publisher-')) });
    // The fixture keeps its logs a month, as dev/acc do: Control Tower's one-year minimum is acknowledged for that retention.
    registerPolicyPacks(app, { logRetentionDays: 30 });
    setup(app);
    const result = synthesizeApp(app);
    expect(result.findings.filter((f) => f.path.includes('/RegistryPublisher/'))).toEqual([]);
  });
});

describe('every stage', () => {
  const t = lakeforgeApp();

  it.each(Object.keys(t.stages))('%s: has one registry publisher in its Analytics stack, whose role the registry bucket policy names as its only writer', (stageName) => {
    const stage = t.stages[stageName];
    const environmentName = stageName.toLowerCase();
    t.template(stage.analytics.node.path).hasResourceProperties('AWS::IAM::Role', { RoleName: registryPublisherRoleName(environmentName) });
    const policies = Object.values(t.template(stage.storage.node.path).findResources('AWS::S3::BucketPolicy'));
    const guard = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).find((s: { Sid?: string }) => s.Sid === 'RegistryWritesOnlyByPublisher');
    const writers = JSON.stringify(guard.Condition.ArnNotLike['aws:PrincipalArn']);
    expect(writers).toContain(`:role/${registryPublisherRoleName(environmentName)}`);
    expect(writers).not.toContain('cfn-exec-role');
  });
});

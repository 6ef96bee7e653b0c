import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ATHENA_ENGINE_VERSION, QueryWorkgroup } from '../../lib/constructs/analytics/query-workgroup';
import { consumerRoleName, workgroupName } from '../../lib/shared/naming';
import { AnalyticsStack } from '../../lib/stacks/analytics-stack';

function setup(cutoff = 1024 ** 3) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key');
  const bucket = new s3.Bucket(stack, 'Results', { encryptionKey: key });
  const wg = new QueryWorkgroup(stack, 'Analysts', {
    workgroupName: 'lakeforge-test-analysts',
    description: 'test',
    resultsBucket: bucket,
    encryptionKey: key,
    bytesScannedCutoffPerQuery: cutoff,
  });
  return { stack, wg, key };
}

describe('QueryWorkgroup', () => {
  it('enforces engine v3, KMS-encrypted results, metrics and the bytes-scanned cutoff', () => {
    const { stack } = setup(2 * 1024 ** 3);
    Template.fromStack(stack).hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'lakeforge-test-analysts',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: ATHENA_ENGINE_VERSION },
        PublishCloudWatchMetricsEnabled: true,
        RequesterPaysEnabled: false,
        BytesScannedCutoffPerQuery: 2 * 1024 ** 3,
        ResultConfiguration: {
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
          ExpectedBucketOwner: '123456789012',
          OutputLocation: Match.anyValue(),
        },
      },
    });
  });

  it('keeps the workgroup and its history by default', () => {
    const { stack } = setup();
    Template.fromStack(stack).hasResource('AWS::Athena::WorkGroup', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ RecursiveDeleteOption: false }),
    });
  });

  it.each([0, 9_999_999, 15_000_000.5])('fails when the bytes-scanned cutoff is %d', (cutoff) => {
    expect(() => setup(cutoff)).toThrow(/bytesScannedCutoffPerQuery must be a whole number ≥ 10000000 bytes \(10 MB\)/);
  });

  it('grants query actions on the workgroup only, plus its results prefix and key', () => {
    const { stack, wg } = setup();
    const role = new iam.Role(stack, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    wg.grantUse(role);
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement;
    const athena = statements.find((s: { Action: string[] }) => s.Action.includes('athena:StartQueryExecution'));
    expect(athena.Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':athena:eu-west-1:123456789012:workgroup/lakeforge-test-analysts']],
    });
    expect(statements.some((s: { Action: string[]; Resource: unknown }) => s.Action.includes('s3:PutObject') && JSON.stringify(s.Resource).includes('/lakeforge-test-analysts/*'))).toBe(true);
    expect(statements.some((s: { Action: string[] }) => s.Action.includes('kms:Decrypt'))).toBe(true);
  });
});

describe('QueryWorkgroup.useStatements', () => {
  it('names every action explicitly and no resource wider than the results prefix', () => {
    const { stack, wg } = setup();
    const statements = wg.useStatements().map((s) => stack.resolve(s.toStatementJson()));
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['athena:StartQueryExecution', 's3:PutObject', 'kms:GenerateDataKey']));
    const wildcards = statements.flatMap((s) => [s.Resource].flat()).filter((r) => JSON.stringify(r).includes('*'));
    expect(wildcards).toEqual([stack.resolve(wg.resultsObjectArn())]);
  });
});

describe('AnalyticsStack consumers', () => {
  function analytics(consumers: Record<string, { workgroup?: string; roleArn?: string; assumedBy?: string[] }>, extraWorkgroups: string[] = []) {
    const app = new App();
    const env = { account: '123456789012', region: 'eu-west-1' };
    const storage = new Stack(app, 'Storage', { env });
    const key = new kms.Key(storage, 'Key');
    const bucket = (id: string) => new s3.Bucket(storage, id, { encryptionKey: key });
    const stack = new AnalyticsStack(app, 'Analytics', {
      env,
      environmentName: 'test',
      analytics: {
        bytesScannedCutoffPerQuery: 1024 ** 3,
        platformBytesScannedCutoffPerQuery: 1024 ** 3,
        extraWorkgroups,
        consumers: Object.fromEntries(Object.entries(consumers).map(([n, c]) => [n, { ...c, workgroup: c.workgroup ?? n }])),
      },
      resultsBucket: bucket('Results'),
      encryptionKey: key,
      curatedBucket: bucket('Curated'),
      registryBucket: bucket('Registry'),
      martsBucket: bucket('Marts'),
      logRetention: 14,
      allowDestroy: false,
    });
    return { stack, template: Template.fromStack(stack) };
  }

  it('creates lakeforge-<env>-<consumer>, assumable by the environment account by default, with a policy to query in its workgroup', () => {
    const { template } = analytics({ analysts: {} });
    const roles = template.findResources('AWS::IAM::Role', { Properties: { RoleName: consumerRoleName('test', 'analysts') } });
    expect(Object.keys(roles)).toHaveLength(1);
    const [roleId] = Object.keys(roles);
    expect(JSON.stringify(roles[roleId].Properties.AssumeRolePolicyDocument)).toContain(':iam::123456789012:root');
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy', { Properties: { Roles: [{ Ref: roleId }] } }));
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain(`workgroup/${workgroupName('test', 'analysts')}`);
  });

  it('trusts only the assumedBy principals when given', () => {
    const principal = 'arn:aws:iam::123456789012:role/sso-analysts';
    const { template } = analytics({ analysts: { assumedBy: [principal] } });
    const [role] = Object.values(template.findResources('AWS::IAM::Role', { Properties: { RoleName: consumerRoleName('test', 'analysts') } }));
    const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
    expect(trust).toContain(principal);
    expect(trust).not.toContain(':root');
  });

  it('creates no role for a consumer with an existing roleArn, and attaches its workgroup policy to that role', () => {
    const { template } = analytics({ bi: { roleArn: 'arn:aws:iam::123456789012:role/bi-tool' } }, ['bi']);
    expect(template.findResources('AWS::IAM::Role', { Properties: { RoleName: consumerRoleName('test', 'bi') } })).toEqual({});
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['bi-tool'] });
  });

  it('fails when a consumer names the platform workgroup', () => {
    expect(() => analytics({ ops: { workgroup: 'platform' } })).toThrow(/analytics\.consumers\.ops\.workgroup: "platform" is not a consumer workgroup \(analysts\)/);
  });
});

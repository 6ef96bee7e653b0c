import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ATHENA_ENGINE_VERSION, QueryWorkgroup } from '../../lib/constructs/analytics/query-workgroup';

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

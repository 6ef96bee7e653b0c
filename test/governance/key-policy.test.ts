import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CatalogEncryption } from '../../lib/constructs/catalog/catalog-encryption';
import { LakeStorage } from '../../lib/constructs/storage/lake-storage';
import { DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES_SID } from '../../lib/governance/key-policy';
import { registryPublisherRoleName } from '../../lib/shared/naming';

const env = { account: '123456789012', region: 'eu-west-1' };
const lifecycle = { noncurrentVersionExpireAfterDays: 30 };

/** The CreateGrant statement AWS Control Tower CT.KMS.PR.3 requires (AWS KMS Developer Guide, "Controlling access to grants"). */
const expectedStatement = {
  Sid: DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES_SID,
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: 'kms:CreateGrant',
  Resource: '*',
  Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
};

function keyStatements(stack: Stack): unknown[][] {
  return Object.values(Template.fromStack(stack).findResources('AWS::KMS::Key')).map((k) => k.Properties.KeyPolicy.Statement as unknown[]);
}

describe('KMS key policies', () => {
  it('the lake key lets only AWS services create grants (kms:GrantIsForAWSResource)', () => {
    const stack = new Stack(new App(), 'Storage', { env });
    new LakeStorage(stack, 'Lake', {
      lifecycle: { raw: lifecycle, curated: lifecycle, marts: lifecycle, quarantine: lifecycle, athenaResults: lifecycle, accessLogs: lifecycle },
      keyPendingWindow: Duration.days(7),
      registryPublisherRoleName: registryPublisherRoleName('test'),
    });
    const [statements] = keyStatements(stack);
    expect(statements).toContainEqual(expectedStatement);
  });

  it('the catalog key lets only AWS services create grants (kms:GrantIsForAWSResource)', () => {
    const stack = new Stack(new App(), 'Catalog', { env });
    new CatalogEncryption(stack, 'Enc');
    const [statements] = keyStatements(stack);
    expect(statements).toContainEqual(expectedStatement);
  });
});

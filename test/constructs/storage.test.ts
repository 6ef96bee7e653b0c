import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LakeStorage, LakeZone, REGISTRY_SCHEMAS_PREFIX, renderRegistryWriteGuard } from '../../lib/constructs/storage/lake-storage';
import { SecureBucket } from '../../lib/constructs/storage/secure-bucket';
import { registryPublisherRoleName } from '../../lib/shared/naming';

const lifecycle = { noncurrentVersionExpireAfterDays: 30 };
const lifecycles = {
  raw: { intelligentTieringAfterDays: 30, noncurrentVersionExpireAfterDays: 30 },
  curated: lifecycle,
  marts: lifecycle,
  quarantine: { expireAfterDays: 365, noncurrentVersionExpireAfterDays: 30 },
  athenaResults: { expireAfterDays: 30, noncurrentVersionExpireAfterDays: 7 },
  accessLogs: { expireAfterDays: 400, noncurrentVersionExpireAfterDays: 30 },
};

function lake(allowDestroy = false) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const storage = new LakeStorage(stack, 'Lake', {
    lifecycle: lifecycles,
    allowDestroy,
    keyPendingWindow: Duration.days(7),
    registryPublisherRoleName: registryPublisherRoleName('test'),
  });
  return {
    stack,
    storage,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

const zoneBuckets = ['Raw', 'Curated', 'Marts', 'Quarantine', 'AthenaResults', 'Registry'];

function bucketResource(template: Template, id: string) {
  const all = template.findResources('AWS::S3::Bucket');
  const entry = Object.entries(all).find(([logicalId]) => logicalId.startsWith(`Lake${id}Bucket`));
  if (!entry) throw new Error(`no bucket ${id}`);
  return entry[1];
}

describe('LakeStorage', () => {
  it('creates one customer-managed key with rotation', () => {
    const { template } = lake();
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, PendingWindowInDays: 7 });
  });

  it('creates a bucket per zone, the contract registry and the access logs', () => {
    lake().template.resourceCountIs('AWS::S3::Bucket', zoneBuckets.length + 1);
  });

  it.each(zoneBuckets)('encrypts the %s bucket with the lake key and a bucket key', (id) => {
    const { template, stack, storage } = lake();
    const keyId = stack.getLogicalId(storage.key.node.defaultChild as never);
    expect(bucketResource(template, id).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        },
      ],
    });
  });

  it.each(zoneBuckets)('logs access to the %s bucket into the access-logs bucket', (id) => {
    const props = bucketResource(lake().template, id).Properties;
    expect(props.LoggingConfiguration.DestinationBucketName.Ref).toMatch(/^LakeAccessLogsBucket/);
    expect(props.LoggingConfiguration.LogFilePrefix).toBe(`${id.toLowerCase()}/`);
  });

  it.each([...zoneBuckets, 'AccessLogs'])('blocks public access, enforces object ownership and versions the %s bucket', (id) => {
    const props = bucketResource(lake().template, id).Properties;
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.AccessControl).toBeUndefined();
  });

  it('denies every request without TLS and below TLS 1.2 on every bucket', () => {
    const { template } = lake();
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(zoneBuckets.length + 1);
    for (const policy of policies) {
      const statements = policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>;
      expect(statements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      );
    }
  });

  it('encrypts the access-logs bucket with SSE-S3, the only encryption S3 log delivery supports', () => {
    expect(bucketResource(lake().template, 'AccessLogs').Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('applies the lifecycle of each zone', () => {
    const { template } = lake();
    expect(bucketResource(template, 'Raw').Properties.LifecycleConfiguration.Rules[0]).toMatchObject({
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 30 }],
    });
    expect(bucketResource(template, 'Quarantine').Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(365);
    expect(bucketResource(template, 'Raw').Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBeUndefined();
  });

  it('retains buckets and the key by default', () => {
    const { template } = lake();
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      for (const r of Object.values(template.findResources(type))) {
        expect(r.DeletionPolicy).toBe('Retain');
        expect(r.UpdateReplacePolicy).toBe('Retain');
      }
    }
  });

  it('destroys buckets and the key when destruction is allowed, with a warning and without an auto-delete custom resource', () => {
    const { template, stack } = lake(true);
    for (const r of Object.values(template.findResources('AWS::S3::Bucket'))) expect(r.DeletionPolicy).toBe('Delete');
    expect(Object.keys(template.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(0);
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:warning'));
    expect(warnings.map((w) => String(w.data))).toEqual(expect.arrayContaining([expect.stringMatching(/Data destruction is allowed/)]));
  });

  it('grants read on one zone prefix with decrypt on the lake key', () => {
    const { stack, storage } = lake();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('athena.amazonaws.com') });
    storage.grantRead(role, LakeZone.MARTS, 'daily_engagement/');
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['s3:GetObject*']),
            Resource: Match.arrayWith([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^LakeMartsBucket'), 'Arn'] }, '/daily_engagement/*']] }]),
          }),
          Match.objectLike({ Action: Match.arrayWith(['kms:Decrypt']) }),
        ]),
      },
    });
  });
});

describe('LakeStorage contract registry', () => {
  function registryPolicyStatements(template: Template): Array<Record<string, any>> {
    const policy = Object.values(template.findResources('AWS::S3::BucketPolicy')).find((p) => String(p.Properties.Bucket.Ref).startsWith('LakeRegistryBucket'));
    if (!policy) throw new Error('no registry bucket policy');
    return policy.Properties.PolicyDocument.Statement;
  }

  it('denies object writes and deletes to every principal but the registry publisher role (not the CDK execution role)', () => {
    const statements = registryPolicyStatements(lake().template);
    const guard = statements.find((s) => s.Sid === 'RegistryWritesOnlyByPublisher');
    expect(guard).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^LakeRegistryBucket/), 'Arn'] }, '/*']] },
    });
    expect(guard!.Condition.ArnNotLike['aws:PrincipalArn']).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::123456789012:role/${registryPublisherRoleName('test')}`]] },
    ]);
    expect(JSON.stringify(guard)).not.toContain('cfn-exec-role');
    // No statement of the registry bucket allows anything.
    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([]);
  });

  it('adds the configured writer ARN patterns to the write guard', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    new LakeStorage(stack, 'Lake', { lifecycle: lifecycles, registryWriterArnPatterns: ['arn:aws:iam::123456789012:role/publisher-*'] });
    const guard = registryPolicyStatements(Template.fromStack(stack)).find((s) => s.Sid === 'RegistryWritesOnlyByPublisher');
    expect(guard!.Condition.ArnNotLike['aws:PrincipalArn']).toContain('arn:aws:iam::123456789012:role/publisher-*');
  });

  it('refuses a registry without any writer, naming both props', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(() => new LakeStorage(stack, 'Lake', { lifecycle: lifecycles })).toThrow(
      'LakeStorage: the registry needs at least one writer (registryPublisherRoleName or registryWriterArnPatterns)',
    );
  });

  it('never expires current schema objects by default', () => {
    const rule = bucketResource(lake().template, 'Registry').Properties.LifecycleConfiguration.Rules[0];
    expect(rule.ExpirationInDays).toBeUndefined();
    expect(rule.NoncurrentVersionExpiration).toBeDefined();
  });

  it('grants a reader GetObject on schemas/* only, ListBucket on the bucket and decrypt on the lake key', () => {
    const { stack, storage } = lake();
    const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    storage.grantRegistryRead(role);
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
    const get = statements.find((s) => s.Action === 's3:GetObject')!;
    expect(get.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^LakeRegistryBucket/), 'Arn'] }, `/${REGISTRY_SCHEMAS_PREFIX}*`]] });
    const list = statements.find((s) => s.Action === 's3:ListBucket')!;
    expect(list.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^LakeRegistryBucket/), 'Arn'] });
  });

  it('refuses an empty writer list', () => {
    const stack = new Stack();
    const bucket = new SecureBucket(stack, 'B', { lifecycle }).bucket;
    expect(() => renderRegistryWriteGuard(bucket, [])).toThrow(/at least one writer/);
  });

  it('refuses a writer pattern that is not an ARN, naming the prop and the value', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(() => new LakeStorage(stack, 'Lake', { lifecycle: lifecycles, registryWriterArnPatterns: ['publisher-role'] })).toThrow(
      'LakeStorage: registryWriterArnPatterns must hold IAM ARN patterns (arn:<partition>:iam::<account>:role/<name>), got "publisher-role"',
    );
  });
});

describe('SecureBucket', () => {
  it.each([
    [{ noncurrentVersionExpireAfterDays: 0 }, /noncurrentVersionExpireAfterDays must be a whole number ≥ 1 days, got 0/],
    [{ noncurrentVersionExpireAfterDays: 1, expireAfterDays: 1.5 }, /expireAfterDays must be a whole number/],
    [{ noncurrentVersionExpireAfterDays: 1, expireAfterDays: 10, intelligentTieringAfterDays: 30 }, /expireAfterDays \(10\) must be greater than intelligentTieringAfterDays \(30\)/],
  ])('fails when the lifecycle is invalid (%j)', (bad, message) => {
    expect(() => new SecureBucket(new Stack(), 'B', { lifecycle: bad })).toThrow(message);
  });
});

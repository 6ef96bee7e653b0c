import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { KinesisIngestion } from '../../lib/constructs/ingestion/kinesis-ingestion';
import { listAcknowledgements } from '../../lib/governance/acknowledge';
import { REGISTRY_SCHEMAS_PREFIX } from '../../lib/constructs/storage/lake-storage';
import { INGEST_ENV } from '../../lambdas/shared/env';

function setup(overrides: Partial<ConstructorParameters<typeof KinesisIngestion>[2]> = {}, withRegistry = false) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key');
  if (withRegistry) overrides = { ...overrides, registryBucket: new s3.Bucket(stack, 'Registry', { encryptionKey: key }) };
  const raw = new s3.Bucket(stack, 'Raw', { encryptionKey: key });
  const quarantine = new s3.Bucket(stack, 'Quarantine', { encryptionKey: key });
  const ingestion = new KinesisIngestion(stack, 'Ingestion', {
    encryptionKey: key,
    rawBucket: raw,
    quarantineBucket: quarantine,
    shardCount: 3,
    retentionPeriod: Duration.days(7),
    parallelizationFactor: 2,
    retryAttempts: 7,
    maxRecordAge: Duration.hours(6),
    batchSize: 250,
    logRetention: logs.RetentionDays.ONE_MONTH,
    ...overrides,
  });
  return { stack, ingestion, key, template: () => Template.fromStack(stack) };
}

// One bundling for the whole file: NodejsFunction runs esbuild for each construct.
const shared = setup();
const template = shared.template();
const keyId = shared.stack.getLogicalId(shared.key.node.defaultChild as never);

describe('KinesisIngestion', () => {
  it('encrypts the stream with the customer-managed key, set explicitly', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 3,
      RetentionPeriodHours: 168,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });

  it.each<[string, unknown]>([
    ['StartingPosition', 'TRIM_HORIZON'],
    ['FunctionResponseTypes', ['ReportBatchItemFailures']],
    ['BisectBatchOnFunctionError', true],
    ['MaximumRetryAttempts', 7],
    ['MaximumRecordAgeInSeconds', 6 * 3600],
    ['ParallelizationFactor', 2],
    ['BatchSize', 250],
  ])('sets %s on the event source mapping', (property, value) => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { [property]: value });
  });

  it('keeps failed batches with their payload in the quarantine bucket (S3 on-failure destination)', () => {
    const quarantineId = shared.stack.getLogicalId(shared.stack.node.findChild('Quarantine').node.defaultChild as never);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [quarantineId, 'Arn'] } } },
    });
  });

  it('reserves no concurrency by default (new accounts have a quota of 10)', () => {
    expect(shared.ingestion.reservedConcurrency).toBeUndefined();
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('reserves the configured concurrency when set, and then acknowledges no concurrency finding', () => {
    const s = setup({ reservedConcurrency: 6 });
    expect(s.ingestion.reservedConcurrency).toBe(6);
    s.template().hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 6 });
    expect(listAcknowledgements(s.stack).filter((a) => a.ruleId.endsWith('LambdaConcurrency'))).toEqual([]);
  });

  it('acknowledges the concurrency rules, with the quota reason, only while no concurrency is reserved', () => {
    const acks = listAcknowledgements(shared.stack).filter((a) => a.ruleId.endsWith('LambdaConcurrency'));
    expect(acks.map((a) => a.ruleId).sort()).toEqual(['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency']);
    expect(acks[0].reason).toMatch(/quota/);
  });

  it.each([0, 1.5, 10_001])('fails when reservedConcurrency is %p', (n) => {
    expect(() => setup({ reservedConcurrency: n })).toThrow(/reservedConcurrency must be a whole number from 1 to 10000/);
  });

  it('runs a pinned Node.js runtime on ARM64 with source maps and the bucket names in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          RAW_BUCKET: { Ref: Match.stringLikeRegexp('^Raw') },
          QUARANTINE_BUCKET: { Ref: Match.stringLikeRegexp('^Quarantine') },
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^IngestionIngestLogGroup') } },
    });
  });

  it('logs to an explicit log group with retention and the lake key', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  it('gives the function one managed policy: no inline policy, no AWS managed policy', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: [{ Ref: Match.stringLikeRegexp('^IngestionIngestRole') }] });
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('writes only under events/, bad-rows/ and aws/lambda/, and deletes only under events/ and bad-rows/', () => {
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const put = policy.Properties.PolicyDocument.Statement.find((s: { Sid: string }) => s.Sid === 'WriteEventsAndBadRows');
    expect(put.Action).toBe('s3:PutObject');
    const suffixes = put.Resource.map((r: { 'Fn::Join': [string, unknown[]] }) => r['Fn::Join'][1].at(-1));
    expect(suffixes).toEqual(['/events/*', '/bad-rows/*', '/aws/lambda/*']);
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
    const del = policy.Properties.PolicyDocument.Statement.find((s: { Sid: string }) => s.Sid === 'CleanUpBeforeRetry');
    expect(del.Action).toBe('s3:DeleteObject');
    expect(del.Resource.map((r: { 'Fn::Join': [string, unknown[]] }) => r['Fn::Join'][1].at(-1))).toEqual(['/events/*', '/bad-rows/*']);
    expect(actions).not.toContain('s3:DeleteObjectVersion');
  });

  it('grants producers PutRecords on the stream and the key', () => {
    const { stack, ingestion } = setup();
    const producer = new iam.Role(stack, 'Producer', { assumedBy: new iam.AccountRootPrincipal() });
    ingestion.grantProduce(producer);
    const statements = Template.fromStack(stack).toJSON().Resources;
    const policy = Object.values(statements as Record<string, { Type: string; Properties: { Roles?: unknown[]; PolicyDocument: { Statement: Array<{ Action: string[] }> } } }>).find(
      (r) => r.Type === 'AWS::IAM::Policy',
    )!;
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s) => s.Action);
    expect(actions).toEqual(expect.arrayContaining(['kinesis:PutRecord', 'kinesis:PutRecords', 'kms:GenerateDataKey*']));
  });

  it.each<[string, Partial<ConstructorParameters<typeof KinesisIngestion>[2]>, RegExp]>([
    ['retention does not exceed the maximum record age', { retentionPeriod: Duration.days(1), maxRecordAge: Duration.days(1) }, /retentionPeriod \(86400 s\) must exceed maxRecordAge/],
    ['the parallelization factor is above 10', { parallelizationFactor: 11 }, /parallelizationFactor must be a whole number from 1 to 10, got 11/],
    ['the shard count is zero', { shardCount: 0 }, /shardCount must be a whole number from 1 to 500, got 0/],
  ])('fails when %s', (_what, overrides, message) => {
    expect(() => setup(overrides)).toThrow(message);
  });
});

describe('KinesisIngestion with a contract registry', () => {
  const withRegistry = setup({}, true);
  const t = withRegistry.template();
  const statements = (tpl: Template): Array<{ Sid: string; Action: string | string[]; Resource: unknown }> =>
    Object.values(tpl.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
  const registryId = withRegistry.stack.getLogicalId(withRegistry.stack.node.findChild('Registry').node.defaultChild as never);

  it(`names the registry bucket in ${INGEST_ENV.REGISTRY_BUCKET} and reads it from the bucket root (no ${INGEST_ENV.REGISTRY_PREFIX})`, () => {
    const [fn] = Object.values(t.findResources('AWS::Lambda::Function'));
    expect(fn.Properties.Environment.Variables[INGEST_ENV.REGISTRY_BUCKET]).toEqual({ Ref: registryId });
    expect(fn.Properties.Environment.Variables[INGEST_ENV.REGISTRY_PREFIX]).toBeUndefined();
  });

  it('may only read schemas/* and list the registry bucket, nothing else on it', () => {
    const onRegistry = statements(t).filter((s) => JSON.stringify(s.Resource).includes(registryId));
    expect(onRegistry.map((s) => [s.Sid, s.Action, s.Resource])).toEqual([
      ['ReadRegistrySchemas', 's3:GetObject', { 'Fn::Join': ['', [{ 'Fn::GetAtt': [registryId, 'Arn'] }, `/${REGISTRY_SCHEMAS_PREFIX}*`]] }],
      ['RecogniseMissingSchemas', 's3:ListBucket', { 'Fn::GetAtt': [registryId, 'Arn'] }],
    ]);
    // The registry shares the lake key, which the function already decrypts with: no second key statement.
    expect(statements(t).filter((s) => [s.Action].flat().includes('kms:Decrypt'))).toHaveLength(1);
  });

  it('has no registry variable and no registry permission without a registry', () => {
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn.Properties.Environment.Variables[INGEST_ENV.REGISTRY_BUCKET]).toBeUndefined();
    expect(statements(template).map((s) => s.Sid)).not.toEqual(expect.arrayContaining(['ReadRegistrySchemas']));
    expect(statements(template).map((s) => s.Sid)).not.toContain('RecogniseMissingSchemas');
  });
});

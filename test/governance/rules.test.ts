import { App, CustomResource, Duration, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IConstruct } from 'constructs';
import { ICEBERG_TABLES_RESOURCE_TYPE } from '../../lambdas/shared/table-ddl-properties';
import { evaluateLakeforgeRules, LAKEFORGE_RULES, LakeforgeChecks, type LakeforgeRule, type RuleCompliance } from '../../lib/governance/rules';
import { lakeforgeApp } from '../helpers/app';

const ENV = { account: '111111111111', region: 'eu-west-1' };

/** Synthesizes `app` (no plugins) and returns the rule's outcome by construct path, for the resources it applies to. */
function outcomes(app: App, ruleId: string): Record<string, RuleCompliance> {
  app.synth();
  const rule = LAKEFORGE_RULES.find((r) => r.id === ruleId) as LakeforgeRule;
  return Object.fromEntries(evaluateLakeforgeRules(app, [rule]).filter((e) => e.compliance !== 'not_applicable').map((e) => [e.node.node.path, e.compliance]));
}

function workgroup(scope: IConstruct, id: string, config: athena.CfnWorkGroup.WorkGroupConfigurationProperty): void {
  new athena.CfnWorkGroup(scope as Stack, id, { name: id, workGroupConfiguration: config });
}

const GOOD_WORKGROUP: athena.CfnWorkGroup.WorkGroupConfigurationProperty = {
  enforceWorkGroupConfiguration: true,
  bytesScannedCutoffPerQuery: 10_000_000_000,
  resultConfiguration: { encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: 'arn:aws:kms:eu-west-1:111111111111:key/abc' } },
};

describe('Lakeforge rules', () => {
  it.each([
    ['LF-ATHENA-1', { ...GOOD_WORKGROUP, enforceWorkGroupConfiguration: false }],
    ['LF-ATHENA-2', { ...GOOD_WORKGROUP, resultConfiguration: { encryptionConfiguration: { encryptionOption: 'SSE_S3' } } }],
    ['LF-ATHENA-3', { ...GOOD_WORKGROUP, bytesScannedCutoffPerQuery: undefined }],
  ])('%s fails a workgroup that breaks it and passes one that keeps it', (ruleId, bad) => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    workgroup(stack, 'Bad', bad);
    workgroup(stack, 'Good', GOOD_WORKGROUP);
    expect(outcomes(app, ruleId)).toEqual({ 'S/Bad': 'non_compliant', 'S/Good': 'compliant' });
  });

  it('LF-GLUE-1 fails two owners of one account and region across stages, passes one owner per account', () => {
    const app = new App();
    const settings = (stage: string, account: string) =>
      new glue.CfnDataCatalogEncryptionSettings(new Stack(new Stage(app, stage, { env: { ...ENV, account } }), 'Catalog'), 'Encryption', {
        catalogId: account,
        dataCatalogEncryptionSettings: { encryptionAtRest: { catalogEncryptionMode: 'SSE-KMS' } },
      });
    settings('Dev', '111111111111');
    settings('Acc', '111111111111');
    settings('Prod', '333333333333');
    expect(outcomes(app, 'LF-GLUE-1')).toEqual({ 'Dev/Catalog/Encryption': 'non_compliant', 'Acc/Catalog/Encryption': 'non_compliant', 'Prod/Catalog/Encryption': 'compliant' });
  });

  it('LF-RETAIN-1 fails a destroyable bucket in Prod, passes a retained one, and does not apply in Dev', () => {
    const app = new App();
    const prod = new Stack(new Stage(app, 'Prod', { env: ENV }), 'Storage');
    new s3.Bucket(prod, 'Destroyed', { removalPolicy: RemovalPolicy.DESTROY });
    new s3.Bucket(prod, 'Retained', { removalPolicy: RemovalPolicy.RETAIN });
    new s3.Bucket(new Stack(new Stage(app, 'Dev', { env: ENV }), 'Storage'), 'Destroyed', { removalPolicy: RemovalPolicy.DESTROY });
    expect(outcomes(app, 'LF-RETAIN-1')).toEqual({ 'Prod/Storage/Destroyed/Resource': 'non_compliant', 'Prod/Storage/Retained/Resource': 'compliant' });
  });

  it('LF-STACK-1 fails a Prod stack without termination protection', () => {
    const app = new App();
    const prod = new Stage(app, 'Prod', { env: ENV });
    new Stack(prod, 'Open', { terminationProtection: false });
    new Stack(prod, 'Protected', { terminationProtection: true });
    new Stack(new Stage(app, 'Dev', { env: ENV }), 'Open', { terminationProtection: false });
    expect(outcomes(app, 'LF-STACK-1')).toEqual({ 'Prod/Open': 'non_compliant', 'Prod/Protected': 'compliant' });
  });

  it('LF-LAMBDA-1 fails a function without a log group, or with one lacking retention or a key', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    const fn = (id: string, logGroup?: logs.ILogGroup) =>
      new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>{}'), logGroup });
    fn('Implicit');
    fn('Unencrypted', new logs.LogGroup(stack, 'UnencryptedLogs', { retention: logs.RetentionDays.ONE_MONTH }));
    fn('Good', new logs.LogGroup(stack, 'GoodLogs', { retention: logs.RetentionDays.ONE_MONTH, encryptionKey: key }));
    expect(outcomes(app, 'LF-LAMBDA-1')).toEqual({ 'S/Implicit/Resource': 'non_compliant', 'S/Unencrypted/Resource': 'non_compliant', 'S/Good/Resource': 'compliant' });
  });

  it('LF-KINESIS-1 and LF-LAMBDA-2 fail an unbounded Kinesis mapping and an SNS on-failure destination, pass a bounded one with a queue', () => {
    const app = new App();
    const streams = new Stack(app, 'Streams', { env: ENV });
    const stream = new kinesis.Stream(streams, 'Stream');
    const stack = new Stack(app, 'S', { env: ENV });
    const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>{}') });
    fn('Unbounded').addEventSource(new KinesisEventSource(stream, { startingPosition: lambda.StartingPosition.TRIM_HORIZON }));
    fn('Bounded').addEventSource(
      new KinesisEventSource(stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 3,
        maxRecordAge: Duration.hours(1),
        onFailure: new SqsDlq(new sqs.Queue(stack, 'Dlq')),
      }),
    );
    new lambda.CfnEventSourceMapping(stack, 'ToTopic', {
      functionName: 'f',
      eventSourceArn: stream.streamArn,
      startingPosition: 'TRIM_HORIZON',
      destinationConfig: { onFailure: { destination: new sns.Topic(stack, 'Topic').topicArn } },
    });
    const kinesisOutcomes = outcomes(app, 'LF-KINESIS-1');
    expect(kinesisOutcomes['S/ToTopic']).toBe('non_compliant');
    expect(Object.entries(kinesisOutcomes).filter(([p]) => p.startsWith('S/Unbounded/')).map(([, c]) => c)).toEqual(['non_compliant']);
    expect(Object.entries(kinesisOutcomes).filter(([p]) => p.startsWith('S/Bounded/')).map(([, c]) => c)).toEqual(['compliant']);
    const destinations = outcomes(app, 'LF-LAMBDA-2');
    expect(destinations['S/ToTopic']).toBe('non_compliant');
    expect(Object.entries(destinations).filter(([p]) => p.startsWith('S/Bounded/')).map(([, c]) => c)).toEqual(['compliant']);
  });

  it('LF-ICEBERG-1 fails a bucket whose lifecycle expires objects under an Iceberg table of another stack', () => {
    const app = new App();
    const storage = new Stack(app, 'Storage', { env: ENV });
    const expiring = new s3.Bucket(storage, 'Expiring', { lifecycleRules: [{ prefix: 'events/', expiration: Duration.days(30) }] });
    const kept = new s3.Bucket(storage, 'Kept', { lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }] });
    const other = new s3.Bucket(storage, 'NoTables', { lifecycleRules: [{ expiration: Duration.days(30) }] });
    const tables = new Stack(app, 'Tables', { env: ENV });
    new CustomResource(tables, 'Iceberg', {
      serviceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:ddl',
      resourceType: ICEBERG_TABLES_RESOURCE_TYPE,
      properties: { Tables: [{ Location: `s3://${expiring.bucketName}/events/acme/v1/` }, { Location: `s3://${kept.bucketName}/marts/x/` }] },
    });
    void other;
    expect(outcomes(app, 'LF-ICEBERG-1')).toEqual({ 'Storage/Expiring/Resource': 'non_compliant', 'Storage/Kept/Resource': 'compliant' });
  });

  it('fail synth as a policy pack, and an acknowledgement on the resource accepts the finding', () => {
    const build = (ack: boolean) => {
      const app = new App();
      const stage = new Stage(app, 'Dev', { env: ENV });
      const stack = new Stack(stage, 'Analytics');
      const wg = new athena.CfnWorkGroup(stack, 'Wg', { name: 'wg', workGroupConfiguration: { ...GOOD_WORKGROUP, bytesScannedCutoffPerQuery: undefined } });
      if (ack) Validations.of(wg).acknowledge({ id: 'LF-ATHENA-3', reason: 'A test workgroup without a cutoff, accepted here.' });
      Validations.of(stage).addPlugins(new LakeforgeChecks());
      return app;
    };
    expect(() => build(false).synth()).toThrow(/LF-ATHENA-3[\s\S]*Dev\/Analytics\/Wg/);
    expect(() => build(true).synth()).not.toThrow();
  });

  it('pass on the Lakeforge app: every rule evaluates something in it and nothing is an open finding', () => {
    const t = lakeforgeApp();
    for (const stage of Object.values(t.stages)) stage.synth();
    const evaluations = evaluateLakeforgeRules(t.app);
    expect(evaluations.filter((e) => e.compliance === 'non_compliant' && e.acknowledgedReason === undefined).map((e) => `${e.rule.id} ${e.node.node.path}`)).toEqual([]);
    for (const rule of LAKEFORGE_RULES) expect([rule.id, evaluations.some((e) => e.rule === rule && e.compliance === 'compliant')]).toEqual([rule.id, true]);
  });
});

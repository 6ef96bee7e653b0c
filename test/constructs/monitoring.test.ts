import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { INGEST_METRICS } from '../../lambdas/ingest/process-batch';
import { INGEST_METRIC_NAMES, PlatformMonitoring } from '../../lib/constructs/observability/platform-monitoring';

function setup(maxBadRowRatio = 0.05) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_24_X, handler: 'i.h', code: lambda.Code.fromInline('x') });
  const key = new kms.Key(stack, 'Key');
  new PlatformMonitoring(stack, 'Monitoring', {
    encryptionKey: key,
    stream: new kinesis.Stream(stack, 'Stream'),
    ingestFunction: fn('Ingest'),
    metricsNamespace: 'Lakeforge',
    ingestServiceName: 'lakeforge-ingest',
    failureTypes: ['not_json', 'schema_violation'],
    martRefreshFunction: fn('Refresh'),
    martRefreshDeadLetterQueue: new sqs.Queue(stack, 'Dlq'),
    maxIteratorAge: Duration.minutes(10),
    maxBadRowRatio,
    dashboardName: 'lakeforge-test',
  });
  return Template.fromStack(stack);
}

describe('PlatformMonitoring', () => {
  const template = setup();

  it('uses the metric names the ingest function emits', () => {
    expect(INGEST_METRIC_NAMES.eventsAccepted).toBe(INGEST_METRICS.eventsAccepted);
    expect(INGEST_METRIC_NAMES.badRows).toBe(INGEST_METRICS.badRows);
  });

  it('sends every alarm to one KMS-encrypted topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(6);
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });

  it('alarms when ingestion falls behind by more than the configured iterator age', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Statistic: 'Maximum', Threshold: 600_000 });
  });

  it('alarms on the bad-row ratio over all failure types', () => {
    const [ratio] = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.Metrics);
    expect(ratio.Properties.Threshold).toBe(0.05);
    const ids = ratio.Properties.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat).map(
      (m: { MetricStat: { Metric: { MetricName: string; Dimensions: Array<{ Name: string; Value: string }> } } }) =>
        `${m.MetricStat.Metric.MetricName}:${m.MetricStat.Metric.Dimensions.map((d) => d.Value).sort().join('/')}`,
    );
    expect(ids.sort()).toEqual(['BadRows:lakeforge-ingest/not_json', 'BadRows:lakeforge-ingest/schema_violation', 'EventsAccepted:lakeforge-ingest'].sort());
  });

  it('alarms on messages in the mart refresh dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
  });

  it('fails when the bad-row ratio is not a share', () => {
    expect(() => setup(5)).toThrow(/maxBadRowRatio must be within 0–1, got 5/);
  });
});

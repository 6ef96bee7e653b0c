import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as path from 'node:path';
import { PRODUCTS } from '../../config/products';
import { INGEST_METRICS } from '../../lambdas/ingest/process-batch';
import { FRESHNESS_METRICS, MART_REFRESH_SERVICE_NAME } from '../../lambdas/mart-refresh/core';
import { FRESHNESS_ALARM_PERIOD, type FreshnessObjective, INGEST_METRIC_NAMES, PlatformMonitoring } from '../../lib/constructs/observability/platform-monitoring';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { freshnessObjectives } from '../../lib/stages/lakeforge-stage';

const FRESHNESS: FreshnessObjective[] = [
  { product: 'viewer-engagement', table: 'rating_submitted_v1', sla: Duration.minutes(120) },
  { product: 'viewer-engagement', table: 'tag_added_v1', sla: Duration.minutes(120) },
  { product: 'fraud-signals', table: 'rating_submitted_v1', sla: Duration.minutes(15) },
];

function setup(maxBadRowRatio = 0.05, freshness: FreshnessObjective[] = FRESHNESS) {
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
    martRefreshServiceName: 'lakeforge-mart-refresh',
    freshness,
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
    expect(alarms).toHaveLength(6 + FRESHNESS.length);
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

describe('PlatformMonitoring freshness alarms', () => {
  const template = setup();
  const freshnessAlarms = () =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: FRESHNESS_METRICS.freshness } })).map(
      (a) => a.Properties as { Threshold: number; Dimensions: Array<{ Name: string; Value: string }>; [k: string]: unknown },
    );

  it('creates one alarm per data product and curated table, over the SLA in seconds', () => {
    const got = freshnessAlarms().map((a) => [a.Dimensions.find((d) => d.Name === 'Table')!.Value, a.Threshold]);
    expect(got.sort()).toEqual(FRESHNESS.map((f) => [f.table, f.sla.toMinutes() * 60]).sort());
  });

  it.each(FRESHNESS.map((f) => [f.product, f.table, f.sla.toMinutes()] as const))(
    'alarms for %s/%s when the maximum freshness of an hour exceeds %i minutes, or when no freshness was measured',
    (product, table, minutes) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Lakeforge',
        MetricName: 'CuratedFreshnessSeconds',
        Dimensions: Match.arrayEquals([
          { Name: 'Table', Value: table },
          { Name: 'service', Value: MART_REFRESH_SERVICE_NAME },
        ]),
        Statistic: 'Maximum',
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: minutes * 60,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        AlarmDescription: Match.stringLikeRegexp(`^Data product ${product}: .*${table}`),
      });
    },
  );

  it('measures over the interval of the hourly curated refresh', () => {
    expect(FRESHNESS_ALARM_PERIOD.toMinutes()).toBe(60);
  });

  it('keeps the platform alarms not breaching on missing data (no traffic is not an incident)', () => {
    const others = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.MetricName !== FRESHNESS_METRICS.freshness);
    expect(others).toHaveLength(6);
    for (const a of others) expect(a.Properties.TreatMissingData).toBe('notBreaching');
  });

  it('graphs freshness and event lag of every curated table, with the SLAs as annotations', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('Curated freshness');
    expect(body).toContain(FRESHNESS_METRICS.eventLag);
    expect(body).toMatch(/SLA 15 min/);
    expect(body).toMatch(/SLA 120 min/);
  });

  it('creates no freshness alarm and no freshness widget without objectives', () => {
    const t = setup(0.05, []);
    expect(Object.keys(t.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(6);
    const [dashboard] = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).not.toContain(FRESHNESS_METRICS.freshness);
  });

  it.each([
    ['an SLA is under a minute', [{ product: 'p', table: 't', sla: Duration.seconds(30) }], /freshness SLA of p\/t must be at least 1 minute/],
    ['a product lists a table twice', [FRESHNESS[0], FRESHNESS[0]], /freshness of viewer-engagement\/rating_submitted_v1 is listed twice/],
  ])('fails when %s', (_what, freshness, message) => {
    expect(() => setup(0.05, freshness)).toThrow(message);
  });
});

describe('freshnessObjectives', () => {
  const contracts = readContractTables(path.join(__dirname, '..', '..', 'config', 'contracts'));

  it('gives every declared product one objective per curated table, with its SLA, and none to batch-only products', () => {
    const got = freshnessObjectives(PRODUCTS, contracts).map((f) => [f.product, f.table, f.sla.toMinutes()]);
    const expected = PRODUCTS.flatMap((p) =>
      p.contracts.map((uri) => {
        const [, name, , version] = uri.slice('iglu:'.length).split('/');
        return [p.name, `${name}_v${version.split('-')[0]}`, p.freshnessSlaMinutes];
      }),
    );
    expect(got).toEqual(expected);
    expect(got.map(([product]) => product)).not.toContain('content-catalog');
    expect(got).toEqual([
      ['viewer-engagement', 'rating_submitted_v1', 120],
      ['viewer-engagement', 'tag_added_v1', 120],
    ]);
  });
});

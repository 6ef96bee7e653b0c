import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as path from 'node:path';
import { PRODUCTS } from '../../config/products';
import { FAILURE_TYPES as INGEST_FAILURE_TYPES } from '../../lambdas/ingest/core';
import { INGEST_METRICS } from '../../lambdas/ingest/process-batch';
import { FAILURE_TYPES } from '../../lambdas/shared/failure-types';
import { FRESHNESS_ALARM_PERIOD, FreshnessAlarms, type FreshnessObjective } from '../../lib/constructs/observability/freshness-alarms';
import { PlatformMonitoring, REGISTRY_ERROR_PERIODS } from '../../lib/constructs/observability/platform-monitoring';
import { QueryWorkgroup } from '../../lib/constructs/analytics/query-workgroup';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { trinoSql } from '../../lib/marts/trino-parser';
import { PRODUCT_STACK_BUDGET } from '../../lib/products/stack-plan';
import { FreshnessStack } from '../../lib/stacks/freshness-stack';
import { FRESHNESS_DIMENSION, FRESHNESS_METRICS, PIPELINE_METRICS_NAMESPACE, PIPELINE_SERVICE_NAME } from '../../lib/pipeline/metrics';
import { freshnessObjectives } from '../../lib/stages/lakeforge-stage';

const FRESHNESS: FreshnessObjective[] = [
  { product: 'viewer-engagement', table: 'rating_submitted_v1', sla: Duration.minutes(120) },
  { product: 'viewer-engagement', table: 'tag_added_v1', sla: Duration.minutes(120) },
  { product: 'fraud-signals', table: 'rating_submitted_v1', sla: Duration.minutes(15) },
];
const PLATFORM_ALARMS = 8;

function setup(maxBadRowRatio = 0.05, freshnessSlas: Duration[] | undefined = FRESHNESS.map((f) => f.sla)) {
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
    pipelineStateMachine: sfn.StateMachine.fromStateMachineName(stack, 'Pipeline', 'lakeforge-test-pipeline'),
    freshnessSlas,
    otherAlarms: [cloudwatch.Alarm.fromAlarmName(stack, 'Other', 'lakeforge-test-pipeline-schedule-dead-letters')],
    maxIteratorAge: Duration.minutes(10),
    maxBadRowRatio,
    dashboardName: 'lakeforge-test',
  });
  return Template.fromStack(stack);
}

function setupFreshness(objectives: FreshnessObjective[] = FRESHNESS) {
  const stack = new Stack(new App(), 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  const topic = sns.Topic.fromTopicArn(stack, 'Topic', 'arn:aws:sns:eu-west-1:123456789012:alarms');
  new FreshnessAlarms(stack, 'Freshness', { objectives, alarmTopic: topic });
  return Template.fromStack(stack);
}

describe('PlatformMonitoring', () => {
  const template = setup();

  it('uses the failure types the ingest function emits', () => {
    expect(FAILURE_TYPES).toEqual(INGEST_FAILURE_TYPES);
  });

  it('alarms when the ingest function cannot read the contract registry for several periods in a row', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: INGEST_METRICS.registryErrors,
      Namespace: 'Lakeforge',
      Dimensions: [{ Name: 'service', Value: 'lakeforge-ingest' }],
      Statistic: 'Sum',
      Threshold: 0,
      EvaluationPeriods: REGISTRY_ERROR_PERIODS,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('sends every alarm to one KMS-encrypted topic', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(PLATFORM_ALARMS);
    const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
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

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])('alarms on any pipeline execution counted in %s, found by the state machine name', (metricName) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metricName,
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      Dimensions: [
        {
          Name: 'StateMachineArn',
          Value: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:eu-west-1:123456789012:stateMachine:lakeforge-test-pipeline']] },
        },
      ],
    });
  });

  it('keeps no alarm on a Lambda function or queue of the pipeline (no polling function, no refresh dead-letter queue)', () => {
    const metrics = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.MetricName);
    expect(metrics).not.toContain('ApproximateNumberOfMessagesVisible');
    expect(metrics.filter((m) => m === 'Errors')).toHaveLength(1);
  });

  it('keeps the platform alarms not breaching on missing data (no traffic is not an incident)', () => {
    for (const a of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(a.Properties.TreatMissingData).toBe('notBreaching');
  });

  it('graphs freshness and event lag of every curated table with one search each, with the SLAs as annotations', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('Curated freshness');
    for (const metric of [FRESHNESS_METRICS.freshness, FRESHNESS_METRICS.eventLag]) {
      expect(body).toContain(`SEARCH('{${PIPELINE_METRICS_NAMESPACE},service,${FRESHNESS_DIMENSION}} service=\\\\\\"${PIPELINE_SERVICE_NAME}\\\\\\" MetricName=\\\\\\"${metric}\\\\\\"', 'Maximum', 3600)`);
    }
    expect(body).toContain("${PROP('Dim.Table')}");
    expect(body).not.toContain('rating_submitted_v1');
    expect(body).toMatch(/SLA 15 min/);
    expect(body).toMatch(/SLA 120 min/);
    expect(body).toContain('Pipeline executions');
  });

  it('shows its own alarms and the alarms of other stacks, by name, in the alarm status widget', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain(':alarm:lakeforge-test-pipeline-schedule-dead-letters');
    expect(body).toContain('MonitoringPipelineExecutionsFailedAlarm');
  });

  it('creates no freshness widget without SLAs', () => {
    const [dashboard] = Object.values(setup(0.05, []).findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).not.toContain(FRESHNESS_METRICS.freshness);
  });

  it('fails when the bad-row ratio is not a share', () => {
    expect(() => setup(5)).toThrow(/maxBadRowRatio must be within 0–1, got 5/);
  });
});

describe('FreshnessAlarms', () => {
  const template = setupFreshness();
  const freshnessAlarms = () =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties as { Threshold: number; Dimensions: Array<{ Name: string; Value: string }>; [k: string]: unknown },
    );

  it('creates one alarm per data product and curated table, over the SLA in seconds', () => {
    const got = freshnessAlarms().map((a) => [a.Dimensions.find((d) => d.Name === 'Table')!.Value, a.Threshold]);
    expect(got.sort()).toEqual(FRESHNESS.map((f) => [f.table, f.sla.toMinutes() * 60]).sort());
  });

  it.each(FRESHNESS.map((f) => [f.product, f.table, f.sla.toMinutes()] as const))(
    'alarms for %s/%s when the maximum freshness the pipeline published in an hour exceeds %i minutes, or when none was published',
    (product, table, minutes) => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: PIPELINE_METRICS_NAMESPACE,
        MetricName: FRESHNESS_METRICS.freshness,
        Dimensions: Match.arrayEquals([
          { Name: FRESHNESS_DIMENSION, Value: table },
          { Name: 'service', Value: PIPELINE_SERVICE_NAME },
        ]),
        Statistic: 'Maximum',
        Period: 3600,
        EvaluationPeriods: 1,
        Threshold: minutes * 60,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
        OKActions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
        AlarmDescription: Match.stringLikeRegexp(`^Data product ${product}: .*${table}`),
      });
    },
  );

  it('measures over the interval of the hourly pipeline schedule', () => {
    expect(FRESHNESS_ALARM_PERIOD.toMinutes()).toBe(60);
  });

  it('creates no alarm without objectives', () => {
    expect(Object.keys(setupFreshness([]).findResources('AWS::CloudWatch::Alarm'))).toHaveLength(0);
  });

  it.each([
    ['an SLA is under a minute', [{ product: 'p', table: 't', sla: Duration.seconds(30) }], /freshness SLA of p\/t must be at least 1 minute/],
    ['a product lists a table twice', [FRESHNESS[0], FRESHNESS[0]], /freshness of viewer-engagement\/rating_submitted_v1 is listed twice/],
  ])('fails when %s', (_what, objectives, message) => {
    expect(() => setupFreshness(objectives)).toThrow(message);
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
    const batchOnly = PRODUCTS.filter((p) => p.contracts.length === 0).map((p) => p.name);
    expect(batchOnly.length).toBeGreaterThan(0);
    for (const name of batchOnly) expect(got.map(([product]) => product)).not.toContain(name);
  });
});

describe('FreshnessStack', () => {
  const contracts = readContractTables(path.join(__dirname, '..', '..', 'config', 'contracts'));
  const build = (objectives: FreshnessObjective[], tables = contracts) => {
    const app = new App();
    const env = { account: '123456789012', region: 'eu-west-1' };
    const base = new Stack(app, 'Base', { env });
    const key = new kms.Key(base, 'Key');
    const analysts = new QueryWorkgroup(base, 'Analysts', {
      workgroupName: 'lakeforge-dev-analysts',
      description: 'analysts',
      resultsBucket: new s3.Bucket(base, 'Results'),
      encryptionKey: key,
      bytesScannedCutoffPerQuery: 10_000_000,
    });
    const alarmTopic = new sns.Topic(base, 'Topic', { masterKey: key });
    const stack = new FreshnessStack(app, 'FreshnessEngagement', { env, environmentName: 'dev', domain: 'engagement', objectives, contracts: tables, alarmTopic, analystsWorkgroup: analysts });
    return { stack, base, template: Template.fromStack(stack) };
  };
  const { stack, base, template } = build(FRESHNESS);

  it('holds one freshness alarm per objective and one saved freshness query per curated table, in the analysts workgroup', () => {
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(FRESHNESS.length);
    const queries = Object.values(template.findResources('AWS::Athena::NamedQuery')).map((q) => q.Properties);
    expect(queries).toHaveLength(contracts.length);
    for (const c of contracts) {
      const q = queries.find((p) => (p.QueryString as string).includes(`FROM lakeforge_dev_curated.${c.tableName} AS c`));
      expect(q).toMatchObject({ Database: 'lakeforge_dev_curated', WorkGroup: 'lakeforge-dev-analysts' });
      expect(trinoSql().validate(q!.QueryString as string)).toEqual([]);
    }
  });

  it('depends on the stack that owns the analysts workgroup (referenced by name)', () => {
    expect(stack.dependencies.map((d) => d.stackName)).toContain(base.stackName);
  });

  it('fails with the domain name when a domain outgrows the stack budget', () => {
    const many = Array.from({ length: PRODUCT_STACK_BUDGET }, (_, i) => ({ product: `p${i}`, table: 't', sla: Duration.hours(1) }));
    expect(() => build(many)).toThrow(/Freshness of domain "engagement" needs \d+ CloudFormation resources in one stack/);
  });
});

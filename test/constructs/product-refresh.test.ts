import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnDynamicReference, CfnDynamicReferenceService, Duration, Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadAllConfigs } from '../../config';
import { queryWorkgroupReference } from '../../lib/constructs/analytics/query-workgroup';
import { WATERMARK_TABLE_PREFIX } from '../../lib/constructs/catalog/iceberg-tables';
import {
  DEFAULT_PRODUCT_MAINTENANCE_SCHEDULE,
  DEFAULT_PRODUCT_REFRESH_SCHEDULE,
  ProductRefresh,
  productRefreshStateMachineName,
  type ProductRefreshProps,
} from '../../lib/constructs/data-product/product-refresh';
import { LakeforgePlatform } from '../../lib/constructs/platform/lakeforge-platform';
import { registerPolicyPacks } from '../../lib/governance/policy-packs';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { defineMart, type Mart } from '../../lib/marts/declaration';
import { renderPipelinePlan } from '../../lib/pipeline/plan';
import { fillTemplate } from '../../lib/pipeline/template';
import { databaseName } from '../../lib/shared/naming';
import { allStates, definitionOf, evaluateField, syntheticContract, type AslState } from '../helpers/state-machine';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const ssm = (name: string) => new CfnDynamicReference(CfnDynamicReferenceService.SSM, name).toString();
/** Handles the platform does not publish yet (see the report): the results bucket name and the curated lookback. */
const RESULTS_BUCKET = '/lakeforge/dev/storage/athena-results-bucket-name';
const LOOKBACK = '/lakeforge/dev/pipeline/curated-lookback-hours';
/** The product's tables: the example app's contract and a second, synthetic one (expectations derive from these). */
const TABLES = [...readContractTables(path.join(__dirname, '../../examples/product-team-app/contracts')), syntheticContract(7)];
const SLA = Duration.minutes(90);

/** A product team's stack: the platform through its handles (dynamic references), the refresh of one product. */
function teamApp(overrides: Partial<ProductRefreshProps> = {}, app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-pr-')) })) {
  const stack = new Stack(app, 'CheckoutOrders', { env: ENV });
  const platform = LakeforgePlatform.fromParameters(stack, 'Platform', { environment: 'dev' });
  const refresh = new ProductRefresh(stack, 'Refresh', {
    environment: platform.environment,
    productName: 'checkout-orders',
    contractTables: TABLES,
    freshnessSla: SLA,
    rawBucket: platform.rawBucket,
    curatedBucket: platform.curatedBucket,
    resultsBucket: s3.Bucket.fromBucketAttributes(stack, 'Results', { bucketName: ssm(RESULTS_BUCKET), encryptionKey: platform.lakeKey }),
    encryptionKey: platform.lakeKey,
    workgroup: queryWorkgroupReference(stack, platform.workgroupName('platform')),
    alarmTopic: platform.alarmTopic,
    goLiveDate: platform.goLiveDate,
    curatedLookbackHours: Token.asNumber(ssm(LOOKBACK)),
    ...overrides,
  });
  return { app, stack, platform, refresh };
}

const team = teamApp();
const template = Template.fromStack(team.stack);
const json = template.toJSON();
const { definition } = definitionOf(json);
const states = allStates(definition);
const stateNamed = (name: string): AslState => {
  const s = states[name];
  if (s === undefined) throw new Error(`no state "${name}"`);
  return s;
};
const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0].Properties;
const planFile = (state: string): { id: string }[] => JSON.parse(fs.readFileSync(path.join(team.app.outdir, `asset.${stateNamed(state).ItemReader!.Arguments.Key}`), 'utf8'));
const pipelineStatements = () => {
  const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) => JSON.stringify(p.Properties.Roles).includes('PipelineRole'));
  return policy.Properties.PolicyDocument.Statement as { Sid: string; Resource: unknown; Condition?: unknown }[];
};
const resourcesOf = (sid: string) => {
  const st = pipelineStatements().find((s) => s.Sid === sid);
  if (st === undefined) throw new Error(`no statement ${sid}`);
  return JSON.stringify(st.Resource);
};

describe('ProductRefresh plan and state machine', () => {
  it('names its state machine lakeforge-<env>-product-<product>', () => {
    expect(machine.StateMachineName).toBe('lakeforge-dev-product-checkout-orders');
  });

  it('runs a curated step for each of the product\'s contract tables and nothing else (no marts, no watermark maintenance)', () => {
    expect(planFile('Curated steps').map((s) => s.id)).toEqual(TABLES.map((t) => `curated.${t.tableName}`));
    expect(planFile('Maintenance').map((s) => s.id)).toEqual(TABLES.map((t) => `curated.${t.tableName}`));
    expect(Object.keys(definition.States).filter((n) => n.startsWith('Marts level'))).toEqual([]);
  });

  it('runs the same curated statements the platform would run for these tables', () => {
    const platformPlan = renderPipelinePlan('dev', [], TABLES, { goLiveDate: '2026-11-01', lookbackHours: 3 });
    expect(team.refresh.plan.curated).toEqual(platformPlan.curated);
  });

  it('starts with the platform\'s default schedules (config pipeline, every environment)', () => {
    for (const config of Object.values(loadAllConfigs())) {
      expect([config.pipeline.scheduleExpression, config.pipeline.maintenanceScheduleExpression]).toEqual([DEFAULT_PRODUCT_REFRESH_SCHEDULE, DEFAULT_PRODUCT_MAINTENANCE_SCHEDULE]);
    }
    const expressions = Object.values(template.findResources('AWS::Scheduler::Schedule')).map((s) => s.Properties.ScheduleExpression).sort();
    expect(expressions).toEqual([DEFAULT_PRODUCT_REFRESH_SCHEDULE, DEFAULT_PRODUCT_MAINTENANCE_SCHEDULE].sort());
  });

  it('takes other schedules when given', () => {
    const t = Template.fromStack(teamApp({ scheduleExpression: 'cron(35 * * * ? *)', maintenanceScheduleExpression: 'cron(10 4 * * ? *)' }).stack);
    const expressions = Object.values(t.findResources('AWS::Scheduler::Schedule')).map((s) => s.Properties.ScheduleExpression).sort();
    expect(expressions).toEqual(['cron(10 4 * * ? *)', 'cron(35 * * * ? *)']);
  });
});

describe('ProductRefresh deploy-time window settings', () => {
  it('puts the platform\'s go-live date and lookback handles into the state machine\'s definition substitutions', () => {
    expect(machine.DefinitionSubstitutions).toEqual({ goLiveDate: '{{resolve:ssm:/lakeforge/dev/pipeline/go-live-date}}', curatedLookbackHours: `{{resolve:ssm:${LOOKBACK}}}` });
  });

  it('publishes plan files without any deploy-time value', () => {
    for (const state of ['Curated steps', 'Maintenance']) {
      const content = JSON.stringify(planFile(state));
      expect(content).not.toContain('resolve:ssm');
      expect(content).not.toContain('${Token');
    }
  });

  it('fills the window query with the values CloudFormation resolved, exactly as fillTemplate does', async () => {
    const resolved = { goLiveDate: '2026-11-01', lookbackHours: '3' };
    const assign = stateNamed('Read input').Assign!;
    expect([assign.goLiveDate, assign.lookbackHours]).toEqual(['${goLiveDate}', '${curatedLookbackHours}']);
    for (const step of team.refresh.plan.curated) {
      const run = { backfillFrom: '', runStartedAt: '2026-12-01T10:05:00.000Z', executionId: 'arn:aws:states:eu-west-1:111111111111:execution:x:y', ...resolved };
      const sql = await evaluateField(stateNamed('Curated: Window query').Arguments!.QueryString, { step, run, window: {} });
      expect(sql).toBe(fillTemplate(step.windowQuery!, { backfillFrom: '', ...resolved }));
    }
  });

  it('checks literal window settings at synth', () => {
    expect(() => teamApp({ goLiveDate: '2026/11/01' })).toThrow(/PipelineOrchestration: goLiveDate must be YYYY-MM-DD, got "2026\/11\/01"/);
    expect(() => teamApp({ curatedLookbackHours: 0 })).toThrow(/curatedLookbackHours must be a whole number from 1 to 99999, got 0/);
  });
});

describe('ProductRefresh freshness', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.MetricName === 'CuratedFreshnessSeconds');

  it('alarms per curated table when the newest event is older than the SLA, on the platform\'s alarm topic', () => {
    expect(alarms.map((a) => a.Properties.Dimensions.find((d: { Name: string }) => d.Name === 'Table').Value).sort()).toEqual(TABLES.map((t) => t.tableName).sort());
    for (const a of alarms) {
      expect(a.Properties).toMatchObject({ Threshold: SLA.toSeconds(), ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'breaching', Namespace: 'Lakeforge' });
      expect(a.Properties.AlarmActions).toEqual(['{{resolve:ssm:/lakeforge/dev/monitoring/alarm-topic-arn}}']);
    }
  });

  it('reads the metric with the dimensions its state machine publishes for each table', async () => {
    const published = stateNamed('Curated: Publish freshness').Arguments!.MetricData as { MetricName: string; Dimensions: { Name: string; Value: string }[] }[];
    const freshness = published.find((m) => m.MetricName === 'CuratedFreshnessSeconds')!;
    for (const step of team.refresh.plan.curated) {
      const dims = await Promise.all(freshness.Dimensions.map(async (d) => ({ Name: d.Name, Value: d.Value.startsWith('{%') ? await evaluateField(d.Value, { step }) : d.Value })));
      const alarm = alarms.find((a) => JSON.stringify(a.Properties.Dimensions).includes(`"${step.table.table}"`))!;
      expect([...alarm.Properties.Dimensions].sort((a, b) => a.Name.localeCompare(b.Name))).toEqual(dims.sort((a, b) => a.Name.localeCompare(b.Name)));
    }
  });

  it('alarms on the platform\'s topic when a schedule could not start the refresh (dead-letter queue)', () => {
    const [dlq] = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlq.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', Namespace: 'AWS/SQS', AlarmActions: ['{{resolve:ssm:/lakeforge/dev/monitoring/alarm-topic-arn}}'] });
    expect(JSON.stringify(dlq.Properties.Dimensions)).toContain('ScheduleDeadLetterQueue');
  });

  it('fails when the SLA is under a minute', () => {
    expect(() => teamApp({ freshnessSla: Duration.seconds(30) })).toThrow(/freshness SLA of checkout-orders\/order_placed_v1 must be at least 1 minute/);
  });
});

describe('ProductRefresh least privilege', () => {
  it('reads and writes Glue metadata of the product\'s tables and the watermark table only, by name', () => {
    const tables = (arns: string) => [...arns.matchAll(/:table\/([\w*]+)\/([\w*]+)/g)].map((m) => `${m[1]}.${m[2]}`).sort();
    const raw = TABLES.map((t) => `${databaseName('dev', 'raw')}.${t.tableName}`);
    const curated = TABLES.map((t) => `${databaseName('dev', 'curated')}.${t.tableName}`);
    const watermark = `${databaseName('dev', 'curated')}.lakeforge_watermarks`;
    expect(tables(resourcesOf('ReadTableMetadata'))).toEqual([...raw, ...curated, watermark].sort());
    expect(tables(resourcesOf('CommitIcebergTables'))).toEqual([...curated, watermark].sort());
  });

  it('reads only the product\'s raw prefixes and writes only its curated prefixes and the watermark table\'s', () => {
    const prefixes = (sid: string) => [...resourcesOf(sid).matchAll(/\}\/([^"]*)\*"/g)].map((m) => m[1]).sort();
    expect(prefixes('ReadRawData')).toEqual(TABLES.map((t) => t.rawPrefix).sort());
    expect(prefixes('ReadWriteExpireIcebergData')).toEqual([...TABLES.map((t) => t.rawPrefix), WATERMARK_TABLE_PREFIX].sort());
    const listed = pipelineStatements().find((s) => s.Sid === 'ListIcebergData')!;
    expect(JSON.stringify(listed.Condition)).toContain(WATERMARK_TABLE_PREFIX);
    expect(JSON.stringify(pipelineStatements())).not.toMatch(/_(raw|curated|marts)\/\*/);
    expect(resourcesOf('ReadWriteExpireIcebergData')).not.toContain('MartsBucket');
  });

  it('synthesizes with zero policy findings (all four packs)', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-pr-nag-'));
    const app = new App({ outdir });
    teamApp({}, app);
    // The refresh keeps its logs 90 days (the platform default): Control Tower's one-year minimum is acknowledged for it.
    registerPolicyPacks(app, { logRetentionDays: 90 });
    app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((r: { violations: unknown[] }) => r.violations)).toEqual([]);
  });
});

describe('ProductRefresh with marts', () => {
  /** A mart of the product over its own curated table, declared in a temporary folder as a team would. */
  const mart = (name: string, from: string): Mart => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-pr-mart-'));
    fs.writeFileSync(path.join(dir, `${name}.sql`), `SELECT o.currency, count(*) AS orders FROM ${from} AS o GROUP BY o.currency\n`);
    return defineMart(
      {
        name,
        owner: 'checkout-team',
        product: 'checkout-orders',
        description: 'Orders per currency.',
        schedule: 'cron(5 * * * ? *)',
        sqlFile: `${name}.sql`,
        output: {
          columns: [
            { name: 'currency', type: 'string', description: 'ISO currency.' },
            { name: 'orders', type: 'bigint', description: 'Orders placed.' },
          ],
          key: ['currency'],
        },
        dependsOn: [from],
      },
      dir,
    );
  };
  it('refreshes its marts after its curated steps, creates their Iceberg tables, and writes only their prefixes', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-pr-marts-')) });
    const stack = new Stack(app, 'CheckoutOrders', { env: ENV });
    const platform = LakeforgePlatform.fromParameters(stack, 'Platform', { environment: 'dev' });
    const refresh = new ProductRefresh(stack, 'Refresh', {
      environment: 'dev',
      productName: 'checkout-orders',
      contractTables: TABLES,
      marts: [mart('orders_by_currency', 'curated.order_placed_v1')],
      martsBucket: platform.martsBucket,
      ddl: platform.tableDdl,
      freshnessSla: SLA,
      rawBucket: platform.rawBucket,
      curatedBucket: platform.curatedBucket,
      resultsBucket: s3.Bucket.fromBucketAttributes(stack, 'Results', { bucketName: ssm(RESULTS_BUCKET), encryptionKey: platform.lakeKey }),
      encryptionKey: platform.lakeKey,
      workgroup: queryWorkgroupReference(stack, platform.workgroupName('platform')),
      alarmTopic: platform.alarmTopic,
      goLiveDate: platform.goLiveDate,
      curatedLookbackHours: 3,
    });
    expect(refresh.plan.martLevels.map((l) => l.map((m) => m.id))).toEqual([['marts.orders_by_currency']]);
    const t = Template.fromStack(stack);
    const [tables] = Object.values(t.findResources('Custom::LakeforgeIcebergTables'));
    expect(tables.Properties.Tables.map((x: { Database: string; Table: string }) => `${x.Database}.${x.Table}`)).toEqual([`${databaseName('dev', 'marts')}.orders_by_currency`]);
    const [policy] = Object.values(t.findResources('AWS::IAM::ManagedPolicy')).filter((p) => JSON.stringify(p.Properties.Roles).includes('PipelineRole'));
    const write = JSON.stringify(policy.Properties.PolicyDocument.Statement.find((st: { Sid: string }) => st.Sid === 'ReadWriteExpireIcebergData').Resource);
    expect(write).toContain('/orders_by_currency/*');
    expect(write).toContain('marts-bucket-name');
  });

  it('fails when a mart reads a table that is not the product\'s, or when the marts bucket or DDL provider is missing', () => {
    expect(() => teamApp({ marts: [mart('ratings_by_currency', 'curated.rating_submitted_v1')], martsBucket: teamApp().platform.martsBucket, ddl: { serviceToken: 'x', workgroupName: 'y' } })).toThrow(
      /ProductRefresh: invalid marts of product checkout-orders \(they may read only its own tables\):\n  - mart "ratings_by_currency"/,
    );
    expect(() => teamApp({ marts: [mart('orders_by_currency', 'curated.order_placed_v1')] })).toThrow(/has marts, so martsBucket and ddl are required/);
  });
});

describe('productRefreshStateMachineName', () => {
  it('keeps a name that fits', () => {
    expect(productRefreshStateMachineName('prod', 'viewer-engagement')).toBe('lakeforge-prod-product-viewer-engagement');
  });

  it('shortens a name over 80 characters deterministically, with a hash of the full name', () => {
    const long = 'a'.repeat(40) + '-' + 'b'.repeat(40);
    const name = productRefreshStateMachineName('dev', long);
    expect(name).toHaveLength(80);
    expect(name).toMatch(/^lakeforge-dev-product-a{40}-b+-[0-9a-f]{8}$/);
    expect(productRefreshStateMachineName('dev', long)).toBe(name);
    expect(productRefreshStateMachineName('dev', `${long}c`)).not.toBe(name);
  });

  it.each([
    ['a product name that is not kebab-case', { productName: 'Checkout_Orders' }, /productName must be kebab-case .* got "Checkout_Orders"/],
    ['an environment that is a token', { environment: Token.asString({ resolve: () => 'dev' }) }, /environment must be a literal/],
    ['no contract table', { contractTables: [] }, /product checkout-orders has no contract table/],
    ['a contract table listed twice', { contractTables: [TABLES[0], TABLES[0]] }, /contract table order_placed_v1 of product checkout-orders is listed twice/],
  ])('fails on %s', (_case, overrides, message) => {
    expect(() => teamApp(overrides as Partial<ProductRefreshProps>)).toThrow(message);
  });
});

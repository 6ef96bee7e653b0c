import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ConfigError, loadConfig } from '../../config';
import { MARTS } from '../../config/marts';
import { ICEBERG_TABLES_RESOURCE_TYPE, type TableDdlTable } from '../../lambdas/shared/table-ddl-properties';
import { renderAnalystQueries } from '../../lib/constructs/analytics/analyst-queries';
import { QueryWorkgroup } from '../../lib/constructs/analytics/query-workgroup';
import { curatedFreshnessMetric } from '../../lib/constructs/observability/freshness-alarms';
import { renderMartIcebergTableSpec, renderWatermarkIcebergTableSpec } from '../../lib/constructs/catalog/iceberg-tables';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { trinoSql } from '../../lib/marts/trino-parser';
import { curatedLookbackHours, renderPipelinePlan } from '../../lib/pipeline/plan';
import { MartsCheckError, PipelineStack, pipelineScheduleDeadLettersAlarmName, pipelineStateMachineName } from '../../lib/stacks/pipeline-stack';
import { syntheticPlatform } from '../../tools/bench/synthetic-platform';

const CONTRACTS = readContractTables(path.join(__dirname, '..', '..', 'config', 'contracts'));
const ENV = { account: '123456789012', region: 'eu-west-1' };
const CONFIG = loadConfig('dev');
const LOOKBACK = curatedLookbackHours(CONFIG.ingestion, CONFIG.pipeline.lateArrivalMarginHours);

/** Storage, catalog, workgroups and the alarm topic in their own stack, as in a stage, and the pipeline stack on top. */
function setup(marts: readonly Mart[] = MARTS, contracts: readonly ContractTable[] = CONTRACTS) {
  const app = new App();
  const base = new Stack(app, 'Base', { env: ENV });
  const key = new kms.Key(base, 'LakeKey');
  const catalogKey = new kms.Key(base, 'CatalogKey');
  const bucket = (id: string) => new s3.Bucket(base, id, { encryptionKey: key });
  const [raw, curated, martsBucket, results] = ['Raw', 'Curated', 'Marts', 'Results'].map(bucket);
  const martsDatabase = new glue.Database(base, 'MartsDatabase', { databaseName: 'lakeforge_dev_marts' });
  const wg = (id: string, name: string) =>
    new QueryWorkgroup(base, id, { workgroupName: name, description: id, resultsBucket: results, encryptionKey: key, bytesScannedCutoffPerQuery: 10_000_000 });
  const platform = wg('Platform', 'lakeforge-dev-platform');
  const analysts = wg('Analysts', 'lakeforge-dev-analysts');
  const alarmTopic = new sns.Topic(base, 'AlarmTopic', { masterKey: key });
  const tableDdl = { serviceToken: `arn:aws:lambda:eu-west-1:123456789012:function:table-ddl`, workgroupName: 'lakeforge-dev-platform' };
  const build = () =>
    new PipelineStack(app, 'Pipeline', {
      env: ENV,
      environmentName: 'dev',
      pipeline: CONFIG.pipeline,
      curatedLookbackHours: LOOKBACK,
      marts,
      contracts,
      rawBucket: raw,
      curatedBucket: curated,
      martsBucket,
      resultsBucket: results,
      encryptionKey: key,
      catalogEncryptionKey: catalogKey,
      martsDatabase,
      tableDdl,
      platformWorkgroup: platform,
      analystsWorkgroup: analysts,
      alarmTopic,
      logRetention: logs.RetentionDays.ONE_MONTH,
      allowDestroy: false,
    });
  return { app, base, key, alarmTopic, build };
}

const shared = setup();
const stack = shared.build();
const template = Template.fromStack(stack);
const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string }> };
const ofType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);

describe('PipelineStack plan', () => {
  it('renders the stage\'s plan from the config\'s go-live date, OPTIMIZE window and the lookback the stage computed', () => {
    expect(stack.plan).toEqual(renderPipelinePlan('dev', MARTS, CONTRACTS, { goLiveDate: CONFIG.pipeline.goLiveDate, lookbackHours: LOOKBACK, optimizeRecentDays: CONFIG.pipeline.optimizeRecentDays }));
    expect(stack.plan.curated.map((s) => s.id)).toEqual(CONTRACTS.map((c) => `curated.${c.tableName}`));
    expect(stack.plan.martLevels.flat().map((s) => s.id).sort()).toEqual(MARTS.map((m) => m.table).sort());
  });
});

describe('PipelineStack tables', () => {
  const [[tablesId, tables]] = ofType(ICEBERG_TABLES_RESOURCE_TYPE);
  const declared = tables.Properties.Tables as TableDdlTable[];

  it('creates the watermark control table and every mart table with Athena DDL, in one custom resource', () => {
    expect(ofType(ICEBERG_TABLES_RESOURCE_TYPE)).toHaveLength(1);
    expect(declared.map((t) => `${t.Database}.${t.Table}`).sort()).toEqual(['lakeforge_dev_curated.lakeforge_watermarks', ...MARTS.map((m) => `lakeforge_dev_marts.${m.name}`)].sort());
    expect(tables.Properties.Workgroup).toBe('lakeforge-dev-platform');
  });

  it.each(MARTS.map((m) => [m.name, m] as const))('declares %s with the declared columns and partitions under <mart>/ in the marts bucket', (name, mart) => {
    const spec = renderMartIcebergTableSpec(mart, { database: 'lakeforge_dev_marts', bucketName: 'B' });
    const t = declared.find((d) => d.Table === name)!;
    expect(t.Columns).toEqual(spec.columns.map((c) => ({ Name: c.name, Type: c.type, Comment: c.description ?? '' })));
    expect(t.PartitionedBy).toEqual(mart.output.partitionedBy);
    expect(JSON.stringify(t.Location)).toContain(`/${name}/`);
  });

  it('declares the watermark table as the plan names it', () => {
    const spec = renderWatermarkIcebergTableSpec({ database: 'lakeforge_dev_curated', bucketName: 'B' });
    expect(stack.plan.watermarkTable).toEqual({ database: spec.database, table: spec.table });
  });

  it('creates no AWS::Glue::Table (a CloudFormation update would strip the Iceberg metadata)', () => {
    expect(ofType('AWS::Glue::Table')).toHaveLength(0);
  });

  it('retains the tables when the resource leaves the template', () => {
    expect(tables.DeletionPolicy).toBe('Retain');
  });

  it('starts the state machine only after the tables exist', () => {
    const [[, machine]] = ofType('AWS::StepFunctions::StateMachine');
    expect(machine.DependsOn).toContain(tablesId);
  });
});

describe('PipelineStack orchestration', () => {
  it('names the state machine lakeforge-<env>-pipeline', () => {
    expect(pipelineStateMachineName('dev')).toBe('lakeforge-dev-pipeline');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'lakeforge-dev-pipeline', StateMachineType: 'STANDARD' });
  });

  it('gives the state machine the config\'s go-live date and the stage\'s lookback as definition substitutions', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: { goLiveDate: CONFIG.pipeline.goLiveDate, curatedLookbackHours: String(LOOKBACK) },
    });
  });

  it('schedules runs and maintenance with the config\'s expressions', () => {
    const expressions = ofType('AWS::Scheduler::Schedule').map(([, s]) => s.Properties.ScheduleExpression).sort();
    expect(expressions).toEqual([CONFIG.pipeline.scheduleExpression, CONFIG.pipeline.maintenanceScheduleExpression].sort());
  });

  it('creates no Lambda function: nothing polls Athena', () => {
    expect(ofType('AWS::Lambda::Function')).toHaveLength(0);
  });

  it('alarms on schedule invocations in the dead-letter queue, to the alarm topic, under a name the Monitoring stack finds', () => {
    expect(pipelineScheduleDeadLettersAlarmName('dev')).toBe('lakeforge-dev-pipeline-schedule-dead-letters');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      AlarmName: pipelineScheduleDeadLettersAlarmName('dev'),
      AlarmActions: [Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('AlarmTopic') })],
    });
  });

  it('publishes the freshness metric the freshness alarms watch (same namespace, name, dimensions, statistic)', () => {
    for (const which of ['freshness', 'eventLag'] as const) {
      const published = stack.orchestration.metricCuratedFreshness('rating_submitted_v1', which);
      const watched = curatedFreshnessMetric('rating_submitted_v1', published.metricName);
      expect({ ns: watched.namespace, dims: watched.dimensions, stat: watched.statistic }).toEqual({ ns: published.namespace, dims: published.dimensions, stat: published.statistic });
    }
  });

  it('does not grow with the data products: the same resources for 2 and 50 contracts', () => {
    const many = syntheticPlatform(48).contractTables;
    expect(many).toHaveLength(CONTRACTS.length + 48);
    const other = Template.fromStack(setup(MARTS, many).build()).toJSON() as typeof json;
    const types = (j: typeof json) => Object.values(j.Resources).map((r) => r.Type).sort();
    expect(types(other)).toEqual(types(json));
  });
});

describe('PipelineStack saved queries', () => {
  it.each(MARTS.map((m) => m.name))('saves a 100-row preview of %s in the analysts workgroup', (name) => {
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      WorkGroup: 'lakeforge-dev-analysts',
      Database: 'lakeforge_dev_marts',
      QueryString: `SELECT * FROM lakeforge_dev_marts.${name} LIMIT 100`,
    });
  });

  it('saves only mart previews (the curated tables\' freshness queries grow with the products: Freshness<Domain> stacks), which parse with the Trino grammar and use physical names', () => {
    const queries = ofType('AWS::Athena::NamedQuery').map(([, q]) => q.Properties.QueryString as string);
    expect(queries).toHaveLength(MARTS.length);
    for (const sql of queries) {
      expect({ sql, errors: trinoSql().validate(sql) }).toEqual({ sql, errors: [] });
      expect(sql).not.toMatch(/\b(raw|curated|marts)\.\w/);
    }
  });

  it('depends on the stack that owns the workgroups and the marts database (they are referenced by name)', () => {
    expect(stack.dependencies.map((d) => d.stackName)).toContain(shared.base.stackName);
  });
});

describe('renderAnalystQueries', () => {
  it('renders physical names for the stage and unique ids', () => {
    const queries = renderAnalystQueries('prod', MARTS, CONTRACTS);
    expect(new Set(queries.map((q) => q.id)).size).toBe(queries.length);
    for (const q of queries) expect(q.sql).toMatch(/lakeforge_prod_(marts|curated)\./);
  });
});

describe('PipelineStack checks', () => {
  const broken = (sql: string): Mart[] => MARTS.map((m) => (m.name === 'genre_ratings' ? { ...m, sql } : m));

  it('fails when a mart references a missing table: a header, then one line naming the mart, file:line:col and the table', () => {
    const { build } = setup(broken('SELECT g.genre, count(*) AS ratings, avg(1.0) AS avg_rating, count(*) AS users\nFROM curated.missing_table AS g\nGROUP BY g.genre'));
    let error: unknown;
    try {
      build();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MartsCheckError);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    const [header, ...problems] = message.split('\n');
    expect(header).toBe(`Invalid marts (config/marts, ${problems.length} problem${problems.length === 1 ? '' : 's'}):`);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('  - mart "genre_ratings" '))).toBe(true);
    expect(problems[0]).toMatch(/^ {2}- mart "genre_ratings" \(config\/marts\/genre_ratings\.sql:2:\d+\): .*missing_table/);
  });

  it('fails when the marts database is not the stage\'s marts database', () => {
    const app = new App();
    const base = new Stack(app, 'Base', { env: ENV });
    const key = new kms.Key(base, 'K');
    const b = new s3.Bucket(base, 'B');
    const wg = new QueryWorkgroup(base, 'W', { workgroupName: 'w', description: 'w', resultsBucket: b, encryptionKey: key, bytesScannedCutoffPerQuery: 10_000_000 });
    const db = glue.Database.fromDatabaseArn(base, 'Db', 'arn:aws:glue:eu-west-1:123456789012:database/lakeforge_acc_marts');
    expect(
      () =>
        new PipelineStack(app, 'P', {
          env: ENV,
          environmentName: 'dev',
          pipeline: CONFIG.pipeline,
          curatedLookbackHours: LOOKBACK,
          marts: MARTS,
          contracts: CONTRACTS,
          rawBucket: b,
          curatedBucket: b,
          martsBucket: b,
          resultsBucket: b,
          encryptionKey: key,
          martsDatabase: db,
          tableDdl: { serviceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:f', workgroupName: 'w' },
          platformWorkgroup: wg,
          analystsWorkgroup: wg,
          alarmTopic: new sns.Topic(base, 'T'),
          logRetention: logs.RetentionDays.ONE_DAY,
          allowDestroy: false,
        }),
    ).toThrow(/martsDatabase is "lakeforge_acc_marts", expected "lakeforge_dev_marts"/);
  });
});

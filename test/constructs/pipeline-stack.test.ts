import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ConfigError } from '../../config';
import { MARTS } from '../../config/marts';
import { QueryWorkgroup } from '../../lib/constructs/analytics/query-workgroup';
import { MART_REFRESH_SERVICE_NAME } from '../../lambdas/mart-refresh/core';
import { LAKEFORGE_LAMBDA_RUNTIME, LAKEFORGE_METRICS_NAMESPACE } from '../../lib/constructs/ingestion/kinesis-ingestion';
import { readContractTables } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { CURATED_SCHEDULE, renderRefreshPlan } from '../../lib/marts/render';
import { trinoSql } from '../../lib/marts/trino-parser';
import { MartsCheckError, MartsStack } from '../../lib/stacks/marts-stack';

const CONTRACTS = readContractTables(path.join(__dirname, '..', '..', 'config', 'contracts'));
const ENV = { account: '123456789012', region: 'eu-west-1' };

/** Storage, catalog and workgroups in their own stack, as in a stage, and the marts stack on top. */
function setup(marts: readonly Mart[] = MARTS) {
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
  const build = () =>
    new MartsStack(app, 'Marts', {
      env: ENV,
      environmentName: 'dev',
      marts,
      contracts: CONTRACTS,
      rawBucket: raw,
      curatedBucket: curated,
      martsBucket,
      resultsBucket: results,
      encryptionKey: key,
      catalogEncryptionKey: catalogKey,
      martsDatabase,
      platformWorkgroup: platform,
      analystsWorkgroup: analysts,
      logRetention: logs.RetentionDays.ONE_MONTH,
      allowDestroy: false,
    });
  return { app, base, key, catalogKey, raw, curated, martsBucket, results, build };
}

// One bundling for the whole file: NodejsFunction runs esbuild for each construct.
const shared = setup();
const stack = shared.build();
const template = Template.fromStack(stack);
const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
const plan = renderRefreshPlan('dev', MARTS, CONTRACTS);
const importOf = (construct: { node: { defaultChild?: unknown } } | undefined) => {
  const id = shared.base.getLogicalId(construct!.node.defaultChild as never);
  return Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp(id) });
};
const ofType = (type: string) => Object.values(json.Resources).filter((r) => r.Type === type);

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
function policyStatements(rolePrefix: string): Statement[] {
  const policies = Object.entries(json.Resources).filter(
    ([, r]) => r.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(r.Properties.Roles).includes(rolePrefix),
  );
  expect(policies).toHaveLength(1);
  return (policies[0][1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);
const refreshStatements = policyStatements('MartRefreshMartRefreshRole');
const glueTableName = (r: unknown) => /:table\/([^"]+)/.exec(JSON.stringify(r))?.[1];

describe('MartsStack schedules', () => {
  const steps = [
    ...CONTRACTS.map((c) => ({ payload: { curated: c.tableName }, expression: CURATED_SCHEDULE })),
    ...MARTS.map((m) => ({ payload: { mart: m.name }, expression: m.schedule })),
  ];

  it('creates one schedule per curated step and per mart', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', CONTRACTS.length + MARTS.length);
  });

  it.each(steps)('schedules $payload with its declared expression, in UTC', ({ payload, expression }) => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: expression,
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: Match.objectLike({ Input: JSON.stringify(payload) }),
    });
  });

  it('retries undelivered invocations a bounded number of times and keeps them in the dead-letter queue', () => {
    for (const s of ofType('AWS::Scheduler::Schedule')) {
      const target = s.Properties.Target as Record<string, { Arn?: unknown; MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number }>;
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 });
      expect(JSON.stringify(target.DeadLetterConfig.Arn)).toMatch(/MartRefreshDeadLetterQueue/);
      expect(JSON.stringify(target.Arn)).toMatch(/MartRefreshFunction/);
    }
  });

  it('encrypts the dead-letter queue with the lake key and denies non-TLS access', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: importOf(shared.key), MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('lets the scheduler role invoke only the refresh function and write only to the dead-letter queue', () => {
    const statements = policyStatements('MartRefreshMartRefreshSchedulerRole');
    expect(statements.flatMap(actions).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'lambda:InvokeFunction', 'sqs:SendMessage']);
    const invoke = statements.find((s) => actions(s).includes('lambda:InvokeFunction'))!;
    expect(JSON.stringify(resources(invoke))).toMatch(/^\[\{"Fn::GetAtt":\["MartRefreshMartRefreshFunction\w+","Arn"\]\}\]$/);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': ENV.account } } })],
      },
    });
  });
});

describe('MartsStack refresh permissions', () => {
  const steps = Object.values(plan.steps);
  const key = (t: { database: string; table: string }) => `${t.database}/${t.table}`;
  const readOrWritten = new Set(steps.flatMap((s) => [...s.reads, ...s.writes]).map(key));
  const written = new Set(steps.flatMap((s) => s.writes).map(key));

  it('uses no wildcard actions and no inline policies', () => {
    for (const a of refreshStatements.flatMap(actions)) expect(a).not.toMatch(/\*/);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('allows Athena only on the platform workgroup', () => {
    const athena = refreshStatements.filter((s) => actions(s).some((a) => a.startsWith('athena:')));
    expect(athena).toHaveLength(1);
    expect(actions(athena[0]).sort()).toEqual(['athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StartQueryExecution', 'athena:StopQueryExecution']);
    expect(resources(athena[0])).toHaveLength(1);
    expect(JSON.stringify(resources(athena[0]))).toMatch(/:workgroup\/lakeforge-dev-platform"/);
  });

  it('can fetch the freshness result: GetQueryResults in the workgroup and S3 read and decrypt of its results prefix', () => {
    const results = refreshStatements.find((s) => actions(s).includes('athena:GetQueryResults'))!;
    expect(JSON.stringify(resources(results))).toMatch(/:workgroup\/lakeforge-dev-platform"/);
    const objects = refreshStatements.filter((s) => actions(s).includes('s3:GetObject') && JSON.stringify(resources(s)).includes('/lakeforge-dev-platform/*'));
    expect(objects).toHaveLength(1);
    const decrypt = refreshStatements.filter((s) => actions(s).includes('kms:Decrypt') && JSON.stringify(resources(s)).includes('LakeKey'));
    expect(decrypt).toHaveLength(1);
  });

  it('allows Glue reads on exactly the tables the plan reads or writes', () => {
    const read = refreshStatements.find((s) => actions(s).includes('glue:GetTable'))!;
    const tables = resources(read).map(glueTableName).filter((t): t is string => t !== undefined);
    expect(new Set(tables)).toEqual(readOrWritten);
    expect(tables).not.toContain('lakeforge_dev_raw/content_catalog_links');
  });

  it('allows glue:UpdateTable (the Iceberg commit) on exactly the written curated and mart tables', () => {
    const commit = refreshStatements.filter((s) => actions(s).includes('glue:UpdateTable'));
    expect(commit).toHaveLength(1);
    expect(actions(commit[0])).toEqual(['glue:UpdateTable']);
    const tables = resources(commit[0]).map(glueTableName).filter((t): t is string => t !== undefined);
    expect(new Set(tables)).toEqual(written);
    expect(tables.some((t) => t.startsWith('lakeforge_dev_raw/'))).toBe(false);
  });

  it.each([
    ['the source prefixes (read only)', 's3:PutObject', 'ReadSourceData', ['events/com.lakeforge.ott/rating_submitted/v1/*', 'batch/content-catalog/movies/*']],
    ['the written tables', 's3:PutObject', 'ReadWriteTableData', ['daily_engagement/*', 'genre_ratings/*', 'title_popularity/*']],
    ['the platform results prefix', 's3:PutObject', 'WriteQueryResults', ['lakeforge-dev-platform/*']],
  ])('scopes S3 object access to %s', (_what, writeAction, sid, prefixes) => {
    const s = refreshStatements.find((x) => x.Sid === sid)!;
    const rendered = JSON.stringify(resources(s));
    for (const p of prefixes) expect(rendered).toContain(`/${p}`);
    expect(actions(s).includes(writeAction)).toBe(sid !== 'ReadSourceData');
  });

  it('lists buckets only under the tables\' prefixes', () => {
    const lists = refreshStatements.filter((s) => actions(s).includes('s3:ListBucket'));
    expect(lists.length).toBeGreaterThan(0);
    for (const s of lists) expect(s.Condition).toEqual({ StringLike: { 's3:prefix': expect.any(Array) } });
  });

  it('uses the lake key and the catalog key', () => {
    const kmsStatements = refreshStatements.filter((s) => actions(s).some((a) => a.startsWith('kms:')));
    const keys = kmsStatements.map((s) => JSON.stringify(resources(s)));
    expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(/LakeKey/), expect.stringMatching(/CatalogKey/)]));
  });
});

describe('MartsStack mart tables', () => {
  it.each(MARTS.map((m) => [m.name, m] as const))('creates %s as an Iceberg v2 table with the declared columns under <mart>/', (name, mart) => {
    const bucketId = shared.base.getLogicalId(shared.martsBucket.node.defaultChild as never);
    template.hasResourceProperties('AWS::Glue::Table', {
      CatalogId: ENV.account,
      DatabaseName: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('MartsDatabase') }),
      OpenTableFormatInput: { IcebergInput: { MetadataOperation: 'CREATE', Version: '2' } },
      TableInput: Match.objectLike({
        Name: name,
        TableType: 'EXTERNAL_TABLE',
        Owner: mart.owner,
        StorageDescriptor: {
          Columns: mart.output.columns.map((c) => ({ Name: c.name, Type: c.type, Comment: c.description })),
          Location: {
            'Fn::Join': ['', ['s3://', Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp(bucketId) }), `/${name}/`]],
          },
        },
      }),
    });
  });

  it('retains the table definitions', () => {
    for (const [, r] of Object.entries(template.findResources('AWS::Glue::Table'))) expect(r.DeletionPolicy).toBe('Retain');
  });
});

describe('MartsStack saved queries', () => {
  it.each(MARTS.map((m) => m.name))('saves a 100-row preview of %s in the analysts workgroup', (name) => {
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      WorkGroup: 'lakeforge-dev-analysts',
      Database: 'lakeforge_dev_marts',
      QueryString: `SELECT * FROM lakeforge_dev_marts.${name} LIMIT 100`,
    });
  });

  it('saves a freshness query per curated table', () => {
    for (const c of CONTRACTS) {
      template.hasResourceProperties('AWS::Athena::NamedQuery', {
        Database: 'lakeforge_dev_curated',
        QueryString: Match.stringLikeRegexp(`FROM lakeforge_dev_curated\\.${c.tableName} AS c`),
      });
    }
  });

  it('saves only queries that parse with the Trino grammar and use physical names', () => {
    const queries = ofType('AWS::Athena::NamedQuery').map((q) => q.Properties.QueryString as string);
    expect(queries).toHaveLength(MARTS.length + CONTRACTS.length);
    for (const sql of queries) {
      expect({ sql, errors: trinoSql().validate(sql) }).toEqual({ sql, errors: [] });
      expect(sql).not.toMatch(/\b(raw|curated|marts)\.\w/);
    }
  });

  it('depends on the stack that owns the workgroups (they are referenced by name)', () => {
    expect(stack.dependencies.map((d) => d.stackName)).toContain(shared.base.stackName);
  });
});

describe('MartsStack refresh function', () => {
  it('runs the pinned runtime on ARM64 with the platform workgroup, its own log group, a DLQ and one refresh at a time', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: LAKEFORGE_LAMBDA_RUNTIME.name,
      Architectures: ['arm64'],
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
      Environment: { Variables: Match.objectLike({ MART_REFRESH_WORKGROUP: 'lakeforge-dev-platform', NODE_OPTIONS: '--enable-source-maps' }) },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Match.stringLikeRegexp('^MartRefreshMartRefreshLogGroup') } },
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MartRefreshMartRefreshDeadLetterQueue'), 'Arn'] } },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 7200 });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30, KmsKeyId: importOf(shared.key) });
  });

  it('publishes its freshness metrics under the namespace and service the freshness alarms watch', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: MART_REFRESH_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE: LAKEFORGE_METRICS_NAMESPACE }) },
    });
    expect([MART_REFRESH_SERVICE_NAME, LAKEFORGE_METRICS_NAMESPACE]).toEqual(['lakeforge-mart-refresh', 'Lakeforge']);
  });

  it('reads the freshness of every curated table, and of no mart', () => {
    const probed = Object.values(plan.steps).flatMap((s) => (s.freshness === undefined ? [] : [[s.id, `${s.freshness.table.database}.${s.freshness.table.table}`]]));
    expect(probed).toEqual(CONTRACTS.map((c) => [`curated.${c.tableName}`, `lakeforge_dev_curated.${c.tableName}`]));
  });

  it('bundles the stage\'s rendered refresh plan as refresh-plan.json', () => {
    const fn = ofType('AWS::Lambda::Function')[0];
    const hash = String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '');
    const bundled = JSON.parse(fs.readFileSync(path.join(shared.app.outdir, `asset.${hash}`, 'refresh-plan.json'), 'utf8'));
    expect(bundled).toEqual(JSON.parse(JSON.stringify(plan)));
  });
});

describe('MartsStack checks', () => {
  const broken = (sql: string): Mart[] => MARTS.map((m) => (m.name === 'genre_ratings' ? { ...m, sql } : m));

  it('fails when a mart references a missing table, naming the mart, file:line:col and the table, on one line', () => {
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
    expect(message).toMatch(/mart "genre_ratings" \(config\/marts\/genre_ratings\.sql:2:\d+\): .*missing_table/);
    expect(message).not.toContain('\n');
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
        new MartsStack(app, 'M', {
          env: ENV,
          environmentName: 'dev',
          marts: MARTS,
          contracts: CONTRACTS,
          rawBucket: b,
          curatedBucket: b,
          martsBucket: b,
          resultsBucket: b,
          encryptionKey: key,
          martsDatabase: db,
          platformWorkgroup: wg,
          analystsWorkgroup: wg,
          logRetention: logs.RetentionDays.ONE_DAY,
          allowDestroy: false,
        }),
    ).toThrow(/martsDatabase is "lakeforge_acc_marts", expected "lakeforge_dev_marts"/);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadAllConfigs } from '../../config';
import { loadPlatform } from '../../config/platform';
import { FAILURE_TYPES } from '../../lambdas/shared/failure-types';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../../lib/app';
import { POLICY_PACKS } from '../../lib/governance/pack-names';
import { synthesizeAll, synthesizeApp } from '../../tools/synth';
import { diffStatefulIds, parseStatefulIds, renderStatefulIds, statefulIdGuardMessage, UPDATE_STATEFUL_IDS_ENV, type StatefulIds } from '../../tools/test-update';
import { ICEBERG_TABLES_RESOURCE_TYPE, type TableDdlTable } from '../../lambdas/shared/table-ddl-properties';
import { PIPELINE_SERVICE_NAME } from '../../lib/pipeline/metrics';
import { lakeforgeApp, stackPaths } from '../helpers/app';
import { allStates, definitionOf, mainPath } from '../helpers/state-machine';

const STATEFUL_TYPES = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Glue::Database', 'AWS::Glue::DataCatalogEncryptionSettings', 'AWS::Athena::WorkGroup', 'AWS::Kinesis::Stream', 'AWS::Logs::LogGroup', 'AWS::Glue::Table'];
const GUARD_FILE = path.join(__dirname, 'stateful-logical-ids.json');
/** `npm run test:update` sets this: the guard rewrites its list from the app instead of comparing. */
const UPDATE_GUARD = process.env[UPDATE_STATEFUL_IDS_ENV] === '1';
const STAGES = ['Dev', 'Acc', 'Prod'];
const ENV_OF: Record<string, string> = { Dev: 'dev', Acc: 'acc', Prod: 'prod' };

/** A database name, or the name a cross-stack reference to a Catalog stack database stands for. */
function databaseOf(database: unknown, env: string): string {
  if (typeof database === 'string') return database;
  const zone = /Catalog(Raw|Curated|Marts)Database/.exec(JSON.stringify(database))?.[1];
  if (zone === undefined) throw new Error(`unexpected database reference ${JSON.stringify(database)}`);
  return `lakeforge_${env}_${zone.toLowerCase()}`;
}

function statefulIds(stackPath: string): Record<string, string> {
  const resources = lakeforgeApp().template(stackPath).toJSON().Resources as Record<string, { Type: string }>;
  return Object.fromEntries(
    Object.entries(resources)
      .filter(([, r]) => STATEFUL_TYPES.includes(r.Type))
      .map(([id, r]) => [id, r.Type]),
  );
}

describe('the Lakeforge app', () => {
  const t = lakeforgeApp();

  it('has one stage per environment with storage, catalog and analytics stacks', () => {
    expect(Object.keys(t.stages)).toEqual(['Dev', 'Acc', 'Prod']);
    expect(stackPaths(t)).toEqual(expect.arrayContaining(['Dev/Storage', 'Acc/Catalog', 'Prod/Analytics']));
  });

  it.each(['Dev', 'Acc', 'Prod'])('matches the template snapshot of every %s stack', (stage) => {
    for (const p of stackPaths(t).filter((x) => x.startsWith(`${stage}/`))) {
      expect(t.template(p).toJSON()).toMatchSnapshot(p);
    }
  });

  it('keeps the logical ids of stateful resources (renaming one replaces data), and guards every one of them', () => {
    const actual: StatefulIds = Object.fromEntries(stackPaths(t).flatMap((p) => [[p, statefulIds(p)] as const].filter(([, ids]) => Object.keys(ids).length > 0)));
    if (UPDATE_GUARD) {
      fs.writeFileSync(GUARD_FILE, renderStatefulIds(actual));
      return;
    }
    // A renamed, removed or retyped id replaces the resource; a new one is accepted on purpose, through `npm run test:update`.
    const changes = diffStatefulIds(parseStatefulIds(fs.readFileSync(GUARD_FILE, 'utf8')), actual);
    if (changes.length > 0) throw new Error(statefulIdGuardMessage(changes));
  });

  it('retains every bucket, key, Glue database, workgroup, stream and log group in prod, with no auto-delete custom resource', () => {
    for (const p of stackPaths(t).filter((x) => x.startsWith('Prod/'))) {
      const json = t.template(p).toJSON();
      for (const [id, r] of Object.entries(json.Resources as Record<string, { Type: string; DeletionPolicy?: string }>)) {
        if (STATEFUL_TYPES.includes(r.Type) && r.Type !== 'AWS::Glue::DataCatalogEncryptionSettings') {
          expect({ id, policy: r.DeletionPolicy }).toEqual({ id, policy: 'Retain' });
        }
        expect(r.Type).not.toBe('Custom::S3AutoDeleteObjects');
      }
    }
  });

  it('turns termination protection on in acc and prod and off in dev, as configured', () => {
    for (const p of stackPaths(t)) expect({ p, on: t.stack(p).terminationProtection }).toEqual({ p, on: !p.startsWith('Dev/') });
  });

  it('lets dev destroy its buckets because its config allows it', () => {
    const buckets = Object.values(t.template('Dev/Storage').findResources('AWS::S3::Bucket'));
    expect(buckets.length).toBeGreaterThan(0);
    for (const b of buckets) expect(b.DeletionPolicy).toBe('Delete');
  });

  it('names Glue databases lakeforge_<env>_<zone> in every stage', () => {
    for (const env of ['dev', 'acc', 'prod']) {
      const names = Object.values(t.template(`${env.charAt(0).toUpperCase()}${env.slice(1)}/Catalog`).findResources('AWS::Glue::Database')).map(
        (d) => d.Properties.DatabaseInput.Name,
      );
      expect(names.sort()).toEqual([`lakeforge_${env}_curated`, `lakeforge_${env}_marts`, `lakeforge_${env}_raw`]);
    }
  });

  it.each(STAGES)('creates every declared product\'s raw tables in its domain\'s Products stack, event tables with partition projection, in %s', (stage) => {
    const platform = loadPlatform();
    const tableOf = (uri: string): string => platform.contractTables.find((c) => c.versions.includes(uri))!.tableName;
    const stackOf = (domain: string): string => `${stage}/Products${domain.charAt(0).toUpperCase()}${domain.slice(1)}`;
    const domains = [...new Set(platform.products.map((p) => p.domain))];
    expect(stackPaths(t).filter((p) => p.startsWith(`${stage}/Products`)).sort()).toEqual(domains.map(stackOf).sort());
    for (const domain of domains) {
      const products = platform.products.filter((p) => p.domain === domain);
      const events = [...new Set(products.flatMap((p) => p.contracts.map(tableOf)))];
      const batch = products.flatMap((p) => p.batchTables);
      const inputs = Object.values(t.template(stackOf(domain)).findResources('AWS::Glue::Table')).map((r) => r.Properties.TableInput);
      expect({ domain, tables: inputs.map((i) => i.Name).sort() }).toEqual({ domain, tables: [...events, ...batch].sort() });
      for (const input of inputs.filter((i) => events.includes(i.Name))) expect({ table: input.Name, projection: input.Parameters['projection.enabled'] }).toEqual({ table: input.Name, projection: 'true' });
    }
    const badRows = Object.values(t.template(`${stage}/Catalog`).findResources('AWS::Glue::Table')).map((r) => r.Properties.TableInput);
    expect(badRows.map((i) => i.Name)).toEqual(['bad_rows']);
    expect(badRows[0].Parameters['projection.failure_type.values'].split(',').sort()).toEqual([...FAILURE_TYPES].sort());
  });

  it.each(STAGES)('alarms on the freshness SLA of every product\'s curated table in %s, on the pipeline\'s metric, and on none of a batch-only product', (stage) => {
    const freshnessStacks = stackPaths(t).filter((p) => p.startsWith(`${stage}/Freshness`));
    const alarms = freshnessStacks.flatMap((p) => Object.values(t.template(p).findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'CuratedFreshnessSeconds' } })));
    const dim = (a: (typeof alarms)[number], name: string) => (a.Properties.Dimensions as Array<{ Name: string; Value: string }>).find((d) => d.Name === name)!.Value;
    const got = alarms.map((a) => [dim(a, 'Table'), a.Properties.Threshold, a.Properties.TreatMissingData]);
    const platform = loadPlatform();
    const expected = platform.products.flatMap((p) =>
      p.contracts.map((uri) => [`${uri.split('/')[1]}_v${uri.split('/')[3].split('-')[0]}`, p.freshnessSlaMinutes * 60, 'breaching']),
    );
    expect(got.sort()).toEqual(expected.sort());
    for (const a of alarms) expect(dim(a, 'service')).toBe(PIPELINE_SERVICE_NAME);
    const batchOnly = platform.products.filter((p) => p.contracts.length === 0).map((p) => p.name);
    expect(batchOnly.length).toBeGreaterThan(0);
    for (const a of alarms) for (const name of batchOnly) expect(a.Properties.AlarmDescription).not.toContain(`Data product ${name}:`);
  });

  it.each(STAGES)('alarms on failed, timed-out and aborted executions of the %s pipeline state machine, found by its physical name, and shows the schedules\' dead-letter alarm', (stage) => {
    const machine = Object.values(t.template(`${stage}/Pipeline`).findResources('AWS::StepFunctions::StateMachine'))[0];
    expect(machine.Properties.StateMachineName).toBe(`lakeforge-${ENV_OF[stage]}-pipeline`);
    const alarms = Object.values(t.template(`${stage}/Monitoring`).findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/States' } }));
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const a of alarms) expect(JSON.stringify(a.Properties.Dimensions)).toContain(`:stateMachine:lakeforge-${ENV_OF[stage]}-pipeline`);
    const deadLetters = Object.values(t.template(`${stage}/Pipeline`).findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'ApproximateNumberOfMessagesVisible' } }));
    expect(deadLetters.map((a) => a.Properties.AlarmName)).toEqual([`lakeforge-${ENV_OF[stage]}-pipeline-schedule-dead-letters`]);
    const [dashboard] = Object.values(t.template(`${stage}/Monitoring`).findResources('AWS::CloudWatch::Dashboard'));
    expect(JSON.stringify(dashboard.Properties.DashboardBody)).toContain(`:alarm:lakeforge-${ENV_OF[stage]}-pipeline-schedule-dead-letters`);
  });

  it.each(STAGES)('runs the curated steps, then the marts, with Athena tasks that wait for the query, in the %s state machine', (stage) => {
    const { definition } = definitionOf(t.template(`${stage}/Pipeline`).toJSON());
    const steps = mainPath(definition);
    const curated = steps.indexOf('Curated steps');
    const marts = steps.findIndex((n) => n.startsWith('Marts level'));
    expect(curated).toBeGreaterThanOrEqual(0);
    expect(marts).toBeGreaterThan(curated);
    const resources = Object.values(allStates(definition)).flatMap((s) => (s.Resource === undefined ? [] : [s.Resource]));
    expect(resources.some((r) => /:states:::athena:startQueryExecution\.sync$/.test(r))).toBe(true);
    expect(resources.filter((r) => r.includes('lambda'))).toEqual([]);
  });

  it('drives Athena from no scheduled Lambda function: every schedule starts a state machine, and no rule targets a function', () => {
    for (const p of stackPaths(t)) {
      const template = t.template(p);
      const machines = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));
      for (const s of Object.values(template.findResources('AWS::Scheduler::Schedule'))) {
        expect({ p, target: s.Properties.Target.Arn }).toEqual({ p, target: { Ref: expect.stringMatching(new RegExp(`^(${machines.join('|')})$`)) } });
      }
      for (const r of Object.values(template.findResources('AWS::Events::Rule'))) expect(JSON.stringify(r.Properties.Targets ?? [])).not.toMatch(/Lambda|lambda/);
      for (const f of Object.values(template.findResources('AWS::Lambda::Function'))) expect(JSON.stringify(f.Properties.Environment ?? {})).not.toMatch(/MART_REFRESH/);
    }
  });

  it('defines no Iceberg table as an AWS::Glue::Table in any stage (a CloudFormation update strips its Iceberg metadata)', () => {
    for (const p of stackPaths(t)) {
      for (const [id, r] of Object.entries(t.template(p).findResources('AWS::Glue::Table'))) {
        const input = r.Properties.TableInput as { Parameters?: Record<string, string> };
        expect({ p, id, iceberg: r.Properties.OpenTableFormatInput, tableType: input.Parameters?.table_type }).toEqual({ p, id, iceberg: undefined, tableType: undefined });
      }
    }
  });

  it.each(STAGES)('creates every curated, mart and watermark Iceberg table of %s with Athena DDL', (stage) => {
    const env = ENV_OF[stage];
    const declared = stackPaths(t)
      .filter((p) => p.startsWith(`${stage}/`))
      .flatMap((p) => Object.values(t.template(p).findResources(ICEBERG_TABLES_RESOURCE_TYPE)))
      .flatMap((r) => (r.Properties.Tables as TableDdlTable[]).map((x) => `${databaseOf(x.Database, env)}.${x.Table}`));
    const platform = loadPlatform();
    const expected = [
      ...new Set(platform.products.flatMap((p) => p.contracts.map((uri) => `lakeforge_${env}_curated.${uri.split('/')[1]}_v${uri.split('/')[3].split('-')[0]}`))),
      `lakeforge_${env}_curated.lakeforge_watermarks`,
      ...platform.marts.map((m) => `lakeforge_${env}_marts.${m.name}`),
    ];
    expect(declared.sort()).toEqual(expected.sort());
  });

  it('gives the platform workgroup its own, larger scan limit and the consumer workgroups theirs, from config', () => {
    for (const config of loadAllConfigs()) {
      const stage = `${config.name.charAt(0).toUpperCase()}${config.name.slice(1)}`;
      const cutoffs = Object.fromEntries(
        Object.values(t.template(`${stage}/Analytics`).findResources('AWS::Athena::WorkGroup')).map((w) => [w.Properties.Name, w.Properties.WorkGroupConfiguration.BytesScannedCutoffPerQuery]),
      );
      expect(cutoffs[`lakeforge-${config.name}-platform`]).toBe(config.analytics.platformBytesScannedCutoffPerQuery);
      expect(cutoffs[`lakeforge-${config.name}-analysts`]).toBe(config.analytics.bytesScannedCutoffPerQuery);
      expect(config.analytics.platformBytesScannedCutoffPerQuery).toBeGreaterThan(config.analytics.bytesScannedCutoffPerQuery);
    }
  });

  it('owns the Glue catalog encryption in exactly one stack per account and region', () => {
    const owners = new Map<string, string[]>();
    for (const p of stackPaths(t)) {
      if (Object.keys(t.template(p).findResources('AWS::Glue::DataCatalogEncryptionSettings')).length === 0) continue;
      const s = t.stack(p);
      const key = `${s.account}/${s.region}`;
      owners.set(key, [...(owners.get(key) ?? []), p]);
    }
    expect(owners.size).toBe(3);
    for (const stacks of owners.values()) expect(stacks).toHaveLength(1);
  });
});

describe('the policy gate', () => {
  it('finds zero unacknowledged findings across all packs (Control Tower included) and all stages', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-synth-'));
    const result = synthesizeAll(outdir);
    expect(result.packs).toEqual([...POLICY_PACKS]);
    expect(result.findings).toEqual([]);
    expect(result.stages).toEqual(['Dev', 'Acc', 'Prod']);
    for (const stage of ['Dev', 'Acc', 'Prod']) expect(fs.existsSync(path.join(outdir, `assembly-${stage}`, 'manifest.json'))).toBe(true);
    // The audit report (cdk.out/audit/<stage>/report.json): every stage's acknowledged entries have a reason.
    for (const stage of ['Dev', 'Acc', 'Prod']) {
      const audit = JSON.parse(fs.readFileSync(path.join(outdir, 'audit', stage, 'report.json'), 'utf8')) as { entries: { status: string; reason?: string }[] };
      const acknowledged = audit.entries.filter((e) => e.status === 'acknowledged');
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const a of acknowledged) expect(a.reason?.length).toBeGreaterThanOrEqual(20);
    }
  });

  it('fails synth on a resource that breaks the rules (an unencrypted, unlogged bucket)', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-synth-')), context: LAKEFORGE_APP_CONTEXT });
    const [dev] = addLakeforgeStages(app, loadAllConfigs(), loadPlatform());
    new s3.Bucket(new Stack(dev, 'Scratch'), 'Unsafe');
    const result = synthesizeApp(app);
    const rules = new Set(result.findings.map((f) => f.rule));
    for (const rule of ['AwsSolutions-S1', 'AwsSolutions-S10', 'NIST.800.53.R5-S3DefaultEncryptionKMS', 'HIPAA.Security-S3BucketSSLRequestsOnly', 'PCI.DSS.321-S3BucketLoggingEnabled']) {
      expect(rules.has(rule)).toBe(true);
    }
    expect(result.findings.every((f) => f.path.startsWith('Dev/Scratch/'))).toBe(true);
  });

  it('fails `lakeforge synth` with a header and one line naming the field path, no stack trace, on a broken config value', () => {
    const script = [
      "const envs = require('./config/environments').environments;",
      'envs.prod.analytics.bytesScannedCutoffPerQuery = 1024;',
      "require('./tools/cli').main(['node', 'lakeforge', 'synth', '--output', process.argv[1]]);",
    ].join('\n');
    const out = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-bad-'))], {
      cwd: path.join(__dirname, '../..'),
      encoding: 'utf8',
    });
    expect(out.status).toBe(1);
    const lines = out.stderr.split('\n').filter((l) => l.trim() !== '' && !l.includes('nodedir'));
    expect(lines).toEqual([
      expect.stringMatching(/^Invalid Lakeforge configuration \(config\/environments\.ts\):$/),
      expect.stringMatching(/^ {2}- prod\.analytics\.bytesScannedCutoffPerQuery: expected ≥ 10 MB/),
    ]);
  });
});

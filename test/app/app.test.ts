import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { loadAllConfigs } from '../../config';
import { loadPlatform } from '../../config/platform';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../../lib/app';
import { synthesizeAll, synthesizeApp } from '../../tools/synth';
import { lakeforgeApp, stackPaths } from '../helpers/app';

const STATEFUL_TYPES = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Glue::Database', 'AWS::Glue::DataCatalogEncryptionSettings', 'AWS::Athena::WorkGroup', 'AWS::Kinesis::Stream', 'AWS::Logs::LogGroup', 'AWS::Glue::Table'];
const GUARD_FILE = path.join(__dirname, 'stateful-logical-ids.json');

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

  it('keeps the logical ids of stateful resources (renaming one replaces data)', () => {
    const guard = JSON.parse(fs.readFileSync(GUARD_FILE, 'utf8')) as Record<string, Record<string, string>>;
    for (const [stackPath, expected] of Object.entries(guard)) {
      const actual = statefulIds(stackPath);
      for (const [id, type] of Object.entries(expected)) {
        expect({ stackPath, id, type: actual[id] }).toEqual({ stackPath, id, type });
      }
    }
    // Every stateful resource in the app is guarded, so a new one is added to the guard on purpose.
    for (const p of stackPaths(t)) expect(Object.keys(statefulIds(p)).sort()).toEqual(Object.keys(guard[p] ?? {}).sort());
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

  it.each(['Dev', 'Acc', 'Prod'])('creates the reference products\' tables with partition projection in %s', (stage) => {
    const tables = Object.values(t.template(`${stage}/ProductsEngagement`).findResources('AWS::Glue::Table')).map((r) => r.Properties);
    const raw = tables.filter((p) => !p.OpenTableFormatInput).map((p) => p.TableInput);
    expect(raw.map((i) => i.Name).sort()).toEqual(['rating_submitted_v1', 'tag_added_v1']);
    for (const input of raw) expect(input.Parameters['projection.enabled']).toBe('true');
    expect(tables.filter((p) => p.OpenTableFormatInput).map((p) => p.TableInput.Name).sort()).toEqual(['rating_submitted_v1', 'tag_added_v1']);
    const batch = Object.values(t.template(`${stage}/ProductsContent`).findResources('AWS::Glue::Table')).map((r) => r.Properties.TableInput.Name);
    expect(batch.sort()).toEqual(['content_catalog_links', 'content_catalog_movies']);
    const badRows = Object.values(t.template(`${stage}/Catalog`).findResources('AWS::Glue::Table')).map((r) => r.Properties.TableInput);
    expect(badRows.map((i) => i.Name)).toEqual(['bad_rows']);
    expect(badRows[0].Parameters['projection.failure_type.values'].split(',').sort()).toEqual(['envelope_invalid', 'not_json', 'schema_unknown', 'schema_violation', 'size_exceeded']);
  });

  it.each(['Dev', 'Acc', 'Prod'])('alarms on the freshness SLA of every product\'s curated table in %s, and on none of a batch-only product', (stage) => {
    const alarms = Object.values(t.template(`${stage}/Monitoring`).findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'CuratedFreshnessSeconds' } }));
    const got = alarms.map((a) => [(a.Properties.Dimensions as Array<{ Name: string; Value: string }>).find((d) => d.Name === 'Table')!.Value, a.Properties.Threshold, a.Properties.TreatMissingData]);
    const platform = loadPlatform();
    const expected = platform.products.flatMap((p) =>
      p.contracts.map((uri) => [`${uri.split('/')[1]}_v${uri.split('/')[3].split('-')[0]}`, p.freshnessSlaMinutes * 60, 'breaching']),
    );
    expect(got.sort()).toEqual(expected.sort());
    expect(platform.products.some((p) => p.contracts.length === 0)).toBe(true);
    for (const a of alarms) expect(a.Properties.AlarmDescription).not.toMatch(/content-catalog/);
  });

  it.each(['Dev', 'Acc', 'Prod'])('creates the mart refresh function, its schedules and the mart tables in %s', (stage) => {
    const marts = t.template(`${stage}/Marts`);
    const fns = Object.entries(marts.findResources('AWS::Lambda::Function')).map(([id]) => id);
    expect(fns.some((id) => id.includes('MartRefresh'))).toBe(true);
    const schedules = Object.values(marts.findResources('AWS::Scheduler::Schedule')).map((r) => JSON.stringify(r.Properties.Target.Input));
    for (const mart of ['daily_engagement', 'title_popularity', 'genre_ratings']) expect(schedules.some((i) => i.includes(mart))).toBe(true);
    const tables = Object.values(marts.findResources('AWS::Glue::Table')).map((r) => r.Properties.TableInput.Name);
    expect(tables.sort()).toEqual(['daily_engagement', 'genre_ratings', 'title_popularity']);
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
  it('finds zero unacknowledged findings across all four packs and all stages', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-synth-'));
    const result = synthesizeAll(outdir);
    expect(result.packs).toEqual(['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']);
    expect(result.findings).toEqual([]);
    expect(result.stages).toEqual(['Dev', 'Acc', 'Prod']);
    for (const stage of ['Dev', 'Acc', 'Prod']) expect(fs.existsSync(path.join(outdir, `assembly-${stage}`, 'manifest.json'))).toBe(true);
    const audit = JSON.parse(fs.readFileSync(path.join(outdir, 'lakeforge-audit.json'), 'utf8'));
    for (const env of audit.environments) {
      expect(env.acknowledgements.length).toBeGreaterThan(0);
      for (const a of env.acknowledgements) expect(a.reason.length).toBeGreaterThanOrEqual(20);
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

  it('fails `lakeforge synth` with the field path in one line, no stack trace, on a broken config value', () => {
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
    expect(lines).toEqual([expect.stringMatching(/prod\.analytics\.bytesScannedCutoffPerQuery: expected ≥ 10 MB/)]);
  });
});

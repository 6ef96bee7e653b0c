import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge, TODAY_CONTEXT_KEY } from '../../lib/governance/acknowledge';
import { registerPolicyPacks } from '../../lib/governance/policy-packs';
import { AUDIT_BASELINE_CONTEXT, AUDIT_DIR, readAuditBaseline, registerAuditReport, type StageReport } from '../../lib/governance/report';
import { registerLakeforgeChecks } from '../../lib/governance/rules';
import { renderError, synthOutputOf } from '../../tools/cli';
import { newSynthApp, renderSummary, synthesizeAll, synthesizeApp } from '../../tools/synth';
import { synthToleratingFindings } from '../helpers/synth';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const TODAY = '2026-12-01';
const REASON = 'A test bucket: access logs are not what this test is about, and it holds no data.';

/** What differs between the two versions of the small app. */
interface Version {
  /** The workgroup's bytes-scanned cutoff (LF-ATHENA-3), or none. */
  readonly cutoffBytes?: number;
  /** Review date of the Logs bucket's AwsSolutions-S1 acknowledgement. */
  readonly logsReviewBy: string;
  /** Whether the Raw bucket's AwsSolutions-S1 is acknowledged. */
  readonly acknowledgeRaw: boolean;
  /** Whether the stage has the Old bucket. */
  readonly oldBucket: boolean;
}

const V1: Version = { cutoffBytes: 10_000_000, logsReviewBy: '2027-03-01', acknowledgeRaw: true, oldBucket: true };
const V2: Version = { logsReviewBy: '2027-06-01', acknowledgeRaw: false, oldBucket: false };

/** A Dev stage with the AwsSolutions pack and Lakeforge's checks, the audit report on the app (as `addLakeforgeStages` wires them). */
function smallApp(app: App, v: Version): void {
  const stage = new Stage(app, 'Dev', { env: ENV });
  const storage = new Stack(stage, 'Storage', { terminationProtection: false });
  const key = new kms.Key(storage, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
  const bucket = (id: string) => new s3.Bucket(storage, id, { encryptionKey: key, enforceSSL: true, removalPolicy: RemovalPolicy.DESTROY });
  const ack = (b: s3.Bucket, reviewBy: string) =>
    acknowledge(b.node.defaultChild!, { ruleId: 'AwsSolutions-S1', reason: REASON, owner: 'platform-team', approver: 'security-team', reviewBy });
  ack(bucket('Logs'), v.logsReviewBy);
  const raw = bucket('Raw');
  if (v.acknowledgeRaw) ack(raw, '2027-06-01');
  if (v.oldBucket) ack(bucket('Old'), '2027-06-01');
  const analytics = new Stack(stage, 'Analytics', { terminationProtection: true });
  new athena.CfnWorkGroup(analytics, 'Workgroup', {
    name: 'wg',
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      ...(v.cutoffBytes !== undefined ? { bytesScannedCutoffPerQuery: v.cutoffBytes } : {}),
      resultConfiguration: { encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn } },
    },
  });
  registerPolicyPacks(stage, { packs: ['AwsSolutions'] });
  registerLakeforgeChecks([stage]);
  registerAuditReport(app);
}

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const readReport = (outdir: string, stage = 'Dev'): StageReport => JSON.parse(fs.readFileSync(path.join(outdir, AUDIT_DIR, stage, 'report.json'), 'utf8')) as StageReport;
// V2 has findings: synth fails after the report is written, which is what these tests read (any other error fails).
const synth = (app: App) => synthToleratingFindings(app);

describe('a report compared with the previous one (npx cdk synth -c lakeforge:auditBaseline=<dir>)', () => {
  let outdir: string;
  let baselineDir: string;
  let before: StageReport;
  let after: StageReport;

  beforeAll(() => {
    outdir = tmp('lakeforge-changes-');
    const first = new App({ outdir, context: { [TODAY_CONTEXT_KEY]: TODAY } });
    smallApp(first, V1);
    synth(first);
    before = readReport(outdir);
    // The auditor keeps the previous report (here: a copy of cdk.out/audit), then synthesizes the changed app.
    baselineDir = path.join(tmp('lakeforge-baseline-'), 'audit');
    fs.cpSync(path.join(outdir, AUDIT_DIR), baselineDir, { recursive: true });
    const second = new App({ outdir, context: { [TODAY_CONTEXT_KEY]: TODAY, [AUDIT_BASELINE_CONTEXT]: baselineDir } });
    smallApp(second, V2);
    synth(second);
    after = readReport(outdir);
  });

  it('names the baseline it compared with', () => {
    expect(before.changes).toBeUndefined();
    expect(after.changes?.baseline).toEqual({ generatedAt: before.generatedAt, commit: before.commit, stageFound: true });
  });

  it('reports the removed cutoff and the removed acknowledgement as status changes', () => {
    expect(after.changes?.statusChanged).toEqual([
      expect.objectContaining({ pack: 'AwsSolutions', rule: 'AwsSolutions-S1', resource: 'Dev/Storage/Raw/Resource', from: 'acknowledged', to: 'finding' }),
      expect.objectContaining({ pack: 'Lakeforge', rule: 'LF-ATHENA-3', resource: 'Dev/Analytics/Workgroup', logicalId: 'Workgroup', from: 'compliant', to: 'finding' }),
    ]);
  });

  it('reports the renewed acknowledgement’s review date and the removed bucket’s entries', () => {
    expect(after.changes?.reviewByChanged).toEqual([expect.objectContaining({ rule: 'AwsSolutions-S1', resource: 'Dev/Storage/Logs/Resource', from: '2027-03-01', to: '2027-06-01' })]);
    const oldEntries = before.entries.filter((e) => e.resource.startsWith('Dev/Storage/Old/'));
    expect(oldEntries.length).toBeGreaterThan(0);
    expect(after.changes?.removed.map((e) => [e.pack, e.rule, e.resource, e.status]).sort()).toEqual(oldEntries.map((e) => [e.pack, e.rule, e.resource, e.status]).sort());
    expect(after.changes?.added).toEqual([]);
  });

  it('counts each list and keeps the rest of report.json as it was (only adds `changes`)', () => {
    const c = after.changes!;
    expect(c.counts).toEqual({ added: c.added.length, removed: c.removed.length, statusChanged: c.statusChanged.length, reviewByChanged: c.reviewByChanged.length });
    expect(Object.keys(after).filter((k) => k !== 'changes').sort()).toEqual(Object.keys(before).sort());
  });

  it('shows a "Changes since" section after the summary in report.md', () => {
    const md = fs.readFileSync(path.join(outdir, AUDIT_DIR, 'Dev', 'report.md'), 'utf8');
    const section = md.indexOf(`## Changes since ${before.generatedAt}, commit `);
    expect(section).toBeGreaterThan(md.indexOf('## Summary'));
    expect(section).toBeLessThan(md.indexOf('## Stacks'));
    expect(md).toContain('| status changed | Lakeforge | LF-ATHENA-3 | `Dev/Analytics/Workgroup` | Workgroup | compliant | finding |');
    expect(md).toContain('| review date changed | AwsSolutions | AwsSolutions-S1 | `Dev/Storage/Logs/Resource` |');
    expect(md).toContain(`${after.changes!.counts.statusChanged} status change(s), 0 added, ${after.changes!.counts.removed} removed, 1 review date change(s).`);
  });

  it('shows the changes in the stage page (a table after the summary) and their counts on the overview, offline', () => {
    const html = fs.readFileSync(path.join(outdir, AUDIT_DIR, 'Dev', 'index.html'), 'utf8');
    expect(html.indexOf('id="changes"')).toBeGreaterThan(html.indexOf('id="verdict"'));
    expect(html.indexOf('id="changes"')).toBeLessThan(html.indexOf('id="entries"'));
    expect(html).toContain(`Changes since ${before.generatedAt}, commit`);
    const rows = html.match(/<tr data-change="([a-z_]+)">/g) ?? [];
    const c = after.changes!.counts;
    expect(rows).toHaveLength(c.added + c.removed + c.statusChanged + c.reviewByChanged);
    expect(html).toMatch(/<tr data-change="status_changed"><td>status changed<\/td><td>Lakeforge<\/td><td>LF-ATHENA-3<\/td><td><code>Dev\/Analytics\/Workgroup<\/code><\/td><td>Workgroup<\/td><td class="compliant">compliant<\/td><td class="finding">finding<\/td><\/tr>/);
    const overview = fs.readFileSync(path.join(outdir, AUDIT_DIR, 'index.html'), 'utf8');
    expect(overview).toContain(`<td>${c.added}</td><td>${c.removed}</td><td>${c.statusChanged}</td><td>${c.reviewByChanged}</td></tr>`);
    for (const page of [html, overview]) expect(page).not.toMatch(/<link|src=|href="(https?:)?\/\//);
  });

  it('says plainly that a stage missing in the baseline is all new', () => {
    const onlyAcc = tmp('lakeforge-baseline-');
    fs.writeFileSync(path.join(onlyAcc, 'Acc.json'), JSON.stringify({ ...before, stage: 'Acc' }));
    const out = tmp('lakeforge-changes-');
    const app = new App({ outdir: out, context: { [TODAY_CONTEXT_KEY]: TODAY, [AUDIT_BASELINE_CONTEXT]: onlyAcc } });
    smallApp(app, V1);
    synth(app);
    const r = readReport(out);
    expect(r.changes?.baseline.stageFound).toBe(false);
    expect(r.changes?.counts).toEqual({ added: r.entries.length, removed: 0, statusChanged: 0, reviewByChanged: 0 });
    expect(fs.readFileSync(path.join(out, AUDIT_DIR, 'Dev', 'report.md'), 'utf8')).toContain(`Dev is not in the baseline: all ${r.entries.length} entries are new (added).`);
    expect(fs.readFileSync(path.join(out, AUDIT_DIR, 'index.html'), 'utf8')).toContain('Stages in the baseline but not in this synthesis: Acc.');
  });

  it('through `lakeforge synth`: the same changes, summed up in the synth summary', () => {
    const out = tmp('lakeforge-changes-');
    const app = newSynthApp(out);
    app.node.setContext(TODAY_CONTEXT_KEY, TODAY);
    registerAuditReport(app, { baseline: readAuditBaseline(baselineDir) });
    smallApp(app, V2);
    const result = synthesizeApp(app);
    expect(result.reports[0].changes?.statusChanged).toEqual(after.changes?.statusChanged);
    expect(renderSummary(result)).toContain(`Changes since the report of ${before.generatedAt}, commit`);
    expect(renderSummary(result)).toMatch(/ {2}Dev: 2 status change\(s\), 0 added, \d+ removed, 1 review date change\(s\)\./);
  });
});

describe('a baseline that cannot be used stops synth with one line naming it', () => {
  it('lakeforge synth --baseline <missing dir>: synthesizeAll fails before it loads or synthesizes anything', () => {
    const outdir = tmp('lakeforge-changes-');
    fs.mkdirSync(path.join(outdir, AUDIT_DIR));
    const missing = path.join(outdir, 'no-such-report');
    let error: unknown;
    try {
      synthesizeAll(outdir, undefined, { baseline: missing });
    } catch (e) {
      error = e;
    }
    expect(renderError(error)).toBe(`AuditBaselineError: audit baseline ${missing}: no such directory`);
    expect(fs.existsSync(path.join(outdir, AUDIT_DIR))).toBe(true);
  });

  it('-c lakeforge:auditBaseline=<empty dir>: when the app registers the report', () => {
    const empty = tmp('lakeforge-baseline-');
    const app = new App({ outdir: tmp('lakeforge-changes-'), context: { [AUDIT_BASELINE_CONTEXT]: empty } });
    expect(() => registerAuditReport(app)).toThrow(`audit baseline ${empty}: no report found`);
  });
});

describe('a synthesis that fails before the report is written leaves no previous report behind', () => {
  it('an expired acknowledgement (construct validation, before the policy checks): no report.json, a page that says so', () => {
    const outdir = tmp('lakeforge-stale-');
    const first = new App({ outdir, context: { [TODAY_CONTEXT_KEY]: TODAY } });
    smallApp(first, V1);
    synth(first);
    expect(fs.existsSync(path.join(outdir, AUDIT_DIR, 'Dev', 'report.json'))).toBe(true);
    // A year later the Logs acknowledgement has expired: synth fails before validation.
    const second = new App({ outdir, context: { [TODAY_CONTEXT_KEY]: '2027-12-01' } });
    smallApp(second, V1);
    expect(() => second.synth()).toThrow(/acknowledgement expired on/);
    expect(fs.readdirSync(path.join(outdir, AUDIT_DIR))).toEqual(['index.html']);
    expect(fs.readFileSync(path.join(outdir, AUDIT_DIR, 'index.html'), 'utf8')).toContain('id="incomplete"');
    expect(fs.existsSync(path.join(outdir, 'manifest.json'))).toBe(true); // the rest of the assembly is not touched
  });

  it('a successful synthesis replaces the page with the report, and leaves no partial files', () => {
    const outdir = tmp('lakeforge-stale-');
    fs.mkdirSync(path.join(outdir, AUDIT_DIR, 'Gone'), { recursive: true });
    fs.writeFileSync(path.join(outdir, AUDIT_DIR, 'Gone', 'report.json'), '{}');
    const app = new App({ outdir, context: { [TODAY_CONTEXT_KEY]: TODAY } });
    smallApp(app, V1);
    synth(app);
    expect(fs.readdirSync(path.join(outdir, AUDIT_DIR)).sort()).toEqual(['Dev', 'index.html']);
    expect(fs.readFileSync(path.join(outdir, AUDIT_DIR, 'index.html'), 'utf8')).not.toContain('id="incomplete"');
  });
});

describe('synthOutputOf: the folder `lakeforge synth` clears before it loads anything', () => {
  it.each<[string[], string | undefined]>([
    [['synth'], 'cdk.out'],
    [['synth', '-o', 'out'], 'out'],
    [['synth', '--baseline', 'prev', '--output=out'], 'out'],
    [['synth', '--help'], undefined],
    [['marts', 'check'], undefined],
  ])('%j → %s', (args, expected) => {
    expect(synthOutputOf(['node', 'cli.ts', ...args])).toBe(expected);
  });
});

/**
 * Both entries as processes on a scratch copy of the repository's entry points and declarations (`bin/`, `config/`,
 * `tools/` copied; `lib/`, `lambdas/`, `node_modules/` linked), with a previous report in the output directory and a
 * config error: the previous report is gone and the page says there is none. Nothing else in the directory is removed.
 */
describe('npm run synth and cdk synth with an invalid config remove the previous report', () => {
  const REPO = path.resolve(__dirname, '../..');
  it.each(['synth', 'app'] as const)('%s', (entry) => {
    const root = tmp('lf-stale-entry-');
    for (const dir of ['bin', 'config', 'tools']) fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
    for (const link of ['lib', 'lambdas', 'node_modules']) fs.symlinkSync(path.join(REPO, link), path.join(root, link));
    for (const file of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(REPO, file), path.join(root, file));
    const file = path.join(root, 'config/marts/title_popularity.ts');
    const source = fs.readFileSync(file, 'utf8');
    const key = /key: \['([a-z_]+)'\]/.exec(source)![1];
    fs.writeFileSync(file, source.replace(`key: ['${key}']`, "key: ['movie']"));
    const outdir = path.join(root, 'cdk.out');
    fs.mkdirSync(path.join(outdir, AUDIT_DIR, 'Dev'), { recursive: true });
    fs.writeFileSync(path.join(outdir, AUDIT_DIR, 'Dev', 'report.json'), '{"stage":"Dev"}');
    fs.writeFileSync(path.join(outdir, 'manifest.json'), '{}');
    const args = entry === 'synth' ? ['tools/cli.ts', 'synth', '--output', outdir] : ['bin/app.ts'];
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir };
    delete env.LAKEFORGE_DEBUG;
    const r = spawnSync(path.join(REPO, 'node_modules/.bin/tsx'), args, { cwd: root, encoding: 'utf8', env });
    expect([r.status, r.stderr.trim().split('\n')]).toEqual([1, ['config/marts/title_popularity.ts: output.key.0: "movie" is not an output column']]);
    expect(fs.readdirSync(path.join(outdir, AUDIT_DIR))).toEqual(['index.html']);
    expect(fs.readFileSync(path.join(outdir, AUDIT_DIR, 'index.html'), 'utf8')).toContain('id="incomplete"');
    expect(fs.existsSync(path.join(outdir, 'manifest.json'))).toBe(true);
  });
});

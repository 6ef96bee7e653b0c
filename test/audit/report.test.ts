import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, RemovalPolicy, Stack, Stage, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge } from '../../lib/governance/acknowledge';
import { registerPolicyPacks } from '../../lib/governance/policy-packs';
import { AUDIT_DIR, registerAuditReport, reportHeader, type StageReport } from '../../lib/governance/report';
import { registerLakeforgeChecks } from '../../lib/governance/rules';
import { newSynthApp, renderSummary, synthesizeApp } from '../../tools/synth';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const REVIEW_BY = '2027-06-01';

/**
 * A small app wired as `addLakeforgeStages` wires one: the AwsSolutions pack and Lakeforge's checks on a stage, the
 * audit report on the app. Dev/Storage has a destroyable KMS-encrypted bucket with an acknowledged AwsSolutions-S1;
 * Dev/Ingestion a policy with a cross-stack prefix wildcard (an IAM5 finding named after a CloudFormation export) and
 * a workgroup without a bytes-scanned cutoff (LF-ATHENA-3).
 */
function smallApp(app: App): Stage {
  const stage = new Stage(app, 'Dev', { env: ENV });
  const storage = new Stack(stage, 'Storage', { terminationProtection: false });
  const bucket = new s3.Bucket(storage, 'Raw', {
    encryptionKey: new kms.Key(storage, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY }),
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  acknowledge(bucket.node.defaultChild!, {
    ruleId: 'AwsSolutions-S1',
    reason: 'A test bucket: access logs are not what this test is about, and it holds no data.',
    owner: 'platform-team',
    approver: 'security-team',
    reviewBy: REVIEW_BY,
  });
  const ingestion = new Stack(stage, 'Ingestion', { terminationProtection: true });
  new iam.ManagedPolicy(ingestion, 'Policy', { statements: [new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('events/*')] })] });
  new athena.CfnWorkGroup(ingestion, 'Workgroup', {
    name: 'wg',
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      resultConfiguration: { encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: 'arn:aws:kms:eu-west-1:111111111111:key/abc' } },
    },
  });
  registerPolicyPacks(stage, { packs: ['AwsSolutions'] });
  registerLakeforgeChecks([stage]);
  registerAuditReport(app);
  return stage;
}

const readReport = (outdir: string, stage: string): StageReport => JSON.parse(fs.readFileSync(path.join(outdir, AUDIT_DIR, stage, 'report.json'), 'utf8')) as StageReport;

describe('the audit report written by the synthesis itself (policy-validation plugin, as `cdk synth` runs it)', () => {
  let outdir: string;
  let report: StageReport;
  let synthError: unknown;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-audit-'));
    const app = new App({ outdir });
    smallApp(app);
    try {
      app.synth();
    } catch (e) {
      synthError = e;
    }
    report = readReport(outdir, 'Dev');
  });

  it('fails synth on the findings and still writes report.json, report.md, index.html and the overview', () => {
    expect(String(synthError)).toMatch(/LF-ATHENA-3/);
    for (const f of ['Dev/report.json', 'Dev/report.md', 'Dev/index.html', 'index.html']) expect(fs.existsSync(path.join(outdir, AUDIT_DIR, f))).toBe(true);
  });

  it('names the commit, time, tool versions, account and region in the header', () => {
    expect(report.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
    expect(Number.isNaN(Date.parse(report.generatedAt))).toBe(false);
    expect(report.versions['aws-cdk-lib']).toBe((require('aws-cdk-lib/package.json') as { version: string }).version);
    expect(report.versions['cdk-nag']).toBe((require('cdk-nag/package.json') as { version: string }).version);
    expect(report.versions).toHaveProperty(['@cdklabs/cdk-validator-cfnguard']);
    expect({ stage: report.stage, account: report.account, region: report.region }).toEqual({ stage: 'Dev', ...{ account: ENV.account, region: ENV.region } });
    expect(report.stacks.map((s) => [s.path, s.terminationProtection])).toEqual([['Dev/Storage', false], ['Dev/Ingestion', true]]);
    expect(report.destroyedWithStack.map((d) => d.resource)).toEqual(expect.arrayContaining(['Dev/Storage/Raw/Resource', 'Dev/Storage/Key/Resource']));
  });

  it('counts consistently: per rule, compliant + findings + acknowledged + not applicable = resources evaluated, and the entries match', () => {
    for (const pack of report.packs) {
      for (const r of pack.ruleSummaries) {
        expect([r.rule, r.compliant + r.findings + r.acknowledged + r.notApplicable]).toEqual([r.rule, r.evaluated]);
        const listed = (status: string) => report.entries.filter((e) => e.pack === pack.name && e.rule === r.rule && e.status === status).length;
        expect([r.rule, listed('compliant'), listed('finding'), listed('acknowledged')]).toEqual([r.rule, r.compliant, r.findings, r.acknowledged]);
      }
    }
    const total = (k: 'compliant' | 'findings' | 'acknowledged' | 'notApplicable') => report.packs.reduce((n, p) => n + p[k], 0);
    expect(report.summary).toEqual({ findings: total('findings'), acknowledged: total('acknowledged'), compliant: total('compliant'), notApplicable: total('notApplicable') });
    expect(report.packs.map((p) => p.name)).toEqual(expect.arrayContaining(['AwsSolutions', 'Lakeforge']));
    expect(report.summary.compliant).toBeGreaterThan(0);
  });

  it('shows the finding of a removed Athena cutoff and the acknowledgement with its register fields', () => {
    expect(report.entries).toContainEqual(expect.objectContaining({ pack: 'Lakeforge', rule: 'LF-ATHENA-3', resource: 'Dev/Ingestion/Workgroup', status: 'finding' }));
    expect(report.entries).toContainEqual(
      expect.objectContaining({ rule: 'AwsSolutions-S1', resource: 'Dev/Storage/Raw/Resource', status: 'acknowledged', owner: 'platform-team', approver: 'security-team', reviewBy: REVIEW_BY }),
    );
  });

  it('names resources by construct path and logical id, never by CloudFormation tokens or exports', () => {
    const iam5 = report.entries.find((e) => e.rule === 'AwsSolutions-IAM5' && e.resource === 'Dev/Ingestion/Policy/Resource');
    expect(iam5?.details?.some((d) => d.startsWith('Resource::[Dev/Storage/Raw/Resource]') && d.endsWith('/events/*'))).toBe(true);
    for (const e of report.entries) {
      expect(JSON.stringify([e.resource, e.logicalId, e.details ?? []])).not.toMatch(/\$\{Token|Fn::|ExportsOutput/);
    }
    const md = fs.readFileSync(path.join(outdir, AUDIT_DIR, 'Dev', 'report.md'), 'utf8');
    expect(md).not.toMatch(/\$\{Token|Fn::|ExportsOutput/);
  });

  it('writes self-contained HTML: summary first, no external assets', () => {
    for (const f of ['Dev/index.html', 'index.html']) {
      const html = fs.readFileSync(path.join(outdir, AUDIT_DIR, f), 'utf8');
      expect(html).not.toMatch(/<link|src=|href="(https?:)?\/\//);
    }
    const html = fs.readFileSync(path.join(outdir, AUDIT_DIR, 'Dev', 'index.html'), 'utf8');
    expect(html.indexOf('id="verdict"')).toBeLessThan(html.indexOf('id="entries"'));
    expect(html).toContain(`<b>${report.summary.findings}</b>findings`);
    expect(fs.readFileSync(path.join(outdir, AUDIT_DIR, 'index.html'), 'utf8')).toContain('href="Dev/index.html"');
  });
});

describe('the audit report through `lakeforge synth`', () => {
  it('is the same report, read back into the result, and the summary points at it', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-audit-'));
    const app = newSynthApp(outdir);
    smallApp(app);
    const result = synthesizeApp(app);
    expect(result.reports.map((r) => r.stage)).toEqual(['Dev']);
    expect(result.reports[0].entries).toContainEqual(expect.objectContaining({ rule: 'LF-ATHENA-3', status: 'finding' }));
    expect(renderSummary(result)).toContain(`${outdir}/${AUDIT_DIR}/index.html`);
    // The CLI's context: every resource carries its construct path (cdk diff --template matches resources by it).
    const file = fs.readdirSync(path.join(outdir, 'assembly-Dev')).find((f) => /Storage.*\.template\.json$/.test(f))!;
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'assembly-Dev', file), 'utf8')) as { Resources: Record<string, { Metadata?: Record<string, unknown> }> };
    expect(Object.values(template.Resources).every((r) => typeof r.Metadata?.['aws:cdk:path'] === 'string')).toBe(true);
  });
});

describe('reportHeader', () => {
  it('says "unknown" for the commit outside a git checkout instead of failing', () => {
    const cwd = process.cwd();
    process.chdir(fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-nogit-')));
    try {
      expect(reportHeader(new Date('2026-12-01T00:00:00Z'))).toEqual(expect.objectContaining({ commit: 'unknown', generatedAt: '2026-12-01T00:00:00.000Z' }));
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('a plugin that reports findings only (the Control Tower guard rules)', () => {
  it('lists its violations by construct path, acknowledged when the register names the control id', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-audit-'));
    const app = new App({ outdir });
    const stage = new Stage(app, 'Dev', { env: ENV });
    const stack = new Stack(stage, 'Storage');
    const [kept, open] = ['Kept', 'Open'].map((id) => new s3.Bucket(stack, id));
    acknowledge(kept.node.defaultChild!, {
      ruleId: 'CT.S3.PR.2',
      reason: 'A test bucket whose access logging is out of scope for this test, accepted here.',
      owner: 'platform-team',
      approver: 'security-team',
      reviewBy: REVIEW_BY,
    });
    const logicalId = (b: s3.Bucket) => stack.resolve((b.node.defaultChild as s3.CfnBucket).logicalId) as string;
    Validations.of(stage).addPlugins({
      name: 'cdk-validator-cfnguard', // the guard validator's plugin name: acknowledgements of a control id are recorded under it
      validate: (context) => ({
        success: false,
        violations: [
          {
            ruleName: 's3_bucket_logging_enabled_check',
            severity: 'error',
            description: '[CT.S3.PR.2]: Require an Amazon S3 bucket to have server access logging configured',
            violatingResources: [kept, open].map((b) => ({ resourceLogicalId: logicalId(b), templatePath: context.templatePaths[0], locations: ['Properties'] })),
          },
        ],
      }),
    });
    registerAuditReport(app);
    expect(() => app.synth()).toThrow();
    const report = readReport(outdir, 'Dev');
    expect(report.packs).toEqual([expect.objectContaining({ name: 'cdk-validator-cfnguard', coverage: 'findings-only', findings: 1, acknowledged: 1 })]);
    expect(report.entries.map((e) => [e.rule, e.resource, e.status, e.owner])).toEqual([
      ['CT.S3.PR.2', 'Dev/Storage/Kept/Resource', 'acknowledged', 'platform-team'],
      ['CT.S3.PR.2', 'Dev/Storage/Open/Resource', 'finding', undefined],
    ]);
  });
});

import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnResource, Stack, Stage } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { TODAY_CONTEXT_KEY } from '../../lib/governance/acknowledge';
import { CONTROL_TOWER_CONTROLS, CONTROL_TOWER_PLUGIN_NAME, controlTowerControlsOf, controlTowerValidator, parseGuardRule } from '../../lib/governance/control-tower';
import { restrictGrantsToAwsServices } from '../../lib/governance/key-policy';
import { registerPolicyPacks } from '../../lib/governance/policy-packs';
import { AUDIT_DIR, registerAuditReport, type StageReport } from '../../lib/governance/report';
import { synthToleratingFindings } from '../helpers/synth';
import { tempDirs } from '../helpers/temp-dirs';

const tempDir = tempDirs();
const ENV = { account: '123456789012', region: 'eu-west-1' };

describe('parseGuardRule', () => {
  const rule = `
let QUEUE_TYPE = "AWS::SQS::Queue"
let ROLE_TYPE = 'AWS::IAM::Role'
let queues = Resources.*[ Type == %QUEUE_TYPE ]
let principals = Resources.*[
    Type == %ROLE_TYPE or
    Type == "AWS::IAM::User"
]
let groups = Resources[ Type == 'AWS::IAM::Group' ]

rule sqs_queue_check when %queues not empty {
    %queues.Properties { KmsMasterKeyId exists }
        <<
        [CT.SQS.PR.9]: Require an Amazon SQS queue to be encrypted
        [FIX]: Set 'KmsMasterKeyId'.
        >>
}

rule referenced(referenced_resource_type) {
    Resources.%ref { Type == %referenced_resource_type }
}
`;

  it('reads the control id, title, rule name and the resource types its Resources selectors name (constants resolved, several per selector)', () => {
    expect(parseGuardRule(rule, 'ct-sqs-pr-9')).toEqual({
      id: 'CT.SQS.PR.9',
      ruleName: 'sqs_queue_check',
      file: 'ct-sqs-pr-9',
      description: '[CT.SQS.PR.9]: Require an Amazon SQS queue to be encrypted',
      resourceTypes: ['AWS::SQS::Queue', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'],
    });
  });

  it('finds resource types in every bundled control, and the validator evaluates them all', () => {
    expect(CONTROL_TOWER_CONTROLS.filter((c) => c.resourceTypes.length === 0).map((c) => c.id)).toEqual([]);
    expect(CONTROL_TOWER_CONTROLS.find((c) => c.id === 'CT.KMS.PR.3')?.resourceTypes).toEqual(['AWS::KMS::Key']);
    expect(controlTowerControlsOf(controlTowerValidator()).length).toBe(CONTROL_TOWER_CONTROLS.length);
    expect(controlTowerControlsOf({ ruleIds: ['kmspr3'] }).map((c) => c.id)).toEqual(['CT.KMS.PR.3']);
  });
});

describe('the Control Tower pack in the audit report', () => {
  let stage: Stage;
  let report: StageReport;
  let resources: CfnResource[];

  beforeAll(() => {
    const app = new App({ outdir: tempDir('lakeforge-ct-report-'), context: { [TODAY_CONTEXT_KEY]: '2026-12-01' } });
    stage = new Stage(app, 'Dev', { env: ENV });
    const stack = new Stack(stage, 'Keys');
    // CT.KMS.PR.3: one key lets any principal allowed to use it create grants (a finding), the other does not.
    new kms.Key(stack, 'Open', { enableKeyRotation: true });
    restrictGrantsToAwsServices(new kms.Key(stack, 'Restricted', { enableKeyRotation: true }));
    // CT.CLOUDWATCH.PR.2: the configured two weeks' retention is acknowledged, a year is compliant.
    new logs.LogGroup(stack, 'Configured', { retention: logs.RetentionDays.TWO_WEEKS });
    new logs.LogGroup(stack, 'Kept', { retention: logs.RetentionDays.ONE_YEAR });
    new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    registerPolicyPacks(stage, { packs: ['ControlTower'], logRetentionDays: 14 });
    registerAuditReport(app);
    synthToleratingFindings(app); // the open key's CT.KMS.PR.3 is a finding: tolerate the failure it raises after the report
    report = JSON.parse(fs.readFileSync(path.join(app.outdir, AUDIT_DIR, 'Dev', 'report.json'), 'utf8')) as StageReport;
    resources = stack.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
  });

  const statusOf = (rule: string, resource: string) =>
    report.entries.filter((e) => e.pack === CONTROL_TOWER_PLUGIN_NAME && e.rule === rule && e.resource === resource).map((e) => e.status);

  it('lists every resource of the types a control checks: compliant unless reported, finding or acknowledged when reported', () => {
    const reported = new Set(report.entries.filter((e) => e.pack === CONTROL_TOWER_PLUGIN_NAME && e.status !== 'compliant').map((e) => `${e.rule}|${e.resource}`));
    for (const control of controlTowerControlsOf(controlTowerValidator())) {
      for (const r of resources.filter((x) => control.resourceTypes.includes(x.cfnResourceType))) {
        const expected = reported.has(`${control.id}|${r.node.path}`) ? [expect.stringMatching(/^(finding|acknowledged)$/)] : ['compliant'];
        expect([control.id, r.node.path, statusOf(control.id, r.node.path)]).toEqual([control.id, r.node.path, expected]);
      }
    }
    expect(statusOf('CT.KMS.PR.3', 'Dev/Keys/Open/Resource')).toEqual(['finding']);
    expect(statusOf('CT.KMS.PR.3', 'Dev/Keys/Restricted/Resource')).toEqual(['compliant']);
    expect(statusOf('CT.CLOUDWATCH.PR.2', 'Dev/Keys/Configured/Resource')).toEqual(['acknowledged']);
    expect(statusOf('CT.CLOUDWATCH.PR.2', 'Dev/Keys/Kept/Resource')).toEqual(['compliant']);
  });

  it('counts a resource of other types as not applicable, and a control with none of its types in the stage as not applicable only', () => {
    const pack = report.packs.find((p) => p.name === CONTROL_TOWER_PLUGIN_NAME)!;
    const controls = controlTowerControlsOf(controlTowerValidator());
    expect({ rules: pack.rules, coverage: pack.coverage }).toEqual({ rules: controls.length, coverage: 'every-resource' });
    for (const control of controls) {
      const applicable = resources.filter((r) => control.resourceTypes.includes(r.cfnResourceType)).length;
      const summary = pack.ruleSummaries.find((r) => r.rule === control.id)!;
      expect([control.id, summary.evaluated, summary.notApplicable, summary.compliant + summary.findings + summary.acknowledged]).toEqual([
        control.id,
        resources.length,
        resources.length - applicable,
        applicable,
      ]);
      expect(summary.description).toBe(control.description);
    }
    const absent = controls.find((c) => !resources.some((r) => c.resourceTypes.includes(r.cfnResourceType)))!;
    expect(report.entries.filter((e) => e.rule === absent.id)).toEqual([]);
  });

  it('keeps the pack and stage totals consistent with the listed entries', () => {
    const pack = report.packs.find((p) => p.name === CONTROL_TOWER_PLUGIN_NAME)!;
    const listed = (status: string) => report.entries.filter((e) => e.pack === pack.name && e.status === status).length;
    expect([pack.compliant, pack.findings, pack.acknowledged]).toEqual([listed('compliant'), listed('finding'), listed('acknowledged')]);
    const total = (k: 'compliant' | 'findings' | 'acknowledged' | 'notApplicable') => report.packs.reduce((n, p) => n + p[k], 0);
    expect(report.summary).toEqual({ findings: total('findings'), acknowledged: total('acknowledged'), compliant: total('compliant'), notApplicable: total('notApplicable') });
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Duration, Stack, Stage } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { TEMPLATE_METADATA_KEY, TODAY_CONTEXT_KEY } from '../../lib/governance/acknowledge';
import { CONTROL_TOWER_PLUGIN_NAME, controlTowerControlId, controlTowerRuleName, controlTowerRules } from '../../lib/governance/control-tower';
import { restrictGrantsToAwsServices } from '../../lib/governance/key-policy';
import { registerPolicyPacks } from '../../lib/governance/policy-packs';
import { synthToleratingFindings, VALIDATION_REPORT_FILE } from '../helpers/synth';

interface Report {
  pluginReports?: Array<{ pluginName: string; violations: Array<{ ruleName: string; violatingConstructs: Array<{ constructPath: string }> }> }>;
}

/** Synthesizes `app` and returns the Control Tower findings as `CT.X.PR.n on <path>` (the plugin's own report). */
function controlTowerFindings(app: App): string[] {
  synthToleratingFindings(app);
  const file = path.join(app.outdir, VALIDATION_REPORT_FILE);
  if (!fs.existsSync(file)) return [];
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as Report;
  return (report.pluginReports ?? [])
    .filter((r) => r.pluginName === CONTROL_TOWER_PLUGIN_NAME)
    .flatMap((r) => r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${controlTowerControlId(v.ruleName)} on ${c.constructPath}`)));
}

function newApp(): App {
  return new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-ct-')), context: { [TODAY_CONTEXT_KEY]: '2026-12-01' } });
}

const env = { account: '123456789012', region: 'eu-west-1' };

/**
 * A key in stack `Keys`, and in stack `Logs` one log group encrypted with it (acknowledged: CT.CLOUDWATCH.PR.3 cannot
 * see a key imported from another stack) and one without a key (a finding), under the Control Tower pack.
 */
function keyInOneStackLogGroupsInAnother(): { app: App; consumer: Stack } {
  const app = newApp();
  const key = new kms.Key(new Stack(app, 'Keys', { env }), 'Key', { enableKeyRotation: true });
  restrictGrantsToAwsServices(key);
  const consumer = new Stack(app, 'Logs', { env });
  new logs.LogGroup(consumer, 'Encrypted', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR });
  new logs.LogGroup(consumer, 'Plain', { retention: logs.RetentionDays.ONE_YEAR });
  registerPolicyPacks(app, { packs: ['ControlTower'] });
  return { app, consumer };
}

describe('the Control Tower proactive controls pack', () => {
  it('maps control ids to the bundled guard rules and back', () => {
    expect(controlTowerRuleName('CT.KMS.PR.3')).toBe('kms_create_grant_aws_service_check');
    expect(controlTowerControlId('kms_create_grant_aws_service_check')).toBe('CT.KMS.PR.3');
    expect(controlTowerRules().size).toBeGreaterThan(100);
    expect(() => controlTowerRuleName('CT.NOPE.PR.1')).toThrow(/not a Control Tower proactive control/);
  });

  it('runs offline and reports a KMS key whose policy lets any principal create grants (CT.KMS.PR.3)', () => {
    const app = newApp();
    new kms.Key(new Stack(app, 'Keys', { env }), 'Open', { enableKeyRotation: true });
    registerPolicyPacks(app, { packs: ['ControlTower'] });
    expect(controlTowerFindings(app)).toContain('CT.KMS.PR.3 on Keys/Open/Resource');
  });

  it('passes CT.KMS.PR.3 once the key policy denies CreateGrant except for AWS services', () => {
    const app = newApp();
    const key = new kms.Key(new Stack(app, 'Keys', { env }), 'Restricted', { enableKeyRotation: true });
    restrictGrantsToAwsServices(key);
    registerPolicyPacks(app, { packs: ['ControlTower'] });
    expect(controlTowerFindings(app).filter((f) => f.startsWith('CT.KMS.PR.3'))).toEqual([]);
  });

  it('acknowledges a log group encrypted with a key from another stack, per resource, and still reports one without a key', () => {
    const { app, consumer } = keyInOneStackLogGroupsInAnother();
    const findings = controlTowerFindings(app);
    expect(findings).toContain('CT.CLOUDWATCH.PR.3 on Logs/Plain/Resource');
    expect(findings).not.toContain('CT.CLOUDWATCH.PR.3 on Logs/Encrypted/Resource');
    // The unacknowledged finding fails synthesis (after the templates are written): read the written template.
    const template = Template.fromJSON(JSON.parse(fs.readFileSync(path.join(app.outdir, consumer.templateFile), 'utf8')) as Record<string, unknown>);
    const encrypted = Object.values(template.findResources('AWS::Logs::LogGroup')).find((r) => r.Properties.KmsKeyId !== undefined)!;
    expect(encrypted.Metadata[TEMPLATE_METADATA_KEY]).toEqual([
      expect.objectContaining({ ruleId: 'CT.CLOUDWATCH.PR.3', owner: 'platform-team', approver: 'security-team', reason: expect.stringMatching(/Fn::ImportValue Keys:ExportsOutput/) }),
    ]);
  });

  it('still fails synthesis on an unacknowledged finding when another finding of the stage is acknowledged', () => {
    // CDK re-decides a report with acknowledged violations by their severity; the guard validator sets none.
    const { app } = keyInOneStackLogGroupsInAnother();
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => app.synth()).toThrow(/CT\.CLOUDWATCH\.PR\.3/);
    } finally {
      quiet.mockRestore();
    }
    const report = JSON.parse(fs.readFileSync(path.join(app.outdir, VALIDATION_REPORT_FILE), 'utf8')) as { pluginReports: { pluginName: string; conclusion: string }[] };
    expect(report.pluginReports.find((r) => r.pluginName === CONTROL_TOWER_PLUGIN_NAME)?.conclusion).toBe('failure');
  });

  it('acknowledges CT.CLOUDWATCH.PR.2 only for the environment\'s configured short retention', () => {
    const app = newApp();
    const stack = new Stack(app, 'Logs', { env });
    new logs.LogGroup(stack, 'Configured', { retention: logs.RetentionDays.TWO_WEEKS });
    new logs.LogGroup(stack, 'Other', { retention: logs.RetentionDays.ONE_WEEK });
    registerPolicyPacks(app, { packs: ['ControlTower'], logRetentionDays: 14 });
    const findings = controlTowerFindings(app).filter((f) => f.startsWith('CT.CLOUDWATCH.PR.2'));
    expect(findings).toEqual(['CT.CLOUDWATCH.PR.2 on Logs/Other/Resource']);
  });

  it('checks only the stacks of the scope it is registered on', () => {
    const app = newApp();
    new kms.Key(new Stack(app, 'Outside', { env }), 'Open', { enableKeyRotation: true, pendingWindow: Duration.days(7) });
    const stage = new Stage(app, 'Inner', { env });
    new kms.Key(new Stack(stage, 'S'), 'Open', { enableKeyRotation: true });
    registerPolicyPacks(stage, { packs: ['ControlTower'] });
    expect(controlTowerFindings(app)).toEqual(['CT.KMS.PR.3 on Inner/S/Open/Resource']);
  });
});

describe('imported keys of streams and workgroups', () => {
  it('acknowledges CT.KINESIS.PR.1 and CT.ATHENA.PR.2 when the key is imported from another stack', () => {
    const app = newApp();
    const key = new kms.Key(new Stack(app, 'Keys', { env }), 'Key', { enableKeyRotation: true });
    restrictGrantsToAwsServices(key);
    const consumer = new Stack(app, 'Consumer', { env });
    new kinesis.Stream(consumer, 'Stream', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: key });
    new athena.CfnWorkGroup(consumer, 'WorkGroup', {
      name: 'wg',
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        resultConfiguration: { outputLocation: 's3://results/wg/', encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: key.keyArn } },
      },
    });
    new athena.CfnWorkGroup(consumer, 'S3Managed', {
      name: 'wg2',
      workGroupConfiguration: { resultConfiguration: { outputLocation: 's3://results/wg2/', encryptionConfiguration: { encryptionOption: 'SSE_S3' } } },
    });
    registerPolicyPacks(app, { packs: ['ControlTower'] });
    const findings = controlTowerFindings(app);
    expect(findings.filter((f) => /^CT\.(KINESIS\.PR\.1|ATHENA\.PR\.2) /.test(f))).toEqual(['CT.ATHENA.PR.2 on Consumer/S3Managed']);
  });
});

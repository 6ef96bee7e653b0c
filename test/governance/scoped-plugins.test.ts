import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnResource, Stack, Stage, type IPolicyValidationContext, type IPolicyValidationContextBeta1, type IPolicyValidationPluginBeta1, type PolicyValidationPluginReportBeta1, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { NagMessageLevel, NagPack, NagRuleCompliance, type NagRuleResult } from 'cdk-nag';
import { acknowledge } from '../../lib/governance/acknowledge';
import { mergeViolations } from '../../lib/governance/nag-evaluation';
import { ScopedNagPack, ScopedTemplatePlugin } from '../../lib/governance/policy-packs';
import { AUDIT_DIR, registerAuditReport, type StageReport } from '../../lib/governance/report';
import { tempDirs } from '../helpers/temp-dirs';

const tempDir = tempDirs();
const ENV = { account: '111111111111', region: 'eu-west-1' };

/** Construct ids the test pack's rule treats specially. */
const OPEN = 'Open'; // NON_COMPLIANT
const PARTLY = 'Partly'; // two findings, one of them acknowledged
const BROKEN = 'Broken'; // the rule throws

/**
 * A cdk-nag pack with one rule that counts its calls: compliant everywhere except on the constructs named above, so
 * that every way cdk-nag turns a rule result into a violation (non-compliant, findings, a rule that throws,
 * an acknowledged finding) is exercised.
 */
class CountingPack extends NagPack {
  public readonly name = 'Counting';
  /** Calls of the rule (an object: cdk-nag may run the rule on a prototype-linked copy of the pack). */
  public readonly counter = { calls: 0 };

  constructor() {
    super();
    this.packName = 'Counting';
  }

  protected checkResource(node: CfnResource): void {
    const counted = (n: CfnResource): NagRuleResult => {
      this.counter.calls++;
      const id = n.node.scope?.node.id;
      if (id === OPEN) return NagRuleCompliance.NON_COMPLIANT;
      if (id === PARTLY) return ['Resource::a', 'Resource::b'];
      if (id === BROKEN) throw new Error('an intrinsic function the rule cannot read');
      return NagRuleCompliance.COMPLIANT;
    };
    Object.defineProperty(counted, 'name', { value: 'C1' });
    this.applyRule({ info: 'Counted resources are compliant.', explanation: 'A test rule.', level: NagMessageLevel.ERROR, node, rule: counted });
  }
}

/** A stage with two stacks of buckets and queues, one acknowledged finding, and the stacks' resources. */
function stageWithFindings(app: App): { stage: Stage; resources: CfnResource[] } {
  const stage = new Stage(app, 'Dev', { env: ENV });
  const data = new Stack(stage, 'Data');
  for (const id of ['Fine', OPEN, PARTLY]) new s3.Bucket(data, id);
  const queues = new Stack(stage, 'Queues');
  for (const id of ['Fine', BROKEN]) new sqs.Queue(queues, id);
  const partly = data.node.findChild(PARTLY).node.defaultChild!;
  acknowledge(partly, {
    ruleId: 'Counting-C1[Resource::a]',
    reason: 'A test finding: accepted to show that an acknowledged finding is not a violation.',
    owner: 'platform-team',
    approver: 'security-team',
    reviewBy: '2027-06-01',
  });
  const resources = [data, queues].flatMap((s) => s.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === s));
  return { stage, resources };
}

/** Synthesizes, expecting the policy findings to fail it; returns the error. */
function synthFailing(app: App): unknown {
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    app.synth();
  } catch (e) {
    return e;
  } finally {
    quiet.mockRestore();
  }
  return undefined;
}

/** The stage's stacks, in construct order. */
const stacksOf = (stage: Stage): Stack[] => stage.node.children.filter((c): c is Stack => Stack.isStack(c));

const readReport = (app: App, stage: string): StageReport => JSON.parse(fs.readFileSync(path.join(app.outdir, AUDIT_DIR, stage, 'report.json'), 'utf8')) as StageReport;

describe('a cdk-nag pack scoped to a stage', () => {
  it('evaluates each rule once per resource, for the policy validation and the audit report together', () => {
    const app = new App({ outdir: tempDir('lakeforge-scoped-') });
    const { stage, resources } = stageWithFindings(app);
    const pack = new CountingPack();
    Validations.of(stage).addPlugins(new ScopedNagPack(stage, pack));
    registerAuditReport(app);
    expect(String(synthFailing(app))).toMatch(/Counting-C1/);
    expect(pack.counter.calls).toBe(resources.length);
    // The report lists every resource the single evaluation saw.
    const entries = readReport(app, 'Dev').entries.filter((e) => e.pack === 'Counting');
    expect(entries.map((e) => e.resource).sort()).toEqual(resources.map((r) => r.node.path).sort());
  });

  it("reports the violations cdk-nag's own validateScope reports: non-compliant, open findings and a rule that throws, not the acknowledged finding", () => {
    const app = new App({ outdir: tempDir('lakeforge-scoped-') });
    const { stage } = stageWithFindings(app);
    const scoped = new ScopedNagPack(stage, new CountingPack());
    const reference = new CountingPack();
    const expected = mergeViolations(stacksOf(stage).flatMap((s) => reference.validateScope(s).violations));
    const report = scoped.validate({ templatePaths: [] } as unknown as IPolicyValidationContext);
    expect(report).toEqual({ success: false, violations: expected });
    expect(report.violations.flatMap((v) => v.ruleName)).toEqual(['Counting-C1', 'Counting-C1[Resource::b]']);
    expect(report.violations[0].violatingResources.map((r) => r.constructPath)).toEqual(['Dev/Data/Open/Resource', 'Dev/Queues/Broken/Resource']);
  });

  it('hands out a copy of its violations each time (CDK edits the report it gets)', () => {
    const app = new App({ outdir: tempDir('lakeforge-scoped-') });
    const { stage } = stageWithFindings(app);
    const scoped = new ScopedNagPack(stage, new CountingPack());
    const context = { templatePaths: [] } as unknown as IPolicyValidationContext;
    const first = scoped.validate(context);
    const expected = structuredClone(first);
    first.violations.splice(0, 1);
    expect(scoped.validate(context)).toEqual(expected);
  });
});

describe('a template plugin scoped to a stage', () => {
  it('runs once per stage for the policy validation and the audit report, on that stage\'s templates only', () => {
    const app = new App({ outdir: tempDir('lakeforge-scoped-') });
    const { stage } = stageWithFindings(app);
    new s3.Bucket(new Stack(app, 'Outside'), 'Bucket');
    const seen: string[][] = [];
    const inner: IPolicyValidationPluginBeta1 = {
      name: 'template-reader',
      validate: (context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 => {
        seen.push(context.templatePaths.map((t) => path.basename(t)).sort());
        return { success: true, violations: [] };
      },
    };
    Validations.of(stage).addPlugins(new ScopedNagPack(stage, new CountingPack()), new ScopedTemplatePlugin(stage, inner));
    registerAuditReport(app);
    synthFailing(app);
    const own = stacksOf(stage).map((s) => s.templateFile).sort();
    expect(seen).toEqual([own]);
    expect(readReport(app, 'Dev').packs.map((p) => p.name)).toContain('template-reader');
  });
});

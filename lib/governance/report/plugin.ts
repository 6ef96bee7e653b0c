import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, Stage, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { buildStageReport, reportHeader, stacksOf } from './collect';
import type { StageReport } from './model';
import { renderHtml, renderMarkdown, renderOverviewHtml } from './render';

/** The audit report directory inside the cloud assembly directory: `cdk.out/audit`. */
export const AUDIT_DIR = 'audit';

/**
 * Writes the audit report as a policy-validation plugin registered on the App, so that every synthesis writes it —
 * `npx cdk synth '**'`, `npm run synth` and tests alike: `cdk.out/audit/<stage>/report.json`, `report.md` and a
 * self-contained `index.html` per stage, and `cdk.out/audit/index.html` over all stages. It runs after the
 * stages' plugins (CDK runs an App's plugins last), evaluates every pack registered on each stage again to know
 * each resource's status (cdk-nag 3 reports findings only), and reports no violations itself: the packs fail
 * synth, this plugin only writes.
 */
export class AuditReportPlugin implements IPolicyValidationPlugin {
  /** Plugin name. */
  public readonly name = 'LakeforgeAuditReport';

  /** @param now - the generation time. @default - the time of synthesis */
  constructor(private readonly now?: () => Date) {}

  /** Builds and writes the reports of every stage below the app; returns success without violations. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const root = (context as IPolicyValidationContext & { appConstruct?: IConstruct }).appConstruct;
    if (root === undefined || !App.isApp(root)) return { success: true, violations: [] };
    writeAuditReports(root, this.now?.() ?? new Date(), [this]);
    return { success: true, violations: [] };
  }
}

/**
 * Builds the report of every stage directly below `app` (and one of the stacks outside any stage, named after them,
 * e.g. `Delivery`) and writes them under `<app.outdir>/audit/`.
 *
 * @returns the reports, in stage order.
 */
export function writeAuditReports(app: App, now: Date, exclude: readonly IPolicyValidationPlugin[] = []): StageReport[] {
  const header = reportHeader(now);
  const stages = app.node.children.filter((c): c is Stage => Stage.isStage(c));
  const dir = path.join(app.outdir, AUDIT_DIR);
  fs.rmSync(dir, { recursive: true, force: true });
  const reports = stages.map((stage) => buildStageReport(stage, header, exclude));
  // Stacks outside any stage (the delivery pipeline) get a report of their own, named after them.
  const appStacks = stacksOf(app);
  if (appStacks.length > 0) reports.push(buildStageReport(app, header, exclude, appStacks.map((s) => s.node.id).join('+')));
  for (const r of reports) {
    const stageDir = path.join(dir, r.stage);
    fs.mkdirSync(stageDir, { recursive: true });
    fs.writeFileSync(path.join(stageDir, 'report.json'), JSON.stringify(r, null, 2));
    fs.writeFileSync(path.join(stageDir, 'report.md'), renderMarkdown(r));
    fs.writeFileSync(path.join(stageDir, 'index.html'), renderHtml(r));
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), renderOverviewHtml(reports));
  return reports;
}

/** Registers the {@link AuditReportPlugin} on `app` (once). */
export function registerAuditReport(app: App): void {
  Validations.of(app).addPlugins(new AuditReportPlugin());
}

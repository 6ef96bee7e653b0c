import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, Stage, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AuditBaselineError, diffReports, parseBaselineReport } from './baseline';
import { buildStageReport, reportHeader, stacksOf } from './collect';
import type { BaselineReport, StageReport } from './model';
import { renderHtml, renderIncompleteHtml, renderMarkdown, renderOverviewHtml } from './render';

/** The audit report directory inside the cloud assembly directory: `cdk.out/audit`. */
export const AUDIT_DIR = 'audit';

/**
 * The context key naming a previous audit report to compare with (`npx cdk synth '**' -c lakeforge:auditBaseline=<dir>`;
 * `lakeforge synth --baseline <dir>` does the same). See {@link readAuditBaseline} for what `<dir>` may hold.
 */
export const AUDIT_BASELINE_CONTEXT = 'lakeforge:auditBaseline';

/** Options of the {@link AuditReportPlugin}. */
export interface AuditReportOptions {
  /** The generation time. @default - the time of synthesis */
  readonly now?: () => Date;
  /**
   * A previous report to compare with: each stage's `report.json` gets `changes`, the pages a "Changes since" section.
   * @default - no comparison
   */
  readonly baseline?: readonly BaselineReport[];
}

/**
 * Writes the audit report as a policy-validation plugin registered on the App, so that every synthesis writes it —
 * `npx cdk synth '**'`, `npm run synth` and tests alike: `cdk.out/audit/<stage>/report.json`, `report.md` and a
 * self-contained `index.html` per stage, and `cdk.out/audit/index.html` over all stages. It evaluates every pack
 * registered on each stage again to know each resource's status (cdk-nag 3 reports findings only), and reports no
 * violations itself: the packs fail synth, this plugin only writes. With a baseline, each stage's report says what
 * changed since it.
 */
export class AuditReportPlugin implements IPolicyValidationPlugin {
  /** Plugin name. */
  public readonly name = 'LakeforgeAuditReport';

  /** @param options - generation time and baseline. */
  constructor(private readonly options: AuditReportOptions = {}) {}

  /** Builds and writes the reports of every stage below the app; returns success without violations. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const root = (context as IPolicyValidationContext & { appConstruct?: IConstruct }).appConstruct;
    if (root === undefined || !App.isApp(root)) return { success: true, violations: [] };
    writeAuditReports(root, this.options.now?.() ?? new Date(), [this], this.options.baseline);
    return { success: true, violations: [] };
  }
}

/**
 * Builds the report of every stage directly below `app` (and one of the stacks outside any stage, named after them,
 * e.g. `Delivery`) and writes them under `<app.outdir>/audit/`, each stage's folder complete before it replaces the
 * previous one (written aside, then renamed) and the overview last; anything else in `<app.outdir>/audit/` (the
 * in-progress page, folders of stages that are gone) is removed.
 *
 * @param baseline - a previous report: each report gets `changes` since it. @default - no comparison
 * @returns the reports, in stage order.
 */
export function writeAuditReports(app: App, now: Date, exclude: readonly IPolicyValidationPlugin[] = [], baseline?: readonly BaselineReport[]): StageReport[] {
  const header = reportHeader(now);
  const stages = app.node.children.filter((c): c is Stage => Stage.isStage(c));
  let reports = stages.map((stage) => buildStageReport(stage, header, exclude));
  // Stacks outside any stage (the delivery pipeline) get a report of their own, named after them.
  const appStacks = stacksOf(app);
  if (appStacks.length > 0) reports.push(buildStageReport(app, header, exclude, appStacks.map((s) => s.node.id).join('+')));
  const changes = baseline !== undefined ? diffReports(reports, baseline) : undefined;
  if (changes !== undefined) reports = reports.map((r) => ({ ...r, changes: changes.stages.get(r.stage) }));
  const dir = path.join(app.outdir, AUDIT_DIR);
  fs.mkdirSync(dir, { recursive: true });
  for (const r of reports) {
    const partial = path.join(dir, `.${r.stage}.partial`);
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial);
    fs.writeFileSync(path.join(partial, 'report.json'), JSON.stringify(r, null, 2));
    fs.writeFileSync(path.join(partial, 'report.md'), renderMarkdown(r));
    fs.writeFileSync(path.join(partial, 'index.html'), renderHtml(r));
    const final = path.join(dir, r.stage);
    fs.rmSync(final, { recursive: true, force: true });
    fs.renameSync(partial, final);
  }
  const keep = new Set([...reports.map((r) => r.stage), 'index.html']);
  for (const name of fs.readdirSync(dir)) if (!keep.has(name)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  writeFileAtomically(path.join(dir, 'index.html'), renderOverviewHtml(reports, changes?.baselineOnly ?? []));
  return reports;
}

/**
 * Removes the previous audit report, `<outdir>/audit/`, at the start of a synthesis, so that a synthesis that fails
 * before the report is written (an invalid config, an expired acknowledgement) leaves no report that could be taken
 * for this one. When `outdir` exists, `<outdir>/audit/index.html` then says that a synthesis started and has not
 * completed; the report plugin replaces it. Nothing outside `<outdir>/audit/` is touched, and a missing `outdir` is
 * not created.
 *
 * @param outdir - the cloud assembly directory: `app.outdir`, or before an App exists the `CDK_OUTDIR` the CDK CLI
 *   sets to its `--output` (source: AppProps.outdir, https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.App.html;
 *   the CLI creates the directory before it runs the app). `undefined` (no CLI): nothing to remove.
 * @param now - the start time shown on the in-progress page. @default - now
 */
export function clearAuditReport(outdir: string | undefined, now: Date = new Date()): void {
  if (outdir === undefined || outdir === '' || !fs.existsSync(outdir)) return;
  const dir = path.join(outdir, AUDIT_DIR);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  writeFileAtomically(path.join(dir, 'index.html'), renderIncompleteHtml(now.toISOString()));
}

/** Writes `file` through a temporary file in the same directory and a rename, so a reader sees the old or the new file. */
function writeFileAtomically(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.partial`);
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/**
 * Reads a previous audit report to compare with. `dir` is either
 * - an audit folder as synth writes it (a copy of `cdk.out/audit`): `<dir>/<stage>/report.json`; or
 * - a folder that directly holds the stages' report files: `<dir>/*.json` (e.g. `Dev.json`, `Acc.json`, or one
 *   stage folder's `report.json`).
 * Each report names its stage (`stage`), so file and folder names do not matter.
 *
 * @param dir - the folder, as given (relative to the working directory).
 * @param outdir - the cloud assembly directory being written, to say so when `dir` is its audit folder (removed when
 *   synthesis starts). @default - not checked
 * @returns the reports, one per stage, in file name order.
 * @throws AuditBaselineError (one line naming the path) when `dir` does not exist, holds no report, holds a JSON file
 *   that is not a stage report, or two reports of one stage.
 */
export function readAuditBaseline(dir: string, outdir?: string): BaselineReport[] {
  const where = `audit baseline ${dir}`;
  if (outdir !== undefined && isWithin(path.resolve(dir), path.resolve(outdir, AUDIT_DIR)) && !hasReports(dir)) {
    throw new AuditBaselineError(`${where}: this is the report the synthesis replaces (removed when synthesis starts): copy it elsewhere first, e.g. cp -r ${path.join(outdir, AUDIT_DIR)} audit-baseline`);
  }
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AuditBaselineError(`${where}: no such directory`);
  const files = [
    ...fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'report.json')))
      .map((d) => path.join(dir, d.name, 'report.json')),
    ...fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.endsWith('.json'))
      .map((d) => path.join(dir, d.name)),
  ].sort();
  if (files.length === 0) {
    throw new AuditBaselineError(`${where}: no report found (expected <stage>/report.json as in cdk.out/audit, or the stages' report JSON files directly in it)`);
  }
  const reports = new Map<string, { file: string; report: BaselineReport }>();
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new AuditBaselineError(`${file}: not JSON (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
    }
    const report = parseBaselineReport(json, file);
    const seen = reports.get(report.stage);
    if (seen !== undefined) throw new AuditBaselineError(`${where}: two reports of stage ${report.stage}: ${seen.file} and ${file}`);
    reports.set(report.stage, { file, report });
  }
  return [...reports.values()].map((r) => r.report);
}

const isWithin = (child: string, parent: string) => child === parent || child.startsWith(parent + path.sep);
const hasReports = (dir: string) => fs.existsSync(dir) && fs.readdirSync(dir).some((n) => n.endsWith('.json') || fs.existsSync(path.join(dir, n, 'report.json')));

/**
 * Registers the {@link AuditReportPlugin} on `app`, once (a second call returns the plugin already registered), and
 * removes the previous report from `app.outdir` ({@link clearAuditReport}). The baseline is read now, before that
 * removal: `options.baseline`, else the folder named by the `lakeforge:auditBaseline` context ({@link readAuditBaseline}).
 *
 * @returns the registered plugin.
 * @throws AuditBaselineError when the context names no usable baseline (one line naming the path).
 */
export function registerAuditReport(app: App, options: AuditReportOptions = {}): AuditReportPlugin {
  const registered = (app as unknown as { _validationPlugins?: IPolicyValidationPlugin[] })._validationPlugins?.find((p) => p instanceof AuditReportPlugin);
  if (registered !== undefined) return registered as AuditReportPlugin;
  const fromContext = app.node.tryGetContext(AUDIT_BASELINE_CONTEXT) as unknown;
  if (fromContext !== undefined && (typeof fromContext !== 'string' || fromContext === '')) {
    throw new AuditBaselineError(`context ${AUDIT_BASELINE_CONTEXT}: expected a directory path, got ${JSON.stringify(fromContext)}`);
  }
  const baseline = options.baseline ?? (fromContext !== undefined ? readAuditBaseline(fromContext as string, app.outdir) : undefined);
  clearAuditReport(app.outdir);
  const plugin = new AuditReportPlugin({ ...options, baseline });
  Validations.of(app).addPlugins(plugin);
  return plugin;
}

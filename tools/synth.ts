import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ConfigError, loadAllConfigs, type EnvironmentConfig } from '../config';
import { loadDeliveryConfig } from '../config/delivery';
import { assertMarts, assertRepositoryContracts } from '../config/synth-gates';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../lib/app';
import { POLICY_PACKS } from '../lib/governance/policy-packs';
import { listAcknowledgements, type RecordedAcknowledgement } from '../lib/governance/acknowledge';
import { AUDIT_DIR, clearAuditReport, readAuditBaseline, registerAuditReport } from '../lib/governance/report/plugin';
import type { StageReport } from '../lib/governance/report/model';
import { baselineLabel, changesSentence } from '../lib/governance/report/render';

/** One stack in the synth summary. */
export interface StackSummary {
  /** Construct path, e.g. `Dev/Storage`. */
  readonly path: string;
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** Number of CloudFormation resources in the template. */
  readonly resources: number;
  /** Whether termination protection is on. */
  readonly terminationProtection: boolean;
}

/** One unacknowledged policy finding. */
export interface Finding {
  /** The rule pack, e.g. `AwsSolutions`. */
  readonly pack: string;
  /** The rule, e.g. `AwsSolutions-S1`. */
  readonly rule: string;
  /** Construct path of the violating resource. */
  readonly path: string;
  /** The rule's description. */
  readonly description: string;
}

/** The result of {@link synthesizeAll}. */
export interface SynthResult {
  /** The cloud assembly directory. */
  readonly outdir: string;
  /** Stage ids, in config order. */
  readonly stages: string[];
  /** Every stack of every stage. */
  readonly stacks: StackSummary[];
  /** Unacknowledged policy findings (empty on success). */
  readonly findings: Finding[];
  /** Acknowledged findings, with reasons. */
  readonly acknowledgements: RecordedAcknowledgement[];
  /** The policy packs registered on the app (the CDK report lists only packs with findings). */
  readonly packs: string[];
  /** The audit reports the synth wrote (`<outdir>/audit/<stage>/report.json`), by stage name. */
  readonly reports: StageReport[];
}

/**
 * Context the CDK CLI sets when it runs the app (`cdk synth`), so that `lakeforge synth` writes the same cloud
 * assembly: `aws:cdk:path` metadata on every resource and asset metadata on resources with assets (the CLI's
 * defaults for `--path-metadata` and `--asset-metadata`; `cdk diff --template` and other tools rely on them).
 */
export const CLI_SYNTH_CONTEXT: Readonly<Record<string, boolean>> = {
  'aws:cdk:enable-path-metadata': true,
  'aws:cdk:enable-asset-metadata': true,
};

/** Options of {@link synthesizeAll}. */
export interface SynthOptions {
  /**
   * A previous audit report to compare with (`lakeforge synth --baseline <dir>`; what `-c lakeforge:auditBaseline=<dir>`
   * does for `npx cdk synth`): a copy of a previous `cdk.out/audit`, or a folder holding the stages' report JSON
   * files. Keep it outside `<outdir>/audit`, which synthesis replaces (`lakeforge synth` removes it first).
   * @default - no comparison
   */
  readonly baseline?: string;
}

/**
 * Synthesizes every environment in process, with the policy packs, into `outdir`, with the context the CDK CLI sets
 * ({@link CLI_SYNTH_CONTEXT}). The audit report (`<outdir>/audit/`) is written by the synthesis itself (the
 * `AuditReportPlugin` that `addLakeforgeStages` registers), exactly as `npx cdk synth '**'` writes it. The previous
 * report is removed first, so a synthesis that fails leaves none behind.
 *
 * Before anything is synthesized, the gates of `config/synth-gates.ts` run: in a source checkout, stale
 * generated validators or types, or a contract that fails the publication gate against `published.lock.json`;
 * then a mart that fails `checkMarts`. Each stops synth with one line per problem.
 *
 * @param outdir - cloud assembly directory. @default 'cdk.out'
 * @param configs - environment configs. @default loadAllConfigs()
 * @param options - the baseline to compare the report with.
 * @throws AuditBaselineError when the baseline folder does not exist or holds no report (one line naming it).
 * @throws ConfigError when the configuration is invalid, ContractsGateError (a ConfigError) when the
 *   contracts gate fails, MartDeclarationError / ProductDeclarationError / ContractError when a declaration
 *   is invalid, MartsCheckError when a mart fails its check: all before anything is synthesized.
 */
export function synthesizeAll(outdir = 'cdk.out', configs?: readonly EnvironmentConfig[], options: SynthOptions = {}): SynthResult {
  // The baseline first (the whole outdir is replaced below), then the previous report goes, before anything can fail.
  const baseline = options.baseline !== undefined ? readAuditBaseline(options.baseline, outdir) : undefined;
  clearAuditReport(outdir);
  const envs = configs ?? loadAllConfigs();
  assertRepositoryContracts();
  // Required here, not imported: loading the declarations runs their checks, and their errors must reach
  // the caller's error handling rather than escape while this module loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadPlatform } = require('../config/platform') as typeof import('../config/platform');
  const platform = loadPlatform();
  assertMarts(platform);
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = newSynthApp(outdir);
  registerAuditReport(app, { baseline }); // with the baseline read above (addLakeforgeStages finds it registered)
  // The delivery pipeline (config/delivery.ts) only with the repository's own environments: a pipeline deploys them.
  addLakeforgeStages(app, envs, platform, configs === undefined ? loadDeliveryConfig() : undefined);
  return synthesizeApp(app);
}

/**
 * The App `lakeforge synth` synthesizes into `outdir`: Lakeforge's app context plus the CLI's ({@link CLI_SYNTH_CONTEXT}),
 * no analytics reporting (as `cdk.json` sets for the CLI).
 */
export function newSynthApp(outdir: string): App {
  return new App({ outdir, analyticsReporting: false, context: { ...LAKEFORGE_APP_CONTEXT, ...CLI_SYNTH_CONTEXT } });
}

/**
 * Synthesizes an app that has policy packs registered, and collects stacks, findings, acknowledgements and the
 * audit reports the synthesis wrote into the app's outdir.
 *
 * @param app - an App with Lakeforge stages (see `addLakeforgeStages`).
 * @throws whatever synthesis throws, except the policy-validation failure, which becomes `findings`.
 */
export function synthesizeApp(app: App): SynthResult {
  const outdir = app.outdir;
  let validationError: Error | undefined;
  try {
    app.synth();
  } catch (e) {
    // Policy-validation failures throw after the assembly and its report are written; anything else is a bug.
    if (!(e instanceof Error) || !fs.existsSync(path.join(outdir, 'validation-report.json'))) throw e;
    validationError = e;
  }
  const report = readValidationReport(outdir);
  if (validationError && report.findings.length === 0) throw validationError;
  const result: SynthResult = {
    outdir,
    stages: app.node.children.filter((c): c is Stage => Stage.isStage(c)).map((s) => s.stageName),
    stacks: collectStacks(app),
    findings: report.findings,
    acknowledgements: listAcknowledgements(app),
    packs: [...POLICY_PACKS],
    reports: readAuditReports(outdir),
  };
  return result;
}

/** The `report.json` files under `<outdir>/audit/`, one per directory, by directory name. */
function readAuditReports(outdir: string): StageReport[] {
  const dir = path.join(outdir, AUDIT_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'report.json')))
    .map((d) => JSON.parse(fs.readFileSync(path.join(dir, d.name, 'report.json'), 'utf8')) as StageReport);
}

function collectStacks(app: App): StackSummary[] {
  const out: StackSummary[] = [];
  const visit = (c: IConstruct) => {
    if (Stack.isStack(c)) {
      const stage = Stage.of(c)!;
      const template = JSON.parse(fs.readFileSync(path.join(stage.outdir, c.templateFile), 'utf8'));
      out.push({
        path: c.node.path,
        stackName: c.stackName,
        resources: Object.keys(template.Resources ?? {}).length,
        terminationProtection: c.terminationProtection,
      });
    }
    for (const child of c.node.children) visit(child);
  };
  visit(app);
  return out;
}

interface ValidationReportJson {
  pluginReports?: Array<{
    pluginName: string;
    violations?: Array<{ ruleName: string; description: string; violatingConstructs?: Array<{ constructPath?: string }> }>;
  }>;
}

function readValidationReport(outdir: string): { findings: Finding[] } {
  const file = path.join(outdir, 'validation-report.json');
  if (!fs.existsSync(file)) return { findings: [] };
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationReportJson;
  const findings: Finding[] = [];
  for (const r of json.pluginReports ?? []) {
    for (const v of r.violations ?? []) {
      for (const c of v.violatingConstructs ?? [{}]) {
        findings.push({ pack: r.pluginName, rule: v.ruleName, path: c.constructPath ?? '?', description: v.description });
      }
    }
  }
  return { findings };
}

/** Renders the one-screen synth summary printed by `lakeforge synth`. */
export function renderSummary(r: SynthResult): string {
  const lines: string[] = [];
  lines.push(`Synthesized ${r.stages.length} stages (${r.stages.join(', ')}) into ${r.outdir}/`);
  const width = Math.max(...r.stacks.map((s) => s.path.length), 5);
  lines.push(`  ${'stack'.padEnd(width)}  resources  termination protection`);
  for (const s of r.stacks) {
    lines.push(`  ${s.path.padEnd(width)}  ${String(s.resources).padStart(9)}  ${s.terminationProtection ? 'on' : 'off'}`);
  }
  const total = r.stacks.reduce((n, s) => n + s.resources, 0);
  lines.push(`  ${'total'.padEnd(width)}  ${String(total).padStart(9)}`);
  lines.push(`Policy packs: ${r.packs.join(', ') || '(none ran)'}`);
  lines.push(`Findings: ${r.findings.length} unacknowledged, ${r.acknowledgements.length} acknowledged with a reason (audit report: ${r.outdir}/${AUDIT_DIR}/index.html)`);
  for (const f of r.findings.slice(0, 20)) lines.push(`  ✗ ${f.rule} on ${f.path}`);
  if (r.findings.length > 20) lines.push(`  … ${r.findings.length - 20} more in ${r.outdir}/validation-report.json`);
  const compared = r.reports.find((x) => x.changes !== undefined)?.changes;
  if (compared !== undefined) {
    lines.push(`Changes since the report of ${baselineLabel(compared)}:`);
    for (const x of r.reports) if (x.changes !== undefined) lines.push(`  ${x.stage}: ${changesSentence(x.stage, x.changes)}`);
  }
  return lines.join('\n');
}

/** Re-exported so the CLI can tell a config error from a crash. */
export { ConfigError };

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CfnResource, type IPolicyValidationPlugin, Stack, Stage, Token } from 'aws-cdk-lib';
import { NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { listAcknowledgements } from '../acknowledge';
import { controlTowerControlsOf } from '../control-tower';
import { evaluateNagPack, type Outcome } from '../nag-evaluation';
import { ownStacks, ScopedNagPack, ScopedPlugin, ScopedTemplatePlugin } from '../policy-packs';
import { acknowledgementReason, evaluateLakeforgeRules, LakeforgeChecks } from '../rules/lakeforge-checks';
import { isRetained, isStateful } from '../rules/prod-retention';
import { exportedResources, resourceByLogicalId } from '../rules/rule';
import type { AuditEntry, AuditStatus, DestroyedResource, PackSummary, ReportHeader, RuleSummary, StackInfo, StageReport } from './model';

export { evaluateNagPack, type NagEvaluation, type Outcome } from '../nag-evaluation';

/** Acknowledgement register fields as recorded by `acknowledge()` (owner, approver, ticket and reviewBy tolerated when absent). */
interface AckRecord {
  readonly ruleId: string;
  readonly path: string;
  readonly reason: string;
  readonly owner?: string;
  readonly approver?: string;
  readonly ticket?: string;
  readonly reviewBy?: string;
}

/**
 * The policy-validation plugins that apply to `stage`: its own and those of every enclosing stage (the App), except
 * a plugin that is scoped to another construct (a `ScopedPlugin`, as `registerPolicyPacks` registers them, checks
 * only that scope's own stacks). Reads `Stage._validationPlugins`, where
 * `Validations.of(scope).addPlugins` stores them (aws-cdk-lib has no public getter yet).
 */
export function pluginsOf(stage: Stage): IPolicyValidationPlugin[] {
  const out: IPolicyValidationPlugin[] = [];
  for (let s: Stage | undefined = stage; s !== undefined; s = s.parentStage) {
    for (const plugin of (s as unknown as { _validationPlugins?: IPolicyValidationPlugin[] })._validationPlugins ?? []) {
      if (!(plugin instanceof ScopedPlugin) || plugin.scope === stage) out.push(plugin);
    }
  }
  return [...new Set(out)];
}

/**
 * The cdk-nag pack behind a plugin: the plugin itself, or the pack of a `ScopedNagPack` (`registerPolicyPacks`
 * registers each cdk-nag pack wrapped so that it checks one stage's stacks only).
 */
export function nagPackOf(plugin: IPolicyValidationPlugin): NagPack | undefined {
  if (plugin instanceof NagPack) return plugin;
  return plugin instanceof ScopedNagPack ? plugin.pack : undefined;
}

/**
 * Every rule's outcome on every resource of `stage` for a cdk-nag plugin: a `ScopedNagPack` shares the evaluation
 * it made (or makes) for CDK's validation, so each pack runs once per stage; a bare pack is evaluated here.
 */
function nagOutcomes(plugin: IPolicyValidationPlugin, pack: NagPack, stage: Stage): Outcome[] {
  if (plugin instanceof ScopedNagPack) return plugin.evaluation().outcomes;
  return stacksOf(stage).flatMap((s) => evaluateNagPack(pack, s).outcomes);
}

/** The guard validator behind a plugin (the Control Tower pack): the plugin itself or the one a `ScopedTemplatePlugin` wraps. */
export function guardValidatorOf(plugin: IPolicyValidationPlugin): CfnGuardValidator | undefined {
  if (plugin instanceof CfnGuardValidator) return plugin;
  return plugin instanceof ScopedTemplatePlugin && plugin.inner instanceof CfnGuardValidator ? plugin.inner : undefined;
}

/** Outcomes of Lakeforge's own rules on `scope` (see `evaluateLakeforgeRules`). */
function evaluateOwnRules(scope: IConstruct, pack: string): Outcome[] {
  return evaluateLakeforgeRules(scope).map((e) => ({
    pack,
    rule: e.rule.id,
    description: e.rule.description,
    node: e.node,
    status: e.compliance === 'compliant' ? 'compliant' : e.compliance === 'not_applicable' ? 'not_applicable' : e.acknowledgedReason ? 'acknowledged' : 'finding',
    findingIds: e.compliance === 'non_compliant' ? [e.rule.id] : [],
    reason: e.acknowledgedReason,
  }));
}

/**
 * Findings of any other plugin (e.g. the Control Tower guard rules): the plugin is asked for its report on the
 * stage's templates (a `ScopedTemplatePlugin` returns the one it made for CDK's validation) and its violations become
 * `finding` (or `acknowledged`) entries; such a plugin names no compliant resources by itself.
 */
function evaluateOtherPlugin(plugin: IPolicyValidationPlugin, stage: Stage): Outcome[] {
  const stacks = stacksOf(stage);
  const stackTemplates = stacks.map((s) => ({
    stackConstructPath: s.node.path,
    templatePath: path.join(stage.outdir, s.templateFile),
    accountId: Token.isUnresolved(s.account) ? undefined : s.account,
    region: Token.isUnresolved(s.region) ? undefined : s.region,
  }));
  const report = plugin.validate({ templatePaths: stackTemplates.map((t) => t.templatePath), stackTemplates, appConstruct: stage.node.root } as never);
  const out: Outcome[] = [];
  for (const v of report.violations) {
    for (const r of v.violatingResources) {
      const stack = stacks.find((s) => r.templatePath !== undefined && path.basename(r.templatePath) === s.templateFile);
      const node =
        (r.constructPath ? stage.node.root.node.findAll().find((c) => c.node.path === r.constructPath) : undefined) ??
        (stack && r.resourceLogicalId ? resourceByLogicalId(stack, r.resourceLogicalId) : undefined);
      if (node === undefined) continue;
      // CDK acknowledges another plugin's rule under `<plugin name>::<rule>` (e.g. `cdk-validator-cfnguard::sqs_dlq_check`);
      // the guard rules title a violation with their control id (`[CT.SQS.PR.1]: …`), which Lakeforge's register names.
      const control = /^\[([^\]]+)\]/.exec(v.description)?.[1];
      const ids = [v.ruleName, `${plugin.name}::${v.ruleName}`, ...(control ? [control] : [])];
      const reason = ids.map((id) => acknowledgementReason(node, id)).find((x) => x !== undefined);
      out.push({
        pack: plugin.name,
        rule: control ?? v.ruleName,
        description: v.description,
        node,
        status: reason ? 'acknowledged' : 'finding',
        findingIds: [control ?? v.ruleName],
        aliases: ids,
        reason,
      });
    }
  }
  return out;
}

/**
 * Every Control Tower control's outcome on every resource of `stage`, as the report lists a cdk-nag rule's: a control
 * checks the resource types its guard rule selects (`controlTowerControlsOf`), so a resource of those types is
 * `compliant` unless the plugin reported it (`finding` or `acknowledged`), and a resource of any other type is
 * `not_applicable`. Resource by resource, control by control; a finding the bundled controls do not explain (a rule
 * file of one's own) is kept as reported.
 */
function evaluateControlTower(plugin: IPolicyValidationPlugin, validator: CfnGuardValidator, stage: Stage): Outcome[] {
  const reported = new Map<string, Outcome[]>();
  for (const o of evaluateOtherPlugin(plugin, stage)) {
    const key = `${o.rule}|${o.node.node.path}`;
    reported.set(key, [...(reported.get(key) ?? []), o]);
  }
  const out: Outcome[] = [];
  const controls = controlTowerControlsOf(validator);
  for (const stack of stacksOf(stage)) {
    for (const node of stack.node.findAll()) {
      if (!CfnResource.isCfnResource(node) || Stack.of(node) !== stack) continue;
      for (const control of controls) {
        const key = `${control.id}|${node.node.path}`;
        const found = reported.get(key);
        reported.delete(key);
        if (found !== undefined) out.push(...found);
        else {
          const status = control.resourceTypes.includes(node.cfnResourceType) ? 'compliant' : 'not_applicable';
          out.push({ pack: plugin.name, rule: control.id, description: control.description, node, status, findingIds: [] });
        }
      }
    }
  }
  return [...out, ...[...reported.values()].flat()];
}

/** The stacks of `stage` (not of nested stages; for the App, the stacks outside any stage), in construct-tree order. */
export function stacksOf(stage: Stage): Stack[] {
  return ownStacks(stage);
}

/**
 * Renders a finding suffix (`Resource::Dev-Storage:ExportsOutputFnGetAttLakeRawBucket…Arn…/events/*`) with construct
 * paths instead of CloudFormation references: export names and `<LogicalId.Attr>` of the stage's stacks become
 * `[<construct path>]`.
 */
export function renderFindingDetail(detail: string, stage: Stage): string {
  const exports = exportedResources(stage.node.root);
  let out = detail.replace(/[A-Za-z0-9-]+:ExportsOutput[A-Za-z0-9]+/g, (name) => {
    const target = exports.get(name);
    return target ? `[${target.node.path}]` : '[cross-stack reference]';
  });
  out = out.replace(/<([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?>/g, (whole, logicalId: string, attr?: string) => {
    for (const s of stacksOf(stage)) {
      const target = resourceByLogicalId(s, logicalId);
      if (target) return `[${target.node.path}]${attr ?? ''}`;
    }
    return whole;
  });
  return out.replace(/\$\{Token\[[^\]]*\]\}/g, '[unresolved value]');
}

/** The logical id of a resource, `-` for anything else. */
function logicalIdOf(node: IConstruct): string {
  return CfnResource.isCfnResource(node) ? String(Stack.of(node).resolve(node.logicalId)) : '-';
}

/** The header fields: commit, time and tool versions. `now` is injectable for tests. */
export function reportHeader(now: Date = new Date()): ReportHeader {
  return {
    commit: gitCommit(),
    generatedAt: now.toISOString(),
    versions: {
      'aws-cdk-lib': packageVersion('aws-cdk-lib'),
      'cdk-nag': packageVersion('cdk-nag'),
      '@cdklabs/cdk-validator-cfnguard': packageVersion('@cdklabs/cdk-validator-cfnguard'),
    },
  };
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || 'unknown';
  } catch {
    return 'unknown'; // not a git checkout, or no git: never fails synth
  }
}

/** The `version` of an installed package's package.json, or `not installed`. */
export function packageVersion(name: string): string {
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (fs.existsSync(file)) {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? 'unknown';
      }
      const up = path.dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  } catch {
    return 'not installed';
  }
}

/**
 * Builds the audit report of one stage: every pack that applies to it (cdk-nag packs and Lakeforge's checks with
 * every resource's status, other plugins with their findings), acknowledgements with their register fields,
 * stacks with termination protection, and the stateful resources a stack deletion destroys. Call after synthesis.
 *
 * @param stage - a synthesized stage.
 * @param header - commit, time and versions (see {@link reportHeader}).
 * @param exclude - plugins not to evaluate (the report plugin itself).
 * @param name - the report's stage name. @default stage.stageName
 */
export function buildStageReport(stage: Stage, header: ReportHeader, exclude: readonly IPolicyValidationPlugin[] = [], name?: string): StageReport {
  const outcomes: Outcome[] = [];
  const coverage = new Map<string, PackSummary['coverage']>();
  const stacks = stacksOf(stage);
  for (const plugin of pluginsOf(stage).filter((p) => !exclude.includes(p))) {
    const nag = nagPackOf(plugin);
    const guard = guardValidatorOf(plugin);
    if (nag !== undefined) {
      outcomes.push(...nagOutcomes(plugin, nag, stage));
      coverage.set(plugin.name, 'every-resource');
    } else if (plugin instanceof LakeforgeChecks) {
      for (const stack of stacks) outcomes.push(...evaluateOwnRules(stack, plugin.name));
      coverage.set(plugin.name, 'every-resource');
    } else if (guard !== undefined) {
      outcomes.push(...evaluateControlTower(plugin, guard, stage));
      coverage.set(plugin.name, 'every-resource');
    } else {
      outcomes.push(...evaluateOtherPlugin(plugin, stage));
      coverage.set(plugin.name, 'findings-only');
    }
  }
  const acks = new Map<string, AckRecord>();
  for (const a of listAcknowledgements(stage) as unknown as AckRecord[]) acks.set(`${a.path}|${a.ruleId}`, a);
  const entries: AuditEntry[] = [];
  for (const o of outcomes) {
    if (o.status === 'not_applicable') continue;
    const ack =
      o.status === 'acknowledged' ? [...o.findingIds, ...(o.aliases ?? [])].map((id) => acks.get(`${o.node.node.path}|${id}`)).find((a) => a !== undefined) : undefined;
    const details = o.findingIds.filter((id) => id !== o.rule).map((id) => renderFindingDetail(id.slice(o.rule.length + 1, -1), stage));
    entries.push({
      pack: o.pack,
      rule: o.rule,
      description: o.description,
      resource: o.node.node.path,
      logicalId: logicalIdOf(o.node),
      type: CfnResource.isCfnResource(o.node) ? o.node.cfnResourceType : 'AWS::CloudFormation::Stack',
      status: o.status,
      ...(details.length > 0 ? { details } : {}),
      ...(o.status === 'acknowledged' ? { reason: ack?.reason ?? o.reason, owner: ack?.owner, approver: ack?.approver, ticket: ack?.ticket, reviewBy: ack?.reviewBy } : {}),
    });
  }
  const packs = [...coverage.keys()].map((name) => summarizePack(name, coverage.get(name)!, outcomes.filter((o) => o.pack === name)));
  const sum = (k: 'compliant' | 'findings' | 'acknowledged' | 'notApplicable') => packs.reduce((n, p) => n + p[k], 0);
  return {
    stage: name ?? stage.stageName,
    ...header,
    account: stage.account === undefined || Token.isUnresolved(stage.account) ? 'unknown' : stage.account,
    region: stage.region === undefined || Token.isUnresolved(stage.region) ? 'unknown' : stage.region,
    summary: { findings: sum('findings'), acknowledged: sum('acknowledged'), compliant: sum('compliant'), notApplicable: sum('notApplicable') },
    stacks: stacks.map((s): StackInfo => ({
      path: s.node.path,
      stackName: s.stackName,
      terminationProtection: s.terminationProtection,
      resources: s.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === s).length,
    })),
    destroyedWithStack: stacks.flatMap((s) =>
      s.node
        .findAll()
        .filter((c): c is CfnResource => isStateful(c) && Stack.of(c) === s && !isRetained(c))
        .map((c): DestroyedResource => ({ resource: c.node.path, logicalId: logicalIdOf(c), type: c.cfnResourceType })),
    ),
    packs,
    entries,
  };
}

function summarizePack(name: string, coverage: PackSummary['coverage'], outcomes: readonly Outcome[]): PackSummary {
  const rules = [...new Set(outcomes.map((o) => o.rule))];
  const ruleSummaries = rules.map((rule): RuleSummary => {
    const of = outcomes.filter((o) => o.rule === rule);
    const count = (s: AuditStatus) => of.filter((o) => o.status === s).length;
    return {
      rule,
      description: of[0].description,
      evaluated: of.length,
      compliant: count('compliant'),
      findings: count('finding'),
      acknowledged: count('acknowledged'),
      notApplicable: count('not_applicable'),
    };
  });
  const total = (k: 'compliant' | 'findings' | 'acknowledged' | 'notApplicable') => ruleSummaries.reduce((n, r) => n + r[k], 0);
  return {
    name,
    rules: rules.length,
    coverage,
    compliant: total('compliant'),
    findings: total('findings'),
    acknowledged: total('acknowledged'),
    notApplicable: total('notApplicable'),
    ruleSummaries,
  };
}

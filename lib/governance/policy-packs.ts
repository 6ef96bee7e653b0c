import * as path from 'node:path';
import {
  Aspects,
  CfnResource,
  Stack,
  Stage,
  Validations,
  type IAspect,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type IPolicyValidationPluginBeta1,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { SIGN_OFFS, type SignOff } from './approvers';
import { controlTowerValidator } from './control-tower';
import { acknowledgeImportedKeys, acknowledgeShortLogRetention } from './imported-keys';
import { evaluateNagPack, mergeViolations, type NagEvaluation } from './nag-evaluation';
import { POLICY_PACKS, type PolicyPackName } from './pack-names';

export { POLICY_PACKS, type PolicyPackName };

/** Options of {@link registerPolicyPacks}. */
export interface PolicyPackOptions {
  /**
   * The packs to run (an environment's `governance.policyPacks`).
   * @default - all of {@link POLICY_PACKS}
   */
  readonly packs?: readonly PolicyPackName[];
  /**
   * The environment's configured log retention, in days (`observability.logRetentionDays`). When below a year,
   * each log group with exactly this retention gets a per-resource acknowledgement of CT.CLOUDWATCH.PR.2
   * (≥ 365 days) naming the configured value; any other short retention stays a finding.
   * @default - no such acknowledgement
   */
  readonly logRetentionDays?: number;
  /**
   * The sign-off of the per-resource acknowledgements the Control Tower pack makes itself (imported keys,
   * configured log retention).
   * @default SIGN_OFFS.platformSecurity
   */
  readonly signOff?: SignOff;
}

/** Construct-tree metadata type recording which packs a scope registered (see {@link policyPacksOf}). */
const PACKS_METADATA_KEY = 'lakeforge:policy-packs';

/**
 * Registers the selected policy packs as CDK policy-validation plugins on `scope` (an App or a Stage). Each
 * plugin checks only the stacks that belong to `scope` itself (not those of a nested Stage, which registers its
 * own packs): so each environment runs the packs its config selects, and an App checks its stacks outside any
 * stage (the delivery pipeline). Findings land in the cloud assembly's policy validation report and fail synth
 * unless acknowledged through `acknowledge()`.
 *
 * With the Control Tower pack, the cross-stack key references that its rules cannot resolve get per-resource
 * acknowledgements made only when the value really is an `Fn::ImportValue` (see `imported-keys.ts`).
 *
 * @param scope - the App or Stage to check.
 * @param options - which packs (default all), the environment's log retention, the sign-off.
 * @throws Error when a pack name is unknown or listed twice.
 */
export function registerPolicyPacks(scope: IConstruct, options: PolicyPackOptions = {}): void {
  const packs = options.packs ?? POLICY_PACKS;
  for (const p of packs) {
    if (!(POLICY_PACKS as readonly string[]).includes(p)) throw new Error(`Unknown policy pack "${p}": expected one of ${POLICY_PACKS.join(', ')}`);
  }
  if (new Set(packs).size !== packs.length) throw new Error(`Policy packs listed twice: ${packs.join(', ')}`);
  const plugins: IPolicyValidationPlugin[] = [];
  for (const pack of packs) {
    if (pack === 'ControlTower') plugins.push(new ScopedTemplatePlugin(scope, controlTowerValidator()));
    else plugins.push(new ScopedNagPack(scope, nagPack(pack, scope)));
  }
  Validations.of(scope).addPlugins(...plugins);
  scope.node.addMetadata(PACKS_METADATA_KEY, [...packs]);
  if (packs.includes('ControlTower')) {
    const signOff = options.signOff ?? SIGN_OFFS.platformSecurity;
    Aspects.of(scope).add(new ControlTowerAcknowledgements(scope, signOff, options.logRetentionDays));
  }
}

/** The packs registered on `scope` (a Stage or the App) by {@link registerPolicyPacks}, in registration order. */
export function policyPacksOf(scope: IConstruct): PolicyPackName[] {
  return scope.node.metadata.filter((m) => m.type === PACKS_METADATA_KEY).flatMap((m) => m.data as PolicyPackName[]);
}

function nagPack(pack: Exclude<PolicyPackName, 'ControlTower'>, scope: IConstruct): NagPack {
  switch (pack) {
    case 'AwsSolutions':
      return new AwsSolutionsChecks(scope);
    case 'NIST.800.53.R5':
      return new NIST80053R5Checks(scope);
    case 'HIPAA.Security':
      return new HIPAASecurityChecks(scope);
    case 'PCI.DSS.321':
      return new PCIDSS321Checks(scope);
  }
}

/** The stacks whose nearest Stage (or App) is `scope`: those a scoped plugin checks, in construct-tree order. */
export function ownStacks(scope: IConstruct): Stack[] {
  return scope.node.findAll().filter((c): c is Stack => Stack.isStack(c) && Stage.of(c) === scope);
}

/** Whether `c` belongs to `scope` itself, not to a Stage nested in it. */
function isOwnConstruct(scope: IConstruct, c: IConstruct): boolean {
  return Stage.of(c) === scope || c === scope;
}

/**
 * A copy of a plugin report that CDK may mutate (it fills in construct paths, relativizes template paths, moves
 * acknowledged violations out), where every violation of a failed report without a `severity` is an `error`.
 *
 * Why: when any violation of a report is acknowledged, CDK decides the report again from what is left, as
 * `violations.every(v => v.severity !== 'error' && v.severity !== 'fatal')` (aws-cdk-lib
 * `core/lib/private/synthesis-validation.js`, `collectSuppressions`). The guard validator
 * (@cdklabs/cdk-validator-cfnguard) reports violations without a severity, so one acknowledged Control Tower
 * finding turned every other unacknowledged finding of the stage into a success. A report that says it failed
 * means its violations are errors.
 */
function copyReport(report: PolicyValidationPluginReport): PolicyValidationPluginReport {
  const copy = structuredClone(report);
  if (copy.success) return copy;
  return { ...copy, violations: copy.violations.map((v) => (v.severity === undefined ? { ...v, severity: 'error' } : v)) };
}

/**
 * A policy-validation plugin that checks only the stacks of one scope (an App or a Stage) and evaluates them once:
 * CDK and the audit report read the same result. cdk-nag 3 walks the whole app from `appConstruct` and the guard
 * validator reads every template it is given, so a pack registered on each stage would otherwise check every stage
 * once per stage; and the audit report (`report/collect.ts`) needs each resource's status, which it takes from
 * the evaluation this plugin already made for CDK (whichever asks first evaluates; the construct tree is final
 * once synthesis validates it).
 */
export abstract class ScopedPlugin implements IPolicyValidationPlugin {
  /** The wrapped plugin's name (a cdk-nag pack name, `cdk-validator-cfnguard`). */
  public readonly name: string;
  /** The wrapped plugin's version. */
  public readonly version?: string;
  /** The wrapped plugin's rule ids. */
  public readonly ruleIds?: string[];

  /**
   * @param scope - the App or Stage whose own stacks are checked (read by `report/collect.ts` too).
   * @param inner - the plugin whose name, version and rule ids this one reports under.
   */
  protected constructor(
    public readonly scope: IConstruct,
    inner: Pick<IPolicyValidationPlugin, 'name' | 'version' | 'ruleIds'>,
  ) {
    this.name = inner.name;
    this.version = inner.version;
    this.ruleIds = inner.ruleIds;
  }

  /** Checks the scope's own stacks (see the subclasses). */
  public abstract validate(context: IPolicyValidationContext): PolicyValidationPluginReport;
}

/** A cdk-nag pack that checks only the stacks of one scope, evaluating each rule on each resource once. */
export class ScopedNagPack extends ScopedPlugin {
  private evaluated?: NagEvaluation;

  /**
   * @param scope - the App or Stage whose own stacks are checked.
   * @param pack - the cdk-nag pack (read by `report/collect.ts` as the pack behind this plugin).
   */
  constructor(
    scope: IConstruct,
    public readonly pack: NagPack,
  ) {
    super(scope, pack);
  }

  /**
   * The pack's violations and every rule's outcome on every resource of the scope's own stacks (stack by stack),
   * evaluated on the first call and shared by CDK's validation and the audit report afterwards.
   */
  public evaluation(): NagEvaluation {
    if (this.evaluated === undefined) {
      const perStack = ownStacks(this.scope).map((s) => evaluateNagPack(this.pack, s));
      this.evaluated = { violations: mergeViolations(perStack.flatMap((e) => e.violations)), outcomes: perStack.flatMap((e) => e.outcomes) };
    }
    return this.evaluated;
  }

  /** The pack's violations on the scope's own stacks (a copy: CDK edits what it gets). */
  public validate(_context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations = this.evaluation().violations;
    return copyReport({ success: violations.length === 0, violations });
  }
}

/** A template-reading plugin (the guard validator) that sees only the templates of one scope's stacks, run once per set of templates. */
export class ScopedTemplatePlugin extends ScopedPlugin {
  private readonly reports = new Map<string, PolicyValidationPluginReport>();

  /**
   * @param scope - the App or Stage whose own stacks' templates are checked.
   * @param inner - the template-reading plugin (read by `report/collect.ts`).
   */
  constructor(
    scope: IConstruct,
    public readonly inner: IPolicyValidationPluginBeta1,
  ) {
    super(scope, inner);
  }

  /**
   * Runs the inner plugin on the context's templates that belong to the scope's own stacks; the same templates
   * (CDK's validation, then the audit report) are checked once. Returns a copy: CDK edits what it gets.
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const own = new Set(ownStacks(this.scope).map((s) => path.resolve(Stage.of(s)!.outdir, s.templateFile)));
    const templatePaths = context.templatePaths.filter((t) => own.has(path.resolve(t)));
    // cfn-guard reads stdin without a --data argument: a scope without stacks has nothing to check.
    if (templatePaths.length === 0) return { success: true, violations: [] };
    const key = templatePaths.map((t) => path.resolve(t)).sort().join('\n');
    let report = this.reports.get(key);
    if (report === undefined) {
      const r = this.inner.validate({ ...context, templatePaths });
      report = copyReport({ success: r.success, violations: r.violations, pluginVersion: this.version, metadata: r.metadata });
      this.reports.set(key, report);
    }
    return copyReport(report);
  }
}

/** Adds the Control Tower pack's conditional per-resource acknowledgements to the scope's own L1 resources. */
class ControlTowerAcknowledgements implements IAspect {
  constructor(
    private readonly scope: IConstruct,
    private readonly signOff: SignOff,
    private readonly logRetentionDays: number | undefined,
  ) {}

  public visit(node: IConstruct): void {
    if (!CfnResource.isCfnResource(node) || !isOwnConstruct(this.scope, node)) return;
    acknowledgeImportedKeys(node, this.signOff);
    if (this.logRetentionDays !== undefined) acknowledgeShortLogRetention(node, this.logRetentionDays, this.signOff);
  }
}

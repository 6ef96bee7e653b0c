import {
  CfnResource,
  type IPolicyValidationContext,
  type IPolicyValidationPlugin,
  type PolicyValidationPluginReport,
  type PolicyViolation,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AthenaBytesScannedCutoff, AthenaResultsKms, AthenaWorkgroupEnforced } from './athena-workgroup';
import { GlueCatalogEncryptionSingleOwner } from './glue-catalog-encryption';
import { IcebergLocationNotExpired } from './iceberg-lifecycle';
import { KinesisEventSourceBounded } from './kinesis-event-source';
import { LambdaExplicitLogGroup, NoSnsOnFailureDestination } from './lambda-logging';
import { ProdStatefulRetained, ProdTerminationProtection } from './prod-retention';
import type { LakeforgeRule, RuleCompliance } from './rule';

/** Every Lakeforge rule, in report order. */
export const LAKEFORGE_RULES: readonly LakeforgeRule[] = [
  AthenaWorkgroupEnforced,
  AthenaResultsKms,
  AthenaBytesScannedCutoff,
  GlueCatalogEncryptionSingleOwner,
  ProdStatefulRetained,
  ProdTerminationProtection,
  LambdaExplicitLogGroup,
  NoSnsOnFailureDestination,
  KinesisEventSourceBounded,
  IcebergLocationNotExpired,
];

/** The pack name of the Lakeforge checks in validation and audit reports. */
export const LAKEFORGE_PACK = 'Lakeforge';

/** One rule's outcome on one resource or stack. */
export interface RuleEvaluation {
  /** The rule. */
  readonly rule: LakeforgeRule;
  /** The evaluated construct: a `CfnResource` or a `Stack`. */
  readonly node: IConstruct;
  /** `compliant`, `non_compliant` or `not_applicable`; a check that throws is `non_compliant`. */
  readonly compliance: RuleCompliance;
  /** The check's error message, when it threw. */
  readonly error?: string;
  /** The acknowledgement reason, when the rule is acknowledged on the node or an ancestor (then not a finding). */
  readonly acknowledgedReason?: string;
}

/**
 * Evaluates `rules` on every `CfnResource` and every Stack below `scope` (nested stages included).
 *
 * @param scope - a Stage or App (or a Stack).
 * @param rules - @default LAKEFORGE_RULES
 */
export function evaluateLakeforgeRules(scope: IConstruct, rules: readonly LakeforgeRule[] = LAKEFORGE_RULES): RuleEvaluation[] {
  const out: RuleEvaluation[] = [];
  const nodes = scope.node.findAll();
  for (const rule of rules) {
    for (const node of nodes) {
      const applies = rule.scope === 'stack' ? Stack.isStack(node) : CfnResource.isCfnResource(node);
      if (!applies) continue;
      let compliance: RuleCompliance;
      let error: string | undefined;
      try {
        compliance = rule.check(node);
      } catch (e) {
        compliance = 'non_compliant';
        error = e instanceof Error ? e.message : String(e);
      }
      const acknowledgedReason =
        compliance === 'non_compliant' ? (acknowledgementReason(node, rule.id) ?? acknowledgementReason(node, `${LAKEFORGE_PACK}::${rule.id}`)) : undefined;
      out.push({ rule, node, compliance, error, acknowledgedReason });
    }
  }
  return out;
}

/**
 * The reason an acknowledgement of `ruleId` gives on `node` or one of its ancestors, as cdk-nag reads it
 * (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY` metadata, `Annotation::<id>` → reason), or `undefined`.
 */
export function acknowledgementReason(node: IConstruct, ruleId: string): string | undefined {
  for (let c: IConstruct | undefined = node; c !== undefined; c = c.node.scope) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || entry.data === undefined) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        if (key === ruleId || key.replace(/^annotation::/i, '') === ruleId) return reason;
      }
    }
  }
  return undefined;
}

/**
 * Lakeforge's own checks as a CDK policy-validation plugin (`Validations.of(stage).addPlugins(new LakeforgeChecks())`):
 * the rules of {@link LAKEFORGE_RULES}, evaluated on the stacks the plugin is registered for. An unacknowledged
 * non-compliant resource is a violation and fails synth like the cdk-nag packs; acknowledgements work the same way
 * (`acknowledge(resource, { ruleId: 'LF-…', … })`). Rules that look across the app (LF-GLUE-1) see every stage.
 */
export class LakeforgeChecks implements IPolicyValidationPlugin {
  /** Pack name: `Lakeforge`. */
  public readonly name = LAKEFORGE_PACK;
  /** Rule ids, as the validation framework reports them. */
  public readonly ruleIds: string[];

  /** @param rules - the rules to run. @default LAKEFORGE_RULES */
  constructor(private readonly rules: readonly LakeforgeRule[] = LAKEFORGE_RULES) {
    this.ruleIds = rules.map((r) => r.id);
  }

  /** Evaluates the rules on the stacks of `context` (found in the construct tree by their construct path). */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const root = (context as IPolicyValidationContext & { appConstruct?: IConstruct }).appConstruct;
    if (root === undefined) throw new Error('LakeforgeChecks needs aws-cdk-lib ≥ 2.262 (appConstruct on the validation context)');
    const paths = new Set(context.stackTemplates.map((s) => s.stackConstructPath));
    const stacks = root.node.findAll().filter((c): c is Stack => Stack.isStack(c) && paths.has(c.node.path));
    return this.validateStacks(stacks);
  }

  /** Evaluates the rules on `stacks` and their resources (for tests and direct use). */
  public validateStacks(stacks: readonly Stack[]): PolicyValidationPluginReport {
    const violations: PolicyViolation[] = [];
    for (const stack of stacks) {
      const own = evaluateLakeforgeRules(stack, this.rules).filter((e) => Stack.of(e.node) === stack);
      for (const e of own) {
        if (e.compliance !== 'non_compliant' || e.acknowledgedReason !== undefined) continue;
        const resource = { constructPath: e.node.node.path, locations: [Stack.isStack(e.node) ? 'TerminationProtection' : 'Properties'] };
        const existing = violations.find((v) => v.ruleName === e.rule.id);
        if (existing) (existing.violatingResources as unknown[]).push(resource);
        else {
          const description = `[${e.rule.id}] ${e.rule.description}${e.error ? ` (check failed: ${e.error})` : ''}`;
          violations.push({ ruleName: e.rule.id, description, severity: 'error', violatingResources: [resource] });
        }
      }
    }
    return { success: violations.length === 0, violations };
  }
}

/**
 * Registers {@link LakeforgeChecks} on each of `stages` (one plugin per stage, so each stage's report lists its own
 * findings).
 */
export function registerLakeforgeChecks(stages: readonly IConstruct[]): void {
  for (const stage of stages) Validations.of(stage).addPlugins(new LakeforgeChecks());
}

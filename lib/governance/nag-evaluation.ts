import { type CfnResource, type PolicyViolation } from 'aws-cdk-lib';
import { NagRuleCompliance, type IApplyRule, type NagPack, type NagRuleResult } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { AuditStatus } from './report/model';
import { acknowledgementReason } from './rules/lakeforge-checks';

/** Outcome of one rule on one resource, before acknowledgement details are attached (see {@link evaluateNagPack}). */
export interface Outcome {
  /** The pack, e.g. `AwsSolutions`. */
  readonly pack: string;
  /** The rule id, e.g. `AwsSolutions-S1` or `CT.S3.PR.2` (without a finding suffix). */
  readonly rule: string;
  /** What the rule requires (the pack's own wording). */
  readonly description: string;
  /** The resource (or stack) the rule was evaluated on. */
  readonly node: IConstruct;
  /** The rule's status on the resource. */
  readonly status: AuditStatus;
  /** Finding ids as the pack names them (`<rule>[<suffix>]`), for the acknowledgement lookup. */
  readonly findingIds: readonly string[];
  /** Further ids an acknowledgement in the register may name the finding by (e.g. a Control Tower control id). */
  readonly aliases?: readonly string[];
  /** Acknowledged: the reason recorded on the resource. */
  readonly reason?: string;
}

/** One evaluation of a cdk-nag pack: what CDK's policy validation gets and what the audit report lists. */
export interface NagEvaluation {
  /** The violations, exactly as the pack's own `validateScope` reports them (acknowledged findings left out). */
  readonly violations: PolicyViolation[];
  /** Every rule's outcome on every resource, in the pack's walk order (resource by resource, rule by rule). */
  readonly outcomes: Outcome[];
}

/** A `NagPack` seen from inside: its `applyRule` is protected in the typings. */
type RuleApplying = NagPack & { applyRule(params: IApplyRule): void };

/** What a rule call produced, or that it threw. */
type RuleResult = NagRuleResult | { readonly threw: unknown };

/**
 * Evaluates one cdk-nag 3 pack on `scope` once and returns both the pack's violations and every rule's outcome on
 * every resource. cdk-nag 3 reports findings only, so each rule the pack applies is wrapped to record its result
 * (`NagRuleCompliance` or a list of findings) while the pack's own `applyRule` still decides, from that same single
 * call, what is a violation and what is acknowledged: the violations are the ones `pack.validateScope(scope)` would
 * return. The registered pack itself is not touched (a prototype-linked copy collects the violations).
 *
 * @param pack - a cdk-nag pack (AwsSolutions, NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1, …).
 * @param scope - the construct tree to check (a stack).
 */
export function evaluateNagPack(pack: NagPack, scope: IConstruct): NagEvaluation {
  const outcomes: Outcome[] = [];
  const packName = pack.readPackName;
  const packApplyRule = (pack as RuleApplying).applyRule;
  const shadow = Object.create(pack) as RuleApplying;
  shadow.applyRule = (params: IApplyRule) => {
    let result: RuleResult = NagRuleCompliance.NOT_APPLICABLE;
    const original = params.rule;
    const recording = function (this: unknown, node: CfnResource): NagRuleResult {
      try {
        result = original.call(this, node);
      } catch (e) {
        result = { threw: e };
        throw e;
      }
      return result;
    };
    // cdk-nag names the rule after the function (`params.rule.name`) unless the pack overrides the suffix.
    Object.defineProperty(recording, 'name', { value: original.name });
    packApplyRule.call(shadow, { ...params, rule: recording });
    outcomes.push(outcomeOf(pack.name, `${packName}-${params.ruleSuffixOverride ?? original.name}`, params, result));
  };
  const report = shadow.validateScope(scope);
  return { violations: report.violations, outcomes };
}

/** The outcome of one rule result: a rule that throws counts as non-compliant, as cdk-nag reports it. */
function outcomeOf(pack: string, rule: string, params: IApplyRule, result: RuleResult): Outcome {
  const base = { pack, rule, description: params.info, node: params.node };
  if (result === NagRuleCompliance.NOT_APPLICABLE) return { ...base, status: 'not_applicable', findingIds: [] };
  if (result === NagRuleCompliance.COMPLIANT || (Array.isArray(result) && result.length === 0)) return { ...base, status: 'compliant', findingIds: [] };
  const ids = Array.isArray(result) ? result.map((f) => `${rule}[${f}]`) : [rule];
  const open = ids.filter((id) => acknowledgementReason(params.node, id) === undefined);
  const reason = open.length === 0 ? acknowledgementReason(params.node, ids[0]) : undefined;
  return { ...base, status: open.length === 0 ? 'acknowledged' : 'finding', findingIds: ids, reason };
}

/** Concatenates violations, merging those of the same rule (as one pack run over several stacks would report them). */
export function mergeViolations(violations: readonly PolicyViolation[]): PolicyViolation[] {
  const byRule = new Map<string, PolicyViolation>();
  for (const v of violations) {
    const existing = byRule.get(v.ruleName);
    byRule.set(v.ruleName, existing ? { ...existing, violatingResources: [...existing.violatingResources, ...v.violatingResources] } : v);
  }
  return [...byRule.values()];
}

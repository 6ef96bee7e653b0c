import { CfnOutput, CfnResource, Reference, Stack, Stage, Token, Tokenization } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { stageId } from '../../shared/naming';

/** The outcome of one Lakeforge rule on one resource or stack (the same three states as cdk-nag's `NagRuleCompliance`). */
export type RuleCompliance = 'compliant' | 'non_compliant' | 'not_applicable';

/**
 * One Lakeforge check: a rule id (`LF-<AREA>-<n>`), what it requires, and the check, on a resource (an L1
 * `CfnResource`, as cdk-nag rules) or on a stack.
 *
 * Rules read the L1 properties (`stack.resolve(node._toCloudFormation())`), and follow tokens to the construct
 * they reference (a cross-stack bucket name is still the bucket), so they see what CloudFormation will see.
 */
export interface LakeforgeRule {
  /** Rule id, e.g. `LF-ATHENA-1`. */
  readonly id: string;
  /** One sentence: what a compliant resource or stack does. */
  readonly description: string;
  /** Why the rule exists (shown to auditors under the description). */
  readonly explanation: string;
  /** `resource`: `check` is called with every `CfnResource`; `stack`: with every Stack. */
  readonly scope: 'resource' | 'stack';
  /**
   * The check. Must not throw for well-formed input; a throw is reported as a finding with its message.
   * @param node - a `CfnResource` (scope `resource`) or a `Stack` (scope `stack`).
   */
  check(node: IConstruct): RuleCompliance;
}

/** The stage names Lakeforge treats as production: the stage of the `prod` environment (`stageId('prod')`, i.e. `Prod`). */
export const PRODUCTION_STAGE_NAMES: readonly string[] = [stageId('prod')];

/** Whether `scope` is in a production stage ({@link PRODUCTION_STAGE_NAMES}). */
export function isProduction(scope: IConstruct): boolean {
  const stage = Stage.of(scope);
  return stage !== undefined && PRODUCTION_STAGE_NAMES.includes(stage.stageName);
}

/**
 * The CloudFormation properties of an L1 resource as they will be synthesized (tokens resolved in its stack).
 * Cross-stack references appear as `Fn::ImportValue` only after synthesis; here they are `Ref`/`Fn::GetAtt`.
 */
export function cfnProperties(node: CfnResource): Record<string, unknown> {
  const rendered = Stack.of(node).resolve((node as unknown as { _toCloudFormation(): unknown })._toCloudFormation()) as {
    Resources?: Record<string, { Properties?: Record<string, unknown> }>;
  };
  const [resource] = Object.values(rendered.Resources ?? {});
  return resource?.Properties ?? {};
}

/**
 * The L1 resources a value references (bucket names, ARNs, `Fn::Join`ed strings): each token in it that is a
 * `Reference` (`Ref`, `Fn::GetAtt`), followed to its target construct, same stack or not.
 */
export function referencedResources(value: unknown): CfnResource[] {
  const out: CfnResource[] = [];
  const visitToken = (t: unknown) => {
    if (t instanceof Reference && CfnResource.isCfnResource(t.target)) out.push(t.target);
  };
  if (typeof value === 'string') {
    for (const t of Tokenization.reverseString(value).tokens) visitToken(t);
  } else if (Token.isUnresolved(value)) {
    visitToken(Tokenization.reverse(value));
  }
  return out;
}

/** Reads `obj.a.b.c` of a plain JSON value, `undefined` when a step is missing. */
export function dig(obj: unknown, ...keys: string[]): unknown {
  let cur: unknown = obj;
  for (const k of keys) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * The L1 resource a resolved CloudFormation value points at: `{ Ref }` or `{ Fn::GetAtt }` to a resource of the
 * same stack, or `{ Fn::ImportValue }` of an export another stack of the app declares (CDK's cross-stack
 * references). `undefined` for literals and anything else.
 *
 * @param from - the resource whose property holds the value (its stack resolves logical ids).
 * @param value - the resolved value, e.g. `cfnProperties(esm).EventSourceArn`.
 */
export function targetOf(from: IConstruct, value: unknown): CfnResource | undefined {
  const stack = Stack.of(from);
  const logicalId = dig(value, 'Ref') ?? (dig(value, 'Fn::GetAtt') as unknown[] | undefined)?.[0];
  if (typeof logicalId === 'string') return resourceByLogicalId(stack, logicalId);
  const exportName = dig(value, 'Fn::ImportValue');
  if (typeof exportName === 'string') return exportedResources(from.node.root).get(exportName);
  return undefined;
}

// Indexes derived from a synthesized construct tree (logical ids and export names are final once the app is
// prepared), memoized per stack and per app root so that a rule looking up references stays linear.
const logicalIdIndex = new WeakMap<Stack, Map<string, CfnResource>>();
const exportIndex = new WeakMap<IConstruct, Map<string, CfnResource>>();

/** Export name → the resource the exported value references, for every `CfnOutput` with an export below `root`. */
export function exportedResources(root: IConstruct): Map<string, CfnResource> {
  let index = exportIndex.get(root);
  if (index === undefined) {
    index = new Map();
    for (const c of root.node.findAll()) {
      if (!(c instanceof CfnOutput) || c.exportName === undefined) continue;
      const [target] = referencedResources(c.value);
      const name = Stack.of(c).resolve(c.exportName);
      if (target !== undefined && typeof name === 'string') index.set(name, target);
    }
    exportIndex.set(root, index);
  }
  return index;
}

/** The L1 resource of `stack` with the given logical id, if any. */
export function resourceByLogicalId(stack: Stack, logicalId: string): CfnResource | undefined {
  let index = logicalIdIndex.get(stack);
  if (index === undefined) {
    index = new Map();
    for (const c of stack.node.findAll()) {
      if (CfnResource.isCfnResource(c) && Stack.of(c) === stack) index.set(stack.resolve(c.logicalId) as string, c);
    }
    logicalIdIndex.set(stack, index);
  }
  return index.get(logicalId);
}

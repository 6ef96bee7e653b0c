import { Stack, Stage, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
// cdk-nag's own renderer of CloudFormation references in finding ids (not re-exported from its index).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { type IConstruct } from 'constructs';

/**
 * One acknowledged policy finding: a rule that does not apply to one resource, with the reason why.
 *
 * Lakeforge fixes findings rather than acknowledging them; an acknowledgement is the exception and is
 * recorded here so the audit report can list it with its reason and owner.
 */
export interface Acknowledgement {
  /**
   * The finding id, e.g. `AwsSolutions-S1` or `AwsSolutions-IAM5[Resource::*]` (cdk-nag 3 finding ids;
   * see cdk-nag RULES.md).
   */
  readonly ruleId: string;
  /** Why the rule does not apply, in one or two sentences a reviewer can check. At least 20 characters. */
  readonly reason: string;
  /**
   * Who owns the decision.
   * @default 'platform-team'
   */
  readonly owner?: string;
}

/** An acknowledgement as recorded for the audit report. */
export interface RecordedAcknowledgement extends Required<Acknowledgement> {
  /** The construct path of the acknowledged resource. */
  readonly path: string;
}

const REGISTRY_KEY = 'lakeforge:acknowledgements';

/**
 * Acknowledges one policy finding on one resource (never a stack or a whole app).
 *
 * @param resource - the exact construct the finding is reported on (an L1 `CfnResource` or an L2 whose
 *   default child it is).
 * @param ack - the finding id, reason and owner.
 * @throws Error when the reason is shorter than 20 characters, or when `resource` is a Stack or Stage:
 *   acknowledgements are scoped to one resource.
 */
export function acknowledge(resource: IConstruct, ack: Acknowledgement): void {
  if (ack.reason.trim().length < 20) {
    throw new Error(`Acknowledgement of ${ack.ruleId} on ${resource.node.path} needs a real reason (≥ 20 characters)`);
  }
  if (resource.node.scope === undefined || Stack.isStack(resource) || Stage.isStage(resource)) {
    throw new Error(`Acknowledgement of ${ack.ruleId} must be scoped to one resource, not ${resource.node.path || 'the app'}`);
  }
  recordForPolicyPacks(resource, ack.ruleId, ack.reason);
  const recorded: RecordedAcknowledgement = {
    ruleId: ack.ruleId,
    reason: ack.reason,
    owner: ack.owner ?? 'platform-team',
    path: resource.node.path,
  };
  resource.node.addMetadata(REGISTRY_KEY, recorded);
}

/**
 * Records an acknowledgement where the policy packs look for it (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY`
 * metadata, `Annotation::<id>` → reason). CDK's `Validations.acknowledge` rejects ids with unbalanced braces, and
 * cdk-nag renders a CloudFormation dynamic reference in a resource (`{{resolve:ssm:…}}`, e.g. a bucket name a
 * product team's app reads with `LakeforgePlatform.fromParameters`) as `{{resolve:ssm:…>>` in its finding ids
 * (`flattenCfnReference` turns every `}` into `>`): such an id is recorded as the same metadata entry directly.
 */
function recordForPolicyPacks(resource: IConstruct, ruleId: string, reason: string): void {
  if (ruleId.includes('{{resolve:')) {
    resource.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [`Annotation::${ruleId}`]: reason });
  } else {
    Validations.of(resource).acknowledge({ id: ruleId, reason });
  }
}

/**
 * Acknowledges the same finding ids on one resource with one reason (e.g. the same rule in the four packs).
 *
 * @param resource - the exact construct the findings are reported on.
 * @param ruleIds - the finding ids.
 * @param reason - why the rules do not apply.
 * @param owner - who owns the decision. @default 'platform-team'
 */
export function acknowledgeAll(resource: IConstruct, ruleIds: readonly string[], reason: string, owner?: string): void {
  for (const ruleId of ruleIds) acknowledge(resource, { ruleId, reason, owner });
}

/**
 * Every acknowledgement made with `acknowledge` below `scope`, in construct-tree order.
 *
 * @param scope - usually the App.
 */
export function listAcknowledgements(scope: IConstruct): RecordedAcknowledgement[] {
  const out: RecordedAcknowledgement[] = [];
  for (const c of scope.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type === REGISTRY_KEY) out.push(entry.data as RecordedAcknowledgement);
    }
  }
  return out;
}

/**
 * Acknowledges AwsSolutions-IAM5 (wildcard resource) findings for exactly the listed resources of one
 * IAM policy, e.g. prefix-scoped object ARNs such as `bucket.arnForObjects('events/*')`.
 *
 * cdk-nag names such a finding after the rendered resource (`AwsSolutions-IAM5[Resource::<...>/events/*]`),
 * which for a cross-stack reference is an export name CDK only chooses during synthesis. So the
 * acknowledgements are made in the construct-validation phase, after references are resolved and
 * before the policy packs run; wildcard resources that are not listed stay findings.
 *
 * @param policy - the `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy` L1 resource.
 * @param resources - the exact resource values (tokens allowed) whose wildcard is intended.
 * @param reason - why the wildcard is as narrow as it can be.
 * @param owner - who owns the decision. @default 'platform-team'
 */
export function acknowledgeWildcardResources(
  policy: iam.CfnPolicy | iam.CfnManagedPolicy,
  resources: readonly string[],
  reason: string,
  owner?: string,
): void {
  policy.node.addValidation({
    validate: () => {
      const stack = Stack.of(policy);
      for (const resource of resources) {
        const flat = flattenCfnReference(stack.resolve(resource));
        if (flat.includes('*')) acknowledge(policy, { ruleId: `AwsSolutions-IAM5[Resource::${flat}]`, reason, owner });
      }
      return [];
    },
  });
}

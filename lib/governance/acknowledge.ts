import { CfnResource, Stack, Stage, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
// cdk-nag's own renderer of CloudFormation references in finding ids (not re-exported from its index).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { type IConstruct } from 'constructs';
import { ConfigError } from '../shared/config-error';
import { APPROVERS, MAX_REVIEW_HORIZON_MONTHS, MIN_REASON_LENGTH, TICKET_PATTERN, type SignOff } from './approvers';
import { controlTowerAcknowledgementId, isControlTowerControlId } from './control-tower';

/**
 * One acknowledged policy finding: a rule that does not apply to one resource, with the reason why, who owns and
 * who approved the decision, and when it is reviewed next.
 *
 * Lakeforge fixes findings rather than acknowledging them; an acknowledgement is the exception, recorded in the
 * construct tree (for the audit report, {@link listAcknowledgements}) and in the template's resource metadata
 * (`Metadata["lakeforge:acknowledgements"]`), so a reader of a template sees it too.
 */
export interface Acknowledgement extends SignOff {
  /**
   * The finding id: a cdk-nag 3 finding id such as `AwsSolutions-S1` or `AwsSolutions-IAM5[Resource::*]` (see
   * cdk-nag RULES.md), or an AWS Control Tower proactive control id such as `CT.S3.PR.9` (AWS Control Tower
   * Controls Reference Guide, "Proactive controls").
   */
  readonly ruleId: string;
  /**
   * Why the rule does not apply to this resource, in one or two sentences a reviewer can check: at least
   * {@link MIN_REASON_LENGTH} characters, and not just the rule id.
   */
  readonly reason: string;
}

/** An acknowledgement as recorded for the audit report. */
export interface RecordedAcknowledgement extends Acknowledgement {
  /** The construct path of the acknowledged resource, e.g. `Dev/Storage/Lake/AccessLogs/Bucket/Resource`. */
  readonly path: string;
}

/**
 * An invalid or expired acknowledgement: one line per problem, naming the rule and the resource. A
 * {@link ConfigError}, so `lakeforge synth` and the app entry point print it without a stack trace.
 */
export class AcknowledgementError extends ConfigError {
  constructor(lines: readonly string[]) {
    super(lines);
    this.name = 'AcknowledgementError';
    this.message = this.issues.join('\n');
  }
}

/** Context key that overrides "today" (`YYYY-MM-DD`) for the expiry check, e.g. `cdk synth -c lakeforge:today=2027-07-01`. */
export const TODAY_CONTEXT_KEY = 'lakeforge:today';

/** Construct-tree metadata type of recorded acknowledgements (see {@link listAcknowledgements}). */
const REGISTRY_KEY = 'lakeforge:acknowledgements';

/** Template metadata key (`Resources.<id>.Metadata`) under which a resource lists its acknowledgements. */
export const TEMPLATE_METADATA_KEY = 'lakeforge:acknowledgements';

/**
 * Acknowledges one policy finding on one resource (never a stack or a whole app).
 *
 * The acknowledgement is recorded for the policy packs (so the finding is not reported), in the construct tree
 * (for the audit report) and in the resource's template metadata. A construct validation fails synth once the
 * review date has passed, with one line: `<rule> on <path>: acknowledgement expired on <date> (owner …, approver …); review it`.
 *
 * @param resource - the exact construct the finding is reported on (an L1 `CfnResource` or an L2 whose
 *   default child it is).
 * @param ack - the finding id, reason, owner, approver and/or ticket, review date.
 * @throws AcknowledgementError when a field is invalid (see {@link validateAcknowledgement}), or when `resource`
 *   is a Stack or Stage: acknowledgements are scoped to one resource.
 */
export function acknowledge(resource: IConstruct, ack: Acknowledgement): void {
  if (resource.node.scope === undefined || Stack.isStack(resource) || Stage.isStage(resource)) {
    throw new AcknowledgementError([`${ack.ruleId}: an acknowledgement must be scoped to one resource, not ${resource.node.path || 'the app'}`]);
  }
  const problems = validateAcknowledgement(ack);
  if (problems.length > 0) throw new AcknowledgementError(problems.map((p) => `${ack.ruleId} on ${resource.node.path}: ${p}`));
  recordForPolicyPacks(resource, ack.ruleId, ack.reason);
  const recorded: RecordedAcknowledgement = { ...normalize(ack), path: resource.node.path };
  resource.node.addMetadata(REGISTRY_KEY, recorded);
  writeTemplateMetadata(resource, normalize(ack));
  resource.node.addValidation({ validate: () => expiryProblems(recorded, todayOf(resource)) });
}

/**
 * Acknowledges the same finding ids on one resource with one reason and sign-off (e.g. the same rule in the four
 * cdk-nag packs): one acknowledgement per id.
 *
 * @param resource - the exact construct the findings are reported on.
 * @param ruleIds - the finding ids.
 * @param reason - why the rules do not apply.
 * @param signOff - owner, approver and/or ticket, review date (usually one of `SIGN_OFFS`).
 * @throws AcknowledgementError as {@link acknowledge}.
 */
export function acknowledgeAll(resource: IConstruct, ruleIds: readonly string[], reason: string, signOff: SignOff): void {
  for (const ruleId of ruleIds) acknowledge(resource, { ...signOff, ruleId, reason });
}

/**
 * Every acknowledgement made with `acknowledge` below `scope`, in construct-tree order. Acknowledgements made
 * in the validation phase ({@link acknowledgeWildcardResources}, imported keys) are listed after synthesis.
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
 * before the policy packs run; wildcard resources that are not listed stay findings. The sign-off is checked
 * at once (a malformed one throws here, not during synthesis).
 *
 * @param policy - the `AWS::IAM::Policy` or `AWS::IAM::ManagedPolicy` L1 resource.
 * @param resources - the exact resource values (tokens allowed) whose wildcard is intended.
 * @param reason - why the wildcard is as narrow as it can be.
 * @param signOff - owner, approver and/or ticket, review date (usually one of `SIGN_OFFS`).
 * @throws AcknowledgementError when the reason or sign-off is invalid.
 */
export function acknowledgeWildcardResources(
  policy: iam.CfnPolicy | iam.CfnManagedPolicy,
  resources: readonly string[],
  reason: string,
  signOff: SignOff,
): void {
  const problems = validateAcknowledgement({ ...signOff, ruleId: 'AwsSolutions-IAM5', reason });
  if (problems.length > 0) throw new AcknowledgementError(problems.map((p) => `AwsSolutions-IAM5 on ${policy.node.path}: ${p}`));
  policy.node.addValidation({
    validate: () => {
      const stack = Stack.of(policy);
      for (const resource of resources) {
        const flat = flattenCfnReference(stack.resolve(resource));
        if (flat.includes('*')) acknowledge(policy, { ...signOff, ruleId: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
      }
      return [];
    },
  });
}

/**
 * The problems of an acknowledgement's fields, each a phrase (empty when valid): a reason of at least
 * {@link MIN_REASON_LENGTH} characters that is more than the rule id, an owner, an approver from `APPROVERS`
 * and/or a ticket matching `TICKET_PATTERN` (at least one), and a `reviewBy` calendar date `YYYY-MM-DD`.
 * Pure; the expiry and horizon are checked at synthesis ({@link expiryProblems}).
 */
export function validateAcknowledgement(ack: Acknowledgement): string[] {
  const problems: string[] = [];
  const reason = (ack.reason ?? '').trim();
  if (reason.length < MIN_REASON_LENGTH) problems.push(`reason must say why the rule does not apply (≥ ${MIN_REASON_LENGTH} characters), got ${JSON.stringify(reason)}`);
  else if (reason.replace(/[^a-z0-9]/gi, '').toLowerCase() === ack.ruleId.replace(/[^a-z0-9]/gi, '').toLowerCase()) problems.push('reason must be more than the rule id');
  if (typeof ack.owner !== 'string' || ack.owner.trim() === '') problems.push('owner is required (the team that owns the resource)');
  if (ack.approver === undefined && ack.ticket === undefined) {
    problems.push(`needs an approver (one of ${Object.keys(APPROVERS).join(', ')}) or a ticket (e.g. SEC-123)`);
  }
  if (ack.approver !== undefined && !Object.prototype.hasOwnProperty.call(APPROVERS, ack.approver)) {
    problems.push(`approver ${JSON.stringify(ack.approver)} is not in the register (lib/governance/approvers.ts: ${Object.keys(APPROVERS).join(', ')})`);
  }
  if (ack.ticket !== undefined && !TICKET_PATTERN.test(ack.ticket)) problems.push(`ticket ${JSON.stringify(ack.ticket)} must look like SEC-123`);
  if (parseDate(ack.reviewBy) === undefined) problems.push(`reviewBy must be a date YYYY-MM-DD, got ${JSON.stringify(ack.reviewBy)}`);
  return problems;
}

/**
 * The expiry problems of a recorded acknowledgement on `today` (empty when current): the one line
 * `<rule> on <path>: acknowledgement expired on <date> (owner …, approver …); review it` once `reviewBy` is before
 * `today`, or a line when `reviewBy` is more than {@link MAX_REVIEW_HORIZON_MONTHS} months after `today`.
 *
 * @param ack - the acknowledgement, with its path.
 * @param today - `YYYY-MM-DD` (UTC).
 */
export function expiryProblems(ack: RecordedAcknowledgement, today: string): string[] {
  const signedBy = [`owner ${ack.owner}`, ...(ack.approver ? [`approver ${ack.approver}`] : []), ...(ack.ticket ? [`ticket ${ack.ticket}`] : [])].join(', ');
  if (ack.reviewBy < today) return [`${ack.ruleId} on ${ack.path}: acknowledgement expired on ${ack.reviewBy} (${signedBy}); review it`];
  const horizon = addMonths(today, MAX_REVIEW_HORIZON_MONTHS);
  if (ack.reviewBy > horizon) {
    return [`${ack.ruleId} on ${ack.path}: acknowledgement review date ${ack.reviewBy} is more than ${MAX_REVIEW_HORIZON_MONTHS} months ahead (latest ${horizon}; ${signedBy})`];
  }
  return [];
}

/**
 * Turns CDK's construct-validation failure into an {@link AcknowledgementError} when every error in it is an
 * acknowledgement's (expired, or reviewed too far ahead), so a CLI can print just those lines.
 *
 * @param e - what `app.synth()` threw.
 * @returns the error, or `undefined` when `e` is something else.
 */
export function asAcknowledgementError(e: unknown): AcknowledgementError | undefined {
  if (e instanceof AcknowledgementError) return e;
  if (!(e instanceof Error) || !e.message.startsWith('Validation failed with the following errors')) return undefined;
  const lines = [...e.message.matchAll(/^\s*\[[^\]]*\] (.*)$/gm)].map((m) => m[1]);
  const ours = /: acknowledgement (expired on|review date) /;
  if (lines.length === 0 || !lines.every((l) => ours.test(l))) return undefined;
  return new AcknowledgementError(lines);
}

/** "Today" for the expiry check: the `lakeforge:today` context value, else the current UTC date. */
export function todayOf(scope: IConstruct): string {
  const fromContext = scope.node.tryGetContext(TODAY_CONTEXT_KEY) as unknown;
  if (fromContext !== undefined) {
    if (typeof fromContext !== 'string' || parseDate(fromContext) === undefined) {
      throw new AcknowledgementError([`context ${TODAY_CONTEXT_KEY}: expected a date YYYY-MM-DD, got ${JSON.stringify(fromContext)}`]);
    }
    return fromContext;
  }
  return new Date().toISOString().slice(0, 10);
}

/** The acknowledgement with only its own fields (no `undefined` approver/ticket), in a stable order. */
function normalize(ack: Acknowledgement): Acknowledgement {
  return {
    ruleId: ack.ruleId,
    reason: ack.reason.trim(),
    owner: ack.owner,
    ...(ack.approver !== undefined ? { approver: ack.approver } : {}),
    ...(ack.ticket !== undefined ? { ticket: ack.ticket } : {}),
    reviewBy: ack.reviewBy,
  };
}

/** Appends the acknowledgement to the CloudFormation resource's `Metadata["lakeforge:acknowledgements"]`. */
function writeTemplateMetadata(resource: IConstruct, ack: Acknowledgement): void {
  const cfn = CfnResource.isCfnResource(resource) ? resource : resource.node.defaultChild;
  if (cfn === undefined || !CfnResource.isCfnResource(cfn)) return;
  const existing = (cfn.getMetadata(TEMPLATE_METADATA_KEY) as Acknowledgement[] | undefined) ?? [];
  cfn.addMetadata(TEMPLATE_METADATA_KEY, [...existing, ack]);
}

/**
 * Records an acknowledgement where the policy packs look for it (`Validations.ACKNOWLEDGED_RULES_METADATA_KEY`
 * metadata). A Control Tower control id (`CT.S3.PR.9`) is recorded under the id the guard plugin reports
 * (`cdk-validator-cfnguard::<guard rule name>`). CDK's `Validations.acknowledge` rejects ids with unbalanced
 * braces, and cdk-nag renders a CloudFormation dynamic reference in a resource (`{{resolve:ssm:…}}`, e.g. a bucket
 * name a product team's app reads with `LakeforgePlatform.fromParameters`) as `{{resolve:ssm:…>>` in its finding
 * ids (`flattenCfnReference` turns every `}` into `>`): such an id is recorded as the same metadata entry directly.
 */
function recordForPolicyPacks(resource: IConstruct, ruleId: string, reason: string): void {
  if (isControlTowerControlId(ruleId)) {
    Validations.of(resource).acknowledge({ id: controlTowerAcknowledgementId(ruleId), reason });
  } else if (ruleId.includes('{{resolve:')) {
    resource.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [`Annotation::${ruleId}`]: reason });
  } else {
    Validations.of(resource).acknowledge({ id: ruleId, reason });
  }
}

/** A `YYYY-MM-DD` string's UTC date, or `undefined` when it is not a real calendar date. */
function parseDate(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const d = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? undefined : d;
}

/** `YYYY-MM-DD` plus `months` calendar months (clamped to the month's last day). */
function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, lastDay));
  return target.toISOString().slice(0, 10);
}

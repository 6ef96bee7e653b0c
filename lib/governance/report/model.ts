/** The status of one rule on one resource in the audit report. */
export type AuditStatus = 'compliant' | 'finding' | 'acknowledged' | 'not_applicable';

/** One rule's outcome on one resource (or stack) of a stage. */
export interface AuditEntry {
  /** The pack, e.g. `AwsSolutions`, `Lakeforge`. */
  readonly pack: string;
  /** The rule id, e.g. `AwsSolutions-S1`, `LF-ATHENA-3` (without a finding suffix such as `[Resource::…]`). */
  readonly rule: string;
  /** What the rule requires (the pack's own wording). */
  readonly description: string;
  /** Construct path of the resource, e.g. `Dev/Storage/Lake/RawBucket/Resource` (a stack path for stack rules). */
  readonly resource: string;
  /** CloudFormation logical id (`-` for a stack). */
  readonly logicalId: string;
  /** CloudFormation resource type, or `AWS::CloudFormation::Stack` for a stack rule. */
  readonly type: string;
  /** `compliant`, `finding`, `acknowledged` or `not_applicable`. */
  readonly status: AuditStatus;
  /**
   * The individual findings of a rule that reports several per resource (cdk-nag's `IAM5[Resource::…]`), with
   * CloudFormation references rendered as construct paths.
   */
  readonly details?: readonly string[];
  /** Acknowledged: the reason. */
  readonly reason?: string;
  /** Acknowledged: who owns the decision. */
  readonly owner?: string;
  /** Acknowledged: who approved it. */
  readonly approver?: string;
  /** Acknowledged: the ticket that records the decision. */
  readonly ticket?: string;
  /** Acknowledged: the date (YYYY-MM-DD) by which the acknowledgement is reviewed. */
  readonly reviewBy?: string;
}

/** Counts of each status. */
export interface StatusCounts {
  /** Compliant (rule, resource) pairs. */
  readonly compliant: number;
  /** Unacknowledged findings. */
  readonly findings: number;
  /** Acknowledged findings. */
  readonly acknowledged: number;
  /** Pairs where the rule does not apply to the resource (counted, not listed). */
  readonly notApplicable: number;
}

/** One rule of a pack, with its counts over the resources it evaluated. */
export interface RuleSummary extends StatusCounts {
  /** Rule id. */
  readonly rule: string;
  /** What the rule requires. */
  readonly description: string;
  /** Resources (or stacks) the rule evaluated: compliant + findings + acknowledged + notApplicable. */
  readonly evaluated: number;
}

/** One pack in a stage's report. */
export interface PackSummary extends StatusCounts {
  /** Pack name. */
  readonly name: string;
  /** Number of rules evaluated. */
  readonly rules: number;
  /**
   * `every-resource`: each rule's status on every resource is known. `findings-only`: the plugin reports
   * violations only (not a cdk-nag or Lakeforge pack), so compliant resources are not listed.
   */
  readonly coverage: 'every-resource' | 'findings-only';
  /** Per-rule counts. */
  readonly ruleSummaries: readonly RuleSummary[];
}

/** One stack of the stage. */
export interface StackInfo {
  /** Construct path, e.g. `Dev/Storage`. */
  readonly path: string;
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** Whether termination protection is on. */
  readonly terminationProtection: boolean;
  /** Number of CloudFormation resources. */
  readonly resources: number;
}

/** A stateful resource deleted together with its stack (`DeletionPolicy: Delete`). */
export interface DestroyedResource {
  /** Construct path. */
  readonly resource: string;
  /** Logical id. */
  readonly logicalId: string;
  /** Resource type. */
  readonly type: string;
}

/** Where and from what a report was produced. */
export interface ReportHeader {
  /** `git rev-parse HEAD`, or `unknown` outside a git checkout. */
  readonly commit: string;
  /** ISO 8601 time of generation. */
  readonly generatedAt: string;
  /** Versions of the checking tools: `aws-cdk-lib`, `cdk-nag`, `@cdklabs/cdk-validator-cfnguard` (guard rules) — `not installed` when absent. */
  readonly versions: Readonly<Record<string, string>>;
}

/** `cdk.out/audit/<stage>/report.json`. */
export interface StageReport extends ReportHeader {
  /** Stage name, e.g. `Dev`. */
  readonly stage: string;
  /** AWS account of the stage (`unknown` when environment-agnostic). */
  readonly account: string;
  /** AWS region of the stage (`unknown` when environment-agnostic). */
  readonly region: string;
  /** Totals over all packs. */
  readonly summary: StatusCounts;
  /** The stage's stacks, with termination protection. */
  readonly stacks: readonly StackInfo[];
  /** Stateful resources that a stack deletion destroys (none in production). */
  readonly destroyedWithStack: readonly DestroyedResource[];
  /** Per pack: rules and counts. */
  readonly packs: readonly PackSummary[];
  /** Every compliant, finding and acknowledged (rule, resource) pair; not-applicable pairs are counted in `packs`. */
  readonly entries: readonly AuditEntry[];
}

/** The status of one rule on one resource in the audit report. */
export type AuditStatus = 'compliant' | 'finding' | 'acknowledged' | 'not_applicable';

/** Every {@link AuditStatus}, in the order the reports list them. */
export const AUDIT_STATUSES: readonly AuditStatus[] = ['finding', 'acknowledged', 'compliant', 'not_applicable'];

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
  /** The changes since a previous report, when synth ran with a baseline (`--baseline <dir>`, `lakeforge:auditBaseline`). */
  readonly changes?: StageChanges;
}

/** An entry as a baseline comparison names it: pack, rule and resource (the key), with its status. */
export interface BaselineEntry {
  /** The pack. */
  readonly pack: string;
  /** The rule id. */
  readonly rule: string;
  /** Construct path of the resource (the stack path for stack rules). */
  readonly resource: string;
  /** CloudFormation logical id (absent in a baseline that did not record it). */
  readonly logicalId?: string;
  /** The status. */
  readonly status: AuditStatus;
  /** Acknowledged: the review date (YYYY-MM-DD). */
  readonly reviewBy?: string;
}

/** A previous stage report, as far as a comparison reads it (see `parseBaselineReport`). */
export interface BaselineReport {
  /** Stage name. */
  readonly stage: string;
  /** ISO 8601 time the baseline was generated. */
  readonly generatedAt: string;
  /** The commit it was generated from (`unknown` when it does not say). */
  readonly commit: string;
  /** Its entries. */
  readonly entries: readonly BaselineEntry[];
}

/** An entry whose status changed since the baseline. */
export interface StatusChange {
  /** The pack. */
  readonly pack: string;
  /** The rule id. */
  readonly rule: string;
  /** Construct path of the resource. */
  readonly resource: string;
  /** CloudFormation logical id now. */
  readonly logicalId?: string;
  /** The status in the baseline. */
  readonly from: AuditStatus;
  /** The status now. */
  readonly to: AuditStatus;
}

/** An acknowledged entry whose review date changed since the baseline (renewed or shortened). */
export interface ReviewByChange {
  /** The pack. */
  readonly pack: string;
  /** The rule id. */
  readonly rule: string;
  /** Construct path of the resource. */
  readonly resource: string;
  /** CloudFormation logical id now. */
  readonly logicalId?: string;
  /** The review date in the baseline (YYYY-MM-DD; absent when the baseline recorded none). */
  readonly from?: string;
  /** The review date now (YYYY-MM-DD). */
  readonly to?: string;
}

/**
 * `report.json`'s `changes`: what changed in a stage since a previous report (the baseline). Entries are matched by
 * pack, rule and resource; each list is sorted by them.
 */
export interface StageChanges {
  /** The report compared with. */
  readonly baseline: {
    /** When the baseline was generated (ISO 8601). */
    readonly generatedAt: string;
    /** The baseline's commit. */
    readonly commit: string;
    /** `false` when the baseline has no report of this stage: every entry is then `added`. */
    readonly stageFound: boolean;
  };
  /** Number of entries in each list. */
  readonly counts: {
    readonly added: number;
    readonly removed: number;
    readonly statusChanged: number;
    readonly reviewByChanged: number;
  };
  /** Entries not in the baseline: a new pack, rule or resource. */
  readonly added: readonly BaselineEntry[];
  /** Entries of the baseline that are gone: a pack, rule or resource removed (or renamed). */
  readonly removed: readonly BaselineEntry[];
  /** Entries with another status (`from` → `to`). */
  readonly statusChanged: readonly StatusChange[];
  /** Acknowledged entries whose review date changed. */
  readonly reviewByChanged: readonly ReviewByChange[];
}

/**
 * The acknowledgement register's reference data, in one place: who may approve an acknowledgement, what a ticket
 * reference looks like, how far ahead a review may be scheduled, and the named sign-offs the platform's own
 * acknowledgements use.
 *
 * An acknowledgement (see `acknowledge.ts`) names an `owner` (the team that owns the resource and the decision),
 * an `approver` from {@link APPROVERS} and/or a `ticket` (e.g. `SEC-123`), and a `reviewBy` date. To add an approver,
 * add it here with a one-line description of what it approves; to renew acknowledgements, move the `reviewBy` of
 * the sign-off (after the review) — every acknowledgement that uses it moves with it, and the audit report lists
 * each one with the new date.
 */

/**
 * Who may approve an acknowledgement, with what each approves. Approvers are teams (a role, not a person), so the
 * register survives people changing jobs.
 */
export const APPROVERS = {
  'security-team': 'Platform security reviewers: approve acknowledgements of security findings (AWS Solutions, NIST 800-53, HIPAA, PCI DSS, Control Tower) on any Lakeforge resource.',
  'platform-lead': 'The Lakeforge platform lead: approves acknowledgements of operational findings (logging, retention, notifications) on platform resources.',
} as const;

/** An approver id: a key of {@link APPROVERS}. */
export type Approver = keyof typeof APPROVERS;

/** A ticket reference: a project key and a number, e.g. `SEC-123` (Jira style). */
export const TICKET_PATTERN = /^[A-Z][A-Z0-9]+-[1-9][0-9]*$/;

/** The furthest ahead a `reviewBy` date may be, in months from today: acknowledgements are reviewed at least yearly. */
export const MAX_REVIEW_HORIZON_MONTHS = 12;

/** The shortest acknowledgement reason, in characters (after trimming): one sentence a reviewer can check. */
export const MIN_REASON_LENGTH = 30;

/**
 * Who owns and who signed off a group of acknowledgements, and when they are next reviewed. Either `approver` or
 * `ticket` (or both) is required.
 */
export interface SignOff {
  /** The team that owns the acknowledged resources and the decision, e.g. `platform-team`. */
  readonly owner: string;
  /**
   * Who approved the decision: a key of {@link APPROVERS}.
   * @default - none; then `ticket` is required
   */
  readonly approver?: Approver;
  /**
   * The ticket that records the decision, e.g. `SEC-123` ({@link TICKET_PATTERN}).
   * @default - none; then `approver` is required
   */
  readonly ticket?: string;
  /**
   * The date (`YYYY-MM-DD`, UTC) by which the acknowledgement must be reviewed; after it, synth fails until the
   * acknowledgement is reviewed and renewed (a new date) or removed. At most {@link MAX_REVIEW_HORIZON_MONTHS} months ahead.
   */
  readonly reviewBy: string;
}

/**
 * The sign-offs of the platform's own acknowledgements (every `acknowledge*` call in lib/ uses one of these).
 * Reviewed together: the security review of 2026-12 set the current dates.
 */
export const SIGN_OFFS = {
  /** Security-relevant decisions on platform resources (encryption, IAM scope, VPC placement, object lock). */
  platformSecurity: { owner: 'platform-team', approver: 'security-team', reviewBy: '2027-06-01' },
  /** Operational decisions on platform resources (access logging, log retention, event notifications, replication). */
  platformOperations: { owner: 'platform-team', approver: 'platform-lead', reviewBy: '2027-06-01' },
  /** Decisions on the delivery pipeline's resources (CDK Pipelines' roles, buckets and build projects). */
  delivery: { owner: 'platform-team', approver: 'security-team', reviewBy: '2027-06-01' },
} as const satisfies Record<string, SignOff>;

/**
 * The publication rules of data contracts, shared by the two places that enforce them: the repository's CI
 * gate (`lakeforge contracts check` and the synth gate, `lib/contracts/publication.ts` and `gate.ts`) and the
 * registry publisher function (`lambdas/registry-publisher`), which applies them against the registry itself
 * when a data product deploys. One definition, so a problem reads the same locally and in a failed deployment:
 * `<uri>: <rule>: <message>`.
 *
 * Rules ({@link GATE_RULES}):
 * - a published version is immutable;
 * - a published version cannot be deleted (only the CI gate checks this: the registry is never pruned);
 * - a new version's declared SchemaVer step is at least what the compatibility checker requires against the
 *   highest earlier version of the same vendor/name: the larger of the instance step (historical instances) and the
 *   table step (the curated `_v<MODEL>` table's columns under Iceberg's in-place schema evolution);
 * - versions are consecutive (1-0-0 → 1-0-1 / 1-1-0 / 2-0-0, no gaps), so a new MODEL starts at `M-0-0` right
 *   after the latest version of MODEL `M-1`, and a new schema starts at 1-0-0;
 * - every contract is valid.
 */
import { type CompatibilityReport, checkCompatibility, describeDecision, formatReport } from './compatibility';
import type { Contract } from './contract';
import { isContractError } from './contract-error';
import { isNextVersion, schemaKey, stepSeverity } from './schemaver';

/** The rules, as printed in problems. */
export const GATE_RULES = {
  immutable: 'published versions are immutable',
  noDelete: 'published versions cannot be deleted',
  bump: 'new versions bump sufficiently',
  consecutive: 'versions are consecutive',
  firstVersion: 'a new schema starts at 1-0-0',
  valid: 'contracts are valid',
} as const;

/** One of {@link GATE_RULES}' values. */
export type GateRule = (typeof GATE_RULES)[keyof typeof GATE_RULES];

/** One publication problem. */
export interface GateIssue {
  /** Full Iglu URI (or the file path when the file could not be parsed). */
  readonly uri: string;
  /** The rule that failed. */
  readonly rule: GateRule;
  /** What is wrong. */
  readonly message: string;
  /** The compatibility report, for bump failures. */
  readonly report?: CompatibilityReport;
}

/** What {@link checkSuccession} finds for one new version. */
export interface SuccessionResult {
  /** Broken rules (first version, consecutive, bump, or valid when the comparison itself fails); empty = honest. */
  readonly issues: readonly GateIssue[];
  /** The compatibility report against `previous`, when there is one and the comparison ran. */
  readonly report?: CompatibilityReport;
}

/**
 * The succession rules for a version that is not published yet.
 *
 * @param previous - the highest version of the same vendor/name below `contract` (published or not), or
 *   `undefined` when there is none.
 * @param contract - the new version.
 * @param history - the versions of `previous`'s MODEL below `previous`, oldest first: the curated table holds their
 *   columns too, so the table step compares histories ({@link checkCompatibility}). @default [] - none
 * @returns the broken rules: without `previous`, the version must be 1-0-0; with it, the version must directly
 *   follow it ({@link isNextVersion}) and its declared step must cover what {@link checkCompatibility} requires.
 * @throws whatever the checker throws other than a ContractError (a ContractError is a `valid` issue).
 */
export function checkSuccession(previous: Contract | undefined, contract: Contract, history: readonly Contract[] = []): SuccessionResult {
  if (previous === undefined) {
    const v = contract.uri.version;
    if (v.model !== 1 || v.revision !== 0 || v.addition !== 0) {
      return { issues: [{ uri: contract.id, rule: GATE_RULES.firstVersion, message: `no earlier version of ${schemaKey(contract.uri)} exists` }] };
    }
    return { issues: [] };
  }
  const issues: GateIssue[] = [];
  if (!isNextVersion(previous.uri.version, contract.uri.version)) {
    issues.push({ uri: contract.id, rule: GATE_RULES.consecutive, message: `${contract.id} does not directly follow ${previous.id}` });
  }
  let report: CompatibilityReport | undefined;
  try {
    report = checkCompatibility(previous, contract, { history });
  } catch (e) {
    if (!isContractError(e)) throw e;
    issues.push({ uri: contract.id, rule: GATE_RULES.valid, message: e.message });
  }
  if (report !== undefined && !report.sufficient) {
    issues.push({
      uri: contract.id,
      rule: GATE_RULES.bump,
      message: `declared ${report.declared} but the changes require ${report.required}:\n${formatReport(report)}`,
      report,
    });
  }
  return report === undefined ? { issues } : { issues, report };
}

/**
 * One line for a publication issue: `<uri>: <rule>: <message on one line>`. For an insufficient bump, the
 * message lists only the changes that need more than the declared step (all of them when nothing was declared).
 */
export function formatGateIssue(issue: GateIssue): string {
  if (issue.report !== undefined) {
    const r = issue.report;
    const declared = r.declared === 'NONE' ? 0 : stepSeverity(r.declared);
    const beyond = r.reasons.filter((x) => stepSeverity(x.step) > declared);
    const beyondTable = r.tableReasons.filter((x) => stepSeverity(x.step) > declared);
    const reasons = [
      ...beyond.map((x) => `${x.pointer === '' ? '(root)' : x.pointer} [${x.rule}] ${x.message} (${x.step})`),
      ...beyondTable.map((x) => `column ${x.column} [${x.rule}] ${x.message} (${x.step}, table step)`),
    ].join('; ');
    return `${issue.uri}: ${issue.rule}: declared ${r.declared} but the changes require ${r.required} (compared with ${r.from}): ${describeDecision(r)}${reasons === '' ? '' : `: ${reasons}`}`;
  }
  return `${issue.uri}: ${issue.rule}: ${issue.message.replace(/\s*\n\s*/g, ' ')}`;
}

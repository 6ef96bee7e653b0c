import { AUDIT_STATUSES, type AuditEntry, type AuditStatus, type BaselineEntry, type BaselineReport, type ReviewByChange, type StageChanges, type StageReport, type StatusChange } from './model';

/**
 * A baseline (a previous report) that cannot be used: no such directory, no report in it, or a report.json that is
 * not a report. The message is one line naming the path (and the field).
 */
export class AuditBaselineError extends Error {
  /** @param message - one line naming the path and what is wrong. */
  constructor(message: string) {
    super(message);
    this.name = 'AuditBaselineError';
  }
}

/** The key an entry is compared by: pack, rule and resource (construct path). */
export function entryKey(e: Pick<AuditEntry, 'pack' | 'rule' | 'resource'>): string {
  return `${e.pack}\u0000${e.rule}\u0000${e.resource}`;
}

/**
 * Keys entries by {@link entryKey}. The rare second entry of the same pack, rule and resource (a findings-only plugin
 * with two checks mapped to one control) gets the key with `#2`, in report order.
 */
function keyed<T extends Pick<AuditEntry, 'pack' | 'rule' | 'resource'>>(entries: readonly T[]): Map<string, T> {
  const out = new Map<string, T>();
  for (const e of entries) {
    const key = entryKey(e);
    let n = 1;
    while (out.has(n === 1 ? key : `${key}#${n}`)) n++;
    out.set(n === 1 ? key : `${key}#${n}`, e);
  }
  return out;
}

const brief = (e: BaselineEntry | AuditEntry): BaselineEntry => ({
  pack: e.pack,
  rule: e.rule,
  resource: e.resource,
  ...(e.logicalId !== undefined ? { logicalId: e.logicalId } : {}),
  status: e.status,
  ...(e.reviewBy !== undefined ? { reviewBy: e.reviewBy } : {}),
});

const named = (e: AuditEntry) => ({ pack: e.pack, rule: e.rule, resource: e.resource, logicalId: e.logicalId });

const byKey = (a: Pick<AuditEntry, 'pack' | 'rule' | 'resource'>, b: Pick<AuditEntry, 'pack' | 'rule' | 'resource'>) =>
  a.pack.localeCompare(b.pack) || a.rule.localeCompare(b.rule) || a.resource.localeCompare(b.resource);

/**
 * The changes of a stage's entries since a baseline report of the same stage. Entries are matched by pack, rule and
 * resource (construct path):
 * - `added`: in `current` only (a new pack, rule or resource); all of them when `baseline` is `undefined` (the stage
 *   is not in the baseline: `baseline.stageFound` is `false`);
 * - `removed`: in the baseline only;
 * - `statusChanged`: in both with another status (`from` → `to`, e.g. `compliant` → `finding`, or `acknowledged` →
 *   `finding` when an acknowledgement was removed);
 * - `reviewByChanged`: acknowledged in both, with another review date (`from` → `to`).
 * Each list is sorted by pack, rule and resource.
 *
 * @param current - the stage's entries now.
 * @param baseline - the stage's report in the baseline, `undefined` when the baseline has no such stage.
 * @param source - the baseline's generation time and commit (any of its reports' when the stage is missing).
 */
export function diffStage(
  current: readonly AuditEntry[],
  baseline: BaselineReport | undefined,
  source: { readonly generatedAt: string; readonly commit: string },
): StageChanges {
  const before = keyed(baseline?.entries ?? []);
  const after = keyed(current);
  const added: BaselineEntry[] = [];
  const statusChanged: StatusChange[] = [];
  const reviewByChanged: ReviewByChange[] = [];
  for (const [key, now] of after) {
    const was = before.get(key);
    if (was === undefined) added.push(brief(now));
    else if (was.status !== now.status) statusChanged.push({ ...named(now), from: was.status, to: now.status });
    else if (now.status === 'acknowledged' && was.reviewBy !== now.reviewBy) {
      reviewByChanged.push({ ...named(now), ...(was.reviewBy !== undefined ? { from: was.reviewBy } : {}), ...(now.reviewBy !== undefined ? { to: now.reviewBy } : {}) });
    }
  }
  const removed = [...before].filter(([key]) => !after.has(key)).map(([, e]) => brief(e));
  added.sort(byKey);
  removed.sort(byKey);
  statusChanged.sort(byKey);
  reviewByChanged.sort(byKey);
  return {
    baseline: { generatedAt: baseline?.generatedAt ?? source.generatedAt, commit: baseline?.commit ?? source.commit, stageFound: baseline !== undefined },
    counts: { added: added.length, removed: removed.length, statusChanged: statusChanged.length, reviewByChanged: reviewByChanged.length },
    added,
    removed,
    statusChanged,
    reviewByChanged,
  };
}

/** The result of {@link diffReports}. */
export interface ReportChanges {
  /** Per stage of this synthesis, by stage name. */
  readonly stages: ReadonlyMap<string, StageChanges>;
  /** Stages the baseline has and this synthesis has not (removed or renamed stages), in baseline order. */
  readonly baselineOnly: readonly string[];
}

/**
 * The changes of every stage since a baseline: each current stage against the baseline's report of the same stage
 * name, and the stages the baseline has that this synthesis has not.
 *
 * @param current - this synthesis's reports (stage name and entries).
 * @param baseline - the baseline's reports (see {@link parseBaselineReport}).
 */
export function diffReports(current: readonly Pick<StageReport, 'stage' | 'entries'>[], baseline: readonly BaselineReport[]): ReportChanges {
  const source = baseline[0] ?? { generatedAt: 'unknown', commit: 'unknown' };
  const stages = new Map(current.map((r) => [r.stage, diffStage(r.entries, baseline.find((b) => b.stage === r.stage), source)]));
  return { stages, baselineOnly: baseline.map((b) => b.stage).filter((s) => !stages.has(s)) };
}

/** `true` when `changes` has nothing to show. */
export function noChanges(changes: StageChanges): boolean {
  const c = changes.counts;
  return c.added + c.removed + c.statusChanged + c.reviewByChanged === 0;
}

/**
 * Reads a previous `report.json` (already parsed from JSON) as a baseline report: `stage`, `generatedAt` and
 * `entries` (each with `pack`, `rule`, `resource` and a known `status`) are required; `commit` defaults to `unknown`;
 * other fields are ignored, so reports of earlier versions compare too.
 *
 * @param json - the parsed file.
 * @param file - the file's path, for the message.
 * @throws AuditBaselineError naming the file and the field when the JSON is not a stage report.
 */
export function parseBaselineReport(json: unknown, file: string): BaselineReport {
  const fail = (field: string, message: string): never => {
    throw new AuditBaselineError(`${file}: ${field}: ${message}`);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(json)) return fail('(root)', 'expected a stage report object (report.json of cdk.out/audit/<stage>/)');
  const text = (v: unknown, field: string): string => (typeof v === 'string' && v !== '' ? v : fail(field, `expected a non-empty string, got ${JSON.stringify(v)}`));
  const stage = text(json.stage, 'stage');
  const generatedAt = text(json.generatedAt, 'generatedAt');
  const commit = json.commit === undefined ? 'unknown' : text(json.commit, 'commit');
  if (!Array.isArray(json.entries)) return fail('entries', 'expected an array');
  const entries = json.entries.map((e: unknown, i): BaselineEntry => {
    if (!isObject(e)) return fail(`entries.${i}`, 'expected an object');
    const status = e.status as AuditStatus;
    if (!AUDIT_STATUSES.includes(status)) fail(`entries.${i}.status`, `expected one of ${AUDIT_STATUSES.join(', ')}, got ${JSON.stringify(e.status)}`);
    return {
      pack: text(e.pack, `entries.${i}.pack`),
      rule: text(e.rule, `entries.${i}.rule`),
      resource: text(e.resource, `entries.${i}.resource`),
      ...(typeof e.logicalId === 'string' ? { logicalId: e.logicalId } : {}),
      status,
      ...(typeof e.reviewBy === 'string' ? { reviewBy: e.reviewBy } : {}),
    };
  });
  return { stage, generatedAt, commit, entries };
}

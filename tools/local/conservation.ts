/**
 * The conservation law of `lakeforge local`, as a pure check: every record put on the stream is
 * in the raw zone exactly once (valid events, by `event_id`) or in the quarantine exactly once
 * under the failure type it was injected as; nothing else is in either zone.
 *
 * Records are identified by `<shard_id>:<sequence_number>`, which both raw lines and bad rows carry
 * (a `not_json` bad row has no `event_id`), and raw lines are also checked by `event_id` (a producer
 * retry could put the same event twice under two sequence numbers). A replayed events file may repeat an
 * event on purpose (a producer's retry captured in the file): with `allowRepeatedEventIds`, an event id sent in
 * `k` records may have `k` raw lines; only copies beyond that are duplicates.
 */
import type { FailureType } from '../../lambdas/shared/failure-types';

/** A record as sent: where it landed on the stream and what ingest should make of it. */
export interface SentRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly expected: { readonly kind: 'valid'; readonly eventId: string } | { readonly kind: 'bad'; readonly failureType: FailureType };
}

/** A line found in the lake. */
export interface LakeLineRef {
  readonly zone: 'raw' | 'quarantine';
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** `event_id` of a raw line (bad rows may lack it). */
  readonly eventId?: string;
  /** `failure_type` of a bad row. */
  readonly failureType?: string;
  /** `errors` of a bad row: the function's reasons. */
  readonly errors?: readonly string[];
}

/** Result of {@link checkConservation}. */
export interface ConservationReport {
  /** Records put on the stream. */
  readonly sent: number;
  /** Distinct sent valid events found in the raw zone. */
  readonly landed: number;
  /** Distinct sent records found in the quarantine, by the failure type ingest gave them. */
  readonly quarantined: Readonly<Record<string, number>>;
  /** Sent records by the failure type they were injected as. */
  readonly injected: Readonly<Record<string, number>>;
  /** Sent records found in neither zone. */
  readonly lost: number;
  /** Extra copies: raw lines beyond one per `event_id` plus bad rows beyond one per record. */
  readonly duplicates: number;
  /** Lines in the wrong zone, under the wrong failure type or event id, or never sent. */
  readonly misplaced: number;
  /** One sentence per violation (empty when the law holds); at most 20 examples are named. */
  readonly problems: readonly string[];
}

/** Options of {@link checkConservation}. */
export interface ConservationOptions {
  /**
   * An event id sent in `k` valid records may have `k` raw lines (the input repeats the event, as a retrying
   * producer does; the curated zone still holds it once). Otherwise every raw line beyond one per event id is
   * a duplicate.
   * @default false
   */
  readonly allowRepeatedEventIds?: boolean;
}

const MAX_EXAMPLES = 20;

/** Checks the conservation law (see the module comment). Pure. */
export function checkConservation(sent: readonly SentRecord[], lines: Iterable<LakeLineRef>, options: ConservationOptions = {}): ConservationReport {
  const bySequence = new Map<string, SentRecord>();
  const injected: Record<string, number> = {};
  const sentCopies = new Map<string, number>();
  for (const r of sent) {
    bySequence.set(`${r.shardId}:${r.sequenceNumber}`, r);
    if (r.expected.kind === 'bad') injected[r.expected.failureType] = (injected[r.expected.failureType] ?? 0) + 1;
    else sentCopies.set(r.expected.eventId, (sentCopies.get(r.expected.eventId) ?? 0) + 1);
  }
  const allowedCopies = (eventId: string): number => (options.allowRepeatedEventIds === true ? Math.max(1, sentCopies.get(eventId) ?? 0) : 1);
  const seen = new Set<string>();
  const rawEventIds = new Map<string, number>();
  const badRecords = new Map<string, number>();
  const quarantined: Record<string, number> = {};
  const examples: string[] = [];
  let misplaced = 0;
  const misplace = (text: string): void => {
    misplaced += 1;
    if (examples.length < MAX_EXAMPLES) examples.push(text);
  };

  for (const line of lines) {
    const id = `${line.shardId}:${line.sequenceNumber}`;
    const record = bySequence.get(id);
    if (record === undefined) {
      misplace(`${line.zone} line ${id} was never sent`);
      continue;
    }
    seen.add(id);
    if (line.zone === 'raw') {
      const eventId = line.eventId ?? '';
      rawEventIds.set(eventId, (rawEventIds.get(eventId) ?? 0) + 1);
      if (record.expected.kind !== 'valid') misplace(`${id} was injected as ${record.expected.failureType} but landed in the raw zone`);
      else if (record.expected.eventId !== eventId) misplace(`${id} landed with event_id ${eventId}, sent as ${record.expected.eventId}`);
      continue;
    }
    badRecords.set(id, (badRecords.get(id) ?? 0) + 1);
    if ((badRecords.get(id) ?? 0) === 1) {
      const type = line.failureType ?? 'unknown';
      quarantined[type] = (quarantined[type] ?? 0) + 1;
    }
    if (record.expected.kind === 'valid') misplace(`valid event ${record.expected.eventId} (${id}) was quarantined as ${line.failureType ?? 'unknown'}`);
    else if (record.expected.failureType !== line.failureType) {
      misplace(`${id} was injected as ${record.expected.failureType} but quarantined as ${line.failureType ?? 'unknown'}`);
    }
  }

  let landed = 0;
  for (const r of sent) if (r.expected.kind === 'valid' && rawEventIds.has(r.expected.eventId)) landed += 1;
  const lostIds = sent.filter((r) => !seen.has(`${r.shardId}:${r.sequenceNumber}`));
  let duplicates = 0;
  for (const [eventId, n] of rawEventIds) duplicates += Math.max(0, n - allowedCopies(eventId));
  for (const n of badRecords.values()) duplicates += n - 1;

  const problems: string[] = [];
  if (lostIds.length > 0) {
    problems.push(`${lostIds.length} sent records are in neither zone (e.g. ${lostIds.slice(0, 5).map((r) => `${r.shardId}:${r.sequenceNumber}`).join(', ')})`);
  }
  if (duplicates > 0) problems.push(`${duplicates} duplicate copies in the lake`);
  if (misplaced > 0) problems.push(`${misplaced} misplaced lines: ${examples.join('; ')}`);
  for (const type of new Set([...Object.keys(injected), ...Object.keys(quarantined)])) {
    if ((injected[type] ?? 0) !== (quarantined[type] ?? 0)) {
      problems.push(`failure type ${type}: ${injected[type] ?? 0} injected, ${quarantined[type] ?? 0} quarantined`);
    }
  }
  return { sent: sent.length, landed, quarantined, injected, lost: lostIds.length, duplicates, misplaced, problems };
}

/**
 * The pure part of `lakeforge smoke`: the canary envelopes, where the ingest function puts them, how an object's
 * lines are attributed to a canary, and which objects may be removed. No I/O, no clock (times are passed in).
 */
import { randomUUID } from 'node:crypto';
import { hourPartition } from '../../lambdas/ingest/core';
import type { FailureType } from '../../lambdas/shared/failure-types';
import { contractTableName } from '../../lib/marts/contract-adapter';

/**
 * The reference contract the canaries use: `com.lakeforge.ott/rating_submitted` 1-0-0 (config/contracts), a
 * rating of a title by a viewer.
 */
export const CANARY_CONTRACT = {
  vendor: 'com.lakeforge.ott',
  name: 'rating_submitted',
  version: '1-0-0',
  model: 1,
} as const;

/** The curated table of the canaries' contract MODEL (`rating_submitted_v1`), named as the platform names it. */
export const CANARY_CURATED_TABLE = contractTableName(CANARY_CONTRACT.name, CANARY_CONTRACT.model);

/** The Iglu URI of the canaries' schema. */
export const CANARY_SCHEMA_URI = `iglu:${CANARY_CONTRACT.vendor}/${CANARY_CONTRACT.name}/jsonschema/${CANARY_CONTRACT.version}`;

/**
 * The viewer id every canary rates as: the contract's largest allowed `user_id` (2^31 − 1), which no identity
 * service issues in practice, so canary rows are easy to exclude from a mart (`WHERE user_id <> 2147483647`).
 */
export const CANARY_USER_ID = 2147483647;

/** The failure type the invalid canary must be quarantined under: its `data.rating` breaks the contract. */
export const INVALID_CANARY_FAILURE_TYPE: FailureType = 'schema_violation';

/** A stream envelope (see ARCHITECTURE.md, "Data contracts"). */
export interface Envelope {
  readonly schema: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly event_id: string;
  readonly event_time: string;
}

/** The two canaries of one smoke run. */
export interface Canary {
  /** The run's canary id: the valid canary's `event_id` (a UUID), printed so an operator can find it. */
  readonly id: string;
  /** A valid event of the reference contract. */
  readonly valid: Envelope;
  /** An event of the reference contract whose data violates it (`rating` out of range). */
  readonly invalid: Envelope;
  /** Both event ids: what the run may attribute to itself. */
  readonly eventIds: ReadonlySet<string>;
}

/**
 * Builds the run's canaries.
 *
 * @param nowMs - the time of the run, epoch milliseconds (the canaries' `event_time`).
 * @param uuid - UUID source. @default node:crypto randomUUID
 */
export function buildCanary(nowMs: number, uuid: () => string = randomUUID): Canary {
  const id = uuid();
  const invalidId = uuid();
  const eventTime = new Date(nowMs).toISOString();
  const base = { schema: CANARY_SCHEMA_URI, event_time: eventTime };
  return {
    id,
    valid: { ...base, event_id: id, data: { user_id: CANARY_USER_ID, movie_id: 1, rating: 0.5 } },
    // 7.5 stars: above the contract's maximum of 5.0, so the function quarantines it as schema_violation.
    invalid: { ...base, event_id: invalidId, data: { user_id: CANARY_USER_ID, movie_id: 1, rating: 7.5 } },
    eventIds: new Set([id, invalidId]),
  };
}

/**
 * The hour partitions (`dt=YYYY-MM-DD/hour=HH/`) an event put between `fromMs` and `toMs` may have landed in: the
 * ingest function partitions by Kinesis arrival time, which lies in that window.
 *
 * @param fromMs - just before the canaries were put (epoch ms).
 * @param toMs - now (epoch ms).
 */
export function arrivalHourPartitions(fromMs: number, toMs: number): string[] {
  const hour = 3600_000;
  const out: string[] = [];
  for (let t = Math.floor(fromMs / hour) * hour; t <= toMs; t += hour) out.push(hourPartition(new Date(t).toISOString()));
  return out;
}

/** The raw zone prefixes the valid canary may be under. */
export function rawPrefixes(fromMs: number, toMs: number): string[] {
  return arrivalHourPartitions(fromMs, toMs).map((p) => `events/${CANARY_CONTRACT.vendor}/${CANARY_CONTRACT.name}/v${CANARY_CONTRACT.model}/${p}`);
}

/** The quarantine prefixes the invalid canary may be under (its failure type's partitions). */
export function quarantinePrefixes(fromMs: number, toMs: number, failureType: FailureType = INVALID_CANARY_FAILURE_TYPE): string[] {
  return arrivalHourPartitions(fromMs, toMs).map((p) => `bad-rows/${failureType}/${p}`);
}

/** What an object's lines say about a canary. */
export interface Attribution {
  /** Event ids of the canary found in the object. */
  readonly found: readonly string[];
  /** Lines that are not the canary's (other producers' events). */
  readonly others: number;
}

/**
 * Attributes the lines of an object (gunzipped JSON Lines, raw line or bad row: both carry `event_id`) to the
 * canary. A line that is not JSON, or has no `event_id`, counts as someone else's.
 */
export function attribute(text: string, eventIds: ReadonlySet<string>): Attribution {
  const found: string[] = [];
  let others = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let id: unknown;
    try {
      id = (JSON.parse(line) as { event_id?: unknown }).event_id;
    } catch {
      id = undefined;
    }
    if (typeof id === 'string' && eventIds.has(id)) found.push(id);
    else others += 1;
  }
  return { found, others };
}

/** One object the run found its canary in. */
export interface CanaryObject {
  readonly bucket: string;
  readonly key: string;
  readonly attribution: Attribution;
}

/** What the clean-up does with the objects a run found. */
export interface CleanupPlan {
  /** Objects every line of which is the run's canary: removed. */
  readonly remove: readonly CanaryObject[];
  /** Objects that also hold other events (one ingest batch mixes producers): kept, never rewritten. */
  readonly keep: readonly CanaryObject[];
  /** Why nothing is removed, when nothing is (prod, or clean-up turned off). */
  readonly skipped?: string;
}

/**
 * Decides which canary objects the run removes: only objects it can attribute entirely to itself, never in prod,
 * never when clean-up is off. Curated rows are never removed (an Iceberg DELETE rewrites data files other rows
 * share); the canary's curated row is recognizable by its `event_id` and {@link CANARY_USER_ID}.
 *
 * @param env - environment name.
 * @param objects - the objects the canary was found in.
 * @param cleanup - whether clean-up is on.
 */
export function planCleanup(env: string, objects: readonly CanaryObject[], cleanup: boolean): CleanupPlan {
  if (env === 'prod') return { remove: [], keep: objects, skipped: 'prod data is never deleted' };
  if (!cleanup) return { remove: [], keep: objects, skipped: 'clean-up is off (--no-cleanup)' };
  return { remove: objects.filter((o) => o.attribution.others === 0), keep: objects.filter((o) => o.attribution.others > 0) };
}

/**
 * Run-time schema resolution of the ingest function against a contract registry: an Iglu static registry in
 * S3. Everything here is free of the AWS SDK, the environment and the wall clock (the object source and the
 * clock are injected); `adapters.ts` reads the objects (`S3SchemaSource`), `process-batch.ts` wires it.
 *
 * Layout (Iglu static registry, Snowplow docs "Static Iglu repository",
 * https://docs.snowplow.io/docs/api-reference/iglu/iglu-repositories/static-repo/, and "Manage schemas using
 * Iglu", https://docs.snowplow.io/docs/event-studio/data-structures/manage/iglu/): the schema of
 * `iglu:<vendor>/<name>/jsonschema/<M-R-A>` is the file `schemas/<vendor>/<name>/jsonschema/<M-R-A>` (no
 * extension), here under an optional key prefix of the registry bucket ({@link registryObjectKey}).
 *
 * Outcomes of one URI ({@link SchemaResolution}, read by the core):
 * - the object exists, is JSON, its `self` block names exactly the URI and ajv compiles it (the same ajv
 *   options and draft-04 rewrite as the precompiled contracts, `lambdas/shared/contract-ajv.ts`) → `found`;
 * - S3 answers `NoSuchKey` / 404 → `not_found` (bad row `schema_unknown` naming the URI);
 * - the object is not JSON, its `self` block does not match, or ajv cannot compile it → `invalid` (bad row
 *   `schema_invalid` naming the schema and the reason);
 * - any other error (unreachable, timeout, throttling, 5xx, AccessDenied, …) → `unavailable`: the record is
 *   retried by the event source mapping, never quarantined. AccessDenied is an outage, not "not found": S3
 *   answers a missing key with 403 AccessDenied when the caller lacks `s3:ListBucket` (Amazon S3 API reference,
 *   GetObject, "Permissions", https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), so the
 *   function must be granted `s3:ListBucket` for missing schemas to be recognised.
 *
 * `iglu:` `$ref`s (a schema referencing another schema of the registry, e.g. `{"$ref":
 * "iglu:com.acme/address/jsonschema/1-0-0"}`) are fetched from the same bucket, recursively (at most
 * `IGLU_REF_MAX_DEPTH` levels, with the one resolver of the build, `collectIgluRefs`), and compiled with the schema
 * (embedded as the build embeds them). A referenced schema that is missing, not JSON, not matching its `self` block,
 * or too deep makes the referencing schema `invalid` (the event is quarantined as `schema_invalid` with a reason
 * naming the ref); a referenced schema that cannot be read now makes it `unavailable` (the record is retried).
 * Referenced schemas are cached like the rest (same TTLs, same bound, in their own cache of documents).
 *
 * Cache ({@link RegistryResolver}): per container, least recently used first out beyond `maxEntries`, each
 * entry valid for `ttlMs` (`found`) or `negativeTtlMs` (`not_found`, `invalid`: a schema published or fixed
 * later is seen sooner); `unavailable` is never cached. Precompiled validators never reach this module (the
 * core looks them up first).
 */
import type * as ContractAjv from '../shared/contract-ajv';
import { IGLU_REF_MAX_DEPTH, type JsonObject, collectIgluRefs } from '../shared/contracts/contract';
import { registrySchemaKey } from '../shared/registry-keys';
import { parseIgluUri, type ContractValidator, type IgluSchemaKey, type SchemaResolution } from './core';

/** Defaults of {@link RegistryResolverOptions}. */
export const REGISTRY_DEFAULTS = {
  /** How long a found schema is reused, in milliseconds: 5 minutes. */
  ttlMs: 5 * 60_000,
  /** How long a not-found or invalid answer is reused, in milliseconds: 1 minute (capped at `ttlMs`). */
  negativeTtlMs: 60_000,
  /** Most URIs cached per container. */
  maxEntries: 500,
  /** Most GetObject calls in flight per batch. */
  fetchConcurrency: 8,
} as const;

/**
 * The registry object key of an Iglu URI: `<prefix>schemas/<vendor>/<name>/<format>/<M-R-A>`.
 * @param prefix - key prefix of the registry in its bucket, `''` or ending in `/`.
 * @throws Error when `uri` is not an Iglu URI (the core only resolves URIs that passed the envelope check).
 */
export function registryObjectKey(uri: string, prefix = ''): string {
  const key = parseIgluUri(uri);
  if (key === undefined) throw new Error(`not an Iglu URI: ${JSON.stringify(uri)}`);
  return registrySchemaKey(key, schemaVer(key), prefix);
}

/**
 * Checks the `self` block of a self-describing schema against the URI it was fetched for: `vendor`, `name`,
 * `format` and `version` (`M-R-A`) must be equal to the URI's. Returns the problems (empty when it matches).
 */
export function selfBlockProblems(schema: unknown, key: IgluSchemaKey): string[] {
  if (!isPlainObject(schema)) return [`is not a JSON object`];
  const self = schema.self;
  if (!isPlainObject(self)) return ['has no self block'];
  const expected: Record<string, string> = { vendor: key.vendor, name: key.name, format: key.format, version: schemaVer(key) };
  return Object.entries(expected)
    .filter(([field, value]) => self[field] !== value)
    .map(([field, value]) => `self.${field} is ${JSON.stringify(self[field]) ?? 'missing'}, expected ${JSON.stringify(value)}`);
}

/**
 * Parses the text of a registry object fetched for `uri`: the schema document, or `invalid` with a reason naming
 * the object (not JSON, or its `self` block does not match `uri`). Never throws.
 */
export function parseRegistrySchema(text: string, uri: string, objectKey: string): { kind: 'parsed'; schema: JsonObject } | { kind: 'invalid'; reason: string } {
  const key = parseIgluUri(uri);
  if (key === undefined) return { kind: 'invalid', reason: `${JSON.stringify(uri)} is not an Iglu URI` };
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    return { kind: 'invalid', reason: `${objectKey} is not JSON: ${messageOf(error)}` };
  }
  const problems = selfBlockProblems(schema, key);
  if (problems.length > 0) return { kind: 'invalid', reason: `${objectKey} does not describe ${uri}: ${problems.join('; ')}` };
  return { kind: 'parsed', schema: schema as JsonObject };
}

/**
 * Turns the text of a registry object into a resolution: `found` with a compiled validator, or `invalid` with
 * a reason naming the object (not JSON, `self` block not matching `uri`, or ajv cannot compile it). Never throws.
 * Each schema is compiled by its own ajv instance, so a re-fetched schema (same `$id`) never collides with its
 * previous version and an evicted one leaves nothing behind.
 * @param refs - the schemas its `iglu:` `$ref`s name (Iglu URI → schema), embedded for ajv. @default {} (none)
 */
export function compileRegistrySchema(text: string, uri: string, objectKey: string, refs: Readonly<Record<string, JsonObject>> = {}): SchemaResolution {
  const parsed = parseRegistrySchema(text, uri, objectKey);
  return parsed.kind === 'invalid' ? parsed : compileParsed(parsed.schema, uri, objectKey, refs);
}

function compileParsed(schema: JsonObject, uri: string, objectKey: string, refs: Readonly<Record<string, JsonObject>>): SchemaResolution {
  // Loaded outside the try: a module that cannot be loaded is a broken deployment (the batch fails and is
  // retried), not an invalid schema.
  const { createContractAjv, toAjvContractSchema } = contractAjv();
  try {
    const validator = createContractAjv().compile(toAjvContractSchema(schema, uri, refs));
    return { kind: 'found', validator: validator as ContractValidator };
  } catch (error) {
    return { kind: 'invalid', reason: `ajv cannot compile ${objectKey}: ${messageOf(error)}` };
  }
}

let loadedContractAjv: typeof ContractAjv | undefined;

/**
 * `lambdas/shared/contract-ajv` (ajv's schema compiler and ajv-formats), loaded on the first schema this module
 * compiles instead of when the function starts. The compiler is about a fifth of the ingest bundle (ajv, ajv-formats,
 * fast-uri: ~130 KB minified of ~620 KB) and is only needed when a URI without a precompiled validator is fetched
 * from the registry; esbuild keeps a `require()` of a bundled module lazy (the module is wrapped and evaluated on
 * the first call), so containers that never compile a registry schema never evaluate ajv. The bundle still carries
 * it: the size is unchanged, the cold init is not. `test/lambdas/ingest/bundle.test.ts` keeps it so.
 */
function contractAjv(): typeof ContractAjv {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loadedContractAjv ??= require('../shared/contract-ajv') as typeof ContractAjv);
}

/**
 * Whether an error of the object source means "no such object": S3's `NoSuchKey` (GetObject) or `NotFound`
 * error, or another HTTP 404 except `NoSuchBucket`. Everything else is an outage, including 403 AccessDenied
 * and `NoSuchBucket` (a misconfigured registry must not turn every third-party event into `schema_unknown`:
 * its records are retried and the stream's iterator age shows it).
 */
export function isNotFoundError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (name === 'NoSuchKey' || name === 'NotFound') return true;
  return $metadata?.httpStatusCode === 404 && name !== 'NoSuchBucket';
}

/** One line describing an error of the object source: its name, HTTP status when known, and message. */
export function describeSourceError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return `${error.name}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${error.message}`;
}

/**
 * A map with a time to live per entry and a bounded size: beyond `maxEntries`, the least recently used entry
 * (read or written) is evicted. Expired entries are dropped when read. Time comes from the injected `now`.
 */
export class TtlLruCache<V> {
  /** Insertion order of a `Map` is the recency order: a read or write moves the key to the end. */
  private readonly entries = new Map<string, { readonly value: V; readonly expiresAt: number }>();

  /**
   * @param maxEntries - most entries kept, a positive integer.
   * @param now - current time in milliseconds.
   * @throws RangeError when `maxEntries` is not a positive integer.
   */
  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  /** Number of entries held (expired ones included until read). */
  get size(): number {
    return this.entries.size;
  }

  /** The live value of `key`, marking it most recently used; `undefined` when absent or expired (then dropped). */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (this.now() >= entry.expiresAt) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` under `key` for `ttlMs` milliseconds, evicting the least recently used entries beyond the bound. */
  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

/** Reads registry objects. */
export interface SchemaSource {
  /**
   * The text (UTF-8) of the object under `key`.
   * @throws the source's error: `NoSuchKey`/404 when there is no such object ({@link isNotFoundError}), anything
   *   else when the registry cannot be read.
   */
  getText(key: string): Promise<string>;
}

/** Options of {@link RegistryResolver}. */
export interface RegistryResolverOptions {
  /** Where registry objects are read from. */
  readonly source: SchemaSource;
  /** Key prefix of the registry in its bucket, `''` or ending in `/`. @default '' */
  readonly prefix?: string;
  /** Milliseconds a found schema is reused. @default 300000 ({@link REGISTRY_DEFAULTS}) */
  readonly ttlMs?: number;
  /** Milliseconds a not-found or invalid answer is reused (capped at `ttlMs`). @default 60000 */
  readonly negativeTtlMs?: number;
  /** Most URIs cached. @default 500 */
  readonly maxEntries?: number;
  /** Most fetches in flight in one {@link RegistryResolver.resolveAll}. @default 8 */
  readonly fetchConcurrency?: number;
  /** Current time in milliseconds (wall clock or any monotonic source). @default Date.now */
  readonly now?: () => number;
}

/** What the resolver did since the last {@link RegistryResolver.takeCounts}: the registry metrics. */
export interface RegistryCounts {
  /** Lookups answered from the cache. */
  readonly cacheHits: number;
  /** Cache misses: registry objects fetched (GetObject calls). */
  readonly fetches: number;
  /** Fetches that found no object (`schema_unknown`). */
  readonly notFound: number;
  /** Fetched objects that are not a usable schema (`schema_invalid`). */
  readonly invalid: number;
  /** Fetches that failed otherwise: registry unavailable, records retried. */
  readonly errors: number;
}

/**
 * Resolves schema URIs against the registry with a per-container cache (see the module doc). Use one instance
 * per container: {@link lookup} for the synchronous cache read the core calls per record, then
 * {@link resolveAll} for the URIs the lookups missed, then plan again.
 */
export class RegistryResolver {
  private readonly cache: TtlLruCache<SchemaResolution>;
  /** Schemas fetched because an `iglu:` `$ref` names them (or why they are not usable), by Iglu URI. */
  private readonly documents: TtlLruCache<RefDocument>;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly fetchConcurrency: number;
  private counts = { cacheHits: 0, fetches: 0, notFound: 0, invalid: 0, errors: 0 };

  /** @throws RangeError when a size or duration is not a positive integer. */
  constructor(private readonly options: RegistryResolverOptions) {
    this.prefix = options.prefix ?? '';
    this.ttlMs = positive('ttlMs', options.ttlMs ?? REGISTRY_DEFAULTS.ttlMs);
    this.negativeTtlMs = Math.min(positive('negativeTtlMs', options.negativeTtlMs ?? REGISTRY_DEFAULTS.negativeTtlMs), this.ttlMs);
    this.fetchConcurrency = positive('fetchConcurrency', options.fetchConcurrency ?? REGISTRY_DEFAULTS.fetchConcurrency);
    this.cache = new TtlLruCache(positive('maxEntries', options.maxEntries ?? REGISTRY_DEFAULTS.maxEntries), options.now ?? Date.now);
    this.documents = new TtlLruCache(positive('maxEntries', options.maxEntries ?? REGISTRY_DEFAULTS.maxEntries), options.now ?? Date.now);
  }

  /** The cached resolution of `uri`, or `undefined` when it must be fetched (absent or expired). Counts a hit. */
  lookup(uri: string): SchemaResolution | undefined {
    const cached = this.cache.get(uri);
    if (cached !== undefined) this.counts.cacheHits += 1;
    return cached;
  }

  /**
   * Fetches and compiles each URI (at most `fetchConcurrency` at a time) and caches the answers, except
   * `unavailable`. Never rejects: a failed fetch is an `unavailable` answer naming the error.
   * @returns every URI's resolution.
   */
  async resolveAll(uris: readonly string[]): Promise<Map<string, SchemaResolution>> {
    const results = new Map<string, SchemaResolution>();
    const queue = [...new Set(uris)];
    const worker = async (): Promise<void> => {
      for (let uri = queue.shift(); uri !== undefined; uri = queue.shift()) results.set(uri, await this.fetch(uri));
    };
    await Promise.all(Array.from({ length: Math.min(this.fetchConcurrency, queue.length) }, worker));
    return results;
  }

  /** Returns the counts since the previous call and starts counting again from zero. */
  takeCounts(): RegistryCounts {
    const counts = this.counts;
    this.counts = { cacheHits: 0, fetches: 0, notFound: 0, invalid: 0, errors: 0 };
    return counts;
  }

  private async fetch(uri: string): Promise<SchemaResolution> {
    const { objectKey, doc } = await this.readSchemaDocument(uri);
    if (doc.kind === 'unavailable') return { kind: 'unavailable', reason: doc.reason };
    if (objectKey === undefined) {
      // The URI has no registry key: answered, not cached.
      this.counts.invalid += 1;
      return { kind: 'invalid', reason: doc.kind === 'found' ? uri : doc.reason };
    }
    let resolution: SchemaResolution;
    if (doc.kind === 'found') {
      const refs = await this.fetchRefs(doc.schema, objectKey);
      // A referenced schema that cannot be read now: retried, never cached (like any outage).
      if (refs.kind === 'unavailable') return { kind: 'unavailable', reason: refs.reason };
      resolution = refs.kind === 'invalid' ? { kind: 'invalid', reason: refs.reason } : compileParsed(doc.schema, uri, objectKey, refs.refs);
    } else {
      resolution = { kind: doc.kind === 'not_found' ? 'not_found' : 'invalid', reason: doc.reason };
    }
    if (resolution.kind === 'invalid') this.counts.invalid += 1;
    this.cache.set(uri, resolution, resolution.kind === 'found' ? this.ttlMs : this.negativeTtlMs);
    return resolution;
  }

  /**
   * The registry object of `uri`, read and parsed: `found` with the schema document, `not_found` (no such object),
   * `invalid` (the URI has no registry key — `objectKey` is then undefined — or the object is not a usable schema)
   * or `unavailable` (the read failed now). Counts fetches, not-found answers and read errors; caches nothing.
   */
  private async readSchemaDocument(uri: string): Promise<{ readonly objectKey?: string; readonly doc: RefDocument }> {
    let objectKey: string;
    try {
      objectKey = registryObjectKey(uri, this.prefix);
    } catch (error) {
      return { doc: { kind: 'invalid', reason: messageOf(error) } };
    }
    this.counts.fetches += 1;
    let text: string;
    try {
      text = await this.options.source.getText(objectKey);
    } catch (error) {
      if (isNotFoundError(error)) {
        this.counts.notFound += 1;
        return { objectKey, doc: { kind: 'not_found', reason: `no schema ${objectKey} in the registry` } };
      }
      this.counts.errors += 1;
      return { objectKey, doc: { kind: 'unavailable', reason: `registry read of ${objectKey} failed: ${describeSourceError(error)}` } };
    }
    const parsed = parseRegistrySchema(text, uri, objectKey);
    return { objectKey, doc: parsed.kind === 'parsed' ? { kind: 'found', schema: parsed.schema } : parsed };
  }

  /**
   * Every schema `schema` names with an `iglu:` `$ref`, directly or through them (at most `IGLU_REF_MAX_DEPTH`
   * levels): fetched level by level, each level's documents at most `fetchConcurrency` at a time, and resolved by
   * `collectIgluRefs` (the build's resolver). `invalid` when one is missing or unusable, `unavailable` when one
   * cannot be read now.
   */
  private async fetchRefs(
    schema: JsonObject,
    objectKey: string,
  ): Promise<{ kind: 'refs'; refs: Record<string, JsonObject> } | { kind: 'invalid'; reason: string } | { kind: 'unavailable'; reason: string }> {
    const known = new Map<string, RefDocument>();
    const lookup = (u: string): JsonObject | undefined => {
      const doc = known.get(u);
      return doc?.kind === 'found' ? doc.schema : undefined;
    };
    for (let level = 0; level <= IGLU_REF_MAX_DEPTH; level += 1) {
      const wanted = collectIgluRefs(schema, lookup).missing.filter((m) => m.reason === 'not-found' && !known.has(m.uri)).map((m) => m.uri);
      if (wanted.length === 0) break;
      for (let i = 0; i < wanted.length; i += this.fetchConcurrency) {
        const docs = await Promise.all(wanted.slice(i, i + this.fetchConcurrency).map((u) => this.refDocument(u)));
        docs.forEach((doc, j) => known.set(wanted[i + j], doc));
      }
    }
    const { refs, missing } = collectIgluRefs(schema, lookup);
    const unavailable = missing.map((m) => known.get(m.uri)).find((d) => d?.kind === 'unavailable');
    if (unavailable?.kind === 'unavailable') return { kind: 'unavailable', reason: unavailable.reason };
    const first = missing[0];
    if (first === undefined) return { kind: 'refs', refs };
    const doc = known.get(first.uri);
    const via = first.from === '' ? '' : ` (through ${first.from})`;
    const why = first.reason === 'too-deep' ? `more than ${IGLU_REF_MAX_DEPTH} levels of iglu: $refs` : doc !== undefined && doc.kind !== 'found' ? doc.reason : 'not resolved';
    return { kind: 'invalid', reason: `${objectKey} has $ref "${first.uri}"${via} that cannot be resolved: ${why}` };
  }

  /** The document of a referenced schema, from the cache of documents or the registry (cached like schemas). */
  private async refDocument(uri: string): Promise<RefDocument> {
    const cached = this.documents.get(uri);
    if (cached !== undefined) {
      this.counts.cacheHits += 1;
      return cached;
    }
    const { objectKey, doc } = await this.readSchemaDocument(uri);
    // An outage is retried, and a URI without a registry key is answered at once: neither is cached.
    if (doc.kind === 'unavailable' || objectKey === undefined) return doc;
    this.documents.set(uri, doc, doc.kind === 'found' ? this.ttlMs : this.negativeTtlMs);
    return doc;
  }
}

/** A schema fetched because an `iglu:` `$ref` names it, or why it is not usable. */
type RefDocument =
  | { readonly kind: 'found'; readonly schema: JsonObject }
  | { readonly kind: 'not_found' | 'invalid' | 'unavailable'; readonly reason: string };

function schemaVer(key: IgluSchemaKey): string {
  return `${key.model}-${key.revision}-${key.addition}`;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The publishing gate of the contract registry, pure apart from the injected {@link RegistryStore}: a data
 * product's contracts reach the registry (an Iglu static registry in S3) only when the registry's own history
 * says they may. No SDK, no env, no clock here.
 *
 * For every schema of the request, grouped by vendor/name and taken oldest version first:
 * - its `self` block must name exactly the URI it is published under;
 * - already in the registry: the same content (parsed JSON compared structurally, so formatting and key order
 *   do not matter) is skipped, which makes a redeploy idempotent; different content is refused
 *   (`published versions are immutable`);
 * - not in the registry: it must follow the highest earlier version of the same vendor/name, counting the
 *   registry's versions and the request's own: directly (`versions are consecutive`; a new MODEL starts at
 *   `M-0-0` after the latest version of MODEL `M-1`; a new schema starts at 1-0-0) and with a declared SchemaVer
 *   step at least what the compatibility checker requires: the larger of the instance step and the table step, so
 *   an ADDITION that retypes a curated column (`int` → `double`) is refused (`new versions bump sufficiently`). These are the
 *   rules and the wording of `lakeforge contracts check` (`lambdas/shared/contracts/publication-rules.ts`).
 * Everything is checked before anything is written: one problem and nothing is written; the error lists every
 * problem, one line each. Then the new versions are written oldest first with a create-only conditional write;
 * a key that a concurrent publisher wrote meanwhile is re-read and judged by the immutability rule again.
 * Finally the product's catalog entry, if any, is written (overwritten: it is metadata, not a contract).
 * Nothing here ever deletes or rewrites a published schema.
 */
import { jsonEqual } from '../shared/contracts/compatibility';
import { collectIgluRefs, type Contract, isJsonObject, type JsonObject, type JsonValue, parseContract } from '../shared/contracts/contract';
import { isContractError } from '../shared/contracts/contract-error';
import { checkSuccession, formatGateIssue, GATE_RULES, type GateIssue } from '../shared/contracts/publication-rules';
import { compareSchemaVer, parseIgluUri, parseSchemaVer, renderSchemaVer, schemaKey, type IgluUri, type SchemaVer } from '../shared/contracts/schemaver';
import { catalogEntryKey, registrySchemaKey, registryVersionsPrefix } from '../shared/registry-keys';
import type { PublishedSchemaProperty, SchemaPublicationProperties } from '../shared/schema-publication-properties';

/** The registry bucket as the gate uses it (keys are full object keys, prefix included). */
export interface RegistryStore {
  /** The object's text, or `undefined` when no object has that key. */
  getText(key: string): Promise<string | undefined>;
  /** Every key that starts with `prefix`, in any order. */
  listKeys(prefix: string): Promise<string[]>;
  /**
   * Writes `body` (JSON text) at `key` only if no object has that key: `'created'`, or `'exists'` when one does
   * (S3: `If-None-Match: *` answered 412 Precondition Failed). Never overwrites.
   */
  createOnly(key: string, body: string): Promise<'created' | 'exists'>;
  /** Writes `body` (JSON text) at `key`, overwriting. */
  put(key: string, body: string): Promise<void>;
}

/** Thrown when the request may not be published: one line per problem, `<uri>: <rule>: <message>`. */
export class PublicationError extends Error {
  /** @param problems - at least one line, each naming the schema and the rule. */
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'PublicationError';
  }
}

/** What one publication did. */
export interface PublicationResult {
  /** URIs written now, in write order. */
  readonly created: readonly string[];
  /** URIs the registry already held with the same content (nothing written). */
  readonly unchanged: readonly string[];
  /** The catalog entry's key, when one was written. */
  readonly catalogKey?: string;
}

/** Product names: kebab-case, as `DataProduct` names are (also the catalog entry's file name). */
export const PRODUCT_NAME_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The resource properties of a `Custom::LakeforgeSchemaPublication` request, checked (CloudFormation passes
 * every scalar as a string).
 *
 * @throws Error naming the first property that is missing or has the wrong shape, e.g.
 *   `ResourceProperties.Schemas[2].Uri: expected a string`.
 */
export function parseSchemaPublicationProperties(raw: unknown): SchemaPublicationProperties {
  const fail = (path: string, expected: string): never => {
    throw new Error(`ResourceProperties.${path}: expected ${expected}`);
  };
  const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const props = record(raw) ?? fail('', 'an object');
  if (typeof props.RegistryBucket !== 'string' || props.RegistryBucket === '') fail('RegistryBucket', 'a bucket name');
  const prefix = props.RegistryPrefix ?? '';
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.endsWith('/'))) fail('RegistryPrefix', "'' or a key prefix ending in /");
  if (typeof props.Product !== 'string' || !PRODUCT_NAME_RE.test(props.Product)) fail('Product', `a kebab-case product name (${PRODUCT_NAME_RE})`);
  const rawSchemas = props.Schemas ?? [];
  if (!Array.isArray(rawSchemas)) fail('Schemas', 'a list');
  const schemas = (rawSchemas as unknown[]).map((rawSchema, i): PublishedSchemaProperty => {
    const s = record(rawSchema) ?? fail(`Schemas[${i}]`, 'an object');
    if (typeof s.Uri !== 'string') fail(`Schemas[${i}].Uri`, 'a string');
    if (typeof s.Schema !== 'string') fail(`Schemas[${i}].Schema`, 'a string');
    return { Uri: s.Uri as string, Schema: s.Schema as string };
  });
  const catalogEntry = props.CatalogEntry;
  if (catalogEntry !== undefined) {
    if (typeof catalogEntry !== 'string') fail('CatalogEntry', 'JSON text');
    try {
      JSON.parse(catalogEntry as string);
    } catch (e) {
      fail('CatalogEntry', `JSON text (${(e as Error).message})`);
    }
  }
  return {
    RegistryBucket: props.RegistryBucket as string,
    RegistryPrefix: prefix as string,
    Product: props.Product as string,
    Schemas: schemas,
    ...(catalogEntry === undefined ? {} : { CatalogEntry: catalogEntry as string }),
  };
}

/** One schema of the request, parsed. */
interface Candidate {
  readonly contract: Contract;
  readonly key: string;
  readonly body: string;
  readonly doc: JsonValue;
}

/** The writes a checked request needs. */
export interface PublicationPlan {
  /** New versions to create, oldest first per vendor/name. */
  readonly create: readonly { readonly uri: string; readonly key: string; readonly body: string }[];
  /** Versions the registry already holds with the same content. */
  readonly unchanged: readonly string[];
}

/**
 * Checks a request against the registry (see the module doc) without writing anything.
 *
 * @returns the versions to create and those already published unchanged.
 * @throws PublicationError listing every problem of the request.
 */
export async function planPublication(store: RegistryStore, props: SchemaPublicationProperties): Promise<PublicationPlan> {
  const issues: GateIssue[] = [];
  const groups = new Map<string, Candidate[]>();
  for (const s of props.Schemas) {
    const candidate = parseCandidate(s, props.RegistryPrefix, issues);
    if (candidate === undefined) continue;
    const group = groups.get(schemaKey(candidate.contract.uri)) ?? [];
    const twin = group.find((c) => c.contract.id === candidate.contract.id);
    if (twin === undefined) group.push(candidate);
    else if (!jsonEqual(twin.doc, candidate.doc)) issues.push({ uri: s.Uri, rule: GATE_RULES.valid, message: 'listed twice in Schemas with different content' });
    groups.set(schemaKey(candidate.contract.uri), group);
  }
  const create: { uri: string; key: string; body: string }[] = [];
  const unchanged: string[] = [];
  // The request's own schemas, by Iglu URI: an `iglu:` $ref may name a schema published in the same request.
  const requested = new Map<string, JsonObject>([...groups.values()].flat().map((c) => [c.contract.id, c.contract.schema]));
  for (const group of groups.values()) {
    group.sort((a, b) => compareSchemaVer(a.contract.uri.version, b.contract.uri.version));
    const registry = await registryVersions(store, group[0].contract.uri, props.RegistryPrefix);
    for (const c of group) {
      const v = c.contract.uri.version;
      const published = registry.has(renderSchemaVer(v)) ? await store.getText(c.key) : undefined;
      if (published !== undefined) {
        const issue = immutabilityIssue(c.contract.id, c.key, c.doc, published);
        if (issue === undefined) unchanged.push(c.contract.id);
        else issues.push(issue);
        continue;
      }
      const previous = await previousVersion(store, props.RegistryPrefix, registry, group, v);
      const refsOf = (contract: Contract): Promise<Contract> => withIgluRefs(store, props.RegistryPrefix, requested, contract, issues);
      if (previous.unreadable === undefined) {
        const before = previous.contract === undefined ? undefined : await refsOf(previous.contract);
        const earlier = before === undefined ? [] : await modelHistory(store, props.RegistryPrefix, registry, group, before.uri.version);
        const history = await Promise.all(earlier.map(refsOf));
        issues.push(...checkSuccession(before, await refsOf(c.contract), history).issues);
      }
      else issues.push({ uri: c.contract.id, rule: GATE_RULES.valid, message: `the registry's copy of the previous version does not parse: ${previous.unreadable}` });
      create.push({ uri: c.contract.id, key: c.key, body: c.body });
    }
  }
  if (issues.length > 0) throw new PublicationError(issues.map(formatGateIssue));
  return { create, unchanged };
}

/**
 * Publishes a request: {@link planPublication}, then the new versions (create-only, oldest first), then the
 * catalog entry.
 *
 * @returns what was written and what was already there.
 * @throws PublicationError when the request breaks a rule (nothing written), or when a concurrent publisher
 *   wrote different content at a key between the check and the write (the versions written before stay: each
 *   was checked); the store's errors otherwise.
 */
export async function publishSchemas(store: RegistryStore, props: SchemaPublicationProperties): Promise<PublicationResult> {
  const plan = await planPublication(store, props);
  const created: string[] = [];
  const unchanged = [...plan.unchanged];
  for (const w of plan.create) {
    if ((await store.createOnly(w.key, w.body)) === 'created') {
      created.push(w.uri);
      continue;
    }
    // Someone published this key since the check: the same rule as for any published version.
    const now = await store.getText(w.key);
    const issue = now === undefined ? undefined : immutabilityIssue(w.uri, w.key, JSON.parse(w.body) as JsonValue, now);
    if (now === undefined || issue !== undefined) {
      const written = created.length === 0 ? '' : ` (already written: ${created.join(', ')})`;
      throw new PublicationError([
        issue === undefined ? `${w.uri}: ${GATE_RULES.immutable}: ${w.key} was written by a concurrent publisher and is gone again; retry the deployment${written}` : `${formatGateIssue(issue)}${written}`,
      ]);
    }
    unchanged.push(w.uri);
  }
  if (props.CatalogEntry === undefined) return { created, unchanged };
  const catalogKey = catalogEntryKey(props.Product, props.RegistryPrefix);
  await store.put(catalogKey, props.CatalogEntry);
  return { created, unchanged, catalogKey };
}

/** Bytes of a failure reason in a custom resource response, leaving room for the rest of the 4 KB body. */
export const MAX_REASON_BYTES = 3500;

/**
 * The problems as one response reason: whole lines while they fit in `maxBytes` (UTF-8), then
 * `… and N more (see the function's log)`.
 */
export function summarizeProblems(problems: readonly string[], maxBytes = MAX_REASON_BYTES): string {
  const all = problems.join('\n');
  if (Buffer.byteLength(all) <= maxBytes) return all;
  const kept: string[] = [];
  for (const line of problems) {
    const more = `… and ${problems.length - kept.length - 1} more (see the function's log)`;
    if (Buffer.byteLength([...kept, line, more].join('\n')) > maxBytes) break;
    kept.push(line);
  }
  const first = kept.length === 0 ? [`${problems[0].slice(0, Math.floor((maxBytes - 100) / 4))}…`] : kept; // ≤ 4 bytes a character
  return [...first, `… and ${problems.length - first.length} more (see the function's log)`].join('\n');
}

/** Parses one schema of the request; a problem is pushed to `issues` and `undefined` returned. */
function parseCandidate(s: PublishedSchemaProperty, prefix: string, issues: GateIssue[]): Candidate | undefined {
  const invalid = (message: string): undefined => {
    issues.push({ uri: s.Uri, rule: GATE_RULES.valid, message });
    return undefined;
  };
  let uri: IgluUri;
  let contract: Contract;
  try {
    uri = parseIgluUri(s.Uri);
    contract = parseContract(s.Schema, s.Uri);
  } catch (e) {
    if (!isContractError(e)) throw e;
    return invalid(`${e.pointer === '' ? '' : `at ${e.pointer}: `}${e.reason}`);
  }
  if (contract.id !== s.Uri) return invalid(`at /self: the self block names ${contract.id}, not the URI it is published under`);
  return { contract, key: registrySchemaKey(uri, renderSchemaVer(uri.version), prefix), body: s.Schema, doc: contract.schema };
}

/**
 * `contract` with {@link Contract.refs} filled: every schema it references with an `iglu:` `$ref` (directly or
 * through referenced schemas, at most `IGLU_REF_MAX_DEPTH` levels, with the build's one resolver
 * `collectIgluRefs`), taken from the request first, then from the registry (`<prefix>schemas/…`), so the
 * compatibility check resolves them as `contracts check` does. A ref that neither holds (or whose registry copy
 * is not a JSON object) is pushed to `issues` as a `valid` problem naming it; the contract is returned as far as
 * it resolves.
 */
async function withIgluRefs(
  store: RegistryStore,
  prefix: string,
  requested: ReadonlyMap<string, JsonObject>,
  contract: Contract,
  issues: GateIssue[],
): Promise<Contract> {
  const known = new Map<string, JsonObject | undefined>(requested);
  const lookup = (uri: string): JsonObject | undefined => known.get(uri);
  for (;;) {
    const wanted = collectIgluRefs(contract.schema, lookup).missing.filter((m) => m.reason === 'not-found' && !known.has(m.uri));
    if (wanted.length === 0) break;
    for (const { uri } of wanted) known.set(uri, await registryCopy(store, prefix, uri));
  }
  const { refs, missing } = collectIgluRefs(contract.schema, lookup);
  for (const m of missing) {
    const via = m.from === '' ? '' : ` (referenced from ${m.from})`;
    const why = m.reason === 'too-deep' ? 'is more levels of iglu: $refs deep than the resolver follows' : 'names a schema neither this publication nor the registry holds; publish it first or in the same publication';
    issues.push({ uri: contract.id, rule: GATE_RULES.valid, message: `$ref "${m.uri}"${via} ${why}` });
  }
  return Object.keys(refs).length === 0 ? contract : { ...contract, refs };
}

/** The registry's copy of the schema of Iglu URI `uri` as a JSON object, `undefined` when absent or unusable. */
async function registryCopy(store: RegistryStore, prefix: string, uri: string): Promise<JsonObject | undefined> {
  let parts: IgluUri;
  try {
    parts = parseIgluUri(uri);
  } catch (e) {
    if (!isContractError(e)) throw e;
    return undefined;
  }
  const text = await store.getText(registrySchemaKey(parts, renderSchemaVer(parts.version), prefix));
  if (text === undefined) return undefined;
  try {
    const doc = JSON.parse(text) as JsonValue;
    return isJsonObject(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** The versions of a vendor/name the registry holds (all MODELs), by `M-R-A`; other keys there are ignored. */
async function registryVersions(store: RegistryStore, uri: IgluUri, prefix: string): Promise<Map<string, SchemaVer>> {
  const below = registryVersionsPrefix(uri, prefix);
  const versions = new Map<string, SchemaVer>();
  for (const key of await store.listKeys(below)) {
    const name = key.slice(below.length);
    try {
      versions.set(name, parseSchemaVer(name));
    } catch (e) {
      if (!isContractError(e)) throw e;
    }
  }
  return versions;
}

/**
 * The highest version below `v` among the registry's and the request's versions of one vendor/name (the
 * registry's copy when both have it): `contract` is `undefined` when there is none, `unreadable` says why
 * the registry's copy does not parse.
 */
async function previousVersion(
  store: RegistryStore,
  prefix: string,
  registry: ReadonlyMap<string, SchemaVer>,
  group: readonly Candidate[],
  v: SchemaVer,
): Promise<{ readonly contract?: Contract; readonly unreadable?: string }> {
  const lower = [...registry.values(), ...group.map((c) => c.contract.uri.version)].filter((x) => compareSchemaVer(x, v) < 0);
  if (lower.length === 0) return {};
  const highest = renderSchemaVer(lower.reduce((a, b) => (compareSchemaVer(a, b) >= 0 ? a : b)));
  const fromRequest = { contract: group.find((c) => renderSchemaVer(c.contract.uri.version) === highest)?.contract };
  if (!registry.has(highest)) return fromRequest;
  return (await registryVersionCopy(store, prefix, group[0].contract.uri, highest)) ?? fromRequest;
}

/**
 * The registry's copy of version `version` of `uri`'s vendor/name, parsed: `undefined` when the registry has no
 * object at its key, `unreadable` (the parser's message) when the object does not parse as a contract.
 */
async function registryVersionCopy(store: RegistryStore, prefix: string, uri: IgluUri, version: string): Promise<{ readonly contract?: Contract; readonly unreadable?: string } | undefined> {
  const key = registrySchemaKey(uri, version, prefix);
  const text = await store.getText(key);
  if (text === undefined) return undefined;
  try {
    return { contract: parseContract(text, key) };
  } catch (e) {
    if (!isContractError(e)) throw e;
    return { unreadable: e.message };
  }
}

/**
 * The versions of `v`'s MODEL below `v` among the request's and the registry's versions of one vendor/name,
 * oldest first (the request's copy when both have it: a differing registry copy is an immutability issue of its
 * own): the columns the curated table holds besides `v`'s (the table step compares histories). A registry copy
 * that is missing or does not parse is left out (its own publication was checked when it was written).
 */
async function modelHistory(
  store: RegistryStore,
  prefix: string,
  registry: ReadonlyMap<string, SchemaVer>,
  group: readonly Candidate[],
  v: SchemaVer,
): Promise<Contract[]> {
  const below = new Map<string, SchemaVer>();
  for (const x of [...registry.values(), ...group.map((c) => c.contract.uri.version)]) {
    if (x.model === v.model && compareSchemaVer(x, v) < 0) below.set(renderSchemaVer(x), x);
  }
  const history: Contract[] = [];
  for (const x of [...below.values()].sort(compareSchemaVer)) {
    const own = group.find((c) => compareSchemaVer(c.contract.uri.version, x) === 0);
    if (own !== undefined) {
      history.push(own.contract);
      continue;
    }
    const copy = await registryVersionCopy(store, prefix, group[0].contract.uri, renderSchemaVer(x));
    if (copy?.contract !== undefined) history.push(copy.contract);
  }
  return history;
}

/** The immutability verdict for a version the registry holds as `published`: `undefined` when the JSON is equal. */
function immutabilityIssue(uri: string, key: string, doc: JsonValue, published: string): GateIssue | undefined {
  let publishedDoc: JsonValue | undefined;
  try {
    publishedDoc = JSON.parse(published) as JsonValue;
  } catch {
    publishedDoc = undefined;
  }
  if (publishedDoc !== undefined && jsonEqual(publishedDoc, doc)) return undefined;
  return { uri, rule: GATE_RULES.immutable, message: `the registry's copy (${key}) differs from this version's content; publish a new version instead` };
}

/**
 * The contract model: one self-describing JSON Schema (Iglu) = one {@link Contract}.
 * Pure: parsing works on text; the folder loader lives in `loader.ts`.
 */
import { ContractError } from './contract-error';
import { IgluUri, parseSchemaVer, renderIgluUri, renderSchemaVer, NAME_RE, VENDOR_RE } from './schemaver';

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** True when `v` is a JSON object (not an array, not null). */
export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The `$schema` values a contract may declare. Iglu's self-describing meta-schema (draft-04
 * based) is the normal one (Iglu docs "Self-describing JSON Schemas"); plain draft-04/07 URIs are
 * tolerated, and so is the unversioned `http://json-schema.org/schema#` ("the latest draft"), which older
 * Iglu Central schemas (Snowplow's enrichment configurations) declare: it is read as draft-04 like every other
 * contract. The keyword is a meta annotation, never handed to ajv.
 */
export const ACCEPTED_META_SCHEMAS: readonly string[] = [
  'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#',
  'http://json-schema.org/draft-04/schema#',
  'http://json-schema.org/draft-07/schema#',
  'http://json-schema.org/schema#',
];

/** One version of one data contract. */
export interface Contract {
  /** Parsed Iglu URI from the `self` block. */
  readonly uri: IgluUri;
  /** The full Iglu URI string, e.g. `iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-0`. */
  readonly id: string;
  /** Where the schema was read from (path as given), used in every error. */
  readonly file: string;
  /** The schema document as parsed (including `$schema` and `self`). */
  readonly schema: JsonObject;
  /**
   * The schemas of the other contracts this one references with an `iglu:` `$ref` (directly or through them),
   * keyed by full Iglu URI without fragment; the loader fills it from the same registry folder
   * ({@link igluRefsOf}). The Glue mapping and the ajv schema resolve `iglu:` refs from it.
   * @default - none: an `iglu:` `$ref` is an error naming the missing schema
   */
  readonly refs?: Readonly<Record<string, JsonObject>>;
}

/** What a file's place in an Iglu folder says it is. */
export interface IgluPathParts {
  readonly vendor: string;
  readonly name: string;
  readonly format: string;
  /** The version as written in the file name, without a `.json` suffix. */
  readonly version: string;
}

/** Relative path of a contract in an Iglu folder: `<vendor>/<name>/jsonschema/<M-R-A>.json`. */
export function igluRelativePath(uri: IgluUri): string {
  return `${uri.vendor}/${uri.name}/${uri.format}/${renderSchemaVer(uri.version)}.json`;
}

/**
 * Parse one self-describing schema.
 * @param text - file content (UTF-8 JSON)
 * @param file - path for error messages
 * @param expected - what the file's location says (vendor, name, format, version); when given,
 *   each `self` field must equal it
 * @throws ContractError when the text is not JSON, the root is not an object, the `self` block is
 *   missing or malformed, `$schema` is not an accepted meta-schema, or `self` disagrees with the path
 *   (the pointer names the field, e.g. `/self/version`).
 */
export function parseContract(text: string, file: string, expected?: IgluPathParts): Contract {
  let doc: JsonValue;
  try {
    doc = JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new ContractError(file, '', `not valid JSON: ${(e as Error).message}`);
  }
  if (!isJsonObject(doc)) {
    throw new ContractError(file, '', 'a self-describing schema must be a JSON object');
  }
  const meta = doc.$schema;
  if (meta !== undefined && (typeof meta !== 'string' || !ACCEPTED_META_SCHEMAS.includes(meta))) {
    throw new ContractError(
      file,
      '/$schema',
      `unsupported meta-schema ${JSON.stringify(meta)}; expected one of ${ACCEPTED_META_SCHEMAS.join(', ')}`,
    );
  }
  const supersedes = doc.$supersedes;
  if (supersedes !== undefined && (!Array.isArray(supersedes) || !supersedes.every((v) => typeof v === 'string' && /^\d+-\d+-\d+$/.test(v)))) {
    throw new ContractError(file, '/$supersedes', `"$supersedes" must be an array of SchemaVer versions such as ["1-0-0"], found ${JSON.stringify(supersedes)}`);
  }
  const self = doc.self;
  if (!isJsonObject(self)) {
    throw new ContractError(file, '/self', 'missing "self" block {vendor, name, format, version}: every contract must be self-describing');
  }
  const field = (key: 'vendor' | 'name' | 'format' | 'version'): string => {
    const v = self[key];
    if (typeof v !== 'string' || v === '') {
      throw new ContractError(file, `/self/${key}`, `"self.${key}" must be a non-empty string, found ${JSON.stringify(v ?? null)}`);
    }
    return v;
  };
  const vendor = field('vendor');
  const name = field('name');
  const format = field('format');
  const versionText = field('version');
  if (!VENDOR_RE.test(vendor)) throw new ContractError(file, '/self/vendor', `vendor "${vendor}" must match ${VENDOR_RE}`);
  if (!NAME_RE.test(name)) throw new ContractError(file, '/self/name', `name "${name}" must match ${NAME_RE}`);
  if (format !== 'jsonschema') {
    throw new ContractError(file, '/self/format', `format "${format}" is not supported (only "jsonschema")`);
  }
  let version;
  try {
    version = parseSchemaVer(versionText, file);
  } catch (e) {
    throw new ContractError(file, '/self/version', (e as ContractError).reason);
  }
  if (expected !== undefined) {
    const actual: IgluPathParts = { vendor, name, format, version: versionText };
    for (const key of ['vendor', 'name', 'format', 'version'] as const) {
      if (actual[key] !== expected[key]) {
        throw new ContractError(
          file,
          `/self/${key}`,
          `self.${key} "${actual[key]}" does not match the file's path, which says "${expected[key]}"`,
        );
      }
    }
  }
  const uri: IgluUri = { vendor, name, format: 'jsonschema', version };
  return { uri, id: renderIgluUri(uri), file, schema: doc };
}

/**
 * Resolve a local `$ref` (`#` or `#/a/b`, RFC 6901 tokens, URI-percent-decoded) against the root
 * schema. Remote refs (other documents, `iglu:` URIs) are resolved by {@link resolveIgluRef}, not here.
 * @param root - the whole schema document
 * @param ref - the `$ref` value
 * @param file - for errors
 * @param pointer - where the `$ref` sits, for errors
 * @returns the referenced subschema and its JSON pointer
 * @throws ContractError when the ref is not local or does not resolve to an object or boolean
 */
export function resolveLocalRef(root: JsonObject, ref: string, file: string, pointer: string): { schema: JsonValue; pointer: string } {
  if (!ref.startsWith('#')) {
    throw new ContractError(file, pointer, `$ref "${ref}" is not a local reference (only "#/…" refs are supported)`);
  }
  let target: JsonValue = root;
  const fragment = decodeURIComponent(ref.slice(1));
  if (fragment !== '' && !fragment.startsWith('/')) {
    throw new ContractError(file, pointer, `$ref "${ref}" is not a JSON pointer fragment`);
  }
  const tokens = fragment === '' ? [] : fragment.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  for (const token of tokens) {
    if (isJsonObject(target) && Object.prototype.hasOwnProperty.call(target, token)) {
      target = target[token];
    } else if (Array.isArray(target) && /^(0|[1-9]\d*)$/.test(token) && Number(token) < target.length) {
      target = target[Number(token)];
    } else {
      throw new ContractError(file, pointer, `$ref "${ref}" does not resolve: no "${token}"`);
    }
  }
  if (!isJsonObject(target) && typeof target !== 'boolean') {
    throw new ContractError(file, pointer, `$ref "${ref}" resolves to a ${target === null ? 'null' : typeof target}, not a schema`);
  }
  return { schema: target, pointer: fragment };
}

/** Prefix of a remote `$ref` to another schema of the same Iglu registry (`iglu:<vendor>/<name>/jsonschema/<M-R-A>[#/pointer]`). */
export const IGLU_REF_PREFIX = 'iglu:';

/**
 * A remote `$ref` in the Iglu static-registry layout, `http(s)://<host>[/<base>]/schemas/<vendor>/<name>/<format>/<M-R-A>[#/pointer]`
 * (Iglu docs "Static repo": a registry serves each schema at that path; Iglu Central's own schemas reference
 * each other so, e.g. `http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/instance-iglu-only/jsonschema/1-0-0#`).
 * An Iglu URI names one schema whatever registry serves it, so such a ref is the `iglu:` ref of the same URI and
 * resolves from the registry folder like one.
 */
const STATIC_REGISTRY_REF_RE = /^https?:\/\/[^/?#]+(?:\/[^?#]*)?\/schemas\/([^/?#]+)\/([^/?#]+)\/([^/?#]+)\/(\d+-\d+-\d+)(?:#(.*))?$/;

/** True when `ref` names another registry schema: an `iglu:` ref or a static-registry URL ({@link splitIgluRef}). */
export function isIgluRef(ref: string): boolean {
  return ref.startsWith(IGLU_REF_PREFIX) || STATIC_REGISTRY_REF_RE.test(ref);
}

/**
 * `iglu:` URI and fragment (`''`, or `/a/b`) of a `$ref` to another registry schema: an `iglu:` ref, or a URL in
 * the Iglu static-registry layout (its `iglu:` equivalent; see {@link isIgluRef}).
 */
export function splitIgluRef(ref: string): { uri: string; fragment: string } {
  const m = STATIC_REGISTRY_REF_RE.exec(ref);
  if (m !== null) return { uri: `${IGLU_REF_PREFIX}${m[1]}/${m[2]}/${m[3]}/${m[4]}`, fragment: m[5] ?? '' };
  const hash = ref.indexOf('#');
  return hash < 0 ? { uri: ref, fragment: '' } : { uri: ref.slice(0, hash), fragment: ref.slice(hash + 1) };
}

/** `ref` with a static-registry URL written as its `iglu:` equivalent (`iglu:…#/pointer`); any other ref unchanged. */
export function canonicalIgluRef(ref: string): string {
  if (!STATIC_REGISTRY_REF_RE.test(ref)) return ref;
  const { uri, fragment } = splitIgluRef(ref);
  return fragment === '' ? uri : `${uri}#${fragment}`;
}

/**
 * Every `iglu:` URI (fragment removed) that a schema references with `$ref`, anywhere in the document, in
 * document order, without duplicates. Pure.
 */
export function igluRefsOf(schema: JsonValue): string[] {
  const found: string[] = [];
  const walk = (node: JsonValue): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (isJsonObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string' && isIgluRef(v)) {
          const { uri } = splitIgluRef(v);
          if (!found.includes(uri)) found.push(uri);
        } else {
          walk(v);
        }
      }
    }
  };
  walk(schema);
  return found;
}

/**
 * Resolve an `iglu:` `$ref` against {@link Contract.refs}: the referenced document (its local refs resolve
 * against it) and the subschema the fragment points to.
 * @throws ContractError naming `file` and `pointer` when the schema is not in `refs` (not in the registry folder)
 *   or the fragment does not resolve
 */
export function resolveIgluRef(
  refs: Readonly<Record<string, JsonObject>> | undefined,
  ref: string,
  file: string,
  pointer: string,
): { root: JsonObject; schema: JsonValue; pointer: string } {
  const { uri, fragment } = splitIgluRef(ref);
  const root = refs?.[uri];
  if (root === undefined) {
    throw new ContractError(file, pointer, `$ref "${ref}" names a schema that is not in the registry folder (an iglu: $ref resolves only to a schema of the same folder)`);
  }
  const target = resolveLocalRef(root, `#${fragment}`, uri, pointer);
  return { root, schema: target.schema, pointer: target.pointer };
}

/** Most levels of `iglu:` refs followed from a contract (a schema that references a schema that references …). */
export const IGLU_REF_MAX_DEPTH = 8;

/** An `iglu:` `$ref` that {@link collectIgluRefs} could not resolve. */
export interface MissingIgluRef {
  /** The referenced Iglu URI (without fragment). */
  readonly uri: string;
  /** The Iglu URI of the schema holding the `$ref` (`''` = the contract itself). */
  readonly from: string;
  /** Why: not found by the lookup, or beyond {@link IGLU_REF_MAX_DEPTH} levels. */
  readonly reason: 'not-found' | 'too-deep';
}

/**
 * The one resolver of `iglu:` `$ref`s: every schema a contract references, directly or through referenced schemas
 * (breadth first, at most `maxDepth` levels), read with `lookup` — the loaded folder, files under a registry root,
 * or (asynchronously, level by level) the run-time registry bucket. Pure apart from what `lookup` does.
 * @param schema - the contract's schema document
 * @param lookup - the schema document of an Iglu URI, `undefined` when there is none
 * @param maxDepth - most levels followed. @default {@link IGLU_REF_MAX_DEPTH}
 * @returns `refs` (Iglu URI → schema, the shape of {@link Contract.refs}) and every ref that could not be resolved
 */
export function collectIgluRefs(
  schema: JsonObject,
  lookup: (uri: string) => JsonObject | undefined,
  maxDepth: number = IGLU_REF_MAX_DEPTH,
): { refs: Record<string, JsonObject>; missing: MissingIgluRef[] } {
  const refs: Record<string, JsonObject> = {};
  const missing: MissingIgluRef[] = [];
  let level = igluRefsOf(schema).map((uri) => ({ uri, from: '' }));
  for (let depth = 1; level.length > 0; depth += 1) {
    const next: { uri: string; from: string }[] = [];
    for (const { uri, from } of level) {
      if (refs[uri] !== undefined || missing.some((m) => m.uri === uri)) continue;
      if (depth > maxDepth) {
        missing.push({ uri, from, reason: 'too-deep' });
        continue;
      }
      const found = lookup(uri);
      if (found === undefined) {
        missing.push({ uri, from, reason: 'not-found' });
        continue;
      }
      refs[uri] = found;
      next.push(...igluRefsOf(found).map((u) => ({ uri: u, from: uri })));
    }
    level = next;
  }
  return { refs, missing };
}

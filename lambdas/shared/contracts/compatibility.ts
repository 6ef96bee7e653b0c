/**
 * SchemaVer compatibility checker: given two versions of one schema, the smallest honest
 * SchemaVer step and whether the declared bump is sufficient.
 *
 * SchemaVer is about historical data (Snowplow, "Introducing SchemaVer", 2014):
 * ADDITION = every instance valid under the old schema stays valid under the new one;
 * REVISION = some historical instances may become invalid; MODEL = a breaking redesign.
 *
 * Two steps are computed and the larger is required:
 * - the instance step (this module): the checker is sound, not complete: it says ADDITION only when it can show
 *   that the new schema accepts every instance the old one accepts (a property test checks this against ajv), and
 *   MODEL when it can show that no historical instance stays valid. Whatever it cannot analyse is reported as
 *   REVISION with the rule `keyword-changed` (or `not-analysed`) and the pointer, so a human can judge and
 *   over-bump. Annotations (`description`, `title`, `examples`, `default`, `$comment`, …) are ignored at every
 *   depth; `allOf`/`anyOf`/`oneOf` are compared branch by branch;
 * - the table step (`table-step.ts`): the curated columns before and after, under the schema changes Iceberg
 *   applies in place; a column change the `_v<MODEL>` table cannot follow needs MODEL.
 *
 * Rules: {@link COMPATIBILITY_RULES} (instance step) and `TABLE_EVOLUTION_RULES` (table step).
 */
import { ContractError, joinPointer } from './contract-error';
import { Contract, JsonObject, JsonValue, isIgluRef, isJsonObject, resolveIgluRef, resolveLocalRef } from './contract';
import { normalizeDraft04 } from './ajv-schema';
import { SchemaVerStep, compareSchemaVer, declaredStep, maxStepOrNone, stepSeverity } from './schemaver';
import { type TableReason, type TableStepOptions, checkTableStep } from './table-step';

/** Identifier of a compatibility rule. */
export type CompatibilityRuleId =
  | 'type-widened'
  | 'type-narrowed'
  | 'required-property-type-changed'
  | 'root-type-changed'
  | 'bound-relaxed'
  | 'bound-tightened'
  | 'multiple-of-relaxed'
  | 'multiple-of-changed'
  | 'pattern-removed'
  | 'pattern-changed'
  | 'format-removed'
  | 'format-changed'
  | 'enum-widened'
  | 'enum-narrowed'
  | 'required-relaxed'
  | 'required-added'
  | 'required-added-closed'
  | 'required-property-removed'
  | 'constraint-implied'
  | 'empty-object-only'
  | 'branches-widened'
  | 'branches-narrowed'
  | 'property-added-closed'
  | 'property-added-open'
  | 'property-removed-closed'
  | 'property-removed-open'
  | 'additional-properties-allowed'
  | 'additional-properties-restricted'
  | 'pattern-properties-changed'
  | 'keyword-removed'
  | 'keyword-changed'
  | 'not-analysed';

/** One rule of the checker. */
export interface CompatibilityRule {
  /** Rule id, used in reasons. */
  readonly id: CompatibilityRuleId;
  /** The SchemaVer step the change requires at least. */
  readonly step: SchemaVerStep;
  /** What the rule covers and why it needs that step. */
  readonly description: string;
}

/** Every rule, documented; reasons name one of these. */
export const COMPATIBILITY_RULES: readonly CompatibilityRule[] = [
  { id: 'type-widened', step: 'ADDITION', description: 'the new schema accepts more JSON types (e.g. integer → number, adding "null", removing "type")' },
  { id: 'type-narrowed', step: 'REVISION', description: 'the new schema no longer accepts a JSON type the old one accepted' },
  { id: 'required-property-type-changed', step: 'MODEL', description: 'a property required by the old schema changed to a type with no overlap: every historical instance breaks' },
  { id: 'root-type-changed', step: 'MODEL', description: 'the root type changed with no overlap: every historical instance breaks' },
  { id: 'bound-relaxed', step: 'ADDITION', description: 'minimum/maximum (exclusive too), min/maxLength, min/maxItems, min/maxProperties loosened or removed' },
  { id: 'bound-tightened', step: 'REVISION', description: 'one of those bounds added or tightened' },
  { id: 'multiple-of-relaxed', step: 'ADDITION', description: 'multipleOf removed, or the new value is a power of two that divides the old one exactly (exact in binary floating point, as ajv checks it)' },
  { id: 'multiple-of-changed', step: 'REVISION', description: 'multipleOf added or changed otherwise' },
  { id: 'pattern-removed', step: 'ADDITION', description: 'pattern removed' },
  { id: 'pattern-changed', step: 'REVISION', description: 'pattern added or changed (regular-expression inclusion is not analysed)' },
  { id: 'format-removed', step: 'ADDITION', description: 'format removed' },
  { id: 'format-changed', step: 'REVISION', description: 'format added or changed' },
  { id: 'enum-widened', step: 'ADDITION', description: 'enum/const values added, or the enum removed' },
  { id: 'enum-narrowed', step: 'REVISION', description: 'enum/const values removed, or an enum added' },
  { id: 'required-relaxed', step: 'ADDITION', description: 'a property is no longer required' },
  { id: 'required-added', step: 'REVISION', description: 'a property became required (historical instances may lack it)' },
  { id: 'required-added-closed', step: 'MODEL', description: 'a property became required that no historical instance can have (the old object forbade it: additionalProperties false, or maxProperties 0), at the root or in a required object property: every historical instance breaks' },
  { id: 'required-property-removed', step: 'MODEL', description: 'a property every historical instance has (required at the root or in a required object property) is now forbidden: every historical instance breaks' },
  { id: 'constraint-implied', step: 'ADDITION', description: 'a bound, pattern or multipleOf added or tightened where the old schema allowed only enum/const values that all satisfy it' },
  { id: 'empty-object-only', step: 'ADDITION', description: 'properties, additionalProperties or patternProperties changed where the old schema admitted only the empty object (maxProperties 0)' },
  { id: 'branches-widened', step: 'ADDITION', description: 'allOf/anyOf/oneOf changed: every old anyOf/oneOf branch is accepted by a new branch (new oneOf branches provably exclusive), or every new allOf member accepts an old one' },
  { id: 'branches-narrowed', step: 'REVISION', description: 'allOf/anyOf/oneOf changed otherwise: an old branch not covered by any new branch, new oneOf branches that may overlap, or a new allOf member' },
  { id: 'property-added-closed', step: 'ADDITION', description: 'a property added where the old schema forbade additional properties (no historical instance has it)' },
  { id: 'property-added-open', step: 'REVISION', description: 'a property added where the old schema allowed additional properties: historical instances may carry that name with another type' },
  { id: 'property-removed-closed', step: 'REVISION', description: 'a property removed while the new schema forbids additional properties: historical instances with it break' },
  { id: 'property-removed-open', step: 'ADDITION', description: 'a property removed while the new schema allows it as an additional property' },
  { id: 'additional-properties-allowed', step: 'ADDITION', description: 'additionalProperties relaxed (false → a schema or true)' },
  { id: 'additional-properties-restricted', step: 'REVISION', description: 'additionalProperties set to false or to a narrower schema' },
  { id: 'pattern-properties-changed', step: 'REVISION', description: 'patternProperties differ (not analysed)' },
  { id: 'keyword-removed', step: 'ADDITION', description: 'any other assertion keyword removed (allOf, not, uniqueItems, dependencies…): validation is a conjunction, so removal widens' },
  { id: 'keyword-changed', step: 'REVISION', description: 'any other assertion keyword added or changed (not analysed, assumed to narrow)' },
  { id: 'not-analysed', step: 'REVISION', description: 'a $ref with sibling keywords, a recursive schema or tuple items changed: assumed to narrow' },
];

const RULES_BY_ID = new Map(COMPATIBILITY_RULES.map((r) => [r.id, r]));

/** One detected change. */
export interface CompatibilityReason {
  /** JSON pointer in the new schema (or the old one for removals). */
  readonly pointer: string;
  /** The rule that classified the change. */
  readonly rule: CompatibilityRuleId;
  /** The step the change needs. */
  readonly step: SchemaVerStep;
  /** Human-readable detail. */
  readonly message: string;
}

/** The checker's verdict for `from` → `to`. */
export interface CompatibilityReport {
  /** Full Iglu URI of the old version. */
  readonly from: string;
  /** Full Iglu URI of the new version. */
  readonly to: string;
  /** The highest SchemaVer component that changed; `NONE` when the versions are equal. */
  readonly declared: SchemaVerStep | 'NONE';
  /** The smallest honest step: the larger of {@link instanceStep} and {@link tableStep}; `NONE` when neither changed. */
  readonly required: SchemaVerStep | 'NONE';
  /** True when the new version is higher and `declared` ≥ `required`. */
  readonly sufficient: boolean;
  /** Every change to what instances are valid, in schema order (the reasons of {@link instanceStep}). */
  readonly reasons: readonly CompatibilityReason[];
  /** The step historical instances need: the largest step of {@link reasons}; `NONE` when none. */
  readonly instanceStep: SchemaVerStep | 'NONE';
  /** The step the curated `_v<MODEL>` table needs (see `table-step.ts`); `NONE` when its columns do not change. */
  readonly tableStep: SchemaVerStep | 'NONE';
  /** Every change of the curated columns, in column order (the reasons of {@link tableStep}). */
  readonly tableReasons: readonly TableReason[];
  /** Why the columns were not compared (a version that does not map to Glue columns); absent when they were. */
  readonly tableSkipped?: string;
  /**
   * The earlier versions of the MODEL whose columns the table step merged in before `from` (Iglu URIs, oldest
   * first; see `table-step.ts`); absent when none were given.
   */
  readonly tableHistory?: readonly string[];
  /** Which step set {@link required}: `instance`, `table`, `both` (equal and not NONE) or `none`. */
  readonly decidedBy: 'instance' | 'table' | 'both' | 'none';
}

/** Keywords that never affect validation (annotations and containers reached through `$ref`). */
export const ANNOTATION_KEYWORDS: readonly string[] = [
  '$schema', 'self', '$supersedes', '$id', 'id', '$comment', 'title', 'description', 'examples', 'default', 'readOnly', 'writeOnly',
  'deprecated', 'definitions', '$defs', 'contentMediaType', 'contentEncoding',
];

const HANDLED = new Set([
  'type', 'enum', 'const', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf', 'pattern', 'format', 'required', 'properties',
  'additionalProperties', 'patternProperties', 'items', 'allOf', 'anyOf', 'oneOf',
]);

/** Keywords whose value is a map of name → subschema. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'dependencies']);
/** Keywords whose value is one subschema. */
const SCHEMA_KEYWORDS = new Set(['additionalProperties', 'items', 'additionalItems', 'not', 'contains', 'propertyNames', 'if', 'then', 'else']);
/** Keywords whose value is an array of subschemas. */
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'items']);

const JSON_TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'] as const;
const MAX_DEPTH = 32;

interface Side {
  readonly root: JsonObject;
  readonly file: string;
  /**
   * The schemas the contract's `iglu:` `$ref`s name ({@link Contract.refs}), draft-04 normalized, with their own
   * local `$ref`s made absolute (`#/a` → `iglu:<uri>#/a`), so every ref resolves through {@link resolveSideRef}.
   */
  readonly refs: Readonly<Record<string, JsonObject>>;
}

/** A contract as one side of a comparison. */
function sideOf(contract: Contract): Side {
  const refs = Object.fromEntries(
    Object.entries(contract.refs ?? {}).map(([uri, schema]) => [uri, absoluteLocalRefs(normalizeDraft04(schema), uri) as JsonObject]),
  );
  return { root: normalizeDraft04(contract.schema), file: contract.file, refs };
}

/** Every local `$ref` (`#…`) of a referenced document rewritten to `iglu:<uri>#…`, so it resolves outside it. Pure. */
function absoluteLocalRefs(node: JsonValue, uri: string): JsonValue {
  if (Array.isArray(node)) return node.map((x) => absoluteLocalRefs(x, uri));
  if (!isJsonObject(node)) return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#') ? `${uri}${v}` : k === 'enum' || k === 'const' ? v : absoluteLocalRefs(v, uri)]),
  );
}

/**
 * The subschema a `$ref` names: local refs against the side's document, `iglu:` refs against its referenced
 * schemas (the registry folder's, as the loader resolved them).
 * @throws ContractError naming the side's file and the pointer when the ref does not resolve
 */
function resolveSideRef(side: Side, ref: string, pointer: string): JsonValue {
  return isIgluRef(ref) ? resolveIgluRef(side.refs, ref, side.file, pointer).schema : resolveLocalRef(side.root, ref, side.file, pointer).schema;
}

interface Ctx {
  readonly oldSide: Side;
  readonly newSide: Side;
  readonly reasons: CompatibilityReason[];
  readonly depth: number;
}

/** Structural JSON equality (object key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

function add(ctx: Ctx, pointer: string, rule: CompatibilityRuleId, message: string): void {
  const r = RULES_BY_ID.get(rule);
  ctx.reasons.push({ pointer, rule, step: r?.step ?? 'REVISION', message });
}

/** Strip annotations so that only assertions are compared. */
function assertions(s: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !ANNOTATION_KEYWORDS.includes(k)));
}

/** Resolve a plain `$ref` node (no siblings); `undefined` when it has assertion siblings. */
function deref(node: JsonValue, side: Side, pointer: string, depth: number): JsonValue | undefined {
  let cur = node;
  for (let i = 0; isJsonObject(cur) && typeof cur.$ref === 'string'; i += 1) {
    const { $ref, ...siblings } = cur;
    if (Object.keys(assertions(siblings)).length > 0 || i + depth > MAX_DEPTH) return undefined;
    cur = resolveSideRef(side, $ref, pointer);
  }
  return cur;
}

/** Work limit of {@link normalized}: inlined nodes per comparison, and whether it was hit. */
interface Budget {
  nodes: number;
  truncated: boolean;
}

const NORMALIZE_NODE_LIMIT = 20_000;

/**
 * A subschema as validation sees it: annotations removed at every depth (schema-aware: property names are kept)
 * and plain local `$ref`s inlined. Two subtrees whose normal forms are equal accept the same instances. Marks the
 * budget truncated (so callers do not conclude equality) at a recursive schema's depth limit or the node limit.
 */
function normalized(node: JsonValue, side: Side, depth: number, budget: Budget): JsonValue {
  budget.nodes += 1;
  if (depth > MAX_DEPTH || budget.nodes > NORMALIZE_NODE_LIMIT) {
    budget.truncated = true;
    return node;
  }
  if (isJsonObject(node) && typeof node.$ref === 'string') {
    const { $ref, ...siblings } = node;
    let target: JsonValue;
    try {
      target = resolveSideRef(side, $ref, '');
    } catch {
      budget.truncated = true;
      return node;
    }
    const resolved = normalized(target, side, depth + 1, budget);
    const rest = normalized(siblings, side, depth + 1, budget) as JsonObject;
    // A $ref with assertion siblings validates both (ajv 8): the conjunction is its normal form.
    return Object.keys(rest).length === 0 ? resolved : { allOf: [resolved, rest] };
  }
  if (!isJsonObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (ANNOTATION_KEYWORDS.includes(k)) continue;
    if (SCHEMA_MAP_KEYWORDS.has(k) && isJsonObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, normalized(sub, side, depth + 1, budget)]));
    } else if (SCHEMA_ARRAY_KEYWORDS.has(k) && Array.isArray(v)) {
      out[k] = v.map((x) => normalized(x, side, depth + 1, budget));
    } else if (SCHEMA_KEYWORDS.has(k)) {
      out[k] = normalized(v, side, depth + 1, budget);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** True when old subschema `o` and new subschema `n` provably accept the same instances (equal up to annotations and `$ref`s). */
function sameAssertions(o: JsonValue, n: JsonValue, ctx: Ctx): boolean {
  if (jsonEqual(o, n) && !containsRef(o)) return true;
  const budget: Budget = { nodes: 0, truncated: false };
  const a = normalized(o, ctx.oldSide, ctx.depth, budget);
  const b = normalized(n, ctx.newSide, ctx.depth, budget);
  return !budget.truncated && jsonEqual(a, b);
}

function containsRef(v: JsonValue): boolean {
  if (Array.isArray(v)) return v.some(containsRef);
  if (!isJsonObject(v)) return false;
  return Object.entries(v).some(([k, x]) => (k === '$ref' && typeof x === 'string') || containsRef(x));
}

function jsonTypeOf(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The JSON types a schema admits: `type` intersected with the types of its enum/const values; `undefined` = all. */
function typeSet(s: JsonObject): Set<string> | undefined {
  const declared =
    typeof s.type === 'string' ? new Set([s.type]) : Array.isArray(s.type) ? new Set(s.type.filter((t): t is string => typeof t === 'string')) : undefined;
  const values = Array.isArray(s.enum) ? s.enum : 'const' in s ? [s.const] : undefined;
  if (values === undefined) return declared;
  const fromValues = new Set(values.map(jsonTypeOf));
  // An integral value is also a number; keep 'number' admitted when only it is declared.
  return new Set([...fromValues].filter((t) => accepts(declared, t)).map((t) => (t === 'integer' && declared !== undefined && !declared.has('integer') ? 'number' : t)));
}

const accepts = (types: Set<string> | undefined, t: string): boolean =>
  types === undefined || types.has(t) || (t === 'integer' && types.has('number'));

interface Bound {
  readonly v: number;
  readonly excl: boolean;
}

function bound(s: JsonObject, incl: string, excl: string, lower: boolean): Bound | undefined {
  const a = typeof s[incl] === 'number' ? { v: s[incl] as number, excl: false } : undefined;
  const b = typeof s[excl] === 'number' ? { v: s[excl] as number, excl: true } : undefined;
  if (a === undefined || b === undefined) return a ?? b;
  if (a.v === b.v) return b;
  return lower === a.v > b.v ? a : b;
}

/** True when bound `o` (old) admits no value that bound `n` (new) rejects. */
function tighterOrEqual(o: Bound | undefined, n: Bound | undefined, lower: boolean): boolean {
  if (n === undefined) return true;
  if (o === undefined) return false;
  if (o.v !== n.v) return lower ? o.v > n.v : o.v < n.v;
  return o.excl || !n.excl;
}

const isPowerOfTwo = (x: number): boolean => x > 0 && Number.isFinite(x) && 2 ** Math.round(Math.log2(x)) === x;

/** The values an enum/const restricts a schema to (`const` intersected with `enum` when both); `undefined` = unrestricted. */
function allowedValues(s: JsonObject): JsonValue[] | undefined {
  const fromEnum = Array.isArray(s.enum) ? s.enum : undefined;
  const fromConst = 'const' in s ? [s.const] : undefined;
  if (fromEnum !== undefined && fromConst !== undefined) return fromEnum.filter((v) => jsonEqual(v, s.const));
  return fromEnum ?? fromConst;
}

/** Length as JSON Schema counts it: Unicode code points (ajv's `ucs2length`). */
const codePoints = (text: string): number => [...text].length;

/** True when the old schema allows only enum/const values and every one of them passes `test`. */
function impliedByOldValues(o: JsonObject, test: (v: JsonValue) => boolean): boolean {
  const values = allowedValues(o);
  return values !== undefined && values.every(test);
}

/** ajv's `multipleOf` test (without `multipleOfPrecision`): `v / m` is an integer. */
function isMultipleOf(v: number, m: number): boolean {
  const r = v / m;
  return m !== 0 && r === parseInt(String(r), 10);
}

function compareBounds(o: JsonObject, n: JsonObject, pointer: string, ctx: Ctx): void {
  for (const [incl, excl, lower] of [['minimum', 'exclusiveMinimum', true], ['maximum', 'exclusiveMaximum', false]] as const) {
    const ob = bound(o, incl, excl, lower);
    const nb = bound(n, incl, excl, lower);
    if (jsonEqual(ob as unknown as JsonValue, nb as unknown as JsonValue)) continue;
    const at = joinPointer(pointer, nb?.excl === true ? excl : incl);
    const show = (b: Bound | undefined): string => (b === undefined ? 'none' : `${b.excl ? (lower ? '>' : '<') : lower ? '≥' : '≤'} ${b.v}`);
    const within = (v: JsonValue): boolean =>
      typeof v !== 'number' || nb === undefined || (lower ? (nb.excl ? v > nb.v : v >= nb.v) : nb.excl ? v < nb.v : v <= nb.v);
    if (tighterOrEqual(ob, nb, lower)) add(ctx, at, 'bound-relaxed', `${incl} bound relaxed from ${show(ob)} to ${show(nb)}`);
    else if (impliedByOldValues(o, within)) add(ctx, at, 'constraint-implied', `${incl} bound ${show(nb)} holds for every value the old schema allowed`);
    else add(ctx, at, 'bound-tightened', `${incl} bound tightened from ${show(ob)} to ${show(nb)}`);
  }
  const sizeOf: Record<string, (v: JsonValue) => number | undefined> = {
    Length: (v) => (typeof v === 'string' ? codePoints(v) : undefined),
    Items: (v) => (Array.isArray(v) ? v.length : undefined),
    Properties: (v) => (isJsonObject(v) ? Object.keys(v).length : undefined),
  };
  for (const [kw, lower] of [
    ['minLength', true], ['maxLength', false], ['minItems', true], ['maxItems', false], ['minProperties', true], ['maxProperties', false],
  ] as const) {
    const ov = typeof o[kw] === 'number' ? (o[kw] as number) : undefined;
    const nv = typeof n[kw] === 'number' ? (n[kw] as number) : undefined;
    if (ov === nv) continue;
    const ob = ov === undefined ? undefined : { v: ov, excl: false };
    const nb = nv === undefined ? undefined : { v: nv, excl: false };
    const at = joinPointer(pointer, kw);
    const size = sizeOf[kw.slice(3)];
    const within = (v: JsonValue): boolean => {
      const k = size(v);
      return k === undefined || nv === undefined || (lower ? k >= nv : k <= nv);
    };
    if (tighterOrEqual(ob, nb, lower)) add(ctx, at, 'bound-relaxed', `${kw} relaxed from ${ov ?? 'none'} to ${nv ?? 'none'}`);
    else if (impliedByOldValues(o, within)) add(ctx, at, 'constraint-implied', `${kw} ${nv} holds for every value the old schema allowed`);
    else add(ctx, at, 'bound-tightened', `${kw} tightened from ${ov ?? 'none'} to ${nv ?? 'none'}`);
  }
  const om = o.multipleOf;
  const nm = n.multipleOf;
  if (!jsonEqual(om, nm)) {
    const at = joinPointer(pointer, 'multipleOf');
    if (nm === undefined || (typeof om === 'number' && typeof nm === 'number' && isPowerOfTwo(nm) && om % nm === 0)) {
      add(ctx, at, 'multiple-of-relaxed', `multipleOf relaxed from ${JSON.stringify(om)} to ${JSON.stringify(nm ?? null)}`);
    } else if (typeof nm === 'number' && impliedByOldValues(o, (v) => typeof v !== 'number' || isMultipleOf(v, nm))) {
      add(ctx, at, 'constraint-implied', `multipleOf ${nm} holds for every value the old schema allowed`);
    } else {
      add(ctx, at, 'multiple-of-changed', `multipleOf changed from ${JSON.stringify(om ?? null)} to ${JSON.stringify(nm)}`);
    }
  }
}

function compareSimple(o: JsonObject, n: JsonObject, pointer: string, ctx: Ctx): void {
  for (const [kw, removed, changed] of [['pattern', 'pattern-removed', 'pattern-changed'], ['format', 'format-removed', 'format-changed']] as const) {
    if (jsonEqual(o[kw], n[kw])) continue;
    const at = joinPointer(pointer, kw);
    const re = kw === 'pattern' && typeof n[kw] === 'string' ? safeRegex(n[kw] as string) : undefined;
    if (n[kw] === undefined) add(ctx, at, removed, `${kw} ${JSON.stringify(o[kw])} removed`);
    else if (re !== undefined && impliedByOldValues(o, (v) => typeof v !== 'string' || re.test(v))) add(ctx, at, 'constraint-implied', `pattern ${JSON.stringify(n[kw])} matches every value the old schema allowed`);
    else add(ctx, at, changed, `${kw} changed from ${JSON.stringify(o[kw] ?? null)} to ${JSON.stringify(n[kw])}`);
  }
  const ov = allowedValues(o);
  const nv = allowedValues(n);
  if (!(ov === undefined && nv === undefined) && !(ov !== undefined && nv !== undefined && ov.length === nv.length && ov.every((v) => nv.some((w) => jsonEqual(v, w))))) {
    const at = joinPointer(pointer, n.enum !== undefined || o.enum !== undefined ? 'enum' : 'const');
    const lost = ov === undefined ? undefined : ov.filter((v) => nv !== undefined && !nv.some((w) => jsonEqual(v, w)));
    if (nv === undefined || (lost !== undefined && lost.length === 0)) add(ctx, at, 'enum-widened', `allowed values widened to ${nv === undefined ? 'any' : JSON.stringify(nv)}`);
    else add(ctx, at, 'enum-narrowed', ov === undefined ? `values restricted to ${JSON.stringify(nv)}` : `values ${JSON.stringify(lost)} no longer allowed`);
  }
}

function propertySchema(s: JsonObject, name: string, forOld: boolean): JsonValue {
  const props = isJsonObject(s.properties) ? s.properties : {};
  if (Object.prototype.hasOwnProperty.call(props, name)) return props[name];
  const patterns = isJsonObject(s.patternProperties) ? Object.keys(s.patternProperties) : [];
  // A name matched by patternProperties: over-approximate the old side (anything), under-approximate the new one (nothing).
  if (patterns.some((p) => safeRegex(p)?.test(name) ?? true)) return forOld;
  const ap = s.additionalProperties;
  return ap === undefined ? true : ap;
}

function safeRegex(p: string): RegExp | undefined {
  try {
    return new RegExp(p, 'u');
  } catch {
    return undefined;
  }
}

/** True when a schema admits only the empty object among objects (`maxProperties: 0`). */
const emptyObjectsOnly = (s: JsonObject): boolean => typeof s.maxProperties === 'number' && s.maxProperties < 1;

/** True when every instance of `s` is an object (its types are exactly `object`). */
function onlyObjects(s: JsonObject): boolean {
  const t = typeSet(s);
  return t !== undefined && t.size === 1 && t.has('object');
}

function compareObject(o: JsonObject, n: JsonObject, pointer: string, ctx: Ctx, position: Position): void {
  const oReq = new Set(Array.isArray(o.required) ? o.required.filter((r): r is string => typeof r === 'string') : []);
  const nReq = new Set(Array.isArray(n.required) ? n.required.filter((r): r is string => typeof r === 'string') : []);
  // Every historical instance is an object that reaches this node: the root, or a property required by its parent.
  const everyInstance = (position === 'root' || position === 'required-property') && onlyObjects(o);
  const emptyOnly = emptyObjectsOnly(o);
  for (const r of nReq) {
    if (oReq.has(r)) continue;
    const impossible = emptyOnly || propertySchema(o, r, true) === false;
    if (impossible && everyInstance) {
      add(ctx, joinPointer(pointer, 'required'), 'required-added-closed', `"${r}" is now required, but the old schema ${emptyOnly ? 'admitted only {}' : 'forbade it'}: no historical instance has it`);
    } else {
      add(ctx, joinPointer(pointer, 'required'), 'required-added', `"${r}" is now required`);
    }
  }
  for (const r of oReq) if (!nReq.has(r)) add(ctx, joinPointer(pointer, 'required'), 'required-relaxed', `"${r}" is no longer required`);

  if (emptyOnly) {
    // Only {} was valid: no historical instance carries a property, so property schemas cannot break it.
    const changed = ['properties', 'additionalProperties', 'patternProperties'].filter((k) => !sameAssertions(o[k] ?? {}, n[k] ?? {}, ctx));
    if (changed.length > 0) add(ctx, pointer, 'empty-object-only', `${changed.join(', ')} changed; the old schema admitted only {} (maxProperties 0)`);
    return;
  }
  if (!sameAssertions({ patternProperties: o.patternProperties ?? {} }, { patternProperties: n.patternProperties ?? {} }, ctx)) {
    add(ctx, joinPointer(pointer, 'patternProperties'), 'pattern-properties-changed', 'patternProperties changed');
  }
  const oProps = isJsonObject(o.properties) ? o.properties : {};
  const nProps = isJsonObject(n.properties) ? n.properties : {};
  const names = [...new Set([...Object.keys(oProps), ...Object.keys(nProps)])];
  for (const name of names) {
    const inOld = Object.prototype.hasOwnProperty.call(oProps, name);
    const inNew = Object.prototype.hasOwnProperty.call(nProps, name);
    const at = joinPointer(pointer, 'properties', name);
    const os = propertySchema(o, name, true);
    const ns = propertySchema(n, name, false);
    const requiredBefore = everyInstance && oReq.has(name);
    if (inOld && inNew) {
      compareSchemas(os, ns, at, { ...ctx, depth: ctx.depth + 1 }, oReq.has(name) ? 'required-property' : 'property');
      continue;
    }
    const sub: Ctx = { ...ctx, reasons: [], depth: ctx.depth + 1 };
    compareSchemas(os, ns, at, sub, 'property');
    const breaks = sub.reasons.some((r) => stepSeverity(r.step) > 0);
    if (!inOld) {
      if (os === false) add(ctx, at, 'property-added-closed', `property "${name}" added; the old schema forbade additional properties`);
      else if (breaks) add(ctx, at, 'property-added-open', `property "${name}" added, but the old schema allowed additional properties: historical instances may carry "${name}" with another type`);
      else add(ctx, at, 'property-added-closed', `property "${name}" added with a schema that accepts what the old schema allowed under that name`);
    } else if (ns === false && requiredBefore) {
      add(ctx, at, 'required-property-removed', `property "${name}" removed and forbidden as an additional property, but every historical instance has it (it was required)`);
    } else if (ns === false || breaks) {
      add(ctx, at, 'property-removed-closed', `property "${name}" removed, and the new schema ${ns === false ? 'forbids it as an additional property' : 'constrains it more than before'}`);
    } else {
      add(ctx, at, 'property-removed-open', `property "${name}" removed; the new schema still accepts it as an additional property`);
    }
  }
  const oa = o.additionalProperties ?? true;
  const na = n.additionalProperties ?? true;
  if (!sameAssertions(oa, na, ctx)) {
    const sub: Ctx = { ...ctx, reasons: [], depth: ctx.depth + 1 };
    compareSchemas(oa, na, joinPointer(pointer, 'additionalProperties'), sub, 'other');
    if (sub.reasons.some((r) => stepSeverity(r.step) > 0)) {
      add(ctx, joinPointer(pointer, 'additionalProperties'), 'additional-properties-restricted', `additionalProperties restricted from ${JSON.stringify(oa)} to ${JSON.stringify(na)}`);
    } else {
      add(ctx, joinPointer(pointer, 'additionalProperties'), 'additional-properties-allowed', `additionalProperties relaxed from ${JSON.stringify(oa)} to ${JSON.stringify(na)}`);
    }
  }
}

/** The schema node behind a plain `$ref` chain, as an object of assertions; `undefined` when not analysable. */
function assertionNode(node: JsonValue, side: Side, pointer: string, depth: number): JsonObject | boolean | undefined {
  const res = deref(node, side, pointer, depth);
  if (res === undefined) return undefined;
  if (typeof res === 'boolean') return res;
  return isJsonObject(res) ? assertions(res) : undefined;
}

/**
 * True when no instance can satisfy both branches (of one new `oneOf`): disjoint JSON types; or, for branches of
 * objects only, a property one requires that the other forbids, or that both constrain to disjoint enum/const values.
 * @param objectsOnly - the schema holding the `oneOf` admits objects only (`type: "object"` beside it), so a branch
 *   without its own `type` still sees objects only (the common `{ type: object, oneOf: [{ required: [a], … }] }`)
 */
function provablyDisjoint(a: JsonObject | boolean, b: JsonObject | boolean, ctx: Ctx, objectsOnly = false): boolean {
  if (a === false || b === false) return true;
  if (a === true || b === true) return false;
  const ta = typeSet(a);
  const tb = typeSet(b);
  if (ta !== undefined && tb !== undefined && ![...ta].some((t) => accepts(tb, t)) && ![...tb].some((t) => accepts(ta, t))) return true;
  const oneWay = (x: JsonObject, y: JsonObject): boolean => {
    if (!objectsOnly && !onlyObjects(x)) return false;
    const req = Array.isArray(x.required) ? x.required.filter((r): r is string => typeof r === 'string') : [];
    return req.some((r) => {
      // Over-approximate both sides (a patternProperties match admits anything): disjointness must be certain.
      const ys = propertySchema(y, r, true);
      if (ys === false) return true;
      const xs = propertySchema(x, r, true);
      const xn = isJsonObject(xs) ? assertionNode(xs, ctx.newSide, '', ctx.depth) : undefined;
      const yn = isJsonObject(ys) ? assertionNode(ys, ctx.newSide, '', ctx.depth) : undefined;
      const xv = isJsonObject(xn) ? allowedValues(xn) : undefined;
      const yv = isJsonObject(yn) ? allowedValues(yn) : undefined;
      return xv !== undefined && yv !== undefined && !xv.some((v) => yv.some((w) => jsonEqual(v, w)));
    });
  };
  return oneWay(a, b) || oneWay(b, a);
}

/** Compare `allOf`, `anyOf` and `oneOf` branch by branch (see {@link COMPATIBILITY_RULES}: `branches-*`). */
function compareCombinators(o: JsonObject, n: JsonObject, pointer: string, ctx: Ctx): void {
  for (const kw of ['allOf', 'anyOf', 'oneOf'] as const) {
    const ov = o[kw];
    const nv = n[kw];
    if (ov === undefined && nv === undefined) continue;
    if (sameAssertions({ [kw]: ov ?? null }, { [kw]: nv ?? null }, ctx)) continue;
    const at = joinPointer(pointer, kw);
    if (nv === undefined) {
      add(ctx, at, 'keyword-removed', `"${kw}" removed`);
      continue;
    }
    if (!Array.isArray(ov) || !Array.isArray(nv)) {
      add(ctx, at, 'keyword-changed', `"${kw}" ${ov === undefined ? 'added' : 'changed'} (not analysed; assumed to narrow)`);
      continue;
    }
    // covers(i, j): every instance of old branch i is valid under new branch j (only ADDITION-level differences).
    const covers = (i: number, j: number): CompatibilityReason[] | undefined => {
      const sub: Ctx = { ...ctx, reasons: [], depth: ctx.depth + 1 };
      compareSchemas(ov[i], nv[j], joinPointer(pointer, kw, j), sub, 'other');
      return sub.reasons.every((r) => r.step === 'ADDITION') ? sub.reasons : undefined;
    };
    // The same index first (the usual edit), then the others.
    const sameFirst = (k: number, count: number): number[] => [...(k < count ? [k] : []), ...Array.from({ length: count }, (_, x) => x).filter((x) => x !== k)];
    const firstCovering = (pairs: [number, number][]): CompatibilityReason[] | undefined => {
      for (const [i, j] of pairs) {
        const reasons = covers(i, j);
        if (reasons !== undefined) return reasons;
      }
      return undefined;
    };
    const newIdx = nv.map((_, j) => j);
    const widening: CompatibilityReason[] = [];
    const problems: string[] = [];
    if (kw === 'allOf') {
      // Old instances satisfy every old member; each new member must accept the instances of some old member.
      for (const j of newIdx) {
        const found = firstCovering(sameFirst(j, ov.length).map((i): [number, number] => [i, j]));
        if (found === undefined) problems.push(`new member ${j} accepts less than every old member`);
        else widening.push(...found);
      }
    } else {
      for (let i = 0; i < ov.length; i += 1) {
        const found = firstCovering(sameFirst(i, nv.length).map((j): [number, number] => [i, j]));
        if (found === undefined) problems.push(`old branch ${i} is not accepted by any new branch`);
        else widening.push(...found);
      }
      if (kw === 'oneOf' && problems.length === 0) {
        const branches = nv.map((b, j) => assertionNode(b, ctx.newSide, joinPointer(pointer, kw, j), ctx.depth));
        for (let a = 0; a < branches.length; a += 1) {
          for (let b = a + 1; b < branches.length; b += 1) {
            const x = branches[a];
            const y = branches[b];
            if (x === undefined || y === undefined || !provablyDisjoint(x, y, ctx, onlyObjects(n))) problems.push(`new branches ${a} and ${b} may both match one instance`);
          }
        }
      }
    }
    if (problems.length > 0) {
      add(ctx, at, 'branches-narrowed', `${kw} changed: ${problems.join('; ')}`);
    } else {
      ctx.reasons.push(...widening);
      add(ctx, at, 'branches-widened', kw === 'allOf' ? 'allOf changed: every new member accepts an old member\'s instances' : `${kw} changed: every old branch is accepted by a new branch${kw === 'oneOf' ? ', and the new branches are mutually exclusive' : ''}`);
    }
  }
}

type Position = 'root' | 'required-property' | 'property' | 'other';

function compareSchemas(oNode: JsonValue, nNode: JsonValue, pointer: string, ctx: Ctx, position: Position): void {
  if (ctx.depth > MAX_DEPTH) {
    if (!jsonEqual(oNode, nNode)) add(ctx, pointer, 'not-analysed', `nesting deeper than ${MAX_DEPTH} levels (recursive schema?)`);
    return;
  }
  const oRes = deref(oNode, ctx.oldSide, pointer, ctx.depth);
  const nRes = deref(nNode, ctx.newSide, pointer, ctx.depth);
  if (oRes === undefined || nRes === undefined) {
    if (!sameAssertions(oNode, nNode, ctx)) add(ctx, pointer, 'not-analysed', '$ref with sibling keywords changed');
    return;
  }
  const o: JsonObject | false = oRes === true ? {} : oRes === false ? false : isJsonObject(oRes) ? assertions(oRes) : {};
  const n: JsonObject | false = nRes === true ? {} : nRes === false ? false : isJsonObject(nRes) ? assertions(nRes) : {};
  if (o === false) return;
  if (n === false) {
    if (position === 'required-property') add(ctx, pointer, 'required-property-removed', 'the new schema rejects every value of a property every historical instance has');
    else add(ctx, pointer, position === 'property' ? 'property-removed-closed' : 'keyword-changed', 'the new schema rejects every value here');
    return;
  }
  if (sameAssertions(o, n, ctx)) return;

  const ot = typeSet(o);
  const nt = typeSet(n);
  const lost = (ot === undefined ? [...JSON_TYPES] : [...ot]).filter((t) => !accepts(nt, t));
  const gained = (nt === undefined ? [...JSON_TYPES] : [...nt]).filter((t) => !accepts(ot, t));
  if (lost.length > 0) {
    const overlap = (ot === undefined ? [...JSON_TYPES] : [...ot]).some((t) => t !== 'null' && accepts(nt, t)) ||
      (nt !== undefined && [...nt].some((t) => t !== 'null' && accepts(ot, t)));
    const at = joinPointer(pointer, 'type');
    if (!overlap && position === 'root') add(ctx, at, 'root-type-changed', `root type changed from ${JSON.stringify(o.type ?? 'any')} to ${JSON.stringify(n.type)}`);
    else if (!overlap && position === 'required-property') add(ctx, at, 'required-property-type-changed', `required property type changed from ${JSON.stringify(o.type ?? 'any')} to ${JSON.stringify(n.type)}`);
    else add(ctx, at, 'type-narrowed', `type ${JSON.stringify(lost)} no longer accepted (was ${JSON.stringify(o.type ?? 'any')}, now ${JSON.stringify(n.type)})`);
  } else if (gained.length > 0) {
    add(ctx, joinPointer(pointer, 'type'), 'type-widened', `type widened from ${JSON.stringify(o.type ?? 'any')} to ${JSON.stringify(n.type ?? 'any')}`);
  }

  compareBounds(o, n, pointer, ctx);
  compareSimple(o, n, pointer, ctx);
  const objectKeys = ['required', 'properties', 'additionalProperties', 'patternProperties'];
  if (objectKeys.some((k) => !jsonEqual(o[k], n[k]))) compareObject(o, n, pointer, ctx, position);
  compareCombinators(o, n, pointer, ctx);

  if (!jsonEqual(o.items, n.items)) {
    const at = joinPointer(pointer, 'items');
    if (Array.isArray(o.items) || Array.isArray(n.items)) {
      if (n.items === undefined) add(ctx, at, 'keyword-removed', 'items removed');
      else add(ctx, at, 'not-analysed', 'tuple-form items changed');
    } else {
      compareSchemas(o.items ?? true, n.items ?? true, at, { ...ctx, depth: ctx.depth + 1 }, 'other');
    }
  }

  for (const kw of [...new Set([...Object.keys(o), ...Object.keys(n)])].filter((k) => !HANDLED.has(k)).sort()) {
    if (jsonEqual(o[kw], n[kw]) || (o[kw] !== undefined && n[kw] !== undefined && sameAssertions({ [kw]: o[kw] }, { [kw]: n[kw] }, ctx))) continue;
    const at = joinPointer(pointer, kw);
    if (n[kw] === undefined) add(ctx, at, 'keyword-removed', `"${kw}" removed`);
    else add(ctx, at, 'keyword-changed', `"${kw}" ${o[kw] === undefined ? 'added' : 'changed'} (not analysed; assumed to narrow)`);
  }
}

/**
 * Compare two versions of one schema: the instance step (what historical instances need), the table step (what
 * the curated `_v<MODEL>` table needs, `table-step.ts`), and whether the declared step covers the larger.
 * @param from - the older version
 * @param to - the newer version (expected; a lower or equal version is reported as not sufficient)
 * @param opts - `history`: the versions of `from`'s MODEL below `from`, oldest first, whose columns the table also
 *   holds (`checkTableStep`); @default - none: the table is `from`'s columns
 * @returns the verdict with every reason of both steps; `required` is the larger step
 * @throws ContractError when the two are not the same vendor/name, or a `$ref` does not resolve (local, or `iglu:`
 *   to a schema not in {@link Contract.refs})
 */
export function checkCompatibility(from: Contract, to: Contract, opts: TableStepOptions = {}): CompatibilityReport {
  if (from.uri.vendor !== to.uri.vendor || from.uri.name !== to.uri.name) {
    throw new ContractError(to.file, '/self', `cannot compare ${from.id} with ${to.id}: different vendor/name`);
  }
  const ctx: Ctx = {
    oldSide: sideOf(from),
    newSide: sideOf(to),
    reasons: [],
    depth: 0,
  };
  compareSchemas(ctx.oldSide.root, ctx.newSide.root, '', ctx, 'root');
  const instanceStep = ctx.reasons.reduce<SchemaVerStep | 'NONE'>((acc, r) => maxStepOrNone(acc, r.step), 'NONE');
  const table = checkTableStep(from, to, opts);
  const required = maxStepOrNone(instanceStep, table.step);
  const decidedBy = required === 'NONE' ? 'none' : instanceStep === table.step ? 'both' : required === instanceStep ? 'instance' : 'table';
  const declared = declaredStep(from.uri.version, to.uri.version) ?? 'NONE';
  const higher = compareSchemaVer(to.uri.version, from.uri.version) > 0;
  const sufficient = higher && declared !== 'NONE' && (required === 'NONE' || stepSeverity(declared) >= stepSeverity(required));
  return {
    from: from.id,
    to: to.id,
    declared,
    required,
    sufficient,
    reasons: ctx.reasons,
    instanceStep,
    tableStep: table.step,
    tableReasons: table.reasons,
    ...(table.skipped === undefined ? {} : { tableSkipped: table.skipped }),
    ...(table.history === undefined ? {} : { tableHistory: table.history }),
    decidedBy,
  };
}

/** Which step set the verdict, in words, for the human output. */
export function describeDecision(report: CompatibilityReport): string {
  const steps = `instance step ${report.instanceStep}, table step ${report.tableStep}`;
  switch (report.decidedBy) {
    case 'none':
      return `nothing changed for instances or the table (${steps}): the smallest bump, ADDITION, suffices`;
    case 'both':
      return `both steps require ${report.required} (${steps})`;
    case 'instance':
      return `the instance step decides (${steps})`;
    case 'table':
      return `the table step decides (${steps})`;
  }
}

/**
 * The report for humans: a head line (declared, required, verdict, and which step decided), then one line per
 * reason: `<STEP> <pointer> [<rule>] <message>` for the instance step, `<STEP> column <column> [<rule>] <message>`
 * for the table step.
 */
export function formatReport(report: CompatibilityReport): string {
  const head = `${report.from} → ${report.to}: declared ${report.declared}, required ${report.required}: ${report.sufficient ? 'sufficient' : 'NOT sufficient'} — ${describeDecision(report)}`;
  const lines = report.reasons.map((r) => `  ${r.step.padEnd(8)} ${r.pointer === '' ? '(root)' : r.pointer} [${r.rule}] ${r.message}`);
  const tableLines = report.tableReasons.map((r) => `  ${r.step.padEnd(8)} column ${r.column} [${r.rule}] ${r.message}`);
  const skipped = report.tableSkipped === undefined ? [] : [`  (table step not computed: ${report.tableSkipped})`];
  return [head, ...lines, ...tableLines, ...skipped].join('\n');
}

/** Render {@link COMPATIBILITY_RULES} as a Markdown table (for the README). */
export function renderCompatibilityRulesMarkdown(): string {
  return ['| rule | step | meaning |', '|---|---|---|', ...COMPATIBILITY_RULES.map((r) => `| \`${r.id}\` | ${r.step} | ${r.description} |`)].join('\n');
}

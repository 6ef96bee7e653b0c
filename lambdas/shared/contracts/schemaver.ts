/**
 * SchemaVer and Iglu URIs.
 *
 * SchemaVer is `MODEL-REVISION-ADDITION` (Snowplow, "Introducing SchemaVer for semantic
 * versioning of schemas", 2014; Iglu docs "Common architecture → SchemaVer"):
 * - ADDITION: every instance valid under the previous version stays valid;
 * - REVISION: the change may invalidate some historical instances;
 * - MODEL: a breaking redesign; a new table (`<name>_v<MODEL>`) in the lake.
 * MODEL starts at 1; REVISION and ADDITION at 0; no leading zeros.
 *
 * An Iglu URI names one version of one schema: `iglu:<vendor>/<name>/<format>/<version>`
 * (Iglu docs "Iglu schema URIs"); Lakeforge accepts only the `jsonschema` format.
 */
import { ContractError } from './contract-error';

/** A parsed SchemaVer version. All parts are non-negative integers; `model` ≥ 1. */
export interface SchemaVer {
  /** Breaking redesign counter (≥ 1). */
  readonly model: number;
  /** Counter of changes that may invalidate historical data (≥ 0). */
  readonly revision: number;
  /** Counter of changes compatible with all historical data (≥ 0). */
  readonly addition: number;
}

/** The SchemaVer components, from the least to the most disruptive. */
export type SchemaVerStep = 'ADDITION' | 'REVISION' | 'MODEL';

/** Ordered steps, least disruptive first; index = severity. */
export const SCHEMAVER_STEPS: readonly SchemaVerStep[] = ['ADDITION', 'REVISION', 'MODEL'];

/** Severity of a step (ADDITION 0 < REVISION 1 < MODEL 2) for comparisons. */
export function stepSeverity(step: SchemaVerStep): number {
  return SCHEMAVER_STEPS.indexOf(step);
}

/** The more disruptive of two steps. */
export function maxStep(a: SchemaVerStep, b: SchemaVerStep): SchemaVerStep {
  return stepSeverity(a) >= stepSeverity(b) ? a : b;
}

/** The more disruptive of two steps where `NONE` (nothing changed) is below ADDITION. */
export function maxStepOrNone(a: SchemaVerStep | 'NONE', b: SchemaVerStep | 'NONE'): SchemaVerStep | 'NONE' {
  if (a === 'NONE') return b;
  return b === 'NONE' ? a : maxStep(a, b);
}

const SCHEMAVER_RE = /^(0|[1-9]\d*)-(0|[1-9]\d*)-(0|[1-9]\d*)$/;

/**
 * Parse `M-R-A`.
 * @param text - e.g. `1-0-2`
 * @param where - file or URI for the error message
 * @throws ContractError when the text is not three dash-separated integers without leading
 *   zeros, when MODEL is 0, or when a part exceeds `Number.MAX_SAFE_INTEGER`.
 */
export function parseSchemaVer(text: string, where = '<input>'): SchemaVer {
  const m = SCHEMAVER_RE.exec(text);
  if (m === null) {
    throw new ContractError(
      where,
      '',
      `invalid SchemaVer "${text}": expected MODEL-REVISION-ADDITION, three non-negative integers without leading zeros (e.g. 1-0-0)`,
    );
  }
  const [model, revision, addition] = [m[1], m[2], m[3]].map(Number);
  if ([model, revision, addition].some((n) => !Number.isSafeInteger(n))) {
    throw new ContractError(where, '', `invalid SchemaVer "${text}": a component is too large`);
  }
  if (model === 0) {
    throw new ContractError(where, '', `invalid SchemaVer "${text}": MODEL starts at 1`);
  }
  return { model, revision, addition };
}

/** Render `M-R-A`. */
export function renderSchemaVer(v: SchemaVer): string {
  return `${v.model}-${v.revision}-${v.addition}`;
}

/** Total order: negative when `a` < `b`, 0 when equal, positive when `a` > `b`. */
export function compareSchemaVer(a: SchemaVer, b: SchemaVer): number {
  return a.model - b.model || a.revision - b.revision || a.addition - b.addition;
}

/**
 * The highest component that changed from `from` to `to`, or `undefined` when equal.
 * Does not judge direction; use {@link compareSchemaVer} for that.
 */
export function declaredStep(from: SchemaVer, to: SchemaVer): SchemaVerStep | undefined {
  if (from.model !== to.model) return 'MODEL';
  if (from.revision !== to.revision) return 'REVISION';
  if (from.addition !== to.addition) return 'ADDITION';
  return undefined;
}

/**
 * True when `to` is the next version after `from` at the given step, e.g. 1-0-2 → 1-1-0 is the
 * next REVISION. Iglu does not forbid gaps, but Lakeforge's CI gate reports them.
 */
export function isNextVersion(from: SchemaVer, to: SchemaVer): boolean {
  const step = declaredStep(from, to);
  switch (step) {
    case 'MODEL':
      return to.model === from.model + 1 && to.revision === 0 && to.addition === 0;
    case 'REVISION':
      return to.model === from.model && to.revision === from.revision + 1 && to.addition === 0;
    case 'ADDITION':
      return to.model === from.model && to.revision === from.revision && to.addition === from.addition + 1;
    default:
      return false;
  }
}

/** A parsed Iglu URI (format is always `jsonschema` in Lakeforge). */
export interface IgluUri {
  /** Reverse-domain vendor, e.g. `com.lakeforge.ott`. Characters: `[A-Za-z0-9_.-]`. */
  readonly vendor: string;
  /** Schema name, e.g. `rating_submitted`. Characters: `[A-Za-z0-9_-]`. */
  readonly name: string;
  /** Always `jsonschema`. */
  readonly format: 'jsonschema';
  /** The version. */
  readonly version: SchemaVer;
}

/** Allowed vendor characters (Iglu: reverse domain; `_` and `-` also occur in Iglu Central). */
export const VENDOR_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
/** Allowed schema name characters. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Parse `iglu:<vendor>/<name>/jsonschema/<M-R-A>`.
 * @param text - the URI
 * @param where - file for the error message; defaults to the URI itself
 * @throws ContractError naming the bad part (scheme, vendor, name, format, version).
 */
export function parseIgluUri(text: string, where?: string): IgluUri {
  const at = where ?? text;
  if (!text.startsWith('iglu:')) {
    throw new ContractError(at, '', `invalid Iglu URI "${text}": must start with "iglu:"`);
  }
  const parts = text.slice('iglu:'.length).split('/');
  if (parts.length !== 4) {
    throw new ContractError(
      at,
      '',
      `invalid Iglu URI "${text}": expected iglu:<vendor>/<name>/jsonschema/<MODEL-REVISION-ADDITION>, found ${parts.length} path segments`,
    );
  }
  const [vendor, name, format, version] = parts;
  if (!VENDOR_RE.test(vendor)) {
    throw new ContractError(at, '', `invalid Iglu URI "${text}": vendor "${vendor}" must match ${VENDOR_RE}`);
  }
  if (!NAME_RE.test(name)) {
    throw new ContractError(at, '', `invalid Iglu URI "${text}": name "${name}" must match ${NAME_RE}`);
  }
  if (format !== 'jsonschema') {
    throw new ContractError(at, '', `invalid Iglu URI "${text}": format "${format}" is not supported (only "jsonschema")`);
  }
  return { vendor, name, format, version: parseSchemaVer(version, at) };
}

/** Render an Iglu URI: `iglu:<vendor>/<name>/jsonschema/<M-R-A>`. */
export function renderIgluUri(uri: IgluUri): string {
  return `iglu:${uri.vendor}/${uri.name}/${uri.format}/${renderSchemaVer(uri.version)}`;
}

/**
 * Order URIs by vendor, name (string order), then version (SchemaVer order).
 * @returns negative, 0 or positive like `Array.prototype.sort` comparators
 */
export function compareIgluUri(a: IgluUri, b: IgluUri): number {
  const byKey = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return byKey(a.vendor, b.vendor) || byKey(a.name, b.name) || compareSchemaVer(a.version, b.version);
}

/** `<vendor>/<name>`: the identity of a schema across its versions. */
export function schemaKey(uri: Pick<IgluUri, 'vendor' | 'name'>): string {
  return `${uri.vendor}/${uri.name}`;
}

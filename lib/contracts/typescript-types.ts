/**
 * TypeScript types for producers, generated from contracts (`lib/generated/contract-types.ts`):
 * one interface per contract version (e.g. `ComLakeforgeOttRatingSubmitted_1_0_0`), a map from
 * Iglu URI to data type, and the union of stream envelopes.
 *
 * Mapping (JSON Schema → TypeScript): string → `string`; integer/number → `number`;
 * boolean → `boolean`; null → `null`; type unions → `A | B`; enum/const → literal unions;
 * object → object type (optional unless `required`; an index signature `[key: string]: unknown`
 * unless `additionalProperties: false`; a schema-valued `additionalProperties` types the index);
 * array → `T[]` (tuple-form `items` → `unknown[]`); anyOf/oneOf → union; allOf → intersection;
 * local `$ref` and `iglu:` `$ref` to a schema of the same folder → inlined; no `type` → `unknown`. Constraints (ranges, lengths, patterns, formats)
 * are not expressible and appear in the JSDoc only through the description.
 */
import { ContractError, joinPointer } from './contract-error';
import { Contract, JsonObject, JsonValue, isIgluRef, isJsonObject, resolveIgluRef, resolveLocalRef } from './contract';
import { compareIgluUri, renderSchemaVer } from './schemaver';

const IDENT_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_REF_DEPTH = 32;

/** PascalCase of a dotted/underscored/dashed identifier: `com.lakeforge.ott` → `ComLakeforgeOtt`. */
export function pascalCase(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}

/** Interface name of a contract version: `<Vendor><Name>_<M>_<R>_<A>`. */
export function contractTypeName(contract: Pick<Contract, 'uri'>): string {
  const { vendor, name, version } = contract.uri;
  return `${pascalCase(vendor)}${pascalCase(name)}_${renderSchemaVer(version).replace(/-/g, '_')}`;
}

const doc = (text: JsonValue | undefined, indent: string): string =>
  typeof text === 'string' && text.trim() !== '' ? `${indent}/** ${text.replace(/\*\//g, '*\\/').replace(/\s*\n\s*/g, ' ')} */\n` : '';

interface Ctx {
  readonly root: JsonObject;
  /** Schemas of the same registry an `iglu:` `$ref` names ({@link Contract.refs}). */
  readonly refs: Readonly<Record<string, JsonObject>> | undefined;
  readonly file: string;
  readonly refDepth: number;
}

function renderType(schema: JsonValue, pointer: string, indent: string, ctx: Ctx): string {
  if (schema === true) return 'unknown';
  if (schema === false) return 'never';
  if (!isJsonObject(schema)) throw new ContractError(ctx.file, pointer, 'expected a schema object');
  if (typeof schema.$ref === 'string') {
    if (ctx.refDepth >= MAX_REF_DEPTH) throw new ContractError(ctx.file, pointer, `$ref chain deeper than ${MAX_REF_DEPTH} (recursive schema?)`);
    if (isIgluRef(schema.$ref)) {
      const remote = resolveIgluRef(ctx.refs, schema.$ref, ctx.file, pointer);
      return renderType(remote.schema, remote.pointer, indent, { ...ctx, root: remote.root, refDepth: ctx.refDepth + 1 });
    }
    const target = resolveLocalRef(ctx.root, schema.$ref, ctx.file, pointer);
    return renderType(target.schema, target.pointer, indent, { ...ctx, refDepth: ctx.refDepth + 1 });
  }
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ') || 'never';
  for (const kw of ['anyOf', 'oneOf'] as const) {
    const list = schema[kw];
    if (Array.isArray(list)) return list.map((s, i) => `(${renderType(s, joinPointer(pointer, kw, i), indent, ctx)})`).join(' | ');
  }
  if (Array.isArray(schema.allOf)) {
    return schema.allOf.map((s, i) => `(${renderType(s, joinPointer(pointer, 'allOf', i), indent, ctx)})`).join(' & ');
  }
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type : undefined;
  if (types === undefined) return isJsonObject(schema.properties) ? renderObject(schema, pointer, indent, ctx) : 'unknown';
  return types
    .map((t) => {
      switch (t) {
        case 'string':
          return 'string';
        case 'integer':
        case 'number':
          return 'number';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'array':
          return isJsonObject(schema.items) || typeof schema.items === 'boolean'
            ? `Array<${renderType(schema.items, joinPointer(pointer, 'items'), indent, ctx)}>`
            : 'unknown[]';
        case 'object':
          return renderObject(schema, pointer, indent, ctx);
        default:
          throw new ContractError(ctx.file, joinPointer(pointer, 'type'), `unknown type ${JSON.stringify(t)}`);
      }
    })
    .join(' | ');
}

function renderObject(schema: JsonObject, pointer: string, indent: string, ctx: Ctx): string {
  const props = isJsonObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : []);
  const inner = `${indent}  `;
  const lines = Object.entries(props).map(([name, sub]) => {
    const key = IDENT_RE.test(name) ? name : JSON.stringify(name);
    const type = renderType(sub, joinPointer(pointer, 'properties', name), inner, ctx);
    return `${doc(isJsonObject(sub) ? sub.description : undefined, inner)}${inner}${key}${required.has(name) ? '' : '?'}: ${type};\n`;
  });
  const ap = schema.additionalProperties;
  if (ap !== false) {
    const valueType = isJsonObject(ap) ? renderType(ap, joinPointer(pointer, 'additionalProperties'), inner, ctx) : 'unknown';
    // An index signature must admit every declared property's type, so widen to unknown unless there are none.
    lines.push(`${inner}[key: string]: ${Object.keys(props).length === 0 ? valueType : 'unknown'};\n`);
  }
  return lines.length === 0 ? 'Record<string, never>' : `{\n${lines.join('')}${indent}}`;
}

/**
 * The TypeScript type of a contract's `data`.
 * @throws ContractError for unresolvable `$ref`s or unknown `type` values (file + pointer)
 */
export function renderDataType(contract: Contract): string {
  return renderType(contract.schema, '', '', { root: contract.schema, refs: contract.refs, file: contract.file, refDepth: 0 });
}

/**
 * Render `lib/generated/contract-types.ts`. Deterministic (sorted by URI).
 * @throws ContractError when two contracts share a type name or a schema cannot be rendered
 */
export function renderContractTypes(contracts: readonly Contract[]): string {
  const sorted = [...contracts].sort((a, b) => compareIgluUri(a.uri, b.uri));
  const names = new Map<string, string>();
  const out: string[] = [
    '// Generated by `lakeforge contracts build` from config/contracts. Do not edit:',
    '// change the contract and run `npx tsx tools/commands/contracts.ts build`.',
    '/* eslint-disable */',
    '',
  ];
  for (const c of sorted) {
    const name = contractTypeName(c);
    const clash = names.get(name);
    if (clash !== undefined) throw new ContractError(c.file, '/self', `type name ${name} is used by ${clash} too`);
    names.set(name, c.id);
    const type = renderDataType(c);
    const description = typeof c.schema.description === 'string' ? `${c.schema.description} ` : '';
    out.push(`/** ${description}Data of \`${c.id}\`. */`.replace(/\s*\n\s*/g, ' '));
    out.push(type.startsWith('{') ? `export interface ${name} ${type}` : `export type ${name} = ${type};`);
    out.push('');
  }
  out.push('/** Data type per full Iglu URI. */');
  out.push('export interface ContractDataByUri {');
  for (const c of sorted) out.push(`  ${JSON.stringify(c.id)}: ${contractTypeName(c)};`);
  out.push('}', '');
  out.push('/** Every known contract URI. */');
  out.push('export type ContractUri = keyof ContractDataByUri;', '');
  out.push('/** Every known contract URI, sorted (vendor, name, SchemaVer). */');
  out.push(`export const CONTRACT_URIS: readonly ContractUri[] = [${sorted.map((c) => `\n  ${JSON.stringify(c.id)},`).join('')}${sorted.length > 0 ? '\n' : ''}];`, '');
  out.push(
    '/**',
    ' * One Kinesis record: the stream envelope of the cross-team conventions.',
    ' * `event_id` is a UUID; `event_time` an RFC 3339 timestamp.',
    ' */',
    'export interface ContractEnvelope<U extends ContractUri = ContractUri> {',
    '  schema: U;',
    '  data: ContractDataByUri[U];',
    '  event_id: string;',
    '  event_time: string;',
    '}',
    '',
    '/** Union of the envelopes of every contract version (discriminated by `schema`). */',
    'export type AnyContractEnvelope = { [U in ContractUri]: ContractEnvelope<U> }[ContractUri];',
    '',
  );
  return out.join('\n');
}

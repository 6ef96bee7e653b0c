import fc from 'fast-check';
import type { JsonObject } from '../../lib/contracts/contract';
import { checkCompatibility } from '../../lib/contracts/compatibility';
import { contractColumns } from '../../lib/contracts/glue-types';
import { SchemaVerStep, stepSeverity } from '../../lib/contracts/schemaver';
import { GlueTypeNode, parseGlueType } from '../../lib/contracts/table-step';
import { contractOf } from './contract-factory';

/**
 * The table step against the column diff: for random contracts and random edits (properties retyped, added,
 * removed, reordered, nested), the verdict's table step is never lower than what the curated columns imply on
 * their own — any leaf (primitive, or the array/map/struct shape of a path) changed other than by one of
 * Iceberg's promotions needs MODEL, a new leaf or a promotion at least ADDITION, a leaf gone nothing (the table
 * keeps it) — and `required` is never lower than the table step.
 */
const NAMES = ['a', 'b', 'c', 'd'] as const;

const scalar = fc.constantFrom<JsonObject>(
  { type: 'integer', minimum: 0, maximum: 9 },
  { type: 'integer' },
  { type: 'number' },
  { type: 'string' },
  { type: 'string', format: 'date-time' },
  { type: 'string', format: 'date' },
  { type: 'boolean' },
  { enum: ['x', 'y'] },
  { type: ['integer', 'null'], minimum: 0, maximum: 9 },
  { type: 'object' },
);
const shape: fc.Arbitrary<JsonObject> = fc.letrec<{ node: JsonObject }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: scalar, weight: 4 },
    { arbitrary: fc.record({ items: tie('node') }).map(({ items }) => ({ type: 'array', items })), weight: 1 },
    { arbitrary: tie('node').map((v) => ({ type: 'object', additionalProperties: v })), weight: 1 },
    { arbitrary: fc.dictionary(fc.constantFrom(...NAMES), tie('node'), { minKeys: 1, maxKeys: 3 }).map((properties) => ({ type: 'object', properties })), weight: 1 },
  ),
})).node;

const root = fc.dictionary(fc.constantFrom(...NAMES), shape, { minKeys: 1, maxKeys: 4 });

type Edit = { kind: 'retype' | 'add'; name: string; schema: JsonObject } | { kind: 'remove'; name: string } | { kind: 'reverse' };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('retype' as const, 'add' as const), name: fc.constantFrom(...NAMES, 'e'), schema: shape }),
  fc.record({ kind: fc.constant('remove' as const), name: fc.constantFrom(...NAMES) }),
  fc.constant({ kind: 'reverse' as const }),
);

function apply(props: Record<string, JsonObject>, e: Edit): Record<string, JsonObject> {
  const next = { ...props };
  if (e.kind === 'retype' || e.kind === 'add') next[e.name] = e.schema;
  if (e.kind === 'remove' && Object.keys(next).length > 1) delete next[e.name];
  return e.kind === 'reverse' ? Object.fromEntries(Object.entries(next).reverse()) : next;
}

const body = (properties: Record<string, JsonObject>): JsonObject => ({ type: 'object', properties, additionalProperties: false });

/** Every path of a type with what sits there: a primitive's text, or `array`/`map`/`struct`. */
function leaves(t: GlueTypeNode, at: string, out: Map<string, GlueTypeNode | string>): Map<string, GlueTypeNode | string> {
  if (t.kind === 'primitive') return out.set(at, t);
  out.set(at, t.kind);
  if (t.kind === 'array') leaves(t.element, `${at}[]`, out);
  if (t.kind === 'map') leaves(t.value, `${at}{value}`, leaves(t.key, `${at}{key}`, out));
  if (t.kind === 'struct') for (const f of t.fields) leaves(f.type, `${at}.${f.name}`, out);
  return out;
}

/** Iceberg's primitive promotions (spec, "Schema Evolution"), stated independently of the code under test. */
const PROMOTIONS = new Set(['int→bigint', 'float→double']);
function promoted(a: GlueTypeNode, b: GlueTypeNode): boolean {
  if (a.kind !== 'primitive' || b.kind !== 'primitive') return false;
  if (PROMOTIONS.has(`${a.name}→${b.name}`)) return true;
  return a.name === 'decimal' && b.name === 'decimal' && a.params[1] === b.params[1] && b.params[0] > a.params[0];
}

/**
 * The step the column lists imply by themselves, for a table that keeps its history (a column or field no longer
 * declared stays in the table): a leaf of the new version that the old one had in another shape, or with another
 * primitive that is not one of Iceberg's promotions, needs MODEL; a new leaf or a promotion needs ADDITION; leaves
 * the new version no longer has, or has with a type the old one promotes to (narrower), change nothing.
 */
function impliedStep(before: readonly { name: string; type: string }[], after: readonly { name: string; type: string }[]): SchemaVerStep | 'NONE' {
  const oldLeaves = new Map<string, GlueTypeNode | string>();
  for (const c of before) leaves(parseGlueType(c.type), c.name, oldLeaves);
  let step: SchemaVerStep | 'NONE' = 'NONE';
  for (const c of after) {
    for (const [p, w] of leaves(parseGlueType(c.type), c.name, new Map())) {
      const v = oldLeaves.get(p);
      if (v === undefined) step = 'ADDITION';
      else if (typeof v === 'string' || typeof w === 'string') {
        if (v !== w) return 'MODEL';
      } else if (JSON.stringify(v) !== JSON.stringify(w)) {
        if (promoted(w, v)) continue; // narrower than the column: the table keeps the wider type
        if (!promoted(v, w)) return 'MODEL';
        step = 'ADDITION';
      }
    }
  }
  return step;
}

const severity = (s: SchemaVerStep | 'NONE'): number => (s === 'NONE' ? -1 : stepSeverity(s));

describe('table step (property)', () => {
  it('is never lower than what the curated column diff implies, and required never lower than the table step', () => {
    let models = 0;
    let additions = 0;
    fc.assert(
      fc.property(root, fc.array(edit, { minLength: 1, maxLength: 3 }), (props, edits) => {
        const before = contractOf(body(props), '1-0-0');
        const after = contractOf(body(edits.reduce(apply, props)), '1-0-1');
        const report = checkCompatibility(before, after);
        expect(report.tableSkipped).toBeUndefined();
        const oldColumns = contractColumns(before, { zone: 'curated' });
        const newColumns = contractColumns(after, { zone: 'curated' });
        const implied = impliedStep(oldColumns, newColumns);
        expect(severity(report.tableStep)).toBeGreaterThanOrEqual(severity(implied));
        if (implied === 'NONE') expect(report.tableStep).toBe('NONE');
        expect(severity(report.required)).toBeGreaterThanOrEqual(severity(report.tableStep));
        // Column by column too, so that one column's MODEL cannot hide another column's missed change.
        for (const c of oldColumns) {
          const mine = (cs: readonly { name: string; type: string }[]) => cs.filter((x) => x.name === c.name);
          const columnImplied = impliedStep(mine(oldColumns), mine(newColumns));
          const reasons = report.tableReasons.filter((r) => r.column === c.name || /^[.[{]/.test(r.column.slice(c.name.length)) && r.column.startsWith(c.name));
          const columnStep = reasons.reduce((acc, r) => Math.max(acc, stepSeverity(r.step)), -1);
          expect(columnStep).toBeGreaterThanOrEqual(severity(columnImplied));
        }
        if (implied === 'MODEL') models += 1;
        if (implied === 'ADDITION') additions += 1;
      }),
      { numRuns: 500 },
    );
    // Not vacuous: both kinds of column change occur.
    expect(models).toBeGreaterThan(30);
    expect(additions).toBeGreaterThan(30);
  });
});

import fc from 'fast-check';
import { compareColumns, mergeColumnHistory, parseGlueType, type GlueTypeNode } from '../../lib/contracts/table-step';

/**
 * The table's history (mergeColumnHistory) only ever grows: for random histories of 1–4 versions of random Glue
 * columns, going from the history of the first k versions to the first k+1 never removes or reorders a column or
 * a struct field (compareColumns finds none of those rules), and every leaf path a version declared is still in
 * the table unless a later version changed the shape above it.
 */
const NAMES = ['a', 'b', 'c', 'd'];
const primitive = fc.constantFrom('int', 'bigint', 'double', 'string', 'boolean', 'timestamp');
const type: fc.Arbitrary<string> = fc.letrec<{ t: string }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: primitive, weight: 4 },
    { arbitrary: tie('t').map((e) => `array<${e}>`), weight: 1 },
    { arbitrary: tie('t').map((v) => `map<string,${v}>`), weight: 1 },
    {
      arbitrary: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }).chain((names) =>
        fc.tuple(...names.map(() => tie('t'))).map((types) => `struct<${names.map((n, i) => `${n}:${types[i]}`).join(',')}>`),
      ),
      weight: 2,
    },
  ),
})).t;
const version = fc
  .uniqueArray(fc.constantFrom(...NAMES), { maxLength: 4 })
  .chain((names) => fc.tuple(...names.map(() => type)).map((types) => names.map((name, i) => ({ name, type: types[i], sourcePointer: `/properties/${name}`, nullable: false }))));

function leafPaths(t: GlueTypeNode, at: string, out: Map<string, string>): Map<string, string> {
  out.set(at, t.kind === 'primitive' ? t.name : t.kind);
  if (t.kind === 'array') leafPaths(t.element, `${at}[]`, out);
  if (t.kind === 'map') leafPaths(t.value, `${at}{value}`, out);
  if (t.kind === 'struct') for (const f of t.fields) leafPaths(f.type, `${at}.${f.name}`, out);
  return out;
}
const pathsOf = (cs: readonly { name: string; type: string }[]): Map<string, string> => {
  const out = new Map<string, string>();
  for (const c of cs) leafPaths(parseGlueType(c.type), c.name, out);
  return out;
};

describe('mergeColumnHistory (property)', () => {
  it('only appends: no column or field is removed or reordered, and declared paths survive unless reshaped', () => {
    let appended = 0;
    fc.assert(
      fc.property(fc.array(version, { minLength: 1, maxLength: 4 }), (versions) => {
        for (let k = 1; k < versions.length; k += 1) {
          const reasons = compareColumns(mergeColumnHistory(versions.slice(0, k)), mergeColumnHistory(versions.slice(0, k + 1)));
          expect(reasons.filter((r) => ['column-removed', 'struct-field-removed', 'struct-fields-reordered', 'column-moved'].includes(r.rule))).toEqual([]);
          appended += reasons.filter((r) => r.rule === 'struct-field-added' || r.rule === 'column-added').length;
        }
        const final = pathsOf(mergeColumnHistory(versions));
        versions.forEach((v, i) => {
          const later = versions.slice(i + 1).map(pathsOf);
          const mine = pathsOf(v);
          for (const p of mine.keys()) {
            // A later version that gives p, or a path above it, another shape (kind or primitive) replaces it.
            const above = [...mine.keys()].filter((q) => q === p || (p.startsWith(q) && /^[.[{]/.test(p.slice(q.length))));
            const reshaped = later.some((l) => above.some((q) => l.has(q) && l.get(q) !== mine.get(q)));
            if (!reshaped) expect(final.has(p)).toBe(true);
          }
        });
      }),
      { numRuns: 300 },
    );
    expect(appended).toBeGreaterThan(50);
  });
});

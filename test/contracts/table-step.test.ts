import { compareColumns, isIcebergPromotion, mergeColumnHistory, parseGlueType, renderGlueType, TABLE_EVOLUTION_RULES, renderTableEvolutionRulesMarkdown } from '../../lib/contracts/table-step';

/** Columns from `name:type` pairs (the pointer is the property's). */
const cols = (...specs: string[]): { name: string; type: string; sourcePointer: string }[] =>
  specs.map((s) => {
    const at = s.indexOf(':');
    return { name: s.slice(0, at), type: s.slice(at + 1), sourcePointer: `/properties/${s.slice(0, at)}` };
  });

describe('Glue types', () => {
  it.each([
    ['int', 'int'],
    ['decimal( 10 , 2 )', 'decimal(10,2)'],
    ['ARRAY<STRUCT<a: INT, `from`: map<string,array<double>>>>', 'array<struct<a:int,from:map<string,array<double>>>>'],
    ['struct<>', 'struct<>'],
  ])('parses %s', (text, rendered) => {
    expect(renderGlueType(parseGlueType(text))).toBe(rendered);
  });

  it.each(['array<int', 'map<string>', 'struct<a int>', 'decimal(10,)', 'int extra'])('refuses %s, naming the type', (text) => {
    expect(() => parseGlueType(text)).toThrow(new RegExp(`cannot parse Glue type "${text.replace(/[()[\]]/g, '\\$&')}"`));
  });

  // Iceberg spec "Schema Evolution": int → long, float → double, decimal(P,S) → decimal(P',S) with P' > P.
  it.each<[string, string, boolean]>([
    ['int', 'bigint', true],
    ['float', 'double', true],
    ['decimal(10,2)', 'decimal(12,2)', true],
    ['decimal(10,2)', 'decimal(10,2)', false],
    ['decimal(10,2)', 'decimal(12,3)', false],
    ['decimal(12,2)', 'decimal(10,2)', false],
    ['bigint', 'int', false],
    ['int', 'double', false],
    ['bigint', 'double', false],
    ['date', 'timestamp', false],
    ['timestamp', 'string', false],
  ])('%s → %s is an Iceberg promotion: %s', (from, to, promoted) => {
    expect(isIcebergPromotion(parseGlueType(from), parseGlueType(to))).toBe(promoted);
  });
});

describe('compareColumns', () => {
  const stepOf = (rule: string): string => TABLE_EVOLUTION_RULES.find((r) => r.id === rule)?.step ?? '?';

  it.each<[string, string[], string[], string, string]>([
    ['decimal precision widened', ['price:decimal(10,2)'], ['price:decimal(12,2)'], 'column-type-promoted', 'price'],
    ['decimal scale changed', ['price:decimal(10,2)'], ['price:decimal(12,4)'], 'column-type-changed', 'price'],
    ['float → double inside a map value', ['m:map<string,float>'], ['m:map<string,double>'], 'column-type-promoted', 'm{value}'],
    ['map key retyped', ['m:map<int,string>'], ['m:map<string,string>'], 'column-type-changed', 'm{key}'],
    ['a struct field promoted inside an array', ['a:array<struct<x:int>>'], ['a:array<struct<x:bigint>>'], 'column-type-promoted', 'a[].x'],
    ['struct → string', ['a:struct<x:int>'], ['a:string'], 'column-type-changed', 'a'],
    ['string → struct', ['a:string'], ['a:struct<x:int>'], 'column-type-changed', 'a'],
    ['array → string', ['a:array<string>'], ['a:string'], 'column-type-changed', 'a'],
    ['a nested struct field appended', ['a:struct<b:struct<x:int>>'], ['a:struct<b:struct<x:int,y:int>>'], 'struct-field-added', 'a.b.y'],
    ['nested struct fields swapped', ['a:struct<x:int,y:int>'], ['a:struct<y:int,x:int>'], 'struct-fields-reordered', 'a'],
    ['a column dropped', ['a:int', 'b:int'], ['a:int'], 'column-removed', 'b'],
    ['a column added in the middle', ['a:int', 'c:int'], ['a:int', 'b:int', 'c:int'], 'column-added', 'b'],
  ])('%s: %s', (_what, before, after, rule, column) => {
    expect(compareColumns(cols(...before), cols(...after))).toEqual(expect.arrayContaining([expect.objectContaining({ rule, column, step: stepOf(rule) })]));
  });

  it('finds nothing when only the case of a column name differs', () => {
    expect(compareColumns(cols('Device:string'), cols('device:string'))).toEqual([]);
  });

  it('documents every rule once, and the table renders them', () => {
    expect(new Set(TABLE_EVOLUTION_RULES.map((r) => r.id)).size).toBe(TABLE_EVOLUTION_RULES.length);
    expect(renderTableEvolutionRulesMarkdown().split('\n')).toHaveLength(TABLE_EVOLUTION_RULES.length + 2);
  });
});

describe('mergeColumnHistory', () => {
  const hist = (...versions: string[][]) => versions.map((v) => cols(...v).map((c) => ({ ...c, nullable: false })));
  const render = (cs: readonly { name: string; type: string; nullable: boolean }[]) => cs.map((c) => `${c.name}:${c.type}${c.nullable ? '?' : ''}`);

  it.each<[string, string[][], string[]]>([
    ['one version: its columns', [['a:int', 'b:struct<x:int>']], ['a:int', 'b:struct<x:int>']],
    ['a field inserted mid-struct is appended', [['a:struct<x:int,z:int>'], ['a:struct<x:int,y:int,z:int>']], ['a:struct<x:int,z:int,y:int>']],
    ['a dropped column stays, nullable', [['a:int', 'b:string'], ['a:int']], ['a:int', 'b:string?']],
    ['a dropped field stays', [['a:struct<x:int,y:int>'], ['a:struct<y:int>']], ['a:struct<x:int,y:int>']],
    ['reorders keep the first order', [['a:int', 'b:struct<x:int,y:int>'], ['b:struct<y:int,x:int>', 'a:int']], ['a:int', 'b:struct<x:int,y:int>']],
    ['types follow the latest version (a promotion)', [['a:struct<x:int>'], ['a:struct<x:bigint,y:int>']], ['a:struct<x:bigint,y:int>']],
    ['inside arrays and map values', [['a:array<struct<x:int,z:int>>', 'm:map<string,struct<p:int>>'], ['a:array<struct<y:int,z:int>>', 'm:map<string,struct<q:int>>']], ['a:array<struct<x:int,z:int,y:int>>', 'm:map<string,struct<p:int,q:int>>']],
    ['a dropped column comes back with a new type', [['a:int'], [], ['a:string']], ['a:string']],
    ['a narrower type keeps the wider column (bigint then int, double then float, a smaller decimal precision)', [['a:bigint', 'b:struct<x:double>', 'c:decimal(12,2)'], ['a:int', 'b:struct<x:float>', 'c:decimal(10,2)']], ['a:bigint', 'b:struct<x:double>', 'c:decimal(12,2)']],
    ['a narrower type that is not a promotion back is a type change', [['a:bigint'], ['a:string']], ['a:string']],
  ])('%s', (_what, versions, merged) => {
    expect(render(mergeColumnHistory(hist(...versions)))).toEqual(merged);
  });

  it('keeps the other properties of the latest version that declares a column', () => {
    const merged = mergeColumnHistory([
      [{ name: 'a', type: 'int', nullable: false, comment: 'old' }],
      [{ name: 'a', type: 'int', nullable: false, comment: 'new' }],
    ]);
    expect(merged).toEqual([{ name: 'a', type: 'int', nullable: false, comment: 'new' }]);
  });

  it('needs at least one version', () => {
    expect(() => mergeColumnHistory([])).toThrow(/at least one version/);
  });
});

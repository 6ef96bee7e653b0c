import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { MAX_LINE_LENGTH, declarationIdentifier, registerInIndex } from '../../lib/scaffold/index-file';
import { ScaffoldError } from '../../lib/scaffold/scaffold-error';
import { camelCase, freshNames } from './fresh-names';

const ROOT = path.join(__dirname, '..', '..');
const read = (p: string): string => fs.readFileSync(path.join(ROOT, p), 'utf8');

/** Element texts of the array literal assigned to `name`, and the module specifiers imported, via the TypeScript parser. */
function parse(source: string, name: string): { elements: string[]; imports: string[]; syntaxErrors: number } {
  const file = ts.createSourceFile('index.ts', source, ts.ScriptTarget.ES2022, true);
  let elements: string[] = [];
  const imports: string[] = [];
  file.forEachChild((node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) imports.push(node.moduleSpecifier.text);
    if (ts.isVariableStatement(node)) {
      for (const d of node.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer !== undefined && ts.isArrayLiteralExpression(d.initializer)) {
          elements = d.initializer.elements.map((e) => e.getText(file));
        }
      }
    }
  });
  const diagnostics = (file as unknown as { parseDiagnostics: readonly unknown[] }).parseDiagnostics;
  return { elements, imports, syntaxErrors: diagnostics.length };
}

describe('registerInIndex', () => {
  // Names no declaration uses, so that a team's own product or mart (e.g. `playback`) never collides with them.
  const fresh = freshNames();
  const product = fresh.product('playback');
  const mart = fresh.mart('daily_plays');
  it.each([
    ['config/products/index.ts', 'PRODUCTS', camelCase(product), `./${product}`],
    ['config/marts/index.ts', 'MARTS', camelCase(mart), `./${mart}`],
  ])('appends a declaration to %s (%s) and imports it after the last import', (file, arrayName, identifier, from) => {
    const before = read(file);
    const after = registerInIndex(before, { file, arrayName, identifier, from });
    const old = parse(before, arrayName);
    const edited = parse(after, arrayName);
    expect(edited.syntaxErrors).toBe(0);
    expect(edited.elements).toEqual([...old.elements, identifier]);
    expect(edited.imports).toEqual([...old.imports, from]);
    // Nothing else changes: removing the two additions gives the original text back.
    expect(after.replace(`\nimport { ${identifier} } from '${from}';`, '').replace(`, ${identifier}]`, ']')).toBe(before);
  });

  it('adds a line in the same indentation to a multi-line array', () => {
    const source = "import { a } from './a';\nimport { b } from './b';\n\nexport const LIST = [\n  a,\n  b,\n];\n";
    expect(registerInIndex(source, { file: 'x.ts', arrayName: 'LIST', identifier: 'c', from: './c' })).toBe(
      "import { a } from './a';\nimport { b } from './b';\nimport { c } from './c';\n\nexport const LIST = [\n  a,\n  b,\n  c,\n];\n",
    );
  });

  it('adds a comma after a last element that has none', () => {
    const source = "import { a } from './a';\nexport const LIST = [\n    a\n];\n";
    expect(parse(registerInIndex(source, { file: 'x.ts', arrayName: 'LIST', identifier: 'c', from: './c' }), 'LIST').elements).toEqual(['a', 'c']);
  });

  it('fills an empty array and handles a file without imports', () => {
    const edited = registerInIndex('export const LIST: readonly string[] = [];\n', { file: 'x.ts', arrayName: 'LIST', identifier: 'c', from: './c' });
    expect(edited).toBe("import { c } from './c';\nexport const LIST: readonly string[] = [c];\n");
  });

  it(`breaks a one-line array into one element per line when it would pass ${MAX_LINE_LENGTH} characters`, () => {
    const names = Array.from({ length: 12 }, (_, i) => `declarationNumber${i}`);
    const source = `${names.map((n) => `import { ${n} } from './${n}';`).join('\n')}\n\nexport const LIST = [${names.join(', ')}];\n`;
    const edited = registerInIndex(source, { file: 'x.ts', arrayName: 'LIST', identifier: 'extra', from: './extra' });
    expect(edited.split('\n').every((l) => l.length <= MAX_LINE_LENGTH)).toBe(true);
    expect(edited).toContain(`export const LIST = [\n  ${names[0]},\n`);
    expect(parse(edited, 'LIST').elements).toEqual([...names, 'extra']);
  });

  it.each([
    ["import { a } from './a';\nexport const LIST = [a];\n", { identifier: 'b', from: './a' }, /\.\/a is already imported/],
    ["import { a } from './a';\nexport const LIST = [a];\n", { identifier: 'a', from: './b' }, /identifier a is already used/],
    ["import { a } from './a';\nexport const OTHER = [a];\n", { identifier: 'b', from: './b' }, /no array literal assigned to LIST/],
    ["import { a } from './a';\nexport const LIST = [a, (b];\n", { identifier: 'c', from: './c' }, /not closed/],
  ])('refuses %j with one line', (source, entry, message) => {
    expect(() => registerInIndex(source, { file: 'x.ts', arrayName: 'LIST', ...entry })).toThrow(ScaffoldError);
    expect(() => registerInIndex(source, { file: 'x.ts', arrayName: 'LIST', ...entry })).toThrow(message);
  });
});

describe('declarationIdentifier', () => {
  it.each([
    ['viewer-engagement', 'viewerEngagement', ''],
    ['daily_plays', 'dailyPlays', ''],
    ['check-products', 'checkProductsProduct', read('config/products/index.ts')],
    ['new', 'newProduct', ''],
    ['default', 'defaultProduct', ''],
  ])('names %s %s (suffixed when reserved or taken in the index)', (name, expected, source) => {
    expect(declarationIdentifier(name, source, 'Product')).toBe(expected);
  });

  it('refuses when both candidates are taken', () => {
    expect(() => declarationIdentifier('x-y', 'xY xYProduct', 'Product')).toThrow(ScaffoldError);
  });
});

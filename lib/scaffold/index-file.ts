/**
 * Edits of the registration index files (`config/products/index.ts` with `PRODUCTS`,
 * `config/marts/index.ts` with `MARTS`): add one import after the last import and append the
 * imported declaration to the exported array literal, keeping the file's layout (a one-line array
 * stays on one line until it would pass {@link MAX_LINE_LENGTH}, then it is broken one element per
 * line; a multi-line array gets a new line in the same indentation).
 */
import { pascalCase } from '../contracts/typescript-types';
import { ScaffoldError } from './scaffold-error';

/** Longest line an edit keeps on one line, in characters (the repository has no formatter; its longest lines are ~200). */
export const MAX_LINE_LENGTH = 160;

/** One registration in an index file. */
export interface IndexRegistration {
  /** The index file's repository path, for error messages, e.g. `config/products/index.ts`. */
  readonly file: string;
  /** The exported array the declaration is appended to, e.g. `PRODUCTS`. */
  readonly arrayName: string;
  /** The declaration's exported identifier, e.g. `playback`. */
  readonly identifier: string;
  /** The module specifier of the declaration's file, e.g. `./playback`. */
  readonly from: string;
}

// ES2022 reserved words and literals that cannot be a `const` name.
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in ' +
    'instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package ' +
    'private protected public await arguments eval undefined'
  ).split(' '),
);

/**
 * The exported identifier of a new declaration: the camelCase of its name (`viewer-engagement` →
 * `viewerEngagement`, `daily_plays` → `dailyPlays`), with `suffix` appended when that is a reserved
 * word or already occurs as a word in the index file (e.g. a product named `check-products`).
 *
 * @param name - kebab-case or snake_case name starting with a letter.
 * @param indexSource - current text of the index file.
 * @param suffix - PascalCase suffix for a clash, e.g. `Product` or `Mart`.
 * @throws ScaffoldError when even the suffixed identifier is taken.
 */
export function declarationIdentifier(name: string, indexSource: string, suffix: string): string {
  const pascal = pascalCase(name);
  const base = pascal[0].toLowerCase() + pascal.slice(1);
  for (const candidate of [base, `${base}${suffix}`]) {
    if (!RESERVED.has(candidate) && !new RegExp(`\\b${candidate}\\b`).test(indexSource)) return candidate;
  }
  throw new ScaffoldError(`cannot choose an identifier for "${name}": both ${base} and ${base}${suffix} are taken in the index file`);
}

/** Start and end (exclusive) offsets of every top-level `import …;` statement. */
function importStatements(source: string): { start: number; end: number }[] {
  return [...source.matchAll(/^import\s[\s\S]*?;[ \t]*$/gm)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/**
 * Offset of the `]` that closes the `[` at `open`, skipping string literals, template literals and
 * comments; -1 when unbalanced.
 */
function closingBracket(source: string, open: number): number {
  let depth = 0;
  for (let i = open; i < source.length; i += 1) {
    const ch = source[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      for (i += 1; i < source.length && source[i] !== ch; i += 1) if (source[i] === '\\') i += 1;
    } else if (source.startsWith('//', i)) {
      i = source.indexOf('\n', i);
      if (i < 0) return -1;
    } else if (source.startsWith('/*', i)) {
      i = source.indexOf('*/', i + 2);
      if (i < 0) return -1;
      i += 1;
    } else if (ch === '[' || ch === '(' || ch === '{') {
      depth += 1;
    } else if (ch === ']' || ch === ')' || ch === '}') {
      depth -= 1;
      if (depth === 0) return ch === ']' ? i : -1;
    }
  }
  return -1;
}

/** Top-level elements of a one-line array's inner text, trimmed. */
function splitElements(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of inner) {
    if ('([{'.includes(ch)) depth += 1;
    if (')]}'.includes(ch)) depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

/**
 * Registers a declaration in an index file: `import { <identifier> } from '<from>';` after the last
 * import, and `<identifier>` appended to the array literal assigned to `<arrayName>`.
 *
 * @param source - the current text of the index file.
 * @param entry - what to register.
 * @returns the new text.
 * @throws ScaffoldError naming the file when the module is already imported, the identifier is already
 *   used, or the array literal of `arrayName` cannot be found.
 */
export function registerInIndex(source: string, entry: IndexRegistration): string {
  const { file, arrayName, identifier, from } = entry;
  if (source.includes(`'${from}'`) || source.includes(`"${from}"`)) throw new ScaffoldError(`${file}: ${from} is already imported`);
  if (new RegExp(`\\b${identifier}\\b`).test(source)) throw new ScaffoldError(`${file}: the identifier ${identifier} is already used`);
  const declaration = new RegExp(`\\b${arrayName}\\b[^=;]*=\\s*\\[`).exec(source);
  if (declaration === null) throw new ScaffoldError(`${file}: no array literal assigned to ${arrayName} (expected \`export const ${arrayName} … = [ … ];\`)`);
  const open = declaration.index + declaration[0].length - 1;
  const close = closingBracket(source, open);
  if (close < 0) throw new ScaffoldError(`${file}: the array literal of ${arrayName} is not closed`);

  const inner = source.slice(open + 1, close);
  let array: string;
  const lineStart = source.lastIndexOf('\n', open) + 1;
  const lineIndent = /^[ \t]*/.exec(source.slice(lineStart))?.[0] ?? '';
  if (inner.includes('\n')) {
    const lines = inner.split('\n').filter((l) => l.trim() !== '');
    const indent = lines.length > 0 ? (/^[ \t]*/.exec(lines[0])?.[0] ?? '') : `${lineIndent}  `;
    const body = inner.replace(/\s*$/, '');
    const separator = body.trim() === '' || body.endsWith(',') ? '' : ',';
    array = `[${body}${separator}\n${indent}${identifier},\n${lineIndent}]`;
  } else {
    const elements = [...splitElements(inner), identifier];
    const oneLine = `[${elements.join(', ')}]`;
    const lineEnd = source.indexOf('\n', close);
    const lineLength = open - lineStart + oneLine.length + ((lineEnd < 0 ? source.length : lineEnd) - close - 1);
    array = lineLength <= MAX_LINE_LENGTH ? oneLine : `[\n${elements.map((e) => `${lineIndent}  ${e},\n`).join('')}${lineIndent}]`;
  }
  let edited = `${source.slice(0, open)}${array}${source.slice(close + 1)}`;

  const importLine = `import { ${identifier} } from '${from}';`;
  const imports = importStatements(edited.slice(0, open));
  const last = imports[imports.length - 1];
  edited = last === undefined ? `${importLine}\n${edited}` : `${edited.slice(0, last.end)}\n${importLine}${edited.slice(last.end)}`;
  return edited;
}

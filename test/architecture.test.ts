import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The dependency direction of STYLE.md, checked on every import of the source tree:
 * bin/ → config/ → lib/; lambdas/ → lambdas/shared/ only; lib/ reaches Lambda code only through
 * lambdas/shared (names both sides share) and config/ only for types (a stack receives its slice).
 */
const ROOT = path.join(__dirname, '..');

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.split(path.sep).includes('generated'))
    .map((f) => path.join(dir, f));
}

interface ImportRef {
  readonly file: string;
  readonly target: string;
  readonly typeOnly: boolean;
}

function importsOf(file: string): ImportRef[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const refs: ImportRef[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'(\.[^']+)'/gms)) {
    const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), m[3]));
    refs.push({ file, target, typeOnly: m[2] !== undefined });
  }
  return refs;
}

const under = (p: string, dir: string): boolean => p === dir || p.startsWith(`${dir}${path.sep}`);

describe('dependency direction', () => {
  it('lambdas/ import neither lib/ nor config/, and one function never imports another', () => {
    const bad = sourceFiles('lambdas')
      .flatMap(importsOf)
      .filter((r) => under(r.target, 'lib') || under(r.target, 'config') || (!under(r.target, path.join('lambdas', 'shared')) && r.target.split(path.sep)[1] !== r.file.split(path.sep)[1]));
    expect(bad).toEqual([]);
  });

  it('lib/ reaches Lambda code only through lambdas/shared', () => {
    const bad = sourceFiles('lib')
      .flatMap(importsOf)
      .filter((r) => under(r.target, 'lambdas') && !under(r.target, path.join('lambdas', 'shared')));
    expect(bad).toEqual([]);
  });

  it('lib/ imports config/ for types only (the public API index re-exports loadConfig)', () => {
    const bad = sourceFiles('lib')
      .flatMap(importsOf)
      .filter((r) => under(r.target, 'config') && !r.typeOnly && r.file !== path.join('lib', 'index.ts'));
    expect(bad).toEqual([]);
  });
});

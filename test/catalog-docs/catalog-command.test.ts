import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PRODUCTS } from '../../config/products';
import { defineProduct } from '../../lib/products/declaration';
import { CATALOG_FILES, catalogAction } from '../../tools/commands/catalog';
import type { CommandIo } from '../../tools/commands/contracts';

const REPO = path.resolve(__dirname, '../..');

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

describe('lakeforge catalog', () => {
  it('writes catalog.md and index.html into the output folder, creating it', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lf-catalog-')), 'nested', 'catalog');
    const io = capture();
    expect(catalogAction({ out, root: REPO }, io)).toBe(0);
    expect(io.stderr).toEqual([]);
    expect(fs.readdirSync(out).sort()).toEqual([CATALOG_FILES.markdown, CATALOG_FILES.html].sort());
    const md = fs.readFileSync(path.join(out, CATALOG_FILES.markdown), 'utf8');
    const html = fs.readFileSync(path.join(out, CATALOG_FILES.html), 'utf8');
    for (const p of PRODUCTS) {
      expect(md).toContain(`## ${p.name}`);
      expect(html).toContain(`>${p.name} <span class="badge">`);
    }
    expect(io.stdout.join('\n')).toContain(`${PRODUCTS.length} data products`);
  });

  it('resolves a relative --out against the root', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-catalog-root-'));
    fs.cpSync(path.join(REPO, 'config/contracts'), path.join(root, 'config/contracts'), { recursive: true });
    expect(catalogAction({ root, out: 'docs/catalog' }, capture())).toBe(0);
    expect(fs.existsSync(path.join(root, 'docs/catalog', CATALOG_FILES.html))).toBe(true);
  });

  it('exits 1 with one message and writes nothing when a product declares an unknown contract', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lf-catalog-bad-')), 'catalog');
    const ghost = defineProduct({
      name: 'ghost',
      owner: 'nobody',
      description: 'Declares a contract that does not exist.',
      domain: 'ghost',
      contracts: ['iglu:com.lakeforge.ott/ghost_event/jsonschema/1-0-0'],
      classification: { level: 'internal' },
      freshnessSlaMinutes: 60,
    });
    const io = capture();
    expect(catalogAction({ out, root: REPO, products: [...PRODUCTS, ghost] }, io)).toBe(1);
    expect(io.stderr).toEqual(['catalog: Data product "ghost" declares contract iglu:com.lakeforge.ott/ghost_event/jsonschema/1-0-0, which is not in the contracts folder']);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('exits 1 naming the folder when the contracts folder does not exist', () => {
    const io = capture();
    expect(catalogAction({ out: fs.mkdtempSync(path.join(os.tmpdir(), 'lf-catalog-nc-')), contracts: '/nonexistent/contracts', root: REPO }, io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/^catalog: .*\/nonexistent\/contracts/);
  });
});

import * as fc from 'fast-check';
import { MARTS } from '../../config/marts';
import { PRODUCTS } from '../../config/products';
import { readIgluFolder } from '../../lib/contracts/loader';
import { loadAllConfigs } from '../../config';
import {
  buildCatalogDocs,
  consumerAccess,
  escapeHtml,
  escapeMarkdownCell,
  martReads,
  renderCatalogHtml,
  renderCatalogMarkdown,
  type CatalogDocs,
} from '../../lib/catalog-docs';
import { BATCH_TABLES } from '../../lib/marts/catalog';
import { readContractTables } from '../../lib/marts/contract-adapter';
import type { ProductDeclaration } from '../../lib/products/declaration';
import { consumerRoleName, workgroupName } from '../../lib/shared/naming';
import * as path from 'node:path';

const CONTRACTS = path.join(__dirname, '../../config/contracts');
const contracts = readContractTables(CONTRACTS);
const build = (products: readonly ProductDeclaration[]): CatalogDocs =>
  buildCatalogDocs({ products, contracts, batchTables: BATCH_TABLES, marts: martReads(MARTS, contracts), environments: ['dev', 'acc', 'prod'] });
const docs = build(PRODUCTS);
const html = renderCatalogHtml(docs);
const markdown = renderCatalogMarkdown(docs);

const HOSTILE = 'Scores <script>alert("x")</script> & <b>bold</b> | pipes';
const hostileDocs = build(PRODUCTS.map((p) => ({ ...p, description: `${p.description} ${HOSTILE}`, owner: `${p.owner} <img src=x>` })));

describe.each([
  ['index.html', html],
  ['catalog.md', markdown],
])('%s of the reference catalog', (_file, text) => {
  it('names every product, owner, domain and consumer', () => {
    for (const p of PRODUCTS) {
      for (const s of [p.name, p.owner, p.domain, p.classification.level, ...p.consumers]) expect(text).toContain(s);
    }
  });

  it('lists every contract version in config/contracts', () => {
    const uris = readIgluFolder(CONTRACTS).contracts.map((c) => c.contract.id);
    expect(uris.length).toBeGreaterThan(0);
    for (const uri of uris) expect(text).toContain(uri);
  });

  it('names every table physically in every environment, and every mart that reads a product', () => {
    for (const t of docs.products.flatMap((p) => [...p.contracts.flatMap((c) => c.tables), ...p.batchTables])) {
      for (const n of t.physicalNames) expect(text).toContain(n.name);
    }
    for (const m of MARTS) expect(text).toContain(m.table);
  });
});

describe('index.html', () => {
  it('is one self-contained document: inline CSS, no scripts, no external resources', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('has a table of contents whose every link targets an element id on the page', () => {
    const ids = new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
    const hrefs = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThanOrEqual(PRODUCTS.length);
    for (const h of hrefs) expect(ids).toContain(h);
    expect(ids.size).toBe([...html.matchAll(/\sid="([^"]+)"/g)].length);
  });

  it('escapes < and & in descriptions and owners', () => {
    const page = renderCatalogHtml(hostileDocs);
    expect(page).toContain('Scores &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(page).toContain('&lt;img src=x&gt;');
    expect(page).not.toMatch(/<script|<img|<b>/);
  });

  it('marks PII columns', () => {
    expect(html).toMatch(/<code>user_id<\/code><\/td><td><code>int<\/code><\/td><td><span class="pii">PII<\/span>/);
    expect(html).toMatch(/<code>movie_id<\/code><\/td><td><code>int<\/code><\/td><td><\/td>/);
  });
});

describe('catalog.md', () => {
  it('keeps hostile descriptions inside their table cell and free of HTML', () => {
    const page = renderCatalogMarkdown(hostileDocs);
    expect(page).toContain('&lt;script&gt;');
    expect(page).toContain('\\| pipes');
    expect(page).not.toMatch(/<script|<img|<b>/);
  });

  it('has a contents entry for every product', () => {
    for (const p of PRODUCTS) expect(markdown).toContain(`- [${p.name}](#${p.name})`);
  });
});

describe('escaping', () => {
  // Markup-heavy strings (the interesting cases) mixed with arbitrary Unicode.
  const text = fc.oneof(fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '|', '\\', '\n', '\r', 'a', ';', '#') }), fc.string({ unit: 'binary' }));
  const unescapeHtml = (s: string): string =>
    s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

  it('escapeHtml leaves no markup characters and loses nothing', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"']/);
        expect(e.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
        expect(unescapeHtml(e)).toBe(s);
      }),
    );
  });

  it('escapeMarkdownCell leaves no unescaped pipe, line break or angle bracket', () => {
    fc.assert(
      fc.property(text, (s) => {
        const e = escapeMarkdownCell(s);
        expect(e).not.toMatch(/[<>\r\n]/);
        // Every pipe is preceded by an odd number of backslashes (an escaped pipe, not an escaped backslash).
        for (const m of e.matchAll(/(\\*)\|/g)) expect(m[1].length % 2).toBe(1);
      }),
    );
  });
});

describe('who can read each product', () => {
  const configs = loadAllConfigs();
  const consumers = Object.fromEntries(configs.map((c) => [c.name, consumerAccess(c.name, c.analytics.consumers)]));
  const withReaders = buildCatalogDocs({
    products: PRODUCTS,
    contracts,
    batchTables: BATCH_TABLES,
    marts: martReads(MARTS, contracts),
    environments: configs.map((c) => c.name),
    consumers,
  });
  const expected = PRODUCTS.flatMap((p) =>
    p.consumers.flatMap((consumer) =>
      configs.filter((c) => consumer in c.analytics.consumers).map((c) => ({ product: p.name, consumer, env: c.name, role: consumerRoleName(c.name, consumer), workgroup: workgroupName(c.name, c.analytics.consumers[consumer].workgroup) })),
    ),
  );

  it('lists, per product, each declared consumer with its role and workgroup in every environment that defines it', () => {
    expect(expected.length).toBeGreaterThan(0);
    const actual = withReaders.products.flatMap((p) => p.readers.map((r) => ({ product: p.name, ...r })));
    expect(actual).toEqual(expect.arrayContaining(expected));
    expect(actual).toHaveLength(expected.length);
  });

  it.each([
    ['index.html', renderCatalogHtml],
    ['catalog.md', renderCatalogMarkdown],
  ])('%s shows the role and workgroup of every reader under its product', (_file, render) => {
    const text = render(withReaders);
    for (const p of withReaders.products) {
      const section = text.slice(text.indexOf(p.readers.length > 0 ? p.description.slice(0, 20) : p.name));
      for (const r of p.readers) {
        expect(section).toContain(r.role);
        expect(section).toContain(r.workgroup);
      }
    }
  });

  it('says when no environment defines a consumer of a product', () => {
    const none = buildCatalogDocs({ products: PRODUCTS, contracts, batchTables: BATCH_TABLES, marts: martReads(MARTS, contracts), environments: ['dev'] });
    expect(none.products.every((p) => p.readers.length === 0)).toBe(true);
    expect(renderCatalogMarkdown(none)).toContain('No consumer is defined for it in any environment.');
  });

  it('shows an existing role by its ARN', () => {
    const [dev] = configs;
    const roleArn = `arn:aws:iam::${dev.account}:role/team-analysts`;
    const access = consumerAccess(dev.name, { ...dev.analytics.consumers, analysts: { workgroup: 'analysts', roleArn } });
    expect(access.analysts).toEqual({ role: roleArn, workgroup: workgroupName(dev.name, 'analysts') });
  });
});

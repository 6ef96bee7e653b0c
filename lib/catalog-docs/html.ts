/**
 * The catalog docs as one static, self-contained HTML page (`index.html`): inline CSS, no
 * scripts, no external assets, every text escaped. Pure: model in, text out.
 */
import { formatMinutes, type CatalogDocs, type ContractDoc, type ProductDoc, type TableDoc } from './model';

/** Escapes text for HTML element content and double-quoted attribute values (`& < > " '`). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The id of an element for a name: `<prefix>-<name>` with characters outside `[a-z0-9_-]` → `-`. */
export function anchorId(prefix: string, name: string): string {
  return `${prefix}-${name.toLowerCase().replace(/[^a-z0-9_-]/g, '-')}`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --band: #f4f6f9; --accent: #2455c3; --pii: #a4261b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
header { padding: 1.5rem 2rem; background: var(--band); border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 .25rem; font-size: 1.6rem; }
header p { margin: 0; color: var(--muted); }
.layout { display: flex; align-items: flex-start; }
nav { position: sticky; top: 0; flex: 0 0 16rem; max-height: 100vh; overflow: auto; padding: 1rem 1.5rem; border-right: 1px solid var(--line); }
nav h2 { font-size: .85rem; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li { margin: .2rem 0; }
nav ul ul { padding-left: 1rem; font-size: .9rem; }
main { flex: 1; min-width: 0; padding: 1rem 2rem 3rem; }
section.product { border-bottom: 2px solid var(--line); padding-bottom: 1.5rem; margin-bottom: 1.5rem; }
h2 { margin-top: 1.5rem; } h3 { margin-top: 1.5rem; } h4 { margin: 1.2rem 0 .4rem; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
code { font: .88em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--band); padding: .05em .3em; border-radius: 3px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.pii { color: var(--pii); font-weight: 700; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 1em; border: 1px solid currentColor; font-size: .8rem; }
.nested td:first-child { padding-left: 1.5rem; }
.muted { color: var(--muted); }
`;

const codeList = (items: readonly string[]): string => (items.length === 0 ? '<span class="muted">none</span>' : items.map((i) => `<code>${escapeHtml(i)}</code>`).join(', '));

function tableHtml(t: TableDoc): string {
  const rows = t.columns.map((c) => {
    const cls = c.name.includes('.') ? ' class="nested"' : '';
    return (
      `<tr${cls}><td><code>${escapeHtml(c.name)}</code>${c.partitionKey ? ' <span class="muted">(partition)</span>' : ''}</td>` +
      `<td><code>${escapeHtml(c.type)}</code></td><td>${c.pii ? '<span class="pii">PII</span>' : ''}</td><td>${escapeHtml(c.description)}</td></tr>`
    );
  });
  return [
    `<h4 id="${escapeHtml(anchorId('table', t.logicalName))}"><code>${escapeHtml(t.logicalName)}</code></h4>`,
    `<p>Physical names: ${t.physicalNames.map((p) => `${escapeHtml(p.env)} <code>${escapeHtml(p.name)}</code>`).join(' · ')}</p>`,
    '<table><thead><tr><th>column</th><th>type</th><th>PII</th><th>description</th></tr></thead><tbody>',
    ...rows,
    '</tbody></table>',
  ].join('\n');
}

function contractHtml(c: ContractDoc): string {
  return [
    `<h3>Contract <code>${escapeHtml(c.schemaKey)}</code> MODEL ${c.model}</h3>`,
    c.description === '' ? '' : `<p>${escapeHtml(c.description)}</p>`,
    '<dl class="facts">',
    `<dt>declared</dt><dd><code>${escapeHtml(c.declaredUri)}</code></dd>`,
    `<dt>columns from</dt><dd><code>${escapeHtml(c.latestUri)}</code></dd>`,
    `<dt>versions</dt><dd>${codeList(c.versions)}</dd>`,
    '</dl>',
    ...c.tables.map(tableHtml),
  ].join('\n');
}

function productHtml(p: ProductDoc): string {
  const marts =
    p.marts.length === 0
      ? '<p class="muted">None.</p>'
      : [
          '<table><thead><tr><th>mart</th><th>owner</th><th>schedule</th><th>reads</th><th>description</th></tr></thead><tbody>',
          ...p.marts.map(
            (m) =>
              `<tr><td><code>${escapeHtml(m.table)}</code></td><td>${escapeHtml(m.owner)}</td><td><code>${escapeHtml(m.schedule)}</code></td>` +
              `<td>${codeList(m.reads)}</td><td>${escapeHtml(m.description)}</td></tr>`,
          ),
          '</tbody></table>',
        ].join('\n');
  return [
    `<section class="product" id="${escapeHtml(anchorId('product', p.name))}">`,
    `<h2>${escapeHtml(p.name)} <span class="badge">${escapeHtml(p.classification)}</span></h2>`,
    `<p>${escapeHtml(p.description)}</p>`,
    '<dl class="facts">',
    `<dt>owner</dt><dd>${escapeHtml(p.owner)}</dd>`,
    `<dt>domain</dt><dd>${escapeHtml(p.domain)}</dd>`,
    `<dt>classification</dt><dd>${escapeHtml(p.classification)}</dd>`,
    `<dt>PII columns</dt><dd>${codeList(p.piiColumns)}</dd>`,
    `<dt>freshness SLA</dt><dd>${escapeHtml(formatMinutes(p.freshnessSlaMinutes))}</dd>`,
    `<dt>consumers</dt><dd>${codeList(p.consumers)}</dd>`,
    '</dl>',
    '<h3>Who can read it</h3>',
    p.readers.length === 0
      ? '<p class="muted">No consumer is defined for it in any environment.</p>'
      : [
          '<p>Read access to its curated tables, batch tables and marts (not raw events), granted to each consumer&#39;s IAM role; queries run in the consumer&#39;s workgroup.</p>',
          '<table><thead><tr><th>consumer</th><th>environment</th><th>IAM role</th><th>workgroup</th></tr></thead><tbody>',
          ...p.readers.map(
            (r) => `<tr><td><code>${escapeHtml(r.consumer)}</code></td><td>${escapeHtml(r.env)}</td><td><code>${escapeHtml(r.role)}</code></td><td><code>${escapeHtml(r.workgroup)}</code></td></tr>`,
          ),
          '</tbody></table>',
        ].join('\n'),
    ...p.contracts.map(contractHtml),
    ...(p.batchTables.length === 0 ? [] : ['<h3>Batch tables</h3>', ...p.batchTables.map(tableHtml)]),
    '<h3>Marts reading this product</h3>',
    marts,
    '</section>',
  ].join('\n');
}

function tocHtml(docs: CatalogDocs): string {
  const items = docs.products.map((p) => {
    const tables = [...p.contracts.flatMap((c) => c.tables), ...p.batchTables].map(
      (t) => `<li><a href="#${escapeHtml(anchorId('table', t.logicalName))}">${escapeHtml(t.logicalName)}</a></li>`,
    );
    return `<li><a href="#${escapeHtml(anchorId('product', p.name))}">${escapeHtml(p.name)}</a><ul>${tables.join('')}</ul></li>`;
  });
  return `<nav aria-label="Contents"><h2>Contents</h2><ul>${items.join('\n')}</ul></nav>`;
}

/**
 * The whole catalog as one HTML document.
 *
 * @param docs - the model from `buildCatalogDocs`.
 * @returns a complete `<!doctype html>` document, ending with a newline.
 */
export function renderCatalogHtml(docs: CatalogDocs): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Lakeforge data catalog</title>',
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header><h1>Lakeforge data catalog</h1>',
    `<p>${docs.products.length} data products · environments ${codeList(docs.environments)} · generated by <code>lakeforge catalog</code></p></header>`,
    '<div class="layout">',
    tocHtml(docs),
    '<main>',
    ...docs.products.map(productHtml),
    '</main>',
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * `lakeforge catalog [--out <dir>] [--contracts <dir>]`: writes the browsable data catalog —
 * `catalog.md` and a self-contained `index.html` — for every data product in config/products.
 * Thin: the model and both renderings live in `lib/catalog-docs`; this file only reads the
 * declarations and writes the two files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { MARTS } from '../../config/marts';
import { PRODUCTS } from '../../config/products';
import { loadAllConfigs } from '../../config';
import { ENVIRONMENT_NAMES } from '../../config/schema';
import { buildCatalogDocs, consumerAccess, martReads, renderCatalogHtml, renderCatalogMarkdown } from '../../lib/catalog-docs';
import { DEFAULT_CONTRACTS_DIR } from '../../lib/contracts/build';
import { isContractError } from '../../lib/contracts/contract-error';
import { BATCH_TABLES } from '../../lib/marts/catalog';
import { readContractTables } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import type { ProductDeclaration } from '../../lib/products/declaration';
import { PROCESS_IO, type CommandIo } from './contracts';

/** Default output folder, relative to the working directory. */
export const DEFAULT_CATALOG_DIR = '.lakeforge/catalog';
/** File names written into the output folder. */
export const CATALOG_FILES = { markdown: 'catalog.md', html: 'index.html' } as const;

/** Options of {@link catalogAction}. */
export interface CatalogOptions {
  /** Output folder (created when missing). @default '.lakeforge/catalog' */
  readonly out?: string;
  /** Contracts folder (Iglu layout). @default 'config/contracts' */
  readonly contracts?: string;
  /** Base for relative paths. @default process.cwd() */
  readonly root?: string;
  /** Products to document. @default PRODUCTS (config/products) */
  readonly products?: readonly ProductDeclaration[];
  /** Marts to list. @default MARTS (config/marts) */
  readonly marts?: readonly Mart[];
}

/**
 * `lakeforge catalog`: builds the catalog model and writes `catalog.md` and `index.html`.
 *
 * @returns the exit code: 0 when both files were written; 1 when a contract cannot be loaded or
 *   mapped, a product refers to a missing contract or batch table, or a file cannot be written
 *   (one message on `io.err`, no stack trace).
 */
export function catalogAction(opts: CatalogOptions = {}, io: CommandIo = PROCESS_IO): number {
  const root = opts.root ?? process.cwd();
  const outDir = path.resolve(root, opts.out ?? DEFAULT_CATALOG_DIR);
  try {
    const contracts = readContractTables(path.resolve(root, opts.contracts ?? DEFAULT_CONTRACTS_DIR));
    const marts = opts.marts ?? MARTS;
    const docs = buildCatalogDocs({
      products: opts.products ?? PRODUCTS,
      contracts,
      batchTables: BATCH_TABLES,
      marts: martReads(marts, contracts),
      environments: ENVIRONMENT_NAMES,
      consumers: Object.fromEntries(loadAllConfigs().map((c) => [c.name, consumerAccess(c.name, c.analytics.consumers)])),
    });
    fs.mkdirSync(outDir, { recursive: true });
    const markdownFile = path.join(outDir, CATALOG_FILES.markdown);
    const htmlFile = path.join(outDir, CATALOG_FILES.html);
    fs.writeFileSync(markdownFile, renderCatalogMarkdown(docs));
    fs.writeFileSync(htmlFile, renderCatalogHtml(docs));
    const shown = (f: string): string => (path.relative(root, f).startsWith('..') ? f : path.relative(root, f));
    io.out(`catalog: ${docs.products.length} data products → ${shown(markdownFile)}, ${shown(htmlFile)}`);
    return 0;
  } catch (e) {
    io.err(`catalog: ${isContractError(e) || e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/**
 * Adds `catalog [--out <dir>] [--contracts <dir>]` to a commander program.
 *
 * @param program - the CLI root.
 */
export function registerCatalogCommand(program: Command): void {
  program
    .command('catalog')
    .description('write the browsable data catalog (catalog.md and a self-contained index.html) of every data product')
    .option('--out <dir>', 'output folder', DEFAULT_CATALOG_DIR)
    .option('--contracts <dir>', 'contracts folder', DEFAULT_CONTRACTS_DIR)
    .action((o: { out: string; contracts: string }) => {
      process.exitCode = catalogAction({ out: o.out, contracts: o.contracts });
    });
}

if (require.main === module) {
  void import('commander').then(({ Command: Program }) => {
    const program = new Program('lakeforge');
    registerCatalogCommand(program);
    program.parse(['node', 'lakeforge', 'catalog', ...process.argv.slice(2)]);
  });
}

/**
 * Scaffolding of a data product (`lakeforge product new`): its declaration
 * `config/products/<name>.ts` in the style of the reference products, its registration in
 * `config/products/index.ts` (`PRODUCTS`), a 1-0-0 contract for each contract that does not exist yet
 * and the regenerated validators and producer types. Everything is validated before any edit is
 * returned: the caller writes all edits or none.
 */
import type { Contract } from '../contracts/contract';
import { parseIgluUri, schemaKey } from '../contracts/schemaver';
import { CLASSIFICATIONS, checkProducts, defineProduct, type ProductDeclaration, type ProductDeclarationInput } from '../products/declaration';
import { type ContractPlan, parseContractRef, planContracts } from './contract';
import { declarationIdentifier, registerInIndex } from './index-file';
import { type FileEdit, ScaffoldError } from './scaffold-error';

/** Repository path of the products index. */
export const PRODUCTS_INDEX = 'config/products/index.ts';

/** Defaults of a scaffolded product. */
export const PRODUCT_DEFAULTS = {
  /** Classification level: `internal` (readable inside the company; no PII columns declared). */
  classification: 'internal',
  /** Freshness SLA in minutes: 120 (the newest curated event is at most two hours old). */
  freshnessSlaMinutes: 120,
  /** Consumer workgroups: `analysts`, the consumer workgroup every environment has (see `config/schema.ts`, `analytics.extraWorkgroups`). */
  consumers: ['analysts'],
} as const;

/** The arguments of `lakeforge product new`. */
export interface ProductScaffoldInput {
  /** Product name, kebab-case, e.g. `playback`. */
  readonly name: string;
  /** Business domain, one lower-case word, e.g. `playback`. */
  readonly domain: string;
  /** Owning team, e.g. `video-team`. */
  readonly owner: string;
  /** Contracts as `<vendor>/<name>`; new ones are created at 1-0-0, existing ones referenced. At least one. */
  readonly contracts: readonly string[];
  /** What the product is. @default - a sentence built from the name, owner, domain and contracts */
  readonly description?: string;
  /** Freshness SLA in minutes. @default 120 */
  readonly freshnessSlaMinutes?: number;
  /** Classification level (`public`, `internal`, `confidential`, `restricted`). @default 'internal' */
  readonly classification?: string;
  /** Consumer workgroups. @default ['analysts'] */
  readonly consumers?: readonly string[];
}

/** The repository as the scaffold needs it (read by the CLI; pure values here). */
export interface ProductScaffoldContext {
  /** Current text of `config/products/index.ts`. */
  readonly productsIndex: string;
  /** The declared products (`PRODUCTS`). */
  readonly products: readonly ProductDeclaration[];
  /** Every contract of `config/contracts` (`loadContracts`). */
  readonly contracts: readonly Contract[];
  /** Whether a repository path (`/`-separated) exists. */
  readonly exists: (path: string) => boolean;
}

/** What {@link planProductNew} decided. */
export interface ProductPlan {
  /** Files to write: contracts, the declaration, the index, the generated validators and types. */
  readonly edits: readonly FileEdit[];
  /** The declaration as `defineProduct` parses it. */
  readonly declaration: ProductDeclaration;
  /** Repository path of the declaration file. */
  readonly productFile: string;
  /** The contracts created and referenced. */
  readonly contracts: ContractPlan;
}

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r?\n/g, ' ')}'`;
const list = (items: readonly string[]): string => `[${items.map(quote).join(', ')}]`;

/** The default description: one sentence from the arguments. */
export function defaultProductDescription(input: Pick<ProductScaffoldInput, 'name' | 'owner' | 'domain'>, contractUris: readonly string[]): string {
  const events = contractUris.map((u) => {
    const { vendor, name } = parseIgluUri(u);
    return `${name} (${vendor})`;
  });
  const what = events.length === 0 ? '' : `: ${events.join(', ')} events`;
  return `The ${input.name} data product of ${input.owner} in the ${input.domain} domain${what}.`;
}

/** The text of `config/products/<name>.ts` declaring `declaration` as `identifier`. */
export function renderProductFile(declaration: ProductDeclaration, identifier: string, file: string): string {
  const d = declaration;
  return [
    "import { defineProduct } from '../../lib/products/declaration';",
    '',
    `/** ${d.description.replace(/\*\//g, '*\\/')} */`,
    `export const ${identifier} = defineProduct(`,
    '  {',
    `    name: ${quote(d.name)},`,
    `    owner: ${quote(d.owner)},`,
    `    description: ${quote(d.description)},`,
    `    domain: ${quote(d.domain)},`,
    `    contracts: ${list(d.contracts)},`,
    `    classification: { level: ${quote(d.classification.level)}, piiColumns: ${list(d.classification.piiColumns)} },`,
    `    freshnessSlaMinutes: ${d.freshnessSlaMinutes},`,
    `    consumers: ${list(d.consumers)},`,
    '  },',
    `  ${quote(file)},`,
    ');',
    '',
  ].join('\n');
}

/**
 * Plans `lakeforge product new`.
 *
 * @param input - the command's arguments.
 * @param ctx - the repository's current products, contracts and index text.
 * @returns the edits (contract files, declaration, index, generated artefacts) and what was declared.
 * @throws ScaffoldError (one line) when no contract is given, a contract argument is invalid or belongs
 *   to another product, the name, domain, owner, SLA, classification or consumers are invalid, or a
 *   product of that name (or its file) already exists.
 */
export function planProductNew(input: ProductScaffoldInput, ctx: ProductScaffoldContext): ProductPlan {
  const file = `config/products/${input.name}.ts`;
  if (input.contracts.length === 0) throw new ScaffoldError(`data product "${input.name}": a product needs at least one contract; add --contract <vendor>/<name>`);
  const refs = input.contracts.map(parseContractRef);
  const level = input.classification ?? PRODUCT_DEFAULTS.classification;
  if (!(CLASSIFICATIONS as readonly string[]).includes(level)) {
    throw new ScaffoldError(`data product "${input.name}": classification "${level}" is not one of ${CLASSIFICATIONS.join(', ')}`);
  }
  const contracts = planContracts(refs, ctx.contracts, { allowExisting: true });
  const declarationInput: ProductDeclarationInput = {
    name: input.name,
    owner: input.owner,
    description: input.description ?? defaultProductDescription(input, contracts.uris),
    domain: input.domain,
    contracts: [...contracts.uris],
    classification: { level: level as ProductDeclaration['classification']['level'], piiColumns: [] },
    freshnessSlaMinutes: input.freshnessSlaMinutes ?? PRODUCT_DEFAULTS.freshnessSlaMinutes,
    consumers: [...(input.consumers ?? PRODUCT_DEFAULTS.consumers)],
  };
  let declaration: ProductDeclaration;
  try {
    declaration = defineProduct(declarationInput, file);
  } catch (e) {
    throw new ScaffoldError(e instanceof Error ? e.message : String(e));
  }
  if (ctx.products.some((p) => p.name === declaration.name)) throw new ScaffoldError(`data product "${declaration.name}" already exists`);
  if (ctx.exists(file)) throw new ScaffoldError(`${file} already exists`);
  for (const uri of contracts.reused) {
    const key = schemaKey(parseIgluUri(uri));
    const owner = ctx.products.find((p) => p.contracts.some((c) => schemaKey(parseIgluUri(c)) === key));
    if (owner !== undefined) throw new ScaffoldError(`contract ${key} belongs to data product "${owner.name}"; a contract has one owning product`);
  }
  try {
    checkProducts([...ctx.products, declaration]);
  } catch (e) {
    throw new ScaffoldError(e instanceof Error ? e.message : String(e));
  }
  const identifier = declarationIdentifier(declaration.name, ctx.productsIndex, 'Product');
  const index = registerInIndex(ctx.productsIndex, { file: PRODUCTS_INDEX, arrayName: 'PRODUCTS', identifier, from: `./${declaration.name}` });
  return {
    edits: [...contracts.contractFiles, { path: file, content: renderProductFile(declaration, identifier, file) }, { path: PRODUCTS_INDEX, content: index }, ...contracts.generated],
    declaration,
    productFile: file,
    contracts,
  };
}

/**
 * Scaffolding of a mart (`lakeforge marts new`): `config/marts/<name>.ts` and `<name>.sql` in the
 * style of the reference marts (daily event counts of one curated table, one row per UTC event date),
 * registered in `config/marts/index.ts` (`MARTS`), and checked with {@link checkMarts} (parse, name
 * resolution, declared columns) before any edit is returned.
 */
import { parseIgluUri } from '../contracts/schemaver';
import { checkMarts, formatMartCheckError } from '../marts/check';
import { type ContractTable, contractTableName } from '../marts/contract-adapter';
import { type Mart, type MartDeclarationInput, martDeclarationSchema } from '../marts/declaration';
import type { ProductDeclaration } from '../products/declaration';
import { declarationIdentifier, registerInIndex } from './index-file';
import { type FileEdit, ScaffoldError } from './scaffold-error';

/** Repository path of the marts index. */
export const MARTS_INDEX = 'config/marts/index.ts';

/** Refresh schedule of a scaffolded mart: hourly at minute 15 (EventBridge Scheduler cron, as `daily_engagement`). */
export const DEFAULT_MART_SCHEDULE = 'cron(15 * * * ? *)';

/** The arguments of `lakeforge marts new`. */
export interface MartScaffoldInput {
  /** Mart name, lower_snake_case; the output table is `marts.<name>`. */
  readonly name: string;
  /** The data product the mart belongs to (kebab-case name). */
  readonly product: string;
  /**
   * Curated table to count, `curated.<table>` or `<table>`.
   * @default - the product's first contract table (`<contract name>_v<MODEL>`)
   */
  readonly from?: string;
}

/** The repository as the scaffold needs it (read by the CLI; pure values here). */
export interface MartScaffoldContext {
  /** Current text of `config/marts/index.ts`. */
  readonly martsIndex: string;
  /** The declared marts (`MARTS`). */
  readonly marts: readonly Mart[];
  /** The declared products (`PRODUCTS`). */
  readonly products: readonly ProductDeclaration[];
  /** The contract tables of `config/contracts` (`readContractTables`). */
  readonly contractTables: readonly ContractTable[];
  /** Whether a repository path (`/`-separated) exists. */
  readonly exists: (path: string) => boolean;
}

/** What {@link planMartNew} decided. */
export interface MartPlan {
  /** Files to write: the SQL, the declaration and the index. */
  readonly edits: readonly FileEdit[];
  /** The mart as `defineMart` would return it (`sqlPath` relative to the repository root). */
  readonly mart: Mart;
}

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r?\n/g, ' ')}'`;

/** The curated table a mart of `product` counts: `from`, else the product's first contract table. */
function sourceTable(input: MartScaffoldInput, product: ProductDeclaration, tables: readonly ContractTable[]): ContractTable {
  const known = new Map(tables.map((t) => [t.tableName, t]));
  if (input.from !== undefined) {
    const name = input.from.replace(/^curated\./, '');
    const table = known.get(name);
    if (table === undefined) {
      throw new ScaffoldError(`mart "${input.name}": --from ${input.from} is not a curated table; curated tables: ${[...known.keys()].map((t) => `curated.${t}`).join(', ')}`);
    }
    return table;
  }
  for (const uri of product.contracts) {
    const { name, version } = parseIgluUri(uri);
    const table = known.get(contractTableName(name, version.model));
    if (table !== undefined) return table;
  }
  throw new ScaffoldError(`mart "${input.name}": data product "${product.name}" has no contract table to count; pass --from curated.<table>`);
}

/** The SQL of a daily-count mart over `curated.<table>`. */
export function renderMartSql(table: ContractTable, product: string): string {
  return [
    `-- One row per UTC event date of curated.${table.tableName} (data product ${product}): how many events happened that day.`,
    'SELECT',
    '  e.dt,',
    '  count(*) AS events',
    `FROM curated.${table.tableName} AS e`,
    'GROUP BY e.dt',
    '',
  ].join('\n');
}

/** The declaration of a daily-count mart over `curated.<table>` (output types as the SQL produces them: `dt` string, `count(*)` bigint). */
export function martDeclaration(name: string, product: ProductDeclaration, table: ContractTable): MartDeclarationInput {
  return {
    name,
    owner: product.owner,
    product: product.name,
    description: `One row per UTC event date: the number of ${table.contractName} events (${table.vendor}) that happened that day.`,
    schedule: DEFAULT_MART_SCHEDULE,
    sqlFile: `${name}.sql`,
    output: {
      columns: [
        { name: 'dt', type: 'string', description: 'UTC event date YYYY-MM-DD.' },
        { name: 'events', type: 'bigint', description: `Events in curated.${table.tableName} with that event date.` },
      ],
      key: ['dt'],
    },
    dependsOn: [`curated.${table.tableName}`],
  };
}

/** The text of `config/marts/<name>.ts` declaring `input` as `identifier`. */
export function renderMartFile(input: MartDeclarationInput, identifier: string, table: ContractTable): string {
  const columns = input.output.columns.map((c) => `        { name: ${quote(c.name)}, type: ${quote(c.type)}, description: ${quote(c.description)} },`);
  return [
    "import { defineMart } from '../../lib/marts/declaration';",
    '',
    `/** Daily ${table.contractName} events of data product ${input.product}: one row per UTC event date. */`,
    `export const ${identifier} = defineMart(`,
    '  {',
    `    name: ${quote(input.name)},`,
    `    owner: ${quote(input.owner)},`,
    `    product: ${quote(input.product)},`,
    `    description: ${quote(input.description)},`,
    `    schedule: ${quote(input.schedule)},`,
    `    sqlFile: ${quote(input.sqlFile)},`,
    '    output: {',
    '      columns: [',
    ...columns,
    '      ],',
    `      key: [${input.output.key.map(quote).join(', ')}],`,
    '    },',
    `    dependsOn: [${(input.dependsOn ?? []).map(quote).join(', ')}],`,
    '  },',
    '  __dirname,',
    ');',
    '',
  ].join('\n');
}

/**
 * Plans `lakeforge marts new`.
 *
 * @param input - the command's arguments.
 * @param ctx - the repository's marts, products, contract tables and index text.
 * @returns the edits (SQL, declaration, index) and the mart.
 * @throws ScaffoldError (one line) when the name is invalid or taken, the product is unknown, the source
 *   table is unknown, or the scaffolded mart fails `checkMarts`.
 */
export function planMartNew(input: MartScaffoldInput, ctx: MartScaffoldContext): MartPlan {
  const product = ctx.products.find((p) => p.name === input.product);
  if (product === undefined) {
    throw new ScaffoldError(`mart "${input.name}": unknown data product "${input.product}"; declared: ${ctx.products.map((p) => p.name).join(', ')}`);
  }
  const table = sourceTable(input, product, ctx.contractTables);
  const declarationInput = martDeclaration(input.name, product, table);
  const parsed = martDeclarationSchema.safeParse(declarationInput);
  if (!parsed.success) {
    throw new ScaffoldError(`mart "${input.name}": ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const tsFile = `config/marts/${input.name}.ts`;
  const sqlFile = `config/marts/${input.name}.sql`;
  if (ctx.marts.some((m) => m.name === input.name)) throw new ScaffoldError(`mart "${input.name}" already exists`);
  for (const f of [tsFile, sqlFile]) if (ctx.exists(f)) throw new ScaffoldError(`${f} already exists`);

  const sql = renderMartSql(table, product.name);
  const mart: Mart = { ...parsed.data, table: `marts.${input.name}`, sql: sql.replace(/;\s*$/, '').trimEnd(), sqlPath: sqlFile };
  const errors = checkMarts([...ctx.marts, mart], ctx.contractTables, '.').filter((e) => e.mart === input.name);
  if (errors.length > 0) throw new ScaffoldError(`scaffolded mart fails \`marts check\`: ${formatMartCheckError(errors[0])}`);

  const identifier = declarationIdentifier(input.name, ctx.martsIndex, 'Mart');
  const index = registerInIndex(ctx.martsIndex, { file: MARTS_INDEX, arrayName: 'MARTS', identifier, from: `./${input.name}` });
  return {
    edits: [
      { path: sqlFile, content: sql },
      { path: tsFile, content: renderMartFile(declarationInput, identifier, table) },
      { path: MARTS_INDEX, content: index },
    ],
    mart,
  };
}

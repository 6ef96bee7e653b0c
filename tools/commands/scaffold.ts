/**
 * Scaffolding commands: `lakeforge product new`, `lakeforge contracts new` and `lakeforge marts new`.
 * Thin: the files are decided by pure functions in `lib/scaffold`; this file reads the repository
 * (relative to `root`), writes the edits, prints the next steps and sets the exit code. Every refusal
 * is one line on stderr, exit 1, with nothing written (all validation happens before the first write).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONTRACTS_DIR } from '../../lib/contracts/build';
import { isContractError } from '../../lib/contracts/contract-error';
import { loadContracts } from '../../lib/contracts/loader';
import { readContractTables } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import type { ProductDeclaration } from '../../lib/products/declaration';
import { parseContractRef, planContracts } from '../../lib/scaffold/contract';
import { MARTS_INDEX, planMartNew } from '../../lib/scaffold/mart';
import { PRODUCTS_INDEX, planProductNew } from '../../lib/scaffold/product';
import { type FileEdit, ScaffoldError } from '../../lib/scaffold/scaffold-error';
import { type CommandIo, PROCESS_IO } from './contracts';

/** Options every scaffolding action takes. */
export interface ScaffoldOptions {
  /** Repository root the `config/`, `lib/` and `lambdas/` paths are relative to. @default process.cwd() */
  readonly root?: string;
}

/** Options of {@link productNewAction} (the flags of `lakeforge product new`). */
export interface ProductNewOptions extends ScaffoldOptions {
  /** Business domain (one lower-case word). */
  readonly domain: string;
  /** Owning team. */
  readonly owner: string;
  /** Contracts as `<vendor>/<name>`, new or existing. @default [] (refused: a product needs one) */
  readonly contract?: readonly string[];
  /** What the product is. @default - a sentence built from the arguments */
  readonly description?: string;
  /** Freshness SLA in minutes, as typed. @default '120' */
  readonly sla?: string;
  /** Classification level. @default 'internal' */
  readonly classification?: string;
  /** Consumer workgroups. @default ['analysts'] */
  readonly consumer?: readonly string[];
}

/** Options of {@link martsNewAction} (the flags of `lakeforge marts new`). */
export interface MartsNewOptions extends ScaffoldOptions {
  /** The data product the mart belongs to. */
  readonly product: string;
  /** Curated table to count. @default - the product's first contract table */
  readonly from?: string;
}

const repoPath = (root: string, p: string): string => path.join(root, ...p.split('/'));

/**
 * Requires a config module of the repository at `root` (`config/products` or `config/marts`) afresh,
 * so a command sees the index files as they are on disk now. Works where TypeScript sources load
 * (`npm run lakeforge`, tsx, jest); not from a built package, which has no `config/`.
 */
function requireConfig<T>(root: string, module: 'products' | 'marts', exportName: string): T {
  const dir = path.resolve(root, 'config', module);
  for (const key of Object.keys(require.cache)) if (key.startsWith(path.resolve(root, 'config') + path.sep)) delete require.cache[key];
  let loaded: Record<string, unknown>;
  try {
    loaded = require(dir) as Record<string, unknown>;
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ScaffoldError(`cannot load ${path.join('config', module, 'index.ts')} under ${root}: ${reason} (run the command from the repository, e.g. \`npm run lakeforge -- …\`)`);
  }
  const value = loaded[exportName];
  if (!Array.isArray(value)) throw new ScaffoldError(`config/${module}/index.ts under ${root} exports no ${exportName} array`);
  return value as T;
}

function readText(root: string, p: string): string {
  const file = repoPath(root, p);
  if (!fs.existsSync(file)) throw new ScaffoldError(`${p} not found under ${root} (run the command at the repository root, or pass --root)`);
  return fs.readFileSync(file, 'utf8');
}

function readContracts(root: string) {
  try {
    return loadContracts(repoPath(root, DEFAULT_CONTRACTS_DIR)).map((l) => l.contract);
  } catch (e) {
    throw new ScaffoldError(isContractError(e) ? e.message : String(e));
  }
}

/** Writes every edit whose content differs from the file on disk; prints `wrote` or `up to date` per file. */
function writeEdits(root: string, edits: readonly FileEdit[], io: CommandIo): void {
  for (const edit of edits) {
    const file = repoPath(root, edit.path);
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === edit.content) {
      io.out(`up to date  ${edit.path}`);
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, edit.content);
    io.out(`wrote       ${edit.path}`);
  }
}

/** Runs an action; a ScaffoldError (or any error) becomes one line on stderr and exit code 1. */
function run(io: CommandIo, action: () => void): number {
  try {
    action();
    return 0;
  } catch (e) {
    io.err(e instanceof ScaffoldError || isContractError(e) ? e.message : `Error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    return 1;
  }
}

const exists = (root: string) => (p: string) => fs.existsSync(repoPath(root, p));

/**
 * `product new <name>`: writes the new contracts, the declaration, its registration in
 * `config/products/index.ts` and the regenerated validators and types; prints the next steps.
 *
 * @returns the exit code: 0 on success, 1 on a refusal (nothing written).
 */
export function productNewAction(name: string, opts: ProductNewOptions, io: CommandIo = PROCESS_IO): number {
  const root = opts.root ?? process.cwd();
  return run(io, () => {
    const sla = opts.sla === undefined ? undefined : Number(opts.sla);
    if (sla !== undefined && !Number.isInteger(sla)) throw new ScaffoldError(`data product "${name}": --sla "${opts.sla}" is not a whole number of minutes`);
    const plan = planProductNew(
      {
        name,
        domain: opts.domain,
        owner: opts.owner,
        contracts: opts.contract ?? [],
        ...(opts.description === undefined ? {} : { description: opts.description }),
        ...(sla === undefined ? {} : { freshnessSlaMinutes: sla }),
        ...(opts.classification === undefined ? {} : { classification: opts.classification }),
        ...(opts.consumer === undefined || opts.consumer.length === 0 ? {} : { consumers: opts.consumer }),
      },
      {
        productsIndex: readText(root, PRODUCTS_INDEX),
        products: requireConfig<ProductDeclaration[]>(root, 'products', 'PRODUCTS'),
        contracts: readContracts(root),
        exists: exists(root),
      },
    );
    writeEdits(root, plan.edits, io);
    const created = plan.contracts.contractFiles.map((e) => e.path);
    io.out('');
    io.out(`Data product "${plan.declaration.name}" created (${plan.productFile}). Next steps:`);
    const steps = [
      created.length > 0
        ? `Describe the events: replace the example fields in ${created.join(', ')} (properties, descriptions, required), then regenerate the validators and types: npm run lakeforge -- contracts build`
        : undefined,
      `Review ${plan.productFile}: description, classification and PII columns, freshness SLA (${plan.declaration.freshnessSlaMinutes} min), consumers.`,
      created.length > 0 ? 'Publish the new contract version(s) (the CI gate then keeps them immutable): npm run lakeforge -- contracts publish' : undefined,
      `Optionally add a mart: npm run lakeforge -- marts new <name> --product ${plan.declaration.name}`,
      'Update the snapshots and the stateful logical-id list, and review the diff: npm run test:update',
      'Check: npm test, then npm run synth',
    ].filter((s): s is string => s !== undefined);
    steps.forEach((s, i) => io.out(`  ${i + 1}. ${s}`));
  });
}

/**
 * `contracts new <vendor>/<name>`: writes the 1-0-0 contract and the regenerated validators and types.
 *
 * @returns the exit code: 0 on success, 1 on a refusal (an invalid or existing contract; nothing written).
 */
export function contractsNewAction(ref: string, opts: ScaffoldOptions = {}, io: CommandIo = PROCESS_IO): number {
  const root = opts.root ?? process.cwd();
  return run(io, () => {
    const plan = planContracts([parseContractRef(ref)], readContracts(root));
    writeEdits(root, plan.edits, io);
    const file = plan.contractFiles[0]?.path ?? '';
    io.out('');
    io.out(`Contract ${plan.created.join(', ')} created. Next steps:`);
    [
      `Describe the event: replace the example fields in ${file}, then regenerate the validators and types: npm run lakeforge -- contracts build`,
      'List it in a data product (config/products/<product>.ts, `contracts`), or create one: npm run lakeforge -- product new <name> --domain <domain> --owner <team> --contract ' + ref,
      'Publish the version: npm run lakeforge -- contracts publish',
      'Update the snapshots and the stateful logical-id list, and review the diff: npm run test:update; then npm test and npm run synth',
    ].forEach((s, i) => io.out(`  ${i + 1}. ${s}`));
  });
}

/**
 * `marts new <name> --product <p> [--from <curated table>]`: writes `config/marts/<name>.{ts,sql}` and
 * registers the mart in `config/marts/index.ts`, after checking it as `marts check` does.
 *
 * @returns the exit code: 0 on success, 1 on a refusal (nothing written).
 */
export function martsNewAction(name: string, opts: MartsNewOptions, io: CommandIo = PROCESS_IO): number {
  const root = opts.root ?? process.cwd();
  return run(io, () => {
    let contractTables;
    try {
      contractTables = readContractTables(repoPath(root, DEFAULT_CONTRACTS_DIR));
    } catch (e) {
      throw new ScaffoldError(e instanceof Error ? e.message : String(e));
    }
    const plan = planMartNew(
      { name, product: opts.product, ...(opts.from === undefined ? {} : { from: opts.from }) },
      {
        martsIndex: readText(root, MARTS_INDEX),
        marts: requireConfig<Mart[]>(root, 'marts', 'MARTS'),
        products: requireConfig<ProductDeclaration[]>(root, 'products', 'PRODUCTS'),
        contractTables,
        exists: exists(root),
      },
    );
    writeEdits(root, plan.edits, io);
    io.out('');
    io.out(`Mart "${plan.mart.name}" created (${plan.mart.table}, passes \`marts check\`). Next steps:`);
    [
      `Write the query you need in ${plan.mart.sqlPath} and keep output.columns, key and dependsOn in config/marts/${name}.ts in step with it; check: npm run lakeforge -- marts check`,
      'Update the snapshots and review the diff: npm run test:update; then npm test and npm run synth',
    ].forEach((s, i) => io.out(`  ${i + 1}. ${s}`));
  });
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The sub-command named `name` of `program`, or a new one (when the command's own module did not register it). */
function subcommand(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

/**
 * Registers `product new`, and adds `new` to the existing `contracts` and `marts` commands (call it
 * after `registerContractsCommands` and `registerMartsCommands`; missing parents are created).
 * Actions set `process.exitCode`; they never throw.
 */
export function registerScaffoldCommands(program: Command): void {
  const product = subcommand(program, 'product', 'data products: scaffold a new one');
  product
    .command('new <name>')
    .description('scaffold a data product: declaration, 1-0-0 contracts, registration in config/products/index.ts, regenerated validators and types')
    .requiredOption('--domain <domain>', 'business domain, one lower-case word (products of a domain share a stack)')
    .requiredOption('--owner <team>', 'owning team')
    .option('--contract <vendor/name>', 'event contract, new (written at 1-0-0) or existing; repeat for several', collect)
    .option('--description <text>', 'what the product is and who should use it (default: a sentence from the arguments)')
    .option('--sla <minutes>', 'freshness SLA in minutes', '120')
    .option('--classification <level>', 'public, internal, confidential or restricted', 'internal')
    .option('--consumer <workgroup>', 'consumer workgroup; repeat for several (default: analysts)', collect)
    .option('--root <dir>', 'repository root', process.cwd())
    .action((name: string, o: ProductNewOptions) => {
      process.exitCode = productNewAction(name, o);
    });
  subcommand(program, 'contracts', 'data contracts')
    .command('new <vendor/name>')
    .description('scaffold a data contract at 1-0-0 (Iglu layout) and regenerate the validators and types')
    .option('--root <dir>', 'repository root', process.cwd())
    .action((ref: string, o: ScaffoldOptions) => {
      process.exitCode = contractsNewAction(ref, o);
    });
  subcommand(program, 'marts', 'Athena marts declared in config/marts')
    .command('new <name>')
    .description('scaffold a mart (daily event counts of a curated table) and register it in config/marts/index.ts')
    .requiredOption('--product <name>', 'the data product the mart belongs to')
    .option('--from <table>', "curated table to count (default: the product's first contract table)")
    .option('--root <dir>', 'repository root', process.cwd())
    .action((name: string, o: MartsNewOptions) => {
      process.exitCode = martsNewAction(name, o);
    });
}

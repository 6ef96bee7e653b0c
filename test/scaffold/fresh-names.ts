/**
 * Names for the scaffolding tests that no declaration of the repository uses, so that the tests keep
 * passing after a team scaffolds the product of the README example (`playback`,
 * `com.acme.video/video_played`, `daily_plays`) or any other product, contract or mart.
 *
 * Each name is the given base when it is free, else the base with a numeric suffix (`playback-2`,
 * `video_played_2`, `daily_plays_2`, …): the first that no declared product, contract or mart uses,
 * whose file does not exist, whose camelCase identifier is not a word of the index file, and that no
 * earlier call of the same {@link FreshNames} returned.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { PRODUCTS } from '../../config/products';
import type { Contract } from '../../lib/contracts/contract';
import { loadContracts } from '../../lib/contracts/loader';
import { contractTableName } from '../../lib/marts/contract-adapter';
import { pascalCase } from '../../lib/contracts/typescript-types';
import type { Mart } from '../../lib/marts/declaration';
import type { ProductDeclaration } from '../../lib/products/declaration';
import { MARTS_INDEX } from '../../lib/scaffold/mart';
import { PRODUCTS_INDEX } from '../../lib/scaffold/product';

/** Root of the repository whose config the tests plan against. */
export const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

/** Iglu vendor of the contracts the tests scaffold (the README example's); contract names are fresh across every vendor. */
export const VENDOR = 'com.acme.video';

/** What a fresh name must not collide with. */
export interface Declarations {
  /** The declared products (`PRODUCTS`). */
  readonly products: readonly ProductDeclaration[];
  /** The declared marts (`MARTS`). */
  readonly marts: readonly Mart[];
  /** Every contract version of the contracts folder (`loadContracts`). */
  readonly contracts: readonly Contract[];
  /** Text of `config/products/index.ts`. */
  readonly productsIndex: string;
  /** Text of `config/marts/index.ts`. */
  readonly martsIndex: string;
  /** Whether a repository path (`/`-separated) exists. */
  readonly exists: (repoPath: string) => boolean;
}

/** The declarations of the repository at {@link REPOSITORY_ROOT}: `PRODUCTS`, `MARTS`, the contracts on disk and the two index files. */
export function repositoryDeclarations(): Declarations {
  const read = (p: string): string => fs.readFileSync(path.join(REPOSITORY_ROOT, p), 'utf8');
  return {
    products: PRODUCTS,
    marts: MARTS,
    contracts: loadContracts(path.join(REPOSITORY_ROOT, 'config', 'contracts')).map((l) => l.contract),
    productsIndex: read(PRODUCTS_INDEX),
    martsIndex: read(MARTS_INDEX),
    exists: (p) => fs.existsSync(path.join(REPOSITORY_ROOT, p)),
  };
}

/** The identifier a scaffold exports a declaration as when nothing clashes: the camelCase of `name` (`daily_plays` → `dailyPlays`). */
export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal[0].toLowerCase() + pascal.slice(1);
}

/** Hands out distinct free names (see the module doc); each call reserves the name it returns. */
export interface FreshNames {
  /** A kebab-case product name, e.g. `playback`: not declared, no `config/products/<name>.ts`, identifier free in the products index. */
  product(base: string): string;
  /**
   * A contract name, e.g. `video_played`: no contract of any vendor has that name (so `<vendor>/<name>` is absent
   * and its Glue table `<name>_v1` is not taken), its PascalCase is not another contract's, no product owns a
   * batch table `<name>_v1`, and `config/contracts/<VENDOR>/<name>` does not exist.
   */
  contract(base: string): string;
  /** A lower_snake_case mart name, e.g. `daily_plays`: not declared, no `config/marts/<name>.ts|.sql`, identifier free in the marts index. */
  mart(base: string): string;
  /** An Iglu vendor no contract uses, e.g. `com.other.vendor` (suffix without a separator: `com.other.vendor2`). */
  vendor(base: string): string;
}

/**
 * Distinct names absent from `declared`.
 *
 * @param declared - what to avoid. @default - the repository's declarations ({@link repositoryDeclarations})
 */
export function freshNames(declared: Declarations = repositoryDeclarations()): FreshNames {
  const returned = new Set<string>();
  const word = (identifier: string, source: string): boolean => new RegExp(`\\b${identifier}\\b`).test(source);
  const pick = (base: string, separator: string, taken: (candidate: string) => boolean): string => {
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base}${separator}${n}`;
      if (!returned.has(candidate) && !taken(candidate)) {
        returned.add(candidate);
        return candidate;
      }
    }
  };
  const contractNames = declared.contracts.map((c) => c.uri.name);
  const batchTables = new Set(declared.products.flatMap((p) => p.batchTables));
  return {
    product: (base) =>
      pick(
        base,
        '-',
        (n) => declared.products.some((p) => p.name === n) || declared.exists(`config/products/${n}.ts`) || word(camelCase(n), declared.productsIndex),
      ),
    contract: (base) =>
      pick(
        base,
        '_',
        (n) =>
          contractNames.some((c) => c === n || pascalCase(c) === pascalCase(n)) ||
          batchTables.has(contractTableName(n, 1)) ||
          declared.exists(`config/contracts/${VENDOR}/${n}`),
      ),
    mart: (base) =>
      pick(
        base,
        '_',
        (n) =>
          declared.marts.some((m) => m.name === n) ||
          declared.exists(`config/marts/${n}.ts`) ||
          declared.exists(`config/marts/${n}.sql`) ||
          word(camelCase(n), declared.martsIndex),
      ),
    vendor: (base) => pick(base, '', (v) => declared.contracts.some((c) => c.uri.vendor === v)),
  };
}

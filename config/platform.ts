import * as path from 'node:path';
import { BATCH_TABLES } from '../lib/marts/catalog';
import { readContractTables } from '../lib/marts/contract-adapter';
import type { PlatformDefinition } from '../lib/stages/lakeforge-stage';
import { MARTS } from './marts';
import { PRODUCTS } from './products';

/** Where the platform's data contracts live (Iglu layout). */
export const CONTRACTS_DIR = path.join(__dirname, 'contracts');

/**
 * What every environment deploys: the data products, the contract MODEL tables they reference, the
 * vendor batch tables and the marts. The same in dev, acc and prod; environments differ only in `environments.ts`.
 *
 * @throws ContractError / ProductDeclarationError with the file and field of a broken contract or product.
 */
export function loadPlatform(): PlatformDefinition {
  return { products: PRODUCTS, contractTables: readContractTables(CONTRACTS_DIR), batchTables: BATCH_TABLES, marts: MARTS };
}

import { checkProducts, type ProductDeclaration } from '../../lib/products/declaration';
import { contentCatalog } from './content-catalog';
import { viewerEngagement } from './viewer-engagement';

/** Every data product of the platform. Add a product: write `config/products/<name>.ts` and list it here. */
export const PRODUCTS: readonly ProductDeclaration[] = [viewerEngagement, contentCatalog];

checkProducts(PRODUCTS);

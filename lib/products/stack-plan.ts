import type { ProductDeclaration } from './declaration';

/** CloudFormation's limit on resources per stack (AWS CloudFormation User Guide, "Quotas"). */
export const CFN_RESOURCE_LIMIT = 500;
/** Lakeforge keeps product stacks under this many resources, leaving room for CDK metadata and growth. */
export const PRODUCT_STACK_BUDGET = 450;

/** The products deployed in one stack. */
export interface ProductStackGroup {
  /** The stack id, `Products<Domain>`, e.g. `ProductsEngagement`. */
  readonly stackId: string;
  /** The domain. */
  readonly domain: string;
  /** The products, in declaration order. */
  readonly products: readonly ProductDeclaration[];
  /** CloudFormation resources the group will create. */
  readonly resources: number;
}

/**
 * CloudFormation resources one product creates: two tables (raw + curated) per contract MODEL, one per
 * batch table, and its registry publication (one custom resource).
 *
 * @param modelsOf - how many distinct contract MODELs the product's contracts span.
 */
export function productResourceCount(p: ProductDeclaration, modelsOf: (p: ProductDeclaration) => number): number {
  return 2 * modelsOf(p) + p.batchTables.length + 1;
}

/**
 * Groups products into stacks by domain — a stable key, so adding a product never moves another
 * product's tables to a different stack (which would replace them).
 *
 * @throws Error naming the domain when one domain's products exceed {@link PRODUCT_STACK_BUDGET} resources.
 */
export function planProductStacks(products: readonly ProductDeclaration[], modelsOf: (p: ProductDeclaration) => number): ProductStackGroup[] {
  const byDomain = new Map<string, ProductDeclaration[]>();
  for (const p of products) byDomain.set(p.domain, [...(byDomain.get(p.domain) ?? []), p]);
  return [...byDomain.entries()].map(([domain, list]) => {
    const resources = list.reduce((n, p) => n + productResourceCount(p, modelsOf), 0);
    if (resources > PRODUCT_STACK_BUDGET) {
      throw new Error(
        `Data products of domain "${domain}" need ${resources} CloudFormation resources in one stack (budget ${PRODUCT_STACK_BUDGET}, hard limit ${CFN_RESOURCE_LIMIT}): split the domain into smaller ones`,
      );
    }
    return { stackId: `Products${domain.charAt(0).toUpperCase()}${domain.slice(1)}`, domain, products: list, resources };
  });
}

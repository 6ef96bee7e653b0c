import { didYouMean } from '../shared/config-error';
import { ProductDeclarationError, type ProductDeclaration } from './declaration';

/**
 * Data product consumers: which products each consumer reads, and the check that every consumer a product
 * names is defined in config. Pure: the stage turns the result into grants.
 */

/** Thrown when a product names consumers that no environment defines: one line per unknown name. */
export class ProductConsumersError extends ProductDeclarationError {
  /** The problems, one line each (`<declaration file>: consumers.<i>: …`). */
  public readonly issues: readonly string[];

  /** @param issues - one line per unknown consumer. */
  constructor(issues: readonly string[]) {
    super(issues.join('\n'));
    this.name = 'ProductConsumersError';
    this.issues = issues;
  }
}

/**
 * The consumers products name that are not defined, one line each, naming the declaration file and field:
 * `config/products/viewer-engagement.ts: consumers.1: "bx" is not a consumer defined in config (analysts, bi), did you mean "bi"?`.
 *
 * @param products - the product declarations.
 * @param defined - every consumer name defined in config, in any environment (`analytics.consumers`).
 * @returns the problems; empty when every named consumer is defined somewhere.
 */
export function productConsumerProblems(products: readonly ProductDeclaration[], defined: readonly string[]): string[] {
  const known = [...new Set(defined)].sort();
  return products.flatMap((p) =>
    p.consumers.flatMap((consumer, i) => {
      if (known.includes(consumer)) return [];
      const hint = didYouMean(consumer, known);
      const where = p.source ?? `data product "${p.name}"`;
      return [`${where}: consumers.${i}: "${consumer}" is not a consumer defined in config (${known.join(', ') || 'none'})${hint === undefined ? '' : `, ${hint}`}`];
    }),
  );
}

/**
 * Checks that every consumer a product names is defined in at least one environment. A consumer defined only in
 * some environments is granted only there (the others have no such role or workgroup).
 *
 * @param products - the product declarations.
 * @param defined - every consumer name defined in config, in any environment.
 * @throws ProductConsumersError with one line per unknown consumer.
 */
export function checkProductConsumers(products: readonly ProductDeclaration[], defined: readonly string[]): void {
  const problems = productConsumerProblems(products, defined);
  if (problems.length > 0) throw new ProductConsumersError(problems);
}

/**
 * The products each consumer reads, for the consumers one environment defines: consumer name → the products
 * that name it, in declaration order. Consumers no product names are left out; names the environment does not
 * define are ignored (see {@link checkProductConsumers}).
 *
 * @param products - the product declarations (e.g. those of one products stack).
 * @param consumers - the consumer names the environment defines.
 */
export function productsByConsumer(products: readonly ProductDeclaration[], consumers: readonly string[]): Map<string, ProductDeclaration[]> {
  const out = new Map<string, ProductDeclaration[]>();
  for (const consumer of consumers) {
    const readers = products.filter((p) => p.consumers.includes(consumer));
    if (readers.length > 0) out.set(consumer, readers);
  }
  return out;
}

import { z } from 'zod';

/**
 * A data product declaration: what product teams write in `config/products/<name>.ts`. The platform
 * derives tables, permissions, tags and catalog docs from it.
 */

/** Data classification levels, from least to most sensitive. */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;

const igluUri = z
  .string()
  .regex(/^iglu:[a-zA-Z0-9_.-]+\/[a-zA-Z0-9_-]+\/jsonschema\/[1-9][0-9]*-[0-9]+-[0-9]+$/, {
    message: 'expected an Iglu URI iglu:<vendor>/<name>/jsonschema/<MODEL>-<REVISION>-<ADDITION>',
  });

/** The zod schema of a product declaration. */
export const productDeclarationSchema = z
  .object({
    /** Product name, kebab-case (used in tags, docs and construct ids). */
    name: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, { message: 'expected kebab-case, 2–63 characters' }),
    /** Owning team. */
    owner: z.string().min(2),
    /** What the product is and who should use it. */
    description: z.string().min(10),
    /** Business domain; products of one domain are deployed in one stack (`Products-<Domain>`). */
    domain: z.string().regex(/^[a-z][a-z0-9]{1,30}$/, { message: 'expected a lower-case word' }),
    /** Event contracts (Iglu URIs of the versions producers send). One raw and one curated table per MODEL. */
    contracts: z.array(igluUri).default([]),
    /** Vendor batch tables (raw zone, CSV) owned by this product, by table name, e.g. `content_catalog_movies`. */
    batchTables: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).default([]),
    /** Classification of the product's data, and which columns hold personal data. */
    classification: z
      .object({
        level: z.enum(CLASSIFICATIONS),
        /** Column names (as in the curated tables) that hold personal data. */
        piiColumns: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).default([]),
      })
      .strict(),
    /** Freshness SLA: the newest curated event is never older than this, in minutes. */
    freshnessSlaMinutes: z.number().int().min(1).max(7 * 24 * 60),
    /**
     * Who may read the product: consumers defined in config (`analytics.consumers`, e.g. `analysts`, `bi`), each an
     * IAM role that queries in its workgroup. Each gets read access to the product's curated tables, batch tables
     * and marts in every environment that defines it; a name no environment defines fails synth.
     */
    consumers: z.array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/)).default([]),
  })
  .strict()
  .refine((p) => p.contracts.length + p.batchTables.length > 0, { message: 'a product needs at least one contract or batch table', path: ['contracts'] });

/** A product declaration as written (defaults not yet applied). */
export type ProductDeclarationInput = z.input<typeof productDeclarationSchema>;
/** A parsed product declaration. */
export type ProductDeclaration = z.output<typeof productDeclarationSchema> & {
  /**
   * The file the declaration was read from (the `source` given to {@link defineProduct}), for error messages
   * about it found later (e.g. an unknown consumer).
   * @default - unknown: messages name the product instead
   */
  readonly source?: string;
};

/** Thrown when a product declaration is invalid; the message names the file/product and the field. */
export class ProductDeclarationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProductDeclarationError';
  }
}

/**
 * Validates one product declaration.
 *
 * @param input - the declaration as written (or one defined before: its `source` is kept).
 * @param source - where it comes from, for error messages (e.g. `config/products/viewer-engagement.ts`); kept as
 *   the declaration's `source`. @default - messages say `config/products`
 * @throws ProductDeclarationError naming the source and every invalid field.
 */
export function defineProduct(input: ProductDeclarationInput | ProductDeclaration, source?: string): ProductDeclaration {
  // A declaration defined before (with its `source`) may be defined again: its source is kept unless one is given.
  const { source: definedIn, ...fields } = input as ProductDeclarationInput & { source?: string };
  source ??= definedIn;
  const result = productDeclarationSchema.safeParse(fields);
  if (!result.success) {
    const name = typeof (input as { name?: unknown }).name === 'string' ? (input as { name: string }).name : '?';
    throw new ProductDeclarationError(
      `Invalid data product "${name}" (${source ?? 'config/products'}): ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return source === undefined ? result.data : { ...result.data, source };
}

/**
 * Checks a set of products together: unique names, each contract and batch table owned by one product.
 *
 * @throws ProductDeclarationError naming the duplicate.
 */
export function checkProducts(products: readonly ProductDeclaration[]): void {
  const names = new Set<string>();
  const owners = new Map<string, string>();
  for (const p of products) {
    if (names.has(p.name)) throw new ProductDeclarationError(`Data product "${p.name}" is declared twice`);
    names.add(p.name);
    for (const key of [...p.contracts, ...p.batchTables]) {
      const other = owners.get(key);
      if (other !== undefined) throw new ProductDeclarationError(`"${key}" belongs to both data products "${other}" and "${p.name}"`);
      owners.set(key, p.name);
    }
  }
}

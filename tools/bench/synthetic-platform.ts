/**
 * A synthetic platform for scale tests and the synth benchmark: the real platform (`loadPlatform()`) plus `n`
 * generated data products, each with one event contract of its own (a copy of a real contract table under a new
 * Iglu name), spread over domains of at most {@link PRODUCTS_PER_DOMAIN} products so every product stack stays
 * within its budget. Built in memory: nothing is written to config/.
 */
import { loadPlatform } from '../../config/platform';
import { contractTableName, type ContractTable } from '../../lib/marts/contract-adapter';
import { defineProduct } from '../../lib/products/declaration';
import type { PlatformDefinition } from '../../lib/stages/lakeforge-stage';

/** Generated products per domain (`synthetic0`, `synthetic1`, …). */
export const PRODUCTS_PER_DOMAIN = 100;

/** Iglu vendor of the generated contracts. */
export const SYNTHETIC_VENDOR = 'com.example.synthetic';

/**
 * The real platform plus `n` generated data products with one contract each.
 *
 * @param n - generated products (0 gives the real platform).
 * @throws Error when `n` is negative or not an integer.
 */
export function syntheticPlatform(n: number): PlatformDefinition {
  if (!Number.isInteger(n) || n < 0) throw new Error(`syntheticPlatform: n must be a whole number ≥ 0, got ${n}`);
  const base = loadPlatform();
  const template = base.contractTables[0];
  if (template === undefined) throw new Error('syntheticPlatform: the real platform has no contract table to copy');
  const contracts: ContractTable[] = [];
  const products = [];
  for (let i = 0; i < n; i++) {
    const name = `synthetic_event_${i}`;
    const uri = `iglu:${SYNTHETIC_VENDOR}/${name}/jsonschema/1-0-0`;
    contracts.push({
      ...template,
      vendor: SYNTHETIC_VENDOR,
      contractName: name,
      model: 1,
      tableName: contractTableName(name, 1),
      schemaUri: uri,
      versions: [uri],
      // Its own schema text (the template's, with `self` naming this contract): the product publishes it.
      schemas: [{ uri, text: syntheticSchemaText(template, name) }],
      description: `Synthetic event ${i} (scale test).`,
      rawPrefix: `events/${SYNTHETIC_VENDOR}/${name}/v1/`,
    });
    products.push(
      defineProduct(
        {
          name: `synthetic-product-${i}`,
          owner: 'scale-test',
          description: `Synthetic data product ${i} for the scale test and the synth benchmark.`,
          domain: `synthetic${Math.floor(i / PRODUCTS_PER_DOMAIN)}`,
          contracts: [uri],
          classification: { level: 'internal' },
          freshnessSlaMinutes: 60,
        },
        `synthetic product ${i}`,
      ),
    );
  }
  return { ...base, products: [...base.products, ...products], contractTables: [...base.contractTables, ...contracts] };
}

/**
 * The schema text of a synthetic contract: the template's first version with its `self` block naming
 * `<SYNTHETIC_VENDOR>/<name>` at 1-0-0, so the synthetic product publishes a schema that describes itself.
 *
 * @throws Error when the template carries no schema text.
 */
function syntheticSchemaText(template: ContractTable, name: string): string {
  const text = template.schemas?.[0]?.text;
  if (text === undefined) throw new Error(`syntheticPlatform: contract table ${template.tableName} carries no schema text to copy`);
  const schema = JSON.parse(text) as { self: Record<string, string> };
  return JSON.stringify({ ...schema, self: { ...schema.self, vendor: SYNTHETIC_VENDOR, name, version: '1-0-0' } }, null, 2);
}

import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRODUCTS } from '../../config/products';
import { loadContracts } from '../../lib/contracts/loader';
import { parseIgluUri } from '../../lib/contracts/schemaver';
import { type ProductScaffoldContext, type ProductScaffoldInput, PRODUCT_DEFAULTS, PRODUCTS_INDEX, planProductNew } from '../../lib/scaffold/product';
import { ScaffoldError } from '../../lib/scaffold/scaffold-error';
import { VENDOR, camelCase, freshNames } from './fresh-names';

const ROOT = path.join(__dirname, '..', '..');
const CONTEXT: ProductScaffoldContext = {
  productsIndex: fs.readFileSync(path.join(ROOT, PRODUCTS_INDEX), 'utf8'),
  products: PRODUCTS,
  contracts: loadContracts(path.join(ROOT, 'config', 'contracts')).map((l) => l.contract),
  exists: (p) => fs.existsSync(path.join(ROOT, p)),
};
// The README example, with names no declaration uses (`playback-2` once a team has added `playback`, …).
const FRESH = freshNames();
const PRODUCT = FRESH.product('playback');
const CONTRACT = FRESH.contract('video_played');
const URI = `iglu:${VENDOR}/${CONTRACT}/jsonschema/1-0-0`;
const PRODUCT_FILE = `config/products/${PRODUCT}.ts`;
const INPUT: ProductScaffoldInput = { name: PRODUCT, domain: 'playback', owner: 'video-team', contracts: [`${VENDOR}/${CONTRACT}`] };

describe('planProductNew', () => {
  it('declares the product with the defaults and registers it, after the new contract and before the generated files', () => {
    const plan = planProductNew(INPUT, CONTEXT);
    expect(plan.declaration).toMatchObject({
      name: PRODUCT,
      domain: INPUT.domain,
      owner: INPUT.owner,
      contracts: [URI],
      classification: { level: PRODUCT_DEFAULTS.classification, piiColumns: [] },
      freshnessSlaMinutes: PRODUCT_DEFAULTS.freshnessSlaMinutes,
      consumers: [...PRODUCT_DEFAULTS.consumers],
    });
    expect(plan.declaration.description).toBe(`The ${PRODUCT} data product of ${INPUT.owner} in the ${INPUT.domain} domain: ${CONTRACT} (${VENDOR}) events.`);
    expect(plan.edits.map((e) => e.path)).toEqual([
      `config/contracts/${VENDOR}/${CONTRACT}/jsonschema/1-0-0.json`,
      PRODUCT_FILE,
      PRODUCTS_INDEX,
      'lambdas/ingest/generated/validators.js',
      'lambdas/ingest/generated/validators.d.ts',
      'lib/generated/contract-types.ts',
    ]);
    const file = plan.edits[1].content;
    expect(file).toContain(`export const ${camelCase(PRODUCT)} = defineProduct(`);
    expect(file).toContain(`contracts: ['${URI}'],`);
    expect(file).toContain(`  '${PRODUCT_FILE}',\n);`);
    expect(plan.edits[2].content).toContain(`import { ${camelCase(PRODUCT)} } from './${PRODUCT}';`);
  });

  it('takes the description, SLA, classification and consumers given, quoting them safely', () => {
    const plan = planProductNew(
      { ...INPUT, description: "Plays of the team's videos */ per title.", freshnessSlaMinutes: 60, classification: 'confidential', consumers: ['analysts', 'bi'] },
      CONTEXT,
    );
    expect(plan.declaration).toMatchObject({ freshnessSlaMinutes: 60, classification: { level: 'confidential' }, consumers: ['analysts', 'bi'] });
    expect(plan.edits[1].content).toContain("description: 'Plays of the team\\'s videos */ per title.',");
    expect(plan.edits[1].content).toContain("/** Plays of the team's videos *\\/ per title. */");
  });

  it('references a contract that exists but belongs to no product', () => {
    const owned = new Set(PRODUCTS.flatMap((p) => p.contracts));
    const free = CONTEXT.contracts.find((c) => !owned.has(c.id));
    const fake = free ?? CONTEXT.contracts[0];
    const context = free === undefined ? { ...CONTEXT, products: PRODUCTS.map((p) => ({ ...p, contracts: p.contracts.filter((u) => u !== fake.id) })) } : CONTEXT;
    const plan = planProductNew({ ...INPUT, contracts: [`${fake.uri.vendor}/${fake.uri.name}`] }, context);
    expect(plan.contracts.reused).toEqual([fake.id]);
    expect(plan.edits.map((e) => e.path)).toEqual([PRODUCT_FILE, PRODUCTS_INDEX]);
  });

  const owned = parseIgluUri(PRODUCTS.find((p) => p.contracts.length > 0)?.contracts[0] ?? '');
  it.each<[string, Partial<ProductScaffoldInput>, RegExp]>([
    ['an existing product name', { name: PRODUCTS[0].name }, /already exists/],
    ['an invalid name', { name: 'Play_Back' }, /name: expected kebab-case/],
    ['an invalid domain', { domain: 'Play-back' }, /domain: expected a lower-case word/],
    ['an invalid owner', { owner: 'x' }, /owner:/],
    ['an invalid SLA', { freshnessSlaMinutes: 0 }, /freshnessSlaMinutes:/],
    ['an invalid classification', { classification: 'secret' }, /classification "secret"/],
    ['no contract', { contracts: [] }, /at least one contract/],
    ['an invalid vendor', { contracts: ['com acme/video_played'] }, /vendor "com acme"/],
    ['an invalid contract name', { contracts: ['com.acme/video.played'] }, /name "video.played"/],
    ['a contract owned by another product', { contracts: [`${owned.vendor}/${owned.name}`] }, /belongs to data product/],
  ])('refuses %s with one line', (_what, change, message) => {
    const run = (): unknown => planProductNew({ ...INPUT, ...change }, CONTEXT);
    expect(run).toThrow(ScaffoldError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (e) {
      expect((e as Error).message).not.toContain('\n');
    }
  });

  it('refuses when the declaration file already exists', () => {
    expect(() => planProductNew(INPUT, { ...CONTEXT, exists: (p) => p === PRODUCT_FILE })).toThrow(`${PRODUCT_FILE} already exists`);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { PRODUCTS } from '../../config/products';
import { buildCatalogDocs, CatalogDocsError, formatMinutes, martReads, type CatalogDocs, type ProductDoc, type TableDoc } from '../../lib/catalog-docs';
import { BATCH_TABLES } from '../../lib/marts/catalog';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { defineProduct, type ProductDeclarationInput } from '../../lib/products/declaration';
import { selfDescribing } from '../contracts/contract-factory';

const CONTRACTS = path.join(__dirname, '../../config/contracts');
const ENVS = ['dev', 'acc', 'prod'];
const contracts = readContractTables(CONTRACTS);
const docs: CatalogDocs = buildCatalogDocs({ products: PRODUCTS, contracts, batchTables: BATCH_TABLES, marts: martReads(MARTS, contracts), environments: ENVS });

const product = (name: string): ProductDoc => {
  const p = docs.products.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no product ${name}`);
  return p;
};
const allTables = (p: ProductDoc): TableDoc[] => [...p.contracts.flatMap((c) => c.tables), ...p.batchTables];
const table = (logicalName: string): TableDoc => {
  const t = docs.products.flatMap(allTables).find((x) => x.logicalName === logicalName);
  if (t === undefined) throw new Error(`no table ${logicalName}`);
  return t;
};
const columns = (t: TableDoc): string[] => t.columns.map((c) => `${c.name}:${c.type}${c.pii ? ':pii' : ''}`);

describe('catalog docs model of the reference products', () => {
  it('documents every declared product once, sorted by name, with its declaration facts', () => {
    expect(docs.products.map((p) => p.name)).toEqual(PRODUCTS.map((p) => p.name).sort());
    for (const decl of PRODUCTS) {
      const p = product(decl.name);
      expect([p.owner, p.description, p.domain, p.classification, p.freshnessSlaMinutes, p.consumers, p.piiColumns]).toEqual([
        decl.owner, decl.description, decl.domain, decl.classification.level, decl.freshnessSlaMinutes, decl.consumers, decl.classification.piiColumns,
      ]);
    }
  });

  it('gives the curated contract tables the envelope columns around the contract columns, with user_id flagged PII', () => {
    expect(columns(table('curated.rating_submitted_v1'))).toEqual([
      'event_id:string', 'event_time:timestamp', 'schema_uri:string', 'user_id:int:pii', 'movie_id:int', 'rating:double', 'arrival_time:timestamp', 'dt:string',
    ]);
    expect(columns(table('curated.tag_added_v1'))).toEqual([
      'event_id:string', 'event_time:timestamp', 'schema_uri:string', 'user_id:int:pii', 'movie_id:int', 'tag:string', 'arrival_time:timestamp', 'dt:string',
    ]);
    expect(table('curated.tag_added_v1').columns.filter((c) => c.partitionKey).map((c) => c.name)).toEqual(['dt']);
  });

  it('lists the raw data struct fields under data, flagging the PII field and the struct that holds it', () => {
    expect(columns(table('raw.rating_submitted_v1'))).toEqual([
      'schema:string', 'event_id:string', 'event_time:string', 'data:struct<user_id:int,movie_id:int,rating:double>:pii',
      'data.user_id:int:pii', 'data.movie_id:int', 'data.rating:double', 'arrival_time:string', 'shard_id:string', 'sequence_number:string', 'dt:string', 'hour:string',
    ]);
  });

  it('carries the contract property descriptions into the column docs', () => {
    const rating = table('curated.rating_submitted_v1').columns.find((c) => c.name === 'rating');
    expect(rating?.description).toBe('Star rating from 0.5 to 5.0 in half-star steps.');
  });

  it('documents the batch tables as all-string columns without PII', () => {
    expect(columns(table('raw.content_catalog_movies'))).toEqual(['movie_id:string', 'title:string', 'genres:string']);
    expect(columns(table('raw.content_catalog_links'))).toEqual(['movie_id:string', 'imdb_id:string', 'tmdb_id:string']);
  });

  it('names every table physically as lakeforge_<env>_<zone>.<table> for dev, acc and prod', () => {
    expect(table('curated.tag_added_v1').physicalNames).toEqual([
      { env: 'dev', name: 'lakeforge_dev_curated.tag_added_v1' },
      { env: 'acc', name: 'lakeforge_acc_curated.tag_added_v1' },
      { env: 'prod', name: 'lakeforge_prod_curated.tag_added_v1' },
    ]);
    for (const t of docs.products.flatMap(allTables)) {
      const [zone, name] = t.logicalName.split('.');
      expect(t.physicalNames.map((p) => p.name)).toEqual(ENVS.map((env) => `lakeforge_${env}_${zone}.${name}`));
    }
  });

  it('lists, per product, exactly the marts whose SQL names one of its tables', () => {
    for (const p of docs.products) {
      const own = allTables(p).map((t) => t.logicalName);
      // Independent oracle: zone-qualified names written in the SQL text.
      const expected = MARTS.filter((m) => own.some((t) => new RegExp(`\\b${t.replace('.', '\\.')}\\b`).test(m.sql))).map((m) => m.name).sort();
      expect(p.marts.map((m) => m.name)).toEqual(expected);
    }
    expect(product('content-catalog').marts.map((m) => m.name)).toEqual(['genre_ratings', 'title_popularity']);
  });
});

describe('catalog docs model: versions and errors', () => {
  const VENDOR = 'com.example.tv';
  function folder(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lf-catalog-model-'));
    const write = (version: string, props: Record<string, { type: string }>): void => {
      const dir = path.join(root, VENDOR, 'play_started', 'jsonschema');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${version}.json`), JSON.stringify(selfDescribing({ type: 'object', properties: props }, version, 'play_started', VENDOR)));
    };
    write('1-0-0', { viewerId: { type: 'string' } });
    write('1-0-1', { viewerId: { type: 'string' }, titleId: { type: 'string' } });
    write('2-0-0', { viewerId: { type: 'integer' } });
    return root;
  }
  const decl = (over: Partial<ProductDeclarationInput> = {}): ProductDeclarationInput => ({
    name: 'playback',
    owner: 'player-team',
    description: 'Playback starts from every player.',
    domain: 'playback',
    contracts: [`iglu:${VENDOR}/play_started/jsonschema/1-0-0`],
    classification: { level: 'restricted', piiColumns: ['viewer_id'] },
    freshnessSlaMinutes: 15,
    ...over,
  });

  it('lists every version of the schema and documents the latest version within the declared MODEL', () => {
    const tables = readContractTables(folder());
    const model = buildCatalogDocs({ products: [defineProduct(decl())], contracts: tables, batchTables: [], marts: [], environments: ['dev'] });
    const c = model.products[0].contracts[0];
    expect(c.versions).toEqual(['1-0-0', '1-0-1', '2-0-0'].map((v) => `iglu:${VENDOR}/play_started/jsonschema/${v}`));
    expect(c.latestUri).toBe(`iglu:${VENDOR}/play_started/jsonschema/1-0-1`);
    expect(c.tables[1].columns.filter((x) => x.name === 'viewer_id' || x.name === 'title_id').map((x) => `${x.name}:${String(x.pii)}`)).toEqual([
      'viewer_id:true', 'title_id:false',
    ]);
    expect(c.tables[0].columns.filter((x) => x.name.startsWith('data.')).map((x) => `${x.name}:${String(x.pii)}`)).toEqual(['data.viewerid:true', 'data.titleid:false']);
  });

  it.each([
    ['a contract version that is not in the folder', { contracts: [`iglu:${VENDOR}/play_started/jsonschema/1-0-2`] }, /"playback" declares contract iglu:com\.example\.tv\/play_started\/jsonschema\/1-0-2/],
    ['an unknown batch table', { batchTables: ['nope'] }, /"playback" declares batch table nope/],
  ])('fails on %s, naming the product', (_what, over, message) => {
    const tables = readContractTables(folder());
    expect(() => buildCatalogDocs({ products: [defineProduct(decl(over))], contracts: tables, batchTables: [], marts: [], environments: ['dev'] })).toThrow(CatalogDocsError);
    expect(() => buildCatalogDocs({ products: [defineProduct(decl(over))], contracts: tables, batchTables: [], marts: [], environments: ['dev'] })).toThrow(message);
  });

  it.each([
    [15, '15 min'],
    [90, '90 min'],
    [120, '2 h'],
    [24 * 60, '1 d'],
    [36 * 60, '36 h'],
  ])('formats a freshness SLA of %d minutes as %s', (minutes, text) => {
    expect(formatMinutes(minutes)).toBe(text);
  });
});

import type { Contract } from '../../lib/contracts/contract';
import type { Mart } from '../../lib/marts/declaration';
import type { ProductDeclaration } from '../../lib/products/declaration';
import { type Declarations, VENDOR, camelCase, freshNames, repositoryDeclarations } from './fresh-names';

/** A repository where a team has added the README example (`playback`, `com.acme.video/video_played`, `daily_plays`). */
function withExample(change: Partial<Declarations> = {}): Declarations {
  return {
    products: [{ name: 'playback', contracts: [`iglu:${VENDOR}/video_played/jsonschema/1-0-0`], batchTables: [] } as unknown as ProductDeclaration],
    marts: [{ name: 'daily_plays' } as Mart],
    contracts: [{ uri: { vendor: VENDOR, name: 'video_played' } } as Contract],
    productsIndex: "import { playback } from './playback';\nexport const PRODUCTS = [playback];\n",
    martsIndex: "import { dailyPlays } from './daily_plays';\nexport const MARTS = [dailyPlays];\n",
    exists: () => false,
    ...change,
  };
}

const EMPTY: Declarations = { products: [], marts: [], contracts: [], productsIndex: '', martsIndex: '', exists: () => false };

describe('freshNames', () => {
  it('keeps the base names while nothing uses them', () => {
    const fresh = freshNames(EMPTY);
    expect([fresh.product('playback'), fresh.contract('video_played'), fresh.mart('daily_plays'), fresh.vendor('com.other.vendor')]).toEqual([
      'playback',
      'video_played',
      'daily_plays',
      'com.other.vendor',
    ]);
  });

  it('appends a numeric suffix to names a team has declared', () => {
    const fresh = freshNames(withExample());
    expect([fresh.product('playback'), fresh.contract('video_played'), fresh.mart('daily_plays'), fresh.vendor(VENDOR)]).toEqual([
      'playback-2',
      'video_played_2',
      'daily_plays_2',
      `${VENDOR}2`,
    ]);
  });

  it('never returns the same name twice', () => {
    const fresh = freshNames(withExample());
    expect([fresh.product('playback'), fresh.product('playback'), fresh.contract('x'), fresh.contract('x')]).toEqual(['playback-2', 'playback-3', 'x', 'x_2']);
  });

  it.each<[string, Partial<Declarations>, (f: ReturnType<typeof freshNames>) => string, string]>([
    ['a product file that is not registered', { exists: (p) => p === 'config/products/quality.ts' }, (f) => f.product('quality'), 'quality-2'],
    ['a product identifier already in the index', { productsIndex: 'const quality = 1;' }, (f) => f.product('quality'), 'quality-2'],
    ['a mart SQL file alone', { exists: (p) => p === 'config/marts/daily_counts.sql' }, (f) => f.mart('daily_counts'), 'daily_counts_2'],
    ['a mart identifier already in the index', { martsIndex: '// dailyCounts' }, (f) => f.mart('daily_counts'), 'daily_counts_2'],
    ['a contract name of another vendor (same Glue table)', { contracts: [{ uri: { vendor: 'com.other', name: 'stalled' } } as Contract] }, (f) => f.contract('stalled'), 'stalled_2'],
    ['a contract name with the same PascalCase', { contracts: [{ uri: { vendor: VENDOR, name: 'video-paused' } } as Contract] }, (f) => f.contract('video_paused'), 'video_paused_2'],
    [
      'a batch table named like the contract table',
      { products: [{ name: 'catalog', contracts: [], batchTables: ['buffering_v1'] } as unknown as ProductDeclaration] },
      (f) => f.contract('buffering'),
      'buffering_2',
    ],
    ['a contract folder on disk', { exists: (p) => p === `config/contracts/${VENDOR}/video_played` }, (f) => f.contract('video_played'), 'video_played_2'],
  ])('avoids %s', (_what, change, pick, expected) => {
    expect(pick(freshNames({ ...EMPTY, ...change }))).toBe(expected);
  });

  it('returns names the repository does not declare, with identifiers free in the index files', () => {
    const declared = repositoryDeclarations();
    const fresh = freshNames();
    const product = fresh.product('playback');
    const contract = fresh.contract('video_played');
    const mart = fresh.mart('daily_plays');
    expect(declared.products.map((p) => p.name)).not.toContain(product);
    expect(declared.contracts.map((c) => c.uri.name)).not.toContain(contract);
    expect(declared.marts.map((m) => m.name)).not.toContain(mart);
    expect(declared.productsIndex).not.toMatch(new RegExp(`\\b${camelCase(product)}\\b`));
    expect(declared.martsIndex).not.toMatch(new RegExp(`\\b${camelCase(mart)}\\b`));
  });
});

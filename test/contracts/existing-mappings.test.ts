/**
 * Issue 12 changed how constructs map; it must not change a table that is already deployed. The record
 * (`fixtures/mapped-columns-before-issue-12.json`) holds the columns every contract of `config/contracts` (the
 * deployed tables) and of the Iglu Central sample mapped to before the change, produced by the mapper of commit
 * 3de753e. Every contract of those folders must still map to exactly those columns, in both zones.
 */
import * as path from 'node:path';
import { mapContract } from '../../lib/contracts/glue-types';
import { loadContracts } from '../../lib/contracts/loader';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { igluSampleDir } from '../../tools/local/data-sets';
import before from './fixtures/mapped-columns-before-issue-12.json';

interface RecordedColumn {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly sourcePointer: string;
}
type Recorded = Record<string, { readonly curated: RecordedColumn[]; readonly raw: RecordedColumn[] }>;

const REPO = path.resolve(__dirname, '../..');
const FOLDERS: readonly (readonly [keyof typeof before, string])[] = [
  ['config/contracts', path.join(REPO, 'config/contracts')],
  ['examples/data/iglu-central-sample', igluSampleDir()],
];
const shape = (c: RecordedColumn): RecordedColumn => ({ name: c.name, type: c.type, nullable: c.nullable, sourcePointer: c.sourcePointer });

describe.each(FOLDERS)('contracts of %s map as before issue 12', (key, dir) => {
  const recorded = before[key] as Recorded;
  const loaded = loadContracts(dir);

  it('has a record for every contract (a new contract adds no deployed table to compare)', () => {
    expect(loaded.length).toBeGreaterThan(0);
    for (const l of loaded) expect(Object.keys(recorded)).toContain(l.contract.id);
  });

  it.each(loaded.map((l) => [l.contract.id, l] as const))('%s: same curated and raw columns, no warning, no SerDe key mapping', (id, l) => {
    const m = mapContract(l.contract);
    expect(m.errors).toEqual([]);
    expect(m.columns.map(shape)).toEqual(recorded[id].curated);
    expect(m.rawColumns.map(shape)).toEqual(recorded[id].raw);
    expect(m.rawKeyMappings).toEqual({});
    expect(m.warnings).toEqual([]);
  });
});

it('config/contracts tables (what the stacks deploy) carry exactly the recorded curated columns', () => {
  const recorded = before['config/contracts'] as Recorded;
  for (const t of readContractTables(path.join(REPO, 'config/contracts'))) {
    expect(t.columns.map(shape)).toEqual(recorded[t.schemaUri].curated);
    expect(t.rawKeyMappings).toBeUndefined();
  }
});

import * as path from 'node:path';
import { renderContractArtifacts } from '../../lib/contracts/build';
import { parseContract } from '../../lib/contracts/contract';
import { contractColumns } from '../../lib/contracts/glue-types';
import { loadContracts } from '../../lib/contracts/loader';
import { compareIgluUri } from '../../lib/contracts/schemaver';
import { contractFilePath, parseContractRef, planContracts, renderContractSchema } from '../../lib/scaffold/contract';
import { ScaffoldError } from '../../lib/scaffold/scaffold-error';
import { VENDOR, freshNames } from './fresh-names';

const CONTRACTS = loadContracts(path.join(__dirname, '..', '..', 'config', 'contracts')).map((l) => l.contract);
/** Names no declaration uses, so that a team's own contracts never collide with the ones planned here. */
const FRESH = freshNames();

describe('parseContractRef', () => {
  it.each(['com.acme.video/video_played', 'iglu:com.acme.video/video_played'])('parses %s', (text) => {
    expect(parseContractRef(text)).toEqual({ vendor: 'com.acme.video', name: 'video_played' });
  });

  it.each([
    ['video_played', /expected <vendor>\/<name>/],
    ['com.acme/video/played', /expected <vendor>\/<name>/],
    ['.acme/video_played', /vendor ".acme"/],
    ['com.acme/video played', /name "video played"/],
    ['com.acme/', /name ""/],
  ])('refuses %s with one line', (text, message) => {
    expect(() => parseContractRef(text)).toThrow(ScaffoldError);
    expect(() => parseContractRef(text)).toThrow(message);
  });
});

describe('planContracts', () => {
  const ref = { vendor: VENDOR, name: FRESH.contract('video_played') };

  it('writes a 1-0-0 self-describing schema whose properties map to Glue columns, with no extra properties allowed', () => {
    const plan = planContracts([ref], CONTRACTS);
    const file = contractFilePath({ ...ref, format: 'jsonschema', version: { model: 1, revision: 0, addition: 0 } });
    expect(file).toBe(`config/contracts/${ref.vendor}/${ref.name}/jsonschema/1-0-0.json`);
    expect(plan.created).toEqual([`iglu:${ref.vendor}/${ref.name}/jsonschema/1-0-0`]);
    expect(plan.uris).toEqual(plan.created);
    const edit = plan.edits.find((e) => e.path === file);
    expect(edit?.content).toBe(renderContractSchema(ref));
    const contract = parseContract(edit?.content ?? '', file, { ...ref, format: 'jsonschema', version: '1-0-0' });
    expect(contract.schema.additionalProperties).toBe(false);
    expect(contractColumns(contract, { zone: 'curated' }).map((c) => [c.name, c.type])).toEqual([
      ['subject_id', 'string'],
      ['quantity', 'int'],
    ]);
  });

  it('regenerates the validators and types for the existing contracts plus the new one', () => {
    const plan = planContracts([ref], CONTRACTS);
    const created = parseContract(plan.edits[0].content, plan.edits[0].path, { ...ref, format: 'jsonschema', version: '1-0-0' });
    const expected = renderContractArtifacts([...CONTRACTS, created].sort((a, b) => compareIgluUri(a.uri, b.uri)));
    expect(plan.generated).toEqual(expected);
    expect(plan.edits).toEqual([...plan.contractFiles, ...plan.generated]);
  });

  it('refuses an existing contract unless told to reference it, then references its latest version of each MODEL', () => {
    const existing = CONTRACTS[0];
    const existingRef = { vendor: existing.uri.vendor, name: existing.uri.name };
    expect(() => planContracts([existingRef], CONTRACTS)).toThrow(/already exists/);
    const latest = CONTRACTS.filter((c) => c.uri.vendor === existing.uri.vendor && c.uri.name === existing.uri.name).pop();
    const plan = planContracts([existingRef], CONTRACTS, { allowExisting: true });
    expect(plan).toEqual({ edits: [], contractFiles: [], generated: [], uris: [latest?.id], created: [], reused: [latest?.id] });
  });

  it('refuses a contract that would map to the Glue table of another vendor’s contract', () => {
    const other = CONTRACTS[0];
    expect(() => planContracts([{ vendor: FRESH.vendor('com.other.vendor'), name: other.uri.name }], CONTRACTS)).toThrow(/would map to the Glue table/);
  });

  it('refuses a contract given twice', () => {
    expect(() => planContracts([ref, ref], CONTRACTS)).toThrow(/given twice/);
  });
});

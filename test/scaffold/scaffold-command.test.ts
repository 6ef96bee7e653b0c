import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { renderContractArtifacts } from '../../lib/contracts/build';
import { loadContracts } from '../../lib/contracts/loader';
import { checkMarts } from '../../lib/marts/check';
import { readContractTables } from '../../lib/marts/contract-adapter';
import type { Mart } from '../../lib/marts/declaration';
import { type ProductDeclaration, defineProduct } from '../../lib/products/declaration';
import { registerContractsCommands } from '../../tools/commands/contracts';
import { contractsNewAction, martsNewAction, productNewAction, registerScaffoldCommands } from '../../tools/commands/scaffold';
import { VENDOR, freshNames } from './fresh-names';

/**
 * End to end in a copy of the repository's config/, lib/ and generated validators (node_modules linked):
 * the commands write files that load as the platform loads them.
 */
const REPO = path.join(__dirname, '..', '..');

/**
 * What the tests scaffold in the copy: the README example and a few more, with names that no declaration
 * of the copied config uses (the copy holds a team's own products, e.g. `playback`, which then becomes `playback-2`).
 */
const FRESH = freshNames();
const PRODUCT = FRESH.product('playback');
const PLAYED = FRESH.contract('video_played');
const MART = FRESH.mart('daily_plays');
const PAUSED = FRESH.contract('video_paused');
const OTHER_EVENT = FRESH.contract('other_event');
const SECOND = FRESH.product('second');
const THIRD = FRESH.product('third');
const X = FRESH.contract('x');
const QUALITY = FRESH.product('quality');
const BUFFERING = FRESH.contract('buffering');
const STALLED = FRESH.contract('stalled');
const uri = (name: string): string => `iglu:${VENDOR}/${name}/jsonschema/1-0-0`;
const OPTIONS = { domain: 'playback', owner: 'video-team' };

function io(): { out: string[]; err: string[]; sink: { out: (t: string) => void; err: (t: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, sink: { out: (t) => out.push(t), err: (t) => err.push(t) } };
}

/** Every file under `dir` with its content, for "nothing was written" checks. */
function snapshot(dir: string): Map<string, string> {
  const files = fs.readdirSync(dir, { recursive: true }).map(String);
  return new Map(files.filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** The copied repository folders (not the node_modules link). */
const COPIED = ['config', 'lib', path.join('lambdas', 'ingest', 'generated')];

describe('lakeforge product new / contracts new / marts new', () => {
  let root: string;
  const load = <T>(module: string, name: string): T => {
    jest.resetModules();
    return (require(path.join(root, module)) as Record<string, T>)[name];
  };

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-scaffold-'));
    for (const dir of COPIED) fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('product new writes a contract, a declaration and its registration that load, and up-to-date validators and types', () => {
    const before: ProductDeclaration[] = load('config/products', 'PRODUCTS');
    const { out, err, sink } = io();
    expect(productNewAction(PRODUCT, { root, ...OPTIONS, contract: [`${VENDOR}/${PLAYED}`] }, sink)).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n')).toMatch(/Next steps:[\s\S]*contracts publish[\s\S]*marts new[\s\S]*npm run test:update[\s\S]*npm test[\s\S]*npm run synth/);

    const contracts = loadContracts(path.join(root, 'config', 'contracts'));
    expect(contracts.map((c) => c.contract.id)).toContain(uri(PLAYED));
    const after: ProductDeclaration[] = load('config/products', 'PRODUCTS');
    expect(after.map((p) => p.name)).toEqual([...before.map((p) => p.name), PRODUCT]);
    const declared = after[after.length - 1];
    expect(defineProduct(declared)).toEqual(declared);
    expect(declared.contracts).toEqual([uri(PLAYED)]);
    for (const f of renderContractArtifacts(contracts.map((c) => c.contract))) {
      expect(fs.readFileSync(path.join(root, f.path), 'utf8')).toBe(f.content);
    }
  });

  it('marts new writes a mart that the mart checker accepts together with the declared marts', () => {
    const { err, sink } = io();
    expect(martsNewAction(MART, { root, product: PRODUCT }, sink)).toBe(0);
    expect(err).toEqual([]);
    const marts: Mart[] = load('config/marts', 'MARTS');
    expect(marts.map((m) => m.name)).toContain(MART);
    expect(checkMarts(marts, readContractTables(path.join(root, 'config', 'contracts')), root)).toEqual([]);
  });

  it('contracts new writes only the contract and the regenerated validators and types', () => {
    const before = snapshot(path.join(root, 'config'));
    const { err, sink } = io();
    expect(contractsNewAction(`${VENDOR}/${PAUSED}`, { root }, sink)).toBe(0);
    expect(err).toEqual([]);
    const after = snapshot(path.join(root, 'config'));
    expect([...after.keys()].filter((f) => !before.has(f))).toEqual([path.join('contracts', VENDOR, PAUSED, 'jsonschema', '1-0-0.json')]);
    expect([...before.keys()].filter((f) => before.get(f) !== after.get(f))).toEqual([]);
    const contracts = loadContracts(path.join(root, 'config', 'contracts')).map((c) => c.contract);
    for (const f of renderContractArtifacts(contracts)) expect(fs.readFileSync(path.join(root, f.path), 'utf8')).toBe(f.content);
  });

  it.each<[string, () => number, RegExp | string]>([
    ['an existing product', () => productNewAction(PRODUCT, { root, ...OPTIONS, contract: [`${VENDOR}/${OTHER_EVENT}`] }, sink.sink), `data product "${PRODUCT}" already exists`],
    ['a contract owned by another product', () => productNewAction(SECOND, { root, ...OPTIONS, contract: [`${VENDOR}/${PLAYED}`] }, sink.sink), `belongs to data product "${PRODUCT}"`],
    ['a bad SLA', () => productNewAction(THIRD, { root, ...OPTIONS, contract: [`${VENDOR}/${X}`], sla: 'soon' }, sink.sink), /--sla "soon"/],
    ['an existing contract', () => contractsNewAction(`${VENDOR}/${PLAYED}`, { root }, sink.sink), `contract ${VENDOR}/${PLAYED} already exists`],
    ['an existing mart', () => martsNewAction(MART, { root, product: PRODUCT }, sink.sink), `mart "${MART}" already exists`],
  ])('refuses %s with one line, exit 1 and nothing written', (_what, run, message) => {
    sink.err.length = 0;
    const before = COPIED.map((d) => snapshot(path.join(root, d)));
    expect(run()).toBe(1);
    expect(sink.err).toHaveLength(1);
    expect(sink.err[0]).toMatch(message);
    expect(sink.err[0]).not.toContain('\n');
    expect(COPIED.map((d) => snapshot(path.join(root, d)))).toEqual(before);
  });
  const sink = io();

  it('parses repeated --contract and --consumer flags and the SLA from the command line', () => {
    const program = new Command('lakeforge');
    registerScaffoldCommands(program);
    const saved = process.exitCode;
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      program.parse(['product', 'new', QUALITY, '--domain', OPTIONS.domain, '--owner', OPTIONS.owner, '--contract', `${VENDOR}/${BUFFERING}`, '--contract', `${VENDOR}/${STALLED}`, '--consumer', 'analysts', '--consumer', 'bi', '--sla', '30', '--root', root], { from: 'user' });
      expect(process.exitCode ?? 0).toBe(0);
    } finally {
      write.mockRestore();
      process.exitCode = saved;
    }
    const products: ProductDeclaration[] = load('config/products', 'PRODUCTS');
    expect(products.find((p) => p.name === QUALITY)).toMatchObject({
      contracts: [uri(BUFFERING), uri(STALLED)],
      consumers: ['analysts', 'bi'],
      freshnessSlaMinutes: 30,
    });
  });

  it('adds `new` to the existing contracts and marts commands rather than a second command', () => {
    const program = new Command('lakeforge');
    registerContractsCommands(program);
    program.command('marts');
    registerScaffoldCommands(program);
    expect(program.commands.map((c) => c.name())).toEqual(['contracts', 'marts', 'product']);
    for (const parent of program.commands) expect(parent.commands.map((c) => c.name())).toContain('new');
  });
});

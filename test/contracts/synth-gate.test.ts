import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertRepositoryContracts, repositoryContractsProblems } from '../../config/synth-gates';
import { GENERATED_PATHS, renderContractArtifacts } from '../../lib/contracts/build';
import { ContractsGateError, GENERATED_RULE } from '../../lib/contracts/gate';
import { loadContracts } from '../../lib/contracts/loader';
import { GATE_RULES } from '../../lib/contracts/publication';
import { tempDirs } from '../helpers/temp-dirs';

/** Temp folders made by this file, removed after it. */
const tempDir = tempDirs();

/**
 * The contracts gate at synth (`config/synth-gates.ts` → `lib/contracts/gate.ts`), run by `npm run synth`
 * and `npx cdk synth` before anything is synthesized: stale generated files, dishonest bumps and rewritten
 * or deleted published versions each fail with one line naming the schema and the rule.
 */
const REPO = path.resolve(__dirname, '../..');
const SCHEMA_DIR = 'config/contracts/com.lakeforge.ott/tag_added/jsonschema';
const TAG_100 = 'iglu:com.lakeforge.ott/tag_added/jsonschema/1-0-0';
const TAG_101 = 'iglu:com.lakeforge.ott/tag_added/jsonschema/1-0-1';

/** A temp root holding copies of the contracts folder and the generated files (what the gate reads). */
function gateRoot(): string {
  const root = tempDir('lf-synth-gate-');
  fs.cpSync(path.join(REPO, 'config/contracts'), path.join(root, 'config/contracts'), { recursive: true });
  for (const rel of Object.values(GENERATED_PATHS)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.copyFileSync(path.join(REPO, rel), path.join(root, rel));
  }
  return root;
}

/** Writes tag_added 1-0-1, derived from 1-0-0 by `change`. */
function writeTag101(root: string, change: (schema: { properties: Record<string, Record<string, unknown>>; required: string[] }) => void): void {
  const schema = JSON.parse(fs.readFileSync(path.join(root, SCHEMA_DIR, '1-0-0.json'), 'utf8'));
  schema.self.version = '1-0-1';
  change(schema);
  fs.writeFileSync(path.join(root, SCHEMA_DIR, '1-0-1.json'), `${JSON.stringify(schema, null, 2)}\n`);
}

const addOptional = (s: { properties: Record<string, Record<string, unknown>> }): void => {
  s.properties.source = { type: 'string', maxLength: 64 };
};

/** Regenerates the root's generated files from its contracts (`contracts build`). */
function build(root: string): void {
  for (const f of renderContractArtifacts(loadContracts(path.join(root, 'config/contracts')).map((l) => l.contract))) {
    fs.writeFileSync(path.join(root, f.path), f.content);
  }
}

describe('the contracts gate at synth', () => {
  it('passes on the repository', () => {
    expect(repositoryContractsProblems()).toEqual([]);
  });

  it('fails on a new version whose validators and types were not generated, one line naming the schema, the rule and both files', () => {
    const root = gateRoot();
    writeTag101(root, addOptional);
    const problems = repositoryContractsProblems(root);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${TAG_101}: ${GENERATED_RULE}: `));
    expect(problems[0]).toContain(GENERATED_PATHS.validatorsJs);
    expect(problems[0]).toContain(GENERATED_PATHS.contractTypes);
    build(root);
    expect(repositoryContractsProblems(root)).toEqual([]);
  });

  it('fails on a generated file edited by hand, naming the file', () => {
    const root = gateRoot();
    const file = path.join(root, GENERATED_PATHS.validatorsDts);
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}// edited\n`);
    expect(repositoryContractsProblems(root)).toEqual([expect.stringMatching(new RegExp(`^${GENERATED_PATHS.validatorsDts}: ${GENERATED_RULE}: `))]);
  });

  it('fails on a dishonest bump (a field made required, a type changed), even with the files generated', () => {
    const root = gateRoot();
    writeTag101(root, (s) => {
      addOptional(s);
      s.required.push('source');
      s.properties.movie_id = { type: 'string' };
    });
    build(root);
    const problems = repositoryContractsProblems(root);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${TAG_101}: ${GATE_RULES.bump}: declared ADDITION but the changes require MODEL `));
    expect(problems[0]).not.toContain('\n');
  });

  it('fails on a rewritten published version', () => {
    const root = gateRoot();
    const file = path.join(root, SCHEMA_DIR, '1-0-0.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"maxLength": 255', '"maxLength": 100'));
    build(root);
    expect(repositoryContractsProblems(root)).toEqual([expect.stringMatching(new RegExp(`^${TAG_100}: ${GATE_RULES.immutable}: `))]);
  });

  it('fails on a deleted published version, and on validators still generated for it', () => {
    const root = gateRoot();
    fs.rmSync(path.join(root, SCHEMA_DIR, '1-0-0.json'));
    const problems = repositoryContractsProblems(root);
    expect(problems[0]).toMatch(new RegExp(`^${TAG_100}: ${GATE_RULES.noDelete}: `));
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${TAG_100}: ${GENERATED_RULE}: .*still has this schema`)));
  });

  it('throws a ContractsGateError whose message is one line per problem', () => {
    const root = gateRoot();
    writeTag101(root, addOptional);
    fs.rmSync(path.join(root, SCHEMA_DIR, '1-0-0.json'));
    expect(() => assertRepositoryContracts(root)).toThrow(ContractsGateError);
    try {
      assertRepositoryContracts(root);
    } catch (e) {
      expect((e as Error).message.split('\n')).toEqual(repositoryContractsProblems(root));
    }
  });
});

/**
 * Both synth entries, run as processes on a scratch copy of the repository's entry points and declarations
 * (`bin/`, `config/`, `tools/` copied; `lib/`, `lambdas/` and `node_modules/` linked): a broken declaration or a
 * stale validator fails with exactly one line on stderr and exit 1, before anything is synthesized.
 */
describe('npm run synth and cdk synth stop on the gate and on broken declarations', () => {
  const TSX = path.join(REPO, 'node_modules/.bin/tsx');

  function scratch(): string {
    const root = tempDir('lf-synth-entry-');
    for (const dir of ['bin', 'config', 'tools']) fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
    for (const entry of ['lib', 'lambdas', 'node_modules']) fs.symlinkSync(path.join(REPO, entry), path.join(root, entry));
    for (const file of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(REPO, file), path.join(root, file));
    return root;
  }

  function run(root: string, entry: 'synth' | 'app'): { status: number | null; stderr: string[]; outdir: boolean } {
    const outdir = path.join(root, 'cdk.out');
    const args = entry === 'synth' ? ['tools/cli.ts', 'synth', '--output', outdir] : ['bin/app.ts'];
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir };
    delete env.LAKEFORGE_DEBUG;
    const r = spawnSync(TSX, args, { cwd: root, encoding: 'utf8', env });
    return { status: r.status, stderr: r.stderr.split('\n').filter((l) => l !== ''), outdir: fs.existsSync(outdir) };
  }

  it.each(['synth', 'app'] as const)('%s: a mart whose output.key names a missing column → one line naming the file and the field', (entry) => {
    const root = scratch();
    const file = path.join(root, 'config/marts/title_popularity.ts');
    const source = fs.readFileSync(file, 'utf8');
    const key = /key: \['([a-z_]+)'\]/.exec(source)![1];
    fs.writeFileSync(file, source.replace(`key: ['${key}']`, "key: ['movie']"));
    expect(run(root, entry)).toEqual({ status: 1, stderr: ['config/marts/title_popularity.ts: output.key.0: "movie" is not an output column'], outdir: false });
  });

  it.each(['synth', 'app'] as const)('%s: a mart output type that differs from what its SQL produces → a header and one problem line, before any stack is built', (entry) => {
    const root = scratch();
    const file = path.join(root, 'config/marts/title_popularity.ts');
    const source = fs.readFileSync(file, 'utf8');
    const counted = /\{ name: '([a-z_]+)', type: 'bigint'/.exec(source)!;
    fs.writeFileSync(file, source.replace(counted[0], `{ name: '${counted[1]}', type: 'int'`));
    const result = run(root, entry);
    expect(result.status).toBe(1);
    expect(result.stderr).toEqual([
      'Invalid marts (config/marts, 1 problem):',
      expect.stringMatching(new RegExp(`^ {2}- mart "title_popularity" .*title_popularity\\.ts: output\\.columns\\.\\d+ "${counted[1]}" is declared int but the SQL produces bigint$`)),
    ]);
    expect(result.outdir).toBe(false);
  });

  it.each(['synth', 'app'] as const)('%s: a contract version without generated validators → one line naming the schema and the rule', (entry) => {
    const root = scratch();
    writeTag101(root, addOptional);
    const result = run(root, entry);
    expect(result.status).toBe(1);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(new RegExp(`^${TAG_101}: ${GENERATED_RULE}: `));
    expect(result.outdir).toBe(false);
  });
});

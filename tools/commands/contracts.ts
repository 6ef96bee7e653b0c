/**
 * `lakeforge contracts …`: lint, diff, check (the CI gate), publish and build for data contracts.
 * Thin: every decision is made by pure functions in `lib/contracts`; this file reads files,
 * prints and sets the exit code. Errors are printed as `file at pointer: reason`, never as a
 * stack trace.
 *
 * Run standalone: `npx tsx tools/commands/contracts.ts <command> …`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
// Type-only: commander 15 is ESM-only, so it is loaded at runtime only by the standalone runner below.
import type { Command } from 'commander';
import { ContractError, isContractError } from '../../lib/contracts/contract-error';
import { LoadedContract, loadContractFile, loadContracts, modelHistoryFromFolder, readIgluFolder, sha256Of, withIgluRefsFromFolder } from '../../lib/contracts/loader';
import { DEFAULT_CONTRACTS_DIR, GeneratedFile, renderContractArtifacts } from '../../lib/contracts/build';
import { formatGateIssue } from '../../lib/contracts/gate';
import { checkCompatibility, formatReport } from '../../lib/contracts/compatibility';
import { GlueColumn } from '../../lib/contracts/glue-types';
import { FolderLint, formatLintWarning, lintFolder } from '../../lib/contracts/lint';
import { LOCK_FILE_NAME, PublishedSet, checkPublication, parseLock, renderLock, withNewVersions } from '../../lib/contracts/publication';
import { renderIgluUri, parseSchemaVer } from '../../lib/contracts/schemaver';

/** Where a command's output goes; injectable for tests. */
export interface CommandIo {
  /** Standard output, one call per line or block. */
  readonly out: (text: string) => void;
  /** Standard error. */
  readonly err: (text: string) => void;
}

/** The process's stdout/stderr. */
export const PROCESS_IO: CommandIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

/** Format any thrown value for humans: ContractErrors verbatim, others by message only. */
export function describeError(e: unknown): string {
  if (isContractError(e)) return e.message;
  return e instanceof Error ? e.message : String(e);
}

/** Options of {@link buildAction}. */
export interface BuildOptions {
  /** Contracts folder. @default 'config/contracts' */
  readonly dir?: string;
  /** Repository root the generated paths are relative to. @default process.cwd() */
  readonly root?: string;
  /** Only compare, do not write; exit code 1 when a file is stale. @default false */
  readonly check?: boolean;
}

/**
 * `contracts build`: render the validators module, its `.d.ts` and the producer types.
 * @returns the exit code (0 ok; 1 on a contract error or, with `check`, a stale file)
 */
export function buildAction(opts: BuildOptions, io: CommandIo = PROCESS_IO): number {
  const root = opts.root ?? process.cwd();
  const dir = path.resolve(root, opts.dir ?? DEFAULT_CONTRACTS_DIR);
  let files: readonly GeneratedFile[];
  try {
    files = renderContractArtifacts(loadContracts(dir).map((l) => l.contract));
  } catch (e) {
    io.err(describeError(e));
    return 1;
  }
  let stale = 0;
  for (const f of files) {
    const target = path.join(root, f.path);
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
    if (current === f.content) {
      io.out(`up to date  ${f.path}`);
    } else if (opts.check === true) {
      stale += 1;
      io.err(`stale       ${f.path} (run \`contracts build\`)`);
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.content);
      io.out(`wrote       ${f.path}`);
    }
  }
  return stale > 0 ? 1 : 0;
}

/** One line of `contracts lint --json`. */
export interface LintEntry {
  /** Full Iglu URI (derived from the path when the file cannot be parsed), or the file path. */
  readonly uri: string;
  /** True when the schema loads, compiles with ajv and maps to Glue columns (and, with `--strict`, has no warning). */
  readonly ok: boolean;
  /** Curated-zone Glue columns, when the schema maps. */
  readonly columns?: readonly GlueColumn[];
  /** The first problem, `file at pointer: reason`, when not ok (kept for existing readers; see {@link errors}). */
  readonly error?: string;
  /** Every problem, `file at pointer: reason`, when there is one. */
  readonly errors?: readonly string[];
  /** Every fallback applied, `uri at pointer: message [rule]` (see FALLBACK_RULES), when there is one. */
  readonly warnings?: readonly string[];
}

/** Options of {@link lintAction}. */
export interface LintOptions {
  /** Print a JSON array of {@link LintEntry}. @default false */
  readonly json?: boolean;
  /** Treat warnings (fallback mappings) as errors. @default false */
  readonly strict?: boolean;
}

function uriFromPath(file: string): string {
  const parts = path.resolve(file).split(path.sep);
  const m = /^(\d+-\d+-\d+)(\.json)?$/.exec(parts[parts.length - 1] ?? '');
  if (m === null || parts.length < 4) return file;
  try {
    return renderIgluUri({ vendor: parts[parts.length - 4], name: parts[parts.length - 3], format: 'jsonschema', version: parseSchemaVer(m[1]) });
  } catch {
    return file;
  }
}

/**
 * `contracts lint <dir>`: every schema loads (self matches path), compiles and maps to Glue; every problem of a
 * schema is listed, and every fallback mapping is a warning (an error with `strict`). Folders of other schema
 * formats (`avro`, `thrift`, `protobuf`…) are skipped and counted.
 * @returns exit code: 0 when all pass (skipped folders do not count), 1 otherwise
 */
export function lintAction(dir: string, opts: LintOptions, io: CommandIo = PROCESS_IO): number {
  let folder: FolderLint;
  try {
    folder = lintFolder(dir, uriFromPath);
  } catch (e) {
    io.err(describeError(e));
    return 1;
  }
  const entries = folder.schemas.map((l): LintEntry => {
    const errors = l.errors.map((e) => e.message);
    const warnings = l.warnings.map((w) => formatLintWarning(l, w));
    const ok = errors.length === 0 && (opts.strict !== true || warnings.length === 0);
    return {
      uri: l.uri,
      ok,
      ...(l.columns === undefined ? {} : { columns: l.columns }),
      ...(errors.length === 0 ? (ok ? {} : { error: `${warnings[0]} (a warning; --strict)` }) : { error: errors[0], errors }),
      ...(warnings.length === 0 ? {} : { warnings }),
    };
  });
  if (opts.json === true) {
    io.out(JSON.stringify(entries, null, 2));
  } else {
    for (const e of entries) {
      const label = e.errors !== undefined ? 'error  ' : e.ok ? 'ok     ' : 'strict ';
      const counts = e.errors === undefined ? ` (${e.columns?.length ?? 0} columns${e.warnings === undefined ? '' : `, ${e.warnings.length} warning(s)`})` : '';
      io.out(`${label}${e.uri}${counts}`);
      for (const problem of e.errors ?? []) io.out(`       error: ${problem}`);
      for (const warning of e.warnings ?? []) io.out(`       warning: ${warning}`);
    }
    const warned = entries.filter((e) => e.warnings !== undefined).length;
    const skipped = folder.skipped.length === 0 ? '' : `; ${folder.skipped.length} non-jsonschema format folder(s) skipped`;
    io.out(`${entries.filter((e) => e.ok).length}/${entries.length} schemas ok (${warned} with warnings${opts.strict === true ? ', --strict' : ''})${skipped}`);
  }
  return entries.every((e) => e.ok) ? 0 : 1;
}

/** Options of {@link diffAction}. */
export interface DiffOptions {
  /** Print the verdict as JSON. @default false */
  readonly json?: boolean;
  /**
   * The Iglu registry folder `iglu:` `$ref`s resolve from (the folder of vendors, or its parent with `schemas/`).
   * @default - the Iglu root each file sits in (`<root>/<vendor>/<name>/jsonschema/<M-R-A>`)
   */
  readonly registry?: string;
}

/**
 * `contracts diff <old> <new>`: the required SchemaVer step and whether the declared bump suffices. The required
 * step is the larger of the instance step (historical events) and the table step (the curated `_v<MODEL>` table's
 * columns); the human output names the step that decided, `--json` lists the reasons of each. `iglu:` `$ref`s are
 * resolved as the folder loader resolves them, from `opts.registry` or the registry each file sits in; one that
 * cannot be resolved is one error line naming the file and the ref. The table step compares the table's history: the
 * versions of the old file's MODEL below it in the same registry folder are merged in first (`modelHistoryFromFolder`;
 * `--json` lists them as `tableHistory`).
 * @returns exit code: 0 when sufficient, 1 when not or on an error
 */
export function diffAction(oldFile: string, newFile: string, opts: DiffOptions, io: CommandIo = PROCESS_IO): number {
  try {
    const load = (file: string): LoadedContract => withIgluRefsFromFolder(loadContractFile(file), opts.registry);
    const from = load(oldFile).contract;
    const history = modelHistoryFromFolder(from, opts.registry).map((l) => l.contract);
    const report = checkCompatibility(from, load(newFile).contract, { history });
    io.out(opts.json === true ? JSON.stringify(report, null, 2) : formatReport(report));
    return report.sufficient ? 0 : 1;
  } catch (e) {
    io.err(describeError(e));
    return 1;
  }
}

/** Options of {@link checkAction}. */
export interface CheckOptions {
  /** Contracts folder. @default 'config/contracts' */
  readonly dir?: string;
  /** Compare with the files at this git ref instead of the lock file. @default - use the lock */
  readonly base?: string;
  /** After a passing check, add new versions to the lock (what `contracts publish` does). @default false */
  readonly updateLock?: boolean;
  /**
   * Compare with git history and the lock (the CI gate, see {@link publishedFromHistory}): `true` finds the
   * main line ({@link DEFAULT_MAIN_REFS}), a string names it. Ignored when `base` is given.
   * @default false - use the lock only
   */
  readonly history?: boolean | string;
}

/** Published set from a git ref: every Iglu-layout file under `dir` at `ref`, hashed. */
export function publishedAtGitRef(dir: string, ref: string): PublishedSet {
  const git = (args: string[]): Buffer => execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  let listing: string;
  try {
    listing = git(['ls-tree', '-r', '--name-only', '--full-name', ref, '--', '.']).toString('utf8');
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString('utf8').trim() ?? '';
    throw new ContractError(dir, '', `cannot list contracts at git ref "${ref}": ${stderr === '' ? (e as Error).message : stderr}`);
  }
  const published: Record<string, string> = {};
  for (const rel of listing.split('\n').filter((l) => l !== '')) {
    const uri = uriFromPath(rel);
    if (!uri.startsWith('iglu:')) continue;
    published[uri] = sha256Of(git(['show', `${ref}:${rel}`]));
  }
  return published;
}

/** Which published set {@link publishedFromHistory} chose. */
export interface HistoryBaseline {
  /**
   * - `merge-base`: HEAD is ahead of the main line: every version file as first committed up to the merge
   *   base of HEAD with it (what the main line published; the branch's own commits are not yet published);
   * - `first-commit`: HEAD is on the main line (CI on a clone of main) or there is none: every version file as
   *   first committed up to HEAD, so a version rewritten and re-locked in the very commits being landed fails;
   * - `none`: no usable history (not a git work tree, no commit, or a shallow clone without the merge base):
   *   the caller compares with the lock file only.
   */
  readonly mode: 'merge-base' | 'first-commit' | 'none';
  /** Versions published according to history (the lock is not included). */
  readonly published: PublishedSet;
  /** One line saying what was compared with, for the output. */
  readonly description: string;
}

/** The main-line refs tried, in order, when none is given. */
export const DEFAULT_MAIN_REFS: readonly string[] = ['origin/main', 'main'];

function gitIn(dir: string): (args: string[]) => string | undefined {
  return (args) => {
    try {
      return execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }).toString('utf8').trim();
    } catch {
      return undefined;
    }
  };
}

/**
 * The published set from every version file under `dir` as it was FIRST committed in the history of `upto`
 * (`git log --diff-filter=A`, renames counted as additions). A published version file is immutable from its
 * first commit on, so a later rewrite, even one re-locked in the same push, differs from this set; a version
 * file deleted since is still in the set, so its deletion fails the gate too.
 *
 * @throws ContractError when git cannot read the history at `upto`
 */
export function publishedAtFirstCommit(dir: string, upto: string): PublishedSet {
  const git = (args: string[]): Buffer => execFileSync('git', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  let log: string;
  try {
    log = git(['log', '--reverse', '--no-renames', '--diff-filter=A', '--format=commit %H', '--name-only', upto, '--', '.']).toString('utf8');
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString('utf8').trim() ?? '';
    throw new ContractError(dir, '', `cannot read the contracts' git history up to "${upto}": ${stderr === '' ? (e as Error).message : stderr}`);
  }
  const firstCommit = new Map<string, string>();
  let commit = '';
  for (const line of log.split('\n')) {
    const m = /^commit ([0-9a-f]{40,64})$/.exec(line);
    if (m !== null) commit = m[1];
    else if (line !== '' && !firstCommit.has(line)) firstCommit.set(line, commit);
  }
  const published: Record<string, string> = {};
  for (const [rel, sha] of firstCommit) {
    const uri = uriFromPath(rel);
    if (!uri.startsWith('iglu:') || published[uri] !== undefined) continue;
    published[uri] = sha256Of(git(['show', `${sha}:${rel}`]));
  }
  return published;
}

/**
 * Decides what `contracts check --history` compares with (see {@link HistoryBaseline}): the merge base of HEAD
 * with the main line when HEAD is ahead of it, else HEAD's own history by first commit, else nothing.
 *
 * @param dir - the contracts folder (inside a git work tree, or not).
 * @param mainRef - the main line. @default the first of {@link DEFAULT_MAIN_REFS} that exists
 * @throws ContractError when `mainRef` is given but does not exist in a full (not shallow) clone
 */
export function publishedFromHistory(dir: string, mainRef?: string): HistoryBaseline {
  const git = gitIn(dir);
  const none = (why: string): HistoryBaseline => ({ mode: 'none', published: {}, description: `the lock file only (${why})` });
  if (git(['rev-parse', '--is-inside-work-tree']) !== 'true') return none('no git history here');
  const head = git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
  if (head === undefined) return none('no commit yet');
  const shallow = git(['rev-parse', '--is-shallow-repository']) === 'true';
  const refs = mainRef === undefined ? DEFAULT_MAIN_REFS : [mainRef];
  const existing = refs.filter((r) => git(['rev-parse', '--verify', '--quiet', `${r}^{commit}`]) !== undefined);
  if (mainRef !== undefined && existing.length === 0 && !shallow) throw new ContractError(dir, '', `the main line "${mainRef}" is not a git ref here`);
  for (const ref of existing) {
    const base = git(['merge-base', 'HEAD', ref]);
    if (base === undefined) continue;
    if (base !== head) {
      return { mode: 'merge-base', published: publishedAtFirstCommit(dir, base), description: `versions as first committed up to ${base.slice(0, 12)}, the merge base of HEAD with ${ref}` };
    }
    if (shallow) return none(`a shallow clone: the history of ${ref} is incomplete`);
    return { mode: 'first-commit', published: publishedAtFirstCommit(dir, head), description: `versions as first committed in the history of HEAD (HEAD is on ${ref})` };
  }
  if (shallow) return none(`a shallow clone without the merge base of HEAD with ${refs.join(' or ')}`);
  return { mode: 'first-commit', published: publishedAtFirstCommit(dir, head), description: `versions as first committed in the history of HEAD (no ${refs.join(' or ')} here)` };
}

/**
 * `contracts check`: the CI gate (see `lib/contracts/publication.ts`). With `updateLock`, a
 * passing check adds the new versions to `<dir>/published.lock.json`.
 * @returns exit code: 0 when the gate passes, 1 otherwise
 */
export function checkAction(opts: CheckOptions, io: CommandIo = PROCESS_IO): number {
  const dir = path.resolve(opts.dir ?? DEFAULT_CONTRACTS_DIR);
  const lockFile = path.join(dir, LOCK_FILE_NAME);
  try {
    const lock = fs.existsSync(lockFile) ? parseLock(fs.readFileSync(lockFile, 'utf8'), lockFile) : {};
    let published: PublishedSet;
    if (opts.base !== undefined) {
      published = publishedAtGitRef(dir, opts.base);
    } else if (opts.history !== undefined && opts.history !== false) {
      const baseline = publishedFromHistory(dir, opts.history === true ? undefined : opts.history);
      io.out(`compared with ${baseline.description}${baseline.mode === 'none' ? '' : ' and the lock file'}`);
      // History wins over the lock: a lock entry re-hashed along with a rewritten file must not launder it.
      published = { ...lock, ...baseline.published };
    } else {
      published = lock;
    }
    const result = checkPublication(readIgluFolder(dir), published);
    // One line per problem (`<uri>: <rule>: <what>`), the same lines the synth gate prints.
    for (const issue of result.issues) io.err(`error  ${formatGateIssue(issue)}`);
    for (const v of result.newVersions) io.out(`new    ${v.uri}${v.report === undefined ? '' : ` (${v.report.declared}; requires ${v.report.required})`}`);
    if (result.issues.length > 0) {
      io.err(`${result.issues.length} problem(s); the contracts gate fails`);
      return 1;
    }
    if (opts.updateLock === true && result.newVersions.length > 0) {
      fs.writeFileSync(lockFile, renderLock(withNewVersions(lock, result)));
      io.out(`published ${result.newVersions.length} version(s) to ${lockFile}`);
    }
    io.out('contracts gate passes');
    return 0;
  } catch (e) {
    io.err(describeError(e));
    return 1;
  }
}

/**
 * Register `contracts lint|diff|check|publish|build` on a commander program.
 * Actions set `process.exitCode`; they never throw.
 */
export function registerContractsCommands(program: Command): void {
  const contracts = program.command('contracts').description('data contracts: lint, diff, check, publish, build');
  contracts
    .command('lint <dir>')
    .description('load, compile and map every schema of an Iglu folder')
    .option('--json', 'print a JSON array [{uri, ok, columns?, error?, errors?, warnings?}]', false)
    .option('--strict', 'treat warnings (fallback mappings, see the README mapping table) as errors', false)
    .action((dir: string, o: { json: boolean; strict: boolean }) => {
      process.exitCode = lintAction(dir, o);
    });
  contracts
    .command('diff <old> <new>')
    .description('the SchemaVer step required between two schema files, and whether the declared bump suffices')
    .option('--json', 'print {from, to, declared, required, sufficient, reasons, instanceStep, tableStep, tableReasons, tableSkipped?, decidedBy}', false)
    .option('--registry <dir>', 'Iglu registry folder iglu: $refs resolve from (default: the registry each file sits in)')
    .action((oldFile: string, newFile: string, o: { json: boolean; registry?: string }) => {
      process.exitCode = diffAction(oldFile, newFile, o);
    });
  contracts
    .command('check')
    .description('CI gate: published versions are immutable and new versions bump sufficiently')
    .option('--dir <dir>', 'contracts folder', DEFAULT_CONTRACTS_DIR)
    .option('--base <ref>', 'compare with the contracts at this git ref instead of the lock file')
    .option('--history [main]', 'compare with git history and the lock: what the main line (default origin/main, else main) published, each version as first committed (the CI gate)')
    .option('--update-lock', 'after a passing check, add new versions to published.lock.json', false)
    .action((o: { dir: string; base?: string; history?: boolean | string; updateLock: boolean }) => {
      process.exitCode = checkAction(o);
    });
  contracts
    .command('publish')
    .description('check, then add new versions to published.lock.json')
    .option('--dir <dir>', 'contracts folder', DEFAULT_CONTRACTS_DIR)
    .action((o: { dir: string }) => {
      process.exitCode = checkAction({ dir: o.dir, updateLock: true });
    });
  contracts
    .command('build')
    .description('generate lambdas/ingest/generated/validators.{js,d.ts} and lib/generated/contract-types.ts')
    .option('--dir <dir>', 'contracts folder', DEFAULT_CONTRACTS_DIR)
    .option('--check', 'only verify that the generated files are up to date', false)
    .action((o: { dir: string; check: boolean }) => {
      process.exitCode = buildAction({ dir: o.dir, check: o.check });
    });
}

if (require.main === module) {
  void import('commander').then(({ Command: Program }) => {
    const program = new Program('lakeforge');
    registerContractsCommands(program);
    program.parse(['node', 'lakeforge', 'contracts', ...process.argv.slice(2)]);
  });
}

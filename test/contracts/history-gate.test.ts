import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256Of } from '../../lib/contracts/loader';
import { GATE_RULES, LOCK_FILE_NAME, parseLock, renderLock } from '../../lib/contracts/publication';
import { CommandIo, checkAction, publishedFromHistory } from '../../tools/commands/contracts';
import { tempDirs } from '../helpers/temp-dirs';

/** Temp folders made by this file, removed after it. */
const tempDir = tempDirs();

/**
 * `contracts check --history`, the CI gate of `.ci/run`: a published version rewritten and re-locked (so the
 * lock-only gate passes) fails, on the main line itself and on a branch; honest changes pass.
 */
const CONTRACTS = path.resolve(__dirname, '../../config/contracts');
const RATING = 'com.lakeforge.ott/rating_submitted/jsonschema';
const RATING_100 = `iglu:${RATING}/1-0-0`;

function capture(): CommandIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

/** A git repository (branch main) whose first commit holds a copy of the repository's contracts and lock. */
function repoWithContracts(): { root: string; dir: string; git: (...args: string[]) => string } {
  const root = tempDir('lf-history-');
  const dir = path.join(root, 'config', 'contracts');
  fs.cpSync(CONTRACTS, dir, { recursive: true });
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: root, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-qm', 'contracts 1-0-0');
  return { root, dir, git };
}

/** Rewrites a published version and re-hashes its lock entry: the lock-only gate cannot tell. */
function rewriteAndRelock(dir: string, relative: string, uri: string): void {
  const file = path.join(dir, relative);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('half-star steps', 'whole-star steps'));
  const lockFile = path.join(dir, LOCK_FILE_NAME);
  const lock = parseLock(fs.readFileSync(lockFile, 'utf8'), lockFile);
  fs.writeFileSync(lockFile, renderLock({ ...lock, [uri]: sha256Of(fs.readFileSync(file)) }));
}

/** Adds an honest ADDITION 1-0-1 of rating_submitted (an optional property). */
function addVersion(dir: string, maxLength = 64): void {
  const schema = JSON.parse(fs.readFileSync(path.join(dir, RATING, '1-0-0.json'), 'utf8'));
  schema.self.version = '1-0-1';
  schema.properties.device = { type: 'string', maxLength };
  fs.writeFileSync(path.join(dir, RATING, '1-0-1.json'), `${JSON.stringify(schema, null, 2)}\n`);
}

const immutableLine = `error  ${RATING_100}: ${GATE_RULES.immutable}`;

describe('contracts check --history (the CI gate)', () => {
  it('on the main line, fails on a published version rewritten and re-locked in the commit being landed', () => {
    const { dir, git } = repoWithContracts();
    rewriteAndRelock(dir, `${RATING}/1-0-0.json`, RATING_100);
    git('commit', '-qam', 'rewrite 1-0-0 and re-lock it');
    expect(checkAction({ dir }, capture())).toBe(0);
    const io = capture();
    expect(checkAction({ dir, history: true }, io)).toBe(1);
    expect(io.stderr.filter((l) => l.startsWith(immutableLine))).toHaveLength(1);
    expect(io.stdout[0]).toMatch(/first committed in the history of HEAD \(HEAD is on main\)/);
  });

  it('on the main line, passes an honest new version published in a later commit', () => {
    const { dir, git } = repoWithContracts();
    addVersion(dir);
    expect(checkAction({ dir, updateLock: true }, capture())).toBe(0);
    git('add', '.');
    git('commit', '-qm', 'rating_submitted 1-0-1');
    const io = capture();
    expect(checkAction({ dir, history: true }, io)).toBe(0);
    expect(io.stderr).toEqual([]);
  });

  it('on a branch, refuses an ADDITION that changes a column from integer to number: the table step needs MODEL', () => {
    const { dir, git } = repoWithContracts();
    git('checkout', '-qb', 'feature');
    const schema = JSON.parse(fs.readFileSync(path.join(dir, RATING, '1-0-0.json'), 'utf8'));
    schema.self.version = '1-0-1';
    schema.properties.user_id = { ...schema.properties.user_id, type: 'number' };
    fs.writeFileSync(path.join(dir, RATING, '1-0-1.json'), `${JSON.stringify(schema, null, 2)}\n`);
    git('add', '.');
    git('commit', '-qm', 'rating_submitted 1-0-1: user_id a number');
    const io = capture();
    expect(checkAction({ dir, history: true }, io)).toBe(1);
    expect(io.stderr).toContainEqual(expect.stringMatching(
      new RegExp(`^error  iglu:${RATING}/1-0-1: ${GATE_RULES.bump}: declared ADDITION but the changes require MODEL .*the table step decides.*column user_id \\[column-type-changed\\] int → double`),
    ));
  });

  it('fails when a published version file is deleted with its lock entry', () => {
    const { dir, git } = repoWithContracts();
    const lockFile = path.join(dir, LOCK_FILE_NAME);
    const lock = { ...parseLock(fs.readFileSync(lockFile, 'utf8'), lockFile) };
    delete lock[RATING_100];
    fs.writeFileSync(lockFile, renderLock(lock));
    fs.rmSync(path.join(dir, RATING, '1-0-0.json'));
    git('commit', '-qam', 'drop rating_submitted 1-0-0');
    const io = capture();
    expect(checkAction({ dir, history: true }, io)).toBe(1);
    expect(io.stderr.filter((l) => l.startsWith(`error  ${RATING_100}: ${GATE_RULES.noDelete}: `))).toHaveLength(1);
  });

  it('on a branch, compares with the merge base: a rewrite of main\'s version fails, the branch may still edit its own new version', () => {
    const { dir, git } = repoWithContracts();
    git('checkout', '-qb', 'feature');
    addVersion(dir, 64);
    git('add', '.');
    git('commit', '-qm', 'draft 1-0-1');
    addVersion(dir, 128);
    git('commit', '-qam', 'edit the unpublished 1-0-1');
    const ok = capture();
    expect(checkAction({ dir, history: true }, ok)).toBe(0);
    expect(ok.stdout[0]).toMatch(/the merge base of HEAD with main/);
    expect(publishedFromHistory(dir).mode).toBe('merge-base');

    rewriteAndRelock(dir, `${RATING}/1-0-0.json`, RATING_100);
    git('commit', '-qam', 'rewrite 1-0-0 and re-lock it');
    const io = capture();
    expect(checkAction({ dir, history: true }, io)).toBe(1);
    expect(io.stderr.filter((l) => l.startsWith(immutableLine))).toHaveLength(1);
  });

  it('falls back to the lock file, and says so, where there is no git history', () => {
    const dir = tempDir('lf-nohistory-');
    fs.cpSync(CONTRACTS, dir, { recursive: true });
    expect(publishedFromHistory(dir)).toEqual({ mode: 'none', published: {}, description: 'the lock file only (no git history here)' });
    const io = capture();
    expect(checkAction({ dir, history: true }, io)).toBe(0);
    expect(io.stdout[0]).toBe('compared with the lock file only (no git history here)');
  });

  it('falls back to the lock file in a shallow clone of main', () => {
    const { root, git } = repoWithContracts();
    git('commit', '-q', '--allow-empty', '-m', 'second commit');
    const clone = tempDir('lf-shallow-');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${root}`, clone]);
    expect(publishedFromHistory(path.join(clone, 'config', 'contracts')).mode).toBe('none');
  });

  it('names a missing main line given explicitly', () => {
    const { dir } = repoWithContracts();
    const io = capture();
    expect(checkAction({ dir, history: 'no-such-branch' }, io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/the main line "no-such-branch" is not a git ref here/);
  });
});

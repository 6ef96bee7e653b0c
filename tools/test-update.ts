/**
 * `npm run test:update`: accept a deliberate change of the app (a new data product, contract or mart)
 * in the tests that pin the synthesized app, then show what changed for review.
 *
 * 1. Runs jest with `-u` on every test file that holds snapshots and on the stateful logical-id guard
 *    (`test/app/app.test.ts`), with {@link UPDATE_STATEFUL_IDS_ENV}`=1`, which makes the guard rewrite
 *    {@link STATEFUL_IDS_FILE} from the app instead of comparing. Extra arguments go to jest
 *    (`npm run test:update -- --maxWorkers=1`).
 * 2. Prints `git diff --stat HEAD` (and new, untracked test files), then every change of the
 *    stateful-id list against HEAD, one line each, and its `git diff`. A renamed or removed stateful
 *    logical id of a `Prod/` stack is called out loudly: CloudFormation replaces the resource.
 * 3. Exits with jest's exit code.
 *
 * The module also holds the pure model of the list ({@link diffStatefulIds}, {@link renderStatefulIds},
 * {@link describeStatefulIdChange}) that the guard in `test/app/app.test.ts` uses, so the test and this
 * command say the same thing.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Environment variable that makes `test/app/app.test.ts` rewrite {@link STATEFUL_IDS_FILE} instead of comparing; value `1`. */
export const UPDATE_STATEFUL_IDS_ENV = 'LAKEFORGE_UPDATE_STATEFUL_IDS';

/** The stateful logical-id list, relative to the repository root. */
export const STATEFUL_IDS_FILE = 'test/app/stateful-logical-ids.json';

/** The command that accepts a deliberate change of the stateful-id list and the snapshots. */
export const UPDATE_COMMAND = 'npm run test:update';

/**
 * The stateful resources of the app: stack path (e.g. `Prod/Storage`) → CloudFormation logical id →
 * resource type (e.g. `AWS::S3::Bucket`). The shape of {@link STATEFUL_IDS_FILE}; stacks without a
 * stateful resource are left out.
 */
export type StatefulIds = Record<string, Record<string, string>>;

/** One difference between two {@link StatefulIds} lists. */
export interface StatefulIdChange {
  /** `added`: a new logical id; `removed`: a logical id that is gone (renamed or deleted); `retyped`: same id, other resource type. */
  readonly kind: 'added' | 'removed' | 'retyped';
  /** Stack path, e.g. `Prod/Storage`. */
  readonly stackPath: string;
  /** CloudFormation logical id. */
  readonly logicalId: string;
  /** Resource type in the newer list (`removed`: the type it had). */
  readonly type: string;
  /** Resource type in the older list; only for `retyped`. @default - none */
  readonly previousType?: string;
}

/**
 * Compares two lists of stateful logical ids, stack by stack in the order of `after` then `before`.
 *
 * @param before - the accepted list (the committed file).
 * @param after - the list of the app as it synthesizes now.
 * @returns every added, removed and retyped logical id; empty when the lists hold the same ids and types.
 */
export function diffStatefulIds(before: StatefulIds, after: StatefulIds): StatefulIdChange[] {
  const changes: StatefulIdChange[] = [];
  const stacks = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  for (const stackPath of stacks) {
    const was = before[stackPath] ?? {};
    const now = after[stackPath] ?? {};
    for (const [logicalId, type] of Object.entries(now)) {
      const previousType = was[logicalId];
      if (previousType === undefined) changes.push({ kind: 'added', stackPath, logicalId, type });
      else if (previousType !== type) changes.push({ kind: 'retyped', stackPath, logicalId, type, previousType });
    }
    for (const [logicalId, type] of Object.entries(was)) {
      if (now[logicalId] === undefined) changes.push({ kind: 'removed', stackPath, logicalId, type });
    }
  }
  return changes;
}

/** True for a change that replaces or drops an existing stateful resource (its data stays behind or is deleted). */
export function isReplacement(change: StatefulIdChange): boolean {
  return change.kind !== 'added';
}

/** True for a stack of the production stage (`Prod/…`). */
export function isProdStack(stackPath: string): boolean {
  return stackPath.startsWith('Prod/');
}

/**
 * One line for a change, naming the stack, the logical id and the type, e.g.
 * `Dev/ProductsPlayback: new stateful resource PlaybackVideoPlayedV1RawTableC63064F6 (AWS::Glue::Table)`.
 */
export function describeStatefulIdChange(change: StatefulIdChange): string {
  const { stackPath, logicalId, type } = change;
  switch (change.kind) {
    case 'added':
      return `${stackPath}: new stateful resource ${logicalId} (${type})`;
    case 'removed':
      return `${stackPath}: stateful resource ${logicalId} (${type}) is gone: a renamed or removed logical id makes CloudFormation replace the resource (its data stays behind or is deleted)`;
    case 'retyped':
      return `${stackPath}: stateful resource ${logicalId} changed type from ${change.previousType} to ${type}: CloudFormation replaces it`;
  }
}

/**
 * The message of the stateful logical-id guard when the app and the accepted list differ: one line per
 * change, then what to do.
 */
export function statefulIdGuardMessage(changes: readonly StatefulIdChange[]): string {
  return [
    `The stateful resources of the app differ from ${STATEFUL_IDS_FILE}:`,
    ...changes.map((c) => `  ${describeStatefulIdChange(c)}`),
    `If this is intended (a new data product, contract or stack), run \`${UPDATE_COMMAND}\` and review the diff of ${STATEFUL_IDS_FILE} before committing; never accept a renamed or removed Prod id without a data migration.`,
  ].join('\n');
}

/** The file text of a list: two-space JSON with a final newline (stacks and ids in the order given). */
export function renderStatefulIds(ids: StatefulIds): string {
  return `${JSON.stringify(ids, null, 2)}\n`;
}

/**
 * Parses the text of a list.
 *
 * @throws Error naming `source` when the text is not an object of objects of strings.
 */
export function parseStatefulIds(text: string, source: string = STATEFUL_IDS_FILE): StatefulIds {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message})`);
  }
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(value)) throw new Error(`${source}: expected an object of stack paths`);
  for (const [stackPath, ids] of Object.entries(value)) {
    if (!isRecord(ids) || Object.values(ids).some((t) => typeof t !== 'string')) {
      throw new Error(`${source}: ${stackPath}: expected an object of logical id → resource type`);
    }
  }
  return value as StatefulIds;
}

/**
 * The report printed after an update: every change of the list, with removed or retyped Prod ids in a
 * loud block first.
 */
export function renderUpdateReport(changes: readonly StatefulIdChange[]): string {
  if (changes.length === 0) return `${STATEFUL_IDS_FILE}: no change of stateful logical ids against HEAD.`;
  const lines: string[] = [];
  const prodLoss = changes.filter((c) => isReplacement(c) && isProdStack(c.stackPath));
  if (prodLoss.length > 0) {
    const bar = '!'.repeat(100);
    lines.push(
      bar,
      `!!! DATA LOSS RISK: ${prodLoss.length} stateful resource(s) of Prod renamed, removed or retyped. A deploy replaces them:`,
      '!!! CloudFormation creates a new, empty resource and deletes the old one (or, retained, orphans it with the data).',
      ...prodLoss.map((c) => `!!!   ${describeStatefulIdChange(c)}`),
      '!!! Do not commit this unless the data is migrated; to keep the resource, restore its construct id (or pin its logical id).',
      bar,
    );
  }
  const sign = { added: '+', removed: '-', retyped: '~' } as const;
  lines.push(`${STATEFUL_IDS_FILE} against HEAD (${changes.length} change(s)):`);
  for (const c of changes) lines.push(`  ${sign[c.kind]} ${c.stackPath}  ${c.logicalId}  ${c.kind === 'retyped' ? `${c.previousType} → ${c.type}` : c.type}`);
  return lines.join('\n');
}

/** The test file that holds the stateful logical-id guard, relative to the repository root. */
export const STATEFUL_IDS_GUARD_TEST = 'test/app/app.test.ts';

/**
 * The test files `npm run test:update` runs: the stateful-id guard and every test file under `test/` that
 * holds snapshots (`toMatchSnapshot`/`toMatchInlineSnapshot`), relative to `root`, sorted.
 */
export function testFilesToUpdate(root: string): string[] {
  const withSnapshots = fs
    .readdirSync(path.join(root, 'test'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.posix.join('test', ...f.split(path.sep)))
    .filter((f) => /\btoMatch(Inline)?Snapshot\(/.test(fs.readFileSync(path.join(root, f), 'utf8')));
  return [...new Set([STATEFUL_IDS_GUARD_TEST, ...withSnapshots])].sort();
}

function git(root: string, args: string[]): string | undefined {
  const out = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return out.status === 0 ? out.stdout : undefined;
}

/** Runs the update; returns the exit code. */
function main(args: string[]): number {
  const root = path.join(__dirname, '..');
  const listPath = path.join(root, STATEFUL_IDS_FILE);
  const files = testFilesToUpdate(root);
  console.log(`Updating snapshots and ${STATEFUL_IDS_FILE} (jest -u with ${UPDATE_STATEFUL_IDS_ENV}=1) in:\n${files.map((f) => `  ${f}`).join('\n')}\n`);
  const jest = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--ci=false', '-u', ...args, '--runTestsByPath', ...files], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, [UPDATE_STATEFUL_IDS_ENV]: '1' },
  });
  const status = jest.status ?? 1;

  console.log('\n── Changed files (git diff --stat HEAD) ──');
  const stat = git(root, ['--no-pager', 'diff', '--stat', 'HEAD']);
  if (stat === undefined) console.log('(not a git checkout: no diff to show)');
  else process.stdout.write(stat === '' ? '(no change)\n' : stat);
  const untracked = git(root, ['ls-files', '--others', '--exclude-standard', '--', 'test'])?.trim();
  if (untracked) console.log(`new, untracked:\n${untracked.split('\n').map((f) => `  ${f}`).join('\n')}`);

  console.log('\n── Stateful logical ids ──');
  const committed = git(root, ['show', `HEAD:${STATEFUL_IDS_FILE}`]);
  const before = committed === undefined ? {} : parseStatefulIds(committed, `HEAD:${STATEFUL_IDS_FILE}`);
  const after = parseStatefulIds(fs.readFileSync(listPath, 'utf8'));
  const changes = diffStatefulIds(before, after);
  console.log(renderUpdateReport(changes));
  if (changes.length > 0) {
    const diff = git(root, ['--no-pager', 'diff', 'HEAD', '--', STATEFUL_IDS_FILE]);
    if (diff) process.stdout.write(`\n${diff}`);
  }

  console.log(`\nNew stateful resources must be reviewed before committing: each one above is created in every environment and retained in prod, and a renamed or removed one loses its data.`);
  if (status !== 0) console.error(`\njest exited with ${status}: fix the failing tests above (the update may be partial), then run \`${UPDATE_COMMAND}\` again.`);
  return status;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

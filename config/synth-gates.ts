/**
 * The gates both synth entries run before anything is synthesized: `bin/app.ts` (`npx cdk synth`) and
 * `tools/synth.ts` (`npm run synth`).
 *
 * - {@link assertRepositoryContracts}: the repository's contracts gate (`lib/contracts/gate.ts`): generated
 *   validators and types up to date, the publication gate against `published.lock.json`. It reads only the
 *   contracts folder and the generated files, so a broken mart or product cannot hide a contracts problem.
 * - {@link assertMarts}: the mart check (`checkMarts`) once, before any stack is built or Lambda bundled; each
 *   stage's pipeline stack runs the same check again when it is built.
 *
 * Deliberately imports no declaration module (`./marts`, `./products`, `./platform`): the entries load those
 * inside their error handling, and pass the platform in.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_PATHS } from '../lib/contracts/build';
import { ContractsGateError, contractsGateProblems } from '../lib/contracts/gate';
import { readIgluFolder } from '../lib/contracts/loader';
import { LOCK_FILE_NAME, parseLock } from '../lib/contracts/publication';
import { checkMarts } from '../lib/marts/check';
import { MartsCheckError } from '../lib/stacks/pipeline-stack';
import type { PlatformDefinition } from '../lib/stages/lakeforge-stage';

/** The repository root: `config/..`. */
const REPOSITORY_ROOT = path.join(__dirname, '..');

/**
 * True when this code runs from the repository's TypeScript sources (tsx, jest), false when it runs
 * from the compiled npm package (`dist/`), where the generated files exist only compiled and the gate
 * is the repository's business, not the package user's.
 */
export function runsFromSources(): boolean {
  return path.extname(__filename) === '.ts';
}

/**
 * Problems of the contracts gate for a repository checkout: `<root>/config/contracts` against its
 * `published.lock.json`, and the generated validators and types under `<root>`.
 *
 * @param root - repository root. @default the root this file belongs to
 * @returns one line per problem (see `contractsGateProblems`); empty when the gate passes.
 * @throws ContractError when the lock file is not valid JSON of the expected shape, or the folder is missing.
 */
export function repositoryContractsProblems(root: string = REPOSITORY_ROOT): string[] {
  const dir = path.join(root, 'config', 'contracts');
  const lockFile = path.join(dir, LOCK_FILE_NAME);
  const lock = fs.existsSync(lockFile) ? parseLock(fs.readFileSync(lockFile, 'utf8'), path.relative(process.cwd(), lockFile)) : {};
  const generated: Record<string, string | undefined> = {};
  for (const rel of Object.values(GENERATED_PATHS)) {
    const file = path.join(root, rel);
    generated[rel] = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }
  return contractsGateProblems({ folder: readIgluFolder(dir), lock, generated, contractsDir: path.relative(process.cwd(), dir) || dir });
}

/**
 * Runs the gate when this is a source checkout (see {@link runsFromSources}); does nothing in the
 * installed package.
 *
 * @param root - repository root. @default the root this file belongs to
 * @throws ContractsGateError (a ConfigError: one line per problem) when the gate fails.
 */
export function assertRepositoryContracts(root: string = REPOSITORY_ROOT): void {
  if (!runsFromSources()) return;
  const problems = repositoryContractsProblems(root);
  if (problems.length > 0) throw new ContractsGateError(problems);
}

/**
 * Checks the platform's marts against its contract tables before any stack is built, so a mart error fails
 * synth at once (not after the Lambda functions are bundled), with the message the pipeline stack would give.
 *
 * @param platform - the platform definition (`loadPlatform()`).
 * @throws MartsCheckError (a ConfigError) when `checkMarts` reports problems.
 */
export function assertMarts(platform: PlatformDefinition): void {
  const errors = checkMarts(platform.marts, platform.contractTables);
  if (errors.length > 0) throw new MartsCheckError(errors);
}

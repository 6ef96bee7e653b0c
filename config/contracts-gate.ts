/**
 * Reads what the repository's contracts gate needs (`lib/contracts/gate.ts`) and runs it. Called by both
 * synth entries, `bin/app.ts` (`npx cdk synth`) and `tools/synth.ts` (`npm run synth`), before anything is
 * synthesized.
 *
 * Deliberately imports no declaration module (`./marts`, `./products`, `./platform`), so a broken mart or
 * product cannot hide a contracts problem, and this file loads without side effects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_PATHS } from '../lib/contracts/build';
import { ContractsGateError, contractsGateProblems } from '../lib/contracts/gate';
import { readIgluFolder } from '../lib/contracts/loader';
import { LOCK_FILE_NAME, parseLock } from '../lib/contracts/publication';

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

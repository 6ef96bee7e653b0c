/**
 * `lakeforge contracts …`: lint, diff, check (the CI gate), publish and build for data contracts.
 * Thin: every decision is made by pure functions in `lib/contracts`; this file reads files,
 * prints and sets the exit code. Errors are printed as `file at pointer: reason`, never as a
 * stack trace.
 *
 * Run standalone: `npx tsx tools/commands/contracts.ts <command> …`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { isContractError } from '../../lib/contracts/contract-error';
import { loadContracts } from '../../lib/contracts/loader';
import { DEFAULT_CONTRACTS_DIR, GeneratedFile, renderContractArtifacts } from '../../lib/contracts/build';

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

/**
 * Register `contracts lint|diff|check|publish|build` on a commander program.
 * Actions set `process.exitCode`; they never throw.
 */
export function registerContractsCommands(program: Command): void {
  const contracts = program.command('contracts').description('data contracts: lint, diff, check, publish, build');
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
  const program = new Command('lakeforge');
  registerContractsCommands(program);
  program.parse(['node', 'lakeforge', 'contracts', ...process.argv.slice(2)]);
}

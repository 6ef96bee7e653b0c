/**
 * `lakeforge marts …`: `check` (parse + name resolution of every mart and curated step; exit 1
 * on errors) and `render --env <env>` (prints the refresh statements with physical names, or the
 * whole plan as JSON with `--json`). Thin: decisions live in `lib/marts`.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { MARTS } from '../../config/marts';
import { checkMarts, formatMartCheckError } from '../../lib/marts/check';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { renderRefreshPlan } from '../../lib/marts/render';

/** Where output goes; injectable for tests. */
export interface MartsIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Sets the process exit code. */
  readonly exitCode: (code: number) => void;
}

const PROCESS: MartsIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  exitCode: (c) => {
    process.exitCode = c;
  },
};

/** Default contracts folder, relative to the repository root. */
const CONTRACTS_DIR = path.join(__dirname, '..', '..', 'config', 'contracts');

/**
 * Adds `marts check` and `marts render --env <env> [--json]` to a commander program.
 *
 * @param program - the CLI root.
 * @param io - output sinks. @default stdout/stderr and `process.exitCode`
 */
export function registerMartsCommands(program: Command, io: MartsIo = PROCESS): void {
  const marts = program.command('marts').description('Athena marts declared in config/marts');
  marts
    .command('check')
    .description('parse every mart and curated statement with the Trino grammar and resolve every table and column')
    .option('--contracts <dir>', 'contracts folder', CONTRACTS_DIR)
    .action((opts: { contracts: string }) => {
      const errors = checkMarts(MARTS, readContractTables(opts.contracts));
      for (const e of errors) io.err(formatMartCheckError(e));
      if (errors.length > 0) {
        io.exitCode(1);
        return;
      }
      io.out(`${MARTS.length} marts OK`);
    });
  marts
    .command('render')
    .description('print the refresh statements of a stage, with physical Glue database names')
    .requiredOption('--env <env>', 'environment: dev, acc or prod')
    .option('--json', 'print the whole refresh plan as JSON (the refresh Lambda bundle file)')
    .option('--contracts <dir>', 'contracts folder', CONTRACTS_DIR)
    .action((opts: { env: string; json?: boolean; contracts: string }) => {
      const plan = renderRefreshPlan(opts.env, MARTS, readContractTables(opts.contracts));
      if (opts.json === true) {
        io.out(JSON.stringify(plan, null, 2));
        return;
      }
      for (const step of Object.values(plan.steps)) {
        io.out(`-- ${step.id} (${step.kind}, ${step.schedule}, database ${step.database})`);
        for (const sql of step.statements) io.out(`${sql};\n`);
      }
    });
}

if (require.main === module) {
  const program = new Command('lakeforge');
  registerMartsCommands(program);
  program.parse(process.argv);
}

#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { registerContractsCommands } from './commands/contracts';
import { registerLocalCommand } from './commands/local';
import { registerScaffoldCommands } from './commands/scaffold';
import { registerSmokeCommand } from './commands/smoke';
import { asAcknowledgementError } from '../lib/governance/acknowledge';
import { clearAuditReport } from '../lib/governance/report/plugin';
import { ConfigError, renderSummary, synthesizeAll } from './synth';

/**
 * The `lakeforge` command. Every sub-command prints one clear message and exits non-zero on bad input,
 * never a stack trace.
 */
export function buildProgram(): Command {
  const program = new Command('lakeforge').description('Lakeforge: a data platform blueprint on AWS (CDK v2)').version(packageVersion(), '-v, --version');
  program
    .command('synth')
    .description('synthesize every environment with the policy packs into cdk.out/ and print a summary')
    .option('-o, --output <dir>', 'cloud assembly directory', 'cdk.out')
    .option('--baseline <dir>', 'previous audit report to compare with: a copy of cdk.out/audit (<stage>/report.json), or a folder of stage report JSON files')
    .action((opts: { output: string; baseline?: string }) => {
      const result = synthesizeAll(opts.output, undefined, { baseline: opts.baseline });
      console.log(renderSummary(result));
      if (result.findings.length > 0) {
        console.error(`Policy check failed: ${result.findings.length} unacknowledged finding(s). Fix them, or acknowledge through lib/governance with a reason.`);
        process.exitCode = 1;
      }
    });
  registerContractsCommands(program);
  // Required, not imported: these commands load the mart and product declarations, whose errors must reach
  // main()'s one-line error handling instead of escaping as a stack trace while this module loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./commands/marts') as typeof import('./commands/marts')).registerMartsCommands(program);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./commands/catalog') as typeof import('./commands/catalog')).registerCatalogCommand(program);
  registerLocalCommand(program);
  registerScaffoldCommands(program);
  registerSmokeCommand(program);
  return program;
}

/** The version in the package's package.json (tools/cli.ts in the repository, dist/tools/cli.js in the package). */
export function packageVersion(): string {
  for (const dir of [path.join(__dirname, '..'), path.join(__dirname, '..', '..')]) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/**
 * Runs the CLI. A {@link ConfigError} (invalid config, a product or mart declaration that references something
 * unknown, a failing contracts gate) prints every line of its message, one problem per line; any other error
 * prints one line. Both exit 1, never with a stack trace; `LAKEFORGE_DEBUG=1` shows it.
 */
export async function main(argv: string[]): Promise<void> {
  try {
    // `lakeforge synth` removes the previous audit report first: building the program loads the declarations, which
    // can fail, and a failed synth must not leave the previous report next to its output.
    clearAuditReport(synthOutputOf(argv));
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (process.env.LAKEFORGE_DEBUG) throw e;
    console.error(renderError(e));
    process.exitCode = 1;
  }
}

/**
 * The `--output` of a `lakeforge synth` command line (`node cli.js synth …`), `undefined` for any other command, a
 * request for help, or a command line that does not parse (the program then reports it).
 */
export function synthOutputOf(argv: readonly string[]): string | undefined {
  if (argv[2] !== 'synth' || argv.includes('--help') || argv.includes('-h')) return undefined;
  const probe = new Command().exitOverride().allowUnknownOption().allowExcessArguments().helpOption(false).option('-o, --output <dir>', '', 'cdk.out').option('--baseline <dir>');
  probe.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  try {
    probe.parse(argv.slice(3), { from: 'user' });
  } catch {
    return undefined;
  }
  return (probe.opts() as { output: string }).output;
}

/**
 * What {@link main} prints for an error: every line of a {@link ConfigError}'s message, or of expired (or too far
 * ahead) acknowledgements in a CDK validation failure; for any other error, the first line of its message, prefixed
 * with its name (`Error: …`, `ContractError: …`).
 */
export function renderError(e: unknown): string {
  if (e instanceof ConfigError) return e.message;
  // CDK's construct-validation failure made only of expired acknowledgements: one line each, naming them.
  const expired = asAcknowledgementError(e);
  if (expired !== undefined) return expired.message;
  const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return message.split('\n')[0];
}

if (require.main === module) {
  void main(process.argv);
}

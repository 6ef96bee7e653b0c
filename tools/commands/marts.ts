/**
 * `lakeforge marts …`: `check` (parse + name resolution of every mart and curated step; exit 1
 * on errors) and `render --env <env>` (prints the pipeline plan of a stage — window, chunks, write,
 * watermark and freshness statements of every curated step, the marts by dependency level, the
 * maintenance statements — with physical names and run-time placeholders, or as JSON with `--json`).
 * Thin: decisions live in `lib/marts` and `lib/pipeline`.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../config';
import { MARTS } from '../../config/marts';
import type { EnvironmentName } from '../../config/schema';
import { checkMarts, formatMartCheckError } from '../../lib/marts/check';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { curatedLookbackHours, planSteps, renderPipelinePlan } from '../../lib/pipeline/plan';

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
    .description('print the pipeline plan of a stage (the statements the state machine runs), with physical Glue database names')
    .requiredOption('--env <env>', 'environment: dev, acc or prod')
    .option('--json', 'print the whole plan as JSON (the state machine reads it from an asset)')
    .option('--contracts <dir>', 'contracts folder', CONTRACTS_DIR)
    .action((opts: { env: string; json?: boolean; contracts: string }) => {
      let config;
      try {
        config = loadConfig(opts.env as EnvironmentName);
      } catch (e) {
        io.err(e instanceof Error ? e.message : String(e));
        io.exitCode(1);
        return;
      }
      const plan = renderPipelinePlan(config.name, MARTS, readContractTables(opts.contracts), {
        goLiveDate: config.pipeline.goLiveDate,
        lookbackHours: curatedLookbackHours(config.ingestion, config.pipeline.lateArrivalMarginHours),
        optimizeRecentDays: config.pipeline.optimizeRecentDays,
      });
      if (opts.json === true) {
        io.out(JSON.stringify(plan, null, 2));
        return;
      }
      io.out(`-- pipeline of ${plan.env}: go-live ${plan.goLiveDate}, curated lookback ${plan.lookbackHours} h, at most ${plan.maxPartitionsPerWrite} partitions per write`);
      for (const step of planSteps(plan)) {
        io.out(`-- ${step.id} (${step.kind}, database ${step.database})`);
        const parts: [string, string | undefined][] = [
          ['window', step.windowQuery],
          ['chunks', step.chunksQuery],
          ['write (one per chunk)', step.writeStatement],
          ['watermark', step.watermarkStatement],
          ['freshness', step.freshnessQuery],
        ];
        for (const [what, sql] of parts) if (sql !== undefined) io.out(`-- ${what}\n${sql};\n`);
      }
      for (const m of plan.maintenance) io.out(`-- maintenance ${m.id}\n${m.statements.map((s) => `${s};`).join('\n')}\n`);
    });
}

if (require.main === module) {
  const program = new Command('lakeforge');
  registerMartsCommands(program);
  program.parse(process.argv);
}

/**
 * `lakeforge local [--data <dir>] [--events <file.jsonl>] [--registry <dir>] [--out <dir>] [--bad-rows <fraction>] [--faults <fraction>]
 * [--limit <n>] [--rounds <n>] [--late <fraction>]`: runs the whole supply chain on this machine (see
 * `tools/local/platform.ts`) on the MovieLens demo or on a file of envelopes (`--events`), prints a summary (for
 * `--events`, also every quarantined line with its reasons) and the first rows of each mart, and exits non-zero
 * with the reason when anything was lost, duplicated or misplaced, a landed event was not curated exactly once,
 * a write exceeded Athena's partition limit, or a phase failed. Thin: the work lives in `tools/local`.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { renderQuarantinedLines, renderRows, renderSummary } from '../local/report';
import type { LocalRunResult } from '../local/platform';
import { movieLensDir } from '../local/data-sets';


/** Default data folder: MovieLens ml-latest-small in the repository's `examples/data/` (see `dataSetsDir()`). */
export const DEFAULT_DATA_DIR = movieLensDir();

/** Default output folder, relative to the working directory. */
export const DEFAULT_OUT_DIR = path.join('.lakeforge', 'local');

/** Rows of each mart printed after the summary. */
export const MART_PREVIEW_ROWS = 5;

/** Quarantined lines of an events file printed with their reasons (all of them are in summary.json). */
export const QUARANTINED_LINES_SHOWN = 20;

/** Options of {@link localAction} (as parsed by commander: numbers are strings). */
export interface LocalCommandOptions {
  /**
   * MovieLens-shaped folder; with `events`, only the source of the content catalog's vendor files.
   * @default {@link DEFAULT_DATA_DIR}; with `events`, that folder when it holds the vendor files, else none
   *   (the batch tables and the marts' joins on them are empty)
   */
  readonly data?: string;
  /** JSON Lines file of envelopes replayed instead of MovieLens. @default - the MovieLens demo */
  readonly events?: string;
  /**
   * Iglu static registry folder published to the local contract registry before the run (see
   * `tools/local/registry.ts`). @default - an empty registry
   */
  readonly registry?: string;
  /** @default {@link DEFAULT_OUT_DIR} */
  readonly out?: string;
  /** Fraction 0–1. @default '0' */
  readonly badRows?: string;
  /** Fraction 0–1. @default '0' */
  readonly faults?: string;
  /** Positive integer. @default - the whole data set */
  readonly limit?: string;
  /** Positive integer: replay rounds, a pipeline run after each. @default '1' */
  readonly rounds?: string;
  /** Fraction 0–1 of records delivered in a later round (needs rounds ≥ 2). @default '0' */
  readonly late?: string;
}

/** Where output goes; injectable for tests. */
export interface LocalIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** True when `out` is a terminal (live progress lines). */
  readonly isTTY: boolean;
}

const PROCESS_IO: LocalIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  get isTTY() {
    return process.stdout.isTTY === true;
  },
};

function parseNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error(`${name} must be a number, got "${value}"`);
  return n;
}

/**
 * Imports the local platform, or explains in one line what is missing.
 *
 * @throws Error naming the module to install when a local-only engine is not installed.
 */
async function loadLocalPlatform(): Promise<typeof import('../local/platform')> {
  try {
    return await import('../local/platform');
  } catch (e) {
    const missing = /Cannot find module '([^']+)'/.exec(e instanceof Error ? e.message : String(e));
    if (missing === null) throw e;
    throw new Error(`lakeforge local needs ${missing[1]}, a development dependency: run it from a clone of the repository (npm ci), or npm install --save-dev @duckdb/node-api kinesalite s3rver`);
  }
}

/**
 * Runs `lakeforge local` and prints its results.
 *
 * @returns the exit code (0 when the conservation law held and every phase passed, 1 otherwise)
 *   and the run result (undefined when the run did not get to the end).
 */
export async function localAction(opts: LocalCommandOptions, io: LocalIo = PROCESS_IO): Promise<{ exitCode: number; result?: LocalRunResult }> {
  let result: LocalRunResult;
  try {
    const outDir = path.resolve(opts.out ?? DEFAULT_OUT_DIR);
    // Loaded on use: the local platform needs DuckDB, kinesalite and s3rver (devDependencies), which an
    // installed package does not have; every other command must work without them.
    const { runLocalPlatform, hasBatchFiles } = await loadLocalPlatform();
    // With --events and no --data, the demo's content catalog is uploaded when it is there (a clone), so the
    // marts that join it have titles and genres; an installed package has no demo data: empty catalog tables.
    const dataDir =
      opts.data !== undefined ? path.resolve(opts.data) : opts.events === undefined || hasBatchFiles(DEFAULT_DATA_DIR) ? path.resolve(DEFAULT_DATA_DIR) : undefined;
    result = await runLocalPlatform({
      ...(dataDir === undefined ? {} : { dataDir }),
      ...(opts.events === undefined ? {} : { eventsFile: opts.events }),
      ...(opts.registry === undefined ? {} : { registryDir: opts.registry }),
      outDir,
      badRows: parseNumber('--bad-rows', opts.badRows) ?? 0,
      faults: parseNumber('--faults', opts.faults) ?? 0,
      limit: parseNumber('--limit', opts.limit),
      rounds: parseNumber('--rounds', opts.rounds) ?? 1,
      late: parseNumber('--late', opts.late) ?? 0,
      progress: { write: io.out, isTTY: io.isTTY },
    });
    io.out(`\nSummary (${path.join(outDir, 'summary.json')}):\n${renderSummary(result.summary)}\n`);
    const events = result.summary.events;
    if (events !== undefined && events.quarantinedLines.length > 0) {
      io.out(`\nQuarantined lines of ${events.file} (${path.join(outDir, 'lake', 'quarantine')}):\n${renderQuarantinedLines(events.quarantinedLines, QUARANTINED_LINES_SHOWN)}\n`);
    }
    for (const [name, mart] of result.marts) {
      io.out(`\n${name} (${mart.rows.length} rows, ${path.join(outDir, 'marts', `${name}.csv`)}):\n`);
      io.out(`${renderRows(mart.columns.map((c) => c.name), mart.rows, MART_PREVIEW_ROWS)}\n`);
    }
  } catch (e) {
    io.err(`lakeforge local failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return { exitCode: 1 };
  }
  if (!result.ok) {
    io.err(`lakeforge local failed its checks:\n${result.summary.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return { exitCode: 1, result };
  }
  const { athena, rounds, events } = result.summary;
  const badRows =
    events === undefined
      ? 'every injected bad row quarantined under its failure type'
      : `every line of ${path.basename(events.file)} landed or quarantined under the failure type its content gives (${events.blankLines} blank line${events.blankLines === 1 ? '' : 's'} skipped)`;
  io.out(
    `\nOK: lost 0, duplicates 0; ${badRows}; every landed event curated exactly once ` +
      `after ${rounds.rounds} run(s) (${rounds.lateRecords} late records, ≤ ${rounds.maxLateDelayHours.toFixed(2)} h behind, lookback ${rounds.lookbackHours} h); ` +
      `${athena.statements} Athena statements, at most ${athena.maxPartitionsPerWrite} partitions per write (limit ${athena.limit}).\n`,
  );
  return { exitCode: 0, result };
}

/**
 * Adds `local` to a commander program. The action sets `process.exitCode`.
 *
 * @param program - the CLI root.
 * @param io - output sinks. @default stdout/stderr
 */
export function registerLocalCommand(program: Command, io: LocalIo = PROCESS_IO): void {
  program
    .command('local')
    .description('run ingestion, the lake, the curated step and the marts on this machine on a MovieLens data set or your own events')
    .option('--data <dir>', `MovieLens-shaped folder (ratings, tags, movies, links CSVs); with --events, only movies.csv and links.csv are read (default: ${DEFAULT_DATA_DIR})`)
    .option('--events <file.jsonl>', 'replay this file of envelopes (one JSON object per line, sent as is; blank lines skipped) instead of MovieLens')
    .option(
      '--registry <dir>',
      'Iglu static registry folder (<vendor>/<name>/jsonschema/<M-R-A>, directly or under schemas/) published to the local contract registry before the run; events of its schemas are validated at run time, land and are curated into tables created for them',
    )
    .option('--out <dir>', 'output folder: summary.json, marts/*.csv, lake/', DEFAULT_OUT_DIR)
    .option('--bad-rows <fraction>', 'share of records corrupted into bad rows (0-1; not with --events)', '0')
    .option('--faults <fraction>', 'share of S3 PutObject calls failed by a fault proxy (0-1)', '0')
    .option('--limit <n>', 'send only the first n ratings/tags events (with --events: non-blank lines)')
    .option('--rounds <n>', 'replay the data set in n rounds, one simulated hour apart, a pipeline run after each', '1')
    .option('--late <fraction>', 'share of records delivered in a later round with their original arrival time, within the lookback (0-1; needs --rounds 2+)', '0')
    .action(async (opts: LocalCommandOptions) => {
      const { exitCode } = await localAction(opts, io);
      process.exitCode = exitCode;
    });
}

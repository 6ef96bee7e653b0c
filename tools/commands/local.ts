/**
 * `lakeforge local [--data <dir>] [--out <dir>] [--bad-rows <fraction>] [--faults <fraction>] [--limit <n>]
 * [--rounds <n>] [--late <fraction>]`: runs the whole supply chain on this machine (see
 * `tools/local/platform.ts`), prints a summary and the first rows of each mart, and exits non-zero with the
 * reason when anything was lost, duplicated or misplaced, a landed event was not curated exactly once, a
 * write exceeded Athena's partition limit, or a phase failed. Thin: the work lives in `tools/local`.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import { renderRows, renderSummary } from '../local/report';
import type { LocalRunResult } from '../local/platform';
import { movieLensDir } from '../local/data-sets';


/** Default data folder: MovieLens ml-latest-small in the repository's `examples/data/` (see `dataSetsDir()`). */
export const DEFAULT_DATA_DIR = movieLensDir();

/** Default output folder, relative to the working directory. */
export const DEFAULT_OUT_DIR = path.join('.lakeforge', 'local');

/** Rows of each mart printed after the summary. */
export const MART_PREVIEW_ROWS = 5;

/** Options of {@link localAction} (as parsed by commander: numbers are strings). */
export interface LocalCommandOptions {
  /** @default {@link DEFAULT_DATA_DIR} */
  readonly data?: string;
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
    const { runLocalPlatform } = await loadLocalPlatform();
    result = await runLocalPlatform({
      dataDir: path.resolve(opts.data ?? DEFAULT_DATA_DIR),
      outDir,
      badRows: parseNumber('--bad-rows', opts.badRows) ?? 0,
      faults: parseNumber('--faults', opts.faults) ?? 0,
      limit: parseNumber('--limit', opts.limit),
      rounds: parseNumber('--rounds', opts.rounds) ?? 1,
      late: parseNumber('--late', opts.late) ?? 0,
      progress: { write: io.out, isTTY: io.isTTY },
    });
    io.out(`\nSummary (${path.join(outDir, 'summary.json')}):\n${renderSummary(result.summary)}\n`);
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
  const { athena, rounds } = result.summary;
  io.out(
    `\nOK: lost 0, duplicates 0; every injected bad row quarantined under its failure type; every landed event curated exactly once ` +
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
    .description('run ingestion, the lake, the curated step and the marts on this machine on a MovieLens data set')
    .option('--data <dir>', 'MovieLens-shaped folder (ratings, tags, movies, links CSVs)', DEFAULT_DATA_DIR)
    .option('--out <dir>', 'output folder: summary.json, marts/*.csv, lake/', DEFAULT_OUT_DIR)
    .option('--bad-rows <fraction>', 'share of records corrupted into bad rows (0-1)', '0')
    .option('--faults <fraction>', 'share of S3 PutObject calls failed by a fault proxy (0-1)', '0')
    .option('--limit <n>', 'send only the first n ratings/tags events')
    .option('--rounds <n>', 'replay the data set in n rounds, one simulated hour apart, a pipeline run after each', '1')
    .option('--late <fraction>', 'share of records delivered in a later round with their original arrival time, within the lookback (0-1; needs --rounds 2+)', '0')
    .action(async (opts: LocalCommandOptions) => {
      const { exitCode } = await localAction(opts, io);
      process.exitCode = exitCode;
    });
}

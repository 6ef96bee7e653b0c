/**
 * Registry benchmark (`npm run bench:registry -- [<dir>] [--json] [--no-write] [--runs <n>] [--label <text>]`): what the contract
 * model makes of a real Iglu registry (issue 12, "Contracts that take any real registry"), in one process:
 * - lint: files found, loaded, well-formed, mapped (overall and among well-formed files), refusals by reason
 *   class, warnings by fallback rule — `lintContract` as `contracts lint` runs it;
 * - SQL/DDL: every mapped schema's curated window, chunks, MERGE and freshness statements parsed with the Trino
 *   grammar and resolved (`analyzeStatement`), its `CREATE TABLE` parsed with the Hive grammar;
 * - compatibility: every consecutive version pair of each vendor/name through `checkCompatibility` (as
 *   `contracts diff`), verdicts by `declared->required`, the insufficient pairs with their reasons;
 * - speed: lint of every loaded schema with one shared ajv (`createContractAjv` once, what `contracts lint` does)
 *   against a new ajv per schema (the behaviour before issue 12), both measured in this run, the runs
 *   interleaved (shared, per schema, shared, …) so load from other work hits both alike; medians reported.
 * The measurement itself is `registry-core.ts` (`analyzeRegistry`); this file reads the folder, times lint and
 * writes the "Registry" section of BENCHMARKS.md.
 *
 * `<dir>`: an Iglu root (`<vendor>/<name>/jsonschema/<M-R-A>`) or its parent with `schemas/` (Iglu Central's
 * layout); folders of other formats (`avro`, `thrift`…) are skipped and counted. @default `config/contracts`
 *
 * Options: `--json` prints the analysis and timings as JSON instead of Markdown; `--no-write` leaves
 * BENCHMARKS.md alone (implied without `<dir>`: the repository's own contracts are not a registry measurement); `--runs <n>` measured lint runs per variant @default 3; `--label <text>` names the registry
 * in the section @default - the folder's path in the repository, else its last name.
 *
 * Exit code 1 when a mapped schema renders SQL or DDL a grammar rejects (issue 12's acceptance), or the folder
 * cannot be read (one line naming it); refusals and insufficient pairs are measured, not failures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { isContractError } from '../../lib/contracts/contract-error';
import { lintContract } from '../../lib/contracts/lint';
import { type LoadResult, readIgluFolder } from '../../lib/contracts/loader';
import { createContractAjv } from '../../lib/contracts/validators';
import { type LintTiming, analyzeRegistry, renderRegistrySection } from './registry-core';

const ROOT = resolve(__dirname, '..', '..');
/** The folder measured when none is given: the repository's own contracts. */
export const DEFAULT_REGISTRY_DIR = 'config/contracts';

/** Command-line options. */
interface Args {
  readonly dir: string;
  readonly label?: string;
  readonly json: boolean;
  readonly write: boolean;
  readonly runs: number;
}

function parseArgs(argv: readonly string[]): Args {
  let dir: string | undefined;
  let runs = 3;
  let label: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1, got ${argv[i]}`);
    } else if (a === '--label') {
      label = argv[++i];
      if (label === undefined || label === '') throw new Error('--label needs a text, e.g. --label "Iglu Central"');
    } else if (a === '--json' || a === '--no-write') {
      continue;
    } else if (a.startsWith('--')) {
      throw new Error(`unknown option ${a}; usage: npm run bench:registry -- [<registry dir>] [--json] [--no-write] [--runs <n>] [--label <text>]`);
    } else if (dir === undefined) {
      dir = a;
    } else {
      throw new Error(`one registry folder only, got ${dir} and ${a}`);
    }
  }
  // Without a folder the run measures the repository's own few contracts: printed, never written over the section
  // a real registry's run wrote.
  return { dir: dir ?? DEFAULT_REGISTRY_DIR, ...(label === undefined ? {} : { label }), json: argv.includes('--json'), write: dir !== undefined && !argv.includes('--no-write'), runs };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Lint every loaded schema with one shared ajv and with a new ajv per schema, `runs` times each after one warm-up,
 * interleaved run by run.
 */
export function timeLint(load: LoadResult, runs: number): LintTiming {
  const variants = {
    shared: (): void => {
      const ajv = createContractAjv(false);
      for (const l of load.contracts) lintContract(l, ajv);
    },
    perSchema: (): void => {
      for (const l of load.contracts) lintContract(l, createContractAjv(false));
    },
  };
  const samples = { shared: [] as number[], perSchema: [] as number[] };
  for (const run of Object.values(variants)) run(); // warm-up
  for (let i = 0; i < runs; i++) {
    for (const name of ['shared', 'perSchema'] as const) {
      const start = process.hrtime.bigint();
      variants[name]();
      samples[name].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return { schemas: load.contracts.length, runs, sharedAjvMs: median(samples.shared), ajvPerSchemaMs: median(samples.perSchema) };
}

/** The folder as the section names it: relative to the repository when inside it, else its last name. */
function labelOf(dir: string): string {
  const rel = relative(ROOT, resolve(dir));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : basename(resolve(dir));
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const dir = isAbsolute(args.dir) ? args.dir : resolve(process.cwd(), args.dir);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  let load: LoadResult;
  try {
    load = readIgluFolder(dir);
  } catch (e) {
    if (!isContractError(e)) throw e;
    log(`bench:registry: ${e.message}`);
    process.exitCode = 1;
    return;
  }
  log(`${load.contracts.length} schemas loaded, ${load.errors.length} not, from ${load.root}; analysing …`);
  const start = process.hrtime.bigint();
  const analysis = analyzeRegistry(load, createContractAjv(false));
  const analysisMs = Number(process.hrtime.bigint() - start) / 1e6;
  log(`analysis: ${(analysisMs / 1000).toFixed(1)} s; timing lint (${args.runs} runs per variant) …`);
  const timing = timeLint(load, args.runs);
  const cpu = cpus()[0]?.model ?? 'unknown';
  const nproc = execFileSync('nproc').toString().trim();
  const machine = `Machine: ${nproc} CPUs (${cpu}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; 1-min load average at the end ${loadavg()[0].toFixed(1)}. Whole analysis (lint, SQL/DDL, pairs) in one process: ${(analysisMs / 1000).toFixed(1)} s.`;
  const section = renderRegistrySection(analysis, { label: args.label ?? labelOf(args.dir), machine, timing });
  process.stdout.write(args.json ? `${JSON.stringify({ dir: args.dir, ...analysis, timing, analysisMs }, null, 2)}\n` : `${section}\n`);
  if (args.write) {
    const file = join(ROOT, 'BENCHMARKS.md');
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    const pattern = /<!-- registry:start[\s\S]*?<!-- registry:end -->/;
    writeFileSync(file, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
  }
  if (analysis.sql.problems.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`bench:registry: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

/**
 * Ingest benchmark (`npm run bench:ingest`): throughput of the pure core on real MovieLens events
 * (104,519 events, 5% bad rows of every failure type) against a floor measured in the same run,
 * plus the size and cold-init time of the minified handler bundle. Writes the results into the
 * "Ingest" section of BENCHMARKS.md.
 *
 * - core: `planBatch` (decode, size check, parse, envelope check, validate, group, serialise) and
 *   `encodeObjectBody` (gzip at `OBJECT_GZIP_LEVEL`) per batch of {@link BATCH_SIZE} records;
 * - floor: base64 decode + `JSON.parse` of every record + one gzip of the decoded records per batch,
 *   at zlib's default level 6 (the reference definition), and again at the core's level;
 * - the variants' runs are interleaved (floor, floor at the core's level, core, floor, …), so load
 *   from other work on the machine hits all of them alike; wall time (median) and process CPU time
 *   (median) are reported;
 * - gzip size: the core's object bodies at `OBJECT_GZIP_LEVEL` and at level 6;
 * - bundle: esbuild with `LAKEFORGE_ESBUILD_OPTIONS` (the options the CDK constructs ship with),
 *   `@aws-sdk/*` bundled too; cold init = time to `require` it in a fresh node process.
 *
 * Options: `--runs <n>` measured runs per variant (median reported) @default 5;
 * `--no-write` prints without touching BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { encodeObjectBody, OBJECT_GZIP_LEVEL, planBatch, type StreamRecord } from '../../lambdas/ingest/core';
import { LAKEFORGE_ESBUILD_OPTIONS } from '../../lib/shared/lambda-entry';
import { validators } from '../../lambdas/ingest/generated/validators';
import { readMovieLensEnvelopes, toStreamRecords } from '../local/movielens';
import { movieLensDir } from '../local/data-sets';

/** Records per simulated Lambda batch. */
export const BATCH_SIZE = 500;
/** Size limit used for the run (keeps the injected size_exceeded records small). */
const MAX_RECORD_BYTES = 4096;
const ROOT = resolve(__dirname, '..', '..');
const MOVIELENS_DIR = movieLensDir();
/**
 * The packages of the ingest function's run-time schema compiler (`lambdas/shared/contract-ajv.ts`, used by the
 * registry, `lambdas/ingest/registry.ts`) and their dependencies, reported apart in the bundle size.
 */
const RUNTIME_COMPILER_PACKAGES = ['ajv', 'ajv-formats', 'fast-uri', 'json-schema-traverse', 'fast-deep-equal'] as const;
/** zlib's default level: the floor's reference definition and the core's level before issue 4. */
const DEFAULT_GZIP_LEVEL = 6;

/** Wall-clock and process CPU milliseconds of one variant's measured runs. */
interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Times every variant `runs` times after one warm-up each, interleaving the variants run by run.
 * @returns the median wall-clock and median process CPU time (user + system) per variant.
 */
function timeInterleaved<K extends string>(runs: number, variants: Readonly<Record<K, () => void>>): Record<K, Timing> {
  const names = Object.keys(variants) as K[];
  for (const name of names) variants[name](); // warm-up
  const wall = new Map<K, number[]>(names.map((name) => [name, []]));
  const cpu = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const name of names) {
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      variants[name]();
      wall.get(name)?.push(Number(process.hrtime.bigint() - start) / 1e6);
      const used = process.cpuUsage(cpuStart);
      cpu.get(name)?.push((used.user + used.system) / 1000);
    }
  }
  return Object.fromEntries(
    names.map((name) => [name, { wallMs: median(wall.get(name) ?? []), cpuMs: median(cpu.get(name) ?? []) }]),
  ) as Record<K, Timing>;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf('--runs') + 1] ?? 5) || 5;
  const write = !args.includes('--no-write');

  const inputs = toStreamRecords(readMovieLensEnvelopes(MOVIELENS_DIR), { badRatio: 0.05, seed: 42, maxRecordBytes: MAX_RECORD_BYTES });
  const start = Date.UTC(2024, 4, 1) / 1000;
  const records: StreamRecord[] = inputs.map((input, i) => ({
    shardId: 'shardId-000000000000',
    sequenceNumber: String(10n ** 55n + BigInt(i)),
    data: input.data.toString('base64'),
    approximateArrivalTimestamp: start + i / 10,
  }));
  const batches: StreamRecord[][] = [];
  for (let i = 0; i < records.length; i += BATCH_SIZE) batches.push(records.slice(i, i + BATCH_SIZE));
  const payloadBytes = inputs.reduce((sum, r) => sum + r.data.length, 0);
  const bad = inputs.filter((r) => r.expected.kind === 'bad').length;

  let sink = 0;
  const floor = (level: number) => (): void => {
    for (const batch of batches) {
      const lines: Buffer[] = [];
      for (const r of batch) {
        const bytes = Buffer.from(r.data, 'base64');
        try {
          sink += JSON.parse(bytes.toString('utf8')) === null ? 0 : 1;
        } catch {
          sink += 1;
        }
        lines.push(bytes);
      }
      sink += gzipSync(Buffer.concat(lines), { level }).length;
    }
  };
  let objects = 0;
  let coreGzipBytes = 0;
  const timings = timeInterleaved(runs, {
    floor: floor(DEFAULT_GZIP_LEVEL),
    floorAtCoreLevel: floor(OBJECT_GZIP_LEVEL),
    core: () => {
      objects = 0;
      coreGzipBytes = 0;
      for (const batch of batches) {
        for (const object of planBatch(batch, { validators, maxRecordBytes: MAX_RECORD_BYTES }).objects) {
          const body = encodeObjectBody(object.lines);
          coreGzipBytes += body.length;
          objects += 1;
        }
      }
    },
  });
  // Size cost of the core's gzip level: the same bodies at the default level.
  let linesBytes = 0;
  let defaultLevelGzipBytes = 0;
  for (const batch of batches) {
    for (const object of planBatch(batch, { validators, maxRecordBytes: MAX_RECORD_BYTES }).objects) {
      const text = object.lines.length === 0 ? '' : `${object.lines.join('\n')}\n`;
      linesBytes += Buffer.byteLength(text);
      defaultLevelGzipBytes += gzipSync(text, { level: DEFAULT_GZIP_LEVEL }).length;
    }
  }
  sink += coreGzipBytes;

  const dir = mkdtempSync(join(tmpdir(), 'lakeforge-bench-'));
  const bundle = join(dir, 'index.js');
  const buildStart = process.hrtime.bigint();
  // The shipped options (the CDK constructs pass the same to NodejsFunction); the source map is
  // written next to the bundle and not counted in its size (Node.js loads it only with --enable-source-maps).
  const { metafile } = await build({
    ...LAKEFORGE_ESBUILD_OPTIONS,
    mainFields: [...LAKEFORGE_ESBUILD_OPTIONS.mainFields],
    entryPoints: [join(ROOT, 'lambdas/ingest/handler.ts')],
    bundle: true,
    outfile: bundle,
    metafile: true,
    logLevel: 'silent',
  });
  // Bytes of the registry's run-time schema compiler in the bundle (ajv's runtime helpers, which the precompiled
  // validators use, are not part of it).
  const compilerBytes = Object.entries(Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined)?.inputs ?? {})
    .filter(([file]) => RUNTIME_COMPILER_PACKAGES.some((name) => file.includes(`node_modules/${name}/`)) && !file.includes('node_modules/ajv/dist/runtime/'))
    .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
  const buildMs = Number(process.hrtime.bigint() - buildStart) / 1e6;
  const bundleBytes = statSync(bundle).size;
  const bundleGzipBytes = gzipSync(readFileSync(bundle)).length;
  const initSamples: number[] = [];
  for (let i = 0; i < 7; i++) {
    const out = execFileSync(
      process.execPath,
      ['-e', `const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`],
      { env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' } },
    );
    initSamples.push(Number(out.toString()));
  }
  rmSync(dir, { recursive: true, force: true });
  const coldInitMs = median(initSamples);

  const perSecond = (ms: number): string => Math.round(records.length / (ms / 1000)).toLocaleString('en-US');
  const mbPerSecond = (ms: number): string => (payloadBytes / 1e6 / (ms / 1000)).toFixed(1);
  const { floor: floorT, floorAtCoreLevel: floorAtCoreLevelT, core: coreT } = timings;
  const ratio = floorT.wallMs / coreT.wallMs;
  const ratioAtCoreLevel = floorAtCoreLevelT.wallMs / coreT.wallMs;
  const met = (r: number): string => (r >= 0.5 ? 'met' : 'NOT met');
  const mb = (bytes: number): string => (bytes / 1e6).toFixed(2);
  const o = LAKEFORGE_ESBUILD_OPTIONS;
  const bundleLabel = `esbuild LAKEFORGE_ESBUILD_OPTIONS: ${o.minify ? 'minified' : 'not minified'}, ${o.target}, ${o.format === 'cjs' ? 'CommonJS' : o.format}, mainFields ${o.mainFields.join(',')}, @aws-sdk bundled`;
  const cpu = cpus()[0]?.model ?? 'unknown';
  const nproc = execFileSync('nproc').toString().trim();
  const date = new Date().toISOString().slice(0, 10);
  const section = [
    '<!-- ingest:start (written by `npm run bench:ingest`; do not edit by hand) -->',
    '## Ingest',
    '',
    `Machine: ${nproc} CPUs (${cpu}), Node ${process.version}, ${date}. Median of ${runs} runs after one warm-up; 1-min load average at the end ${loadavg()[0].toFixed(1)} (other work on the machine inflates every row alike: the variants' runs are interleaved).`,
    `Input: all MovieLens ml-latest-small ratings and tags as envelopes, ${records.length.toLocaleString('en-US')} records ` +
      `(${bad.toLocaleString('en-US')} bad rows, ${((100 * bad) / records.length).toFixed(1)}%, every failure type), ` +
      `${(payloadBytes / 1e6).toFixed(1)} MB, batches of ${BATCH_SIZE}, size limit ${MAX_RECORD_BYTES} B.`,
    '',
    '| measure | events/s | MB/s | time (ms) | CPU time (ms) |',
    '|---|---:|---:|---:|---:|',
    `| floor: base64 + JSON.parse + gzip (level ${DEFAULT_GZIP_LEVEL}, zlib default) | ${perSecond(floorT.wallMs)} | ${mbPerSecond(floorT.wallMs)} | ${floorT.wallMs.toFixed(0)} | ${floorT.cpuMs.toFixed(0)} |`,
    `| floor at the core's gzip level (${OBJECT_GZIP_LEVEL}) | ${perSecond(floorAtCoreLevelT.wallMs)} | ${mbPerSecond(floorAtCoreLevelT.wallMs)} | ${floorAtCoreLevelT.wallMs.toFixed(0)} | ${floorAtCoreLevelT.cpuMs.toFixed(0)} |`,
    `| core: decode + validate + group + gzip level ${OBJECT_GZIP_LEVEL} (${objects} objects) | ${perSecond(coreT.wallMs)} | ${mbPerSecond(coreT.wallMs)} | ${coreT.wallMs.toFixed(0)} | ${coreT.cpuMs.toFixed(0)} |`,
    '',
    `Core / floor (the target's definition, floor at gzip level ${DEFAULT_GZIP_LEVEL}): **${ratio.toFixed(2)}×** (target ≥ 0.5×: ${met(ratio)}; by CPU time ${(floorT.cpuMs / coreT.cpuMs).toFixed(2)}×).`,
    `Core / floor at the same gzip level (${OBJECT_GZIP_LEVEL}): **${ratioAtCoreLevel.toFixed(2)}×** (${met(ratioAtCoreLevel)} by this stricter reading; by CPU time ${(floorAtCoreLevelT.cpuMs / coreT.cpuMs).toFixed(2)}×).`,
    `Gzip size of the core's ${objects} object bodies (${mb(linesBytes)} MB of lines): ${mb(coreGzipBytes)} MB at level ${OBJECT_GZIP_LEVEL}, ` +
      `${mb(defaultLevelGzipBytes)} MB at level ${DEFAULT_GZIP_LEVEL} (${(100 * (coreGzipBytes / defaultLevelGzipBytes - 1)).toFixed(1)}% more bytes at level ${OBJECT_GZIP_LEVEL}).`,
    '',
    `| handler bundle (${bundleLabel}) | value | target |`,
    '|---|---:|---:|',
    `| size | ${(bundleBytes / 1024).toFixed(0)} KB (${(bundleGzipBytes / 1024).toFixed(0)} KB gzip) | ≤ 500 KB ${bundleBytes <= 500 * 1024 ? '(met)' : `(NOT met: ${(compilerBytes / 1024).toFixed(0)} KB of it is the registry's run-time schema compiler, ${RUNTIME_COMPILER_PACKAGES.join(', ')}, loaded on the first registry schema compiled; ${((bundleBytes - compilerBytes) / 1024).toFixed(0)} KB without it)`} |`,
    `| cold init: require in a fresh node process, median of 7 | ${coldInitMs.toFixed(0)} ms | |`,
    `| esbuild build time | ${buildMs.toFixed(0)} ms | |`,
    '<!-- ingest:end -->',
  ].join('\n');
  // eslint-disable-next-line no-console
  console.log(section, sink > 0 ? '' : '\n');
  if (!write) return;
  const file = join(ROOT, 'BENCHMARKS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\nMeasured on the machine named in each section; rerun the named script to refresh.\n';
  const pattern = /<!-- ingest:start[\s\S]*?<!-- ingest:end -->/;
  writeFileSync(file, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
}

main().catch((error: unknown) => {
  // eslint-disable-next-line no-console
  console.error(error);
  process.exitCode = 1;
});

/**
 * Ingest benchmark (`npm run bench:ingest`): throughput of the pure core on real MovieLens events
 * (104,519 events, 5% bad rows of every failure type) against a floor measured in the same run,
 * plus the size and cold-init time of the minified handler bundle. Writes the results into the
 * "Ingest" section of BENCHMARKS.md.
 *
 * - core: `planBatch` (decode, size check, parse, envelope check, validate, group, serialise) and
 *   `encodeObjectBody` (gzip) per batch of {@link BATCH_SIZE} records;
 * - floor: base64 decode + `JSON.parse` of every record + one gzip of the decoded records per batch;
 * - bundle: esbuild like `NodejsFunction` (bundle, minify, platform node, target node22, CommonJS,
 *   `mainFields: ['module', 'main']`), with `@aws-sdk/*` bundled too; cold init = time to `require` it in a fresh node process.
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
import { encodeObjectBody, planBatch, type StreamRecord } from '../../lambdas/ingest/core';
import { validators } from '../../lambdas/ingest/generated/validators';
import { readMovieLensEnvelopes, toStreamRecords } from '../local/movielens';

/** Records per simulated Lambda batch. */
export const BATCH_SIZE = 500;
/** Size limit used for the run (keeps the injected size_exceeded records small). */
const MAX_RECORD_BYTES = 4096;
const ROOT = resolve(__dirname, '..', '..');
const MOVIELENS_DIR = '/work/shared/data/movielens-ml-latest-small';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(runs: number, fn: () => void): number {
  fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
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
  const floorMs = time(runs, () => {
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
      sink += gzipSync(Buffer.concat(lines)).length;
    }
  });
  let objects = 0;
  const coreMs = time(runs, () => {
    objects = 0;
    for (const batch of batches) {
      for (const object of planBatch(batch, { validators, maxRecordBytes: MAX_RECORD_BYTES }).objects) {
        sink += encodeObjectBody(object.lines).length;
        objects += 1;
      }
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'lakeforge-bench-'));
  const bundle = join(dir, 'index.js');
  const buildStart = process.hrtime.bigint();
  await build({
    entryPoints: [join(ROOT, 'lambdas/ingest/handler.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // ESM entry points let esbuild tree-shake the AWS SDK (643 KB → 483 KB); NodejsFunction
    // takes the same setting as `bundling.mainFields`.
    mainFields: ['module', 'main'],
    outfile: bundle,
    logLevel: 'silent',
  });
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
  const ratio = floorMs / coreMs;
  const cpu = cpus()[0]?.model ?? 'unknown';
  const nproc = execFileSync('nproc').toString().trim();
  const date = new Date().toISOString().slice(0, 10);
  const section = [
    '<!-- ingest:start (written by `npm run bench:ingest`; do not edit by hand) -->',
    '## Ingest',
    '',
    `Machine: ${nproc} CPUs (${cpu}), Node ${process.version}, ${date}. Median of ${runs} runs after one warm-up; 1-min load average at the end ${loadavg()[0].toFixed(1)} (other work on the machine inflates both rows alike).`,
    `Input: all MovieLens ml-latest-small ratings and tags as envelopes, ${records.length.toLocaleString('en-US')} records ` +
      `(${bad.toLocaleString('en-US')} bad rows, ${((100 * bad) / records.length).toFixed(1)}%, every failure type), ` +
      `${(payloadBytes / 1e6).toFixed(1)} MB, batches of ${BATCH_SIZE}, size limit ${MAX_RECORD_BYTES} B.`,
    '',
    '| measure | events/s | MB/s | time (ms) |',
    '|---|---:|---:|---:|',
    `| floor: base64 + JSON.parse + gzip | ${perSecond(floorMs)} | ${mbPerSecond(floorMs)} | ${floorMs.toFixed(0)} |`,
    `| core: decode + validate + group + gzip (${objects} objects) | ${perSecond(coreMs)} | ${mbPerSecond(coreMs)} | ${coreMs.toFixed(0)} |`,
    '',
    `Core / floor: **${ratio.toFixed(2)}×** (target ≥ 0.5×: ${ratio >= 0.5 ? 'met' : 'NOT met'}).`,
    '',
    '| handler bundle (esbuild, minified, node22, CommonJS, mainFields module,main, @aws-sdk bundled) | value | target |',
    '|---|---:|---:|',
    `| size | ${(bundleBytes / 1024).toFixed(0)} KB (${(bundleGzipBytes / 1024).toFixed(0)} KB gzip) | ≤ 500 KB ${bundleBytes <= 500 * 1024 ? '(met)' : '(NOT met)'} |`,
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

/**
 * Synth benchmark (`npm run bench:synth`): how the synthesis of the whole app (all three stages, with the four
 * policy packs, as `lakeforge synth` runs it) grows with the number of data products. For each size the app is
 * the real platform plus `n` generated data products with one event contract each (`syntheticPlatform`), in one
 * process, after one warm-up synth, in the order 0, 250, 500 (repeated `--runs` times, interleaved, median
 * reported). Writes the "Synth" section of BENCHMARKS.md.
 *
 * Reported: wall time (construct tree + synth + policy packs + audit report), ratio to the 0-product baseline,
 * the per-product slope of each step and of the whole range (equal slopes = linear growth), resources per stack
 * (the largest stack of each kind), and the number of stacks.
 *
 * Asserted (exit code 1 otherwise): every size synthesizes with zero unacknowledged policy findings, and no stack
 * has more than {@link MAX_STACK_RESOURCES} resources.
 *
 * Options: `--runs <n>` @default 1; `--sizes 0,250,500`; `--no-write` prints without touching BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadAllConfigs } from '../../config';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../../lib/app';
import { checkMarts } from '../../lib/marts/check';
import { curatedLookbackHours, renderPipelinePlan } from '../../lib/pipeline/plan';
import { PRODUCT_STACK_BUDGET } from '../../lib/products/stack-plan';
import { synthesizeApp, type SynthResult } from '../synth';
import { PRODUCTS_PER_DOMAIN, syntheticPlatform } from './synthetic-platform';

/** The most resources Lakeforge lets any stack have (CloudFormation's hard limit is 500). */
export const MAX_STACK_RESOURCES = PRODUCT_STACK_BUDGET;

const ROOT = resolve(__dirname, '..', '..');

/** One measured synth. */
export interface SynthMeasurement {
  /** Generated data products. */
  readonly products: number;
  /** Wall time in ms: building the stages, synth with the policy packs, audit report. */
  readonly wallMs: number;
  /** The synth result (stacks with resource counts, findings). */
  readonly result: SynthResult;
}

/**
 * Builds and synthesizes the app for the real platform plus `products` generated data products.
 *
 * @param products - generated data products.
 */
export function measureSynth(products: number): SynthMeasurement {
  const outdir = mkdtempSync(join(tmpdir(), 'lakeforge-bench-synth-'));
  try {
    const configs = loadAllConfigs();
    const platform = syntheticPlatform(products);
    const start = process.hrtime.bigint();
    const app = new App({ outdir, analyticsReporting: false, context: LAKEFORGE_APP_CONTEXT });
    addLakeforgeStages(app, configs, platform);
    const result = synthesizeApp(app);
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    return { products, wallMs, result };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Problems of one measurement: unacknowledged findings (`rule on path`) and stacks over {@link MAX_STACK_RESOURCES}. */
export function problemsOf(m: SynthMeasurement): string[] {
  return [
    ...m.result.findings.map((f) => `unacknowledged finding ${f.rule} on ${f.path}`),
    ...m.result.stacks.filter((s) => s.resources > MAX_STACK_RESOURCES).map((s) => `${s.path} has ${s.resources} resources (> ${MAX_STACK_RESOURCES})`),
  ];
}

/** `Dev/ProductsSynthetic3` → `Products*`, `Dev/Storage` → `Storage`: stacks of one kind across stages and domains. */
function stackKind(path: string): string {
  const id = path.split('/')[1] ?? path;
  const m = /^(Products|Freshness)(.*)$/.exec(id);
  return m === null ? id : `${m[1]}*`;
}

/**
 * Time of the two pure steps the Pipeline stack runs per stage, which parse SQL (Trino grammar) per contract:
 * `checkMarts` and `renderPipelinePlan`, for the real platform plus `products` generated products (dev config).
 */
export function measurePlanning(products: number): { checkMs: number; planMs: number } {
  const platform = syntheticPlatform(products);
  const config = loadAllConfigs().find((c) => c.name === 'dev')!;
  let t = process.hrtime.bigint();
  checkMarts(platform.marts, platform.contractTables);
  const checkMs = Number(process.hrtime.bigint() - t) / 1e6;
  t = process.hrtime.bigint();
  renderPipelinePlan('dev', platform.marts, platform.contractTables, {
    goLiveDate: config.pipeline.goLiveDate,
    lookbackHours: curatedLookbackHours(config.ingestion, config.pipeline.lateArrivalMarginHours),
    optimizeRecentDays: config.pipeline.optimizeRecentDays,
  });
  return { checkMs, planMs: Number(process.hrtime.bigint() - t) / 1e6 };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function parseArgs(argv: readonly string[]): { runs: number; sizes: number[]; write: boolean } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  const runs = Number(value('--runs') ?? 1);
  const sizes = (value('--sizes') ?? '0,250,500').split(',').map(Number);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1, got ${value('--runs')}`);
  if (sizes[0] !== 0 || sizes.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`--sizes must start with 0 (the baseline), got ${value('--sizes')}`);
  return { runs, sizes, write: !argv.includes('--no-write') };
}

function main(): void {
  const { runs, sizes, write } = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  log('warm-up synth (0 products) …');
  measureSynth(0);
  const samples = new Map<number, SynthMeasurement[]>(sizes.map((s) => [s, []]));
  for (let r = 0; r < runs; r++) {
    for (const n of sizes) {
      const m = measureSynth(n);
      log(`run ${r + 1}/${runs}: ${n} products: ${(m.wallMs / 1000).toFixed(1)} s, ${m.result.stacks.length} stacks, largest ${Math.max(...m.result.stacks.map((s) => s.resources))} resources`);
      samples.get(n)!.push(m);
    }
  }
  const rows = sizes.map((n) => {
    const ms = samples.get(n)!;
    return { n, wallMs: median(ms.map((m) => m.wallMs)), last: ms[ms.length - 1] };
  });
  const base = rows[0];
  // Each problem once, with the sizes it occurs at.
  const sizesOf = new Map<string, number[]>();
  for (const r of rows) for (const p of problemsOf(r.last)) sizesOf.set(p, [...(sizesOf.get(p) ?? []), r.n]);
  const problems = [...sizesOf.entries()].map(([p, ns]) => `${p} (${ns.length === rows.length ? 'every size' : `${ns.join(', ')} products`})`);

  const kinds = [...new Set(rows.flatMap((r) => r.last.result.stacks.map((s) => stackKind(s.path))))];
  const largest = (r: (typeof rows)[number], kind: string) => {
    const counts = r.last.result.stacks.filter((s) => stackKind(s.path) === kind).map((s) => s.resources);
    return counts.length === 0 ? '–' : String(Math.max(...counts));
  };
  const slopes = rows.slice(1).map((r, i) => ({ from: rows[i].n, to: r.n, msPerProduct: (r.wallMs - rows[i].wallMs) / (r.n - rows[i].n) }));
  const last = rows[rows.length - 1];
  const overall = (last.wallMs - base.wallMs) / Math.max(1, last.n - base.n);
  // Linear growth: every step costs the same per product (the last step's slope within ±25% of the first's).
  const stepRatio = slopes.length < 2 ? undefined : slopes[slopes.length - 1].msPerProduct / slopes[0].msPerProduct;
  const linear = stepRatio === undefined ? 'one step only' : `last step / first step slope ${stepRatio.toFixed(2)}: ${stepRatio >= 0.75 && stepRatio <= 1.25 ? 'linear' : stepRatio > 1.25 ? 'super-linear' : 'sub-linear'} growth`;
  const stages = base.last.result.stages.length;
  const p0 = measurePlanning(0);
  const pN = measurePlanning(last.n);
  const planningPerProduct = (stages * (pN.checkMs + pN.planMs - p0.checkMs - p0.planMs)) / Math.max(1, last.n);
  const cpu = cpus()[0]?.model ?? 'unknown';
  const nproc = execFileSync('nproc').toString().trim();
  const section = [
    '<!-- synth:start (written by `npm run bench:synth`; do not edit by hand) -->',
    '## Synth',
    '',
    `Machine: ${nproc} CPUs (${cpu}), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}. One process, one warm-up synth, ${runs} run${runs === 1 ? '' : 's'} per size (interleaved, median); 1-min load average at the end ${loadavg()[0].toFixed(1)}.`,
    `App: all three stages (Dev, Acc, Prod) with the four policy packs and the audit report, as \`lakeforge synth\` runs it; the real platform plus n generated data products with one event contract each (\`tools/bench/synthetic-platform.ts\`, ${PRODUCTS_PER_DOMAIN} per domain).`,
    '',
    '| generated products | synth time (s) | × baseline | stacks | largest stack (resources) | unacknowledged findings |',
    '|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => {
      const stacks = r.last.result.stacks;
      return `| ${r.n} | ${(r.wallMs / 1000).toFixed(1)} | ${(r.wallMs / base.wallMs).toFixed(2)}× | ${stacks.length} | ${Math.max(...stacks.map((s) => s.resources))} | ${r.last.result.findings.length} |`;
    }),
    '',
    `Per-product slope: ${slopes.map((s) => `${s.from}→${s.to}: ${s.msPerProduct.toFixed(1)} ms`).join(', ')}; overall ${overall.toFixed(1)} ms per product (${linear}).`,
    `Of that, SQL parsing in the Pipeline stack (\`checkMarts\` + \`renderPipelinePlan\`, once per stage, measured alone at ${last.n} products: ${(pN.checkMs / 1000).toFixed(1)} s + ${(pN.planMs / 1000).toFixed(1)} s per stage) is ${planningPerProduct.toFixed(1)} ms per product (${((100 * planningPerProduct) / Math.max(overall, 1e-9)).toFixed(0)}%); the rest is constructs, synthesis and the policy packs over the per-domain Products and Freshness stacks.`,
    '',
    `Resources of the largest stack of each kind (per stage; \`Products*\` and \`Freshness*\` are one stack per domain), limit ${MAX_STACK_RESOURCES}:`,
    '',
    `| stack | ${rows.map((r) => `${r.n} products`).join(' | ')} |`,
    `|---|${rows.map(() => '---:').join('|')}|`,
    ...kinds.map((k) => `| ${k} | ${rows.map((r) => largest(r, k)).join(' | ')} |`),
    '',
    problems.length === 0 ? `Every size: zero unacknowledged findings, no stack over ${MAX_STACK_RESOURCES} resources.` : `**Problems:** ${problems.join('; ')}.`,
    '<!-- synth:end -->',
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (write) {
    const file = join(ROOT, 'BENCHMARKS.md');
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
    const pattern = /<!-- synth:start[\s\S]*?<!-- synth:end -->/;
    writeFileSync(file, pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}\n`);
  }
  if (problems.length > 0) process.exitCode = 1;
}

if (require.main === module) main();

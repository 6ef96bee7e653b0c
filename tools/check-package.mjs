// Checks what `npm pack` publishes, after `npm run build` (`npm run pack:check`, run by .ci/run):
// 1. the file list: compiled JS and .d.ts of the public API, the Lambda handlers (compiled, with the precompiled
//    validators), the contracts and mart SQL, the `lakeforge` launcher; no sources, tests or source maps; and no
//    stale build output (a dist/ file whose source is gone);
// 2. the compiled public API loads in plain Node;
// 3. the packed `lakeforge` command works from the tarball alone: it is extracted into a temporary
//    node_modules/lakeforge beside links to its dependencies and peer dependencies only, so a devDependency
//    (DuckDB, kinesalite, s3rver, tsx …) cannot be found, and `--version`, `--help` and `contracts lint <dir>` must
//    still succeed; `local` must refuse in one line naming what to install.
// Offline: nothing is downloaded (the dependencies are links into this repository's node_modules).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const problems = [];
let work;

// 1. The file list.
const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const [pack] = JSON.parse(out);
const files = new Set(pack.files.map((f) => f.path));
const required = [
  'dist/lib/index.js',
  'dist/lib/index.d.ts',
  'dist/lib/constructs/data-product/data-product.d.ts',
  'dist/lambdas/ingest/handler.js',
  'dist/lambdas/ingest/generated/validators.js',
  'dist/config/contracts/com.lakeforge.ott/rating_submitted/jsonschema/1-0-0.json',
  'dist/tools/cli.js',
  ...Object.values(manifest.bin),
  'README.md',
  'CHANGELOG.md',
];
const missing = required.filter((f) => !files.has(f));
const leaked = [...files].filter((f) => f.startsWith('test/') || f.startsWith('node_modules/') || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
if (missing.length || leaked.length) problems.push(`missing ${JSON.stringify(missing)}, should not ship ${JSON.stringify(leaked.slice(0, 10))}`);
const stale = [...files].filter((f) => f.startsWith('dist/') && !sourcesOf(f).some((source) => existsSync(join(root, source))));
if (stale.length) problems.push(`dist/ holds build output whose source is gone (delete dist/ and rebuild): ${stale.slice(0, 10).join(', ')}`);

// 2. The public API.
const require = createRequire(import.meta.url);
const api = require(join(root, 'dist/lib/index.js'));
const exportsNeeded = ['DataProduct', 'KinesisIngestion', 'LakeStorage', 'QueryWorkgroup', 'LakeforgeStage', 'defineProduct', 'acknowledge'];
const absent = exportsNeeded.filter((name) => api[name] === undefined);
if (absent.length) problems.push(`the public API lacks ${absent.join(', ')}`);
fail();

// 3. The packed command, with only the runtime dependencies installed.
work = mkdtempSync(join(tmpdir(), 'lakeforge-pack-'));
try {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const modules = join(work, 'consumer', 'node_modules');
  const pkgDir = join(modules, manifest.name);
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', pkgDir, '--strip-components=1']);
  const runtime = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})];
  for (const name of runtime) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir');
  }
  const requireFromPackage = createRequire(join(pkgDir, 'package.json'));
  const reachable = Object.keys(manifest.devDependencies).filter((name) => !runtime.includes(name) && resolvable(requireFromPackage, name));
  if (reachable.length) problems.push(`the packed package can reach devDependencies (${reachable.join(', ')}), so this check would prove nothing`);
  fail();

  const bin = join(pkgDir, manifest.bin.lakeforge);
  const run = (...args) => spawnSync(process.execPath, [bin, ...args], { cwd: join(work, 'consumer'), encoding: 'utf8', env: { ...process.env, LAKEFORGE_DEBUG: '' } });
  const expect = (args, ok, what) => {
    const r = run(...args);
    if (!ok(r)) problems.push(`\`lakeforge ${args.join(' ')}\` from the tarball: ${what} (exit ${r.status}; stdout ${JSON.stringify(r.stdout.slice(0, 200))}; stderr ${JSON.stringify(r.stderr.slice(0, 300))})`);
  };
  expect(['--version'], (r) => r.status === 0 && r.stdout.trim() === manifest.version, `expected ${manifest.version}`);
  expect(['--help'], (r) => r.status === 0 && /\bcontracts\b/.test(r.stdout) && /\bsynth\b/.test(r.stdout), 'expected the usage with its commands');
  expect(['contracts', 'lint', join(pkgDir, 'dist', 'config', 'contracts')], (r) => r.status === 0, 'expected the shipped contracts to lint');
  expect(['local', '--rounds', '1'], (r) => r.status === 1 && /@duckdb\/node-api|kinesalite|s3rver/.test(r.stderr) && r.stderr.trim().split('\n').length === 1, 'expected one line naming what to install');
  fail();
  console.log(
    `package check: ${pack.name}@${pack.version}, ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KiB packed; public API loads (${Object.keys(api).length} exports); ` +
      `the packed lakeforge command runs --version, --help and contracts lint without devDependencies`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The repository files a packed dist/ file may come from: a copied asset, or the TypeScript source tsc compiled. */
function sourcesOf(file) {
  const rel = file.slice('dist/'.length);
  return [rel, rel.replace(/\.d\.ts$/, '.ts'), rel.replace(/\.js$/, '.ts')];
}

function resolvable(req, name) {
  try {
    req.resolve(name);
    return true;
  } catch {
    return false;
  }
}

function fail() {
  if (problems.length === 0) return;
  for (const p of problems) console.error(`package check failed: ${p}`);
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
  process.exit(1);
}

// Checks what `npm pack` would publish: compiled JS and .d.ts of the public API, the Lambda handlers
// (compiled, with the precompiled validators), the contracts and mart SQL; and that the compiled
// public API loads in plain Node. Run by `npm run pack:check` (and .ci/run).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
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
  'README.md',
  'CHANGELOG.md',
];
const missing = required.filter((f) => !files.has(f));
const leaked = [...files].filter((f) => f.startsWith('test/') || f.startsWith('node_modules/') || f.endsWith('.map') || (f.endsWith('.ts') && !f.endsWith('.d.ts')));
if (missing.length || leaked.length) {
  console.error(`package check failed: missing ${JSON.stringify(missing)}, should not ship ${JSON.stringify(leaked.slice(0, 10))}`);
  process.exit(1);
}
const require = createRequire(import.meta.url);
const api = require('../dist/lib/index.js');
const exportsNeeded = ['DataProduct', 'KinesisIngestion', 'LakeStorage', 'QueryWorkgroup', 'LakeforgeStage', 'defineProduct', 'acknowledge'];
const absent = exportsNeeded.filter((name) => api[name] === undefined);
if (absent.length) {
  console.error(`package check failed: the public API lacks ${absent.join(', ')}`);
  process.exit(1);
}
console.log(`package check: ${pack.name}@${pack.version}, ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KiB packed; public API loads (${Object.keys(api).length} exports)`);

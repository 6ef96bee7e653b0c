// Completes `npm run build` after tsc (and so `npm pack`, whose prepack runs the build):
// 1. copies the non-TypeScript files the compiled package needs at run time into dist/: precompiled validators,
//    data contracts and mart SQL;
// 2. deletes build output whose source is gone (a renamed or deleted .ts file, contract or SQL file), so a package
//    never ships, and its `lakeforge` command never runs, stale code left over from an earlier build.
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);

const copy = (from, to, filter) => cpSync(from, to, { recursive: true, filter });
copy('lambdas/ingest/generated', 'dist/lambdas/ingest/generated');
copy('config/contracts', 'dist/config/contracts', (src) => !src.endsWith('.ts'));
for (const f of readdirSync('config/marts')) if (f.endsWith('.sql')) cpSync(join('config/marts', f), join('dist/config/marts', f));

let pruned = 0;
prune('dist');
if (pruned > 0) console.log(`copy-build-assets: deleted ${pruned} stale file(s) from dist/ whose source is gone`);

/** Deletes the files under `dir` that come from no repository file; returns whether `dir` is now empty. */
function prune(dir) {
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) {
      if (prune(file)) rmSync(file, { recursive: true });
    } else if (!sourcesOf(relative('dist', file)).some((source) => existsSync(source))) {
      rmSync(file);
      pruned++;
    }
  }
  return readdirSync(dir).length === 0;
}

/** The repository files a dist/ file may come from: a copied asset, or the TypeScript source tsc compiled. */
function sourcesOf(rel) {
  const built = rel.replace(/\.map$/, '');
  return [rel, built.replace(/\.d\.ts$/, '.ts'), built.replace(/\.js$/, '.ts')];
}

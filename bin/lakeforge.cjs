#!/usr/bin/env node
/**
 * The `lakeforge` command (package.json `bin`). One launcher for both places the command runs from:
 *
 * - an installed package (no `tools/cli.ts` beside it): runs the compiled `dist/tools/cli.js`, built by
 *   `npm pack` (prepack → `npm run build`), so it needs none of the devDependencies;
 * - the repository itself (`npx lakeforge …` in a clone; npm 11 links the folder's own package into its npx
 *   cache and runs this file through the link): runs the TypeScript sources through tsx, like
 *   `npm run lakeforge`, so a checkout never runs a stale or missing `dist/`.
 *
 * Plain CommonJS (no build step): it must run before anything is compiled.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.join(__dirname, '..');
const sources = path.join(root, 'tools', 'cli.ts');

/** Prints one line and exits 1 (the CLI's convention for bad input: never a stack trace). */
function fail(message) {
  console.error(`lakeforge: ${message}`);
  process.exit(1);
}

if (fs.existsSync(sources)) {
  let loader;
  try {
    loader = require.resolve('tsx', { paths: [root] });
  } catch {
    fail(`running from a source checkout (${path.relative(process.cwd(), sources) || sources}) needs tsx, a devDependency: run \`npm ci\` in ${root}`);
  }
  // Importing tsx's loader registers its CommonJS and ESM hooks in this process (what `node --import tsx` does),
  // so the .ts sources and their lazy `import()`s load without a child process.
  import(pathToFileURL(loader).href)
    .then(() => require(sources).main(process.argv))
    .catch((e) => {
      if (process.env.LAKEFORGE_DEBUG) throw e;
      fail(e instanceof Error ? e.message.split('\n')[0] : String(e));
    });
} else {
  const compiled = path.join(root, 'dist', 'tools', 'cli.js');
  if (!fs.existsSync(compiled)) fail(`${compiled} is missing: the package was packed without its build (npm pack runs npm run build)`);
  void require(compiled).main(process.argv);
}

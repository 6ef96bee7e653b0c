import * as fs from 'node:fs';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as path from 'node:path';

/**
 * The entry file of a Lakeforge Lambda function (`lambdas/<name>/handler.ts`), found from this module's
 * location so it works both from the source tree (TypeScript) and from the published package
 * (`dist/`, compiled JavaScript).
 *
 * @param name - the folder under `lambdas/`, e.g. `ingest`.
 * @throws Error when neither `handler.ts` nor `handler.js` exists.
 */
export function lambdaEntry(name: string): string {
  const dir = path.join(__dirname, '..', '..', 'lambdas', name);
  for (const file of ['handler.ts', 'handler.js']) {
    const candidate = path.join(dir, file);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`Lambda entry not found: ${dir}/handler.{ts,js}`);
}

/**
 * Bundling roots for `NodejsFunction`: in the Lakeforge repository, its root and lock file; when
 * Lakeforge is installed as a package, nothing, so CDK finds the consuming app's lock file from the
 * working directory (the package then lives under that project's node_modules).
 */
export function bundlingRoots(): { projectRoot?: string; depsLockFilePath?: string } {
  const root = path.join(__dirname, '..', '..');
  const lock = path.join(root, 'package-lock.json');
  return fs.existsSync(lock) ? { projectRoot: root, depsLockFilePath: lock } : {};
}


/**
 * The esbuild options of every Lakeforge function (also used by `npm run bench:ingest`, so the
 * benchmark measures the bundle that ships): minified CJS for Node.js 24 with source maps (no sources
 * content), the AWS SDK bundled (its version pinned by our lock file, not the runtime), and ESM entry
 * points preferred (`module` before `main`), which lets esbuild tree-shake the SDK: ~480 KB instead of
 * ~630 KB for the ingest function.
 */
export const LAKEFORGE_ESBUILD_OPTIONS = {
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  target: 'node24',
  format: 'cjs',
  platform: 'node',
  mainFields: ['module', 'main'],
} as const;

/**
 * `NodejsFunction` bundling options for a Lakeforge function: {@link LAKEFORGE_ESBUILD_OPTIONS}, local
 * esbuild only (never Docker), everything bundled.
 *
 * @param commandHooks - optional hooks, e.g. to copy a generated file into the bundle.
 */
export function lakeforgeBundling(commandHooks?: nodejs.ICommandHooks): nodejs.BundlingOptions {
  return {
    minify: LAKEFORGE_ESBUILD_OPTIONS.minify,
    sourceMap: LAKEFORGE_ESBUILD_OPTIONS.sourcemap,
    sourcesContent: LAKEFORGE_ESBUILD_OPTIONS.sourcesContent,
    target: LAKEFORGE_ESBUILD_OPTIONS.target,
    format: nodejs.OutputFormat.CJS,
    mainFields: [...LAKEFORGE_ESBUILD_OPTIONS.mainFields],
    // Bundle the AWS SDK too: its version is pinned by our lock file, not by the runtime.
    externalModules: [],
    forceDockerBundling: false,
    commandHooks,
  };
}

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The folder of the team's shared public data sets (MovieLens, Iglu Central sample), found in this order:
 * `LAKEFORGE_SHARED_DATA` (environment), `../shared/data` next to the repository (the CI layout), then
 * `/work/shared/data` (the development machines' layout).
 *
 * @returns the first candidate that exists, else the `../shared/data` path (callers report it as missing).
 */
export function sharedDataDir(): string {
  // This file is tools/local/shared-data.ts, or dist/tools/local/shared-data.js in the package.
  const up = path.resolve(__dirname, '..', '..');
  const repoRoot = path.basename(up) === 'dist' ? path.dirname(up) : up;
  const candidates = [process.env.LAKEFORGE_SHARED_DATA, path.resolve(repoRoot, '..', 'shared', 'data'), '/work/shared/data'].filter(
    (c): c is string => c !== undefined && c !== '',
  );
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[candidates.length > 1 ? candidates.length - 2 : 0];
}

/** The MovieLens ml-latest-small folder. */
export function movieLensDir(): string {
  return path.join(sharedDataDir(), 'movielens-ml-latest-small');
}

/** The Iglu Central sample folder. */
export function igluSampleDir(): string {
  return path.join(sharedDataDir(), 'iglu-central-sample');
}

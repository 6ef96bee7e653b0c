import * as path from 'node:path';

/**
 * The folder of the public data sets the demo and the tests use (MovieLens ml-latest-small, an Iglu Central
 * sample), each with its licence and SOURCE.md: `examples/data/` in the repository, found relative to this
 * file, so a clone anywhere works with nothing beside it. `LAKEFORGE_DATA` (environment) points elsewhere.
 * The npm package does not ship the data sets: from an installed package, pass `--data <dir>`.
 *
 * @returns `LAKEFORGE_DATA` when set, else `<repository>/examples/data` (callers report a missing folder).
 */
export function dataSetsDir(): string {
  const fromEnv = process.env.LAKEFORGE_DATA;
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  // This file is tools/local/data-sets.ts, or dist/tools/local/data-sets.js in a build.
  const up = path.resolve(__dirname, '..', '..');
  const repoRoot = path.basename(up) === 'dist' ? path.dirname(up) : up;
  return path.join(repoRoot, 'examples', 'data');
}

/** The MovieLens ml-latest-small folder (GroupLens research licence: see its README.txt). */
export function movieLensDir(): string {
  return path.join(dataSetsDir(), 'movielens-ml-latest-small');
}

/** The Iglu Central sample folder (Apache-2.0: see its LICENSE). */
export function igluSampleDir(): string {
  return path.join(dataSetsDir(), 'iglu-central-sample');
}


/** Test access to the MovieLens data set and its conversion to stream envelopes. */
import { join } from 'node:path';

export * from '../../tools/local/movielens';

/** The read-only MovieLens "ml-latest-small" directory shared by the team. */
export const MOVIELENS_DIR = join('/work/shared/data', 'movielens-ml-latest-small');

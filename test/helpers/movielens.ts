/** Test access to the MovieLens data set and its conversion to stream envelopes. */
import { movieLensDir } from '../../tools/local/data-sets';

export * from '../../tools/local/movielens';

/** The read-only MovieLens "ml-latest-small" directory shared by the team. */
export const MOVIELENS_DIR = movieLensDir();

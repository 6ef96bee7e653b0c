/**
 * The platform's mart declarations (each `<name>.ts` next to its `<name>.sql`). Add a mart by
 * adding both files and listing the declaration here; `lakeforge marts check` and the test suite
 * verify it against the catalog model.
 */
import type { Mart } from '../../lib/marts/declaration';
import { dailyEngagement } from './daily_engagement';
import { genreRatings } from './genre_ratings';
import { titlePopularity } from './title_popularity';

/** All declared marts. */
export const MARTS: readonly Mart[] = [dailyEngagement, titlePopularity, genreRatings];

import { defineMart } from '../../lib/marts/declaration';

/** Popularity of each rated title, joined with the content catalog. */
export const titlePopularity = defineMart(
  {
    name: 'title_popularity',
    owner: 'ott-analytics',
    product: 'viewer-engagement',
    description: 'One row per movie with at least one rating: catalog title and genres, rating and tag counts, mean rating, first and last rating time.',
    schedule: 'cron(30 * * * ? *)',
    sqlFile: 'title_popularity.sql',
    output: {
      columns: [
        { name: 'movie_id', type: 'int', description: 'Title id (MovieLens movieId).' },
        { name: 'title', type: 'string', description: 'Title from the content catalog; null when the catalog lacks the movie.' },
        { name: 'genres', type: 'array<string>', description: 'Genres from the content catalog (split on "|").' },
        { name: 'ratings', type: 'bigint', description: 'Ratings of the movie.' },
        { name: 'avg_rating', type: 'double', description: 'Mean rating of the movie.' },
        { name: 'tags', type: 'bigint', description: 'Tags added to the movie (0 when none).' },
        { name: 'first_rated_at', type: 'timestamp', description: 'Earliest rating event time, UTC.' },
        { name: 'last_rated_at', type: 'timestamp', description: 'Latest rating event time, UTC.' },
      ],
      key: ['movie_id'],
    },
    dependsOn: ['curated.rating_submitted_v1', 'curated.tag_added_v1'],
  },
  __dirname,
);

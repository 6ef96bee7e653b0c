import { defineMart } from '../../lib/marts/declaration';

/** Ratings per genre of the content catalog. */
export const genreRatings = defineMart(
  {
    name: 'genre_ratings',
    owner: 'ott-analytics',
    product: 'viewer-engagement',
    description: 'One row per genre: ratings of movies in the genre (a movie counts once per genre), mean rating and distinct raters.',
    schedule: 'cron(45 2 * * ? *)',
    sqlFile: 'genre_ratings.sql',
    output: {
      columns: [
        { name: 'genre', type: 'string', description: 'Genre as in the content catalog, including "(no genres listed)".' },
        { name: 'ratings', type: 'bigint', description: 'Ratings of movies in the genre.' },
        { name: 'avg_rating', type: 'double', description: 'Mean of those ratings.' },
        { name: 'users', type: 'bigint', description: 'Distinct users who rated a movie in the genre.' },
      ],
      key: ['genre'],
    },
    dependsOn: ['curated.rating_submitted_v1'],
  },
  __dirname,
);

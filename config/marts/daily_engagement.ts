import { defineMart } from '../../lib/marts/declaration';

/** Daily engagement of the OTT demo: one row per UTC event date. */
export const dailyEngagement = defineMart(
  {
    name: 'daily_engagement',
    owner: 'ott-analytics',
    product: 'viewer-engagement',
    description: 'One row per UTC event date: distinct active users (rated or tagged), ratings, tags and the mean rating.',
    schedule: 'cron(15 * * * ? *)',
    sqlFile: 'daily_engagement.sql',
    output: {
      columns: [
        { name: 'dt', type: 'string', description: 'UTC event date YYYY-MM-DD.' },
        { name: 'active_users', type: 'bigint', description: 'Distinct users who submitted a rating or added a tag that day.' },
        { name: 'ratings', type: 'bigint', description: 'Ratings submitted that day.' },
        { name: 'tags', type: 'bigint', description: 'Tags added that day.' },
        { name: 'avg_rating', type: 'double', description: 'Mean rating that day; null when there was none.' },
      ],
      key: ['dt'],
    },
    dependsOn: ['curated.rating_submitted_v1', 'curated.tag_added_v1'],
  },
  __dirname,
);

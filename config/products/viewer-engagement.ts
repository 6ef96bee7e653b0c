import { defineProduct } from '../../lib/products/declaration';

/** Viewer interactions with titles (OTT demo, MovieLens-shaped): star ratings and free-text tags. */
export const viewerEngagement = defineProduct(
  {
    name: 'viewer-engagement',
    owner: 'growth-analytics',
    description: 'Ratings and tags viewers submit for titles; the base of engagement and popularity marts.',
    domain: 'engagement',
    contracts: ['iglu:com.lakeforge.ott/rating_submitted/jsonschema/1-0-0', 'iglu:com.lakeforge.ott/tag_added/jsonschema/1-0-0'],
    classification: { level: 'confidential', piiColumns: ['user_id'] },
    freshnessSlaMinutes: 120,
    consumers: ['analysts', 'bi'],
  },
  'config/products/viewer-engagement.ts',
);

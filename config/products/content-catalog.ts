import { defineProduct } from '../../lib/products/declaration';

/** Title metadata delivered as files by an external vendor (MovieLens movies.csv and links.csv). */
export const contentCatalog = defineProduct(
  {
    name: 'content-catalog',
    owner: 'content-ops',
    description: 'Titles, genres and external ids (IMDb, TMDb) from the content vendor, landed as CSV batches.',
    domain: 'content',
    batchTables: ['content_catalog_movies', 'content_catalog_links'],
    classification: { level: 'internal', piiColumns: [] },
    freshnessSlaMinutes: 24 * 60,
    consumers: ['analysts', 'bi'],
  },
  'config/products/content-catalog.ts',
);

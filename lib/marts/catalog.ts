/**
 * Builds the {@link CatalogModel} the mart SQL is checked against: raw and curated tables per
 * contract MODEL, the content-catalog vendor batch tables, every declared mart's output and the
 * pipeline's watermark table.
 */
import { catalogModel, type CatalogModel, type CatalogTable } from './catalog-model';
import type { ContractTable } from './contract-adapter';
import { curatedTable, rawTable, watermarkTable } from './curated';
import type { Mart } from './declaration';

/**
 * Vendor batch tables (content-catalog product): MovieLens-shaped CSVs, all columns string
 * (OpenCSVSerde); ids stay strings. Key prefix in the raw bucket: `batch/content-catalog/<entity>/`.
 */
export const BATCH_TABLES: readonly (CatalogTable & { readonly prefix: string })[] = [
  {
    name: 'raw.content_catalog_movies',
    prefix: 'batch/content-catalog/movies/',
    columns: [
      { name: 'movie_id', type: 'string', description: 'Title id (MovieLens movieId).' },
      { name: 'title', type: 'string', description: 'Title with release year.' },
      { name: 'genres', type: 'string', description: 'Pipe-separated genres, or "(no genres listed)".' },
    ],
  },
  {
    name: 'raw.content_catalog_links',
    prefix: 'batch/content-catalog/links/',
    columns: [
      { name: 'movie_id', type: 'string', description: 'Title id (MovieLens movieId).' },
      { name: 'imdb_id', type: 'string', description: 'IMDb id with leading zeros.' },
      { name: 'tmdb_id', type: 'string', description: 'TMDb id; empty when unknown.' },
    ],
  },
];

/** The output table of a mart as a catalog table. */
export function martTable(mart: Mart): CatalogTable {
  return { name: mart.table, columns: mart.output.columns };
}

/**
 * The full catalog model.
 *
 * @throws Error when two sources define the same table.
 */
export function buildCatalogModel(contracts: readonly ContractTable[], marts: readonly Mart[]): CatalogModel {
  return catalogModel([
    ...contracts.flatMap((c) => [rawTable(c), curatedTable(c)]),
    ...BATCH_TABLES,
    ...marts.map(martTable),
    watermarkTable(),
  ]);
}

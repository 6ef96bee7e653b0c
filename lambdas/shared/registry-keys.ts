/**
 * Object keys of the contract registry bucket, an Iglu static registry below a key prefix
 * (`REGISTRY_PREFIX`, empty or ending in `/`): schemas at `<prefix>schemas/<vendor>/<name>/<format>/<M-R-A>`
 * (Snowplow docs "Static Iglu repository", https://docs.snowplow.io/docs/api-reference/iglu/iglu-repositories/static-repo/)
 * and data products' catalog entries at `<prefix>catalog/products/<product>.json`. Pure string building; the
 * caller has validated the parts.
 */
import { REGISTRY_SCHEMAS_PREFIX } from './env';
import { REGISTRY_CATALOG_PREFIX } from './schema-publication-properties';

/** The parts of an Iglu URI a registry key is made of. */
export interface RegistrySchemaKeyParts {
  /** Reverse-domain vendor, e.g. `com.acme`. */
  readonly vendor: string;
  /** Schema name, e.g. `video_played`. */
  readonly name: string;
  /** Schema format; Lakeforge publishes `jsonschema` only. */
  readonly format: string;
}

/**
 * The key of every version of one schema in one format, below which each version is an object named
 * `M-R-A`: `<prefix>schemas/<vendor>/<name>/<format>/`.
 */
export function registryVersionsPrefix(parts: RegistrySchemaKeyParts, prefix = ''): string {
  return `${prefix}${REGISTRY_SCHEMAS_PREFIX}${parts.vendor}/${parts.name}/${parts.format}/`;
}

/** The key of one schema version: `<prefix>schemas/<vendor>/<name>/<format>/<M-R-A>` (no extension). */
export function registrySchemaKey(parts: RegistrySchemaKeyParts, version: string, prefix = ''): string {
  return `${registryVersionsPrefix(parts, prefix)}${version}`;
}

/** The key of a data product's catalog entry: `<prefix>catalog/products/<product>.json`. */
export function catalogEntryKey(product: string, prefix = ''): string {
  return `${prefix}${REGISTRY_CATALOG_PREFIX}${product}.json`;
}

/**
 * The resource properties of the `Custom::LakeforgeSchemaPublication` custom resource: written by the
 * `SchemaPublication` construct (lib/constructs/catalog/), read by the registry publisher function
 * (lambdas/registry-publisher). This module is the one place both sides import; keep it free of imports.
 *
 * CloudFormation passes every scalar of a custom resource's properties as a string, so every field here
 * is a string (or a list of objects of strings).
 */

/** The resource type of the custom resource (CloudFormation requires the `Custom::` prefix). */
export const SCHEMA_PUBLICATION_RESOURCE_TYPE = 'Custom::LakeforgeSchemaPublication';

/** Powertools service name of the registry publisher function. */
export const REGISTRY_PUBLISHER_SERVICE_NAME = 'lakeforge-registry-publisher';

/**
 * Key prefix of the data products' catalog entries in the registry bucket, below `REGISTRY_PREFIX`:
 * `catalog/products/<product>.json` (one JSON document per product, rewritten on every deploy).
 */
export const REGISTRY_CATALOG_PREFIX = 'catalog/products/';

/** One schema to publish. */
export interface PublishedSchemaProperty {
  /** The schema's Iglu URI, `iglu:<vendor>/<name>/jsonschema/<M-R-A>`; it must equal the schema's `self` block. */
  readonly Uri: string;
  /** The self-describing JSON Schema, as JSON text (published byte-for-byte as given). */
  readonly Schema: string;
}

/** The properties of one `Custom::LakeforgeSchemaPublication` resource (besides `ServiceToken`). */
export interface SchemaPublicationProperties {
  /** Name of the registry bucket. */
  readonly RegistryBucket: string;
  /** Key prefix of the registry in the bucket: empty or ending in `/` (as `REGISTRY_PREFIX` of the ingest function). */
  readonly RegistryPrefix: string;
  /** The publishing data product's name (kebab-case): the catalog entry's key and the messages. */
  readonly Product: string;
  /**
   * Every version of every contract the product owns, in SchemaVer order per MODEL (oldest first). Published
   * versions are never rewritten or deleted; a version whose content differs from the published one, or whose
   * SchemaVer step is dishonest against the latest published version of its MODEL, fails the deployment.
   */
  readonly Schemas: readonly PublishedSchemaProperty[];
  /**
   * The product's catalog entry as JSON text, written to `<RegistryPrefix>catalog/products/<Product>.json`.
   * @default - no catalog entry is written
   */
  readonly CatalogEntry?: string;
}

import { CustomResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  type PublishedSchemaProperty,
  SCHEMA_PUBLICATION_RESOURCE_TYPE,
  type SchemaPublicationProperties,
} from '../../../lambdas/shared/schema-publication-properties';
import { isContractError } from '../../contracts/contract-error';
import { parseContract } from '../../contracts/contract';
import { compareSchemaVer, parseIgluUri, renderSchemaVer, type SchemaVer, schemaKey } from '../../contracts/schemaver';
import type { ContractSchemaText } from '../../marts/contract-adapter';
import type { IRegistryPublisher } from './registry-publisher-function';

/** One column of a table in a product's catalog entry. */
export interface CatalogEntryColumn {
  /** Column name. */
  readonly name: string;
  /** Glue type, e.g. `string`, `timestamp`, `struct<…>`. */
  readonly type: string;
  /** Column description. @default - none */
  readonly description?: string;
}

/** One table of a product in its catalog entry. */
export interface CatalogEntryTable {
  /** The lake zone of the table: `raw`, `curated` or `marts`. */
  readonly zone: string;
  /** Glue table name (in the zone's database), e.g. `rating_submitted_v1`. */
  readonly table: string;
  /** The Iglu URI of the contract version the columns come from (event tables). @default - not a contract table */
  readonly contract?: string;
  /** The columns in table order (partition columns last); empty when the product does not declare them (marts). */
  readonly columns: readonly CatalogEntryColumn[];
}

/**
 * A data product's catalog entry: what it is, who owns it, how it is classified, its tables and contracts, and who
 * reads it. Published as JSON to `catalog/products/<product>.json` of the registry bucket on every deploy.
 */
export interface ProductCatalogEntry {
  /** Product name (kebab-case). */
  readonly product: string;
  /** Owning team. */
  readonly owner: string;
  /** Business domain. */
  readonly domain: string;
  /** What the product is and who should use it. */
  readonly description: string;
  /** Classification level: `public`, `internal`, `confidential` or `restricted`. */
  readonly classification: string;
  /** Columns holding personal data (curated column names). */
  readonly piiColumns: readonly string[];
  /** Freshness SLA in minutes. */
  readonly freshnessSlaMinutes: number;
  /** The product's tables: raw and curated per contract MODEL, batch tables, marts. */
  readonly tables: readonly CatalogEntryTable[];
  /** Every contract version the product publishes (Iglu URIs, in publication order). */
  readonly contracts: readonly string[];
  /** The consumers that may read the product (names defined by the platform's config). @default - not recorded */
  readonly consumers?: readonly string[];
}

/** Properties of {@link SchemaPublication}. */
export interface SchemaPublicationProps {
  /** The provider: a `RegistryPublisherFunction`, or the platform handle `LakeforgePlatform.registryPublisher`. */
  readonly registry: IRegistryPublisher;
  /** The publishing data product's name (kebab-case): the catalog entry's key and the failure messages. */
  readonly product: string;
  /**
   * Every version of every contract the product owns, oldest first within each MODEL (as `ContractTable.schemas`
   * from `readContractTables`). Each text must be a self-describing JSON Schema whose `self` block names its URI;
   * each URI at most once.
   */
  readonly schemas: readonly ContractSchemaText[];
  /**
   * The product's catalog entry.
   * @default - no catalog entry is written (then `schemas` must not be empty)
   */
  readonly catalogEntry?: ProductCatalogEntry;
}

/**
 * Budget of a publication's properties, in bytes of template JSON: 100 KiB. The limits that apply:
 * - the template: CDK deploys through a change set whose template is in S3, at most 1 MB (CloudFormation
 *   `CreateChangeSet`, `TemplateURL`: "max size: 1 MB",
 *   https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/cloudformation/aws.sdk.kotlin.services.cloudformation.model/-create-change-set-request/-builder/template-url.html),
 *   shared with every other resource of the stack (a products stack holds several products);
 * - the request CloudFormation sends the provider: an asynchronous Lambda invocation, at most 1 MB (AWS Lambda
 *   `Invoke`: "For asynchronous invocations, the maximum payload size is 1 MB",
 *   https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html; 256 KB before, which the budget also respects),
 *   carrying on an update both the new and the old properties (`OldResourceProperties`): twice the budget;
 * - the response: a provider may send back at most 4,096 bytes of data (AWS CloudFormation User Guide,
 *   "CloudFormation quotas", "Custom resource response",
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). The publication
 *   reads no attribute, so the publisher returns no data and this limit does not grow with a product.
 */
export const SCHEMA_PUBLICATION_MAX_BYTES = 100 * 1024;

/**
 * A data product's publication to its environment's contract registry: one `Custom::LakeforgeSchemaPublication`
 * resource whose properties are every version of the product's contracts (the files' text) and its catalog entry,
 * served by the environment's registry publisher (`RegistryPublisherFunction`), the publishing gate. On create and
 * on every update the publisher writes each version not yet in the registry to
 * `schemas/<vendor>/<name>/jsonschema/<M-R-A>`, accepts one already published with the same content, and fails the
 * deployment, naming the schema and the rule, for a version whose content differs from the published one or whose
 * SchemaVer step is dishonest against the latest published version of its MODEL; then it writes the catalog entry
 * to `catalog/products/<product>.json`. The deploying role never writes the registry itself.
 *
 * Synth-time checks: every schema parses, its `self` block names exactly its URI, no URI appears twice, versions
 * of a MODEL are listed oldest first, and the properties stay within {@link SCHEMA_PUBLICATION_MAX_BYTES}.
 *
 * Secure defaults: nothing published is ever deleted by a stack operation — the resource is retained when removed
 * from a template or when its stack is deleted (events of every published version may exist), and it returns no
 * attributes.
 *
 * @example
 * new SchemaPublication(this, 'Publication', {
 *   registry: platform.registryPublisher, product: 'checkout-orders',
 *   schemas: readContractTables(contractsDir).flatMap((t) => t.schemas ?? []),
 * });
 */
export class SchemaPublication extends Construct {
  /** The custom resource. */
  public readonly resource: CustomResource;
  /** The published schema URIs, in publication order. */
  public readonly schemaUris: readonly string[];

  /**
   * @throws Error naming the product and the schema when a schema does not parse, its `self` block does not match its
   *   URI, a URI is listed twice, versions of a MODEL are out of order, nothing is published, or the properties
   *   exceed {@link SCHEMA_PUBLICATION_MAX_BYTES}.
   */
  constructor(scope: Construct, id: string, props: SchemaPublicationProps) {
    super(scope, id);
    const schemas = renderPublishedSchemas(props.product, props.schemas);
    if (schemas.length === 0 && props.catalogEntry === undefined) {
      throw new Error(`SchemaPublication ${props.product}: nothing to publish (no schema and no catalog entry)`);
    }
    const properties: SchemaPublicationProperties = {
      RegistryBucket: props.registry.registryBucketName,
      // The platform's registry is at the bucket root (the ingest function's REGISTRY_PREFIX default).
      RegistryPrefix: '',
      Product: props.product,
      Schemas: schemas,
      ...(props.catalogEntry === undefined ? {} : { CatalogEntry: JSON.stringify(props.catalogEntry) }),
    };
    validatePublicationSize(props.product, properties);
    this.schemaUris = schemas.map((s) => s.Uri);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.registry.serviceToken,
      resourceType: SCHEMA_PUBLICATION_RESOURCE_TYPE,
      properties: {
        ...properties,
        // Tokens (e.g. a name read from a platform handle) become Fn::Join, not a literal "${Token[…]}".
        ...(props.catalogEntry === undefined ? {} : { CatalogEntry: Stack.of(this).toJsonString(props.catalogEntry) }),
      },
      // Published versions outlive the stack: nothing is sent to the provider when the resource goes away.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

/**
 * The `Schemas` property: one entry per version, as given, after the synth-time checks (see {@link SchemaPublication}).
 *
 * @throws Error (`SchemaPublication <product>: <uri>: …`) when a schema does not parse or its `self` block does not
 *   match its URI, a URI is listed twice, or versions of a MODEL are not listed oldest first.
 */
export function renderPublishedSchemas(product: string, schemas: readonly ContractSchemaText[]): PublishedSchemaProperty[] {
  const seen = new Set<string>();
  const latestByModel = new Map<string, SchemaVer>();
  return schemas.map((s) => {
    if (seen.has(s.uri)) throw new Error(`SchemaPublication ${product}: ${s.uri} is listed twice`);
    seen.add(s.uri);
    try {
      const uri = parseIgluUri(s.uri);
      // parseContract checks that the text is a self-describing JSON Schema whose `self` block names exactly this URI.
      parseContract(s.text, s.uri, { vendor: uri.vendor, name: uri.name, format: uri.format, version: renderSchemaVer(uri.version) });
      const model = `${schemaKey(uri)}/${uri.version.model}`;
      const previous = latestByModel.get(model);
      if (previous !== undefined && compareSchemaVer(previous, uri.version) >= 0) {
        throw new Error(`listed after ${renderSchemaVer(previous)}: versions of a MODEL are published oldest first`);
      }
      latestByModel.set(model, uri.version);
    } catch (e) {
      if (isContractError(e)) throw new Error(`SchemaPublication ${product}: ${e.message}`);
      throw new Error(`SchemaPublication ${product}: ${s.uri}: ${(e as Error).message}`);
    }
    return { Uri: s.uri, Schema: s.text };
  });
}

/**
 * The size of a publication's properties as they appear in the template (JSON, UTF-8 bytes; an unresolved token
 * counts as its placeholder).
 */
export function publicationSizeBytes(properties: SchemaPublicationProperties): number {
  return Buffer.byteLength(JSON.stringify(properties), 'utf8');
}

/**
 * @throws Error naming the product, the size and the budget when the properties exceed {@link SCHEMA_PUBLICATION_MAX_BYTES}.
 */
function validatePublicationSize(product: string, properties: SchemaPublicationProperties): void {
  const size = publicationSizeBytes(properties);
  if (size > SCHEMA_PUBLICATION_MAX_BYTES) {
    const largest = [...properties.Schemas].sort((a, b) => b.Schema.length - a.Schema.length).slice(0, 3).map((s) => `${s.Uri} (${Buffer.byteLength(s.Schema, 'utf8')} bytes)`);
    throw new Error(
      `SchemaPublication ${product}: the publication is ${size} bytes of template JSON, more than the budget of ${SCHEMA_PUBLICATION_MAX_BYTES} bytes ` +
        `(CloudFormation template and custom resource request limits, see SCHEMA_PUBLICATION_MAX_BYTES); ` +
        `split the product's contracts across data products or shorten the schemas${largest.length > 0 ? ` (largest: ${largest.join(', ')})` : ''}`,
    );
  }
}


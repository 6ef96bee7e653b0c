import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type CatalogZone, CATALOG_ZONES, databaseName } from '../../shared/naming';
import { statefulRemovalPolicy } from '../../shared/removal';
import { Stack } from 'aws-cdk-lib';

/** Properties of {@link LakeCatalog}. */
export interface LakeCatalogProps {
  /** Environment name used in database names (`lakeforge_<env>_<zone>`), e.g. `dev`. */
  readonly environmentName: string;
  /** Bucket of each zone, used as the database location. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket. */
  readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket. */
  readonly martsBucket: s3.IBucket;
  /**
   * Whether a stack operation may delete the databases (dev only). Deleting a Glue database deletes its
   * table definitions, never the data in S3.
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * The Glue Data Catalog databases of the lake, one per zone with a table-bearing role: raw, curated and
 * marts, named `lakeforge_<env>_<zone>` (see `lib/shared/naming.ts`). Tables are added by data products
 * (partition projection, no crawlers).
 *
 * @example
 * const catalog = new LakeCatalog(this, 'Catalog', { environmentName: 'dev', rawBucket, curatedBucket, martsBucket });
 * catalog.grantReadMetadata(analystRole, 'marts');
 */
export class LakeCatalog extends Construct {
  /** Raw zone database. */
  public readonly rawDatabase: glue.Database;
  /** Curated zone database. */
  public readonly curatedDatabase: glue.Database;
  /** Marts zone database. */
  public readonly martsDatabase: glue.Database;

  constructor(scope: Construct, id: string, props: LakeCatalogProps) {
    super(scope, id);
    const removalPolicy = statefulRemovalPolicy(this, props.allowDestroy ?? false);
    const make = (cid: string, zone: CatalogZone, bucket: s3.IBucket) =>
      new glue.Database(this, cid, {
        databaseName: databaseName(props.environmentName, zone),
        description: `Lakeforge ${zone} zone (${props.environmentName})`,
        locationUri: bucket.s3UrlForObject(),
        removalPolicy,
      });
    this.rawDatabase = make('RawDatabase', 'raw', props.rawBucket);
    this.curatedDatabase = make('CuratedDatabase', 'curated', props.curatedBucket);
    this.martsDatabase = make('MartsDatabase', 'marts', props.martsBucket);
  }

  /** The database of a zone. */
  public database(zone: CatalogZone): glue.Database {
    return zone === 'raw' ? this.rawDatabase : zone === 'curated' ? this.curatedDatabase : this.martsDatabase;
  }

  /**
   * Grants read access to the catalog metadata of one zone: `glue:GetDatabase(s)`, `glue:GetTable(s)`,
   * `glue:GetPartition(s)` on the catalog, the zone's database and its tables. Data access (S3, KMS) is
   * granted separately by the storage and data product constructs.
   *
   * @param grantee - the principal.
   * @param zone - `raw`, `curated` or `marts`.
   * @param tableNamePattern - a table name or `*`. @default '*'
   */
  public grantReadMetadata(grantee: iam.IGrantable, zone: CatalogZone, tableNamePattern = '*'): iam.Grant {
    if (!CATALOG_ZONES.includes(zone)) throw new Error(`Unknown catalog zone "${zone}"`);
    const stack = Stack.of(this);
    const db = this.database(zone);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        db.databaseArn,
        stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${db.databaseName}/${tableNamePattern}` }),
      ],
    });
  }
}

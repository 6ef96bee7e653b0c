import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { CatalogConfig } from '../../config/schema';
import { CatalogEncryption } from '../constructs/catalog/catalog-encryption';
import { BadRowsTable } from '../constructs/catalog/bad-rows-table';
import { LakeCatalog } from '../constructs/catalog/lake-catalog';

/** Properties of {@link CatalogStack}. */
export interface CatalogStackProps extends StackProps {
  /** Environment name, used in database names. */
  readonly environmentName: string;
  /** The catalog slice of the environment's config. */
  readonly catalog: CatalogConfig;
  /** Whether a stack operation may delete the databases and the catalog key (dev only). */
  readonly allowDestroy: boolean;
  /** Pending window of the catalog key, in days (7–30). */
  readonly keyPendingWindowDays: number;
  /** Raw zone bucket (database location). */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket. */
  readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket. */
  readonly martsBucket: s3.IBucket;
  /** Quarantine bucket (the bad-rows table's location). */
  readonly quarantineBucket: s3.IBucket;
  /** First arrival date the bad-rows table's partition projection enumerates, `YYYY-MM-DD` (config `pipeline.goLiveDate`). */
  readonly projectionStartDate: string;
}

/**
 * The Glue Data Catalog of an environment: one database per zone and, when this environment owns it for
 * its account+region, the Data Catalog encryption settings.
 */
export class CatalogStack extends Stack {
  /** The zone databases. */
  public readonly catalog: LakeCatalog;
  /** The catalog encryption, when this environment owns it. */
  public readonly encryption?: CatalogEncryption;
  /** The quarantine's bad-rows table. */
  public readonly badRows: BadRowsTable;

  constructor(scope: Construct, id: string, props: CatalogStackProps) {
    super(scope, id, props);
    // Encryption first: the account catalog's encryption must be fixed before any database uses it.
    if (props.catalog.manageCatalogEncryption) {
      this.encryption = new CatalogEncryption(this, 'CatalogEncryption', {
        allowDestroy: props.allowDestroy,
        keyPendingWindow: Duration.days(props.keyPendingWindowDays),
      });
    }
    this.catalog = new LakeCatalog(this, 'Catalog', {
      environmentName: props.environmentName,
      rawBucket: props.rawBucket,
      curatedBucket: props.curatedBucket,
      martsBucket: props.martsBucket,
      allowDestroy: props.allowDestroy,
    });
    this.badRows = new BadRowsTable(this, 'BadRows', {
      database: this.catalog.rawDatabase,
      quarantineBucket: props.quarantineBucket,
      projectionStartDate: props.projectionStartDate,
      allowDestroy: props.allowDestroy,
    });
  }
}

import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FAILURE_TYPES } from '../../../lambdas/shared/failure-types';
import { renderBadRowsTableInput } from '../../products/glue-tables';
import { statefulRemovalPolicy } from '../../shared/removal';

/** Properties of {@link BadRowsTable}. */
export interface BadRowsTableProps {
  /** The database the table goes in (the raw zone's). */
  readonly database: glue.IDatabase;
  /** The quarantine bucket. */
  readonly quarantineBucket: s3.IBucket;
  /**
   * First arrival date partition projection enumerates, `YYYY-MM-DD`: the go-live date (config
   * `pipeline.goLiveDate`). Nothing arrives before it, and a query whose date bound Athena cannot fold scans
   * every projected partition from here.
   */
  readonly projectionStartDate: string;
  /**
   * Table name.
   * @default 'bad_rows'
   */
  readonly tableName?: string;
  /**
   * Whether a stack operation may delete the table definition (dev only; the bad rows in S3 stay).
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * The quarantine's bad-rows table, one per environment: every record ingestion rejected, queryable in
 * Athena by failure type and arrival date/hour (partition projection from the go-live date, no crawler).
 *
 * @example
 * new BadRowsTable(this, 'BadRows', { database: catalog.rawDatabase, quarantineBucket: lake.quarantineBucket, projectionStartDate: '2024-01-01' });
 */
export class BadRowsTable extends Construct {
  /** The Glue table. */
  public readonly table: glue.CfnTable;

  /** @throws Error when `projectionStartDate` is not a `YYYY-MM-DD` date. */
  constructor(scope: Construct, id: string, props: BadRowsTableProps) {
    super(scope, id);
    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: Stack.of(this).account,
      databaseName: props.database.databaseName,
      tableInput: renderBadRowsTableInput(props.tableName ?? 'bad_rows', props.quarantineBucket.bucketName, 'bad-rows/', FAILURE_TYPES, props.projectionStartDate),
    });
    this.table.applyRemovalPolicy(statefulRemovalPolicy(this, props.allowDestroy ?? false));
  }
}

import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Mart } from '../../marts/declaration';
import { ICEBERG_TYPES, type IcebergTableDefinition, renderIcebergTable } from '../../products/glue-tables';
import { statefulRemovalPolicy } from '../../shared/removal';

/** Glue's limit on a column comment, in characters (AWS Glue API, `Column.Comment`). */
export const GLUE_COLUMN_COMMENT_MAX = 255;
/** Glue's limit on a table description, in characters (AWS Glue API, `TableInput.Description`). */
export const GLUE_TABLE_DESCRIPTION_MAX = 2048;

/** Properties of {@link MartTable}. */
export interface MartTableProps {
  /** The validated mart declaration (`config/marts/<name>.ts`). */
  readonly mart: Mart;
  /** The marts zone Glue database (`lakeforge_<env>_marts`). */
  readonly database: glue.IDatabase;
  /** The marts zone bucket; the table lives under `<mart name>/`. */
  readonly bucket: s3.IBucket;
  /**
   * Whether a stack operation may delete the table definition (dev only). The data files in S3 are never
   * deleted by the stack.
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * The Glue table of one mart: an Apache Iceberg (format v2) table in the marts database, created by
 * CloudFormation (`OpenTableFormatInput.IcebergInput` with `MetadataOperation: CREATE`, so Glue writes the
 * first Iceberg metadata file), with the declared output columns (descriptions as comments), identity
 * partitions on `output.partitionedBy` (see {@link renderMartTable}), owner, product, key and schedule in the
 * table parameters, and its data under `s3://<marts bucket>/<mart>/`. The refresh function MERGEs into it.
 *
 * Known CloudFormation limitation (aws-cloudformation/cloudformation-coverage-roadmap#1919): an *update* of
 * an `AWS::Glue::Table` created this way drops the table's Iceberg parameters. Treat the declared columns
 * as the create-time schema: evolve a deployed mart with Athena `ALTER TABLE … ADD COLUMNS`, or publish it
 * under a new name.
 *
 * @example
 * const table = new MartTable(this, 'DailyEngagementTable', { mart: dailyEngagement, database: martsDb, bucket: martsBucket });
 */
export class MartTable extends Construct {
  /** Glue table name (the mart name). */
  public readonly tableName: string;
  /** Key prefix of the table's data in the marts bucket, `<mart>/`. */
  public readonly prefix: string;
  /** The table ARN (built with `Stack.formatArn`). */
  public readonly tableArn: string;
  /** The L1 table resource. */
  public readonly resource: glue.CfnTable;

  /** @throws Error from {@link renderMartTable}. */
  constructor(scope: Construct, id: string, props: MartTableProps) {
    super(scope, id);
    const { mart } = props;
    this.tableName = mart.name;
    this.prefix = martPrefix(mart);
    const definition = renderMartTable(mart, props.bucket.s3UrlForObject(this.prefix));
    this.resource = new glue.CfnTable(this, 'Table', {
      catalogId: Stack.of(this).account,
      databaseName: props.database.databaseName,
      tableInput: definition.tableInput,
      openTableFormatInput: definition.openTableFormatInput,
    });
    this.resource.applyRemovalPolicy(statefulRemovalPolicy(this, props.allowDestroy ?? false));
    this.tableArn = Stack.of(this).formatArn({
      service: 'glue',
      resource: 'table',
      resourceName: `${props.database.databaseName}/${mart.name}`,
    });
  }
}

/** Key prefix of a mart's data in the marts bucket: `<mart name>/`. */
export function martPrefix(mart: Pick<Mart, 'name'>): string {
  return `${mart.name}/`;
}

/** Glue column types a partitioned mart may use, and their Iceberg names (one table for all Iceberg tables). */
export const MART_ICEBERG_TYPES = ICEBERG_TYPES;

/** The two properties of an `AWS::Glue::Table` that define a mart's Iceberg table. */
export type MartTableDefinition = IcebergTableDefinition;

/**
 * The Glue table definition of a mart (Iceberg format v2, `MetadataOperation: CREATE`):
 * - unpartitioned: the columns (any Glue type, nested ones included) and the location in the `TableInput`
 *   storage descriptor, from which Glue writes the first Iceberg metadata;
 * - partitioned (`output.partitionedBy`): an `IcebergTableInput` with the schema (Iceberg types, field ids
 *   1…n in declaration order) and an identity `PartitionSpec` (field ids 1000…), the CloudFormation shape
 *   that creates partitioned Iceberg tables (AWS CloudFormation reference, `AWS::Glue::Table
 *   IcebergTableInput`); Glue's `PartitionKeys` cannot declare Iceberg partitions. That shape takes
 *   primitive types only.
 *
 * @param mart - the declaration.
 * @param location - the table's S3 URL (tokens allowed).
 * @throws Error naming the mart and column when a description exceeds Glue's limits, or when a partitioned
 *   mart has a column type Iceberg's table input cannot express.
 */
export function renderMartTable(mart: Mart, location: string): MartTableDefinition {
  if (mart.description.length > GLUE_TABLE_DESCRIPTION_MAX) {
    throw new Error(`Mart "${mart.name}": description has ${mart.description.length} characters; Glue allows ${GLUE_TABLE_DESCRIPTION_MAX}`);
  }
  for (const c of mart.output.columns) {
    if (c.description.length > GLUE_COLUMN_COMMENT_MAX) {
      throw new Error(`Mart "${mart.name}": description of column "${c.name}" has ${c.description.length} characters; Glue allows ${GLUE_COLUMN_COMMENT_MAX}`);
    }
  }
  return renderIcebergTable({
    name: mart.name,
    description: mart.description,
    owner: mart.owner,
    parameters: {
      'lakeforge.product': mart.product,
      'lakeforge.key': mart.output.key.join(','),
      'lakeforge.schedule': mart.schedule,
    },
    columns: mart.output.columns,
    partitionedBy: mart.output.partitionedBy,
    location,
    label: `Mart "${mart.name}"`,
  });
}

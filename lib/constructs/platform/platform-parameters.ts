import * as iam from 'aws-cdk-lib/aws-iam';
import type * as glue from 'aws-cdk-lib/aws-glue';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  OPTIONAL_PLATFORM_PARAMETERS,
  PLATFORM_PARAMETERS,
  platformParameterId,
  platformParameterName,
  platformParameterPrefix,
  type OptionalPlatformHandle,
  type PlatformHandle,
  workgroupParameterKey,
} from '../../platform/parameter-names';
import { validateProjectionStartDate } from '../../products/glue-tables';
import type { QueryWorkgroup } from '../analytics/query-workgroup';
import type { IRegistryPublisher } from '../catalog/registry-publisher-function';
import type { TableDdlFunction } from '../catalog/table-ddl-function';
import { renderProduceStatements } from '../data-product/data-product';

/** Properties of {@link PlatformParameters}. */
export interface PlatformParametersProps {
  /** Environment name (`dev`, `acc`, `prod`): the parameters live under `/lakeforge/<environmentName>/`. */
  readonly environmentName: string;
  /** The ingest stream producers put events on. */
  readonly ingestStream: kinesis.IStream;
  /** The lake key (encrypts the lake buckets and the stream). */
  readonly encryptionKey: kms.IKey;
  /** Raw zone bucket. */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket. */
  readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket. */
  readonly martsBucket: s3.IBucket;
  /** Quarantine (bad rows) bucket. */
  readonly quarantineBucket: s3.IBucket;
  /** The Athena query results bucket. */
  readonly athenaResultsBucket: s3.IBucket;
  /** The contract registry bucket (Iglu static registry). */
  readonly registryBucket: s3.IBucket;
  /** Raw zone Glue database. */
  readonly rawDatabase: glue.IDatabase;
  /** Curated zone Glue database. */
  readonly curatedDatabase: glue.IDatabase;
  /** Marts zone Glue database. */
  readonly martsDatabase: glue.IDatabase;
  /**
   * The Glue Data Catalog key, when this environment manages catalog encryption.
   * @default - no `catalog/key-arn` parameter
   */
  readonly catalogKey?: kms.IKey;
  /** Every Athena workgroup of the environment by short name (`platform`, `analysts`, the config's extras). */
  readonly workgroups: Readonly<Record<string, QueryWorkgroup>>;
  /** The table DDL function (provider of `Custom::LakeforgeIcebergTables`). */
  readonly tableDdl: TableDdlFunction;
  /** The registry publisher (provider of `Custom::LakeforgeSchemaPublication`). */
  readonly registryPublisher: IRegistryPublisher;
  /** The monitoring topic the environment's alarms publish to. */
  readonly alarmTopic: sns.ITopic;
  /** First arrival date of the raw zone, `YYYY-MM-DD` (config `pipeline.goLiveDate`). */
  readonly goLiveDate: string;
  /** The curated lookback in whole hours, as the stage's pipeline uses it (`curatedLookbackHours(...)`). */
  readonly curatedLookbackHours: number;
}

/**
 * The platform handles of an environment: what a product team's own CDK app needs to add a data product, as
 * SSM `String` parameters under `/lakeforge/<env>/` (names from `lib/platform/parameter-names.ts`, the one
 * module `LakeforgePlatform.fromParameters` reads them with). Also creates the producer policy: a
 * customer-managed policy with the statements of `renderProduceStatements` (put records on the ingest stream,
 * `kms:GenerateDataKey` on the lake key), whose ARN is a handle, so a producer's role needs one
 * `addManagedPolicy` call.
 *
 * Nothing secret is published (names, ARNs, a date), so plain `String` parameters, no `SecureString`, in the
 * standard tier (values up to 4 KB; names unique per account and region, hence one prefix per environment: AWS
 * Systems Manager API Reference, `PutParameter`, https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html).
 * Parameters are not stateful: they are rewritten on every deploy of the stack.
 *
 * @example
 * new PlatformParameters(this, 'Parameters', {
 *   environmentName: 'dev', ingestStream: stream, encryptionKey: lake.key, rawBucket: lake.rawBucket, …,
 *   workgroups: analytics.workgroups, tableDdl: analytics.tableDdl, registryPublisher: analytics.registryPublisher,
 *   alarmTopic, goLiveDate: '2024-01-01',
 * });
 */
export class PlatformParameters extends Construct {
  /** The producer policy (ARN published as `ingestion/producer-policy-arn`). */
  public readonly producerPolicy: iam.ManagedPolicy;
  /** Every parameter written, by key below the environment's prefix (e.g. `ingestion/stream-arn`). */
  public readonly parameters: Readonly<Record<string, ssm.StringParameter>>;

  /**
   * @throws Error when `environmentName` is not an environment name, `goLiveDate` is not a `YYYY-MM-DD` date or a
   *   workgroup's short name is not a lower-case identifier.
   */
  constructor(scope: Construct, id: string, props: PlatformParametersProps) {
    super(scope, id);
    const prefix = platformParameterPrefix(props.environmentName);
    try {
      validateProjectionStartDate(props.goLiveDate);
    } catch (e) {
      throw new Error(`PlatformParameters: goLiveDate: ${(e as Error).message}`);
    }

    this.producerPolicy = new iam.ManagedPolicy(this, 'ProducerPolicy', {
      description: `Lakeforge ${props.environmentName}: put events on the ingest stream (attach to a producer's role)`,
      statements: renderProduceStatements(props.ingestStream, props.encryptionKey),
    });

    const values = renderPlatformParameterValues(props, this.producerPolicy);
    const parameters: Record<string, ssm.StringParameter> = {};
    for (const [key, value] of Object.entries(values)) {
      parameters[key] = new ssm.StringParameter(this, platformParameterId(key), {
        parameterName: platformParameterName(props.environmentName, key),
        stringValue: value,
        description: `Lakeforge ${props.environmentName} platform handle ${prefix}${key} (read it with LakeforgePlatform.fromParameters)`,
        tier: ssm.ParameterTier.STANDARD,
      });
    }
    this.parameters = parameters;
  }
}

/**
 * The value of every platform parameter of an environment, by key below its prefix: the handles of
 * `PLATFORM_PARAMETERS`, one name per workgroup, and the optional handles the environment has.
 */
export function renderPlatformParameterValues(props: PlatformParametersProps, producerPolicy: iam.IManagedPolicy): Record<string, string> {
  const required: Record<PlatformHandle, string> = {
    ingestStreamName: props.ingestStream.streamName,
    ingestStreamArn: props.ingestStream.streamArn,
    producerPolicyArn: producerPolicy.managedPolicyArn,
    lakeKeyArn: props.encryptionKey.keyArn,
    rawBucketName: props.rawBucket.bucketName,
    curatedBucketName: props.curatedBucket.bucketName,
    martsBucketName: props.martsBucket.bucketName,
    quarantineBucketName: props.quarantineBucket.bucketName,
    athenaResultsBucketName: props.athenaResultsBucket.bucketName,
    registryBucketName: props.registryBucket.bucketName,
    rawDatabaseName: props.rawDatabase.databaseName,
    curatedDatabaseName: props.curatedDatabase.databaseName,
    martsDatabaseName: props.martsDatabase.databaseName,
    tableDdlFunctionName: props.tableDdl.function.functionName,
    tableDdlFunctionArn: props.tableDdl.serviceToken,
    tableDdlWorkgroupName: props.tableDdl.workgroupName,
    registryPublisherFunctionArn: props.registryPublisher.serviceToken,
    alarmTopicArn: props.alarmTopic.topicArn,
    goLiveDate: props.goLiveDate,
    curatedLookbackHours: String(props.curatedLookbackHours),
  };
  const optional: Partial<Record<OptionalPlatformHandle, string>> = {
    catalogKeyArn: props.catalogKey?.keyArn,
  };
  const values: Record<string, string> = {};
  for (const [handle, value] of Object.entries(required)) values[PLATFORM_PARAMETERS[handle as PlatformHandle]] = value;
  for (const [short, workgroup] of Object.entries(props.workgroups)) values[workgroupParameterKey(short)] = workgroup.workgroupName;
  for (const [handle, value] of Object.entries(optional)) {
    if (value !== undefined) values[OPTIONAL_PLATFORM_PARAMETERS[handle as OptionalPlatformHandle]] = value;
  }
  return values;
}

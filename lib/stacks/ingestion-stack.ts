import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { IngestionConfig } from '../../config/schema';
import { KinesisIngestion } from '../constructs/ingestion/kinesis-ingestion';

/** Properties of {@link IngestionStack}. */
export interface IngestionStackProps extends StackProps {
  /** The ingestion slice of the environment's config. */
  readonly ingestion: IngestionConfig;
  /** The lake key. */
  readonly encryptionKey: kms.IKey;
  /** Raw zone bucket. */
  readonly rawBucket: s3.IBucket;
  /** Quarantine bucket. */
  readonly quarantineBucket: s3.IBucket;
  /**
   * The contract registry bucket the ingest function resolves unknown schema URIs against (read only).
   * @default - no registry: events of schemas not compiled into the function are `schema_unknown`
   */
  readonly registryBucket?: s3.IBucket;
  /** Log retention of the ingest function. */
  readonly logRetention: logs.RetentionDays;
  /** Whether the stream may be deleted with its stack (dev only). */
  readonly allowDestroy: boolean;
}

/** Capture and ingestion of an environment: the Kinesis stream and the contract-validating ingest function. */
export class IngestionStack extends Stack {
  /** Stream, function and event source mapping. */
  public readonly ingestion: KinesisIngestion;

  constructor(scope: Construct, id: string, props: IngestionStackProps) {
    super(scope, id, props);
    const c = props.ingestion;
    this.ingestion = new KinesisIngestion(this, 'Ingestion', {
      encryptionKey: props.encryptionKey,
      rawBucket: props.rawBucket,
      quarantineBucket: props.quarantineBucket,
      registryBucket: props.registryBucket,
      shardCount: c.shardCount,
      retentionPeriod: Duration.hours(c.retentionHours),
      batchSize: c.batchSize,
      maxBatchingWindow: Duration.seconds(c.maxBatchingWindowSeconds),
      parallelizationFactor: c.parallelizationFactor,
      retryAttempts: c.retryAttempts,
      maxRecordAge: Duration.seconds(c.maxRecordAgeSeconds),
      memorySize: c.memorySizeMb,
      timeout: Duration.seconds(c.timeoutSeconds),
      logRetention: props.logRetention,
      reservedConcurrency: c.reservedConcurrency,
      allowDestroy: props.allowDestroy,
    });
  }
}

import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, S3OnFailureDestination } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { INGEST_ENV } from '../../../lambdas/shared/env';
import { acknowledgeAll, acknowledgeWildcardResources } from '../../governance/acknowledge';
import { SIGN_OFFS } from '../../governance/approvers';
import { REGISTRY_SCHEMAS_PREFIX } from '../storage/lake-storage';
import { bundlingRoots, lakeforgeBundling, lambdaEntry } from '../../shared/lambda-entry';

/** The Lambda runtime of every Lakeforge function, pinned (a CDK upgrade must not change it silently). */
export const LAKEFORGE_LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Powertools service name of the ingest function (the `service` dimension of its metrics). */
export const INGEST_SERVICE_NAME = 'lakeforge-ingest';
/** CloudWatch namespace of the platform's custom metrics. */
export const LAKEFORGE_METRICS_NAMESPACE = 'Lakeforge';

/** Key prefix of valid events in the raw bucket. */
export const RAW_EVENTS_PREFIX = 'events/';
/** Key prefix of bad rows in the quarantine bucket. */
export const BAD_ROWS_PREFIX = 'bad-rows/';

/** Properties of {@link KinesisIngestion}. */
export interface KinesisIngestionProps {
  /** Customer-managed key for the stream, the function's logs and the lake objects it writes. */
  readonly encryptionKey: kms.IKey;
  /** Raw zone bucket: valid events land under `events/`. */
  readonly rawBucket: s3.IBucket;
  /**
   * Quarantine bucket: bad rows land under `bad-rows/`; batches that exhaust their retries land under
   * `aws/lambda/` (the event source mapping's S3 on-failure destination, payload included, replayable).
   */
  readonly quarantineBucket: s3.IBucket;
  /**
   * The contract registry (an Iglu static registry under `schemas/`, e.g. `LakeStorage.registryBucket`): schema
   * URIs without a precompiled validator are resolved against it at run time. The function may only read it:
   * `s3:GetObject` on `schemas/*` and `s3:ListBucket` on the bucket (so a missing schema is a 404, not a 403
   * that the function must treat as an outage), plus `kms:Decrypt` on its key.
   * @default - no registry: events of schemas not compiled into the function are quarantined as `schema_unknown`
   */
  readonly registryBucket?: s3.IBucket;
  /** Provisioned shards (1–500). */
  readonly shardCount: number;
  /** Stream retention, 24 hours to 365 days. */
  readonly retentionPeriod: Duration;
  /**
   * Records per invocation (1–10,000).
   * @default 500
   */
  readonly batchSize?: number;
  /**
   * How long the mapping may wait to fill a batch (0–300 s).
   * @default Duration.seconds(5)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Concurrent batches per shard (1–10).
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /** Retries of a failing batch, bounded (0–10,000): never infinite, so a poison pill cannot block a shard. */
  readonly retryAttempts: number;
  /** Oldest record age still retried (60 s – 7 days), bounded for the same reason. */
  readonly maxRecordAge: Duration;
  /**
   * Memory of the ingest function, in MB.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Timeout of the ingest function.
   * @default Duration.minutes(2)
   */
  readonly timeout?: Duration;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Reserved concurrency of the function. The mapping never runs more than shards × parallelization
   * factor concurrent batches, so that is the useful value. Prerequisite: Lambda lets you reserve at most
   * the account's unreserved concurrency minus 100, and new accounts start with a quota of 10, so a
   * reservation fails the deployment until the quota is raised (AWS Lambda Developer Guide, "Configuring
   * reserved concurrency").
   * @default - no reservation (the function shares the account's unreserved pool)
   */
  readonly reservedConcurrency?: number;
  /**
   * Whether a stack operation may delete the stream (and its unconsumed records) and the log group.
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * Capture and ingestion: a Kinesis Data Stream encrypted with the lake's customer-managed key, consumed
 * by the ingest function (`lambdas/ingest`), which validates every event against its data contract and
 * writes valid events to the raw zone and bad rows to the quarantine.
 *
 * The event source mapping is set up so nothing is lost and nothing blocks a shard:
 * TRIM_HORIZON; ReportBatchItemFailures (without it, partial batch responses are ignored); bisect on
 * error; bounded retry attempts and record age; an S3 on-failure destination that keeps the payload.
 * Reserved concurrency is optional (`reservedConcurrency`; see its prerequisite): set it to shards ×
 * parallelization factor so throttling elsewhere in the account cannot starve ingestion.
 *
 * The function is bundled by esbuild locally (minified, source maps, ARM64, pinned Node.js runtime), runs
 * with its own least-privilege role (no managed policies) and logs to an explicit, encrypted log group.
 *
 * @example
 * const ingestion = new KinesisIngestion(this, 'Ingestion', {
 *   encryptionKey: lake.key, rawBucket: lake.rawBucket, quarantineBucket: lake.quarantineBucket,
 *   shardCount: 2, retentionPeriod: Duration.days(7), retryAttempts: 10, maxRecordAge: Duration.days(1),
 *   logRetention: logs.RetentionDays.THREE_MONTHS,
 * });
 * ingestion.grantProduce(producerRole);
 */
export class KinesisIngestion extends Construct {
  /** The ingest stream. */
  public readonly stream: kinesis.Stream;
  /** The ingest function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** Reserved concurrency of the function, when one is set. */
  public readonly reservedConcurrency?: number;

  /**
   * @throws Error when the shard count, batch size, parallelization factor or retry attempts are out of
   *   the ranges AWS accepts, or when the stream retention does not exceed the maximum record age.
   */
  constructor(scope: Construct, id: string, props: KinesisIngestionProps) {
    super(scope, id);
    validateProps(props);
    const parallelizationFactor = props.parallelizationFactor ?? 1;
    const allowDestroy = props.allowDestroy ?? false;
    const removalPolicy = allowDestroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    this.reservedConcurrency = props.reservedConcurrency;

    this.stream = new kinesis.Stream(this, 'Stream', {
      streamMode: kinesis.StreamMode.PROVISIONED,
      shardCount: props.shardCount,
      retentionPeriod: props.retentionPeriod,
      // Set explicitly: left unset, CDK renders a region condition instead of a key.
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.encryptionKey,
      removalPolicy,
    });

    this.logGroup = new logs.LogGroup(this, 'IngestLogGroup', {
      retention: props.logRetention,
      encryptionKey: props.encryptionKey,
      removalPolicy,
    });

    // One customer-managed policy with every statement spelled out (no inline policies, no CDK grant
    // side effects): the role handed to the function ignores grants, so nothing widens it silently.
    const role = new iam.Role(this, 'IngestRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Lakeforge ingest function: read the stream, write raw events and bad rows',
    });
    const policy = new iam.ManagedPolicy(this, 'IngestPolicy', {
      description: 'Lakeforge ingest function (least privilege)',
      roles: [role],
      statements: renderIngestStatements({
        stream: this.stream,
        key: props.encryptionKey,
        logGroup: this.logGroup,
        rawBucket: props.rawBucket,
        quarantineBucket: props.quarantineBucket,
        registryBucket: props.registryBucket,
      }),
    });

    this.function = new nodejs.NodejsFunction(this, 'IngestFunction', {
      description: 'Lakeforge ingest: validate events against their data contracts; land them in the raw zone or the quarantine',
      entry: lambdaEntry('ingest'),
      handler: 'handler',
      ...bundlingRoots(),
      runtime: LAKEFORGE_LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(2),
      reservedConcurrentExecutions: this.reservedConcurrency,
      role: role.withoutPolicyUpdates({ addGrantsToResources: false }),
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: {
        [INGEST_ENV.RAW_BUCKET]: props.rawBucket.bucketName,
        [INGEST_ENV.QUARANTINE_BUCKET]: props.quarantineBucket.bucketName,
        ...(props.registryBucket === undefined ? {} : { [INGEST_ENV.REGISTRY_BUCKET]: props.registryBucket.bucketName }),
        POWERTOOLS_SERVICE_NAME: INGEST_SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: LAKEFORGE_METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: lakeforgeBundling(),
    });

    this.function.node.addDependency(policy);

    this.function.addEventSource(
      new KinesisEventSource(this.stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 500,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
        parallelizationFactor,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: props.retryAttempts,
        maxRecordAge: props.maxRecordAge,
        onFailure: new S3OnFailureDestination(props.quarantineBucket),
      }),
    );

    acknowledgeWildcardResources(
      policy.node.defaultChild as iam.CfnManagedPolicy,
      [
        props.rawBucket.arnForObjects(`${RAW_EVENTS_PREFIX}*`),
        props.quarantineBucket.arnForObjects(`${BAD_ROWS_PREFIX}*`),
        props.quarantineBucket.arnForObjects(`${FAILED_BATCHES_PREFIX}*`),
        ...(props.registryBucket === undefined ? [] : [props.registryBucket.arnForObjects(`${REGISTRY_SCHEMAS_PREFIX}*`)]),
      ],
      'Prefix-scoped object ARNs (events/, bad-rows/, aws/lambda/, the registry\'s schemas/): naming an S3 key prefix needs a trailing wildcard.',
      SIGN_OFFS.platformSecurity,
    );
    acknowledgeAll(
      this.function.node.defaultChild!,
      ['NIST.800.53.R5-LambdaDLQ', 'HIPAA.Security-LambdaDLQ'],
      'Invoked synchronously by a Kinesis event source mapping, where a function DLQ never applies; failed batches go to the mapping\'s S3 on-failure destination with their payload.',
      SIGN_OFFS.platformSecurity,
    );
    acknowledgeAll(
      this.function.node.defaultChild!,
      ['NIST.800.53.R5-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC', 'CT.LAMBDA.PR.3'],
      'Reaches only regional AWS endpoints (Kinesis, S3, CloudWatch) over TLS with IAM auth and no private resource; a VPC would add NAT or endpoint cost without narrowing access.',
      SIGN_OFFS.platformSecurity,
    );
    acknowledgeAll(
      this.stream.node.defaultChild!,
      ['AwsSolutions-KDS3'],
      'The stream is encrypted with the lake\'s customer-managed key on purpose (key policy, rotation, audit); the rule only prefers the AWS-managed aws/kinesis key.',
      SIGN_OFFS.platformSecurity,
    );
    if (props.reservedConcurrency === undefined) {
      acknowledgeAll(
        this.function.node.defaultChild!,
        ['NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency'],
        'Reserved concurrency is opt-in (config ingestion.reservedConcurrency): reserving fails the deploy in accounts whose concurrency quota is still the new-account default of 10 (Lambda keeps 100 unreserved). Set it once the quota is raised.',
        SIGN_OFFS.platformOperations,
      );
    }

  }

  /**
   * Grants a producer what it needs to put events on the stream: `kinesis:PutRecord(s)`,
   * `kinesis:ListShards`, `kinesis:DescribeStreamSummary` and `kms:GenerateDataKey`/`Encrypt` on the key.
   */
  public grantProduce(grantee: iam.IGrantable): iam.Grant {
    return this.stream.grantWrite(grantee);
  }
}

/** Key prefix the event source mapping's S3 on-failure destination writes under (set by Lambda). */
export const FAILED_BATCHES_PREFIX = 'aws/lambda/';

interface IngestStatementInputs {
  readonly stream: kinesis.IStream;
  readonly key: kms.IKey;
  readonly logGroup: logs.ILogGroup;
  readonly rawBucket: s3.IBucket;
  readonly quarantineBucket: s3.IBucket;
  readonly registryBucket?: s3.IBucket;
}

/**
 * Every permission of the ingest function, spelled out: read the stream (as the event source mapping
 * does), decrypt it, write to the three key prefixes (and delete there what a retry re-delivers), encrypt what
 * it writes, list the quarantine bucket
 * (required by the S3 on-failure destination: AWS Lambda Developer Guide, "Capturing discarded batches")
 * and write its own log streams. With a registry: read its schemas and list it (a missing schema must be a
 * 404 NoSuchKey, which S3 only answers to a caller allowed `s3:ListBucket`: Amazon S3 API Reference,
 * GetObject, "Permissions", https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), and decrypt
 * with its key when that is not the lake key.
 */
export function renderIngestStatements(i: IngestStatementInputs): iam.PolicyStatement[] {
  return [...renderBaseStatements(i), ...(i.registryBucket === undefined ? [] : renderRegistryStatements(i.registryBucket, i.key))];
}

function renderRegistryStatements(registry: s3.IBucket, lakeKey: kms.IKey): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({ sid: 'ReadRegistrySchemas', actions: ['s3:GetObject'], resources: [registry.arnForObjects(`${REGISTRY_SCHEMAS_PREFIX}*`)] }),
    new iam.PolicyStatement({ sid: 'RecogniseMissingSchemas', actions: ['s3:ListBucket'], resources: [registry.bucketArn] }),
  ];
  if (registry.encryptionKey !== undefined && registry.encryptionKey !== lakeKey) {
    statements.push(new iam.PolicyStatement({ sid: 'DecryptRegistry', actions: ['kms:Decrypt'], resources: [registry.encryptionKey.keyArn] }));
  }
  return statements;
}

function renderBaseStatements(i: IngestStatementInputs): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'ReadStream',
      actions: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards', 'kinesis:SubscribeToShard'],
      resources: [i.stream.streamArn],
    }),
    new iam.PolicyStatement({
      sid: 'UseLakeKey',
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [i.key.keyArn],
    }),
    new iam.PolicyStatement({
      sid: 'WriteEventsAndBadRows',
      actions: ['s3:PutObject'],
      resources: [
        i.rawBucket.arnForObjects(`${RAW_EVENTS_PREFIX}*`),
        i.quarantineBucket.arnForObjects(`${BAD_ROWS_PREFIX}*`),
        i.quarantineBucket.arnForObjects(`${FAILED_BATCHES_PREFIX}*`),
      ],
    }),
    // After a partial S3 failure the function trims or deletes the objects of records Lambda will
    // re-deliver, so retries do not duplicate events (lambdas/ingest/core.ts, planRecovery). Buckets are
    // versioned: a delete only adds a delete marker, the bytes stay recoverable.
    new iam.PolicyStatement({
      sid: 'CleanUpBeforeRetry',
      actions: ['s3:DeleteObject'],
      resources: [i.rawBucket.arnForObjects(`${RAW_EVENTS_PREFIX}*`), i.quarantineBucket.arnForObjects(`${BAD_ROWS_PREFIX}*`)],
    }),
    new iam.PolicyStatement({ sid: 'OnFailureDestination', actions: ['s3:ListBucket'], resources: [i.quarantineBucket.bucketArn] }),
    new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${i.logGroup.logGroupArn}`],
    }),
  ];
}

function validateProps(p: KinesisIngestionProps): void {
  const range = (name: string, v: number | undefined, min: number, max: number) => {
    if (v === undefined || Token.isUnresolved(v)) return;
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new Error(`KinesisIngestion: ${name} must be a whole number from ${min} to ${max}, got ${v}`);
    }
  };
  range('shardCount', p.shardCount, 1, 500);
  range('batchSize', p.batchSize, 1, 10_000);
  range('parallelizationFactor', p.parallelizationFactor, 1, 10);
  range('retryAttempts', p.retryAttempts, 0, 10_000);
  range('memorySize', p.memorySize, 128, 10_240);
  range('reservedConcurrency', p.reservedConcurrency, 1, 10_000);
  const retention = p.retentionPeriod.toSeconds();
  const age = p.maxRecordAge.toSeconds();
  if (!Token.isUnresolved(retention) && !Token.isUnresolved(age) && retention <= age) {
    throw new Error(
      `KinesisIngestion: retentionPeriod (${retention} s) must exceed maxRecordAge (${age} s), or records expire from the stream while still being retried`,
    );
  }
}

import { CfnElement, Resource, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  OPTIONAL_PLATFORM_PARAMETERS,
  PLATFORM_PARAMETERS,
  platformParameterId,
  platformParameterName,
  platformParameterPrefix,
  workgroupParameterKey,
} from '../../platform/parameter-names';
import type { IRegistryPublisher } from '../catalog/registry-publisher-function';
import type { ITableDdlProvider } from '../catalog/table-ddl-function';
import { queryWorkgroupReference } from '../analytics/query-workgroup';
import type { DataProductRefreshOptions } from '../data-product/data-product';

/** A product's own refresh settings, besides what {@link LakeforgePlatform.productRefresh} reads from the handles. */
export type ProductRefreshSchedule = Partial<Pick<DataProductRefreshOptions, 'marts' | 'scheduleExpression' | 'maintenanceScheduleExpression' | 'logRetention'>>;

/** Properties of {@link LakeforgePlatform.fromParameters}. */
export interface LakeforgePlatformParametersProps {
  /**
   * The environment whose handles to read (`dev`, `acc`, `prod`): parameters under `/lakeforge/<environment>/`.
   * The stack must be deployed to that environment's account and region (SSM parameters are regional).
   */
  readonly environment: string;
}

/**
 * The handles of a deployed Lakeforge environment, for a product team's own CDK app: the ingest stream, the
 * producer policy, the lake buckets and key, the contract registry and its publisher, the Glue databases, the
 * workgroups, the table DDL provider, the monitoring topic and the go-live date — every one read from the SSM parameters the
 * environment's `Handles` stack writes under `/lakeforge/<env>/` (names from `lib/platform/parameter-names.ts`).
 *
 * Every value is a CloudFormation dynamic reference, `{{resolve:ssm:/lakeforge/<env>/…}}`
 * (`StringParameter.fromStringParameterAttributes` with `forceDynamicReference`), resolved by CloudFormation at
 * deploy time: synth needs no credentials, no context lookup and writes nothing to `cdk.context.json`, and a
 * platform change (a replaced bucket, a new stream) reaches the team's stack on its next deploy. Only handles the
 * app uses appear in its template. Limits:
 * - CloudFormation allows at most 60 dynamic references per template (AWS CloudFormation User Guide,
 *   "Get values stored in other services using dynamic references",
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html).
 * - CloudFormation runs `Fn::Split` before it resolves a dynamic reference (aws/aws-cdk#14476,
 *   aws-cloudformation/cfn-lint#2181), so a value CDK derives from an imported ARN by splitting it is wrong at
 *   deploy time. Do not use `ingestStream.streamName`, `alarmTopic.topicName` or `lakeKey.keyId`: use
 *   {@link ingestStreamName} instead (the databases here carry their own names, so no split is needed). Synth
 *   fails, naming the resource, when a template of the stack splits one of this environment's handles.
 * - The catalog key ({@link catalogKey}) exists only where the environment manages catalog encryption; reading it
 *   elsewhere fails the deploy with "parameter not found".
 *
 * @example
 * const platform = LakeforgePlatform.fromParameters(this, 'Platform', { environment: 'dev' });
 * new DataProduct(this, 'CheckoutOrders', {
 *   …, rawDatabase: platform.rawDatabase, curatedDatabase: platform.curatedDatabase,
 *   rawBucket: platform.rawBucket, curatedBucket: platform.curatedBucket, encryptionKey: platform.lakeKey,
 *   ingestStream: platform.ingestStream, ddl: platform.tableDdl, registry: platform.registryPublisher,
 *   projectionStartDate: platform.goLiveDate,
 * });
 * producerRole.addManagedPolicy(platform.producerPolicy);
 */
export class LakeforgePlatform extends Construct {
  /**
   * Reads the handles of a Lakeforge environment from its SSM parameters (dynamic references, deploy time).
   *
   * @throws Error when `environment` is not an environment name (lower-case letters and digits).
   */
  public static fromParameters(scope: Construct, id: string, props: LakeforgePlatformParametersProps): LakeforgePlatform {
    return new LakeforgePlatform(scope, id, props);
  }

  /** The environment name. */
  public readonly environment: string;
  /** The prefix of the environment's parameters, `/lakeforge/<env>/`. */
  public readonly parameterPrefix: string;
  /** The lake key (encrypts the lake buckets and the stream). */
  public readonly lakeKey: kms.IKey;
  /** The ingest stream (encrypted with {@link lakeKey}); its `streamName` is not usable, see {@link ingestStreamName}. */
  public readonly ingestStream: kinesis.IStream;
  /** The ingest stream's name. */
  public readonly ingestStreamName: string;
  /** The producer policy: put records on the ingest stream, `kms:GenerateDataKey` on the lake key. */
  public readonly producerPolicy: iam.IManagedPolicy;
  /** Raw zone bucket (encrypted with {@link lakeKey}). */
  public readonly rawBucket: s3.IBucket;
  /** Curated zone bucket. */
  public readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket. */
  public readonly martsBucket: s3.IBucket;
  /** Quarantine (bad rows) bucket. */
  public readonly quarantineBucket: s3.IBucket;
  /** The contract registry bucket (Iglu static registry under `schemas/`). */
  public readonly registryBucket: s3.IBucket;
  /** Raw zone Glue database. */
  public readonly rawDatabase: glue.IDatabase;
  /** Curated zone Glue database. */
  public readonly curatedDatabase: glue.IDatabase;
  /** Marts zone Glue database. */
  public readonly martsDatabase: glue.IDatabase;
  /** The Glue Data Catalog key (only where the environment manages catalog encryption). */
  public readonly catalogKey: kms.IKey;
  /** The table DDL provider for `DataProduct`'s `ddl` prop: the function's ARN and the workgroup the DDL runs in. */
  public readonly tableDdl: ITableDdlProvider;
  /**
   * The registry publisher for `DataProduct`'s `registry` prop: the publisher function's ARN and the registry bucket's
   * name. The product publishes its contracts and catalog entry through it; the team's deployment role never writes
   * the registry (its bucket policy allows only the publisher).
   */
  public readonly registryPublisher: IRegistryPublisher;
  /** The table DDL function's name. */
  public readonly tableDdlFunctionName: string;
  /** The monitoring topic the environment's alarms publish to. */
  public readonly alarmTopic: sns.ITopic;
  /** First arrival date of the raw zone, `YYYY-MM-DD` (a deploy-time value): `DataProduct`'s `projectionStartDate`. */
  public readonly goLiveDate: string;
  /** The Athena query results bucket (the platform workgroup writes its results under `<workgroup name>/`). */
  public readonly athenaResultsBucket: s3.IBucket;
  /**
   * The platform's curated lookback in whole hours (a deploy-time number token): a product's own refresh must use it,
   * because its watermark rows live in the platform's watermark table.
   */
  public readonly curatedLookbackHours: number;
  private readonly workgroupNames = new Map<string, string>();

  private constructor(scope: Construct, id: string, props: LakeforgePlatformParametersProps) {
    super(scope, id);
    this.environment = props.environment;
    this.parameterPrefix = platformParameterPrefix(props.environment);
    const p = PLATFORM_PARAMETERS;

    this.lakeKey = kms.Key.fromKeyArn(this, 'LakeKey', this.value(p.lakeKeyArn));
    this.ingestStreamName = this.value(p.ingestStreamName);
    this.ingestStream = kinesis.Stream.fromStreamAttributes(this, 'IngestStream', { streamArn: this.value(p.ingestStreamArn), encryptionKey: this.lakeKey });
    this.producerPolicy = iam.ManagedPolicy.fromManagedPolicyArn(this, 'ProducerPolicy', this.value(p.producerPolicyArn));
    const bucket = (id: string, key: string) => s3.Bucket.fromBucketAttributes(this, id, { bucketName: this.value(key), encryptionKey: this.lakeKey });
    this.rawBucket = bucket('RawBucket', p.rawBucketName);
    this.curatedBucket = bucket('CuratedBucket', p.curatedBucketName);
    this.martsBucket = bucket('MartsBucket', p.martsBucketName);
    this.quarantineBucket = bucket('QuarantineBucket', p.quarantineBucketName);
    this.registryBucket = bucket('RegistryBucket', p.registryBucketName);
    this.athenaResultsBucket = bucket('AthenaResultsBucket', p.athenaResultsBucketName);
    this.rawDatabase = new ParameterDatabase(this, 'RawDatabase', this.value(p.rawDatabaseName));
    this.curatedDatabase = new ParameterDatabase(this, 'CuratedDatabase', this.value(p.curatedDatabaseName));
    this.martsDatabase = new ParameterDatabase(this, 'MartsDatabase', this.value(p.martsDatabaseName));
    this.catalogKey = kms.Key.fromKeyArn(this, 'CatalogKey', this.value(OPTIONAL_PLATFORM_PARAMETERS.catalogKeyArn));
    this.tableDdl = { serviceToken: this.value(p.tableDdlFunctionArn), workgroupName: this.value(p.tableDdlWorkgroupName) };
    this.tableDdlFunctionName = this.value(p.tableDdlFunctionName);
    this.registryPublisher = { serviceToken: this.value(p.registryPublisherFunctionArn), registryBucketName: this.registryBucket.bucketName };
    this.alarmTopic = sns.Topic.fromTopicArn(this, 'AlarmTopic', this.value(p.alarmTopicArn));
    this.goLiveDate = this.value(p.goLiveDate);
    this.curatedLookbackHours = Token.asNumber(this.value(p.curatedLookbackHours));
    this.node.addValidation({ validate: () => findSplitHandles(Stack.of(this), this.parameterPrefix) });
  }

  /**
   * The name of one of the environment's Athena workgroups (`platform`, `analysts` or one of the config's
   * `analytics.extraWorkgroups`, e.g. `bi`), read from `analytics/workgroups/<shortName>/name`. A workgroup the
   * environment does not have fails the deploy with "parameter not found".
   *
   * @throws Error when `shortName` is not a lower-case identifier.
   */
  public workgroupName(shortName: string): string {
    const key = workgroupParameterKey(shortName);
    let name = this.workgroupNames.get(key);
    if (name === undefined) {
      name = this.value(key);
      this.workgroupNames.set(key, name);
    }
    return name;
  }

  /**
   * What a `DataProduct` in a team's app needs to refresh its own tables (its `refresh` prop): this environment, the
   * Athena results bucket, the platform workgroup (every pipeline statement runs there), the alarm topic and the
   * curated lookback, all from the handles. Adds three dynamic references to the stack (results bucket, workgroup
   * name, lookback) besides the ones the product already reads.
   *
   * @param options - the product's own refresh settings (schedules, marts, log retention). @default - the defaults of `DataProductRefreshOptions`
   */
  public productRefresh(options: ProductRefreshSchedule = {}): DataProductRefreshOptions {
    return {
      ...options,
      environment: this.environment,
      resultsBucket: this.athenaResultsBucket,
      workgroup: queryWorkgroupReference(this, this.workgroupName('platform')),
      alarmTopic: this.alarmTopic,
      curatedLookbackHours: this.curatedLookbackHours,
    };
  }

  /**
   * The ARN of one of the environment's workgroups (see {@link workgroupName}), for Athena statements in a
   * consumer's policy.
   */
  public workgroupArn(shortName: string): string {
    return Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workgroupName(shortName) });
  }

  /** A dynamic reference to the parameter of `key` in this environment. */
  private value(key: string): string {
    return ssm.StringParameter.fromStringParameterAttributes(this, platformParameterId(key), {
      parameterName: platformParameterName(this.environment, key),
      forceDynamicReference: true,
    }).stringValue;
  }
}

/**
 * One error per element of `stack` whose template splits a dynamic reference under `prefix` (`Fn::Split` runs before
 * CloudFormation resolves the reference, so the result is a piece of the literal `{{resolve:ssm:…}}` string).
 */
function findSplitHandles(stack: Stack, prefix: string): string[] {
  const errors: string[] = [];
  for (const element of stack.node.findAll()) {
    if (!CfnElement.isCfnElement(element)) continue;
    const splits = JSON.stringify(valuesUnder(stack.resolve(element._toCloudFormation()), 'Fn::Split'));
    const at = splits.indexOf(`{{resolve:ssm:${prefix}`);
    if (at >= 0) {
      const name = splits.slice(at + '{{resolve:ssm:'.length, splits.indexOf('}}', at));
      errors.push(
        `${element.node.path}: splits the platform handle ${name} (e.g. ingestStream.streamName, alarmTopic.topicName or lakeKey.keyId of LakeforgePlatform), ` +
          'but CloudFormation runs Fn::Split before it resolves a dynamic reference; use the handle itself (e.g. ingestStreamName)',
      );
    }
  }
  return errors;
}

/** Every value under `key` anywhere in a resolved template fragment. */
function valuesUnder(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((n) => valuesUnder(n, key));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === key ? [v, ...valuesUnder(v, key)] : valuesUnder(v, key)));
}

/**
 * A Glue database known by its name (a deploy-time value): unlike `glue.Database.fromDatabaseArn`, which splits
 * the ARN for the name, this carries the name itself and builds the ARN around it.
 */
class ParameterDatabase extends Resource implements glue.IDatabase {
  public readonly databaseName: string;
  public readonly databaseArn: string;

  constructor(scope: Construct, id: string, databaseName: string) {
    super(scope, id);
    this.databaseName = databaseName;
    this.databaseArn = Stack.of(this).formatArn({ service: 'glue', resource: 'database', resourceName: databaseName });
  }

  public get databaseRef(): glue.DatabaseReference {
    return { databaseName: this.databaseName };
  }

  public get catalog(): glue.ICatalog {
    return glue.Catalog.forAccount(this);
  }
}

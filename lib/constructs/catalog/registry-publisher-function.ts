import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { REGISTRY_SCHEMAS_PREFIX } from '../../../lambdas/shared/env';
import { REGISTRY_CATALOG_PREFIX, REGISTRY_PUBLISHER_SERVICE_NAME } from '../../../lambdas/shared/schema-publication-properties';
import { acknowledgeWildcardResources } from '../../governance/acknowledge';
import { SIGN_OFFS } from '../../governance/approvers';
import { registryPublisherRoleName } from '../../shared/naming';
import { createProviderFunction } from './provider-function';

/**
 * What a `SchemaPublication` needs from its provider: the function CloudFormation invokes and the registry bucket
 * it publishes to. {@link RegistryPublisherFunction} is one; a product team's own CDK app gets one from the
 * platform's handles (`LakeforgePlatform.registryPublisher`).
 */
export interface IRegistryPublisher {
  /** The ARN of the registry publisher function (the custom resource's `ServiceToken`). */
  readonly serviceToken: string;
  /** Name of the environment's contract registry bucket (the only bucket the publisher may write). */
  readonly registryBucketName: string;
}

/** Properties of {@link RegistryPublisherFunction}. */
export interface RegistryPublisherFunctionProps {
  /** Environment name: the function's role is `lakeforge-<env>-registry-publisher` (see `registryPublisherRoleName`). */
  readonly environmentName: string;
  /** The contract registry bucket (`LakeStorage.registryBucket`), encrypted with {@link encryptionKey}. */
  readonly registryBucket: s3.IBucket;
  /** The lake key: encrypts the registry bucket and the function's logs. */
  readonly encryptionKey: kms.IKey;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Whether a stack operation may delete the function's log group (dev only). Published schemas are never deleted
   * by a stack operation, whatever this says.
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
}

/**
 * The provider of `Custom::LakeforgeSchemaPublication` resources (see `SchemaPublication`): the one writer of an
 * environment's contract registry. CloudFormation invokes it directly (`ServiceToken` = its ARN, no Provider
 * framework) for the platform's own data products and for those of product teams' apps, so no deployment role
 * ever writes the registry: the function is the publishing gate. It writes a schema version that is not yet
 * published, accepts one that is published with the same content, and fails the deployment (naming the schema and
 * the rule) for a version whose content differs from the published one or whose SchemaVer step is dishonest against
 * the latest published version of the same MODEL; it writes the product's catalog entry under `catalog/products/`.
 * It never deletes anything (also not when a stack or a product is deleted: historical events refer to every
 * published version).
 *
 * Its role has a fixed name, `lakeforge-<env>-registry-publisher`, so that the registry bucket's policy (Storage
 * stack, deployed first) names the only role allowed to write before this function exists.
 *
 * Secure defaults: pinned Node.js runtime on ARM64, bundled with the local esbuild; its own log group encrypted
 * with the lake key; one customer-managed policy: `s3:GetObject`/`s3:PutObject` on `schemas/*` and
 * `catalog/products/*` of the registry bucket, `s3:ListBucket` on the registry bucket for those two prefixes only,
 * `kms:Decrypt`/`Encrypt`/`GenerateDataKey` on the lake key, its own log group. No delete action. Because
 * `s3:ListBucket` is limited by `s3:prefix`, a `GetObject` of a missing key answers 403, not 404 (the prefix
 * condition does not apply to that check: Amazon S3 API Reference, GetObject, "Permissions",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html): the function finds published versions by
 * listing `schemas/<vendor>/<name>/jsonschema/`.
 *
 * @example
 * const publisher = new RegistryPublisherFunction(this, 'RegistryPublisher', {
 *   environmentName: 'dev', registryBucket: lake.registryBucket, encryptionKey: lake.key,
 *   logRetention: logs.RetentionDays.ONE_MONTH,
 * });
 * new SchemaPublication(this, 'Publication', { registry: publisher, product: 'viewer-engagement', schemas, catalogEntry });
 */
export class RegistryPublisherFunction extends Construct implements IRegistryPublisher {
  /** The function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's role, named `lakeforge-<env>-registry-publisher`. */
  public readonly role: iam.Role;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The function's single customer-managed policy. */
  public readonly policy: iam.ManagedPolicy;
  /** The function ARN: the `ServiceToken` of `Custom::LakeforgeSchemaPublication` resources. */
  public readonly serviceToken: string;
  /** Name of the registry bucket it publishes to. */
  public readonly registryBucketName: string;

  /** @throws Error when `environmentName` is not a valid environment name. */
  constructor(scope: Construct, id: string, props: RegistryPublisherFunctionProps) {
    super(scope, id);
    const scaffold = createProviderFunction(this, {
      idPrefix: 'RegistryPublisher',
      lambdaName: 'registry-publisher',
      description: `Lakeforge registry publisher (${props.environmentName}): publish data products' contracts and catalog entries (custom resource provider)`,
      roleName: registryPublisherRoleName(props.environmentName),
      roleDescription: `Lakeforge ${props.environmentName} registry publisher: the only writer of the contract registry (publishing gate)`,
      policyDescription: 'Lakeforge registry publisher function (least privilege, no delete)',
      statements: (logGroup) => renderRegistryPublisherStatements({ registryBucket: props.registryBucket, key: props.encryptionKey, logGroup }),
      serviceName: REGISTRY_PUBLISHER_SERVICE_NAME,
      // A few S3 reads and writes per schema; CloudFormation waits up to an hour, a stuck call should not.
      timeout: Duration.minutes(5),
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      allowDestroy: props.allowDestroy,
      networkReason: 'Reaches only regional AWS endpoints (S3, KMS, CloudWatch) and the CloudFormation response URL over TLS; it touches no private resource.',
      concurrencyReason:
        'Invoked only by CloudFormation, once per data product per deployment, so concurrency is bounded by the stacks being deployed; reserved concurrency would fail deployments in new accounts (default quota 10).',
    });
    this.function = scaffold.function;
    this.role = scaffold.role;
    this.logGroup = scaffold.logGroup;
    this.policy = scaffold.policy;

    acknowledgeWildcardResources(
      this.policy.node.defaultChild as iam.CfnManagedPolicy,
      registryObjectArns(props.registryBucket),
      'Prefix-scoped object ARNs of the registry bucket: every schema version (schemas/<vendor>/<name>/jsonschema/<M-R-A>) and every product catalog entry (catalog/products/<product>.json) is published by this one function; no delete action.',
      SIGN_OFFS.platformSecurity,
    );

    this.serviceToken = this.function.functionArn;
    this.registryBucketName = props.registryBucket.bucketName;
  }
}

/** What {@link renderRegistryPublisherStatements} needs. */
export interface RegistryPublisherStatementInputs {
  /** The registry bucket. */
  readonly registryBucket: s3.IBucket;
  /** The key that encrypts it (the lake key). */
  readonly key: kms.IKey;
  /** The function's log group. */
  readonly logGroup: logs.ILogGroup;
}

/** The key prefixes the publisher writes in the registry bucket: schemas and product catalog entries. */
export const REGISTRY_PUBLISHER_PREFIXES: readonly string[] = [REGISTRY_SCHEMAS_PREFIX, REGISTRY_CATALOG_PREFIX];

const registryObjectArns = (registryBucket: s3.IBucket): string[] => REGISTRY_PUBLISHER_PREFIXES.map((p) => registryBucket.arnForObjects(`${p}*`));

/**
 * Every permission of the registry publisher function, spelled out: read and write (never delete) the schema and
 * catalog-entry prefixes, list only those prefixes (to find the published versions of a MODEL), the lake key
 * (SSE-KMS objects: `kms:GenerateDataKey` to write, `kms:Decrypt` to read; Amazon S3 User Guide, "Using
 * server-side encryption with AWS KMS keys (SSE-KMS)",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html), and its log group.
 */
export function renderRegistryPublisherStatements(i: RegistryPublisherStatementInputs): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'ReadAndPublish', actions: ['s3:GetObject', 's3:PutObject'], resources: registryObjectArns(i.registryBucket) }),
    new iam.PolicyStatement({
      sid: 'ListPublished',
      actions: ['s3:ListBucket'],
      resources: [i.registryBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': REGISTRY_PUBLISHER_PREFIXES.map((p) => `${p}*`) } },
    }),
    new iam.PolicyStatement({ sid: 'UseLakeKey', actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], resources: [i.key.keyArn] }),
    new iam.PolicyStatement({ sid: 'WriteLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [i.logGroup.logGroupArn] }),
  ];
}


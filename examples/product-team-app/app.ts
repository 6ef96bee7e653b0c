/**
 * A product team's own CDK app, using only Lakeforge's public API (`lakeforge` once installed; the
 * repository's `lib/index.ts` here). It adds the `checkout-orders` data product to an environment the
 * platform team already deployed, finding the platform's resources by their documented names.
 *
 *   npx tsx examples/product-team-app/app.ts   # synthesizes into examples/product-team-app/cdk.out
 */
import * as path from 'node:path';
import { App, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledgeWildcardResources, DataProduct, databaseName, defineProduct, readContractTables, registerPolicyPacks } from '../../lib';

/** What the platform team hands product teams for one environment (from its stack outputs). */
export interface PlatformHandles {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly rawBucketName: string;
  readonly curatedBucketName: string;
  readonly lakeKeyId: string;
  readonly ingestStreamName: string;
  /** Name of the platform's table DDL function (creates and evolves the curated Iceberg tables). */
  readonly tableDdlFunctionName: string;
  /** The platform workgroup the table DDL runs in. */
  readonly platformWorkgroupName: string;
  /** First arrival date of the raw zone (config `pipeline.goLiveDate`), `YYYY-MM-DD`. */
  readonly goLiveDate: string;
}

/** Builds the product team's app (one stack) against an existing Lakeforge environment. */
export function buildProductTeamApp(platform: PlatformHandles, outdir?: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'CheckoutOrders', { env: { account: platform.account, region: platform.region } });

  const declaration = defineProduct(
    {
      name: 'checkout-orders',
      owner: 'checkout-team',
      description: 'Orders placed in the web shop, one event per order.',
      domain: 'commerce',
      contracts: ['iglu:com.acme.checkout/order_placed/jsonschema/1-0-0'],
      classification: { level: 'confidential', piiColumns: ['customer_id'] },
      freshnessSlaMinutes: 60,
    },
    'examples/product-team-app/app.ts',
  );
  const eventTables = readContractTables(path.join(__dirname, 'contracts'));
  const database = (zone: 'raw' | 'curated') =>
    glue.Database.fromDatabaseArn(stack, `${zone}Database`, stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName(platform.environment, zone) }));

  const product = new DataProduct(stack, 'CheckoutOrders', {
    productName: declaration.name,
    owner: declaration.owner,
    description: declaration.description,
    domain: declaration.domain,
    classification: declaration.classification.level,
    piiColumns: [...declaration.classification.piiColumns],
    freshnessSla: Duration.minutes(declaration.freshnessSlaMinutes),
    eventTables,
    rawDatabase: database('raw'),
    curatedDatabase: database('curated'),
    rawBucket: s3.Bucket.fromBucketName(stack, 'RawBucket', platform.rawBucketName),
    curatedBucket: s3.Bucket.fromBucketName(stack, 'CuratedBucket', platform.curatedBucketName),
    encryptionKey: kms.Key.fromKeyArn(stack, 'LakeKey', stack.formatArn({ service: 'kms', resource: 'key', resourceName: platform.lakeKeyId })),
    ingestStream: kinesis.Stream.fromStreamArn(stack, 'Stream', stack.formatArn({ service: 'kinesis', resource: 'stream', resourceName: platform.ingestStreamName })),
    ddl: {
      serviceToken: stack.formatArn({ service: 'lambda', resource: 'function', resourceName: platform.tableDdlFunctionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      workgroupName: platform.platformWorkgroupName,
    },
    projectionStartDate: platform.goLiveDate,
  });

  // The checkout service may produce events; the finance analysts may read the product. Customer-managed
  // policies (not inline) keep the policy packs green; prefix-scoped object ARNs are acknowledged with a reason.
  const service = new iam.Role(stack, 'CheckoutService', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  new iam.ManagedPolicy(stack, 'ProducePolicy', { roles: [service], statements: product.produceStatements() });
  const analysts = new iam.Role(stack, 'FinanceAnalysts', { assumedBy: new iam.AccountRootPrincipal() });
  const readPolicy = new iam.ManagedPolicy(stack, 'ReadPolicy', { roles: [analysts], statements: product.readStatements() });
  acknowledgeWildcardResources(
    readPolicy.node.defaultChild as iam.CfnManagedPolicy,
    product.readableObjectArns(),
    'Read access is scoped to the product\'s key prefixes; naming an S3 prefix needs a trailing wildcard.',
    'checkout-team',
  );

  registerPolicyPacks(app);
  return app;
}

/** Placeholder handles of the dev environment, as in config/environments.ts. */
export const DEV_HANDLES: PlatformHandles = {
  environment: 'dev',
  account: '111111111111',
  region: 'eu-west-1',
  rawBucketName: 'dev-storage-lakerawbucket-example',
  curatedBucketName: 'dev-storage-lakecuratedbucket-example',
  lakeKeyId: '00000000-0000-0000-0000-000000000000',
  ingestStreamName: 'Dev-Ingestion-IngestionStream-example',
  tableDdlFunctionName: 'Dev-Analytics-TableDdlFunction-example',
  platformWorkgroupName: 'lakeforge-dev-platform',
  goLiveDate: '2024-01-01',
};

if (require.main === module) {
  buildProductTeamApp(DEV_HANDLES, path.join(__dirname, 'cdk.out')).synth();
}

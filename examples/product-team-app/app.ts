/**
 * A product team's own CDK app, using only Lakeforge's public API (`lakeforge` once installed; the
 * repository's `lib/index.ts` here). It adds the `checkout-orders` data product to an environment the
 * platform team already deployed, finding the platform's resources through the environment's handles: SSM
 * parameters under `/lakeforge/<env>/`, read by `LakeforgePlatform.fromParameters` as CloudFormation dynamic
 * references. Nothing of the platform is hard-coded: synth needs no credentials and no lookups, and
 * CloudFormation resolves the names when the stack is deployed (to the environment's account and region). On
 * deploy the product publishes its contracts and catalog entry to the environment's contract registry (through the
 * platform's registry publisher), then creates its tables.
 *
 *   npx tsx examples/product-team-app/app.ts   # synthesizes into examples/product-team-app/cdk.out
 */
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeWildcardResources, DataProduct, defineProduct, LakeforgePlatform, readContractTables, registerPolicyPacks } from '../../lib';

/** Where the product team deploys: a Lakeforge environment and its account and region. */
export interface TargetEnvironment {
  /** The Lakeforge environment (`dev`, `acc`, `prod`): its handles are under `/lakeforge/<environment>/`. */
  readonly environment: string;
  /** The environment's AWS account. */
  readonly account: string;
  /** The environment's AWS region. */
  readonly region: string;
}

/** Builds the product team's app (one stack) against an existing Lakeforge environment. */
export function buildProductTeamApp(target: TargetEnvironment, outdir?: string): App {
  const app = new App({ outdir });
  const stack = new Stack(app, 'CheckoutOrders', { env: { account: target.account, region: target.region } });
  const platform = LakeforgePlatform.fromParameters(stack, 'Platform', { environment: target.environment });

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

  const product = new DataProduct(stack, 'CheckoutOrders', {
    productName: declaration.name,
    owner: declaration.owner,
    description: declaration.description,
    domain: declaration.domain,
    classification: declaration.classification.level,
    piiColumns: [...declaration.classification.piiColumns],
    freshnessSla: Duration.minutes(declaration.freshnessSlaMinutes),
    eventTables: readContractTables(path.join(__dirname, 'contracts')),
    rawDatabase: platform.rawDatabase,
    curatedDatabase: platform.curatedDatabase,
    rawBucket: platform.rawBucket,
    curatedBucket: platform.curatedBucket,
    encryptionKey: platform.lakeKey,
    catalogKey: platform.catalogKey,
    ingestStream: platform.ingestStream,
    ddl: platform.tableDdl,
    // Every version of the team's contracts (read with the tables above) and the product's catalog entry are
    // published to the environment's contract registry on deploy, through the platform's publisher: the gate that
    // refuses a changed published version or a dishonest SchemaVer step. The team's role never writes the registry.
    registry: platform.registryPublisher,
    consumers: ['finance-analysts'],
    projectionStartDate: platform.goLiveDate,
    // The product curates its own tables: a scheduled refresh (Step Functions, the platform's statements over this
    // product's tables only) in the platform workgroup, and a freshness alarm per curated table from the SLA above on
    // the environment's alarm topic. The platform's settings (go-live date, curated lookback) come from the handles.
    refresh: platform.productRefresh(),
  });

  // The checkout service may produce events (the platform's producer policy); the finance analysts may read the
  // product. Customer-managed policies (not inline) keep the policy packs green; prefix-scoped object ARNs are
  // acknowledged with a reason.
  const service = new iam.Role(stack, 'CheckoutService', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  service.addManagedPolicy(platform.producerPolicy);
  const analysts = new iam.Role(stack, 'FinanceAnalysts', { assumedBy: new iam.AccountRootPrincipal() });
  const readPolicy = new iam.ManagedPolicy(stack, 'ReadPolicy', { roles: [analysts], statements: product.readStatements() });
  acknowledgeWildcardResources(
    readPolicy.node.defaultChild as iam.CfnManagedPolicy,
    product.readableObjectArns(),
    'Read access is scoped to the product\'s key prefixes; naming an S3 prefix needs a trailing wildcard.',
    CHECKOUT_SIGN_OFF,
  );

  // The platform's policy packs, Control Tower included. The product refresh keeps its logs 90 days (the platform's
  // default); Control Tower's one-year minimum (CT.CLOUDWATCH.PR.2) is acknowledged for exactly that retention.
  registerPolicyPacks(app, { logRetentionDays: 90, signOff: CHECKOUT_SIGN_OFF });
  return app;
}

/** Who owns and approved the example's acknowledgements, and when they are reviewed (the acknowledgement register). */
const CHECKOUT_SIGN_OFF = { owner: 'checkout-team', approver: 'security-team', reviewBy: '2027-06-01' } as const;

/** The dev environment, as in config/environments.ts (placeholder account). */
export const DEV_TARGET: TargetEnvironment = { environment: 'dev', account: '111111111111', region: 'eu-west-1' };

if (require.main === module) {
  buildProductTeamApp(DEV_TARGET, path.join(__dirname, 'cdk.out')).synth();
}

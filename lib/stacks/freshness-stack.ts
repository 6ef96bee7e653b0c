import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AnalystQueries, renderAnalystQueries } from '../constructs/analytics/analyst-queries';
import type { QueryWorkgroup } from '../constructs/analytics/query-workgroup';
import { FreshnessAlarms, type FreshnessObjective } from '../constructs/observability/freshness-alarms';
import type { ContractTable } from '../marts/contract-adapter';
import { CFN_RESOURCE_LIMIT, PRODUCT_STACK_BUDGET } from '../products/stack-plan';

/** Properties of {@link FreshnessStack}. */
export interface FreshnessStackProps extends StackProps {
  /** Environment name (physical database names in the saved queries). */
  readonly environmentName: string;
  /** The domain (error messages). */
  readonly domain: string;
  /** The freshness objectives of the domain's data products (one per product and curated table). */
  readonly objectives: readonly FreshnessObjective[];
  /** The domain's curated tables (one saved freshness query each). */
  readonly contracts: readonly ContractTable[];
  /** The environment's alarm topic (`MonitoringStack.monitoring.alarmTopic`). */
  readonly alarmTopic: sns.ITopic;
  /** The analysts' workgroup: the saved freshness queries go there. */
  readonly analystsWorkgroup: QueryWorkgroup;
}

/**
 * The freshness of one domain's data products: an alarm per product and curated table ({@link FreshnessAlarms})
 * and a saved freshness query per curated table ({@link AnalystQueries}). One stack per domain, as the products'
 * tables are grouped (`planProductStacks`), so the stacks that grow with the data products are the domain stacks
 * and adding a product never moves another product's alarms; the platform's Monitoring and Pipeline stacks stay
 * the same size.
 */
export class FreshnessStack extends Stack {
  /** The alarms. */
  public readonly freshness: FreshnessAlarms;
  /** The saved freshness queries. */
  public readonly queries: AnalystQueries;

  /** @throws Error naming the domain when its alarms and queries exceed {@link PRODUCT_STACK_BUDGET} resources. */
  constructor(scope: Construct, id: string, props: FreshnessStackProps) {
    super(scope, id, props);
    const resources = props.objectives.length + props.contracts.length;
    if (resources > PRODUCT_STACK_BUDGET) {
      throw new Error(
        `Freshness of domain "${props.domain}" needs ${resources} CloudFormation resources in one stack (budget ${PRODUCT_STACK_BUDGET}, hard limit ${CFN_RESOURCE_LIMIT}): split the domain into smaller ones`,
      );
    }
    this.freshness = new FreshnessAlarms(this, 'Freshness', { objectives: props.objectives, alarmTopic: props.alarmTopic });
    this.queries = new AnalystQueries(this, 'FreshnessQueries', {
      queries: renderAnalystQueries(props.environmentName, [], props.contracts),
      workgroup: props.analystsWorkgroup,
    });
    // The workgroup is referenced by name (as people type it), which creates no cross-stack reference.
    const owner = Stack.of(props.analystsWorkgroup);
    if (owner !== this) this.addStackDependency(owner, 'saved queries need the analysts workgroup');
  }
}

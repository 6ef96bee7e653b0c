import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { FreshnessAlarms, type FreshnessObjective } from '../constructs/observability/freshness-alarms';

/** Properties of {@link FreshnessStack}. */
export interface FreshnessStackProps extends StackProps {
  /** The freshness objectives of one group of data products (one per product and curated table). */
  readonly objectives: readonly FreshnessObjective[];
  /** The environment's alarm topic (`MonitoringStack.monitoring.alarmTopic`). */
  readonly alarmTopic: sns.ITopic;
}

/**
 * The freshness alarms of one domain's data products (see {@link FreshnessAlarms}). One stack per domain, as
 * the products' tables are grouped (`planProductStacks`): a domain has at most one alarm per curated table, and
 * every curated table counts in the products' resource budget, so the stack stays under that budget; adding a
 * product never moves another product's alarms.
 */
export class FreshnessStack extends Stack {
  /** The alarms. */
  public readonly freshness: FreshnessAlarms;

  constructor(scope: Construct, id: string, props: FreshnessStackProps) {
    super(scope, id, props);
    this.freshness = new FreshnessAlarms(this, 'Freshness', { objectives: props.objectives, alarmTopic: props.alarmTopic });
  }
}

import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../../governance/acknowledge';
import { SIGN_OFFS } from '../../governance/approvers';
import type { QueryWorkgroup } from './query-workgroup';

/** Properties of {@link QueryConsumer}. */
export interface QueryConsumerProps {
  /** The consumer's short name, as product declarations list it under `consumers`, e.g. `analysts`. */
  readonly consumerName: string;
  /** The role the consumer's grants go to (one the platform created, or an existing one imported by ARN). */
  readonly role: iam.IRole;
  /** The consumer workgroup the consumer queries in. */
  readonly workgroup: QueryWorkgroup;
}

/**
 * A consumer of the data products: a role that queries in one consumer workgroup. It creates one customer-managed
 * policy, attached to the role, with {@link QueryWorkgroup.useStatements} (Athena query actions on the workgroup,
 * its results prefix, the results key), and acknowledges the results prefix's object ARN, the policy's only
 * wildcard resource. Read access to data products is granted where the products are (`ConsumerReadPolicies` in
 * each products stack), so adding a product never changes this construct.
 *
 * @example
 * const analysts = new QueryConsumer(this, 'AnalystsConsumer', { consumerName: 'analysts', role, workgroup: analystsWorkgroup });
 */
export class QueryConsumer extends Construct {
  /** The consumer's short name. */
  public readonly consumerName: string;
  /** The consumer's role. */
  public readonly role: iam.IRole;
  /** The consumer's workgroup. */
  public readonly workgroup: QueryWorkgroup;
  /** The policy that lets the role query in the workgroup. */
  public readonly workgroupPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: QueryConsumerProps) {
    super(scope, id);
    this.consumerName = props.consumerName;
    this.role = props.role;
    this.workgroup = props.workgroup;
    this.workgroupPolicy = new iam.ManagedPolicy(this, 'WorkgroupPolicy', {
      description: `Lakeforge consumer ${props.consumerName}: run queries in the ${props.workgroup.workgroupName} workgroup`,
      roles: [props.role],
      statements: props.workgroup.useStatements(),
    });
    acknowledgeWildcardResources(
      this.workgroupPolicy.node.defaultChild as iam.CfnManagedPolicy,
      [props.workgroup.resultsObjectArn()],
      "The workgroup's own query results prefix in the results bucket; Athena writes one object per query under it, so naming the prefix needs a trailing wildcard.",
      SIGN_OFFS.platformSecurity,
    );
  }
}

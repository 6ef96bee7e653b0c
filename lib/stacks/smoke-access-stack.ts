import { ArnFormat, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../governance/acknowledge';
import { SIGN_OFFS } from '../governance/approvers';
import { platformParameterPrefix } from '../platform/parameter-names';
import { smokeRoleName } from '../shared/naming';
import type { LakeforgeStage } from '../stages/lakeforge-stage';

/** Properties of {@link SmokeAccessStack}. */
export interface SmokeAccessStackProps extends StackProps {
  /** The environment name (`acc`): the role is `lakeforge-<env>-smoke`. */
  readonly environmentName: string;
  /** The stage whose resources the smoke test touches (its stream, lake buckets, state machine, analysts workgroup). */
  readonly stage: LakeforgeStage;
  /** The tooling account the pipeline's smoke step runs in. */
  readonly smokeRunnerAccount: string;
  /** Name of the role the pipeline's smoke step runs as (in the tooling account): the only principal the smoke role trusts. */
  readonly smokeRunnerRoleName: string;
}

/**
 * The role `lakeforge smoke` assumes in an environment the delivery pipeline smoke-tests, trusted only by the
 * pipeline's smoke step role in the tooling account. It may: put records on the ingest stream (the producer policy); read the platform
 * handles (`/lakeforge/<env>/*`); list and read the raw zone's `events/` and the quarantine's `bad-rows/`, and
 * delete objects there (the smoke test deletes only objects every line of which is its own canary); start and
 * describe executions of the pipeline state machine; query the curated zone in the analysts workgroup.
 *
 * Cross-account: the pipeline's CodeBuild project cannot reach SSM, Step Functions or Athena of another account
 * through resource policies (they have none), so it assumes this role (the smoke step's `lakeforge-smoke` profile).
 */
export class SmokeAccessStack extends Stack {
  /** The role the smoke test assumes. */
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: SmokeAccessStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const lake = stage.storage.lake;
    this.role = new iam.Role(this, 'SmokeRole', {
      roleName: smokeRoleName(props.environmentName),
      description: `lakeforge smoke in ${props.environmentName}: canary events in, canary checks out (assumed by the delivery pipeline)`,
      assumedBy: new iam.ArnPrincipal(
        this.formatArn({ service: 'iam', region: '', account: props.smokeRunnerAccount, resource: 'role', resourceName: props.smokeRunnerRoleName }),
      ),
    });
    // What a producer may do (the Handles stack's producer policy), nothing more, to put the canaries.
    this.role.addManagedPolicy(stage.handles.handles.producerPolicy);
    const stateMachine = stage.pipeline.orchestration.stateMachine;
    const workgroup = stage.analytics.analystsWorkgroup;
    const parameters = this.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${platformParameterPrefix(props.environmentName).slice(1)}*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    const executions = this.formatArn({ service: 'states', resource: 'execution', resourceName: `${stateMachine.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const objectArns = [lake.rawBucket.arnForObjects('events/*'), lake.quarantineBucket.arnForObjects('bad-rows/*')];
    const curatedObjects = lake.curatedBucket.arnForObjects('*');
    const results = lake.athenaResultsBucket.arnForObjects(`${workgroup.resultsPrefix}*`);
    const database = stage.catalog.catalog.curatedDatabase;
    const tables = this.formatArn({ service: 'glue', resource: 'table', resourceName: `${database.databaseName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const catalogKey = stage.catalog.encryption?.key;
    const policy = new iam.ManagedPolicy(this, 'SmokePolicy', {
      description: `lakeforge smoke in ${props.environmentName}: handles, canary objects, pipeline start, curated query`,
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: [parameters] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [lake.rawBucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['events/*'] } } }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [lake.quarantineBucket.bucketArn], conditions: { StringLike: { 's3:prefix': ['bad-rows/*'] } } }),
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: objectArns }),
        new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
        new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executions] }),
        new iam.PolicyStatement({ actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'], resources: [workgroup.workgroupArn] }),
        new iam.PolicyStatement({
          actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
          resources: [this.formatArn({ service: 'glue', resource: 'catalog' }), database.databaseArn, tables],
        }),
        new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [curatedObjects] }),
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [lake.curatedBucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], resources: [results] }),
        new iam.PolicyStatement({ actions: ['s3:GetBucketLocation', 's3:ListBucket'], resources: [lake.athenaResultsBucket.bucketArn] }),
        new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [lake.key.keyArn, ...(catalogKey === undefined ? [] : [catalogKey.keyArn])] }),
      ],
    });
    acknowledgeWildcardResources(
      policy.node.defaultChild as iam.CfnManagedPolicy,
      [parameters, executions, ...objectArns, curatedObjects, results, tables],
      'The smoke test reads its environment\'s handles, finds its canaries under the raw events/ and quarantine bad-rows/ prefixes (arrival-time partitions it cannot know in advance; it deletes only objects every line of which is its own canary), follows the pipeline execution it started (execution names are generated), and queries the curated tables through Athena (Iceberg data files and query results have generated keys).',
      SIGN_OFFS.platformSecurity,
    );
  }
}

import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codecommit from 'aws-cdk-lib/aws-codecommit';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import type { Construct } from 'constructs';
import type { DeliveryConfig } from '../../config/delivery';
import { SecureBucket } from '../constructs/storage/secure-bucket';
import { acknowledge, acknowledgeAll, acknowledgeWildcardResources } from '../governance/acknowledge';
import { SIGN_OFFS } from '../governance/approvers';
import { restrictGrantsToAwsServices } from '../governance/key-policy';
import { smokeRoleName } from '../shared/naming';
import type { LakeforgeStage } from '../stages/lakeforge-stage';

/**
 * The commands of the pipeline's synth step, in order: install exactly what the lock file says, run the tests
 * (typecheck and jest), gate the contracts on git history (the source is a full clone), then synthesize every
 * environment with the four policy packs (`lakeforge synth` exits 1 on an unacknowledged finding).
 */
export const DELIVERY_SYNTH_COMMANDS: readonly string[] = [
  'npm ci --no-audit --no-fund',
  'npm test',
  'npm run --silent lakeforge -- contracts check --history',
  'npm run synth',
];

/** The CodeBuild image of every pipeline step: Amazon Linux standard 7.0 (Node.js 18 and 20 among its runtimes). */
const BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0;

/**
 * The Node.js major every step runs on: the repository's `engines` (>= 20), selected with the buildspec's
 * `runtime-versions` (AWS CodeBuild User Guide, "Build specification reference" and "Docker images provided by
 * CodeBuild" — standard:7.0 runtimes).
 */
export const DELIVERY_NODE_MAJOR = 20;

/** The AWS CLI profile the smoke step runs with: it assumes the environment's smoke role. */
export const SMOKE_PROFILE = 'lakeforge-smoke';

/**
 * The commands the smoke step runs after the Acc stage: a profile that assumes the environment's smoke role with
 * the CodeBuild container's credentials (`credential_source = EcsContainer`, AWS CLI User Guide, "Using an IAM
 * role in the AWS CLI"; read by the SDK's default credential chain too), then `lakeforge smoke` with it.
 *
 * @param env - the environment (`acc`).
 * @param roleArn - the smoke role of that environment (`lakeforge-<env>-smoke`).
 * @param smoke - waits of the smoke test.
 */
export function smokeCommands(env: string, roleArn: string, smoke: DeliveryConfig['smoke']): string[] {
  return [
    `aws configure set role_arn ${roleArn} --profile ${SMOKE_PROFILE}`,
    `aws configure set credential_source EcsContainer --profile ${SMOKE_PROFILE}`,
    `AWS_PROFILE=${SMOKE_PROFILE} npm run --silent lakeforge -- smoke --env ${env} --timeout-seconds ${smoke.timeoutSeconds} --poll-seconds ${smoke.pollIntervalSeconds}`,
  ];
}

/**
 * The name of the role the pipeline's smoke step runs as: `<pipelineName>-smoke` (fixed, so the smoke-tested
 * environment's trust policy can name it).
 */
export function smokeRunnerRoleName(pipelineName: string): string {
  return `${pipelineName}-smoke`;
}

/** Properties of {@link DeliveryPipelineStack}. */
export interface DeliveryPipelineStackProps extends Omit<StackProps, 'env'> {
  /** The delivery configuration (`config/delivery.ts`): tooling account, source, smoke waits. */
  readonly delivery: DeliveryConfig;
  /** The Dev stage (deployed first, no gate). */
  readonly dev: LakeforgeStage;
  /** The Acc stage (deployed after Dev, then smoke-tested). */
  readonly acc: LakeforgeStage;
  /** The Prod stage (deployed after a manual approval). */
  readonly prod: LakeforgeStage;
}

/**
 * The delivery pipeline (CDK Pipelines, self-mutating) in the tooling account: it promotes one commit
 * Dev → Acc (then `lakeforge smoke --env acc`) → manual approval → Prod, deploying the SAME `LakeforgeStage`
 * objects `bin/app.ts` synthesizes (same stack names, same templates as a manual `cdk deploy 'Dev/*'`).
 *
 * - Source: a CodeConnections repository (full clone, so the contracts gate sees git history) or CodeCommit.
 * - Synth: {@link DELIVERY_SYNTH_COMMANDS}; the cloud assembly is `cdk.out`.
 * - Artifacts: `crossAccountKeys: true`, so the artifact bucket is encrypted with a customer-managed KMS key
 *   (rotation on) that the target accounts' CDK deploy roles may use.
 * - Cross-account: the target accounts are bootstrapped with `cdk bootstrap --trust <tooling account>
 *   --cloudformation-execution-policies <policy ARN>` (AWS CDK v2 Developer Guide, "cdk bootstrap",
 *   https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-bootstrap.html, and the CDK Pipelines README,
 *   "CDK Environment Bootstrapping", https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.pipelines-readme.html).
 *
 * @example
 * new DeliveryPipelineStack(app, 'Delivery', { delivery: loadDeliveryConfig()!, dev, acc, prod });
 */
export class DeliveryPipelineStack extends Stack {
  /** The CDK Pipelines pipeline (built: `pipeline.pipeline` is the CodePipeline). */
  public readonly pipeline: pipelines.CodePipeline;
  /** The role the smoke step runs as (`<pipelineName>-smoke`); the environment's smoke role trusts only it. */
  public readonly smokeRunnerRole: iam.Role;
  /** Name of the smoke runner role (fixed, so the target account's trust policy can name it before it is read). */
  public readonly smokeRunnerRoleName: string;
  /** The server access logs bucket of the artifact bucket (SSE-S3, versioned, retained, logs kept 400 days). */
  public readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DeliveryPipelineStackProps) {
    const { delivery } = props;
    super(scope, id, { ...props, env: { account: delivery.toolingAccount, region: delivery.toolingRegion } });
    const source = this.createSource(delivery.source);

    this.pipeline = new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: delivery.pipelineName,
      crossAccountKeys: true,
      enableKeyRotation: true,
      selfMutation: true,
      // One asset-publishing project per asset type instead of one per asset (fewer roles and projects to audit).
      publishAssetsInParallel: false,
      synth: new pipelines.ShellStep('Synth', { input: source, commands: [...DELIVERY_SYNTH_COMMANDS], primaryOutputDirectory: 'cdk.out' }),
      codeBuildDefaults: {
        buildEnvironment: { buildImage: BUILD_IMAGE, computeType: codebuild.ComputeType.MEDIUM },
        partialBuildSpec: codebuild.BuildSpec.fromObject({ version: '0.2', phases: { install: { 'runtime-versions': { nodejs: DELIVERY_NODE_MAJOR } } } }),
        timeout: Duration.minutes(delivery.synthTimeoutMinutes),
      },
    });

    this.smokeRunnerRoleName = smokeRunnerRoleName(delivery.pipelineName);
    this.smokeRunnerRole = new iam.Role(this, 'SmokeRunnerRole', {
      roleName: this.smokeRunnerRoleName,
      assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com'),
      description: 'The delivery pipeline smoke step: assumes lakeforge-<env>-smoke in the smoke-tested environment',
    });
    const smokeRoleArn = this.formatArn({ service: 'iam', region: '', account: props.acc.account, resource: 'role', resourceName: smokeRoleName(envName(props.acc)) });
    this.smokeRunnerRole.addToPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [smokeRoleArn] }));

    this.pipeline.addStage(props.dev);
    this.pipeline.addStage(props.acc, {
      post: [
        new pipelines.CodeBuildStep('Smoke', {
          input: source,
          role: this.smokeRunnerRole,
          installCommands: ['npm ci --no-audit --no-fund'],
          commands: smokeCommands(envName(props.acc), smokeRoleArn, delivery.smoke),
          // Three bounded waits (ingest, refresh, curated) plus ten minutes for npm ci.
          timeout: Duration.seconds(delivery.smoke.timeoutSeconds * 3 + 600),
        }),
      ],
    });
    this.pipeline.addStage(props.prod, {
      pre: [new pipelines.ManualApprovalStep('PromoteToProd', { comment: `Promote the commit that passed Acc and its smoke test to ${props.prod.stageName}` })],
    });
    this.pipeline.buildPipeline();
    // Only AWS services (CodePipeline, CodeBuild, S3 on a caller's behalf) create grants on the artifact key (CT.KMS.PR.3).
    const artifactKey = this.pipeline.pipeline.artifactBucket.encryptionKey;
    if (artifactKey !== undefined) restrictGrantsToAwsServices(artifactKey);
    this.accessLogsBucket = this.secureArtifactBucket();
    this.acknowledgeGenerated();
  }

  /**
   * The artifact bucket CDK Pipelines creates (KMS with the customer-managed artifact key, public access blocked,
   * TLS only) gets versioning, so an overwritten or deleted artifact of a running promotion can be recovered, and
   * server access logs, delivered to a log bucket of the pipeline stack by the S3 logging service (bucket policy
   * grant: Amazon S3 User Guide, "Enabling Amazon S3 server access logging", permissions for log delivery).
   *
   * @returns the access logs bucket.
   */
  private secureArtifactBucket(): s3.Bucket {
    const artifacts = this.pipeline.pipeline.artifactBucket;
    const logs = new SecureBucket(this, 'ArtifactAccessLogs', { lifecycle: { expireAfterDays: 400, noncurrentVersionExpireAfterDays: 30 } }).bucket;
    const prefix = 'artifacts/';
    logs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsPolicy',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [logs.arnForObjects(`${prefix}*`)],
        conditions: { ArnLike: { 'aws:SourceArn': artifacts.bucketArn }, StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const bucket = artifacts.node.defaultChild as s3.CfnBucket;
    bucket.versioningConfiguration = { status: 'Enabled' };
    bucket.lifecycleConfiguration = { rules: [{ id: 'ExpireOldArtifactVersions', status: 'Enabled', noncurrentVersionExpiration: { noncurrentDays: 30 } }] };
    bucket.loggingConfiguration = { destinationBucketName: logs.bucketName, logFilePrefix: prefix };
    const logsResource = logs.node.defaultChild as s3.CfnBucket;
    acknowledgeAll(
      logsResource,
      ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled', 'HIPAA.Security-S3BucketLoggingEnabled', 'PCI.DSS.321-S3BucketLoggingEnabled', 'CT.S3.PR.2'],
      'This is the server access logs bucket of the pipeline artifacts; logging it into itself would create a log loop.',
      SIGN_OFFS.delivery,
    );
    acknowledgeAll(
      logsResource,
      ['NIST.800.53.R5-S3DefaultEncryptionKMS', 'HIPAA.Security-S3DefaultEncryptionKMS', 'PCI.DSS.321-S3DefaultEncryptionKMS', 'CT.S3.PR.10'],
      'S3 server access logging can only deliver to SSE-S3 buckets; SSE-KMS target buckets are not supported.',
      SIGN_OFFS.delivery,
    );
    for (const b of [bucket, logsResource]) {
      acknowledgeAll(
        b,
        ['NIST.800.53.R5-S3BucketReplicationEnabled', 'HIPAA.Security-S3BucketReplicationEnabled', 'PCI.DSS.321-S3BucketReplicationEnabled'],
        'Pipeline artifacts (and their access logs) are rebuilt from the Git commit by the next run: replicating them to a second region protects nothing that is not already in the repository.',
        SIGN_OFFS.delivery,
      );
      acknowledgeAll(
        b,
        ['CT.S3.PR.9', 'CT.S3.PR.4'],
        'Pipeline artifacts and their access logs expire by lifecycle rule and nothing consumes their object events (CodePipeline polls its own artifacts); Object Lock would keep expired artifacts, and versioning already recovers overwrites.',
        SIGN_OFFS.delivery,
      );
    }
    return logs;
  }

  /**
   * Acknowledges what CDK Pipelines generates and Lakeforge cannot narrow without forking it, one resource at a
   * time: its roles' inline default policies and their wildcards, and the CodeBuild projects' CODEPIPELINE source.
   */
  private acknowledgeGenerated(): void {
    const wildcardReason =
      'Generated by CDK Pipelines for its own roles: pipeline artifacts, CodeBuild log streams and report groups carry per-execution names; the self-mutation role may assume only the CDK bootstrap roles (iam:ResourceTag/aws-cdk:bootstrap-role condition); KMS and S3 action wildcards come from the L2 grant helpers on the artifact bucket and key.';
    for (const c of this.node.findAll()) {
      if (c instanceof iam.Policy) {
        const cfn = c.node.defaultChild as iam.CfnPolicy;
        acknowledgeAll(
          cfn,
          ['NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy'],
          'Default policy CDK Pipelines (and CodeBuild, for its log group and report group) attaches to the role it creates or is given, scoped to that one role; it grows with each step, so it cannot be a separately managed policy.',
          SIGN_OFFS.delivery,
        );
        const statements = (c.document.toJSON() as { Statement?: Array<{ Action?: string | string[]; Resource?: string | string[] }> } | undefined)?.Statement ?? [];
        const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
        for (const action of new Set(statements.flatMap((st) => list(st.Action)).filter((a) => a.includes('*')))) {
          acknowledge(cfn, { ...SIGN_OFFS.delivery, ruleId: `AwsSolutions-IAM5[Action::${action}]`, reason: wildcardReason });
        }
        const resources = [...new Set(statements.flatMap((st) => list(st.Resource)).filter((r) => typeof r === 'string' && r.includes('*')))];
        acknowledgeWildcardResources(cfn, resources, wildcardReason, SIGN_OFFS.delivery);
      } else if (c instanceof codebuild.CfnProject) {
        acknowledgeAll(
          c,
          ['HIPAA.Security-CodeBuildProjectSourceRepoUrl', 'PCI.DSS.321-CodeBuildProjectSourceRepoUrl'],
          'The project\'s source is the CodePipeline artifact (type CODEPIPELINE), not a repository URL: there is no repository credential to put in OAuth; the repository is reached through the CodeConnections connection.',
          SIGN_OFFS.delivery,
        );
        // CodeBuild LogsConfig: CloudWatch Logs status is ENABLED when not set (AWS CodeBuild API Reference, "LogsConfig":
        // https://docs.aws.amazon.com/codebuild/latest/APIReference/API_LogsConfig.html).
        acknowledge(c, {
          ...SIGN_OFFS.delivery,
          ruleId: 'CT.CODEBUILD.PR.3',
          reason: 'Build logs go to CloudWatch Logs (/aws/codebuild/<project>), CodeBuild\'s default when LogsConfig is not set; CDK Pipelines generates this project and sets no LogsConfig.',
        });
      }
    }
  }

  private createSource(source: DeliveryConfig['source']): pipelines.CodePipelineSource {
    if (source.kind === 'connection') {
      // A full clone (not CodePipeline's zip): the contracts gate compares with git history.
      return pipelines.CodePipelineSource.connection(source.repository, source.branch, { connectionArn: source.connectionArn, codeBuildCloneOutput: true });
    }
    const repository = codecommit.Repository.fromRepositoryName(this, 'Repository', source.repositoryName);
    return pipelines.CodePipelineSource.codeCommit(repository, source.branch, { codeBuildCloneOutput: true });
  }
}

/** The environment name of a Lakeforge stage (`Acc` → `acc`). */
function envName(stage: LakeforgeStage): string {
  return stage.stageName.toLowerCase();
}

/**
 * The delivery pipeline stack, synthesized from the repository's config as `bin/app.ts` does: Dev → Acc (smoke
 * test) → approval → Prod, deploying the same stage objects the app synthesizes, the synth commands, the
 * customer-managed artifact key, self-mutation, and zero unacknowledged policy findings.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadAllConfigs } from '../../config';
import { loadDeliveryConfig } from '../../config/delivery';
import { loadPlatform } from '../../config/platform';
import { addLakeforgeStages, DELIVERY_STACK_ID, LAKEFORGE_APP_CONTEXT } from '../../lib/app';
import { DELIVERY_NODE_MAJOR, DELIVERY_SYNTH_COMMANDS } from '../../lib/stacks/delivery-pipeline-stack';
import { POLICY_PACKS } from '../../lib/governance/pack-names';
import { synthesizeApp, type SynthResult } from '../../tools/synth';

interface CfnAction {
  Name: string;
  RunOrder?: number;
  ActionTypeId: { Category: string; Provider: string };
  Configuration?: Record<string, unknown>;
  RoleArn?: unknown;
}
interface CfnStage {
  Name: string;
  Actions: CfnAction[];
}

const delivery = loadDeliveryConfig()!;
const configs = loadAllConfigs();
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-delivery-'));
const app = new App({ outdir, analyticsReporting: false, context: LAKEFORGE_APP_CONTEXT });
const stages = addLakeforgeStages(app, configs, loadPlatform(), delivery);
const stack = app.node.findChild(DELIVERY_STACK_ID) as Stack;
const template = Template.fromStack(stack);
const pipeline = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0].Properties as { Stages: CfnStage[]; ArtifactStore: Record<string, unknown> };
const stageNamed = (name: string): CfnStage => {
  const s = pipeline.Stages.find((x) => x.Name === name);
  if (s === undefined) throw new Error(`no pipeline stage ${name} (${pipeline.Stages.map((x) => x.Name).join(', ')})`);
  return s;
};
const buildSpecs = Object.values(template.findResources('AWS::CodeBuild::Project')).map((p) => JSON.stringify(stack.resolve(p.Properties.Source.BuildSpec)));

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('delivery pipeline stack', () => {
  it('lives in the tooling account and region of config/delivery.ts, outside the stages', () => {
    expect({ account: stack.account, region: stack.region }).toEqual({ account: delivery.toolingAccount, region: delivery.toolingRegion });
    expect(stages.every((s) => !s.node.findAll().includes(stack))).toBe(true);
  });

  it('promotes Dev, then Acc, then Prod, after source, synth, self-mutation and assets', () => {
    const names = pipeline.Stages.map((s) => s.Name);
    const order = ['Source', 'Build', 'UpdatePipeline', ...configs.map((c) => c.name.charAt(0).toUpperCase() + c.name.slice(1))].map((n) => names.indexOf(n));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('deploys every stack of each stage object the app synthesizes (the same stacks, by stack name, in the stage\'s account)', () => {
    for (const stage of stages) {
      const actions = stageNamed(stage.stageName).Actions.filter((a) => a.ActionTypeId.Category === 'Deploy');
      const deployed = new Set(actions.map((a) => a.Configuration?.StackName));
      const expected = stage.node.findAll().filter((c): c is Stack => Stack.isStack(c)).map((s) => s.stackName);
      expect([...deployed].sort()).toEqual([...new Set(expected)].sort());
      // Cross-account: through the target account's CDK bootstrap deploy role (cdk bootstrap --trust <tooling>).
      expect(JSON.stringify(stack.resolve(actions[0].RoleArn))).toContain(`cdk-hnb659fds-deploy-role-${stage.account}-${stage.region}`);
    }
  });

  it('runs the smoke test after every Acc deployment, with the configured waits, as the environment\'s smoke role', () => {
    const acc = stageNamed('Acc');
    const smoke = acc.Actions.find((a) => a.Name === 'Smoke');
    expect(smoke?.ActionTypeId).toMatchObject({ Category: 'Build', Provider: 'CodeBuild' });
    const lastDeploy = Math.max(...acc.Actions.filter((a) => a.ActionTypeId.Category === 'Deploy').map((a) => a.RunOrder ?? 1));
    expect(smoke!.RunOrder).toBeGreaterThan(lastDeploy);
    const spec = buildSpecs.find((b) => b.includes('smoke --env acc'));
    expect(spec).toContain(`--timeout-seconds ${delivery.smoke.timeoutSeconds} --poll-seconds ${delivery.smoke.pollIntervalSeconds}`);
    expect(spec).toContain('role/lakeforge-acc-smoke');
    // The role the smoke test assumes trusts exactly the pipeline's smoke runner role.
    const access = Template.fromStack(stages.find((s) => s.stageName === 'Acc')!.node.findChild('SmokeAccess') as Stack);
    access.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'lakeforge-acc-smoke',
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${delivery.toolingAccount}:role/${delivery.pipelineName}-smoke`]] } } }] },
    });
  });

  it('asks for a manual approval before anything is deployed to Prod, and smoke-tests no other stage', () => {
    const prod = stageNamed('Prod');
    const approval = prod.Actions.find((a) => a.ActionTypeId.Category === 'Approval');
    expect(approval?.ActionTypeId.Provider).toBe('Manual');
    expect(Math.min(...prod.Actions.filter((a) => a.ActionTypeId.Category === 'Deploy').map((a) => a.RunOrder ?? 1))).toBeGreaterThan(approval!.RunOrder ?? 1);
    expect(pipeline.Stages.filter((s) => s.Actions.some((a) => a.ActionTypeId.Category === 'Approval')).map((s) => s.Name)).toEqual(['Prod']);
    expect(pipeline.Stages.filter((s) => s.Actions.some((a) => a.Name === 'Smoke')).map((s) => s.Name)).toEqual(['Acc']);
  });

  it('synthesizes with npm ci, npm test, the contracts gate on git history and lakeforge synth, in that order, from a full clone', () => {
    const spec = buildSpecs.find((b) => b.includes('npm run synth'))!;
    const positions = DELIVERY_SYNTH_COMMANDS.map((c) => spec.indexOf(c));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const parsed = JSON.parse(JSON.parse(spec) as string) as { phases: { install: { 'runtime-versions': { nodejs: number } } } };
    expect(parsed.phases.install['runtime-versions'].nodejs).toBe(DELIVERY_NODE_MAJOR);
    expect(DELIVERY_SYNTH_COMMANDS).toEqual(['npm ci --no-audit --no-fund', 'npm test', 'npm run --silent lakeforge -- contracts check --history', 'npm run synth']);
    const source = stageNamed('Source').Actions[0];
    expect(source.ActionTypeId.Provider).toBe('CodeStarSourceConnection');
    expect(source.Configuration).toMatchObject({
      ConnectionArn: delivery.source.kind === 'connection' ? delivery.source.connectionArn : undefined,
      BranchName: delivery.source.branch,
      OutputArtifactFormat: 'CODEBUILD_CLONE_REF',
    });
  });

  it('encrypts the artifacts with a customer-managed KMS key with rotation, in a versioned bucket that logs access', () => {
    const keys = template.findResources('AWS::KMS::Key');
    expect(Object.values(keys).map((k) => k.Properties.EnableKeyRotation)).toEqual([true]);
    const [keyId] = Object.keys(keys);
    expect(stack.resolve(pipeline.ArtifactStore)).toMatchObject({ Type: 'S3', EncryptionKey: { Type: 'KMS', Id: { 'Fn::GetAtt': [keyId, 'Arn'] } } });
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.anyValue() }, LogFilePrefix: 'artifacts/' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } } }] },
    });
  });

  it('updates itself first (self-mutation) from the synthesized assembly', () => {
    const update = stageNamed('UpdatePipeline');
    expect(update.Actions.map((a) => a.Name)).toEqual(['SelfMutate']);
    expect(buildSpecs.some((b) => b.includes(`deploy ${DELIVERY_STACK_ID} --require-approval=never`))).toBe(true);
  });
});

describe('delivery pipeline policy check', () => {
  let result: SynthResult;
  beforeAll(() => {
    result = synthesizeApp(app);
  });

  it('has zero unacknowledged findings in the pipeline stack and the smoke access stack, in every pack', () => {
    expect(result.findings.filter((f) => f.path.startsWith(`${DELIVERY_STACK_ID}/`) || f.path.includes('/SmokeAccess/'))).toEqual([]);
    expect(result.packs).toEqual([...POLICY_PACKS]);
  });

  it('records every acknowledgement of the pipeline stack with a reason', () => {
    const acks = result.acknowledgements.filter((a) => a.path.startsWith(`${DELIVERY_STACK_ID}/`));
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.every((a) => a.reason.length >= 20 && !a.path.endsWith(DELIVERY_STACK_ID))).toBe(true);
    // The audit report lists them in a report of their own (the pipeline stack is in no stage): cdk.out/audit/Delivery/.
    const audit = JSON.parse(fs.readFileSync(path.join(outdir, 'audit', DELIVERY_STACK_ID, 'report.json'), 'utf8')) as { summary: { findings: number; acknowledged: number } };
    expect(audit.summary.findings).toBe(0);
    expect(audit.summary.acknowledged).toBeGreaterThan(0);
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { loadAllConfigs } from '../../config';
import { LakeforgePlatform } from '../../lib/constructs/platform/lakeforge-platform';
import { OPTIONAL_PLATFORM_PARAMETERS, PLATFORM_PARAMETERS, type OptionalPlatformHandle, type PlatformHandle, workgroupParameterKey } from '../../lib/platform/parameter-names';

function platformIn(env: string): { stack: Stack; platform: LakeforgePlatform } {
  const stack = new Stack(new App(), 'Team', { env: { account: '111111111111', region: 'eu-west-1' } });
  return { stack, platform: LakeforgePlatform.fromParameters(stack, 'Platform', { environment: env }) };
}

/** How a team reads each handle: every key of the layout has a typed reader. */
const READERS: Record<PlatformHandle | OptionalPlatformHandle, (p: LakeforgePlatform) => string> = {
  ingestStreamName: (p) => p.ingestStreamName,
  ingestStreamArn: (p) => p.ingestStream.streamArn,
  producerPolicyArn: (p) => p.producerPolicy.managedPolicyArn,
  lakeKeyArn: (p) => p.lakeKey.keyArn,
  rawBucketName: (p) => p.rawBucket.bucketName,
  curatedBucketName: (p) => p.curatedBucket.bucketName,
  martsBucketName: (p) => p.martsBucket.bucketName,
  quarantineBucketName: (p) => p.quarantineBucket.bucketName,
  registryBucketName: (p) => p.registryBucket.bucketName,
  rawDatabaseName: (p) => p.rawDatabase.databaseName,
  curatedDatabaseName: (p) => p.curatedDatabase.databaseName,
  martsDatabaseName: (p) => p.martsDatabase.databaseName,
  tableDdlFunctionName: (p) => p.tableDdlFunctionName,
  tableDdlFunctionArn: (p) => p.tableDdl.serviceToken,
  tableDdlWorkgroupName: (p) => p.tableDdl.workgroupName,
  registryPublisherFunctionArn: (p) => p.registryPublisher.serviceToken,
  alarmTopicArn: (p) => p.alarmTopic.topicArn,
  goLiveDate: (p) => p.goLiveDate,
  curatedLookbackHours: (p) => Token.asString(p.curatedLookbackHours),
  athenaResultsBucketName: (p) => p.athenaResultsBucket.bucketName,
  catalogKeyArn: (p) => p.catalogKey.keyArn,
};
const LAYOUT: Record<string, string> = { ...PLATFORM_PARAMETERS, ...OPTIONAL_PLATFORM_PARAMETERS };

describe('LakeforgePlatform.fromParameters', () => {
  it('has a typed reader for every handle of the key layout', () => {
    expect(Object.keys(READERS).sort()).toEqual(Object.keys(LAYOUT).sort());
  });

  it.each(loadAllConfigs().map((c) => c.name))('reads every handle of %s as a dynamic reference to its parameter', (env) => {
    const { stack, platform } = platformIn(env);
    for (const [handle, read] of Object.entries(READERS)) {
      expect(stack.resolve(read(platform))).toBe(`{{resolve:ssm:/lakeforge/${env}/${LAYOUT[handle]}}}`);
    }
    expect(stack.resolve(platform.workgroupName('bi'))).toBe(`{{resolve:ssm:/lakeforge/${env}/${workgroupParameterKey('bi')}}}`);
  });

  it('builds database and bucket ARNs around the names, never by splitting a dynamic reference', () => {
    const { stack, platform } = platformIn('dev');
    for (const arn of [platform.rawDatabase.databaseArn, platform.curatedBucket.bucketArn, platform.workgroupArn('analysts')]) {
      const json = JSON.stringify(stack.resolve(arn));
      expect(json).toContain('{{resolve:ssm:/lakeforge/dev/');
      expect(json).not.toContain('Fn::Split');
    }
  });

  it('grants through the handles: the producer policy attaches, bucket reads include the lake key', () => {
    const { stack, platform } = platformIn('dev');
    const role = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    role.addManagedPolicy(platform.producerPolicy);
    platform.rawBucket.grantRead(role, 'events/*');
    const json = JSON.stringify(stack.resolve((role.node.findChild('DefaultPolicy') as iam.Policy).document));
    expect(json).toContain('{{resolve:ssm:/lakeforge/dev/storage/raw-bucket-name}}');
    expect(json).toContain('{{resolve:ssm:/lakeforge/dev/storage/lake-key-arn}}');
  });

  it('synthesizes with no context, no lookups and no CloudFormation parameters', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-handles-cwd-'));
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      const app = new App({ outdir: path.join(cwd, 'cdk.out') });
      const stack = new Stack(app, 'Team', { env: { account: '111111111111', region: 'eu-west-1' } });
      const platform = LakeforgePlatform.fromParameters(stack, 'Platform', { environment: 'dev' });
      const role = new iam.Role(stack, 'Producer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
      role.addManagedPolicy(platform.producerPolicy);
      const assembly = app.synth();
      expect(assembly.manifest.missing ?? []).toEqual([]);
      expect(fs.existsSync(path.join(cwd, 'cdk.context.json'))).toBe(false);
      expect(Object.keys(assembly.getStackByName('Team').template.Parameters ?? {})).toEqual(['BootstrapVersion']);
    } finally {
      process.chdir(previous);
    }
  });

  it('fails synth, naming the resource, when a template splits a handle (stream name derived from the stream ARN)', () => {
    const { stack, platform } = platformIn('dev');
    new ssm.StringParameter(stack, 'StreamName', { stringValue: platform.ingestStream.streamName });
    expect(() => App.of(stack)!.synth()).toThrow(/Team\/StreamName\/Resource: splits the platform handle \/lakeforge\/dev\/ingestion\/stream-arn .*use the handle itself/);
  });

  it('lets a template use the handles without splitting them', () => {
    const { stack, platform } = platformIn('dev');
    new ssm.StringParameter(stack, 'StreamName', { stringValue: platform.ingestStreamName });
    expect(() => App.of(stack)!.synth()).not.toThrow();
  });

  it('fails when the environment is not an environment name', () => {
    expect(() => platformIn('Dev')).toThrow(/Invalid environment name "Dev"/);
  });

  it('fails when a workgroup short name is not one', () => {
    expect(() => platformIn('dev').platform.workgroupName('BI team')).toThrow(/Invalid workgroup short name "BI team"/);
  });
});

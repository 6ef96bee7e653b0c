/**
 * Where `lakeforge smoke` finds an environment's resources: names CloudFormation generates (stream, buckets) come
 * from the environment's handles (SSM parameters `/lakeforge/<env>/…`, `lib/platform/parameter-names.ts`) unless a
 * flag names them; names the platform fixes (state machine, Glue database, workgroup) are built by the same
 * naming helpers the stacks use.
 */
import { platformParameterName, PLATFORM_PARAMETERS } from '../../lib/platform/parameter-names';
import { databaseName, workgroupName } from '../../lib/shared/naming';
import type { SmokeTargets } from './run';

/** Flags that override a handle. */
export interface TargetOverrides {
  readonly streamName?: string;
  readonly rawBucket?: string;
  readonly quarantineBucket?: string;
  readonly stateMachineArn?: string;
}

/** The environment's account and region (from config/environments.ts). */
export interface TargetEnvironment {
  readonly name: string;
  readonly account: string;
  readonly region: string;
}

/** The partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The state machine of an environment's pipeline: `lakeforge-<env>-pipeline` in its account and region
 * (Step Functions ARN format `arn:<partition>:states:<region>:<account>:stateMachine:<name>`, AWS Step Functions
 * Developer Guide, "Resource types defined by AWS Step Functions").
 */
export function pipelineStateMachineArn(env: TargetEnvironment): string {
  return ['arn', partitionOf(env.region), 'states', env.region, env.account, 'stateMachine', `lakeforge-${env.name}-pipeline`].join(':');
}

/** The Athena workgroup the smoke test queries the curated table in: the environment's analysts workgroup. */
export function smokeWorkgroup(env: string): string {
  return workgroupName(env, 'analysts');
}

/**
 * Resolves the smoke targets of an environment.
 *
 * @param env - account, region and name of the environment.
 * @param getParameter - reads an SSM parameter (only called for handles no flag overrides).
 * @param overrides - flags.
 * @throws Error naming the parameter when a handle cannot be read.
 */
export async function resolveTargets(env: TargetEnvironment, getParameter: (name: string) => Promise<string>, overrides: TargetOverrides = {}): Promise<SmokeTargets> {
  const handle = async (key: string, override: string | undefined): Promise<string> => {
    if (override !== undefined) return override;
    const name = platformParameterName(env.name, key);
    try {
      return await getParameter(name);
    } catch (e) {
      throw new Error(`cannot read the handle ${name} (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): is the Handles stack of ${env.name} deployed? Or pass the name as a flag`);
    }
  };
  return {
    streamName: await handle(PLATFORM_PARAMETERS.ingestStreamName, overrides.streamName),
    rawBucket: await handle(PLATFORM_PARAMETERS.rawBucketName, overrides.rawBucket),
    quarantineBucket: await handle(PLATFORM_PARAMETERS.quarantineBucketName, overrides.quarantineBucket),
    stateMachineArn: overrides.stateMachineArn ?? pipelineStateMachineArn(env),
    curatedDatabase: databaseName(env.name, 'curated'),
  };
}

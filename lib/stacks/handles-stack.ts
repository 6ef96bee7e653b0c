import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PlatformParameters, type PlatformParametersProps } from '../constructs/platform/platform-parameters';

/** Properties of {@link HandlesStack}: the resources whose names and ARNs it publishes. */
export interface HandlesStackProps extends StackProps, PlatformParametersProps {}

/**
 * The platform handles of an environment (see {@link PlatformParameters}): SSM parameters under
 * `/lakeforge/<env>/` that product teams' own CDK apps read with `LakeforgePlatform.fromParameters`, and the
 * producer policy. Deployed after the stacks it reads from (Storage, Catalog, Ingestion, Analytics, Monitoring);
 * it holds nothing stateful, so it can be redeployed or replaced at any time.
 */
export class HandlesStack extends Stack {
  /** The parameters and the producer policy. */
  public readonly handles: PlatformParameters;

  constructor(scope: Construct, id: string, props: HandlesStackProps) {
    super(scope, id, props);
    this.handles = new PlatformParameters(this, 'Handles', props);
  }
}

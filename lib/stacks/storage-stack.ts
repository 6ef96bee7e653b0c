import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StorageConfig } from '../../config/schema';
import { LakeStorage } from '../constructs/storage/lake-storage';
import { registryPublisherRoleName } from '../shared/naming';

/** Properties of {@link StorageStack}. */
export interface StorageStackProps extends StackProps {
  /** Environment name: the registry bucket's only writer is the role `lakeforge-<env>-registry-publisher`. */
  readonly environmentName: string;
  /** The storage slice of the environment's config. */
  readonly storage: StorageConfig;
}

/**
 * The stateful stack of an environment: the lake key and the lake buckets. It changes rarely and
 * retains everything unless the environment allows destruction.
 */
export class StorageStack extends Stack {
  /** The lake's key and buckets. */
  public readonly lake: LakeStorage;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    this.lake = new LakeStorage(this, 'Lake', {
      lifecycle: props.storage.lifecycle,
      allowDestroy: props.storage.allowDestroy,
      keyPendingWindow: Duration.days(props.storage.keyPendingWindowDays),
      registryPublisherRoleName: registryPublisherRoleName(props.environmentName),
    });
  }
}

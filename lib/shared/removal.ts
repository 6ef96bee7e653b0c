import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The removal policy of a stateful resource: RETAIN unless data destruction is explicitly allowed
 * (dev only, enforced by the config schema). When destruction is allowed, a warning annotation says so
 * on the resource, so `cdk synth` shows every place where a stack operation may delete data.
 *
 * @param scope - the construct the warning is attached to.
 * @param allowDestroy - whether a stack operation may delete this resource's data.
 * @returns `RemovalPolicy.DESTROY` or `RemovalPolicy.RETAIN`.
 */
export function statefulRemovalPolicy(scope: IConstruct, allowDestroy: boolean): RemovalPolicy {
  if (!allowDestroy) return RemovalPolicy.RETAIN;
  Annotations.of(scope).addWarningV2(
    'lakeforge:destroy-allowed',
    'Data destruction is allowed by configuration: deleting this stack deletes this resource and its data.',
  );
  return RemovalPolicy.DESTROY;
}

import { CfnDeletionPolicy, CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { isProduction, type LakeforgeRule, type RuleCompliance } from './rule';

/**
 * Resource types that hold data or keys a deletion would lose: buckets, keys, streams, log groups, queues,
 * tables and catalog entries.
 */
export const STATEFUL_RESOURCE_TYPES: readonly string[] = [
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
  'AWS::Kinesis::Stream',
  'AWS::Logs::LogGroup',
  'AWS::SQS::Queue',
  'AWS::DynamoDB::Table',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
];

/** Whether `node` is a stateful L1 resource ({@link STATEFUL_RESOURCE_TYPES}). */
export function isStateful(node: IConstruct): node is CfnResource {
  return CfnResource.isCfnResource(node) && STATEFUL_RESOURCE_TYPES.includes(node.cfnResourceType);
}

/** Whether a resource outlives its removal from the template or its stack's deletion (`DeletionPolicy` Retain, RetainExceptOnCreate or Snapshot). */
export function isRetained(node: CfnResource): boolean {
  const policy = node.cfnOptions.deletionPolicy;
  return policy === CfnDeletionPolicy.RETAIN || policy === CfnDeletionPolicy.SNAPSHOT || policy === CfnDeletionPolicy.RETAIN_EXCEPT_ON_CREATE;
}

/**
 * LF-RETAIN-1: in a production stage every stateful resource is retained (`DeletionPolicy` Retain or Snapshot),
 * so removing it from the code or deleting its stack keeps the data
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html).
 */
export const ProdStatefulRetained: LakeforgeRule = {
  id: 'LF-RETAIN-1',
  description: 'In production, every stateful resource (bucket, key, stream, log group, queue, table) is retained on deletion.',
  explanation: 'A stack deletion or a refactoring that drops a resource must never delete production data or keys.',
  scope: 'resource',
  check(node: IConstruct): RuleCompliance {
    if (!isStateful(node) || !isProduction(node)) return 'not_applicable';
    return isRetained(node) ? 'compliant' : 'non_compliant';
  },
};

/**
 * LF-STACK-1: every production stack has termination protection on
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-protect-stacks.html).
 */
export const ProdTerminationProtection: LakeforgeRule = {
  id: 'LF-STACK-1',
  description: 'Every production stack has termination protection on.',
  explanation: 'A stack deletion in production is a deliberate act: protection must be turned off first.',
  scope: 'stack',
  check(node: IConstruct): RuleCompliance {
    if (!Stack.isStack(node) || !isProduction(node)) return 'not_applicable';
    return node.terminationProtection ? 'compliant' : 'non_compliant';
  },
};

import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { cfnProperties, dig, type LakeforgeRule, type RuleCompliance, targetOf } from './rule';

/**
 * LF-LAMBDA-1: every Lambda function logs to an explicit log group (`LoggingConfig.LogGroup`,
 * https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html) declared in the app, with a
 * retention (`RetainInDays`) and a KMS key (`KmsKeyId`). A function without one writes to `/aws/lambda/<name>`,
 * created on first invocation with no retention, no encryption and outside the stack.
 */
export const LambdaExplicitLogGroup: LakeforgeRule = {
  id: 'LF-LAMBDA-1',
  description: 'The Lambda function logs to a log group of the app with a retention period and a KMS key.',
  explanation: 'An implicit /aws/lambda/<name> log group keeps logs forever, unencrypted, and survives the stack.',
  scope: 'resource',
  check(node: IConstruct): RuleCompliance {
    if (!CfnResource.isCfnResource(node) || node.cfnResourceType !== 'AWS::Lambda::Function') return 'not_applicable';
    const logGroup = targetOf(node, dig(cfnProperties(node), 'LoggingConfig', 'LogGroup'));
    if (logGroup === undefined || logGroup.cfnResourceType !== 'AWS::Logs::LogGroup') return 'non_compliant';
    const props = cfnProperties(logGroup);
    return props.RetentionInDays !== undefined && props.KmsKeyId !== undefined ? 'compliant' : 'non_compliant';
  },
};

/**
 * LF-LAMBDA-2: no on-failure destination is an SNS topic, neither of an event source mapping nor of a function's
 * asynchronous invocation (`AWS::Lambda::EventInvokeConfig`). A topic delivers the failed batch's metadata once and
 * keeps nothing: a queue (or bucket) keeps it until someone replays it.
 */
export const NoSnsOnFailureDestination: LakeforgeRule = {
  id: 'LF-LAMBDA-2',
  description: 'No event source mapping or asynchronous invocation sends failures to an SNS topic (a queue keeps them for replay).',
  explanation: 'An SNS topic delivers failure records once and stores nothing; a failed batch must stay replayable.',
  scope: 'resource',
  check(node: IConstruct): RuleCompliance {
    if (!CfnResource.isCfnResource(node)) return 'not_applicable';
    if (node.cfnResourceType !== 'AWS::Lambda::EventSourceMapping' && node.cfnResourceType !== 'AWS::Lambda::EventInvokeConfig') return 'not_applicable';
    const destination = dig(cfnProperties(node), 'DestinationConfig', 'OnFailure', 'Destination');
    if (destination === undefined) return 'not_applicable';
    return isSnsTopic(node, destination) ? 'non_compliant' : 'compliant';
  },
};

function isSnsTopic(from: IConstruct, destination: unknown): boolean {
  if (typeof destination === 'string') return /^arn:[^:]+:sns:/.test(destination);
  const target = targetOf(from, destination);
  if (target !== undefined) return target.cfnResourceType === 'AWS::SNS::Topic';
  return JSON.stringify(destination).includes(':sns:');
}

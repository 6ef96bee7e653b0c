import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { cfnProperties, dig, type LakeforgeRule, type RuleCompliance, targetOf } from './rule';

/** Whether an event source mapping reads a Kinesis data stream (or a stream consumer). */
export function isKinesisSource(node: CfnResource): boolean {
  const arn = cfnProperties(node).EventSourceArn;
  if (typeof arn === 'string') return /^arn:[^:]+:kinesis:/.test(arn);
  const target = targetOf(node, arn);
  if (target !== undefined) return target.cfnResourceType === 'AWS::Kinesis::Stream' || target.cfnResourceType === 'AWS::Kinesis::StreamConsumer';
  return JSON.stringify(arn ?? '').includes(':kinesis:');
}

/**
 * LF-KINESIS-1: every Kinesis event source mapping reports batch item failures (`FunctionResponseTypes`
 * `ReportBatchItemFailures`), bisects a failing batch (`BisectBatchOnFunctionError`), bounds retries
 * (`MaximumRetryAttempts` ≥ 0; -1 is infinite) and record age (`MaximumRecordAgeInSeconds` ≥ 60; -1 is infinite), and
 * has an on-failure destination (`DestinationConfig.OnFailure`). Without them, one poison record blocks its shard
 * until it expires (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventsourcemapping.html).
 */
export const KinesisEventSourceBounded: LakeforgeRule = {
  id: 'LF-KINESIS-1',
  description:
    'The Kinesis event source mapping reports batch item failures, bisects failing batches, bounds retries and record age, and has an on-failure destination.',
  explanation: 'A poison record must not block its shard: it is retried a bounded number of times, then set aside where it can be replayed.',
  scope: 'resource',
  check(node: IConstruct): RuleCompliance {
    if (!CfnResource.isCfnResource(node) || node.cfnResourceType !== 'AWS::Lambda::EventSourceMapping' || !isKinesisSource(node)) return 'not_applicable';
    const p = cfnProperties(node);
    const responseTypes = Array.isArray(p.FunctionResponseTypes) ? p.FunctionResponseTypes : [];
    const retries = p.MaximumRetryAttempts;
    const age = p.MaximumRecordAgeInSeconds;
    const ok =
      responseTypes.includes('ReportBatchItemFailures') &&
      p.BisectBatchOnFunctionError === true &&
      typeof retries === 'number' && retries >= 0 &&
      typeof age === 'number' && age >= 60 &&
      dig(p, 'DestinationConfig', 'OnFailure', 'Destination') !== undefined;
    return ok ? 'compliant' : 'non_compliant';
  },
};

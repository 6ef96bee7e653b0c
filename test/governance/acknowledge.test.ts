import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledge, listAcknowledgements } from '../../lib/governance/acknowledge';

describe('acknowledge', () => {
  it('records the finding on the one resource with its reason and owner', () => {
    const app = new App();
    const bucket = new s3.Bucket(new Stack(app, 'S'), 'B');
    acknowledge(bucket.node.defaultChild!, { ruleId: 'AwsSolutions-S1', reason: 'Access logs bucket cannot log into itself.', owner: 'data-platform' });
    expect(listAcknowledgements(app)).toEqual([
      { ruleId: 'AwsSolutions-S1', reason: 'Access logs bucket cannot log into itself.', owner: 'data-platform', path: 'S/B/Resource' },
    ]);
    const cdkAcks = bucket.node.defaultChild!.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(cdkAcks).toHaveLength(1);
  });

  it('fails without a real reason', () => {
    const bucket = new s3.Bucket(new Stack(new App(), 'S'), 'B');
    expect(() => acknowledge(bucket, { ruleId: 'AwsSolutions-S1', reason: 'n/a' })).toThrow(/needs a real reason/);
  });

  it('fails when scoped to a whole stack', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => acknowledge(stack, { ruleId: 'AwsSolutions-S1', reason: 'All buckets in this stack are fine really.' })).toThrow(
      /must be scoped to one resource/,
    );
  });
});

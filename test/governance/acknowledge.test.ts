import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import {
  acknowledge,
  AcknowledgementError,
  asAcknowledgementError,
  listAcknowledgements,
  TEMPLATE_METADATA_KEY,
  TODAY_CONTEXT_KEY,
  type Acknowledgement,
} from '../../lib/governance/acknowledge';
import { APPROVERS, MIN_REASON_LENGTH } from '../../lib/governance/approvers';
import { renderError } from '../../tools/cli';

const TODAY = '2026-12-01';
const valid: Acknowledgement = {
  ruleId: 'AwsSolutions-S1',
  reason: 'This is the access logs bucket; logging it into itself would create a log loop.',
  owner: 'data-platform',
  approver: 'security-team',
  reviewBy: '2027-06-01',
};

function bucketIn(today = TODAY) {
  const app = new App({ context: { [TODAY_CONTEXT_KEY]: today } });
  const stack = new Stack(app, 'S');
  const bucket = new s3.Bucket(stack, 'B');
  return { app, stack, bucket, resource: bucket.node.defaultChild! };
}

describe('acknowledge', () => {
  it('records the finding on the one resource with its reason, owner, approver and review date', () => {
    const { app, resource } = bucketIn();
    acknowledge(resource, valid);
    expect(listAcknowledgements(app)).toEqual([{ ...valid, path: 'S/B/Resource' }]);
    const cdkAcks = resource.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY);
    expect(cdkAcks).toHaveLength(1);
  });

  it('writes the acknowledgements into the resource metadata of the template, so a reader of the template sees them', () => {
    const { stack, resource } = bucketIn();
    const second: Acknowledgement = { ...valid, ruleId: 'CT.S3.PR.9', approver: undefined, ticket: 'SEC-123', reason: 'No Object Lock: objects expire by lifecycle rule on purpose.' };
    acknowledge(resource, valid);
    acknowledge(resource, second);
    const [bucket] = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket')) as Array<{ Metadata?: Record<string, unknown> }>;
    expect(bucket.Metadata?.[TEMPLATE_METADATA_KEY]).toEqual([
      { ruleId: valid.ruleId, reason: valid.reason, owner: valid.owner, approver: 'security-team', reviewBy: valid.reviewBy },
      { ruleId: 'CT.S3.PR.9', reason: second.reason, owner: valid.owner, ticket: 'SEC-123', reviewBy: valid.reviewBy },
    ]);
  });

  it('records a Control Tower control under the id the guard plugin reports', () => {
    const { resource } = bucketIn();
    acknowledge(resource, { ...valid, ruleId: 'CT.S3.PR.9' });
    const ids = resource.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data as object));
    expect(ids.join(' ')).toContain('cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check');
  });

  it.each<[string, Partial<Acknowledgement>, RegExp]>([
    ['neither approver nor ticket', { approver: undefined, ticket: undefined }, /needs an approver \(one of security-team, platform-lead\) or a ticket/],
    ['a short reason', { reason: 'n/a' }, new RegExp(`reason must say why the rule does not apply \\(≥ ${MIN_REASON_LENGTH} characters\\)`)],
    ['no owner', { owner: ' ' }, /owner is required/],
    ['an approver not in the register', { approver: 'bob' as never }, /approver "bob" is not in the register/],
    ['a malformed ticket', { approver: undefined, ticket: 'sec 12' }, /ticket "sec 12" must look like SEC-123/],
    ['a date that is not YYYY-MM-DD', { reviewBy: '1 June 2027' }, /reviewBy must be a date YYYY-MM-DD, got "1 June 2027"/],
    ['a date that does not exist', { reviewBy: '2027-02-30' }, /reviewBy must be a date YYYY-MM-DD/],
  ])('rejects an acknowledgement with %s, naming the rule and the resource in one line', (_, change, message) => {
    const { resource } = bucketIn();
    let error: unknown;
    try {
      acknowledge(resource, { ...valid, ...change });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AcknowledgementError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^AwsSolutions-S1 on S\/B\/Resource: /);
  });

  it('accepts a ticket instead of an approver', () => {
    const { app, resource } = bucketIn();
    acknowledge(resource, { ...valid, approver: undefined, ticket: 'SEC-123' });
    expect(listAcknowledgements(app)[0]).toMatchObject({ ticket: 'SEC-123' });
    expect(listAcknowledgements(app)[0]).not.toHaveProperty('approver');
  });

  it('fails when scoped to a whole stack', () => {
    const { stack } = bucketIn();
    expect(() => acknowledge(stack, valid)).toThrow(/must be scoped to one resource/);
  });

  it('fails synth with one line naming an expired acknowledgement, its owner and approver', () => {
    const { app, resource } = bucketIn('2027-06-02');
    acknowledge(resource, valid);
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    const line = 'AwsSolutions-S1 on S/B/Resource: acknowledgement expired on 2027-06-01 (owner data-platform, approver security-team); review it';
    // `npx cdk synth`: a CDK validation error on the resource.
    expect((error as Error).message).toContain(`[S/B/Resource] ${line}`);
    // `lakeforge synth`: the same line, alone, as a ConfigError.
    expect(asAcknowledgementError(error)?.message).toBe(line);
    expect(renderError(error)).toBe(line);
  });

  it('passes synth on the review date itself', () => {
    const { app, resource } = bucketIn('2027-06-01');
    acknowledge(resource, valid);
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synth when the review date is more than 12 months ahead', () => {
    const { app, resource } = bucketIn('2026-12-01');
    acknowledge(resource, { ...valid, reviewBy: '2027-12-02' });
    expect(() => app.synth()).toThrow(/AwsSolutions-S1 on S\/B\/Resource: acknowledgement review date 2027-12-02 is more than 12 months ahead \(latest 2027-12-01/);
  });

  it('leaves other synthesis errors alone', () => {
    expect(asAcknowledgementError(new Error('Validation failed with the following errors:\n  [S/B] something else'))).toBeUndefined();
    expect(asAcknowledgementError(new Error('boom'))).toBeUndefined();
  });

  it('documents every approver', () => {
    for (const [id, description] of Object.entries(APPROVERS)) expect(description.length).toBeGreaterThan(id.length);
  });
});

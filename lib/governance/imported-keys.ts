import { Stack, type CfnResource } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from './acknowledge';
import type { SignOff } from './approvers';

/**
 * Control Tower proactive controls that cannot see a KMS key given as a cross-stack reference.
 *
 * Lakeforge encrypts its log groups, stream, workgroup results and queues with the lake key of the storage stack;
 * in the consuming stack's template the key is `{"Fn::ImportValue": "<Stage>-Storage:ExportsOutput…Arn…"}`.
 * cfn-guard evaluates a template on its own and these rules require a literal key identifier there, so
 * CT.CLOUDWATCH.PR.3, CT.KINESIS.PR.1, CT.ATHENA.PR.2 and CT.SQS.PR.2 report a finding on a resource that is
 * KMS-encrypted. A literal cannot replace the import: the key id is only known once the storage stack is
 * deployed, and CloudWatch Logs `KmsKeyId` requires a key ARN, not an alias (Amazon CloudWatch Logs User Guide,
 * "Encrypt log data in CloudWatch Logs using AWS KMS":
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
 *
 * So each such resource gets its own acknowledgement, made in the validation phase (after CDK has resolved the
 * reference) and ONLY when the key property really is an `Fn::ImportValue` (for the stream and the workgroup also
 * with a KMS encryption type): a resource without a key, or with another kind of value, stays a finding.
 */
const IMPORTED_KEY_CONTROLS: ReadonlyArray<{
  readonly control: string;
  readonly what: string;
  /** The key value when the resource is configured for KMS encryption, else undefined. */
  readonly key: (r: CfnResource) => unknown;
}> = [
  { control: 'CT.CLOUDWATCH.PR.3', what: 'KmsKeyId', key: (r) => (r instanceof logs.CfnLogGroup ? r.kmsKeyId : undefined) },
  {
    control: 'CT.KINESIS.PR.1',
    what: 'StreamEncryption.KeyId',
    key: (r) => {
      if (!(r instanceof kinesis.CfnStream)) return undefined;
      // L1 struct properties keep their TypeScript (camelCase) names until the template is rendered.
      const enc = Stack.of(r).resolve(r.streamEncryption) as { encryptionType?: string; keyId?: unknown } | undefined;
      return enc?.encryptionType === 'KMS' ? enc.keyId : undefined;
    },
  },
  {
    control: 'CT.ATHENA.PR.2',
    what: 'WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration.KmsKey',
    key: (r) => {
      if (!(r instanceof athena.CfnWorkGroup)) return undefined;
      const cfg = Stack.of(r).resolve(r.workGroupConfiguration) as
        | { resultConfiguration?: { encryptionConfiguration?: { encryptionOption?: string; kmsKey?: unknown } } }
        | undefined;
      const enc = cfg?.resultConfiguration?.encryptionConfiguration;
      return enc?.encryptionOption === 'SSE_KMS' || enc?.encryptionOption === 'CSE_KMS' ? enc.kmsKey : undefined;
    },
  },
  { control: 'CT.SQS.PR.2', what: 'KmsMasterKeyId', key: (r) => (r instanceof sqs.CfnQueue ? r.kmsMasterKeyId : undefined) },
];

/** The export name when `value` (resolved in its stack) is `{"Fn::ImportValue": "<name>"}`, else undefined. */
export function importedExportName(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const name = (value as Record<string, unknown>)['Fn::ImportValue'];
  return keys.length === 1 && typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * Adds, to one L1 resource, a validation that acknowledges the Control Tower control that cannot see its
 * cross-stack KMS key — only if the key property resolves to an `Fn::ImportValue` at synthesis.
 *
 * @param resource - any L1 resource (others than log groups, streams, workgroups and queues are left alone).
 * @param signOff - owner, approver and/or ticket, review date of the acknowledgement.
 */
export function acknowledgeImportedKeys(resource: CfnResource, signOff: SignOff): void {
  for (const c of IMPORTED_KEY_CONTROLS) {
    if (c.key(resource) === undefined) continue;
    resource.node.addValidation({
      validate: () => {
        const exportName = importedExportName(Stack.of(resource).resolve(c.key(resource)));
        if (exportName !== undefined) {
          acknowledge(resource, {
            ...signOff,
            ruleId: c.control,
            reason: `Encrypted with a customer-managed KMS key: ${c.what} is the key ARN imported from another stack (Fn::ImportValue ${exportName}), which the control cannot resolve; the key id exists only once that stack is deployed.`,
          });
        }
        return [];
      },
    });
  }
}

/** The minimum log retention of CT.CLOUDWATCH.PR.2, in days (its rule `MINIMUM_RETENTION_IN_DAYS`). */
export const CONTROL_TOWER_MIN_LOG_RETENTION_DAYS = 365;

/**
 * Acknowledges CT.CLOUDWATCH.PR.2 (log retention ≥ 365 days) on one log group whose retention is exactly the
 * environment's configured `observability.logRetentionDays`, when that is below a year; any other retention stays
 * a finding.
 *
 * @param resource - any L1 resource (only `AWS::Logs::LogGroup` is considered).
 * @param configuredDays - the environment's `observability.logRetentionDays`.
 * @param signOff - owner, approver and/or ticket, review date of the acknowledgement.
 */
export function acknowledgeShortLogRetention(resource: CfnResource, configuredDays: number, signOff: SignOff): void {
  if (!(resource instanceof logs.CfnLogGroup) || configuredDays >= CONTROL_TOWER_MIN_LOG_RETENTION_DAYS) return;
  if (Stack.of(resource).resolve(resource.retentionInDays) !== configuredDays) return;
  acknowledge(resource, {
    ...signOff,
    ruleId: 'CT.CLOUDWATCH.PR.2',
    reason: `Retention is this environment's configured observability.logRetentionDays (${configuredDays} days, config/environments.ts): a non-production environment keeps its logs shorter than a year by design.`,
  });
}

import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { cfnProperties, dig, type LakeforgeRule, type RuleCompliance } from './rule';

const WORKGROUP = 'AWS::Athena::WorkGroup';

function workgroupConfiguration(node: IConstruct): Record<string, unknown> | undefined {
  if (!CfnResource.isCfnResource(node) || node.cfnResourceType !== WORKGROUP) return undefined;
  return (cfnProperties(node).WorkGroupConfiguration as Record<string, unknown> | undefined) ?? {};
}

/**
 * LF-ATHENA-1: an Athena workgroup enforces its configuration, so a client cannot override the result location,
 * encryption or cutoff (`WorkGroupConfiguration.EnforceWorkGroupConfiguration: true`; see the Athena user guide,
 * "Override client-side settings", https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html).
 */
export const AthenaWorkgroupEnforced: LakeforgeRule = {
  id: 'LF-ATHENA-1',
  description: 'The Athena workgroup enforces its configuration (clients cannot override it).',
  explanation: 'Without enforcement, a query can name its own result location and encryption, and skip the cutoff.',
  scope: 'resource',
  check(node): RuleCompliance {
    const config = workgroupConfiguration(node);
    if (config === undefined) return 'not_applicable';
    return config.EnforceWorkGroupConfiguration === true ? 'compliant' : 'non_compliant';
  },
};

/**
 * LF-ATHENA-2: query results are encrypted with a KMS key (`ResultConfiguration.EncryptionConfiguration` with
 * `EncryptionOption` `SSE_KMS` or `CSE_KMS` and a `KmsKey`; AWS::Athena::WorkGroup EncryptionConfiguration,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-athena-workgroup-encryptionconfiguration.html).
 */
export const AthenaResultsKms: LakeforgeRule = {
  id: 'LF-ATHENA-2',
  description: 'The Athena workgroup encrypts query results with a KMS key (SSE_KMS or CSE_KMS).',
  explanation: 'Query results hold copies of lake data; they are encrypted with the platform key like the lake itself.',
  scope: 'resource',
  check(node): RuleCompliance {
    const config = workgroupConfiguration(node);
    if (config === undefined) return 'not_applicable';
    const enc = dig(config, 'ResultConfiguration', 'EncryptionConfiguration') as Record<string, unknown> | undefined;
    const kms = enc !== undefined && (enc.EncryptionOption === 'SSE_KMS' || enc.EncryptionOption === 'CSE_KMS') && enc.KmsKey !== undefined;
    return kms ? 'compliant' : 'non_compliant';
  },
};

/**
 * LF-ATHENA-3: the workgroup sets a bytes-scanned cutoff per query (`BytesScannedCutoffPerQuery`, at least
 * 10 MB = 10,000,000 bytes, the CloudFormation minimum:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-athena-workgroup-workgroupconfiguration.html).
 */
export const AthenaBytesScannedCutoff: LakeforgeRule = {
  id: 'LF-ATHENA-3',
  description: 'The Athena workgroup cancels a query that scans more than a set number of bytes.',
  explanation: 'A runaway query over the lake is billed per byte scanned; the cutoff bounds its cost.',
  scope: 'resource',
  check(node): RuleCompliance {
    const config = workgroupConfiguration(node);
    if (config === undefined) return 'not_applicable';
    const cutoff = config.BytesScannedCutoffPerQuery;
    return typeof cutoff === 'number' && cutoff >= 10_000_000 ? 'compliant' : 'non_compliant';
  },
};

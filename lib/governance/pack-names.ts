/**
 * The policy packs a Lakeforge stage can be checked against (`governance.policyPacks` in config/environments.ts):
 * the four cdk-nag 3 rule packs (AWS Solutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1) and the AWS
 * Control Tower proactive controls (`@cdklabs/cdk-validator-cfnguard`). A module without dependencies, so the
 * config schema can name them without loading the packs.
 */
export const POLICY_PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321', 'ControlTower'] as const;

/** One of {@link POLICY_PACKS}. */
export type PolicyPackName = (typeof POLICY_PACKS)[number];

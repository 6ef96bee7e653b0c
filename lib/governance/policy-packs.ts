import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The cdk-nag 3 rule packs every Lakeforge stage is checked against. */
export const POLICY_PACKS = ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'] as const;

/**
 * Registers the four cdk-nag 3 rule packs (AWS Solutions, NIST 800-53 rev 5, HIPAA Security,
 * PCI DSS 3.2.1) as CDK policy-validation plugins on `scope` (an App or a Stage). Findings land in the
 * cloud assembly's policy validation report and fail synth unless acknowledged through
 * `acknowledge()`.
 *
 * @param scope - the App or Stage to check; plugins apply to every stack below it.
 */
export function registerPolicyPacks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(
    new AwsSolutionsChecks(scope),
    new NIST80053R5Checks(scope),
    new HIPAASecurityChecks(scope),
    new PCIDSS321Checks(scope),
  );
}

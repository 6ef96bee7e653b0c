import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';

/** The `Sid` of the statement {@link restrictGrantsToAwsServices} adds. */
export const DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES_SID = 'DenyCreateGrantExceptForAwsServices';

/**
 * The key-policy statement that lets only AWS services create grants on a KMS key: it denies `kms:CreateGrant` to
 * every principal unless the request comes from an AWS service integrated with KMS on the caller's behalf
 * (`kms:GrantIsForAWSResource` true, e.g. Kinesis, Lambda, Athena, Glue creating a grant for the resource they
 * encrypt) or from an AWS service principal itself (`aws:PrincipalIsAWSService` true). `BoolIfExists` with both
 * keys false (the two keys AND-ed) is the form AWS Control Tower control CT.KMS.PR.3 requires.
 *
 * Without it, any principal the key policy or an IAM policy allows `kms:CreateGrant` (the account root statement
 * delegates to IAM) could grant itself or anyone else use of the key outside IAM.
 *
 * Sources: AWS KMS Developer Guide, "Controlling access to grants"
 * (https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html) and "kms:GrantIsForAWSResource"
 * (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource);
 * AWS Control Tower Controls Reference Guide, "[CT.KMS.PR.3]".
 */
export function renderDenyGrantsExceptForAwsServices(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: DENY_GRANTS_EXCEPT_FOR_AWS_SERVICES_SID,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  });
}

/**
 * Adds {@link renderDenyGrantsExceptForAwsServices} to a key's policy.
 *
 * @param key - a key whose policy this app owns (a `kms.Key`, not an imported key).
 */
export function restrictGrantsToAwsServices(key: kms.IKey): void {
  key.addToResourcePolicy(renderDenyGrantsExceptForAwsServices());
}

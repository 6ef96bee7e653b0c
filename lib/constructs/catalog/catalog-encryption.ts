import { Duration } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { restrictGrantsToAwsServices } from '../../governance/key-policy';
import { statefulRemovalPolicy } from '../../shared/removal';

/** Properties of {@link CatalogEncryption}. */
export interface CatalogEncryptionProps {
  /**
   * Whether a stack operation may delete the catalog key (dev only).
   * @default false (RETAIN)
   */
  readonly allowDestroy?: boolean;
  /**
   * Waiting period before a deleted key is destroyed, 7–30 days.
   * @default Duration.days(30)
   */
  readonly keyPendingWindow?: Duration;
}

/**
 * Encrypts the account's Glue Data Catalog (metadata at rest and connection passwords) with a
 * customer-managed KMS key with rotation.
 *
 * The Data Catalog encryption settings are one setting per account and region
 * (`PutDataCatalogEncryptionSettings`): exactly one stack per account+region may own them, or the stacks
 * overwrite each other at deploy time. Lakeforge's config allows one owning environment per
 * account+region and fails synth otherwise. Create this construct before any Glue database in the stack.
 *
 * Everyone who reads or writes the catalog needs `kms:Decrypt`/`kms:GenerateDataKey` on the key:
 * use {@link grantCatalogAccess}.
 *
 * @example
 * const encryption = new CatalogEncryption(this, 'CatalogEncryption', {});
 * encryption.grantCatalogAccess(analystRole);
 */
export class CatalogEncryption extends Construct {
  /** The key that encrypts the Glue Data Catalog. */
  public readonly key: kms.Key;
  /** The account's Data Catalog, with its encryption configured. */
  public readonly catalog: glue.ICatalog;

  constructor(scope: Construct, id: string, props: CatalogEncryptionProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'CatalogKey', {
      description: 'Lakeforge Glue Data Catalog encryption key',
      enableKeyRotation: true,
      pendingWindow: props.keyPendingWindow ?? Duration.days(30),
      removalPolicy: statefulRemovalPolicy(this, props.allowDestroy ?? false),
    });
    // Only AWS services (on a caller's behalf, e.g. Glue and Athena) create grants on the key (AWS Control Tower CT.KMS.PR.3).
    restrictGrantsToAwsServices(this.key);
    this.catalog = glue.Catalog.encryptAccount(this, {
      encryptionAtRest: glue.DataCatalogEncryptionAtRest.kms(this.key),
      connectionPasswordEncryption: { kmsKey: this.key, returnConnectionPasswordEncrypted: true },
    });
  }

  /**
   * Grants what a principal needs to read and write encrypted catalog metadata: `kms:Decrypt`,
   * `kms:Encrypt`, `kms:GenerateDataKey*`, `kms:ReEncrypt*` on the catalog key (AWS Glue Developer Guide,
   * "Encrypting your Data Catalog").
   */
  public grantCatalogAccess(grantee: iam.IGrantable): iam.Grant {
    return this.key.grantEncryptDecrypt(grantee);
  }
}

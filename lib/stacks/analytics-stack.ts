import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { AnalyticsConfig } from '../../config/schema';
import { QueryConsumer } from '../constructs/analytics/query-consumer';
import { QueryWorkgroup } from '../constructs/analytics/query-workgroup';
import { RegistryPublisherFunction } from '../constructs/catalog/registry-publisher-function';
import { TableDdlFunction } from '../constructs/catalog/table-ddl-function';
import { consumerRoleName, workgroupName } from '../shared/naming';

/** Properties of {@link AnalyticsStack}. */
export interface AnalyticsStackProps extends StackProps {
  /** Environment name, used in workgroup names. */
  readonly environmentName: string;
  /** The analytics slice of the environment's config. */
  readonly analytics: AnalyticsConfig;
  /** Athena query results bucket. */
  readonly resultsBucket: s3.IBucket;
  /** The lake key: encrypts query results, lake objects and the table DDL function's logs. */
  readonly encryptionKey: kms.IKey;
  /** Curated zone bucket (the table DDL function writes Iceberg metadata under its table locations). */
  readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket (likewise). */
  readonly martsBucket: s3.IBucket;
  /** The contract registry bucket: the registry publisher function is its only writer. */
  readonly registryBucket: s3.IBucket;
  /**
   * The Glue Data Catalog key, when this environment encrypts the catalog.
   * @default - no catalog key permissions for the table DDL function
   */
  readonly catalogEncryptionKey?: kms.IKey;
  /** Retention of the table DDL and registry publisher functions' log groups. */
  readonly logRetention: logs.RetentionDays;
  /** Whether workgroups (and the DDL function's log group) may be deleted with their history (dev only). */
  readonly allowDestroy: boolean;
}

/**
 * The query layer of an environment: Athena workgroups with enforced configuration, the table DDL function
 * that creates and evolves the environment's Iceberg tables in the platform workgroup, and the registry publisher
 * function that publishes data products' contracts and catalog entries to the contract registry (the publishing
 * gate; the two custom resource providers every data product uses, the platform's and the teams'). `platform` runs the
 * platform's own statements (curated step, mart refresh, table DDL); `analysts` is for people; extra consumer
 * workgroups come from config.
 *
 * Each consumer of `analytics.consumers` gets its role here — `lakeforge-<env>-<consumer>`, assumable by the
 * config's `assumedBy` principals or else the environment's account, or the existing role of `roleArn` — and a
 * managed policy to query in its workgroup. The products stacks attach the consumers' read policies to these roles.
 */
export class AnalyticsStack extends Stack {
  /** The platform's own workgroup (curated step, mart refresh). */
  public readonly platformWorkgroup: QueryWorkgroup;
  /** The analysts' workgroup. */
  public readonly analystsWorkgroup: QueryWorkgroup;
  /** Every workgroup by short name (`platform`, `analysts`, extras). */
  public readonly workgroups: Readonly<Record<string, QueryWorkgroup>>;
  /** The consumers of the data products by short name (config `analytics.consumers`): role and workgroup. */
  public readonly consumers: Readonly<Record<string, QueryConsumer>>;
  /** The provider of `Custom::LakeforgeIcebergTables` resources (curated, mart and control tables). */
  public readonly tableDdl: TableDdlFunction;
  /** The provider of `Custom::LakeforgeSchemaPublication` resources: the contract registry's only writer. */
  public readonly registryPublisher: RegistryPublisherFunction;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const make = (shortName: string, description: string, bytesScannedCutoffPerQuery = props.analytics.bytesScannedCutoffPerQuery) =>
      new QueryWorkgroup(this, `${pascal(shortName)}Workgroup`, {
        workgroupName: workgroupName(props.environmentName, shortName),
        description,
        resultsBucket: props.resultsBucket,
        encryptionKey: props.encryptionKey,
        bytesScannedCutoffPerQuery,
        allowDestroy: props.allowDestroy,
      });
    const workgroups: Record<string, QueryWorkgroup> = {};
    this.platformWorkgroup = workgroups.platform = make(
      'platform',
      'Lakeforge platform statements: curated step and mart refresh',
      props.analytics.platformBytesScannedCutoffPerQuery,
    );
    this.analystsWorkgroup = workgroups.analysts = make('analysts', 'Ad-hoc analysis of curated tables and marts');
    for (const extra of props.analytics.extraWorkgroups) {
      if (workgroups[extra]) throw new Error(`analytics.extraWorkgroups: "${extra}" is a built-in workgroup`);
      workgroups[extra] = make(extra, `Consumer workgroup "${extra}"`);
    }
    this.workgroups = workgroups;
    this.consumers = Object.fromEntries(
      Object.entries(props.analytics.consumers).map(([name, c]) => {
        const workgroup = workgroups[c.workgroup];
        if (workgroup === undefined || workgroup === this.platformWorkgroup) {
          throw new Error(`analytics.consumers.${name}.workgroup: "${c.workgroup}" is not a consumer workgroup (${Object.keys(workgroups).filter((w) => w !== 'platform').join(', ')})`);
        }
        const roleId = `${pascal(name)}ConsumerRole`;
        const role =
          c.roleArn !== undefined
            ? iam.Role.fromRoleArn(this, roleId, c.roleArn)
            : new iam.Role(this, roleId, {
                roleName: consumerRoleName(props.environmentName, name),
                description: `Lakeforge ${props.environmentName} consumer "${name}": reads the data products that name it, in the ${workgroup.workgroupName} workgroup`,
                assumedBy:
                  c.assumedBy === undefined ? new iam.AccountRootPrincipal() : new iam.CompositePrincipal(...c.assumedBy.map((arn) => new iam.ArnPrincipal(arn))),
              });
        return [name, new QueryConsumer(this, `${pascal(name)}Consumer`, { consumerName: name, role, workgroup })];
      }),
    );

    this.tableDdl = new TableDdlFunction(this, 'TableDdl', {
      environmentName: props.environmentName,
      workgroup: this.platformWorkgroup,
      resultsBucket: props.resultsBucket,
      curatedBucket: props.curatedBucket,
      martsBucket: props.martsBucket,
      encryptionKey: props.encryptionKey,
      catalogEncryptionKey: props.catalogEncryptionKey,
      logRetention: props.logRetention,
      allowDestroy: props.allowDestroy,
    });

    this.registryPublisher = new RegistryPublisherFunction(this, 'RegistryPublisher', {
      environmentName: props.environmentName,
      registryBucket: props.registryBucket,
      encryptionKey: props.encryptionKey,
      logRetention: props.logRetention,
      allowDestroy: props.allowDestroy,
    });
  }
}

function pascal(s: string): string {
  return s
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

import { Duration, Stack, type StackProps, Token } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ConfigError } from '../../config';
import { AnalystQueries, renderAnalystQueries } from '../constructs/analytics/analyst-queries';
import { MartRefresh, type MartTableLocation } from '../constructs/analytics/mart-refresh';
import { MartTable, martPrefix } from '../constructs/analytics/mart-table';
import type { QueryWorkgroup } from '../constructs/analytics/query-workgroup';
import { BATCH_TABLES } from '../marts/catalog';
import { checkMarts, formatMartCheckError, type MartCheckError } from '../marts/check';
import type { ContractTable } from '../marts/contract-adapter';
import type { Mart } from '../marts/declaration';
import { renderRefreshPlan, type RefreshPlan } from '../marts/render';
import { databaseName } from '../shared/naming';

/**
 * Thrown while the marts stack is built when `checkMarts` finds problems: one line naming every failing
 * mart with its file position and problem. A {@link ConfigError}, so `lakeforge synth` prints it as one
 * clean line and exits 1.
 */
export class MartsCheckError extends ConfigError {
  /** The problems, as returned by `checkMarts`. */
  public readonly errors: readonly MartCheckError[];

  constructor(errors: readonly MartCheckError[]) {
    const lines = errors.map((e) => formatMartCheckError(e).replace(/\s*\n\s*/g, ' '));
    super(lines);
    this.name = 'MartsCheckError';
    this.message = `Invalid marts (config/marts, ${errors.length} problem${errors.length === 1 ? '' : 's'}): ${lines.join('; ')}`;
    this.errors = errors;
  }
}

/** Properties of {@link MartsStack}. */
export interface MartsStackProps extends StackProps {
  /** Environment name (`dev`, `acc`, `prod`): physical database names in the rendered SQL. */
  readonly environmentName: string;
  /** The mart declarations (`MARTS` from `config/marts`). */
  readonly marts: readonly Mart[];
  /** The contract tables (`readContractTables('config/contracts')`): curated steps and raw locations. */
  readonly contracts: readonly ContractTable[];
  /** Raw zone bucket (source prefixes). */
  readonly rawBucket: s3.IBucket;
  /** Curated zone bucket (curated Iceberg tables under the contract's `events/<vendor>/<name>/v<MODEL>/`, as `DataProduct` creates them). */
  readonly curatedBucket: s3.IBucket;
  /** Marts zone bucket (mart Iceberg tables under `<mart>/`). */
  readonly martsBucket: s3.IBucket;
  /** Athena query results bucket. */
  readonly resultsBucket: s3.IBucket;
  /** The lake key. */
  readonly encryptionKey: kms.IKey;
  /**
   * The Glue Data Catalog key, when this environment encrypts the catalog (`CatalogStack.encryption?.key`).
   * @default - no catalog key permissions
   */
  readonly catalogEncryptionKey?: kms.IKey;
  /** The marts database (`lakeforge_<env>_marts`) the mart tables are created in. */
  readonly martsDatabase: glue.IDatabase;
  /** The platform workgroup: the refresh runs there. */
  readonly platformWorkgroup: QueryWorkgroup;
  /** The analysts' workgroup: the saved queries go there. */
  readonly analystsWorkgroup: QueryWorkgroup;
  /** Log retention of the refresh function. */
  readonly logRetention: logs.RetentionDays;
  /** Whether mart table definitions, the log group and the dead-letter queue may be deleted (dev only). */
  readonly allowDestroy: boolean;
  /**
   * Base of the SQL file paths in check errors.
   * @default process.cwd()
   */
  readonly checkBaseDir?: string;
}

/**
 * The marts of an environment: the Iceberg table of every declared mart, the scheduled refresh (function,
 * one schedule per curated step and mart, dead-letter queue) and saved queries for analysts.
 *
 * Building the stack checks every mart first (`checkMarts`: SQL parses, tables and columns exist, output
 * columns and dependencies match the declaration) and fails synth with a {@link MartsCheckError} otherwise.
 */
export class MartsStack extends Stack {
  /** The rendered refresh plan of this stage (bundled with the function). */
  public readonly plan: RefreshPlan;
  /** The mart tables, by mart name. */
  public readonly tables: Readonly<Record<string, MartTable>>;
  /** The scheduled refresh. */
  public readonly refresh: MartRefresh;
  /** The saved analyst queries. */
  public readonly queries: AnalystQueries;

  /**
   * @throws MartsCheckError when `checkMarts` reports problems.
   * @throws Error when the marts database is not `lakeforge_<env>_marts`.
   */
  constructor(scope: Construct, id: string, props: MartsStackProps) {
    super(scope, id, props);
    const errors = checkMarts(props.marts, props.contracts, props.checkBaseDir);
    if (errors.length > 0) throw new MartsCheckError(errors);
    const env = props.environmentName;
    const martsDb = props.martsDatabase.databaseName;
    if (!Token.isUnresolved(martsDb) && martsDb !== databaseName(env, 'marts')) {
      throw new Error(`MartsStack: martsDatabase is "${martsDb}", expected "${databaseName(env, 'marts')}"`);
    }

    this.plan = renderRefreshPlan(env, props.marts, props.contracts);

    const tables: Record<string, MartTable> = {};
    for (const mart of props.marts) {
      tables[mart.name] = new MartTable(this, `${pascal(mart.name)}Table`, {
        mart,
        database: props.martsDatabase,
        bucket: props.martsBucket,
        allowDestroy: props.allowDestroy,
      });
    }
    this.tables = tables;

    this.refresh = new MartRefresh(this, 'MartRefresh', {
      plan: this.plan,
      tableLocations: renderTableLocations(env, props),
      workgroup: props.platformWorkgroup,
      resultsBucket: props.resultsBucket,
      encryptionKey: props.encryptionKey,
      catalogEncryptionKey: props.catalogEncryptionKey,
      logRetention: props.logRetention,
      maxEventAge: Duration.hours(2),
      allowDestroy: props.allowDestroy,
    });
    // The function's first run must find the tables it MERGEs into.
    for (const t of Object.values(tables)) this.refresh.function.node.addDependency(t);

    this.queries = new AnalystQueries(this, 'AnalystQueries', {
      queries: renderAnalystQueries(env, props.marts, props.contracts),
      workgroup: props.analystsWorkgroup,
    });

    // Workgroups are referenced by name (as people type them), which creates no cross-stack reference.
    for (const wg of [props.platformWorkgroup, props.analystsWorkgroup]) {
      const owner = Stack.of(wg);
      if (owner !== this) this.addStackDependency(owner, 'saved queries and refresh statements need the Athena workgroups');
    }
  }
}

/**
 * Where the data of every table the marts read or write lives: raw contract tables under their
 * `events/<vendor>/<name>/v<MODEL>/` prefix, vendor batch tables under `batch/…`, curated tables under the
 * same `events/…/v<MODEL>/` prefix in the curated bucket (as `DataProduct` creates them), marts under
 * `<mart>/` in the marts bucket.
 */
export function renderTableLocations(
  env: string,
  p: Pick<MartsStackProps, 'marts' | 'contracts' | 'rawBucket' | 'curatedBucket' | 'martsBucket'>,
): MartTableLocation[] {
  const raw = databaseName(env, 'raw');
  return [
    ...p.contracts.map((c) => ({ database: raw, table: c.tableName, bucket: p.rawBucket, prefix: c.rawPrefix })),
    ...BATCH_TABLES.map((b) => ({ database: raw, table: b.name.slice('raw.'.length), bucket: p.rawBucket, prefix: b.prefix })),
    ...p.contracts.map((c) => ({ database: databaseName(env, 'curated'), table: c.tableName, bucket: p.curatedBucket, prefix: c.rawPrefix })),
    ...p.marts.map((m) => ({ database: databaseName(env, 'marts'), table: m.name, bucket: p.martsBucket, prefix: martPrefix(m) })),
  ];
}

function pascal(snake: string): string {
  return snake
    .split('_')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

/** Physical name of an environment's pipeline state machine: `lakeforge-<env>-pipeline` (people open it by name). */
export function pipelineStateMachineName(env: string): string {
  return `lakeforge-${env}-pipeline`;
}

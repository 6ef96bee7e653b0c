import * as athena from 'aws-cdk-lib/aws-athena';
import { Construct } from 'constructs';
import type { ContractTable } from '../../marts/contract-adapter';
import type { Mart } from '../../marts/declaration';
import { renderPhysical } from '../../marts/render';
import { databaseName } from '../../shared/naming';
import type { QueryWorkgroup } from './query-workgroup';

/** Athena's limit on a named query's name, in characters (Athena API, `CreateNamedQuery`). */
export const NAMED_QUERY_NAME_MAX = 128;
/** Athena's limit on a named query's description, in characters. */
export const NAMED_QUERY_DESCRIPTION_MAX = 1024;
/** Days of curated partitions the freshness queries look at. */
export const FRESHNESS_WINDOW_DAYS = 14;

/** One saved query for analysts. */
export interface AnalystQuery {
  /** Construct id suffix, PascalCase and unique, e.g. `DailyEngagementPreview`. */
  readonly id: string;
  /** Name shown in the Athena console (≤ 128 characters). */
  readonly name: string;
  /** What the query shows (≤ 1024 characters). */
  readonly description: string;
  /** Glue database the query runs in. */
  readonly database: string;
  /** The SQL (Trino, physical table names). */
  readonly sql: string;
}

/** Properties of {@link AnalystQueries}. */
export interface AnalystQueriesProps {
  /** The queries (see {@link renderAnalystQueries}). */
  readonly queries: readonly AnalystQuery[];
  /** The workgroup they are saved in (the analysts' workgroup). */
  readonly workgroup: QueryWorkgroup;
}

/**
 * Saved Athena queries (`AWS::Athena::NamedQuery`) in a workgroup, so analysts find the marts and the
 * curated tables' freshness in the console's "Saved queries" tab.
 *
 * @example
 * new AnalystQueries(this, 'AnalystQueries', { queries: renderAnalystQueries('dev', MARTS, contracts), workgroup: analysts });
 */
export class AnalystQueries extends Construct {
  /** The named query resources, by query id. */
  public readonly namedQueries: Readonly<Record<string, athena.CfnNamedQuery>>;

  /** @throws Error when a name or description exceeds Athena's limits, or two queries share an id. */
  constructor(scope: Construct, id: string, props: AnalystQueriesProps) {
    super(scope, id);
    const out: Record<string, athena.CfnNamedQuery> = {};
    for (const q of props.queries) {
      if (out[q.id] !== undefined) throw new Error(`AnalystQueries: duplicate query id "${q.id}"`);
      if (q.name.length > NAMED_QUERY_NAME_MAX) throw new Error(`AnalystQueries: name of "${q.id}" exceeds ${NAMED_QUERY_NAME_MAX} characters`);
      if (q.description.length > NAMED_QUERY_DESCRIPTION_MAX) {
        throw new Error(`AnalystQueries: description of "${q.id}" exceeds ${NAMED_QUERY_DESCRIPTION_MAX} characters`);
      }
      out[q.id] = new athena.CfnNamedQuery(this, `${q.id}Query`, {
        name: q.name,
        description: q.description,
        database: q.database,
        queryString: q.sql,
        workGroup: props.workgroup.workgroupName,
      });
    }
    this.namedQueries = out;
  }
}

/**
 * The platform's reference queries for a stage: a 100-row preview of every mart, and per contract MODEL
 * the freshness of its curated table (events and latest arrival per event date over the last
 * {@link FRESHNESS_WINDOW_DAYS} days, partition-pruned on `dt`). SQL is written with logical names and
 * rendered with {@link renderPhysical}, like the refresh statements.
 *
 * @param env - environment name.
 * @param marts - validated declarations.
 * @param contracts - contract tables.
 */
export function renderAnalystQueries(env: string, marts: readonly Mart[], contracts: readonly ContractTable[]): AnalystQuery[] {
  const previews = marts.map((m) => ({
    id: `${pascal(m.name)}Preview`,
    name: `${m.table}: preview (100 rows)`,
    description: truncate(`${m.description} Owner: ${m.owner}. Refreshed on ${m.schedule} (UTC).`, NAMED_QUERY_DESCRIPTION_MAX),
    database: databaseName(env, 'marts'),
    sql: renderPhysical(`SELECT * FROM ${m.table} LIMIT 100`, env),
  }));
  const freshness = contracts.map((c) => ({
    id: `${pascal(c.tableName)}Freshness`,
    name: `curated.${c.tableName}: freshness (last ${FRESHNESS_WINDOW_DAYS} days)`,
    description: `Events and latest arrival per UTC event date in curated.${c.tableName} (${c.schemaUri}), newest first.`,
    database: databaseName(env, 'curated'),
    sql: renderPhysical(
      [
        'SELECT c.dt, count(*) AS events, max(c.arrival_time) AS latest_arrival',
        `FROM curated.${c.tableName} AS c`,
        `WHERE c.dt >= CAST(current_date - INTERVAL '${FRESHNESS_WINDOW_DAYS}' DAY AS varchar)`,
        'GROUP BY c.dt',
        'ORDER BY c.dt DESC',
      ].join('\n'),
      env,
    ),
  }));
  return [...previews, ...freshness];
}

function pascal(snake: string): string {
  return snake
    .split(/[^a-zA-Z0-9]+/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

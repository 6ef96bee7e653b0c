/**
 * The curated step of one contract MODEL: raw JSON (arrival-time partitions) → curated table
 * partitioned by UTC event date `dt`, typed columns, deduplicated by `event_id` (earliest arrival
 * wins), incremental over new arrivals, idempotent.
 *
 * Mechanism (Athena engine 3; the curated table is an Iceberg table, Parquet, partitioned by `dt`).
 * One run of the step is four kinds of statement, rendered here with run-time placeholders
 * (`lib/pipeline/template.ts`) and run in this order by the state machine and by the local runtime:
 * 1. window ({@link renderCuratedWindowQuery}): the first arrival partition to read, a literal for the
 *    next statements = start of the last successful run (from {@link WATERMARK_TABLE}) minus the
 *    lookback (the longest time a record can take from Kinesis arrival to the raw zone, plus a margin),
 *    never before the go-live date (both deploy-time placeholders); an execution input `backfillFrom` overrides it;
 * 2. chunks ({@link renderCuratedChunksQuery}): the event dates the window holds, grouped into
 *    calendar-aligned buckets of {@link MAX_PARTITIONS_PER_WRITE} days, so no chunk can ever hold more
 *    partitions, whatever arrives meanwhile;
 * 3. one MERGE per chunk ({@link renderCuratedMerge}): source = raw rows of the window, typed, `dt` = UTC
 *    date of `event_time`, deduplicated with `row_number()` over `event_id` ordered by arrival; the target
 *    bounded to the chunk's `dt` range; `WHEN NOT MATCHED THEN INSERT`; `WHEN MATCHED AND s.arrival_time <
 *    t.arrival_time THEN UPDATE` keeps the earliest arrival;
 * 4. watermark ({@link renderWatermarkInsert}): only after every chunk succeeded, the run's start time.
 * Re-running reads the same window and matches every event: nothing changes (idempotent).
 *
 * Guarantee: a record that reaches the raw zone at most `lookbackHours` after its arrival time is
 * curated exactly once by the first successful run that starts after it landed (proof in the README,
 * "Curated guarantee"; property test in test/pipeline).
 */
import { type CatalogColumn, type CatalogTable, splitTopLevel } from './catalog-model';
import type { ContractTable } from './contract-adapter';
import { PLACEHOLDERS } from '../pipeline/template';
import { quoteSqlIdentifier as q } from '../../lambdas/shared/sql-identifiers';

/**
 * Largest number of partitions one Athena statement may write: Athena fails a CTAS, INSERT INTO or
 * MERGE that opens more with `HIVE_TOO_MANY_OPEN_PARTITIONS` (Athena User Guide, "Considerations and
 * limitations for SQL queries" and "Use CTAS and INSERT INTO to work around the 100 partition limit",
 * https://docs.aws.amazon.com/athena/latest/ug/ctas-insert-into.html). Every pipeline write is split
 * into chunks that cannot exceed it, and the local runtime fails a statement that does.
 */
export const MAX_PARTITIONS_PER_WRITE = 100;

/** The pipeline's control table in the curated database: one row per successful curated run. */
export const WATERMARK_TABLE = 'curated.lakeforge_watermarks';

/** Columns of {@link WATERMARK_TABLE}. */
export function watermarkTable(): CatalogTable {
  return {
    name: WATERMARK_TABLE,
    columns: [
      { name: 'step', type: 'string', description: 'Curated step id, curated.<table>.' },
      { name: 'run_started_at', type: 'timestamp', description: 'Start time of the pipeline run that completed the step (UTC).' },
      { name: 'execution_id', type: 'string', description: 'Step Functions execution ARN of that run.' },
      { name: 'recorded_at', type: 'timestamp', description: 'When the row was written (UTC).' },
    ],
  };
}

/** Envelope and lineage columns of a raw table, around the contract's `data` struct. */
export function rawTable(contract: ContractTable): CatalogTable {
  // Hive DDL has no empty struct<>: a contract without properties gives a string `data` (as contractStructType).
  const data = contract.rawColumns.length === 0 ? 'string' : `struct<${contract.rawColumns.map((c) => `${c.name}:${c.type}`).join(',')}>`;
  return {
    name: `raw.${contract.tableName}`,
    columns: [
      { name: 'schema', type: 'string', description: 'Iglu URI of the contract version the event was validated against.' },
      { name: 'event_id', type: 'string', description: 'Producer-assigned event id (UUID).' },
      { name: 'event_time', type: 'string', description: 'Event time as sent (RFC 3339).' },
      { name: 'data', type: data, description: 'The event payload, as in the contract.' },
      { name: 'arrival_time', type: 'string', description: 'When ingestion received the record (ISO-8601 UTC, ms).' },
      { name: 'shard_id', type: 'string', description: 'Kinesis shard id.' },
      { name: 'sequence_number', type: 'string', description: 'Kinesis sequence number.' },
    ],
    partitionKeys: [
      { name: 'dt', type: 'string', description: 'UTC arrival date YYYY-MM-DD.' },
      { name: 'hour', type: 'string', description: 'UTC arrival hour HH.' },
    ],
  };
}

/** The curated table of a contract MODEL (conventions: typed contract columns between lineage columns). */
export function curatedTable(contract: ContractTable): CatalogTable {
  return {
    name: `curated.${contract.tableName}`,
    columns: [
      { name: 'event_id', type: 'string', description: 'Producer-assigned event id; unique in this table.' },
      { name: 'event_time', type: 'timestamp', description: 'Event time, UTC.' },
      { name: 'schema_uri', type: 'string', description: 'Iglu URI of the contract version.' },
      ...contract.columns,
      { name: 'arrival_time', type: 'timestamp', description: 'Earliest arrival of this event, UTC.' },
    ],
    partitionKeys: [{ name: 'dt', type: 'string', description: 'UTC event date YYYY-MM-DD.' }],
  };
}

/** Column names of the curated table in insert order (partition key `dt` last). */
export function curatedColumnNames(contract: ContractTable): string[] {
  const table = curatedTable(contract);
  return [...table.columns, ...(table.partitionKeys ?? [])].map((c: CatalogColumn) => c.name);
}

const utcTimestamp = (expr: string): string => `CAST(from_iso8601_timestamp(${expr}) AT TIME ZONE 'UTC' AS timestamp)`;


/**
 * A Glue (Hive DDL) type as a Trino type for `CAST`: `string` → `varchar`, `int` → `integer`,
 * `array<x>` → `array(x)`, `map<k,v>` → `map(k, v)`, `struct<a:x>` → `row(a x)` (a field name that needs it
 * double-quoted: `struct<from:x>` → `row("from" x)`); other names (`bigint`, `double`, `boolean`, `date`,
 * `timestamp`) are the same in both.
 */
export function glueToTrinoType(glue: string): string {
  const t = glue.trim();
  const lower = t.toLowerCase();
  if (lower === 'string') return 'varchar';
  if (lower === 'int') return 'integer';
  const generic = /^(array|map|struct)<(.*)>$/is.exec(t);
  if (generic === null) return lower;
  const parts = splitTopLevel(generic[2]);
  switch (generic[1].toLowerCase()) {
    case 'array':
      return `array(${glueToTrinoType(generic[2])})`;
    case 'map':
      return `map(${parts.map(glueToTrinoType).join(', ')})`;
    default:
      return `row(${parts.map((p) => `${q(p.slice(0, p.indexOf(':')).trim())} ${glueToTrinoType(p.slice(p.indexOf(':') + 1))}`).join(', ')})`;
  }
}

/**
 * The SELECT expression of one curated contract column from the raw `data` struct (alias `r`):
 * `r.data.<raw_name>` (double-quoted when it needs it: `r.data."from"`) as is when both zones have the same type; an RFC 3339 string → UTC
 * `timestamp` (`format: date-time`); a `YYYY-MM-DD` string → `date`; any other type difference
 * (containers holding dates or timestamps, structs whose field names differ by zone) → `CAST` to
 * the curated type (Trino casts rows by field position).
 */
export function curatedColumnExpression(raw: CatalogColumn, curated: CatalogColumn): string {
  const expr = `r.data.${q(raw.name)}`;
  if (raw.type === curated.type) return expr;
  if (raw.type === 'string' && curated.type === 'timestamp') return utcTimestamp(expr);
  if (raw.type === 'string' && curated.type === 'date') return `CAST(${expr} AS date)`;
  return `CAST(${expr} AS ${glueToTrinoType(curated.type)})`;
}

/**
 * Pairs each curated contract column with its raw `data` field, by `sourcePointer`.
 *
 * @throws Error when a curated column has no raw field (the adapter always builds both from one contract).
 */
function columnPairs(contract: ContractTable): { raw: CatalogColumn; curated: CatalogColumn }[] {
  const rawByPointer = new Map(contract.rawColumns.map((c) => [c.sourcePointer, c]));
  return contract.columns.map((curated) => {
    const raw = rawByPointer.get(curated.sourcePointer);
    if (raw === undefined) throw new Error(`${contract.schemaUri}: curated column "${curated.name}" (${curated.sourcePointer}) has no raw data field`);
    return { raw, curated };
  });
}

/** Arrival partitions from the window's first partition on (literals, so partition projection prunes). */
function windowPredicate(alias: string): string {
  return `(${alias}.dt > '{{since_dt}}' OR (${alias}.dt = '{{since_dt}}' AND ${alias}.hour >= '{{since_hour}}'))`;
}

const eventDate = (alias: string): string => `CAST(CAST(${utcTimestamp(`${alias}.event_time`)} AS date) AS varchar)`;

/**
 * The window query of a curated step: one row `(since_dt, since_hour)`, the first arrival partition the run reads:
 * the start of the step's last successful run minus `'{{lookback_hours}}'` hours, never before
 * `'{{go_live_date}}'`. `'{{backfill_from}}'` is the empty string unless the execution asks for a backfill.
 *
 * The go-live date and the lookback are run-time placeholders (`lib/pipeline/template.ts`), not literals: the
 * statement is the same for every deployment, and the executor fills them from its deploy-time values (a product
 * team's state machine knows the platform's only at deploy time). Both sit in string literals that Trino and DuckDB
 * both parse and cast the same way: `CAST('2026-11-01' AS timestamp)` is midnight UTC of that date, and
 * `INTERVAL '3' HOUR` three hours.
 */
export function renderCuratedWindowQuery(contract: ContractTable): string {
  const goLive = `CAST('${PLACEHOLDERS.goLiveDate}' AS timestamp)`;
  return [
    "SELECT CAST(CAST(w.since AS date) AS varchar) AS since_dt, lpad(CAST(hour(w.since) AS varchar), 2, '0') AS since_hour",
    'FROM (',
    '  SELECT greatest(',
    `    coalesce(CAST(nullif('${PLACEHOLDERS.backfillFrom}', '') AS timestamp), max(m.run_started_at) - INTERVAL '${PLACEHOLDERS.lookbackHours}' HOUR, ${goLive}),`,
    `    ${goLive}`,
    '  ) AS since',
    `  FROM ${WATERMARK_TABLE} AS m`,
    `  WHERE m.step = 'curated.${contract.tableName}'`,
    ') AS w',
  ].join('\n');
}

/**
 * The chunks query of a curated step: one row per calendar-aligned bucket of
 * {@link MAX_PARTITIONS_PER_WRITE} event dates that the window holds, `(chunk, lo, hi, partitions,
 * row_count)`, ordered by chunk. Buckets are aligned on day numbers (floor of days since 1970-01-01 / 100),
 * so `lo..hi` spans at most 100 calendar days: a MERGE bounded to it writes at most 100 partitions even
 * when new events arrive between this query and the MERGE.
 */
export function renderCuratedChunksQuery(contract: ContractTable): string {
  return [
    'SELECT CAST(p.chunk AS varchar) AS chunk, min(p.dt) AS lo, max(p.dt) AS hi, count(*) AS partitions, sum(p.n) AS row_count',
    'FROM (',
    `  SELECT e.dt, count(*) AS n, CAST(floor(date_diff('day', DATE '1970-01-01', CAST(e.dt AS date)) / ${MAX_PARTITIONS_PER_WRITE}e0) AS bigint) AS chunk`,
    '  FROM (',
    `    SELECT ${eventDate('r')} AS dt`,
    `    FROM raw.${q(contract.tableName)} AS r`,
    `    WHERE ${windowPredicate('r')}`,
    '  ) AS e',
    '  GROUP BY e.dt',
    ') AS p',
    'GROUP BY p.chunk',
    'ORDER BY p.chunk',
  ].join('\n');
}

/**
 * The deduplicated arrivals of the window whose event date lies in one chunk (`'{{lo}}'..'{{hi}}'`),
 * typed like the curated table (Trino SQL with zone-qualified logical names). Columns:
 * {@link curatedColumnNames}. Each contract column is read from the raw `data` struct by its raw name and
 * renamed to its curated name (`r.data.ostype AS os_type`), converted by {@link curatedColumnExpression}. Every
 * column name that needs it is double-quoted (`r.data."from" AS "from"`, `quoteSqlIdentifier`).
 *
 * @throws Error when the contract table's raw and curated columns do not pair up by `sourcePointer`.
 */
export function renderCuratedSource(contract: ContractTable): string {
  const pairs = columnPairs(contract);
  const cols = curatedColumnNames(contract);
  return [
    `SELECT ${cols.map((c) => `d.${q(c)}`).join(', ')}`,
    'FROM (',
    '  SELECT',
    '    r.event_id,',
    `    ${utcTimestamp('r.event_time')} AS event_time,`,
    '    r.schema AS schema_uri,',
    ...pairs.map(({ raw: rc, curated: cc }) => `    ${curatedColumnExpression(rc, cc)} AS ${q(cc.name)},`),
    `    ${utcTimestamp('r.arrival_time')} AS arrival_time,`,
    `    ${eventDate('r')} AS dt,`,
    '    row_number() OVER (PARTITION BY r.event_id ORDER BY r.arrival_time, r.shard_id, r.sequence_number) AS arrival_rank',
    `  FROM raw.${q(contract.tableName)} AS r`,
    `  WHERE ${windowPredicate('r')}`,
    ') AS d',
    "WHERE d.arrival_rank = 1 AND d.dt BETWEEN '{{lo}}' AND '{{hi}}'",
  ].join('\n');
}

/**
 * The Athena MERGE of one chunk: applies {@link renderCuratedSource} to the curated Iceberg table, the
 * target bounded to the chunk's `dt` range (Iceberg prunes the target scan and the write stays within
 * the chunk's partitions).
 */
export function renderCuratedMerge(contract: ContractTable): string {
  const cols = curatedColumnNames(contract);
  const source = renderCuratedSource(contract)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  return [
    `MERGE INTO curated.${q(contract.tableName)} AS t`,
    'USING (',
    source,
    ') AS s',
    "ON t.event_id = s.event_id AND t.dt BETWEEN '{{lo}}' AND '{{hi}}'",
    'WHEN MATCHED AND s.arrival_time < t.arrival_time THEN UPDATE SET',
    cols
      .filter((c) => c !== 'event_id')
      .map((c) => `  ${q(c)} = s.${q(c)}`)
      .join(',\n'),
    `WHEN NOT MATCHED THEN INSERT (${cols.map(q).join(', ')})`,
    `VALUES (${cols.map((c) => `s.${q(c)}`).join(', ')})`,
  ].join('\n');
}

/** Records a successful curated run: the run's start time becomes the next run's watermark. */
export function renderWatermarkInsert(contract: ContractTable): string {
  return [
    `INSERT INTO ${WATERMARK_TABLE} (step, run_started_at, execution_id, recorded_at)`,
    `VALUES ('curated.${contract.tableName}', ${utcTimestamp("'{{run_started_at}}'")}, '{{execution_id}}', CAST(current_timestamp AT TIME ZONE 'UTC' AS timestamp))`,
  ].join('\n');
}

/**
 * Event-date (`dt`) partitions the freshness read of a curated table looks at, counted back from the
 * run's UTC date: 8 = the longest freshness SLA a product may declare (7 days) plus the partial day at the
 * window's start. Finding nothing in the window means the newest event is older than any allowed SLA; no
 * metric is then published, which the freshness alarm treats as breaching.
 */
export const FRESHNESS_WINDOW_DAYS = 8;

/** Column aliases of the freshness query: seconds since the newest arrival and since the newest event time. */
export const FRESHNESS_COLUMNS = ['freshness_seconds', 'event_lag_seconds'] as const;

/**
 * The freshness read after a curated step: one row, {@link FRESHNESS_COLUMNS} in seconds (NULL when the
 * last {@link FRESHNESS_WINDOW_DAYS} event dates hold no event). The date bound folds to a constant, so
 * Iceberg prunes partitions.
 */
export function renderFreshnessQuery(contract: ContractTable): string {
  const now = "CAST(current_timestamp AT TIME ZONE 'UTC' AS timestamp)";
  const [freshness, lag] = FRESHNESS_COLUMNS;
  return [
    `SELECT date_diff('millisecond', max(c.arrival_time), ${now}) / 1000e0 AS ${freshness},`,
    `  date_diff('millisecond', max(c.event_time), ${now}) / 1000e0 AS ${lag}`,
    `FROM curated.${q(contract.tableName)} AS c`,
    `WHERE c.dt >= CAST(CAST(${now} - INTERVAL '${FRESHNESS_WINDOW_DAYS}' DAY AS date) AS varchar)`,
  ].join('\n');
}

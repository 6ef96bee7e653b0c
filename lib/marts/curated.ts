/**
 * The curated step of one contract MODEL: raw JSON (arrival-time partitions) → curated table
 * partitioned by UTC event date `dt`, typed columns, deduplicated by `event_id` (earliest arrival
 * wins), incremental over new arrivals, idempotent.
 *
 * Mechanism (Athena engine 3): the curated table is an Iceberg table (Parquet data files,
 * partitioned by `dt`); one `MERGE INTO` statement per run:
 * 1. watermark = latest `arrival_time` already curated, minus {@link WATERMARK_LOOKBACK_HOURS}
 *    (covers batches still being written when the previous run read the raw zone);
 * 2. source = raw rows in arrival partitions `dt >= date(watermark)` (partition pruning),
 *    typed, `dt` = UTC date of `event_time`, deduplicated with `row_number()` over `event_id`
 *    ordered by arrival (`arrival_time, shard_id, sequence_number`);
 * 3. `WHEN NOT MATCHED THEN INSERT` adds new events in their event-date partition (late and
 *    replayed events land where they belong); `WHEN MATCHED AND s.arrival_time < t.arrival_time
 *    THEN UPDATE` keeps the earliest arrival if an earlier copy becomes visible late.
 * Re-running reads the same window and matches every event: nothing changes (idempotent).
 *
 * Local translation (DuckDB over a Parquet folder, `tools/local/curated.ts`): the same
 * {@link renderCuratedSource} query runs in DuckDB; its rows that have no `event_id` in the
 * curated folder yet are appended as new Parquet files partitioned by `dt` (an anti-join insert).
 * A local replay is sequential in arrival order, so the MATCHED/UPDATE branch cannot fire there.
 */
import { type CatalogColumn, type CatalogTable, splitTopLevel } from './catalog-model';
import type { ContractTable } from './contract-adapter';

/** Hours re-read before the curated watermark on every run. */
export const WATERMARK_LOOKBACK_HOURS = 1;

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
 * `array<x>` → `array(x)`, `map<k,v>` → `map(k, v)`, `struct<a:x>` → `row(a x)`; other names
 * (`bigint`, `double`, `boolean`, `date`, `timestamp`) are the same in both.
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
      return `row(${parts.map((p) => `${p.slice(0, p.indexOf(':')).trim()} ${glueToTrinoType(p.slice(p.indexOf(':') + 1))}`).join(', ')})`;
  }
}

/**
 * The SELECT expression of one curated contract column from the raw `data` struct (alias `r`):
 * `r.data.<raw_name>` as is when both zones have the same type; an RFC 3339 string → UTC
 * `timestamp` (`format: date-time`); a `YYYY-MM-DD` string → `date`; any other type difference
 * (containers holding dates or timestamps, structs whose field names differ by zone) → `CAST` to
 * the curated type (Trino casts rows by field position).
 */
export function curatedColumnExpression(raw: CatalogColumn, curated: CatalogColumn): string {
  const expr = `r.data.${raw.name}`;
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

/**
 * The deduplicated new arrivals of a contract MODEL, typed like the curated table (Trino SQL with
 * zone-qualified logical names). Columns: {@link curatedColumnNames}. Each contract column is read
 * from the raw `data` struct by its raw name and renamed to its curated name
 * (`r.data.ostype AS os_type`), converted by {@link curatedColumnExpression}.
 *
 * @throws Error when the contract table's raw and curated columns do not pair up by `sourcePointer`.
 */
export function renderCuratedSource(contract: ContractTable): string {
  const raw = `raw.${contract.tableName}`;
  const curated = `curated.${contract.tableName}`;
  const pairs = columnPairs(contract);
  const cols = curatedColumnNames(contract);
  return [
    `SELECT ${cols.join(', ')}`,
    'FROM (',
    '  SELECT',
    '    r.event_id,',
    `    ${utcTimestamp('r.event_time')} AS event_time,`,
    '    r.schema AS schema_uri,',
    ...pairs.map(({ raw: rc, curated: cc }) => `    ${curatedColumnExpression(rc, cc)} AS ${cc.name},`),
    `    ${utcTimestamp('r.arrival_time')} AS arrival_time,`,
    `    CAST(CAST(${utcTimestamp('r.event_time')} AS date) AS varchar) AS dt,`,
    '    row_number() OVER (PARTITION BY r.event_id ORDER BY r.arrival_time, r.shard_id, r.sequence_number) AS arrival_rank',
    `  FROM ${raw} AS r`,
    '  CROSS JOIN (',
    `    SELECT coalesce(max(c.arrival_time), TIMESTAMP '1970-01-01 00:00:00') - INTERVAL '${WATERMARK_LOOKBACK_HOURS}' HOUR AS since`,
    `    FROM ${curated} AS c`,
    '  ) AS w',
    '  WHERE r.dt >= CAST(CAST(w.since AS date) AS varchar)',
    ') AS d',
    'WHERE d.arrival_rank = 1',
  ].join('\n');
}

/** The Athena MERGE that applies {@link renderCuratedSource} to the curated Iceberg table. */
export function renderCuratedMerge(contract: ContractTable): string {
  const cols = curatedColumnNames(contract);
  const source = renderCuratedSource(contract)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
  return [
    `MERGE INTO curated.${contract.tableName} AS t`,
    'USING (',
    source,
    ') AS s',
    'ON t.event_id = s.event_id',
    'WHEN MATCHED AND s.arrival_time < t.arrival_time THEN UPDATE SET',
    cols
      .filter((c) => c !== 'event_id')
      .map((c) => `  ${c} = s.${c}`)
      .join(',\n'),
    `WHEN NOT MATCHED THEN INSERT (${cols.join(', ')})`,
    `VALUES (${cols.map((c) => `s.${c}`).join(', ')})`,
  ].join('\n');
}

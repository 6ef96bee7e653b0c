/**
 * Rendering per stage: zone-qualified logical names → physical Glue databases, and the statements
 * that refresh a mart.
 *
 * Refresh mechanism of a mart (Athena engine 3, the output is an Iceberg table): one `MERGE` that diffs
 * the mart's SELECT against the table (a FULL OUTER JOIN on the key) and writes only what changed —
 * inserts new keys, updates rows whose values differ (`IS DISTINCT FROM`), deletes rows whose key
 * vanished. Atomic, safe to re-run, and a no-op when nothing changed. A partitioned mart is refreshed
 * in chunks of at most {@link MAX_PARTITIONS_PER_WRITE} partition values ({@link renderMartChunksQuery}),
 * one MERGE per chunk. Output column names that need it are double-quoted (`quoteSqlIdentifier`).
 */
import type { TableRefContext } from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser';
import { databaseName, type CatalogZone } from '../shared/naming';
import { MAX_PARTITIONS_PER_WRITE } from './curated';
import type { Mart } from './declaration';
import { loadTrino, trinoSql } from './trino-parser';
import { quoteSqlIdentifier as q } from '../../lambdas/shared/sql-identifiers';

/** A physical table reference: Glue database and table name. */
export interface PhysicalTable {
  readonly database: string;
  readonly table: string;
}

/** A logical `zone.table` name as a physical table of a stage. */
export function physicalTable(env: string, logical: string): PhysicalTable {
  const [zone, table] = logical.split('.');
  return { database: databaseName(env, zone as CatalogZone), table };
}

/**
 * Replaces zone-qualified logical table names (`raw.x`, `curated.x`, `marts.x`) with physical
 * ones (`lakeforge_<env>_<zone>.x`). Works on the parse tree's table references, so strings,
 * comments and column names are left alone.
 *
 * @throws Error when the SQL does not parse.
 */
export function renderPhysical(sql: string, env: string): string {
  const T = loadTrino();
  const errors = trinoSql().validate(sql);
  if (errors.length > 0) {
    throw new Error(`Cannot render SQL that does not parse: ${errors[0].startLine}:${errors[0].startColumn} ${errors[0].message}`);
  }
  const refs: TableRefContext[] = [];
  const walk = (node: { getChildCount(): number; getChild(i: number): unknown }): void => {
    if (node instanceof T.TableRefContext) refs.push(node);
    for (let i = 0; i < node.getChildCount(); i++) {
      const child = node.getChild(i);
      if (child !== null && typeof child === 'object' && 'getChildCount' in child) walk(child as typeof node);
    }
  };
  walk(trinoSql().parse(sql));
  let out = sql;
  for (const ref of refs.sort((a, b) => (b.start?.start ?? 0) - (a.start?.start ?? 0))) {
    const ids = ref.identifier();
    const zone = ids.length === 2 ? ids[0].getText().toLowerCase() : '';
    if (zone === 'raw' || zone === 'curated' || zone === 'marts') {
      const start = ids[0].start!.start;
      const stop = ids[0].stop!.stop;
      out = out.slice(0, start) + databaseName(env, zone as CatalogZone) + out.slice(stop + 1);
    }
  }
  return out;
}

/** Marker column of the diff source: true for rows the mart's SELECT produced. */
const PRESENT = 'lakeforge_present';
/** Chunk column of a partitioned mart's diff source. */
const CHUNK = 'lakeforge_chunk';

const indent = (sql: string, by = '  '): string =>
  sql
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');

/** Null-safe equality of the given columns between two aliases. */
const sameKey = (cols: readonly string[], a: string, b: string): string => cols.map((c) => `${a}.${q(c)} IS NOT DISTINCT FROM ${b}.${q(c)}`).join(' AND ');

/** `floor((dense_rank over the partition columns - 1) / 100)`: the chunk of a partition value (both engines: no integer division). */
const chunkOf = (partitionedBy: readonly string[], alias: string): string =>
  `CAST(CAST(floor((dense_rank() OVER (ORDER BY ${partitionedBy.map((p) => `${alias}.${q(p)}`).join(', ')}) - 1) / ${MAX_PARTITIONS_PER_WRITE}e0) AS bigint) AS varchar)`;

/**
 * The diff source of a mart: every key of the new SELECT or of the current table, with the new values and
 * `lakeforge_vanished` = the key is only in the table. Partitioned marts add `lakeforge_chunk` and keep
 * only the rows of chunk `'{{chunk}}'`.
 */
function renderMartDiffSource(mart: Mart): string {
  const cols = mart.output.columns.map((c) => c.name);
  const keyish = new Set([...mart.output.key, ...mart.output.partitionedBy]);
  const fresh = [`SELECT ${cols.map((c) => `q.${q(c)}`).join(', ')}, true AS ${PRESENT}`, 'FROM (', indent(mart.sql), ') AS q'].join('\n');
  const diff = [
    `SELECT ${cols.map((c) => (keyish.has(c) ? `coalesce(n.${q(c)}, o.${q(c)}) AS ${q(c)}` : `n.${q(c)}`)).join(', ')}, n.${PRESENT} IS NULL AS lakeforge_vanished`,
    'FROM (',
    indent(fresh),
    `) AS n FULL OUTER JOIN ${mart.table} AS o ON ${sameKey(mart.output.key, 'n', 'o')}`,
  ].join('\n');
  if (mart.output.partitionedBy.length === 0) return diff;
  const all = [...cols, 'lakeforge_vanished'];
  return [
    `SELECT ${all.map((c) => `c.${q(c)}`).join(', ')}`,
    'FROM (',
    `  SELECT ${all.map((c) => `d.${q(c)}`).join(', ')}, ${chunkOf(mart.output.partitionedBy, 'd')} AS ${CHUNK}`,
    '  FROM (',
    indent(diff, '    '),
    '  ) AS d',
    ') AS c',
    `WHERE c.${CHUNK} = '{{chunk}}'`,
  ].join('\n');
}

/**
 * The logical (zone-qualified) MERGE that refreshes a mart (or one chunk of a partitioned mart): inserts
 * new keys, updates changed rows, deletes vanished keys; unchanged rows are not rewritten.
 */
export function renderMartMerge(mart: Mart): string {
  const cols = mart.output.columns.map((c) => c.name);
  const nonKey = cols.filter((c) => !mart.output.key.includes(c));
  return [
    `MERGE INTO ${mart.table} AS tgt`,
    'USING (',
    indent(renderMartDiffSource(mart)),
    ') AS src',
    `ON ${sameKey(mart.output.key, 'tgt', 'src')}`,
    'WHEN MATCHED AND src.lakeforge_vanished THEN DELETE',
    ...(nonKey.length === 0
      ? []
      : [`WHEN MATCHED AND NOT (${sameKey(nonKey, 'tgt', 'src')}) THEN UPDATE SET`, nonKey.map((c) => `  ${q(c)} = src.${q(c)}`).join(',\n')]),
    `WHEN NOT MATCHED AND NOT src.lakeforge_vanished THEN INSERT (${cols.map(q).join(', ')})`,
    `VALUES (${cols.map((c) => `src.${q(c)}`).join(', ')})`,
  ].join('\n');
}

/**
 * The chunks query of a partitioned mart: one row per chunk of at most {@link MAX_PARTITIONS_PER_WRITE}
 * partition values of the new SELECT and the current table, `(chunk, lo, hi, partitions)` (`lo` = `hi` =
 * the chunk number). The ranking is the one {@link renderMartMerge} computes, over the same values.
 *
 * @returns undefined for an unpartitioned mart (one MERGE, one partition).
 */
export function renderMartChunksQuery(mart: Mart): string | undefined {
  const parts = mart.output.partitionedBy;
  if (parts.length === 0) return undefined;
  return [
    'SELECT k.chunk AS chunk, k.chunk AS lo, k.chunk AS hi, count(*) AS partitions',
    'FROM (',
    `  SELECT ${chunkOf(parts, 'v')} AS chunk`,
    '  FROM (',
    `    SELECT ${parts.map((p) => `q.${q(p)}`).join(', ')} FROM (`,
    indent(mart.sql, '      '),
    '    ) AS q',
    '    UNION',
    `    SELECT ${parts.map((p) => `o.${q(p)}`).join(', ')} FROM ${mart.table} AS o`,
    '  ) AS v',
    ') AS k',
    'GROUP BY k.chunk',
    'ORDER BY min(k.chunk)',
  ].join('\n');
}

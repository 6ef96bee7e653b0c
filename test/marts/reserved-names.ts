/**
 * Test helpers for contracts whose property names are SQL reserved words: a contract table built in memory from
 * a contract (the adapter's columns, no files), a mart keyed and partitioned by reserved names, and dt-sql-parser's
 * Hive grammar (Athena DDL is Hive DDL), as lib/marts/hive-parser.ts loads it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Contract, JsonObject } from '../../lib/contracts/contract';
import { type ContractTable, contractTableOf as tableOfVersions } from '../../lib/marts/contract-adapter';
import { defineMart, type Mart } from '../../lib/marts/declaration';
import { contractOf } from '../contracts/contract-factory';

/**
 * The property names of the reserved-name contract: SQL reserved words (`from`, `to`, `group`, `end`),
 * a name reserved after snake_casing (`currentTime` → `current_time`), a leading underscore (`_private`) and
 * Hive-reserved names (`date`, `timestamp`, `user`).
 */
export const RESERVED_PROPERTIES = ['from', 'to', 'group', 'end', 'currentTime', '_private', 'date', 'timestamp', 'user'] as const;

/** One of {@link RESERVED_PROPERTIES}. */
export type ReservedProperty = (typeof RESERVED_PROPERTIES)[number];

/**
 * The JSON Schema of each of {@link RESERVED_PROPERTIES} (strings, integers, date-times, a boolean, a date), written
 * in the list's order (the columns' order): the flat properties of a reserved-name contract.
 */
export const RESERVED_PROPERTY_SCHEMAS: Readonly<Record<ReservedProperty, JsonObject>> = {
  from: { type: 'string', maxLength: 64 },
  to: { type: 'string', maxLength: 64 },
  group: { type: 'integer', minimum: 0, maximum: 1000 },
  end: { type: 'string', format: 'date-time' },
  currentTime: { type: 'string', format: 'date-time' },
  _private: { type: 'boolean' },
  date: { type: 'string', format: 'date' },
  timestamp: { type: 'integer', minimum: 0, maximum: 2000000000 },
  user: { type: 'string', maxLength: 32 },
};

/**
 * A hand-written contract whose top-level properties are {@link RESERVED_PROPERTIES} ({@link RESERVED_PROPERTY_SCHEMAS})
 * plus `order`, an object whose fields are reserved words too (`select`, `_x`) and whose camelCase field (`groupBy`)
 * makes the curated SQL cast it to a row type.
 */
export function reservedContract(name = 'reserved_words'): Contract {
  const properties: JsonObject = {
    ...RESERVED_PROPERTY_SCHEMAS,
    order: {
      type: 'object',
      properties: { select: { type: 'string', maxLength: 8 }, _x: { type: 'integer', minimum: 0, maximum: 9 }, groupBy: { type: 'string', maxLength: 8 } },
      additionalProperties: false,
    },
  };
  return contractOf({ description: 'Reserved words as property names.', type: 'object', properties, required: ['from', 'to'], additionalProperties: false }, '1-0-0', name);
}

/** The contract table of one contract (what `readContractTables` builds for a MODEL with one version), in memory. */
export function contractTableOf(contract: Contract): ContractTable {
  return tableOfVersions([contract]);
}

/**
 * The reserved-word mart over a reserved-name contract table (one with `from`, `user` and `date` columns):
 * output columns `from`, `user`, `date` and `n` (events), keyed by the first three and partitioned by `date`. Writes
 * its SQL, with the reserved names in double quotes, to `<dir>/reserved_mart.sql`.
 */
export function reservedMart(dir: string, table: ContractTable): Mart {
  fs.writeFileSync(
    path.join(dir, 'reserved_mart.sql'),
    `SELECT c."from", c."user", c."date", count(*) AS n\nFROM curated.${table.tableName} AS c\nGROUP BY c."from", c."user", c."date"\n`,
  );
  return defineMart(
    {
      name: 'reserved_mart',
      owner: 'team',
      product: 'ott-engagement',
      description: 'Events per from, user and date.',
      schedule: 'cron(0 * * * ? *)',
      sqlFile: 'reserved_mart.sql',
      output: {
        columns: [
          { name: 'from', type: 'string', description: 'from' },
          { name: 'user', type: 'string', description: 'user' },
          { name: 'date', type: 'date', description: 'date' },
          { name: 'n', type: 'bigint', description: 'events' },
        ],
        key: ['from', 'user', 'date'],
        partitionedBy: ['date'],
      },
      dependsOn: [`curated.${table.tableName}`],
    },
    dir,
  );
}

/** dt-sql-parser's `HiveSQL`, and a Hive DDL statement's parser messages (empty when it parses), as `hiveErrors`. */
export { hiveSql, hiveDdlErrors as hiveErrors } from '../../lib/marts/hive-parser';

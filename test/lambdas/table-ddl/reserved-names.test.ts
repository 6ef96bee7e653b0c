/**
 * The table DDL function's statements for columns and struct fields named like reserved words: Athena DDL
 * (Hive) needs backticks around them (Athena User Guide, "Escape reserved keywords in queries"), struct field
 * names inside a column type included; the Hive grammar parses what is rendered.
 */
import { normalizeType, planTable, type TableAction } from '../../../lambdas/table-ddl/core';
import type { TableDdlColumn, TableDdlTable } from '../../../lambdas/shared/table-ddl-properties';
import { hiveErrors } from '../../marts/reserved-names';

const col = (Name: string, Type: string, Comment = ''): TableDdlColumn => ({ Name, Type, Comment });

const declared: TableDdlTable = {
  Database: 'lakeforge_dev_curated',
  Table: 'transfer_made_v1',
  Location: 's3://curated-bucket/events/com.acme/transfer_made/v1/',
  Columns: [
    col('event_id', 'string', 'Event id.'),
    col('from', 'string', 'Sender.'),
    col('_private', 'boolean'),
    col('order', 'struct<select:string,_x:int,leading:array<struct<to:string,ok:decimal(10,2)>>,m:map<string,int>>'),
    col('user', 'string'),
    col('date', 'string', 'UTC event date.'),
  ],
  PartitionedBy: ['date'],
  Description: 'Transfers.',
  Parameters: {},
};

const sqlOf = (a: TableAction | undefined): string => (a !== undefined && a.kind !== 'update-metadata' ? a.sql : '');

describe('DDL for reserved column and struct field names', () => {
  it('backticks reserved and underscore-led names in CREATE TABLE, struct fields at any depth included, and the Hive grammar parses it', () => {
    const sql = sqlOf(planTable(declared, undefined)[0]);
    expect(sql).toContain('  `from` string COMMENT \'Sender.\',\n');
    expect(sql).toContain('  `_private` boolean,\n');
    expect(sql).toContain('  `order` struct<`select`:string,`_x`:int,`leading`:array<struct<`to`:string,ok:decimal(10,2)>>,m:map<string,int>>,\n');
    expect(sql).toContain('  `user` string,\n');
    expect(sql).toContain('  event_id string COMMENT');
    expect(sql).toContain('PARTITIONED BY (`date`)');
    expect(hiveErrors(sql)).toEqual([]);
  });

  it('backticks them in ALTER TABLE ADD COLUMNS, and the Hive grammar parses it', () => {
    const existing = { Parameters: { table_type: 'ICEBERG' }, StorageDescriptor: { Columns: [{ Name: 'event_id', Type: 'string' }, { Name: 'date', Type: 'string' }] } };
    const add = planTable(declared, existing).find((a) => a.kind === 'add-columns');
    expect(sqlOf(add)).toMatch(/^ALTER TABLE lakeforge_dev_curated\.transfer_made_v1 ADD COLUMNS \(`from` string COMMENT 'Sender\.', `_private` boolean, `order` struct<`select`:/);
    expect(hiveErrors(sqlOf(add))).toEqual([]);
  });

  it('backticks them in ALTER TABLE CHANGE COLUMN (a promoted struct field), and the Hive grammar parses it', () => {
    const order = declared.Columns.find((c) => c.Name === 'order')!;
    const existing = {
      Parameters: { table_type: 'ICEBERG' },
      StorageDescriptor: { Columns: declared.Columns.map((c) => ({ Name: c.Name, Type: c === order ? c.Type.replace('ok:decimal(10,2)', 'ok:decimal(9,2)') : c.Type })) },
    };
    const change = planTable(declared, existing).find((a) => a.kind === 'change-column');
    expect(sqlOf(change)).toBe(
      'ALTER TABLE lakeforge_dev_curated.transfer_made_v1 CHANGE COLUMN `order` `order` struct<`select`:string,`_x`:int,`leading`:array<struct<`to`:string,ok:decimal(10,2)>>,m:map<string,int>>',
    );
    expect(hiveErrors(sqlOf(change))).toEqual([]);
  });

  it('compares column types without backticks, so a table created with quoted struct fields needs no change', () => {
    expect(normalizeType('struct<`select`: string,`_x`:int>')).toBe(normalizeType('struct<select:string,_x:int>'));
    const created = {
      Description: 'Transfers.',
      Parameters: { table_type: 'ICEBERG' },
      StorageDescriptor: { Columns: declared.Columns.map((c) => ({ Name: c.Name, Type: c.Type.replace(/(<|,)(select|_x|leading|to)(:)/g, '$1`$2`$3') })) },
    };
    expect(planTable(declared, created)).toEqual([]);
  });
});

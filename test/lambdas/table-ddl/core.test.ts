import * as fc from 'fast-check';
import {
  applyTables,
  type AthenaDdlPort,
  ddlString,
  type GlueDdlPort,
  type GlueTableState,
  parseTableDdlProperties,
  planTable,
  quoteIdentifier,
  renderMetadataTableInput,
  runStatement,
  type TableAction,
  TableEvolutionError,
} from '../../../lambdas/table-ddl/core';
import type { TableDdlColumn, TableDdlTable } from '../../../lambdas/shared/table-ddl-properties';
import { compareColumns, TABLE_EVOLUTION_RULES, type TableRuleId } from '../../../lambdas/shared/contracts/table-step';

const col = (Name: string, Type: string, Comment = ''): TableDdlColumn => ({ Name, Type, Comment });

const declared = (overrides: Partial<TableDdlTable> = {}): TableDdlTable => ({
  Database: 'lakeforge_dev_curated',
  Table: 'rating_submitted_v1',
  Location: 's3://curated-bucket/events/com.acme/rating_submitted/v1/',
  Columns: [col('event_id', 'string', 'Event id.'), col('rating', 'double'), col('dt', 'string', 'UTC event date.')],
  PartitionedBy: ['dt'],
  Description: 'Ratings.',
  Parameters: { 'lakeforge.product': 'viewer-engagement' },
  ...overrides,
});

/** A Glue table as Athena's CREATE TABLE leaves it (columns in the storage descriptor, Iceberg parameters). */
const glueTable = (columns: readonly { name: string; type: string }[], extra: Partial<GlueTableState> = {}): GlueTableState => ({
  Name: 'rating_submitted_v1',
  Description: 'Ratings.',
  VersionId: '7',
  Parameters: {
    table_type: 'ICEBERG',
    metadata_location: 's3://curated-bucket/events/com.acme/rating_submitted/v1/metadata/00003-abc.metadata.json',
    'lakeforge.product': 'viewer-engagement',
  },
  StorageDescriptor: { Columns: columns.map((c) => ({ Name: c.name, Type: c.type })) },
  ...extra,
});

const asDeclared = glueTable([
  { name: 'event_id', type: 'string' },
  { name: 'rating', type: 'double' },
  { name: 'dt', type: 'string' },
]);

describe('planTable', () => {
  it('creates an absent table with Iceberg table properties, then applies its metadata', () => {
    const actions = planTable(declared(), undefined);
    expect(actions.map((a) => a.kind)).toEqual(['create', 'update-metadata']);
    expect(actions[0].kind === 'create' && actions[0].sql).toBe(
      [
        'CREATE TABLE IF NOT EXISTS lakeforge_dev_curated.rating_submitted_v1 (',
        "  event_id string COMMENT 'Event id.',",
        '  rating double,',
        "  dt string COMMENT 'UTC event date.'",
        ')',
        'PARTITIONED BY (dt)',
        "LOCATION 's3://curated-bucket/events/com.acme/rating_submitted/v1/'",
        "TBLPROPERTIES ('table_type'='ICEBERG', 'format'='parquet', 'write_compression'='zstd')",
      ].join('\n'),
    );
  });

  it('leaves out PARTITIONED BY for an unpartitioned table', () => {
    const [create] = planTable(declared({ PartitionedBy: [] }), undefined);
    expect(create.kind === 'create' && create.sql).not.toContain('PARTITIONED BY');
  });

  it('does nothing when the table matches its declaration', () => {
    expect(planTable(declared(), asDeclared)).toEqual([]);
  });

  it('adds the columns a contract ADDITION declares, with one ALTER TABLE ADD COLUMNS, then the metadata', () => {
    const actions = planTable(declared({ Columns: [...declared().Columns, col('review', 'string', "Viewer's review."), col('tags', 'array<string>')] }), asDeclared);
    expect(actions.map((a) => a.kind)).toEqual(['add-columns', 'update-metadata']);
    expect(actions[0].kind === 'add-columns' && actions[0].sql).toBe(
      "ALTER TABLE lakeforge_dev_curated.rating_submitted_v1 ADD COLUMNS (review string COMMENT 'Viewer\\'s review.', tags array<string>)",
    );
  });

  it.each<[string, Partial<GlueTableState>, Partial<TableDdlTable>]>([
    ['the description changed', { Description: 'Old.' }, {}],
    ['a lakeforge parameter changed', { Parameters: { table_type: 'ICEBERG', 'lakeforge.product': 'old' } }, {}],
    ['a lakeforge parameter is new', {}, { Parameters: { 'lakeforge.product': 'viewer-engagement', 'lakeforge.owner': 'growth' } }],
  ])('updates only the metadata when %s', (_what, current, decl) => {
    expect(planTable(declared(decl), { ...asDeclared, ...current }).map((a) => a.kind)).toEqual(['update-metadata']);
  });

  it.each<[string, GlueTableState, Partial<TableDdlTable>, RegExp]>([
    [
      'a column changed type',
      glueTable([{ name: 'event_id', type: 'string' }, { name: 'rating', type: 'bigint' }, { name: 'dt', type: 'string' }]),
      { Columns: [col('event_id', 'string'), col('rating', 'string'), col('dt', 'string')] },
      /^lakeforge_dev_curated\.rating_submitted_v1: column rating is bigint in the table, the declaration says string \(table-step rule column-type-changed: bigint → string: Iceberg cannot change this type in place\); a type change needs a new contract MODEL \(a new _v<MODEL> table\)$/,
    ],
    [
      'a column was removed',
      glueTable([{ name: 'event_id', type: 'string' }, { name: 'rating', type: 'double' }, { name: 'score', type: 'int' }, { name: 'dt', type: 'string' }]),
      {},
      /column score is in the table but no longer in the declaration \(table-step rule column-removed\); removing a column needs a new contract MODEL/,
    ],
    [
      'a partition column is new',
      glueTable([{ name: 'event_id', type: 'string' }, { name: 'rating', type: 'double' }]),
      {},
      /partition column dt is not in the table; a partitioning change needs a new contract MODEL/,
    ],
    [
      'the table is not an Iceberg table (e.g. a CloudFormation update stripped table_type)',
      { ...asDeclared, Parameters: { 'lakeforge.product': 'viewer-engagement' } },
      {},
      /the table exists but is not an Iceberg table \(table_type=unset\)/,
    ],
  ])('refuses when %s', (_what, current, decl, message) => {
    expect(() => planTable(declared(decl), current)).toThrow(TableEvolutionError);
    expect(() => planTable(declared(decl), current)).toThrow(message);
  });

  it('keeps undeclared columns when asked to (a rollback to the previous declaration), and still refuses a type change', () => {
    const current = glueTable([{ name: 'event_id', type: 'string' }, { name: 'rating', type: 'double' }, { name: 'review', type: 'string' }, { name: 'dt', type: 'string' }]);
    expect(planTable(declared(), current, { keepUndeclaredColumns: true })).toEqual([]);
    const retyped = declared({ Columns: [col('event_id', 'bigint'), col('rating', 'double'), col('dt', 'string')] });
    expect(() => planTable(retyped, current, { keepUndeclaredColumns: true })).toThrow(/column event_id is string in the table, the declaration says bigint/);
  });

  it('compares types without regard to case or spaces', () => {
    const current = glueTable([{ name: 'event_id', type: 'STRING' }, { name: 'rating', type: 'double' }, { name: 'dt', type: 'string' }, { name: 'point', type: 'struct<x: double,y:double>' }]);
    expect(planTable(declared({ Columns: [...declared().Columns, col('point', 'struct<x:double,y:double>')] }), current)).toEqual([]);
  });

  it.each<[string, Partial<TableDdlTable>, RegExp]>([
    ['a column comment is longer than Glue allows', { Columns: [col('event_id', 'string', 'x'.repeat(256)), col('dt', 'string')] }, /comment of column "event_id" has 256 characters; Glue allows 255/],
    ['the description is longer than Glue allows', { Description: 'x'.repeat(2049) }, /description has 2049 characters; Glue allows 2048/],
    ['a column name has an upper-case letter', { Columns: [col('eventId', 'string'), col('dt', 'string')] }, /column name "eventId" must be lower-case/],
    ['a partition column is not a column', { PartitionedBy: ['day'] }, /partition column "day" is not a column/],
    ['a parameter is not a lakeforge key', { Parameters: { table_type: 'HIVE' } }, /parameter "table_type" is not a lakeforge\.\* key/],
    ['the location is not an S3 URL ending in /', { Location: 's3://bucket/prefix' }, /location "s3:\/\/bucket\/prefix" must be an S3 URL ending in \//],
    ['a column is declared twice', { Columns: [col('dt', 'string'), col('dt', 'string')] }, /column "dt" is declared twice/],
  ])('fails when %s', (_what, decl, message) => {
    expect(() => planTable(declared(decl), undefined)).toThrow(message);
  });
});

describe('planTable: type changes, classified by the contract gate\'s table step', () => {
  const T = 'lakeforge_dev_curated.rating_submitted_v1';
  /** The table with `event_id`, the given columns and `dt`; the declaration with the same, typed as `to`. */
  const pair = (from: Record<string, string>, to: Record<string, string>): [TableDdlTable, GlueTableState] => [
    declared({ Columns: [col('event_id', 'string'), ...Object.entries(to).map(([n, t]) => col(n, t)), col('dt', 'string')] }),
    glueTable([{ name: 'event_id', type: 'string' }, ...Object.entries(from).map(([name, type]) => ({ name, type })), { name: 'dt', type: 'string' }]),
  ];
  const sqls = (actions: readonly TableAction[]): string[] => actions.flatMap((a) => ('sql' in a ? [a.sql] : []));

  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    ['int → bigint', { n: 'int' }, { n: 'bigint' }, [`ALTER TABLE ${T} CHANGE COLUMN n n bigint`]],
    ['float → double', { n: 'float' }, { n: 'double' }, [`ALTER TABLE ${T} CHANGE COLUMN n n double`]],
    ['decimal precision widened', { n: 'decimal(10,2)' }, { n: 'decimal(12,2)' }, [`ALTER TABLE ${T} CHANGE COLUMN n n decimal(12,2)`]],
    ['a struct field promoted', { p: 'struct<x:int,y:float>' }, { p: 'struct<x:bigint,y:double>' }, [`ALTER TABLE ${T} CHANGE COLUMN p p struct<x:bigint,y:double>`]],
    ['an array element promoted', { a: 'array<int>' }, { a: 'array<bigint>' }, [`ALTER TABLE ${T} CHANGE COLUMN a a array<bigint>`]],
    ['a map key and value promoted', { m: 'map<int,float>' }, { m: 'map<bigint,double>' }, [`ALTER TABLE ${T} CHANGE COLUMN m m map<bigint,double>`]],
    ['a field appended to a nested struct', { p: 'struct<x:double,q:struct<a:int>>' }, { p: 'struct<x:double,q:struct<a:int,b:string>>' }, [`ALTER TABLE ${T} CHANGE COLUMN p p struct<x:double,q:struct<a:int,b:string>>`]],
    ['two columns promoted: one statement each, in declaration order', { a: 'int', b: 'float' }, { a: 'bigint', b: 'double' }, [`ALTER TABLE ${T} CHANGE COLUMN a a bigint`, `ALTER TABLE ${T} CHANGE COLUMN b b double`]],
    ['a reserved column name and struct field name', { date_x: 'int', order: 'struct<from:int>' }, { date_x: 'int', order: 'struct<from:bigint>' }, [`ALTER TABLE ${T} CHANGE COLUMN \`order\` \`order\` struct<\`from\`:bigint>`]],
  ])('applies an ADDITION in place: %s', (_what, from, to, expected) => {
    const [decl, current] = pair(from, to);
    const actions = planTable(decl, current);
    expect(sqls(actions)).toEqual(expected);
    expect(actions.map((a) => a.kind)).toEqual([...expected.map(() => 'change-column'), 'update-metadata']);
  });

  it('changes types before it adds columns, repeats the declared comment, then applies the metadata', () => {
    const [decl, current] = pair({ n: 'int' }, { n: 'bigint' });
    const withComment = declared({ Columns: [...decl.Columns.map((c) => (c.Name === 'n' ? col('n', 'bigint', "Viewer's count.") : c)), col('review', 'string')] });
    const actions = planTable(withComment, current);
    expect(actions.map((a) => a.kind)).toEqual(['change-column', 'add-columns', 'update-metadata']);
    expect(sqls(actions)).toEqual([`ALTER TABLE ${T} CHANGE COLUMN n n bigint COMMENT 'Viewer\\'s count.'`, `ALTER TABLE ${T} ADD COLUMNS (review string)`]);
    const change = actions[0];
    expect(change.kind === 'change-column' && change.reasons.map((r) => r.rule)).toEqual(['column-type-promoted']);
  });

  it('plans nothing when only the order of top-level columns changed (column-moved)', () => {
    const current = glueTable([{ name: 'dt', type: 'string' }, { name: 'rating', type: 'double' }, { name: 'event_id', type: 'string' }]);
    expect(planTable(declared(), current)).toEqual([]);
  });

  it.each<[string, Record<string, string>, Record<string, string>, RegExp]>([
    ['int → double', { n: 'int' }, { n: 'double' }, /column n is int in the table, the declaration says double \(table-step rule column-type-changed: int → double: /],
    ['bigint → int (a narrowing)', { n: 'bigint' }, { n: 'int' }, /column n is bigint in the table, the declaration says int \(table-step rule column-type-changed: /],
    ['decimal scale changed', { n: 'decimal(10,2)' }, { n: 'decimal(12,4)' }, /table-step rule column-type-changed: decimal\(10,2\) → decimal\(12,4\)/],
    ['a struct field retyped', { p: 'struct<x:int>' }, { p: 'struct<x:string>' }, /column p is struct<x:int> in the table, the declaration says struct<x:string> \(table-step rule column-type-changed at p\.x: int → string/],
    ['struct fields reordered', { p: 'struct<x:int,y:int>' }, { p: 'struct<y:int,x:int>' }, /table-step rule struct-fields-reordered: /],
    ['a field inserted before a struct\'s fields', { p: 'struct<x:int>' }, { p: 'struct<w:int,x:int>' }, /table-step rule struct-fields-reordered: /],
    ['a struct field removed', { p: 'struct<x:int,y:int>' }, { p: 'struct<y:int>' }, /table-step rule struct-field-removed at p\.x: /],
    ['a promotion together with a retype in one column', { p: 'struct<x:int,y:int>' }, { p: 'struct<x:bigint,y:string>' }, /\(table-step rule column-type-changed at p\.y: int → string[^,]*\); a type change needs a new contract MODEL/],
    ['a type that does not parse', { n: 'int' }, { n: 'struct<' }, /column n is int in the table, the declaration says struct< \(a type does not parse as a Glue type\)/],
  ])('refuses a MODEL change, naming the table, the column and the rule: %s', (_what, from, to, message) => {
    const [decl, current] = pair(from, to);
    expect(() => planTable(decl, current)).toThrow(TableEvolutionError);
    expect(() => planTable(decl, current)).toThrow(new RegExp(`^${T.replace('.', '\\.')}: .*${message.source}`));
  });

  describe('rollback (keepUndeclaredColumns)', () => {
    it.each<[string, Record<string, string>, Record<string, string>]>([
      ['a promoted column (bigint, previous declaration int)', { n: 'bigint' }, { n: 'int' }],
      ['a widened decimal', { n: 'decimal(12,2)' }, { n: 'decimal(10,2)' }],
      ['a promoted map value', { m: 'map<string,double>' }, { m: 'map<string,float>' }],
      ['a struct with an appended field', { p: 'struct<x:int,y:string>' }, { p: 'struct<x:int>' }],
    ])('keeps %s instead of narrowing it back', (_what, table, previous) => {
      const [decl, current] = pair(table, previous);
      expect(planTable(decl, current, { keepUndeclaredColumns: true })).toEqual([]);
      expect(() => planTable(decl, current)).toThrow(TableEvolutionError);
    });

    it('keeps a promoted column and an added column together, and still refuses a type the table cannot have come from', () => {
      const current = glueTable([{ name: 'event_id', type: 'string' }, { name: 'rating', type: 'double' }, { name: 'n', type: 'bigint' }, { name: 'review', type: 'string' }, { name: 'dt', type: 'string' }]);
      const previous = declared({ Columns: [col('event_id', 'string'), col('rating', 'double'), col('n', 'int'), col('dt', 'string')] });
      expect(planTable(previous, current, { keepUndeclaredColumns: true })).toEqual([]);
      const unrelated = declared({ Columns: [col('event_id', 'string'), col('rating', 'double'), col('n', 'string'), col('dt', 'string')] });
      expect(() => planTable(unrelated, current, { keepUndeclaredColumns: true })).toThrow(/column n is bigint in the table, the declaration says string \(table-step rule column-type-changed/);
    });

    it('still promotes forward during a rollback (the previous declaration wider than the table)', () => {
      const [decl, current] = pair({ n: 'int' }, { n: 'bigint' });
      expect(sqls(planTable(decl, current, { keepUndeclaredColumns: true }))).toEqual([`ALTER TABLE ${T} CHANGE COLUMN n n bigint`]);
    });
  });

  /**
   * One example per table-step rule: the table's columns and the declared ones (after `event_id`, before `dt`).
   * A `Record` over every rule id, so a new rule does not compile without its example.
   */
  const RULE_EXAMPLES: Record<TableRuleId, [Record<string, string>, Record<string, string>]> = {
    'column-added': [{ a: 'int' }, { a: 'int', b: 'string' }],
    'column-moved': [{ a: 'int', b: 'string' }, { b: 'string', a: 'int' }],
    'column-type-promoted': [{ a: 'array<struct<x:int>>' }, { a: 'array<struct<x:bigint>>' }],
    'column-type-changed': [{ a: 'int' }, { a: 'double' }],
    'column-removed': [{ a: 'int', b: 'string' }, { a: 'int' }],
    'struct-field-added': [{ a: 'struct<x:int>' }, { a: 'struct<x:int,y:string>' }],
    'struct-field-removed': [{ a: 'struct<x:int,y:string>' }, { a: 'struct<x:int>' }],
    'struct-fields-reordered': [{ a: 'struct<x:int,y:string>' }, { a: 'struct<y:string,x:int>' }],
  };

  /** The table's columns after the actions, applied as Athena would: CREATE sets, ADD COLUMNS appends, CHANGE COLUMN retypes. */
  const applied = (current: GlueTableState, actions: readonly TableAction[]): Map<string, string> => {
    const cols = new Map((current.StorageDescriptor?.Columns ?? []).map((c) => [c.Name!, c.Type!]));
    for (const a of actions) {
      if (a.kind === 'add-columns') for (const c of a.columns) cols.set(c.Name, c.Type);
      if (a.kind === 'change-column') cols.set(a.column.Name, a.column.Type);
    }
    return cols;
  };

  it.each(TABLE_EVOLUTION_RULES.map((r) => [r.id, r.step] as const))('agrees with the contract gate on rule %s (%s)', (id, step) => {
    const [from, to] = RULE_EXAMPLES[id];
    const [decl, current] = pair(from, to);
    const asColumns = (cs: Record<string, string>) => Object.entries(cs).map(([name, type]) => ({ name, type, sourcePointer: `/properties/${name}` }));
    // The example is what the gate classifies under this rule, and only this rule.
    expect(compareColumns(asColumns(from), asColumns(to)).map((r) => r.rule)).toEqual([id]);
    if (step === 'ADDITION') {
      const actions = planTable(decl, current);
      expect(Object.fromEntries(applied(current, actions))).toEqual(Object.fromEntries(decl.Columns.map((c) => [c.Name, c.Type])));
    } else {
      expect(() => planTable(decl, current)).toThrow(TableEvolutionError);
      expect(() => planTable(decl, current)).toThrow(new RegExp(`table-step rule ${id}\\b`));
    }
  });
});

describe('DDL rendering', () => {
  it.each([
    ['event_id', 'event_id'],
    ['date', '`date`'],
    ['timestamp', '`timestamp`'],
    ['_hidden', '`_hidden`'],
    ['1st', '`1st`'],
  ])('quotes %s as %s', (name, quoted) => {
    expect(quoteIdentifier(name)).toBe(quoted);
  });

  it.each([
    ["it's", "'it\\'s'"],
    ['a\\b', "'a\\\\b'"],
    ['two\nlines', "'two lines'"],
  ])('escapes %j as a DDL string literal', (value, literal) => {
    expect(ddlString(value)).toBe(literal);
  });

  it('backticks a reserved column name in CREATE TABLE and PARTITIONED BY', () => {
    const [create] = planTable(declared({ Columns: [col('event_id', 'string'), col('date', 'string')], PartitionedBy: ['date'] }), undefined);
    expect(create.kind === 'create' && create.sql).toContain('PARTITIONED BY (`date`)');
    expect(create.kind === 'create' && create.sql).toContain('  `date` string\n');
  });
});

describe('renderMetadataTableInput', () => {
  it('keeps every existing parameter and the storage descriptor, and adds or replaces only lakeforge keys and the description', () => {
    const current = {
      ...asDeclared,
      DatabaseName: 'lakeforge_dev_curated',
      CreateTime: new Date(0),
      TableType: 'EXTERNAL_TABLE',
      Parameters: { table_type: 'ICEBERG', metadata_location: 's3://m/1.json', previous_metadata_location: 's3://m/0.json', 'lakeforge.product': 'old', 'lakeforge.keep': 'x' },
      StorageDescriptor: { Columns: [{ Name: 'event_id', Type: 'string' }], Location: 's3://curated-bucket/x/' },
    };
    const input = renderMetadataTableInput(current, { kind: 'update-metadata', description: 'New.', parameters: { 'lakeforge.product': 'viewer-engagement', 'lakeforge.owner': 'growth' } });
    expect(input).toEqual({
      Name: 'rating_submitted_v1',
      Description: 'New.',
      TableType: 'EXTERNAL_TABLE',
      StorageDescriptor: current.StorageDescriptor,
      Parameters: {
        table_type: 'ICEBERG',
        metadata_location: 's3://m/1.json',
        previous_metadata_location: 's3://m/0.json',
        'lakeforge.product': 'viewer-engagement',
        'lakeforge.keep': 'x',
        'lakeforge.owner': 'growth',
      },
    });
  });
});

describe('parseTableDdlProperties', () => {
  const valid = { ServiceToken: 'arn', Workgroup: 'wg', Tables: [{ ...declared(), Columns: [{ Name: 'dt', Type: 'string' }] }] };

  it('reads the properties CloudFormation sends, with a missing comment as the empty string', () => {
    expect(parseTableDdlProperties(valid).Tables[0].Columns).toEqual([{ Name: 'dt', Type: 'string', Comment: '' }]);
  });

  it.each<[string, unknown, RegExp]>([
    ['the workgroup is missing', { ...valid, Workgroup: undefined }, /ResourceProperties\.Workgroup: expected a workgroup name/],
    ['there are no tables', { ...valid, Tables: [] }, /ResourceProperties\.Tables: expected a non-empty list/],
    ['a column has no type', { ...valid, Tables: [{ ...valid.Tables[0], Columns: [{ Name: 'dt' }] }] }, /Tables\[0\]\.Columns\[0\]: expected Name and Type strings/],
  ])('fails when %s', (_what, raw, message) => {
    expect(() => parseTableDdlProperties(raw)).toThrow(message);
  });
});

/** In-memory Glue + Athena: CREATE and ADD COLUMNS change the table the way Athena would, from the actions' columns. */
function fakeLake(initial: Record<string, GlueTableState> = {}) {
  const tables = new Map(Object.entries(initial));
  const statements: string[] = [];
  const updates: { versionId?: string; input: GlueTableState }[] = [];
  const pending = new Map<string, TableAction>();
  let version = 1;
  const glue: GlueDdlPort = {
    getTable: async (db, t) => tables.get(`${db}.${t}`),
    updateTable: async (db, versionId, input) => {
      updates.push({ versionId, input });
      const key = `${db}.${input.Name}`;
      tables.set(key, { ...tables.get(key), ...input, VersionId: String(++version) });
    },
  };
  const athena: AthenaDdlPort & { states: string[] } = {
    states: [],
    start: async ({ sql }) => {
      statements.push(sql);
      return `q${statements.length}`;
    },
    status: async () => ({ state: (athena.states.shift() as 'SUCCEEDED') ?? 'SUCCEEDED' }),
    stop: jest.fn(async () => undefined),
  };
  return { tables, statements, updates, glue, athena, pending };
}

describe('runStatement', () => {
  it('polls with exponential backoff until the query succeeds', async () => {
    const lake = fakeLake();
    lake.athena.states.push('QUEUED', 'RUNNING', 'RUNNING', 'RUNNING');
    const waits: number[] = [];
    await runStatement({ athena: lake.athena, glue: lake.glue, sleep: async (ms) => void waits.push(ms), now: () => 0, deadline: 60_000, policy: { initialDelayMs: 100, maxDelayMs: 300 } }, 'SELECT 1', 'db', 'wg');
    expect(waits).toEqual([100, 200, 300, 300]);
  });

  it('stops the query and fails at the deadline', async () => {
    const lake = fakeLake();
    lake.athena.states.push(...Array<string>(50).fill('RUNNING'));
    let t = 0;
    const run = runStatement({ athena: lake.athena, glue: lake.glue, sleep: async (ms) => void (t += ms), now: () => t, deadline: 1_000 }, 'SELECT 1', 'db', 'wg');
    await expect(run).rejects.toThrow(/still RUNNING at the function's deadline; stopped it/);
    expect(lake.athena.stop).toHaveBeenCalledWith('q1');
  });

  it('fails with the reason Athena gives', async () => {
    const lake = fakeLake();
    lake.athena.status = async () => ({ state: 'FAILED', reason: 'line 1:8: mismatched input' });
    await expect(runStatement({ athena: lake.athena, glue: lake.glue, sleep: async () => undefined, now: () => 0, deadline: 1 }, 'X', 'db', 'wg')).rejects.toThrow(/FAILED: line 1:8: mismatched input/);
  });
});

describe('applyTables', () => {
  it('refuses before running any statement when one table of the list cannot evolve', async () => {
    const lake = fakeLake({ 'lakeforge_dev_curated.b': glueTable([{ name: 'x', type: 'int' }], { Name: 'b' }) });
    const run = applyTables({ athena: lake.athena, glue: lake.glue, sleep: async () => undefined, now: () => 0, deadline: 1e9 }, 'wg', [
      declared({ Table: 'a' }),
      declared({ Table: 'b', Columns: [col('x', 'string'), col('dt', 'string')] }),
    ]);
    await expect(run).rejects.toThrow(/column x is int in the table, the declaration says string/);
    expect(lake.statements).toEqual([]);
  });

  it('updates the metadata on the version it read, and re-reads after losing a race with a commit', async () => {
    const lake = fakeLake({ 'lakeforge_dev_curated.rating_submitted_v1': { ...asDeclared, Description: 'Old.' } });
    const update = lake.glue.updateTable;
    let calls = 0;
    lake.glue.updateTable = async (db, v, input) => {
      if (++calls === 1) throw Object.assign(new Error('changed'), { name: 'ConcurrentModificationException' });
      return update(db, v, input);
    };
    await applyTables({ athena: lake.athena, glue: lake.glue, sleep: async () => undefined, now: () => 0, deadline: 1e9 }, 'wg', [declared()]);
    expect(calls).toBe(2);
    expect(lake.updates).toEqual([expect.objectContaining({ versionId: '7', input: expect.objectContaining({ Description: 'Ratings.' }) })]);
  });
});

describe('planned actions (property)', () => {
  const types = ['string', 'int', 'bigint', 'double', 'boolean', 'timestamp', 'date', 'array<string>'];
  const columnsArb = fc.uniqueArray(fc.record({ Name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), Type: fc.constantFrom(...types), Comment: fc.string({ maxLength: 20 }) }), {
    selector: (c) => c.Name,
    minLength: 1,
    maxLength: 12,
  });

  /** Applies actions the way Athena and Glue would: CREATE sets the columns, ADD COLUMNS appends, nothing else touches them. */
  const apply = (current: GlueTableState | undefined, actions: readonly TableAction[]): { name: string; type: string }[] => {
    let cols = current?.StorageDescriptor?.Columns?.map((c) => ({ name: c.Name!, type: c.Type! })) ?? [];
    for (const a of actions) {
      if (a.kind === 'create') cols = a.columns.map((c) => ({ name: c.Name, type: c.Type }));
      if (a.kind === 'add-columns') cols = [...cols, ...a.columns.map((c) => ({ name: c.Name, type: c.Type }))];
      if (a.kind === 'change-column') cols = cols.map((c) => (c.name === a.column.Name ? { name: c.name, type: a.column.Type } : c));
    }
    return cols;
  };

  it('produce the declared columns from an absent table or any earlier prefix of them, never dropping or retyping one', () => {
    fc.assert(
      fc.property(columnsArb, fc.nat(), fc.boolean(), (columns, cut, absent) => {
        const decl = declared({ Columns: columns, PartitionedBy: [] });
        const before = columns.slice(0, (cut % columns.length) + 1).map((c) => ({ name: c.Name, type: c.Type }));
        const current = absent ? undefined : glueTable(before);
        const actions = planTable(decl, current);
        const after = apply(current, actions);
        expect(after.map((c) => c.name).sort()).toEqual(columns.map((c) => c.Name).sort());
        for (const c of after) expect(c.type).toBe(columns.find((d) => d.Name === c.name)!.Type);
        if (!absent) expect(after.slice(0, before.length)).toEqual(before);
        expect(actions.filter((a) => a.kind === 'add-columns').length).toBeLessThanOrEqual(1);
        for (const a of actions) if ('sql' in a) expect(a.sql).not.toMatch(/\bDROP\b|\bREPLACE\b|CHANGE COLUMN/);
      }),
    );
  });

  it('promote in place exactly the columns whose declared type is an Iceberg promotion, one CHANGE COLUMN each, and keep them on a rollback', () => {
    const promotions: [string, string][] = [['int', 'bigint'], ['float', 'double'], ['decimal(10,2)', 'decimal(18,2)'], ['array<int>', 'array<bigint>'], ['map<string,float>', 'map<string,double>'], ['struct<x:int>', 'struct<x:bigint,y:string>']];
    const arb = fc.uniqueArray(fc.record({ Name: fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), promotion: fc.constantFrom(...promotions), promote: fc.boolean() }), { selector: (c) => c.Name, minLength: 1, maxLength: 10 });
    fc.assert(
      fc.property(arb, (columns) => {
        const current = glueTable(columns.map((c) => ({ name: c.Name, type: c.promotion[0] })));
        const decl = declared({ Columns: columns.map((c) => col(c.Name, c.promote ? c.promotion[1] : c.promotion[0])), PartitionedBy: [] });
        const actions = planTable(decl, current);
        expect(actions.filter((a) => a.kind === 'change-column').map((a) => a.kind === 'change-column' && a.column.Name)).toEqual(columns.filter((c) => c.promote).map((c) => c.Name));
        expect(apply(current, actions)).toEqual(decl.Columns.map((c) => ({ name: c.Name, type: c.Type })));
        for (const a of actions) if ('sql' in a) expect(a.sql).not.toMatch(/\bDROP\b|\bREPLACE\b/);
        // The rollback to the table's own declaration keeps every promoted type.
        const previous = declared({ Columns: columns.map((c) => col(c.Name, c.promotion[0])), PartitionedBy: [] });
        expect(planTable(previous, glueTable(apply(current, actions)), { keepUndeclaredColumns: true })).toEqual([]);
      }),
    );
  });

  it('refuse every declaration that retypes or removes an existing column', () => {
    fc.assert(
      fc.property(columnsArb, fc.nat(), fc.boolean(), (columns, pick, remove) => {
        const i = pick % columns.length;
        const current = glueTable(columns.map((c) => ({ name: c.Name, type: c.Type })));
        const changed = remove
          ? columns.filter((_, j) => j !== i)
          : columns.map((c, j) => (j === i ? { ...c, Type: c.Type === 'string' ? 'bigint' : 'string' } : c));
        fc.pre(changed.length > 0);
        expect(() => planTable(declared({ Columns: changed, PartitionedBy: [] }), current)).toThrow(TableEvolutionError);
      }),
    );
  });
});

/**
 * Iceberg table DDL, pure apart from the injected ports: what to do to make a table in the Glue Data
 * Catalog match its declaration, and how to do it with Athena DDL and Glue UpdateTable. No SDK, no env,
 * no clock here (the clock, the sleep and the AWS calls are ports).
 *
 * Why not CloudFormation: an update of an `AWS::Glue::Table` with Iceberg input strips `table_type=ICEBERG`
 * and `metadata_location` (aws-cloudformation/cloudformation-coverage-roadmap#1919, #2495; aws/aws-cdk#29660),
 * after which Athena can no longer read the table. So Iceberg tables are created and evolved here:
 * - absent → `CREATE TABLE IF NOT EXISTS … TBLPROPERTIES ('table_type'='ICEBERG', …)` (Athena User Guide,
 *   "Create Iceberg tables", https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-creating-tables.html);
 * - columns missing → `ALTER TABLE … ADD COLUMNS (…)` (Athena User Guide, "ALTER TABLE ADD COLUMNS",
 *   https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-alter-table-add-columns.html): a SchemaVer
 *   ADDITION adds optional columns and nothing else;
 * - a column whose type changed as the contract gate's table step calls ADDITION (`compareColumns` of
 *   lambdas/shared/contracts/table-step.ts: `column-type-promoted` int → bigint, float → double, a wider decimal
 *   precision, on the column or on a struct field, array element or map key/value inside it; `struct-field-added`
 *   a field appended to a struct) → one `ALTER TABLE … CHANGE COLUMN c c <new type>` per column, with the
 *   column's whole new type (Athena User Guide, "ALTER TABLE CHANGE COLUMN",
 *   https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-alter-table-change-column.html: changes the
 *   name, type, order or comment of a column of an Iceberg table; "Evolve Iceberg table schema",
 *   https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-evolving-table-schema.html: Iceberg tables take
 *   Add of a column or of a field of a nested struct, and type promotion of a column, struct field, map key, map
 *   value or list element: integer → big integer, float → double, a larger decimal precision). `ALTER TABLE ADD
 *   COLUMNS` takes top-level column names only (its synopsis is `ADD COLUMNS (col_name data_type [,...])`), so a
 *   nested field is added by CHANGE COLUMN with the wider struct type, as a nested promotion is;
 * - any other type change (a table-step MODEL rule), a removed column or a new partition column → refused
 *   ({@link TableEvolutionError}, naming the table, the column and the table-step rule id): that is a new
 *   contract MODEL, i.e. a new `_v<MODEL>` table, never an in-place rewrite;
 * - a reorder of top-level columns (table-step `column-moved`) → nothing: the table keeps its order, columns are
 *   matched by name;
 * - description and `lakeforge.*` parameters → Glue `UpdateTable` with a `TableInput` built from the table as
 *   it is right then ({@link renderMetadataTableInput}), keeping every other parameter (`table_type`,
 *   `metadata_location`, …) and the storage descriptor, guarded by the table's `VersionId` so a concurrent
 *   Iceberg commit is never overwritten. Athena does not accept custom Iceberg table properties
 *   (`ALTER TABLE SET TBLPROPERTIES` takes Athena's own keys only), hence Glue for these.
 * Nothing here ever drops a table or a column.
 */
import { type TableReason, compareColumns } from '../shared/contracts/column-evolution';
import { quoteDdlIdentifier, quoteDdlType } from '../shared/sql-identifiers';
import { type TableDdlColumn, type TableDdlTable, validateTableDdlTable } from '../shared/table-ddl-properties';

/**
 * Table properties of every Iceberg table Lakeforge creates: Parquet data files compressed with zstd. These are
 * keys Athena accepts for Iceberg tables (Athena User Guide, "Create Iceberg tables", section "Specify table
 * properties": `format`, `write_compression`, `optimize_*`, `vacuum_*`); `table_type` makes it Iceberg.
 */
export const ICEBERG_TABLE_PROPERTIES: Readonly<Record<string, string>> = {
  table_type: 'ICEBERG',
  format: 'parquet',
  write_compression: 'zstd',
};

/** Thrown when a declaration cannot be applied to the existing table without losing or rewriting data. */
export class TableEvolutionError extends Error {
  /**
   * @param table - `<database>.<table>`.
   * @param problems - one sentence per refused change.
   */
  constructor(
    public readonly table: string,
    public readonly problems: readonly string[],
  ) {
    super(`${table}: ${problems.join('; ')}`);
    this.name = 'TableEvolutionError';
  }
}

/** A column as the Glue Data Catalog returns it (`GetTable`). */
export interface GlueColumnState {
  readonly Name?: string;
  readonly Type?: string;
  readonly Comment?: string;
}

/**
 * The parts of a Glue `Table` (`GetTable` output) the plan reads; structurally compatible with the SDK's
 * `Table`, so the adapter passes that through unchanged.
 */
export interface GlueTableState {
  readonly Name?: string;
  readonly Description?: string;
  readonly Parameters?: Record<string, string>;
  readonly StorageDescriptor?: { readonly Columns?: readonly GlueColumnState[] };
  readonly PartitionKeys?: readonly GlueColumnState[];
  readonly VersionId?: string;
}

/** One step of a table's plan, in order. */
export type TableAction =
  | {
      /** Athena `CREATE TABLE IF NOT EXISTS` of the whole table. */
      readonly kind: 'create';
      readonly sql: string;
      readonly columns: readonly TableDdlColumn[];
    }
  | {
      /** Athena `ALTER TABLE … ADD COLUMNS` of the columns the table lacks (appended in declaration order). */
      readonly kind: 'add-columns';
      readonly sql: string;
      readonly columns: readonly TableDdlColumn[];
    }
  | {
      /**
       * Athena `ALTER TABLE … CHANGE COLUMN c c <type>` of one existing column whose declared type is an in-place
       * evolution of the table's (a table-step ADDITION: type promotions, struct fields appended).
       */
      readonly kind: 'change-column';
      readonly sql: string;
      readonly column: TableDdlColumn;
      /** The column's type in the table before the change (Glue text). */
      readonly from: string;
      /** The table-step changes the statement applies (rules `column-type-promoted`, `struct-field-added`). */
      readonly reasons: readonly TableReason[];
    }
  | {
      /** Glue `UpdateTable`: description and `lakeforge.*` parameters, on the table as it is when applied. */
      readonly kind: 'update-metadata';
      readonly description: string;
      readonly parameters: Readonly<Record<string, string>>;
    };

/**
 * An identifier for Athena DDL (backticks when reserved or not a plain name): `quoteDdlIdentifier` of
 * lambdas/shared/sql-identifiers.ts, where the reserved-word lists live.
 */
export const quoteIdentifier = quoteDdlIdentifier;

/**
 * A string literal for Athena (Hive) DDL: single-quoted, with backslashes and single quotes escaped by a
 * backslash (Hive DDL string literals use C-style escapes) and line breaks turned into spaces.
 */
export function ddlString(value: string): string {
  return `'${value.replace(/[\r\n\t]+/g, ' ').replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * A Glue type normalized for comparison: lower case, no whitespace, no backticks (`struct<a: int>` =
 * `struct<a:int>` = ``struct<`a`:int>``: a type created with quoted field names compares equal to its declaration).
 */
export function normalizeType(type: string): string {
  return type.replace(/[\s`]+/g, '').toLowerCase();
}

const qualified = (t: Pick<TableDdlTable, 'Database' | 'Table'>): string => `${quoteIdentifier(t.Database)}.${quoteIdentifier(t.Table)}`;

const columnDefinition = (c: TableDdlColumn): string =>
  `${quoteIdentifier(c.Name)} ${quoteDdlType(c.Type)}${c.Comment === '' ? '' : ` COMMENT ${ddlString(c.Comment)}`}`;

/**
 * `CREATE TABLE IF NOT EXISTS <db>.<table> (<col> <type> COMMENT '<c>', …) [PARTITIONED BY (<cols>)]
 * LOCATION '<s3 url>' TBLPROPERTIES ('table_type'='ICEBERG', 'format'='parquet', 'write_compression'='zstd')`.
 * `IF NOT EXISTS` makes a retried Create harmless. Column names, partition columns and struct field names inside
 * column types are backticked when they need it (`quoteDdlIdentifier`, `quoteDdlType` of lambdas/shared/sql-identifiers.ts).
 */
export function renderCreateTable(t: TableDdlTable): string {
  const lines = [`CREATE TABLE IF NOT EXISTS ${qualified(t)} (`, t.Columns.map((c) => `  ${columnDefinition(c)}`).join(',\n'), ')'];
  if (t.PartitionedBy.length > 0) lines.push(`PARTITIONED BY (${t.PartitionedBy.map(quoteIdentifier).join(', ')})`);
  lines.push(`LOCATION ${ddlString(t.Location)}`);
  lines.push(`TBLPROPERTIES (${Object.entries(ICEBERG_TABLE_PROPERTIES).map(([k, v]) => `${ddlString(k)}=${ddlString(v)}`).join(', ')})`);
  return lines.join('\n');
}

/** `ALTER TABLE <db>.<table> ADD COLUMNS (<col> <type> COMMENT '<c>', …)`; names and struct field names backticked as in {@link renderCreateTable}. */
export function renderAddColumns(t: Pick<TableDdlTable, 'Database' | 'Table'>, columns: readonly TableDdlColumn[]): string {
  return `ALTER TABLE ${qualified(t)} ADD COLUMNS (${columns.map(columnDefinition).join(', ')})`;
}

/**
 * `ALTER TABLE <db>.<table> CHANGE COLUMN <col> <col> <type> [COMMENT '<c>']` (Athena User Guide, "ALTER TABLE
 * CHANGE COLUMN", https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-alter-table-change-column.html);
 * the name is kept, the type is the column's whole declared type, names and struct field names backticked as in
 * {@link renderCreateTable}. The declared comment is repeated so the statement never clears it.
 */
export function renderChangeColumn(t: Pick<TableDdlTable, 'Database' | 'Table'>, column: TableDdlColumn): string {
  return `ALTER TABLE ${qualified(t)} CHANGE COLUMN ${quoteIdentifier(column.Name)} ${columnDefinition(column)}`;
}

/**
 * The table-step changes from type `from` to type `to` of one column (`compareColumns` of
 * lambdas/shared/contracts/table-step.ts, the contract gate's own classification), or `undefined` when a type
 * does not parse as a Glue type.
 */
export function typeChanges(column: string, from: string, to: string): TableReason[] | undefined {
  try {
    return compareColumns([{ name: column, type: from, sourcePointer: column }], [{ name: column, type: to, sourcePointer: column }]);
  } catch {
    return undefined;
  }
}

/** True when every change is one the table applies in place (table-step ADDITION) and there is at least one. */
const inPlace = (reasons: readonly TableReason[] | undefined): boolean =>
  reasons !== undefined && reasons.length > 0 && reasons.every((r) => r.step === 'ADDITION');

/** Every column of an existing table: storage descriptor columns, then partition keys (Hive-style tables). */
export function currentColumns(current: GlueTableState): { name: string; type: string }[] {
  return [...(current.StorageDescriptor?.Columns ?? []), ...(current.PartitionKeys ?? [])]
    .filter((c) => c.Name !== undefined)
    .map((c) => ({ name: c.Name!.toLowerCase(), type: c.Type ?? '' }));
}

/** Whether the table's description or any declared `lakeforge.*` parameter differs from the declaration. */
export function metadataDiffers(t: TableDdlTable, current: GlueTableState): boolean {
  if ((current.Description ?? '') !== t.Description) return true;
  return Object.entries(t.Parameters).some(([k, v]) => current.Parameters?.[k] !== v);
}

/**
 * The actions that make the table match its declaration, in order: create it (absent); or change the columns
 * whose type evolves in place (one CHANGE COLUMN each, in declaration order), then add the columns it lacks
 * (one ADD COLUMNS); then update its description and `lakeforge.*` parameters when they differ (always after a
 * create or a column change).
 *
 * CHANGE COLUMN runs before ADD COLUMNS: they touch different columns, and a type change is the statement
 * Athena is likelier to reject, so a rejection leaves the table exactly as it was (nothing added yet). Every
 * statement is planned from `GetTable`, so a retry after a partial run plans only what is still missing.
 *
 * Type changes are classified with the contract gate's own `compareColumns` (table step), so the DDL applies
 * exactly what the gate calls ADDITION and refuses what it calls MODEL.
 *
 * @param t - the declared table.
 * @param current - the table from Glue `GetTable`, or `undefined` when it does not exist.
 * @param options - `keepUndeclaredColumns`: accept (and keep) table columns the declaration does not have, and
 *   keep a column whose table type is an in-place evolution of the declared one (a promoted type, an appended
 *   struct field) instead of narrowing it back. Only for a CloudFormation rollback, which sends the previous
 *   declaration after a failed update that may already have added or promoted columns; refusing then would leave
 *   the stack in UPDATE_ROLLBACK_FAILED, and Iceberg cannot narrow a type anyway. @default false
 * @throws Error from `validateTableDdlTable` for an invalid declaration.
 * @throws TableEvolutionError when the existing table is not an Iceberg table, has a column whose declared type
 *   is not an in-place evolution of its type (a table-step MODEL rule, named), has a column the declaration no
 *   longer has (unless `keepUndeclaredColumns`), or lacks a partition column.
 */
export function planTable(t: TableDdlTable, current: GlueTableState | undefined, options: { readonly keepUndeclaredColumns?: boolean } = {}): TableAction[] {
  validateTableDdlTable(t);
  const update: TableAction = { kind: 'update-metadata', description: t.Description, parameters: { ...t.Parameters } };
  if (current === undefined) {
    return [{ kind: 'create', sql: renderCreateTable(t), columns: t.Columns }, update];
  }
  const label = `${t.Database}.${t.Table}`;
  const tableType = current.Parameters?.table_type ?? current.Parameters?.TABLE_TYPE;
  if (tableType?.toUpperCase() !== 'ICEBERG') {
    throw new TableEvolutionError(label, [
      `the table exists but is not an Iceberg table (table_type=${tableType ?? 'unset'}); Lakeforge will not replace it. If a CloudFormation update stripped its Iceberg parameters, restore table_type and metadata_location from the table's previous Glue version`,
    ]);
  }
  const existing = new Map(currentColumns(current).map((c) => [c.name, c.type]));
  const declared = new Set(t.Columns.map((c) => c.Name));
  const rollback = options.keepUndeclaredColumns === true;
  const problems: string[] = [];
  const changes: Extract<TableAction, { kind: 'change-column' }>[] = [];
  for (const c of t.Columns) {
    const type = existing.get(c.Name);
    if (type === undefined || normalizeType(type) === normalizeType(c.Type)) continue;
    const forward = typeChanges(c.Name, type, c.Type);
    if (forward?.length === 0) continue; // the same type written another way
    if (inPlace(forward)) {
      changes.push({ kind: 'change-column', sql: renderChangeColumn(t, c), column: c, from: type, reasons: forward! });
      continue;
    }
    // A rollback to a declaration the table already evolved past in place: keep the wider type (Iceberg cannot narrow it).
    if (rollback && inPlace(typeChanges(c.Name, c.Type, type))) continue;
    const why =
      forward === undefined
        ? 'a type does not parse as a Glue type'
        : forward
            .filter((r) => r.step !== 'ADDITION')
            .map((r) => `table-step rule ${r.rule}${r.column === c.Name ? '' : ` at ${r.column}`}: ${r.message}`)
            .join(', ');
    problems.push(`column ${c.Name} is ${type} in the table, the declaration says ${c.Type} (${why}); a type change needs a new contract MODEL (a new _v<MODEL> table)`);
  }
  for (const name of existing.keys()) {
    if (!declared.has(name) && !rollback) {
      problems.push(`column ${name} is in the table but no longer in the declaration (table-step rule column-removed); removing a column needs a new contract MODEL (a new _v<MODEL> table)`);
    }
  }
  const missing = t.Columns.filter((c) => !existing.has(c.Name));
  for (const c of missing) {
    if (t.PartitionedBy.includes(c.Name)) {
      problems.push(`partition column ${c.Name} is not in the table; a partitioning change needs a new contract MODEL (a new _v<MODEL> table)`);
    }
  }
  if (problems.length > 0) throw new TableEvolutionError(label, problems);

  const actions: TableAction[] = [...changes];
  if (missing.length > 0) actions.push({ kind: 'add-columns', sql: renderAddColumns(t, missing), columns: missing });
  if (actions.length > 0 || metadataDiffers(t, current)) actions.push(update);
  return actions;
}

/** The `TableInput` fields Glue `UpdateTable` takes that a `GetTable` `Table` also has (AWS Glue API, `TableInput`). */
export const TABLE_INPUT_FIELDS = [
  'Name',
  'Description',
  'Owner',
  'LastAccessTime',
  'LastAnalyzedTime',
  'Retention',
  'StorageDescriptor',
  'PartitionKeys',
  'ViewOriginalText',
  'ViewExpandedText',
  'TableType',
  'Parameters',
  'TargetTable',
] as const;

type TableInputField = (typeof TABLE_INPUT_FIELDS)[number];

/**
 * The Glue `UpdateTable` input that applies an `update-metadata` action: every `TableInput` field copied from
 * the table as it is now (so `table_type`, `metadata_location`, `previous_metadata_location`, the storage
 * descriptor and any other parameter stay exactly as they are), with the declared description and
 * `lakeforge.*` parameters added or replaced. Lakeforge never removes a parameter.
 *
 * @param current - the table from a `GetTable` made just before the update.
 * @param action - the metadata to apply.
 */
export function renderMetadataTableInput<T extends GlueTableState>(
  current: T,
  action: Extract<TableAction, { kind: 'update-metadata' }>,
): Partial<Pick<T, Extract<TableInputField, keyof T>>> & { Description: string; Parameters: Record<string, string> } {
  const input: Record<string, unknown> = {};
  for (const field of TABLE_INPUT_FIELDS) {
    const value = (current as Record<string, unknown>)[field];
    if (value !== undefined) input[field] = value;
  }
  return {
    ...(input as Partial<Pick<T, Extract<TableInputField, keyof T>>>),
    Description: action.description,
    Parameters: { ...(current.Parameters ?? {}), ...action.parameters },
  };
}

// ---------------------------------------------------------------------------------------------------
// Running a plan against the ports.

/** Terminal and non-terminal Athena query states (Athena API `QueryExecutionState`). */
export type QueryState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** The Athena operations the DDL needs. */
export interface AthenaDdlPort {
  /** StartQueryExecution; returns the query execution id. */
  start(query: { sql: string; database: string; workgroup: string }): Promise<string>;
  /** GetQueryExecution; returns state and StateChangeReason. */
  status(queryExecutionId: string): Promise<{ state: QueryState; reason?: string }>;
  /** StopQueryExecution. */
  stop(queryExecutionId: string): Promise<void>;
}

/** The CloudFormation operation the handler needs. */
export interface StackPort {
  /** Whether the stack is rolling back an update (`UPDATE_ROLLBACK_IN_PROGRESS`), from DescribeStacks. */
  isRollingBack(stackId: string): Promise<boolean>;
}

/** The Glue operations the DDL needs. */
export interface GlueDdlPort<T extends GlueTableState = GlueTableState> {
  /** GetTable; `undefined` when the table does not exist (EntityNotFoundException). */
  getTable(database: string, table: string): Promise<T | undefined>;
  /**
   * UpdateTable with `VersionId` = the version the input was built from (optimistic concurrency).
   * @throws Error named `ConcurrentModificationException` when the table changed meanwhile.
   */
  updateTable(database: string, versionId: string | undefined, input: ReturnType<typeof renderMetadataTableInput<T>>): Promise<void>;
}

/** How to wait for an Athena query: exponential backoff between polls, and a deadline. */
export interface PollPolicy {
  /** First wait, ms. */
  readonly initialDelayMs: number;
  /** Longest wait between two polls, ms. */
  readonly maxDelayMs: number;
}

/** 250 ms, doubling, at most 5 s between polls: DDL takes seconds. */
export const DEFAULT_POLL_POLICY: PollPolicy = { initialDelayMs: 250, maxDelayMs: 5_000 };

/** What {@link applyTables} needs. */
export interface DdlDeps<T extends GlueTableState = GlueTableState> {
  readonly athena: AthenaDdlPort;
  readonly glue: GlueDdlPort<T>;
  readonly sleep: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch (injected clock). */
  readonly now: () => number;
  /** Give up (stop the running query, fail) at this time, ms since the epoch. */
  readonly deadline: number;
  /** @default DEFAULT_POLL_POLICY */
  readonly policy?: PollPolicy;
  /** Called once per action before it runs (logging). */
  readonly onAction?: (table: string, action: TableAction) => void;
}

/** Thrown when an Athena query does not succeed. */
export class DdlQueryError extends Error {
  constructor(
    message: string,
    public readonly queryExecutionId: string,
  ) {
    super(message);
    this.name = 'DdlQueryError';
  }
}

/**
 * Runs one statement to completion: start, then poll with exponential backoff until a terminal state; at the
 * deadline the query is stopped and the run fails.
 *
 * @throws DdlQueryError when the query fails, is cancelled or outlives the deadline.
 */
export async function runStatement(deps: DdlDeps<GlueTableState>, sql: string, database: string, workgroup: string): Promise<string> {
  const policy = deps.policy ?? DEFAULT_POLL_POLICY;
  const id = await deps.athena.start({ sql, database, workgroup });
  let delay = policy.initialDelayMs;
  for (;;) {
    const { state, reason } = await deps.athena.status(id);
    if (state === 'SUCCEEDED') return id;
    if (state === 'FAILED' || state === 'CANCELLED') throw new DdlQueryError(`Athena query ${id} ${state}: ${reason ?? 'no reason given'}\n${sql}`, id);
    if (deps.now() + delay > deps.deadline) {
      await deps.athena.stop(id);
      throw new DdlQueryError(`Athena query ${id} still ${state} at the function's deadline; stopped it\n${sql}`, id);
    }
    await deps.sleep(delay);
    delay = Math.min(delay * 2, policy.maxDelayMs);
  }
}

/** Attempts of a metadata update that lost a race with a concurrent commit (each re-reads the table). */
export const METADATA_UPDATE_ATTEMPTS = 3;

/**
 * Makes every table match its declaration: plans each table against `GetTable`, runs its DDL in Athena, then
 * applies its metadata with `UpdateTable` on a fresh `GetTable` (retried when a concurrent commit won). All
 * tables are planned before any statement runs, so a refused change fails the whole resource without
 * touching any table.
 *
 * @param options - passed to {@link planTable}.
 * @returns the actions taken, per `<database>.<table>`.
 * @throws TableEvolutionError, DdlQueryError, or the ports' errors.
 */
export async function applyTables<T extends GlueTableState>(
  deps: DdlDeps<T>,
  workgroup: string,
  tables: readonly TableDdlTable[],
  options: { readonly keepUndeclaredColumns?: boolean } = {},
): Promise<Record<string, TableAction[]>> {
  const plans: [TableDdlTable, TableAction[]][] = [];
  for (const t of tables) plans.push([t, planTable(t, await deps.glue.getTable(t.Database, t.Table), options)]);
  const done: Record<string, TableAction[]> = {};
  for (const [t, actions] of plans) {
    const label = `${t.Database}.${t.Table}`;
    for (const action of actions) {
      deps.onAction?.(label, action);
      if (action.kind === 'update-metadata') await updateMetadata(deps, t, action);
      else await runStatement(deps as DdlDeps<GlueTableState>, action.sql, t.Database, workgroup);
    }
    done[label] = actions;
  }
  return done;
}

async function updateMetadata<T extends GlueTableState>(deps: DdlDeps<T>, t: TableDdlTable, action: Extract<TableAction, { kind: 'update-metadata' }>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await deps.glue.getTable(t.Database, t.Table);
    if (current === undefined) throw new Error(`${t.Database}.${t.Table}: the table does not exist after its DDL ran`);
    try {
      await deps.glue.updateTable(t.Database, current.VersionId, renderMetadataTableInput(current, action));
      return;
    } catch (e) {
      if ((e as Error).name !== 'ConcurrentModificationException' || attempt >= METADATA_UPDATE_ATTEMPTS) throw e;
    }
  }
}

/**
 * The resource properties of a `Custom::LakeforgeIcebergTables` request, checked: a workgroup and at least one
 * table, each with the shape of {@link TableDdlTable} (CloudFormation passes every scalar as a string).
 *
 * @throws Error naming the first property that is missing or has the wrong shape.
 */
export function parseTableDdlProperties(raw: unknown): { Workgroup: string; Tables: TableDdlTable[] } {
  const fail = (path: string, expected: string): never => {
    throw new Error(`ResourceProperties.${path}: expected ${expected}`);
  };
  const isString = (v: unknown): v is string => typeof v === 'string';
  const record = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
  const props = record(raw) ?? fail('', 'an object');
  if (!isString(props.Workgroup) || props.Workgroup === '') fail('Workgroup', 'a workgroup name');
  if (!Array.isArray(props.Tables) || props.Tables.length === 0) fail('Tables', 'a non-empty list');
  const tables = (props.Tables as unknown[]).map((rawTable, i): TableDdlTable => {
    const t = record(rawTable) ?? fail(`Tables[${i}]`, 'an object');
    for (const key of ['Database', 'Table', 'Location', 'Description'] as const) if (!isString(t[key])) fail(`Tables[${i}].${key}`, 'a string');
    if (!Array.isArray(t.Columns)) fail(`Tables[${i}].Columns`, 'a list');
    const columns = (t.Columns as unknown[]).map((rawColumn, j): TableDdlColumn => {
      const c = record(rawColumn) ?? fail(`Tables[${i}].Columns[${j}]`, 'an object');
      if (!isString(c.Name) || !isString(c.Type)) fail(`Tables[${i}].Columns[${j}]`, 'Name and Type strings');
      return { Name: c.Name as string, Type: c.Type as string, Comment: isString(c.Comment) ? c.Comment : '' };
    });
    const partitionedBy = t.PartitionedBy ?? [];
    if (!Array.isArray(partitionedBy) || !partitionedBy.every(isString)) fail(`Tables[${i}].PartitionedBy`, 'a list of column names');
    const parameters = record(t.Parameters ?? {}) ?? fail(`Tables[${i}].Parameters`, 'a map of strings');
    if (!Object.values(parameters).every(isString)) fail(`Tables[${i}].Parameters`, 'a map of strings');
    return {
      Database: t.Database as string,
      Table: t.Table as string,
      Location: t.Location as string,
      Description: t.Description as string,
      Columns: columns,
      PartitionedBy: partitionedBy as string[],
      Parameters: parameters as Record<string, string>,
    };
  });
  return { Workgroup: props.Workgroup as string, Tables: tables };
}

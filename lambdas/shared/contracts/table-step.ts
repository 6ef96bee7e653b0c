/**
 * The table step of a contract change: what the curated Iceberg table of the contract's MODEL (`<name>_v<MODEL>`)
 * must go through when a new version replaces the old one, as a SchemaVer step.
 *
 * SchemaVer's own step is about historical instances (`compatibility.ts`: the instance step). A change can keep
 * every historical instance valid and still change a column's type in a way the table cannot follow: `integer` →
 * `number` widens the instances but turns an `int` column into `double`. The table step compares the curated
 * columns ({@link contractColumns}, zone `curated`) before and after under the changes Iceberg applies in place,
 * as metadata-only schema updates:
 * - Apache Iceberg table spec, "Schema Evolution" (https://iceberg.apache.org/spec/#schema-evolution): valid
 *   primitive type promotions (format v1/v2) are `int` → `long` (Glue `bigint`), `float` → `double` and
 *   `decimal(P,S)` → `decimal(P',S)` with `P' > P`; "any struct, including a top-level schema, can evolve through
 *   deleting fields, adding new fields, renaming existing fields, reordering existing fields, or promoting a
 *   primitive"; evolving a primitive to a struct (or back) is not allowed;
 * - Amazon Athena User Guide, "Evolve Iceberg table schema"
 *   (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-evolving-table-schema.html): Add (a column, or
 *   a field of a nested struct), Drop, Rename, Reorder, and type promotion of a column, struct field, map key, map
 *   value or list element limited to integer → big integer, float → double and a wider decimal precision;
 *   `ALTER TABLE ADD COLUMNS` appends columns
 *   (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-alter-table-add-columns.html).
 *
 * The table of a MODEL holds the history of its versions, not just the latest one ({@link mergeColumnHistory}):
 * every column and struct field any version declared, in the order it first appeared. A property removed in a
 * later version stays a column (NULL for newer events; dropping it would hide its history from every query), a
 * nested field inserted between existing ones is appended to the struct, a reorder changes nothing. The table
 * step compares the history up to the old version with the history up to the new one.
 *
 * Verdicts ({@link TABLE_EVOLUTION_RULES}): a column added, a type promoted, a struct field appended → ADDITION
 * (Athena columns are nullable: historical rows read NULL in a new column or field). A retyped column or field
 * that is not a promotion (`int` → `double`, `timestamp` → `string`, `struct` → `string`) → MODEL. The rules for
 * a removed column or field and for reordered struct fields cannot fire between two histories; they classify
 * what the deploy-time table DDL finds when a Glue table does not hold the history (e.g. a table made by hand),
 * and are MODEL there: a struct type in DDL is positional, and the curated MERGE casts ROW values, which Trino
 * does field by position.
 *
 * The deploy-time table DDL (lambdas/table-ddl/core.ts `planTable`) classifies the difference between the Glue
 * table and its declaration with {@link compareColumns} and applies every ADDITION rule: ADD COLUMNS for a new
 * column, one `ALTER TABLE … CHANGE COLUMN` with the column's whole new type for a promotion or an appended
 * struct field, nothing for a reorder; it refuses every MODEL rule. Its tests hold one example per rule of
 * {@link TABLE_EVOLUTION_RULES}, so an ADDITION rule the DDL cannot apply fails them: make such a rule MODEL.
 *
 * Pure; no I/O.
 */
import { type Contract } from './contract';
import { isContractError } from './contract-error';
import { type GlueColumn, contractColumns } from './glue-types';
import { type SchemaVerStep, maxStepOrNone } from './schemaver';
import { type TableReason, compareColumns, mergeColumnHistory } from './column-evolution';

// The type parser and the column classification live in `column-evolution.ts` (no mapping, no ajv: the table DDL
// function uses them); re-exported so the contract model keeps one entry point.
export * from './column-evolution';

/** The table step of `from` → `to`. */
export interface TableStepResult {
  /** The largest step of {@link reasons}; `NONE` when the curated columns are the same (or not compared). */
  readonly step: SchemaVerStep | 'NONE';
  /** Every column change, in column order. */
  readonly reasons: readonly TableReason[];
  /** Why the columns could not be compared (a version that does not map to Glue columns); absent when they were. */
  readonly skipped?: string;
  /** The Iglu URIs of the history versions whose columns were merged in (oldest first); absent when none. */
  readonly history?: readonly string[];
}

/** Options of {@link checkTableStep}. */
export interface TableStepOptions {
  /**
   * The versions of `from`'s MODEL below `from`, oldest first: the table holds the columns of every one of them
   * ({@link mergeColumnHistory}). A version that does not map to Glue columns is left out.
   * @default [] - the table is `from`'s columns
   */
  readonly history?: readonly Contract[];
}

/**
 * The table step of `from` → `to`.
 * - Same MODEL (`to` evolves `from`'s table): the table's columns before are the history up to `from`, after
 *   the history up to `to` (both {@link mergeColumnHistory}), compared with {@link compareColumns}. The history
 *   keeps every column and struct field ever declared, in the order they first appeared, so a property removed,
 *   a nested field inserted between others or a reorder costs the table nothing; what remains are new columns
 *   and fields (ADDITION) and type changes (a promotion: ADDITION; anything else: MODEL).
 * - Another MODEL (`to` starts a new `_v<MODEL>` table): `from`'s columns compared with `to`'s, for information.
 * When a version does not map to Glue columns, nothing is compared and `skipped` says why (the publication gate
 * reports such a contract as invalid on its own).
 * @throws whatever the mapping throws other than a ContractError
 */
export function checkTableStep(from: Contract, to: Contract, opts: TableStepOptions = {}): TableStepResult {
  const columnsOf = (c: Contract): readonly GlueColumn[] => contractColumns(c, { zone: 'curated' });
  let before: readonly GlueColumn[];
  let after: readonly GlueColumn[];
  try {
    before = columnsOf(from);
  } catch (e) {
    if (!isContractError(e)) throw e;
    return { step: 'NONE', reasons: [], skipped: `${from.id} has no curated columns to compare (${e.message})` };
  }
  try {
    after = columnsOf(to);
  } catch (e) {
    if (!isContractError(e)) throw e;
    return { step: 'NONE', reasons: [], skipped: `${to.id} does not map to curated columns (${e.message})` };
  }
  if (from.uri.version.model === to.uri.version.model) {
    const used = (opts.history ?? []).flatMap((c) => {
      if (c.uri.version.model !== from.uri.version.model) return [];
      try {
        return [{ id: c.id, columns: columnsOf(c) }];
      } catch (e) {
        if (!isContractError(e)) throw e;
        return [];
      }
    });
    const history = used.map((h) => h.columns);
    const fromColumns = before;
    before = mergeColumnHistory([...history, fromColumns]);
    after = mergeColumnHistory([...history, fromColumns, after]);
    if (used.length > 0) return { ...stepOf(compareColumns(before, after)), history: used.map((h) => h.id) };
  }
  return stepOf(compareColumns(before, after));
}

function stepOf(reasons: readonly TableReason[]): { step: SchemaVerStep | 'NONE'; reasons: readonly TableReason[] } {
  return { step: reasons.reduce<SchemaVerStep | 'NONE'>((acc, r) => maxStepOrNone(acc, r.step), 'NONE'), reasons };
}

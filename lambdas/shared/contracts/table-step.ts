/**
 * The table step of a contract change: what the curated Iceberg table of the contract's MODEL (`<name>_v<MODEL>`)
 * must go through when a new version replaces the old one, as a SchemaVer step.
 *
 * SchemaVer's own step is about historical instances (`compatibility.ts`: the instance step). A change can keep
 * every historical instance valid and still change a column's type in a way the table cannot follow: `integer` →
 * `number` widens the instances but turns an `int` column into `double`. The table step compares the curated
 * columns of both versions ({@link contractColumns}, zone `curated`) under the changes Iceberg applies in place,
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
 * Verdicts ({@link TABLE_EVOLUTION_RULES}): a column added, a type promoted, a struct field appended → ADDITION
 * (Athena columns are nullable: historical rows read NULL in a new column or field). Everything else that changes
 * a column in the same `_v<MODEL>` table → MODEL: a retyped column or field (`int` → `double`, `timestamp` →
 * `string`, `struct` → `string`), a dropped column or field (Iceberg could drop it, but the history of the column
 * would be lost to queries of the table), and a struct whose existing fields change order or get a new field
 * between them (a struct type in DDL is positional, and the curated MERGE casts ROW values, which Trino does field
 * by position). The order of
 * top-level columns does not matter: the curated MERGE names its columns and new columns are appended.
 * Dropping a column and renaming one are allowed by Iceberg but are MODEL here on purpose: queries and marts
 * address columns by name.
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
import { contractColumns } from './glue-types';
import { type SchemaVerStep, maxStepOrNone } from './schemaver';
import { type TableReason, compareColumns } from './column-evolution';

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
}

/**
 * The table step of `from` → `to`: their curated columns compared with {@link compareColumns}.
 * When a version does not map to Glue columns, nothing is compared and `skipped` says why (the publication gate
 * reports such a contract as invalid on its own).
 * @throws whatever the mapping throws other than a ContractError
 */
export function checkTableStep(from: Contract, to: Contract): TableStepResult {
  let before;
  let after;
  try {
    before = contractColumns(from, { zone: 'curated' });
  } catch (e) {
    if (!isContractError(e)) throw e;
    return { step: 'NONE', reasons: [], skipped: `${from.id} has no curated columns to compare (${e.message})` };
  }
  try {
    after = contractColumns(to, { zone: 'curated' });
  } catch (e) {
    if (!isContractError(e)) throw e;
    return { step: 'NONE', reasons: [], skipped: `${to.id} does not map to curated columns (${e.message})` };
  }
  const reasons = compareColumns(before, after);
  const step = reasons.reduce<SchemaVerStep | 'NONE'>((acc, r) => maxStepOrNone(acc, r.step), 'NONE');
  return { step, reasons };
}

/**
 * Mart declarations: one `config/marts/<name>.ts` exporting {@link defineMart}(…) next to
 * `<name>.sql` (one SELECT statement, Athena engine 3 / Trino, zone-qualified logical names).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../shared/config-error';

/** Glue type strings accepted for mart output columns (primitive, `array<…>`, `map<…>`, `struct<…>`, `decimal(p,s)`). */
const GLUE_TYPE = /^(string|int|bigint|smallint|tinyint|double|float|boolean|date|timestamp|binary|decimal\(\d+,\d+\)|(array|map|struct)<.+>)$/;

/**
 * EventBridge Scheduler expressions: `cron(min hour day-of-month month day-of-week year)` with `?` in
 * exactly one of day-of-month/day-of-week, `rate(<n> <unit>)`, or `at(yyyy-mm-ddThh:mm:ss)`.
 * Source: Amazon EventBridge Scheduler User Guide, "Schedule types".
 */
export function isScheduleExpression(expr: string): boolean {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expr);
  if (rate !== null) {
    const n = Number(rate[1]);
    return n >= 1 && (n === 1) === !rate[2].endsWith('s');
  }
  if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(expr)) return true;
  const cron = /^cron\((.+)\)$/.exec(expr);
  if (cron === null) return false;
  const fields = cron[1].split(' ');
  if (fields.length !== 6 || fields.some((f) => !/^[0-9A-Za-z*?,/\-#L W]+$/.test(f))) return false;
  return (fields[2] === '?') !== (fields[4] === '?');
}

const columnSchema = z
  .object({
    /** Output column name (lower snake case). */
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower_snake_case column name'),
    /** Glue type, e.g. `bigint`, `array<string>`. */
    type: z.string().regex(GLUE_TYPE, 'expected a Glue type such as string, bigint, double, timestamp, array<string>'),
    /** What the column means, for the catalog docs. */
    description: z.string().min(1),
  })
  .strict();

/** Zod schema of a mart declaration (the `.ts` metadata next to the SQL). */
export const martDeclarationSchema = z
  .object({
    /** Mart name; the output table is `marts.<name>`. */
    name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower_snake_case name'),
    /** Owning team (e-mail or team handle). */
    owner: z.string().min(1),
    /** Data product the mart belongs to (kebab-case). */
    product: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a kebab-case product name'),
    /** What one row means. */
    description: z.string().min(1),
    /** EventBridge Scheduler expression, e.g. `cron(15 * * * ? *)`. */
    schedule: z.string().refine(isScheduleExpression, 'expected an EventBridge Scheduler expression: cron(m h dom mon dow y), rate(n unit) or at(...)'),
    /** The SQL file next to the declaration, e.g. `daily_engagement.sql`. */
    sqlFile: z.string().regex(/^[a-z0-9_]+\.sql$/, 'expected a file name like my_mart.sql'),
    /** Output table: columns in SELECT-list order, unique key (MERGE ON), identity partition columns. */
    output: z
      .object({
        columns: z.array(columnSchema).min(1),
        /** Columns that identify a row; the refresh upserts on them. */
        key: z.array(z.string()).min(1),
        /**
         * Identity partition columns of the Iceberg table; each must be a key column, so a row never moves
         * between partitions and the refresh can split its MERGE by partition values (at most 100 per
         * statement, Athena's writer limit). @default []
         */
        partitionedBy: z.array(z.string()).default([]),
      })
      .strict()
      .superRefine((o, ctx) => {
        const names = new Set(o.columns.map((c) => c.name));
        if (names.size !== o.columns.length) ctx.addIssue({ code: 'custom', message: 'duplicate column names', path: ['columns'] });
        for (const [field, list] of [['key', o.key], ['partitionedBy', o.partitionedBy]] as const) {
          list.forEach((c, i) => {
            if (!names.has(c)) ctx.addIssue({ code: 'custom', message: `"${c}" is not an output column`, path: [field, i] });
          });
        }
        o.partitionedBy.forEach((c, i) => {
          if (names.has(c) && !o.key.includes(c)) {
            ctx.addIssue({ code: 'custom', message: `"${c}" must also be a key column: a partitioned mart is refreshed partition by partition`, path: ['partitionedBy', i] });
          }
        });
      }),
    /** Tables this mart reads that other steps produce: `curated.<table>` or `marts.<name>`. */
    dependsOn: z.array(z.string().regex(/^(curated|marts)\.[a-z][a-z0-9_]*$/, 'expected curated.<table> or marts.<name>')).default([]),
  })
  .strict();

/** A mart declaration as written (defaults not applied). */
export type MartDeclarationInput = z.input<typeof martDeclarationSchema>;
/** A validated mart declaration. */
export type MartDeclaration = z.output<typeof martDeclarationSchema>;

/** A validated declaration with its SQL text. */
export interface Mart extends MartDeclaration {
  /** Logical output table, `marts.<name>`. */
  readonly table: string;
  /** The SELECT statement (trailing `;` and whitespace removed). */
  readonly sql: string;
  /** Absolute path of the SQL file (for error messages). */
  readonly sqlPath: string;
  /**
   * The declaration file, relative to the working directory when inside it (for error messages).
   * @default - unknown (a mart built without `defineMart`); messages then name the SQL file
   */
  readonly declarationPath?: string;
}

/**
 * Thrown by {@link defineMart} for an invalid declaration: one line per problem, each naming the declaration
 * file and the field, e.g. `config/marts/title_popularity.ts: output.key.0: "movie" is not an output column`.
 * A {@link ConfigError}, so `npm run synth` and `npx cdk synth` print it without a stack trace.
 */
export class MartDeclarationError extends ConfigError {
  /** The declaration file, relative to the working directory. */
  public readonly file: string;

  /**
   * @param file - the declaration file, as printed.
   * @param problems - `field: message` strings (`(root)` for the whole declaration).
   */
  constructor(file: string, problems: readonly string[]) {
    const lines = problems.map((p) => `${file}: ${p}`);
    super(lines);
    this.name = 'MartDeclarationError';
    this.message = lines.join('\n');
    this.file = file;
  }
}

/**
 * The declaration file of a mart in `dir`, relative to the working directory, for error messages:
 * `<name>.ts` (or `.js` in the compiled package), else the file named after the SQL file, else `<dir>/<name>.ts`.
 */
function declarationFile(dir: string, input: MartDeclarationInput): string {
  const stems = [input.name, typeof input.sqlFile === 'string' ? input.sqlFile.replace(/\.sql$/, '') : undefined].filter(
    (s): s is string => typeof s === 'string' && /^[A-Za-z0-9_.-]+$/.test(s),
  );
  const candidates = stems.flatMap((stem) => ['.ts', '.js'].map((ext) => path.join(dir, `${stem}${ext}`)));
  const file = candidates.find((f) => fs.existsSync(f)) ?? path.join(dir, `${stems[0] ?? '(unnamed mart)'}.ts`);
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

/**
 * Validates a declaration and reads its SQL file from `dir`.
 *
 * @param input - the declaration as written.
 * @param dir - the folder of the declaration and its SQL file (`__dirname` in `config/marts/<name>.ts`).
 * @throws MartDeclarationError naming the declaration file and every invalid field path, or the missing SQL file.
 */
export function defineMart(input: MartDeclarationInput, dir: string): Mart {
  const parsed = martDeclarationSchema.safeParse(input);
  if (!parsed.success) {
    throw new MartDeclarationError(
      declarationFile(dir, input),
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const sqlPath = path.join(dir, parsed.data.sqlFile);
  if (!fs.existsSync(sqlPath)) {
    throw new MartDeclarationError(declarationFile(dir, input), [`sqlFile: ${path.relative(process.cwd(), sqlPath)} not found (the SQL file sits next to the declaration)`]);
  }
  const sql = fs.readFileSync(sqlPath, 'utf8').replace(/;\s*$/, '').trimEnd();
  return { ...parsed.data, table: `marts.${parsed.data.name}`, sql, sqlPath, declarationPath: declarationFile(dir, input) };
}

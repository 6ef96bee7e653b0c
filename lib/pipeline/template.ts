/**
 * Run-time values in the pipeline's SQL. Statements are rendered at synth with placeholders
 * (`{{name}}`) that always sit inside a SQL string literal (`'{{lo}}'`), so every template parses
 * with the Trino grammar and is checked like any other statement. At run time the state machine
 * replaces them with JSONata `$replace` (see `lib/constructs/analytics/pipeline-orchestration.ts`)
 * and the local runtime with {@link fillTemplate}: one substitution rule, two executors.
 *
 * Values are checked against a strict pattern before they are substituted ({@link PLACEHOLDER_PATTERNS}),
 * so a value can never close the string literal it is placed in.
 *
 * Two kinds of value:
 * - per run: the query results of the run (`since_*`, `lo`/`hi`/`chunk`), the execution's start and id, the
 *   backfill input;
 * - per deployment: the curated window's settings ({@link PLACEHOLDERS.goLiveDate}, {@link PLACEHOLDERS.lookbackHours}).
 *   They are placeholders too, not SQL literals, because the plan is an S3 asset and CloudFormation resolves no
 *   dynamic reference inside an asset: a product team's state machine knows the platform's values only at deploy
 *   time (`{{resolve:ssm:…}}`). The state machine gets them through its definition substitutions (CloudFormation
 *   resolves those), the local runtime from the plan's literal `goLiveDate`/`lookbackHours`.
 */

/** The placeholders of pipeline statements, by name. */
export const PLACEHOLDERS = {
  /** First arrival date (`YYYY-MM-DD`) the curated source reads (from the window query). */
  sinceDt: '{{since_dt}}',
  /** First arrival hour (`HH`) on {@link PLACEHOLDERS.sinceDt} (from the window query). */
  sinceHour: '{{since_hour}}',
  /** Lowest partition value of a chunk (from the chunks query). */
  lo: '{{lo}}',
  /** Highest partition value of a chunk (from the chunks query). */
  hi: '{{hi}}',
  /** Chunk number (from the chunks query). */
  chunk: '{{chunk}}',
  /** Start time of the run (Step Functions `$states.context.Execution.StartTime`, RFC 3339 UTC). */
  runStartedAt: '{{run_started_at}}',
  /** Execution id of the run (Step Functions execution ARN, or `local:<n>` locally). */
  executionId: '{{execution_id}}',
  /** Backfill lower bound `YYYY-MM-DD` from the execution input, or the empty string. */
  backfillFrom: '{{backfill_from}}',
  /**
   * First arrival date the pipeline ever reads, `YYYY-MM-DD` (config `pipeline.goLiveDate`; a deploy-time value:
   * the state machine's definition substitutions, or the plan's `goLiveDate` locally).
   */
  goLiveDate: '{{go_live_date}}',
  /**
   * Hours the curated window re-reads before the last successful run's start, a whole number ≥ 1 (see
   * `curatedLookbackHours` in lib/pipeline/plan.ts; a deploy-time value like {@link PLACEHOLDERS.goLiveDate}).
   */
  lookbackHours: '{{lookback_hours}}',
} as const;

/** A placeholder name. */
export type PlaceholderName = keyof typeof PLACEHOLDERS;

/** Values of the placeholders of one statement. */
export type TemplateValues = Partial<Readonly<Record<PlaceholderName, string>>>;

/**
 * What each value must look like. Dates and hours as the raw zone partitions them; chunk bounds are
 * partition values (dates, or chunk numbers for marts); run ids are Step Functions execution ARNs.
 */
export const PLACEHOLDER_PATTERNS: Readonly<Record<PlaceholderName, RegExp>> = {
  sinceDt: /^\d{4}-\d{2}-\d{2}$/,
  sinceHour: /^\d{2}$/,
  lo: /^[0-9A-Za-z_.:\- ]{1,64}$/,
  hi: /^[0-9A-Za-z_.:\- ]{1,64}$/,
  chunk: /^-?\d{1,9}$/,
  runStartedAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/,
  executionId: /^[0-9A-Za-z_.:\-/]{1,256}$/,
  backfillFrom: /^(\d{4}-\d{2}-\d{2})?$/,
  goLiveDate: /^\d{4}-\d{2}-\d{2}$/,
  lookbackHours: /^[1-9]\d{0,4}$/,
};

/**
 * Replaces every placeholder of `template` that `values` names; placeholders without a value stay.
 *
 * @throws Error naming the placeholder when a value does not match {@link PLACEHOLDER_PATTERNS}.
 */
export function fillTemplate(template: string, values: TemplateValues): string {
  let out = template;
  for (const [name, value] of Object.entries(values) as [PlaceholderName, string | undefined][]) {
    if (value === undefined) continue;
    if (!PLACEHOLDER_PATTERNS[name].test(value)) {
      throw new Error(`Pipeline template value ${PLACEHOLDERS[name]} = ${JSON.stringify(value)} does not match ${PLACEHOLDER_PATTERNS[name]}`);
    }
    out = out.split(PLACEHOLDERS[name]).join(value);
  }
  return out;
}

/** The placeholders a template still contains, by name. */
export function placeholdersOf(template: string): PlaceholderName[] {
  return (Object.keys(PLACEHOLDERS) as PlaceholderName[]).filter((n) => template.includes(PLACEHOLDERS[n]));
}

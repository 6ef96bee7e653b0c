/**
 * Pure renderings of `lakeforge local` results: mart rows as CSV, the summary as a text table,
 * the first rows of a mart, and a live progress line for TTYs or plain lines otherwise.
 */
import type { ConservationReport } from './conservation';

/** Seconds spent in one phase. */
export interface PhaseTiming {
  readonly seconds: number;
}

/** Curated completeness of one contract table after the last pipeline run. */
export interface CuratedCompleteness {
  /** Distinct event ids in the raw zone. */
  readonly landedUnique: number;
  /** Rows of the curated table. */
  readonly curated: number;
  /** Landed event ids with no curated row (0 when the curated guarantee held). */
  readonly missing: number;
  /** Curated rows beyond one per event id (0: exactly once). */
  readonly duplicates: number;
}

/** One line of an events file that the ingest function quarantined, with its reasons. */
export interface QuarantinedLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly failureType: string;
  /** The bad row's `errors`, as the function wrote them. */
  readonly errors: readonly string[];
}

/** What `lakeforge local --events <file>` replayed (see `./events-file.ts`). */
export interface EventsInputSummary {
  /** Absolute path of the file. */
  readonly file: string;
  /** Lines of the file (a final line break does not start a line). */
  readonly lines: number;
  /** Empty or whitespace-only lines: skipped, not sent. */
  readonly blankLines: number;
  /** Non-blank lines not sent because of `--limit`. */
  readonly notSentByLimit: number;
  /** Valid events whose `event_id` an earlier line already used: kept in the raw zone, curated once. */
  readonly repeatedEventIds: number;
  /** Folder the content catalog's vendor files came from; null when none were uploaded (catalog tables empty). */
  readonly batchFilesFrom: string | null;
  /** Every quarantined line, in file order. */
  readonly quarantinedLines: readonly QuarantinedLine[];
}

/**
 * The run summary written to `<out>/summary.json`.
 * `eventsPerSecond` = `sent` / (produce + ingest seconds): the streaming throughput.
 */
export interface LocalSummary extends Pick<ConservationReport, 'sent' | 'landed' | 'quarantined' | 'injected' | 'lost' | 'duplicates' | 'misplaced'> {
  /** Rows per curated table (deduplicated by event_id). */
  readonly curated: Readonly<Record<string, number>>;
  /** Per contract table: landed distinct events against curated rows. */
  readonly curatedCompleteness: Readonly<Record<string, CuratedCompleteness>>;
  /** The simulated clock: rounds, their pipeline run times and the late records. */
  readonly rounds: {
    readonly rounds: number;
    /** Simulated start of each round's pipeline run (RFC 3339 UTC). */
    readonly runStartedAt: readonly string[];
    /** Records held back and delivered in a later round with their original arrival time. */
    readonly lateRecords: number;
    /** Rounds a late record was held back. */
    readonly lateRounds: number;
    /** Longest time from a late record's arrival to the run after it landed, in hours (≤ `lookbackHours`). */
    readonly maxLateDelayHours: number;
    /** The plan's curated lookback: the guarantee's bound on late delivery. */
    readonly lookbackHours: number;
  };
  /** The pipeline's statements over all runs, and Athena's writer limit. */
  readonly athena: {
    readonly statements: number;
    readonly writes: number;
    /** Most distinct partitions one write opened. */
    readonly maxPartitionsPerWrite: number;
    /** The writer limit (`HIVE_TOO_MANY_OPEN_PARTITIONS` above it). */
    readonly limit: number;
  };
  /** Rows per mart. */
  readonly marts: Readonly<Record<string, number>>;
  /** What the local event source mapping, the producer and the fault proxy did. */
  readonly transport: {
    readonly putRecordsCalls: number;
    readonly putRecordsRetriedRecords: number;
    readonly invocations: number;
    readonly partialFailures: number;
    readonly functionErrors: number;
    readonly redeliveredRecords: number;
    readonly discardedBatches: number;
    readonly s3Puts: number;
    readonly s3FaultsInjected: number;
  };
  readonly phases: Readonly<Record<string, PhaseTiming>>;
  readonly eventsPerSecond: number;
  /** Why the run failed; empty when it passed. */
  readonly problems: readonly string[];
  /**
   * The events file replayed (`--events`); absent for the MovieLens demo. With it, `injected` holds the failure
   * types the ingest core gives the file's lines (what the run expects), not injected corruption.
   */
  readonly events?: EventsInputSummary;
  /** The registry folder published before the run (`--registry`); absent without one (an empty registry). */
  readonly registry?: RegistryInputSummary;
}

/** What `--registry` published to the local contract registry. */
export interface RegistryInputSummary {
  /** Absolute path of the folder. */
  readonly dir: string;
  /** Iglu URIs published, sorted by vendor, name, version. */
  readonly schemas: readonly string[];
  /** Tables of the folder's contract MODELs added to the local plan (a MODEL the platform already has is not listed). */
  readonly tables: readonly string[];
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
export function csvField(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = '';
  else if (value instanceof Date) text = value.toISOString();
  else if (Array.isArray(value)) text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  else if (typeof value === 'object') text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
  else text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Rows as CSV with a header line (LF line ends). NULL → empty field, timestamps → ISO-8601 UTC,
 * arrays and structs → JSON, numbers in JavaScript's shortest round-trip form.
 */
export function toCsv(columns: readonly string[], rows: readonly Readonly<Record<string, unknown>>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** A two-column text table. */
export function renderTable(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  const valueWidth = Math.max(...rows.map(([, v]) => v.length));
  return rows.map(([k, v]) => `  ${pad(k, width)}  ${pad(v, valueWidth, true)}`).join('\n');
}

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * The final summary table (counts, per-type quarantine, phases, throughput). For an events file (`summary.events`)
 * it starts with the file's lines, compares the quarantine with the expected failure types and lists only the
 * curated tables the file touched.
 */
export function renderSummary(summary: LocalSummary): string {
  const events = summary.events;
  const expectedWord = events === undefined ? 'injected' : 'expected';
  const types = [...new Set([...Object.keys(summary.quarantined), ...Object.keys(summary.injected)])].sort((a, b) => a.localeCompare(b));
  const curated = Object.entries(summary.curatedCompleteness).filter(([, c]) => events === undefined || c.landedUnique > 0 || c.curated > 0);
  const untouched = Object.keys(summary.curatedCompleteness).length - curated.length;
  const rows: [string, string][] = [
    ...(events === undefined
      ? []
      : ([
          ['events file', events.file],
          ['lines', `${count(events.lines)} (${count(events.blankLines)} blank, skipped${events.notSentByLimit > 0 ? `; ${count(events.notSentByLimit)} not sent (--limit)` : ''})`],
        ] as [string, string][])),
    ...(summary.registry === undefined
      ? []
      : ([['registry', `${summary.registry.dir}: ${count(summary.registry.schemas.length)} schema(s) published, tables ${summary.registry.tables.join(', ') || 'none added'}`]] as [string, string][])),
    ['sent', count(summary.sent)],
    ['landed (raw zone)', `${count(summary.landed)}${events !== undefined && events.repeatedEventIds > 0 ? ` (${count(events.repeatedEventIds)} repeat an earlier event_id)` : ''}`],
    ...types.map((type): [string, string] => [`quarantined: ${type}`, `${count(summary.quarantined[type] ?? 0)} (${expectedWord} ${count(summary.injected[type] ?? 0)})`]),
    ['lost', count(summary.lost)],
    ['duplicates', count(summary.duplicates)],
    ...curated.map(([t, c]): [string, string] => [
      `curated ${t}`,
      `${count(c.curated)} of ${count(c.landedUnique)} landed (missing ${count(c.missing)}, duplicates ${count(c.duplicates)})`,
    ]),
    ...(untouched > 0 ? [['curated, other tables', `${count(untouched)} not touched by the file`] as [string, string]] : []),
    ...(events === undefined ? [] : [['content catalog (batch files)', events.batchFilesFrom ?? 'none: catalog tables empty'] as [string, string]]),
    ['rounds (simulated runs, 1 h apart)', count(summary.rounds.rounds)],
    [
      'late records',
      `${count(summary.rounds.lateRecords)} (delivered ≤ ${summary.rounds.maxLateDelayHours.toFixed(2)} h after arrival; lookback ${summary.rounds.lookbackHours} h)`,
    ],
    ['athena statements (writes)', `${count(summary.athena.statements)} (${count(summary.athena.writes)})`],
    ['max partitions per write', `${count(summary.athena.maxPartitionsPerWrite)} (limit ${count(summary.athena.limit)})`],
    ...Object.entries(summary.marts).map(([m, n]): [string, string] => [`mart ${m}`, `${count(n)} rows`]),
    ...Object.entries(summary.phases).map(([p, t]): [string, string] => [`time ${p}`, `${t.seconds.toFixed(2)} s`]),
    ['events/s (produce + ingest)', count(Math.round(summary.eventsPerSecond))],
  ];
  return renderTable(rows);
}

/**
 * The quarantined lines of an events file with their reasons, in file order, at most `limit` of them (then a
 * line saying how many more are in `summary.json`). Reasons are joined by "; " and cut at 160 characters.
 */
export function renderQuarantinedLines(lines: readonly QuarantinedLine[], limit: number): string {
  const shown = lines.slice(0, limit);
  const lineWidth = Math.max(0, ...shown.map((l) => String(l.line).length));
  const typeWidth = Math.max(0, ...shown.map((l) => l.failureType.length));
  const text = shown.map((l) => {
    const reasons = l.errors.join('; ');
    return `  line ${pad(String(l.line), lineWidth, true)}  ${pad(l.failureType, typeWidth)}  ${reasons.length > 160 ? `${reasons.slice(0, 159)}…` : reasons}`;
  });
  if (lines.length > shown.length) text.push(`  … ${count(lines.length - shown.length)} more in summary.json (events.quarantinedLines)`);
  return text.join('\n');
}

/** The first `limit` rows of a result as an aligned text table. */
export function renderRows(columns: readonly string[], rows: readonly Readonly<Record<string, unknown>>[], limit: number): string {
  const cell = (v: unknown): string => {
    const text = csvField(v).replace(/^"|"$/g, '').replace(/""/g, '"');
    return text.length > 40 ? `${text.slice(0, 39)}…` : text;
  };
  const shown = rows.slice(0, limit).map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...shown.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, i) => pad(c, widths[i])).join('  ')}`.trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...shown.map(line)].join('\n');
}

/** Where progress goes. */
export interface ProgressSink {
  write(text: string): void;
  /** True on a terminal: one live line per phase; otherwise plain lines. */
  readonly isTTY: boolean;
}

/** Progress of the phases of a run. */
export class Progress {
  private current: string | undefined;
  private lastDraw = 0;

  /** @param now - milliseconds clock for throttling redraws. @default Date.now */
  constructor(
    private readonly sink: ProgressSink,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a phase. */
  start(phase: string, detail = ''): void {
    this.current = phase;
    if (this.sink.isTTY) this.draw(`${phase}: ${detail}`);
    else this.sink.write(`${phase}: started${detail === '' ? '' : ` (${detail})`}\n`);
  }

  /** Updates the live line (at most 10 redraws a second; nothing on a non-TTY). */
  update(detail: string): void {
    if (!this.sink.isTTY || this.current === undefined) return;
    const t = this.now();
    if (t - this.lastDraw < 100) return;
    this.lastDraw = t;
    this.draw(`${this.current}: ${detail}`);
  }

  /** Ends the phase with its outcome and duration. */
  end(detail: string, seconds: number): void {
    const text = `${this.current ?? ''}: ${detail} (${seconds.toFixed(2)} s)`;
    if (this.sink.isTTY) this.sink.write(`\r\x1b[2K${text}\n`);
    else this.sink.write(`${text}\n`);
    this.current = undefined;
  }

  private draw(text: string): void {
    this.sink.write(`\r\x1b[2K${text}`);
  }
}

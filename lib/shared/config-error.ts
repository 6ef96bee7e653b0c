/**
 * Thrown when a configuration value or a declaration is invalid. The message is a header line followed by one
 * line per problem, each naming the environment (or declaration) and the field path:
 *
 * ```
 * Invalid Lakeforge configuration (config/environments.ts):
 *   - prod.analytics.bytesScannedCutoffPerQuery: expected ≥ 10 MB (10000000 bytes)
 *   - prod.storage.alowDestroy: unknown key, did you mean "allowDestroy"?
 * ```
 *
 * `lakeforge synth` (and every other `lakeforge` command) prints every line of it, without a stack trace, and
 * exits 1. Subclasses may set their own message (one problem per line).
 *
 * Defined under lib/ (and re-exported by `config/`) so stacks that validate declarations, such as the pipeline
 * stack's mart check, can extend it without importing a config module.
 */
export class ConfigError extends Error {
  /** The problems, one `env.path: message` string each (never containing a line break). */
  public readonly issues: readonly string[];

  /**
   * @param issues - the problems, one `env.path: message` string each; line breaks inside one are folded to spaces.
   */
  constructor(issues: readonly string[]) {
    const lines = issues.map((issue) => issue.replace(/\s*\n\s*/g, ' '));
    super(renderConfigErrorMessage(lines));
    this.name = 'ConfigError';
    this.issues = lines;
  }
}

/** The message of a {@link ConfigError}: a header line, then `  - <issue>` per issue. */
export function renderConfigErrorMessage(issues: readonly string[]): string {
  return ['Invalid Lakeforge configuration (config/environments.ts):', ...issues.map((issue) => `  - ${issue}`)].join('\n');
}

/**
 * The edit distance between two strings (optimal string alignment: insertions, deletions, substitutions and
 * transpositions of two adjacent characters each cost 1), compared case-insensitively.
 *
 * @example editDistance('alowDestroy', 'allowDestroy') // 1
 * @example editDistance('eu-wset-1', 'eu-west-1') // 1 (one transposition)
 */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  // d[i][j]: distance between the first i characters of s and the first j of t.
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[s.length][t.length];
}

/**
 * The candidates closest to a mistyped value: those at the smallest edit distance, if that distance is at most a
 * third of the value's length (at least 1, so short values still get one-typo suggestions). At most three, in
 * the candidates' order.
 *
 * @param value - what was written, e.g. `alowDestroy`.
 * @param candidates - the accepted values, e.g. the keys of the config object.
 * @returns the suggestions; empty when nothing is close, or when `value` is itself a candidate.
 */
export function closestMatches(value: string, candidates: readonly string[]): string[] {
  const limit = Math.max(1, Math.floor(value.length / 3));
  let best = Infinity;
  let matches: string[] = [];
  for (const candidate of candidates) {
    if (candidate === value) return [];
    const distance = editDistance(value, candidate);
    if (distance > limit || distance > best) continue;
    if (distance < best) {
      best = distance;
      matches = [];
    }
    matches.push(candidate);
  }
  return matches.slice(0, 3);
}

/**
 * A "did you mean" hint for a mistyped value, e.g. `did you mean "allowDestroy"?` or
 * `did you mean "eu-west-1", "eu-west-2" or "eu-west-3"?`.
 *
 * @returns the hint, or `undefined` when no candidate is close (see {@link closestMatches}).
 */
export function didYouMean(value: string, candidates: readonly string[]): string | undefined {
  const matches = closestMatches(value, candidates).map((m) => `"${m}"`);
  if (matches.length === 0) return undefined;
  const list = matches.length === 1 ? matches[0] : `${matches.slice(0, -1).join(', ')} or ${matches[matches.length - 1]}`;
  return `did you mean ${list}?`;
}

/**
 * The one error type of the contract model. Every failure the loader, the Glue mapper, the
 * validator compiler or the compatibility checker can report is a `ContractError`, so callers
 * (the CLI, CI, constructs) can print `file`, `pointer` and `message` without a stack trace.
 */
export class ContractError extends Error {
  /** The schema file (path as given to the loader) or Iglu URI the error is about. */
  public readonly file: string;
  /**
   * JSON pointer (RFC 6901) inside that file, e.g. `/properties/user_id/type`;
   * `''` means the whole document.
   */
  public readonly pointer: string;
  /** What is wrong and, where possible, what is allowed, without the location prefix. */
  public readonly reason: string;

  /**
   * @param file - schema file or Iglu URI the error is about
   * @param pointer - JSON pointer inside the document (`''` = whole document)
   * @param reason - human-readable reason
   */
  public constructor(file: string, pointer: string, reason: string) {
    super(`${file}${pointer === '' ? '' : ` at ${pointer}`}: ${reason}`);
    this.name = 'ContractError';
    this.file = file;
    this.pointer = pointer;
    this.reason = reason;
  }
}

/** True when `e` is a {@link ContractError} (also across module copies, by name and shape). */
export function isContractError(e: unknown): e is ContractError {
  return (
    e instanceof ContractError ||
    (e instanceof Error && e.name === 'ContractError' && typeof (e as Partial<ContractError>).pointer === 'string')
  );
}

/** Escape one reference token for a JSON pointer (RFC 6901 §3: `~` → `~0`, `/` → `~1`). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Append reference tokens to a JSON pointer, escaping each. */
export function joinPointer(base: string, ...tokens: ReadonlyArray<string | number>): string {
  return tokens.reduce<string>((acc, t) => `${acc}/${escapePointerToken(String(t))}`, base);
}

/**
 * What the scaffolding functions (`lakeforge product new`, `contracts new`, `marts new`) return and
 * throw. Pure: they never touch the file system; the CLI writes the edits.
 */

/** One file to write, relative to the repository root. */
export interface FileEdit {
  /** Path relative to the repository root, `/`-separated, e.g. `config/products/playback.ts`. */
  readonly path: string;
  /** The whole new content of the file (UTF-8). */
  readonly content: string;
}

/**
 * Bad scaffolding input (an existing name, an invalid field, a contract owned by another product).
 * The message is one line that names the command's argument or the file and the field; the CLI prints
 * it as it is and exits 1, having written nothing.
 */
export class ScaffoldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScaffoldError';
  }
}

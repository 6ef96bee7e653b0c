import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The entry file of a Lakeforge Lambda function (`lambdas/<name>/handler.ts`), found from this module's
 * location so it works both from the source tree (TypeScript) and from the published package
 * (`dist/`, compiled JavaScript).
 *
 * @param name - the folder under `lambdas/`, e.g. `ingest`.
 * @throws Error when neither `handler.ts` nor `handler.js` exists.
 */
export function lambdaEntry(name: string): string {
  const dir = path.join(__dirname, '..', '..', 'lambdas', name);
  for (const file of ['handler.ts', 'handler.js']) {
    const candidate = path.join(dir, file);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`Lambda entry not found: ${dir}/handler.{ts,js}`);
}

/** The repository (or installed package) root, used as the bundling project root. */
export function projectRoot(): string {
  return path.join(__dirname, '..', '..');
}

import * as path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LAKEFORGE_ESBUILD_OPTIONS } from '../../lib/shared/lambda-entry';

/** The repository root. */
export const REPO = path.join(__dirname, '..', '..');

/**
 * esbuild's metafile of a Lambda handler built as the function ships it (`LAKEFORGE_ESBUILD_OPTIONS`, AWS SDK
 * bundled), in memory: which inputs the bundle carries and how many bytes each adds.
 * @param handler - the handler's path from the repository root, e.g. `lambdas/ingest/handler.ts`
 */
export async function bundleMetafile(handler: string): Promise<Metafile> {
  const result = await build({
    ...LAKEFORGE_ESBUILD_OPTIONS,
    mainFields: [...LAKEFORGE_ESBUILD_OPTIONS.mainFields],
    entryPoints: [path.join(REPO, handler)],
    bundle: true,
    write: false,
    outdir: path.join(REPO, 'cdk.out', 'unused'),
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
}

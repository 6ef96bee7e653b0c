// Copies the non-TypeScript files the compiled package needs at run time into dist/:
// precompiled validators, data contracts and mart SQL. Run by `npm run build` after tsc.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const copy = (from, to, filter) => cpSync(from, to, { recursive: true, filter });
copy('lambdas/ingest/generated', 'dist/lambdas/ingest/generated');
copy('config/contracts', 'dist/config/contracts', (src) => !src.endsWith('.ts'));
for (const f of readdirSync('config/marts')) if (f.endsWith('.sql')) cpSync(join('config/marts', f), join('dist/config/marts', f));

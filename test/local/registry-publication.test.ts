/**
 * `lakeforge local --registry <dir>` publishes the folder through the deploy's publishing gate
 * (lambdas/registry-publisher/core.ts), into a real S3-compatible server: an honest folder is published whole
 * (and again as a no-op), a folder with a dishonest SchemaVer step is refused with the deploy's message and
 * nothing is published, and `lakeforge local` stops with that message before replaying anything.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GATE_RULES } from '../../lambdas/shared/contracts/publication-rules';
import type { JsonObject } from '../../lib/contracts/contract';
import { localAction } from '../../tools/commands/local';
import { publishRegistry, readRegistryFolder } from '../../tools/local/registry';
import { selfDescribing } from '../contracts/contract-factory';
import { captureIo } from '../helpers/local-io';
import { listKeys, localS3ForFile } from '../helpers/local-s3';
import { tempDirs } from '../helpers/temp-dirs';

const EXAMPLE_REGISTRY = path.join(__dirname, '..', '..', 'examples', 'registry');
const tempDir = tempDirs();

const V1: JsonObject = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'], additionalProperties: false };
/** V1 plus a required property V1 forbade, labelled as an ADDITION below: dishonest (no historical instance stays valid: MODEL). */
const V1_PLUS_REQUIRED: JsonObject = { ...V1, properties: { id: { type: 'string' }, title: { type: 'string' } }, required: ['id', 'title'] };
const uri = (version: string): string => `iglu:com.acme/video_played/jsonschema/${version}`;

/** A registry folder `schemas/com.acme/video_played/jsonschema/<version>` per entry. */
function registryFolder(versions: Record<string, JsonObject>): string {
  const dir = tempDir('lakeforge-registry-publication-');
  const versionsDir = path.join(dir, 'schemas', 'com.acme', 'video_played', 'jsonschema');
  fs.mkdirSync(versionsDir, { recursive: true });
  for (const [version, body] of Object.entries(versions)) {
    fs.writeFileSync(path.join(versionsDir, version), JSON.stringify(selfDescribing(body, version, 'video_played', 'com.acme'), null, 2));
  }
  return dir;
}

const local = localS3ForFile();
const client = () => local.server().client();
const freshBucket = () => local.freshBucket('registry');

describe('publishing a registry folder locally', () => {
  it('publishes every schema of the example registry at its key, and republishing it is a no-op', async () => {
    const bucket = await freshBucket();
    const registry = readRegistryFolder(EXAMPLE_REGISTRY);
    expect(await publishRegistry(client(), bucket, registry)).toBe(registry.schemas.length);
    expect((await listKeys(client(), bucket)).sort()).toEqual(registry.schemas.map((s) => s.key).sort());
    expect(await publishRegistry(client(), bucket, registry)).toBe(registry.schemas.length);
  });

  it('refuses a dishonest SchemaVer step with the deploy\'s message and publishes nothing', async () => {
    const bucket = await freshBucket();
    const dir = registryFolder({ '1-0-0': V1, '1-0-1': V1_PLUS_REQUIRED });
    const error = await publishRegistry(client(), bucket, readRegistryFolder(dir)).catch((e: Error) => e);
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toBe(`--registry ${dir}: the registry refuses 1 schema(s); nothing was published:`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${uri('1-0-1')}: ${GATE_RULES.bump}: declared ADDITION but the changes require MODEL \\(compared with ${uri('1-0-0')}\\): `))]);
    expect(await listKeys(client(), bucket)).toEqual([]);
  });

  it('makes `lakeforge local --registry <dishonest folder>` fail with that message', async () => {
    const dir = registryFolder({ '1-0-0': V1, '1-0-1': V1_PLUS_REQUIRED });
    const io = captureIo();
    const run = await localAction({ registry: dir, out: tempDir('lakeforge-registry-publication-out-') }, io);
    expect(run.exitCode).toBe(1);
    expect(io.errors()).toMatch(/^lakeforge local failed: /);
    expect(io.errors()).toContain(`--registry ${dir}: the registry refuses 1 schema(s); nothing was published:\n${uri('1-0-1')}: ${GATE_RULES.bump}: `);
  }, 120_000);
});

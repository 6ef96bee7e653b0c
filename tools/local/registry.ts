/**
 * `lakeforge local --registry <dir>`: a team's Iglu static registry folder, published to the local contract
 * registry before the run as a deploy would publish it, so that the ingest function resolves the schemas it has
 * no precompiled validator for at run time (`lambdas/ingest/registry.ts`), and the contract tables of those
 * schemas are added to the local pipeline plan (on AWS, a team's `DataProduct` creates them).
 *
 * Folder layout (Iglu static registry, Snowplow docs "Static Iglu repository",
 * https://docs.snowplow.io/docs/api-reference/iglu/iglu-repositories/static-repo/): `<vendor>/<name>/jsonschema/<M-R-A>`
 * directly in the folder or under its `schemas/` subfolder (as Iglu Central and igluctl's static registries are
 * laid out); a `.json` extension is accepted and dropped from the object key. Files beside the vendor folders
 * (README, LICENSE) are ignored. Every schema is published to `schemas/<vendor>/<name>/jsonschema/<M-R-A>` of the
 * registry bucket, the key the function reads.
 *
 * The folder is read strictly before anything starts: a schema that does not load (not JSON, `self` block not
 * matching its path, a construct the Glue mapping refuses) is one line naming the file, as publishing refuses it
 * on AWS. Publishing then runs the deploy's publishing gate (`lambdas/registry-publisher/core.ts`, the same code
 * as the `Custom::LakeforgeSchemaPublication` function) against what the local registry already holds: a
 * rewritten published version or a dishonest SchemaVer step (e.g. `1-0-1` adding a required property) is
 * refused with the deploy's messages, one line per schema, and nothing is published. Pure apart from reading the
 * folder and the injected S3 client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SchemaResolution } from '../../lambdas/ingest/core';
import { compileRegistrySchema, registryObjectKey } from '../../lambdas/ingest/registry';
import { s3RegistryStore } from '../../lambdas/registry-publisher/adapters';
import { PublicationError, publishSchemas } from '../../lambdas/registry-publisher/core';
import { isContractError } from '../../lib/contracts/contract-error';
import { loadContracts, resolveIgluRoot } from '../../lib/contracts/loader';
import { readContractTables, type ContractTable } from '../../lib/marts/contract-adapter';

/** One schema of a registry folder, as it is published. */
export interface RegistrySchema {
  /** Iglu URI, `iglu:<vendor>/<name>/jsonschema/<M-R-A>`. */
  readonly uri: string;
  /** Object key in the registry bucket: `schemas/<vendor>/<name>/jsonschema/<M-R-A>`. */
  readonly key: string;
  /** The file's bytes, published as they are. */
  readonly body: Buffer;
  /** The file it was read from. */
  readonly file: string;
}

/** A registry folder, read and checked. */
export interface RegistryFolder {
  /** The folder as given. */
  readonly dir: string;
  /** The Iglu root read: `dir`, or `dir/schemas` when that is a folder. */
  readonly root: string;
  /** Every schema, sorted by vendor, name, version. */
  readonly schemas: readonly RegistrySchema[];
  /** One table per contract MODEL of the folder (`readContractTables`), sorted by table name. */
  readonly contractTables: readonly ContractTable[];
}

/**
 * Reads a registry folder (see the module doc).
 * @throws Error (one line, starting `--registry <dir>`) when the folder does not exist, holds no schema, or a
 *   schema does not load or cannot be mapped to a table (the message names the file and the field).
 */
export function readRegistryFolder(dir: string): RegistryFolder {
  const where = `--registry ${dir}`;
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${where}: not a folder`);
  const root = resolveIgluRoot(dir);
  try {
    const loaded = loadContracts(dir);
    if (loaded.length === 0) {
      throw new Error(`${where}: no schema found (expected <vendor>/<name>/jsonschema/<M-R-A> files, directly or under schemas/)`);
    }
    const schemas = loaded.map((c): RegistrySchema => {
      const file = path.join(root, ...c.relativePath.split('/'));
      return { uri: c.contract.id, key: registryObjectKey(c.contract.id), body: fs.readFileSync(file), file };
    });
    return { dir, root, schemas, contractTables: readContractTables(dir) };
  } catch (e) {
    if (isContractError(e)) throw new Error(`${where}: ${e.message}`);
    if (e instanceof Error && !e.message.startsWith(where)) throw new Error(`${where}: ${e.message}`);
    throw e;
  }
}

/** The product name the local publication is made under (it has no catalog entry; names appear in no key). */
export const LOCAL_REGISTRY_PRODUCT = 'local-registry';

/**
 * Publishes every schema of a registry folder to `bucket` as a deploy does: through the publishing gate
 * (`publishSchemas` of the registry publisher function), against what the bucket already holds (locally the
 * registry starts empty on every run, so the folder's versions are checked against each other). Each new version
 * is written once (`application/json`, create-only), oldest first; versions already there with the same content
 * are left as they are.
 * @returns the number of the folder's schemas now in the registry (all of them).
 * @throws Error (`--registry <dir>: …`, then one line per problem, `<uri>: <rule>: <message>`) when the gate refuses
 *   the folder; nothing is published then.
 */
export async function publishRegistry(client: S3Client, bucket: string, registry: RegistryFolder): Promise<number> {
  const schemas = registry.schemas.map((s) => ({ Uri: s.uri, Schema: s.body.toString('utf8') }));
  try {
    const result = await publishSchemas(s3RegistryStore(client, bucket), { RegistryBucket: bucket, RegistryPrefix: '', Product: LOCAL_REGISTRY_PRODUCT, Schemas: schemas });
    return result.created.length + result.unchanged.length;
  } catch (e) {
    if (!(e instanceof PublicationError)) throw e;
    throw new Error(`--registry ${registry.dir}: the registry refuses ${e.problems.length} schema(s); nothing was published:\n${e.problems.join('\n')}`);
  }
}

/**
 * What the ingest function's registry resolver will answer for each URI once `registry` is published (each file
 * compiled as the function compiles it, {@link compileRegistrySchema}); any other URI is `not_found`. Used to
 * predict the verdict of each replayed line, never by the function itself.
 */
export function registryResolutions(registry: RegistryFolder | undefined): (uri: string) => SchemaResolution {
  const byUri = new Map<string, SchemaResolution>();
  for (const s of registry?.schemas ?? []) byUri.set(s.uri, compileRegistrySchema(s.body.toString('utf8'), s.uri, s.key));
  return (uri) => byUri.get(uri) ?? { kind: 'not_found', reason: `no schema for ${uri} in the registry` };
}

/**
 * The platform's contract tables plus those of a registry folder, as the local plan runs them: a registry table of
 * the same contract MODEL as a platform table is the platform's (its schemas take the precompiled fast path).
 * @throws Error (one line) when a registry schema maps to the table name of a different platform contract.
 */
export function withRegistryTables(platform: readonly ContractTable[], registry: RegistryFolder | undefined): ContractTable[] {
  const tables = [...platform];
  for (const t of registry?.contractTables ?? []) {
    const same = platform.find((p) => p.tableName === t.tableName);
    if (same === undefined) tables.push(t);
    else if (same.vendor !== t.vendor || same.contractName !== t.contractName) {
      throw new Error(`--registry ${registry?.dir}: ${t.schemaUri} maps to the table "${t.tableName}" of the platform contract ${same.schemaUri}; rename one`);
    }
  }
  return tables.sort((a, b) => a.tableName.localeCompare(b.tableName));
}

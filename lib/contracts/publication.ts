/**
 * The CI gate for published contracts (`lakeforge contracts check`). Pure: it compares the
 * contracts in the working tree with what was published (a lock file of hashes, or the files at
 * a git ref, both reduced to {@link PublishedSet}).
 *
 * Rules, each error naming the schema and the rule ({@link GATE_RULES}):
 * - a published version file is immutable (its bytes hash to the published hash);
 * - a published version cannot be deleted (historical data refers to it);
 * - a new version is compared with the previous highest version of the same vendor/name and its
 *   declared SchemaVer step must be sufficient: at least the larger of the instance step (historical
 *   events, `compatibility.ts`) and the table step (the curated `_v<MODEL>` table's columns under
 *   Iceberg's in-place schema evolution, `table-step.ts`);
 * - versions are consecutive (1-0-0 → 1-0-1 / 1-1-0 / 2-0-0, no gaps) and a new schema starts at 1-0-0;
 * - every contract loads, compiles with ajv and maps to Glue columns (every problem is listed, as `contracts lint`
 *   lists them; `iglu:` `$ref`s resolve from the folder).
 */
import { ContractError, isContractError } from './contract-error';
import { CompatibilityReport } from './compatibility';
import { contractColumns } from './glue-types';
import { LoadResult, LoadedContract } from './loader';
import { compareSchemaVer, schemaKey } from './schemaver';
import { compileContract, createContractAjv } from './validators';
import { lintContract } from './lint';
import { GATE_RULES, type GateIssue, checkSuccession } from '../../lambdas/shared/contracts/publication-rules';

// The rules and the issue type are shared with the registry publisher function (one wording for both).
export { GATE_RULES, type GateIssue, type GateRule } from '../../lambdas/shared/contracts/publication-rules';

/** File name of the lock, at the top of the contracts folder. */
export const LOCK_FILE_NAME = 'published.lock.json';

/** Published versions: full Iglu URI → `sha256:<hex>` of the file's bytes. */
export type PublishedSet = Readonly<Record<string, string>>;

/** The gate's outcome. */
export interface GateResult {
  /** Failures; empty = the gate passes. */
  readonly issues: readonly GateIssue[];
  /** Versions not yet published (candidates for the lock), with their reports when they had a predecessor. */
  readonly newVersions: readonly { readonly uri: string; readonly sha256: string; readonly report?: CompatibilityReport }[];
}

const SHA_RE = /^sha256:[0-9a-f]{64}$/;

/**
 * Parse the lock file.
 * @throws ContractError (file + pointer) when it is not an object of `iglu:` URI → `sha256:<64 hex>`
 */
export function parseLock(text: string, file: string): PublishedSet {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ContractError(file, '', `not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ContractError(file, '', 'the lock must be a JSON object {"<iglu uri>": "sha256:<hex>"}');
  for (const [k, v] of Object.entries(doc)) {
    if (!k.startsWith('iglu:') || typeof v !== 'string' || !SHA_RE.test(v)) {
      throw new ContractError(file, `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'each entry must be "<iglu uri>": "sha256:<64 hex digits>"');
    }
  }
  return doc as PublishedSet;
}

/** Render the lock: keys sorted, two-space indent, trailing newline (stable diffs). */
export function renderLock(lock: PublishedSet): string {
  const sorted = Object.fromEntries(Object.keys(lock).sort().map((k) => [k, lock[k]]));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/** Validity of one contract beyond parsing: ajv compiles it and it maps to Glue in both zones. */
export function validateContract(loaded: LoadedContract): ContractError | undefined {
  try {
    compileContract(loaded.contract);
    contractColumns(loaded.contract, { zone: 'raw' });
    contractColumns(loaded.contract, { zone: 'curated' });
    return undefined;
  } catch (e) {
    if (isContractError(e)) return e;
    throw e;
  }
}

/**
 * Run the gate.
 * @param current - the working tree's contracts (with per-file load errors)
 * @param published - what was published (lock or git ref)
 */
export function checkPublication(current: LoadResult, published: PublishedSet): GateResult {
  const issues: GateIssue[] = current.errors.map((e) => ({ uri: e.file, rule: GATE_RULES.valid, message: e.message }));
  // One ajv for the folder, and every problem of a contract, as `contracts lint` reports them.
  const ajv = createContractAjv(false);
  const newVersions: { uri: string; sha256: string; report?: CompatibilityReport }[] = [];
  const byUri = new Map(current.contracts.map((c) => [c.contract.id, c]));
  for (const loaded of current.contracts) {
    const { contract } = loaded;
    for (const problem of lintContract(loaded, ajv).errors) issues.push({ uri: contract.id, rule: GATE_RULES.valid, message: problem.message });
    const publishedHash = published[contract.id];
    if (publishedHash !== undefined) {
      if (publishedHash !== loaded.sha256) {
        issues.push({
          uri: contract.id,
          rule: GATE_RULES.immutable,
          message: `${contract.file} changed after publication (published ${publishedHash}, now ${loaded.sha256}); publish a new version instead`,
        });
      }
      continue;
    }
    const earlier = current.contracts
      .filter((c) => schemaKey(c.contract.uri) === schemaKey(contract.uri) && compareSchemaVer(c.contract.uri.version, contract.uri.version) < 0)
      .map((c) => c.contract);
    const previous = earlier.at(-1);
    // The versions of previous's MODEL before it: the curated table holds their columns too.
    const history = earlier.slice(0, -1).filter((c) => c.uri.version.model === previous?.uri.version.model);
    const { issues: succession, report } = checkSuccession(previous, contract, history);
    issues.push(...succession);
    newVersions.push({ uri: contract.id, sha256: loaded.sha256, ...(report === undefined ? {} : { report }) });
  }
  for (const uri of Object.keys(published).sort()) {
    if (!byUri.has(uri)) issues.push({ uri, rule: GATE_RULES.noDelete, message: `${uri} is published but its file is missing` });
  }
  return { issues, newVersions };
}

/** The lock after publishing every new version of a passing gate. */
export function withNewVersions(lock: PublishedSet, result: GateResult): PublishedSet {
  return { ...lock, ...Object.fromEntries(result.newVersions.map((v) => [v.uri, v.sha256])) };
}

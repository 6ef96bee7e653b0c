/**
 * Loads an Iglu-layout folder: `<root>/<vendor>/<name>/jsonschema/<M-R-A>[.json]`.
 * `root` is the given folder, or its `schemas/` subfolder when it has one (the layout of
 * Iglu Central and of static Iglu registries). Files at the root level (e.g.
 * `published.lock.json`, README) and dot-entries are ignored. Folders of the registry's other
 * schema formats (`<name>/avro/`, `<name>/thrift/`, `<name>/protobuf/`…, Iglu's `format` field) are
 * skipped and listed in {@link LoadResult.skipped}: only `jsonschema` describes JSON events.
 * An `iglu:` `$ref` to another schema of the folder is resolved from the folder: the referenced
 * schemas are attached to the contract as {@link Contract.refs}.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ContractError, isContractError } from './contract-error';
import { Contract, IGLU_REF_MAX_DEPTH, collectIgluRefs, igluRefsOf, parseContract } from './contract';
import { type SchemaVer, compareIgluUri, compareSchemaVer, parseIgluUri, parseSchemaVer, renderSchemaVer } from './schemaver';

/** A loaded contract and the facts about its file. */
export interface LoadedContract {
  readonly contract: Contract;
  /** `sha256:<hex>` of the file's bytes (the published lock's unit). */
  readonly sha256: string;
  /** Path relative to the Iglu root, with `/` separators. */
  readonly relativePath: string;
}

/** Everything found in a folder: good contracts and one error per bad file. */
export interface LoadResult {
  /** The Iglu root actually read (`dir` or `dir/schemas`). */
  readonly root: string;
  /** Contracts sorted by vendor, name, version. */
  readonly contracts: readonly LoadedContract[];
  /** One error per file that failed (or per misplaced entry). */
  readonly errors: readonly ContractError[];
  /** Folders of other schema formats (`avro`, `thrift`, `protobuf`…), as paths; not read, not errors. */
  readonly skipped: readonly string[];
}

const VERSION_FILE_RE = /^(\d+-\d+-\d+)(\.json)?$/;

/** `sha256:<hex>` of bytes. */
export function sha256Of(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The Iglu root for `dir`: `dir/schemas` when that is a folder, else `dir`. */
export function resolveIgluRoot(dir: string): string {
  const nested = path.join(dir, 'schemas');
  return fs.existsSync(nested) && fs.statSync(nested).isDirectory() ? nested : dir;
}

const subdirs = (p: string): string[] =>
  fs
    .readdirSync(p, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();

/**
 * Read every schema under an Iglu folder, collecting per-file errors instead of stopping.
 * @param dir - the folder (vendors directly inside, or inside `schemas/`)
 * @throws ContractError only when `dir` does not exist or is not a folder
 */
export function readIgluFolder(dir: string): LoadResult {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ContractError(dir, '', 'not a folder');
  }
  const root = resolveIgluRoot(dir);
  const contracts: LoadedContract[] = [];
  const errors: ContractError[] = [];
  const skipped: string[] = [];
  for (const vendor of subdirs(root)) {
    const vendorPath = path.join(root, vendor);
    if (!fs.statSync(vendorPath).isDirectory()) continue;
    for (const name of subdirs(vendorPath)) {
      const namePath = path.join(vendorPath, name);
      if (!fs.statSync(namePath).isDirectory()) {
        errors.push(new ContractError(namePath, '', 'expected a folder <name>/jsonschema/ in the Iglu layout'));
        continue;
      }
      for (const format of subdirs(namePath)) {
        const formatPath = path.join(namePath, format);
        if (!fs.statSync(formatPath).isDirectory()) {
          errors.push(new ContractError(formatPath, '', `expected a format folder (e.g. "jsonschema"), found a file "${format}"`));
          continue;
        }
        if (format !== 'jsonschema') {
          skipped.push(formatPath);
          continue;
        }
        for (const fileName of subdirs(formatPath)) {
          const file = path.join(formatPath, fileName);
          const m = VERSION_FILE_RE.exec(fileName);
          if (m === null || !fs.statSync(file).isFile()) {
            errors.push(new ContractError(file, '', 'expected a schema file named <MODEL-REVISION-ADDITION> or <MODEL-REVISION-ADDITION>.json'));
            continue;
          }
          const bytes = fs.readFileSync(file);
          try {
            const contract = parseContract(bytes.toString('utf8'), file, { vendor, name, format, version: m[1] });
            contracts.push({ contract, sha256: sha256Of(bytes), relativePath: [vendor, name, format, fileName].join('/') });
          } catch (e) {
            if (!isContractError(e)) throw e;
            errors.push(e);
          }
        }
      }
    }
  }
  contracts.sort((a, b) => compareIgluUri(a.contract.uri, b.contract.uri));
  return { root, contracts: withIgluRefs(contracts), errors, skipped };
}

/**
 * Each contract with {@link Contract.refs}: every schema of `loaded` it references with an `iglu:` `$ref`,
 * directly or through another referenced schema. A reference to a schema not in `loaded` is left out: the
 * mapping and ajv then report it, naming the URI.
 */
export function withIgluRefs(loaded: readonly LoadedContract[]): LoadedContract[] {
  const byUri = new Map(loaded.map((l) => [l.contract.id, l.contract.schema]));
  return loaded.map((l) => {
    const { refs } = collectIgluRefs(l.contract.schema, (uri) => byUri.get(uri));
    return Object.keys(refs).length === 0 ? l : { ...l, contract: { ...l.contract, refs } };
  });
}

/**
 * The Iglu root a schema file sits in, from its path `<root>/<vendor>/<name>/jsonschema/<M-R-A>[.json]` (e.g.
 * `…/schemas`); `undefined` when the path is not in that layout.
 */
export function registryRootOf(file: string): string | undefined {
  const parts = path.resolve(file).split(path.sep);
  const inLayout = VERSION_FILE_RE.test(parts[parts.length - 1] ?? '') && parts.length >= 5 && parts[parts.length - 2] === 'jsonschema';
  return inLayout ? parts.slice(0, -4).join(path.sep) : undefined;
}

/**
 * A loaded contract with {@link Contract.refs} read from the Iglu folder `root` (the same resolver as
 * {@link withIgluRefs}, {@link collectIgluRefs}): the schema of `iglu:<vendor>/<name>/jsonschema/<M-R-A>` is the file
 * `<root>/<vendor>/<name>/jsonschema/<M-R-A>` (or `….json`), whose `self` block must match that path.
 * @param root - the registry folder (its `schemas/` subfolder is used when it has one). @default - the Iglu root the
 *   file sits in ({@link registryRootOf})
 * @throws ContractError naming the contract's file and the `$ref` when a referenced schema cannot be found (or the
 *   file is not in an Iglu layout and no `root` is given); a referenced file that does not parse throws its own error
 */
export function withIgluRefsFromFolder(loaded: LoadedContract, root?: string): LoadedContract {
  const { contract } = loaded;
  if (igluRefsOf(contract.schema).length === 0) return loaded;
  const registry = root === undefined ? registryRootOf(contract.file) : resolveIgluRoot(root);
  const fileOf = (uri: string): string | undefined => {
    if (registry === undefined) return undefined;
    const key = parseIgluUri(uri);
    const base = path.join(registry, key.vendor, key.name, key.format, renderSchemaVer(key.version));
    return [base, `${base}.json`].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  };
  const { refs, missing } = collectIgluRefs(contract.schema, (uri) => {
    let file: string | undefined;
    try {
      file = fileOf(uri);
    } catch {
      return undefined; // not a valid Iglu URI: reported as missing
    }
    return file === undefined ? undefined : loadContractFile(file).contract.schema;
  });
  const first = missing[0];
  if (first !== undefined) {
    const via = first.from === '' ? '' : ` (referenced from ${first.from})`;
    const why =
      first.reason === 'too-deep'
        ? `more than ${IGLU_REF_MAX_DEPTH} levels of iglu: refs`
        : registry === undefined
          ? 'the file is not in an Iglu folder (<registry>/<vendor>/<name>/jsonschema/<M-R-A>); pass --registry <dir>'
          : `no schema file for it under the registry ${registry}`;
    throw new ContractError(contract.file, '', `$ref "${first.uri}"${via} cannot be resolved: ${why}`);
  }
  return { ...loaded, contract: { ...contract, refs } };
}

/**
 * The versions of a contract's MODEL below it, from the Iglu folder it sits in (or `root`), oldest first, each with
 * its `iglu:` refs ({@link withIgluRefsFromFolder}): the columns the curated `_v<MODEL>` table holds besides the
 * contract's own (the table step compares histories). A sibling file that does not load, or whose refs do not
 * resolve, is left out; the compatibility report lists the versions used (`tableHistory`).
 * @param root - the registry folder. @default - the Iglu root the file sits in ({@link registryRootOf})
 * @returns `[]` when the file is not in an Iglu layout and no `root` is given
 */
export function modelHistoryFromFolder(contract: Contract, root?: string): LoadedContract[] {
  const registry = root === undefined ? registryRootOf(contract.file) : resolveIgluRoot(root);
  if (registry === undefined) return [];
  const { vendor, name, format, version } = contract.uri;
  const folder = path.join(registry, vendor, name, format);
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) return [];
  const history: LoadedContract[] = [];
  for (const fileName of subdirs(folder)) {
    const m = VERSION_FILE_RE.exec(fileName);
    if (m === null) continue;
    let v: SchemaVer;
    try {
      v = parseSchemaVer(m[1]);
    } catch {
      continue;
    }
    if (v.model !== version.model || compareSchemaVer(v, version) >= 0) continue;
    try {
      history.push(withIgluRefsFromFolder(loadContractFile(path.join(folder, fileName)), root));
    } catch (e) {
      if (!isContractError(e)) throw e;
    }
  }
  return history.sort((a, b) => compareSchemaVer(a.contract.uri.version, b.contract.uri.version));
}

/**
 * Read every schema under an Iglu folder and fail on the first bad one.
 * @throws ContractError for the first file that fails (in path order), or when `dir` is missing
 */
export function loadContracts(dir: string): readonly LoadedContract[] {
  const result = readIgluFolder(dir);
  if (result.errors.length > 0) throw result.errors[0];
  return result.contracts;
}

/**
 * Read a single schema file. When it sits in an Iglu layout (`…/<vendor>/<name>/jsonschema/<ver>`)
 * the `self` block must match that path; otherwise only the `self` block is checked.
 * @throws ContractError when the file cannot be read or parsed
 */
export function loadContractFile(file: string): LoadedContract {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new ContractError(file, '', `cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const parts = path.resolve(file).split(path.sep);
  const m = VERSION_FILE_RE.exec(parts[parts.length - 1] ?? '');
  const inLayout = m !== null && parts.length >= 4 && parts[parts.length - 2] === 'jsonschema';
  const expected = inLayout
    ? { vendor: parts[parts.length - 4], name: parts[parts.length - 3], format: 'jsonschema', version: m[1] }
    : undefined;
  const contract = parseContract(bytes.toString('utf8'), file, expected);
  return { contract, sha256: sha256Of(bytes), relativePath: parts.slice(-4).join('/') };
}

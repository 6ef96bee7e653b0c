/**
 * Scaffolding of data contracts: a first version 1-0-0 of `<vendor>/<name>` in the Iglu layout under
 * `config/contracts/`, in the style of the reference contracts (Iglu self-describing meta-schema,
 * `self` block, described properties that map to Glue columns, `additionalProperties: false`), and the
 * regenerated validators and producer types (`renderContractArtifacts`).
 */
import { DEFAULT_CONTRACTS_DIR, renderContractArtifacts } from '../contracts/build';
import { ACCEPTED_META_SCHEMAS, type Contract, igluRelativePath, parseContract } from '../contracts/contract';
import { isContractError } from '../contracts/contract-error';
import { sha256Of } from '../contracts/loader';
import { validateContract } from '../contracts/publication';
import { compareIgluUri, type IgluUri, NAME_RE, renderIgluUri, renderSchemaVer, schemaKey, VENDOR_RE } from '../contracts/schemaver';
import { contractTableName } from '../marts/contract-adapter';
import { type FileEdit, ScaffoldError } from './scaffold-error';

/** A contract named on the command line as `<vendor>/<name>`, e.g. `com.acme.video/video_played`. */
export interface ContractRef {
  /** Iglu vendor (reverse domain), e.g. `com.acme.video`. */
  readonly vendor: string;
  /** Iglu schema name, e.g. `video_played`. */
  readonly name: string;
}

/** The version a scaffolded contract starts at. */
export const FIRST_VERSION = { model: 1, revision: 0, addition: 0 } as const;

/**
 * Parses `<vendor>/<name>` (an optional `iglu:` prefix is accepted).
 *
 * @throws ScaffoldError naming the argument and the part that is wrong.
 */
export function parseContractRef(text: string): ContractRef {
  const parts = text.replace(/^iglu:/, '').split('/');
  if (parts.length !== 2) throw new ScaffoldError(`contract "${text}": expected <vendor>/<name>, e.g. com.acme.video/video_played`);
  const [vendor, name] = parts;
  if (!VENDOR_RE.test(vendor)) throw new ScaffoldError(`contract "${text}": vendor "${vendor}" must match ${VENDOR_RE} (a reverse domain such as com.acme.video)`);
  if (!NAME_RE.test(name)) throw new ScaffoldError(`contract "${text}": name "${name}" must match ${NAME_RE} (e.g. video_played)`);
  return { vendor, name };
}

/** The Iglu URI of a scaffolded contract's first version: `iglu:<vendor>/<name>/jsonschema/1-0-0`. */
export function firstVersionUri(ref: ContractRef): IgluUri {
  return { vendor: ref.vendor, name: ref.name, format: 'jsonschema', version: FIRST_VERSION };
}

/** Repository path of a contract version: `config/contracts/<vendor>/<name>/jsonschema/<M-R-A>.json`. */
export function contractFilePath(uri: IgluUri): string {
  return `${DEFAULT_CONTRACTS_DIR}/${igluRelativePath(uri)}`;
}

/**
 * The text of a first version 1-0-0: two example properties that map to Glue columns (`subject_id`
 * string, required → `string`; `quantity` integer within int32 → `int`), `additionalProperties: false`.
 * The description says in words that the properties are examples to replace before publishing.
 */
export function renderContractSchema(ref: ContractRef): string {
  const words = ref.name.replace(/[_-]+/g, ' ').trim();
  const schema = {
    $schema: ACCEPTED_META_SCHEMAS[0],
    description: `A ${words} event from ${ref.vendor}. subject_id and quantity are example fields: replace them with the event's own before publishing 1-0-0.`,
    self: { vendor: ref.vendor, name: ref.name, format: 'jsonschema', version: renderSchemaVer(FIRST_VERSION) },
    type: 'object',
    properties: {
      subject_id: {
        description: `Id of what the ${words} event is about (example field).`,
        type: 'string',
        minLength: 1,
        maxLength: 128,
      },
      quantity: {
        description: 'How many units the event counts, when it counts any (example field, optional).',
        type: 'integer',
        minimum: 0,
        maximum: 2147483647,
      },
    },
    required: ['subject_id'],
    additionalProperties: false,
  };
  // Arrays of strings on one line, as in the reference contracts (`"required": ["user_id", "movie_id"]`).
  const text = JSON.stringify(schema, null, 2).replace(/\[\n\s+("[^"\n]*"(?:,\n\s+"[^"\n]*")*)\n\s+\]/g, (_m, items: string) => `[${items.split(/,\n\s+/).join(', ')}]`);
  return `${text}\n`;
}

/** What {@link planContracts} decided. */
export interface ContractPlan {
  /** New contract files, then the regenerated validators and types (empty when nothing is created). */
  readonly edits: readonly FileEdit[];
  /** The new contract files alone (the first part of {@link edits}). */
  readonly contractFiles: readonly FileEdit[];
  /** The regenerated validators and types alone (the rest of {@link edits}; empty when nothing is created). */
  readonly generated: readonly FileEdit[];
  /** Iglu URIs a product should reference, one per requested contract, in request order. */
  readonly uris: readonly string[];
  /** URIs of the contracts created. */
  readonly created: readonly string[];
  /** URIs of existing contracts that are only referenced. */
  readonly reused: readonly string[];
}

/** Options of {@link planContracts}. */
export interface ContractPlanOptions {
  /**
   * Reference a contract that already exists (its latest version of every MODEL) instead of refusing it.
   * @default false
   */
  readonly allowExisting?: boolean;
}

/**
 * Plans the contracts of a scaffold: a 1-0-0 file for each requested contract that does not exist yet,
 * and the regenerated artefacts of `lakeforge contracts build` for the resulting set.
 *
 * @param refs - the requested contracts.
 * @param existing - every contract of the contracts folder (as `loadContracts` returns them).
 * @param options - see {@link ContractPlanOptions}.
 * @throws ScaffoldError when a contract is requested twice, already exists (without `allowExisting`),
 *   or would map to the same Glue table as another contract (`<name>_v1` is the table name whatever the vendor).
 */
export function planContracts(refs: readonly ContractRef[], existing: readonly Contract[], options: ContractPlanOptions = {}): ContractPlan {
  const uris: string[] = [];
  const created: Contract[] = [];
  const reused: string[] = [];
  const tables = new Map<string, string>();
  for (const c of existing) tables.set(contractTableName(c.uri.name, c.uri.version.model), schemaKey(c.uri));
  const requested = new Set<string>();
  for (const ref of refs) {
    const key = schemaKey(ref);
    if (requested.has(key)) throw new ScaffoldError(`contract ${key} is given twice`);
    requested.add(key);
    const versions = existing.filter((c) => schemaKey(c.uri) === key);
    if (versions.length > 0) {
      if (options.allowExisting !== true) throw new ScaffoldError(`contract ${key} already exists (${versions.map((c) => c.id).join(', ')}); change it with a new version instead`);
      const latestPerModel = new Map<number, Contract>();
      for (const c of [...versions].sort((a, b) => compareIgluUri(a.uri, b.uri))) latestPerModel.set(c.uri.version.model, c);
      for (const c of latestPerModel.values()) {
        uris.push(c.id);
        reused.push(c.id);
      }
      continue;
    }
    const uri = firstVersionUri(ref);
    const table = contractTableName(ref.name, uri.version.model);
    const clash = tables.get(table);
    if (clash !== undefined) throw new ScaffoldError(`contract ${key} would map to the Glue table "${table}" that ${clash} already maps to; choose another name`);
    tables.set(table, key);
    const file = contractFilePath(uri);
    const text = renderContractSchema(ref);
    let contract: Contract;
    try {
      contract = parseContract(text, file, { vendor: ref.vendor, name: ref.name, format: 'jsonschema', version: renderSchemaVer(uri.version) });
    } catch (e) {
      throw new ScaffoldError(isContractError(e) ? e.message : String(e));
    }
    const invalid = validateContract({ contract, sha256: sha256Of(text), relativePath: igluRelativePath(uri) });
    if (invalid !== undefined) throw new ScaffoldError(invalid.message);
    created.push(contract);
    uris.push(renderIgluUri(uri));
  }
  if (created.length === 0) return { edits: [], contractFiles: [], generated: [], uris, created: [], reused };
  const all = [...existing, ...created].sort((a, b) => compareIgluUri(a.uri, b.uri));
  let generated: readonly FileEdit[];
  try {
    generated = renderContractArtifacts(all);
  } catch (e) {
    throw new ScaffoldError(isContractError(e) ? e.message : String(e));
  }
  const contractFiles = created.map((c) => ({ path: c.file, content: renderContractSchema(c.uri) }));
  return { edits: [...contractFiles, ...generated], contractFiles, generated, uris, created: created.map((c) => c.id), reused };
}

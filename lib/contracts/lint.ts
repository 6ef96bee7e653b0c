/**
 * `lakeforge contracts lint`: every schema of an Iglu folder checked, every problem reported.
 * Pure apart from reading the folder (through the loader): one shared ajv instance compiles every schema, the
 * one Glue mapping (`mapContract`) maps it in both zones, and each schema's result lists all its problems
 * (ajv's and the mapping's), not only the first, plus the fallbacks applied as warnings.
 */
import type Ajv from 'ajv';
import { ContractError, isContractError } from './contract-error';
import { GlueColumn, MappingWarning, formatMappingWarning, mapContract } from './glue-types';
import { LoadedContract, readIgluFolder } from './loader';
import { toAjvSchema } from './ajv-schema';
import { createContractAjv } from './validators';

/** The lint verdict of one schema. */
export interface ContractLint {
  /** Full Iglu URI (or the file path when the file could not be parsed). */
  readonly uri: string;
  /** Every problem: the file does not load, ajv cannot compile it, or a construct has no Glue mapping. */
  readonly errors: readonly ContractError[];
  /** Fallbacks applied (documented mappings that lose precision or shape; see `FALLBACK_RULES`). */
  readonly warnings: readonly MappingWarning[];
  /** Curated-zone columns, when there is no error. */
  readonly columns?: readonly GlueColumn[];
}

/** The lint of a whole folder. */
export interface FolderLint {
  /** One entry per schema file (loaded or not), contracts first (by vendor, name, version), then load errors. */
  readonly schemas: readonly ContractLint[];
  /** Folders of other schema formats (`avro`, `thrift`, `protobuf`…) that were skipped, as paths. */
  readonly skipped: readonly string[];
}

/**
 * Compile one contract with a shared ajv instance and forget it again (`removeSchema()`), so the next contract
 * may reuse the same `$id`s (a schema embedded through an `iglu:` `$ref` is also a contract of its own).
 * @returns the problem, or undefined when ajv compiles it
 */
export function compileProblem(contract: LoadedContract['contract'], ajv: Ajv): ContractError | undefined {
  try {
    ajv.compile(toAjvSchema(contract));
    return undefined;
  } catch (e) {
    return new ContractError(contract.file, '', `ajv cannot compile the schema: ${(e as Error).message}`);
  } finally {
    ajv.removeSchema();
  }
}

/** Lint one loaded contract: ajv's problem, every mapping problem, the mapping's warnings. */
export function lintContract(loaded: LoadedContract, ajv: Ajv): ContractLint {
  const { contract } = loaded;
  const compiled = compileProblem(contract, ajv);
  let mapping: ReturnType<typeof mapContract>;
  try {
    mapping = mapContract(contract);
  } catch (e) {
    if (!isContractError(e)) throw e;
    return { uri: contract.id, errors: [...(compiled === undefined ? [] : [compiled]), e], warnings: [] };
  }
  const errors = [...(compiled === undefined ? [] : [compiled]), ...mapping.errors];
  return { uri: contract.id, errors, warnings: mapping.warnings, ...(errors.length === 0 ? { columns: mapping.columns } : {}) };
}

/**
 * Lint every schema under `dir` (Iglu layout) with ONE ajv instance.
 * @param uriOfFile - the URI to show for a file that could not be parsed (derived from its path)
 * @param newAjv - creates the ajv instance, called once per lint. @default contract ajv options and formats
 * @throws ContractError only when `dir` is not a folder
 */
export function lintFolder(dir: string, uriOfFile: (file: string) => string = (f) => f, newAjv: () => Ajv = () => createContractAjv(false)): FolderLint {
  const result = readIgluFolder(dir);
  const ajv = newAjv();
  return {
    schemas: [
      ...result.contracts.map((loaded) => lintContract(loaded, ajv)),
      ...result.errors.map((e): ContractLint => ({ uri: uriOfFile(e.file), errors: [e], warnings: [] })),
    ],
    skipped: result.skipped,
  };
}

/** One warning of a schema, as printed: `<uri> at <pointer>: <message> [<rule>]`. */
export function formatLintWarning(lint: ContractLint, w: MappingWarning): string {
  return formatMappingWarning(lint.uri, w);
}

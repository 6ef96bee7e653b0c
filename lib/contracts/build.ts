/**
 * The artefacts `lakeforge contracts build` derives from the contracts folder. Pure: returns
 * paths (relative to the repository root) and contents; the CLI writes them, and a test
 * asserts the committed files equal a fresh render.
 */
import { Contract } from './contract';
import { renderContractTypes } from './typescript-types';
import { renderValidatorsDts, renderValidatorsModule } from './validators';

/** One generated file. */
export interface GeneratedFile {
  /** Path relative to the repository root, `/`-separated. */
  readonly path: string;
  /** Full file content (UTF-8). */
  readonly content: string;
}

/** Where the generated files go, relative to the repository root. */
export const GENERATED_PATHS = {
  validatorsJs: 'lambdas/ingest/generated/validators.js',
  validatorsDts: 'lambdas/ingest/generated/validators.d.ts',
  contractTypes: 'lib/generated/contract-types.ts',
} as const;

/** The default contracts folder, relative to the repository root. */
export const DEFAULT_CONTRACTS_DIR = 'config/contracts';

/**
 * Render every generated artefact for a set of contracts.
 * @throws ContractError when a contract cannot be compiled or typed
 */
export function renderContractArtifacts(contracts: readonly Contract[]): readonly GeneratedFile[] {
  return [
    { path: GENERATED_PATHS.validatorsJs, content: renderValidatorsModule(contracts) },
    { path: GENERATED_PATHS.validatorsDts, content: renderValidatorsDts() },
    { path: GENERATED_PATHS.contractTypes, content: renderContractTypes(contracts) },
  ];
}

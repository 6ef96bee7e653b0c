/**
 * The repository's contracts gate at synth: before `npm run synth` or `npx cdk synth` builds anything,
 * the contracts folder must pass the publication gate against its lock file (`publication.ts`) and the
 * generated validators and producer types (`build.ts`) must be exactly what the contracts render to.
 * Otherwise a deploy would ship validators that quarantine every event of a new version as
 * `schema_unknown`, or a dishonest SchemaVer bump that silently changes a Glue column.
 *
 * Pure: the caller reads the folder, the lock and the generated files (see `config/synth-gates.ts`)
 * and decides what to do with the problems. Each problem is one line naming the schema (full Iglu URI,
 * or the file when no schema can be named) and the rule.
 *
 * This is a gate of the Lakeforge repository itself, not of the npm package: a product team's app that
 * uses `DataProduct` never runs it.
 */
import type { Contract } from './contract';
import { ConfigError } from '../shared/config-error';
import { type GeneratedFile, renderContractArtifacts, GENERATED_PATHS, DEFAULT_CONTRACTS_DIR } from './build';
import { isContractError } from './contract-error';
import type { LoadResult } from './loader';
import { formatGateIssue } from '../../lambdas/shared/contracts/publication-rules';
import { type PublishedSet, checkPublication } from './publication';

/** The rule the generated-files check enforces, as printed in its problems. */
export const GENERATED_RULE = 'generated validators and types match the contracts';

/** The command that regenerates the files, as printed in problems. */
export const BUILD_COMMAND = 'npm run lakeforge -- contracts build';

/** Input of {@link contractsGateProblems}. */
export interface ContractsGateInput {
  /** The contracts folder as read by `readIgluFolder` (good contracts and per-file errors). */
  readonly folder: LoadResult;
  /** The published lock (`published.lock.json`, parsed; `{}` when there is none). */
  readonly lock: PublishedSet;
  /**
   * Current content of each generated file, by its path relative to the repository root
   * ({@link GENERATED_PATHS}); `undefined` when the file does not exist.
   */
  readonly generated: Readonly<Record<string, string | undefined>>;
  /** How the contracts folder is named in problems. @default 'config/contracts' */
  readonly contractsDir?: string;
}

/**
 * Runs the gate: the publication rules against the lock (immutable and undeleted published versions,
 * sufficient and consecutive SchemaVer bumps, valid contracts), then freshness of every generated file.
 * The generated files are checked only when every contract loads (otherwise they cannot be rendered and
 * the load errors say why).
 *
 * @returns one line per problem, e.g.
 *   `iglu:com.acme/video_played/jsonschema/1-0-1: new versions bump sufficiently: declared ADDITION but the changes require REVISION (compared with …/1-0-0): …`
 *   or `iglu:com.acme/video_played/jsonschema/1-0-0: generated validators and types match the contracts: lambdas/ingest/generated/validators.js is stale; run …`;
 *   empty when the gate passes.
 */
export function contractsGateProblems(input: ContractsGateInput): string[] {
  const publication = checkPublication(input.folder, input.lock);
  const problems = publication.issues.map(formatGateIssue);
  if (input.folder.errors.length > 0) return problems;
  const contracts = input.folder.contracts.map((c) => c.contract);
  let fresh: readonly GeneratedFile[];
  try {
    fresh = renderContractArtifacts(contracts);
  } catch (e) {
    // A contract the generator cannot express is already a "contracts are valid" problem above.
    if (!isContractError(e)) throw e;
    return problems.length > 0 ? problems : [`${e.file}: ${GENERATED_RULE}: ${e.message}`];
  }
  // One line per schema (naming every stale file), then one per file that is stale as a whole.
  const bySchema = new Map<string, string[]>();
  for (const file of fresh) {
    for (const stale of staleParts(file, input.generated[file.path], contracts, input.contractsDir ?? DEFAULT_CONTRACTS_DIR)) {
      if (stale.uri === undefined) {
        problems.push(`${file.path}: ${GENERATED_RULE}: ${stale.what}; run \`${BUILD_COMMAND}\``);
      } else {
        bySchema.set(stale.uri, [...(bySchema.get(stale.uri) ?? []), `${file.path} ${stale.what}`]);
      }
    }
  }
  for (const [uri, whats] of bySchema) problems.push(`${uri}: ${GENERATED_RULE}: ${whats.join(', ')}; run \`${BUILD_COMMAND}\``);
  return problems;
}

// One line per issue: shared with the registry publisher function, so a failed deployment reads like this gate.
export { formatGateIssue } from '../../lambdas/shared/contracts/publication-rules';

/**
 * Thrown by the repository's synth entries when {@link contractsGateProblems} finds problems. A
 * {@link ConfigError}, so the entries print it without a stack trace; `message` is one line per problem.
 */
export class ContractsGateError extends ConfigError {
  /** @param problems - the lines of {@link contractsGateProblems} (at least one). */
  constructor(problems: readonly string[]) {
    super(problems);
    this.name = 'ContractsGateError';
    this.message = problems.join('\n');
  }
}

/** A stale part of a generated file: a schema's part (`uri`) or, without `uri`, the file as a whole. */
interface StalePart {
  readonly uri?: string;
  readonly what: string;
}

/**
 * Stale parts of one generated file: the schemas whose part differs from a fresh render (missing, changed,
 * or left over from a schema that no longer exists), or the file itself when the difference cannot be
 * attributed to a schema (e.g. a hand edit of the header).
 */
function staleParts(file: GeneratedFile, current: string | undefined, contracts: readonly Contract[], contractsDir: string): StalePart[] {
  if (current === file.content) return [];
  if (current === undefined) return [{ what: 'the file is missing' }];
  const freshParts = segmentsByUri(file.path, file.content);
  const currentParts = segmentsByUri(file.path, current);
  const stale: StalePart[] = [];
  for (const c of contracts) {
    const mine = currentParts.get(c.id);
    if (mine !== freshParts.get(c.id)) stale.push({ uri: c.id, what: mine === undefined ? 'has nothing for this schema' : 'is stale for this schema' });
  }
  const known = new Set(contracts.map((c) => c.id));
  for (const uri of currentParts.keys()) {
    if (!known.has(uri)) stale.push({ uri, what: `still has this schema, which ${contractsDir} no longer holds` });
  }
  return stale.length > 0 ? stale : [{ what: `the file differs from what ${contractsDir} renders to` }];
}

/**
 * Splits a generated file into the parts that belong to each schema, keyed by full Iglu URI:
 * - validators module: from `exports["<uri>"] = …` to the next such line, with ajv's numbered
 *   identifiers (`validate10`, `schema11`, …) normalized, since they shift when another schema is added;
 * - producer types: the doc comment naming `Data of \`<uri>\`` and its interface, up to the blank line.
 * Files without per-schema parts (the validators' `.d.ts`) yield an empty map.
 */
function segmentsByUri(filePath: string, text: string): Map<string, string> {
  const lines = text.split('\n');
  const parts = new Map<string, string[]>();
  let currentUri: string | undefined;
  for (const line of lines) {
    if (filePath === GENERATED_PATHS.validatorsJs) {
      const start = /^exports\["(iglu:[^"]+)"\]/.exec(line);
      if (start !== null) currentUri = start[1];
      else if (/^return Object\.freeze/.test(line)) currentUri = undefined;
    } else if (filePath === GENERATED_PATHS.contractTypes) {
      const start = /Data of `(iglu:[^`]+)`/.exec(line);
      if (start !== null) currentUri = start[1];
      else if (line.trim() === '') currentUri = undefined;
    }
    if (currentUri === undefined) continue;
    const part = parts.get(currentUri) ?? [];
    part.push(line.replace(/\b(validate|schema|func|formats|pattern|wrapper)\d+\b/g, '$1#'));
    parts.set(currentUri, part);
  }
  return new Map([...parts].map(([uri, part]) => [uri, part.join('\n')]));
}

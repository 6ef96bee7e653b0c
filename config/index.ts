import { ENVIRONMENT_NAMES, environmentConfigSchema, type EnvironmentConfig, type EnvironmentConfigInput, type EnvironmentName } from './schema';
import type { z } from 'zod';
import { ConfigError, didYouMean } from '../lib/shared/config-error';
import { environments } from './environments';

export * from './schema';

export { ConfigError } from '../lib/shared/config-error';

/**
 * Parses, validates and deep-freezes one environment's configuration.
 *
 * @param name - `dev`, `acc` or `prod`.
 * @param source - the raw environment objects; defaults to `config/environments.ts` (tests pass their own).
 * @returns the parsed configuration, frozen so no construct can change it.
 * @throws ConfigError naming the environment and field path of every invalid value, and when the
 *   account+region ownership of Glue catalog encryption is ambiguous across environments.
 */
export function loadConfig(
  name: EnvironmentName,
  source: Record<EnvironmentName, EnvironmentConfigInput> = environments,
): EnvironmentConfig {
  if (!(ENVIRONMENT_NAMES as readonly string[]).includes(name)) {
    const hint = didYouMean(String(name), ENVIRONMENT_NAMES);
    throw new ConfigError([`${String(name)}: unknown environment, ${hint ?? `expected one of ${ENVIRONMENT_NAMES.join(', ')}`}`]);
  }
  const parsed = parseEnvironment(name, source[name]);
  checkCatalogEncryptionOwnership(source);
  return deepFreeze(parsed);
}

/**
 * Loads every environment (dev, acc, prod) in order.
 *
 * @throws ConfigError listing the problems of all environments together.
 */
export function loadAllConfigs(
  source: Record<EnvironmentName, EnvironmentConfigInput> = environments,
): EnvironmentConfig[] {
  const issues: string[] = [];
  const configs: EnvironmentConfig[] = [];
  for (const name of ENVIRONMENT_NAMES) {
    try {
      configs.push(loadConfig(name, source));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const issue of e.issues) if (!issues.includes(issue)) issues.push(issue);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return configs;
}

function parseEnvironment(name: EnvironmentName, input: EnvironmentConfigInput | undefined): EnvironmentConfig {
  if (input === undefined) throw new ConfigError([`${name}: environment is not defined`]);
  const result = environmentConfigSchema.safeParse(input);
  if (!result.success) throw new ConfigError(result.error.issues.flatMap((issue) => describeIssue(name, issue)));
  if (result.data.name !== name) {
    throw new ConfigError([`${name}.name: expected "${name}", got "${result.data.name}"`]);
  }
  return result.data;
}

/**
 * The lines of one zod issue: `env.path: message`; an unknown key becomes one line per key, naming the key's
 * own path, with the closest known key of that object ("did you mean") or, when none is close, the known keys.
 */
function describeIssue(name: EnvironmentName, issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[]) => [name, ...path.map(String)].join('.');
  if (issue.code !== 'unrecognized_keys') return [`${at(issue.path)}: ${issue.message}`];
  const known = objectKeysAt(environmentConfigSchema, issue.path);
  return issue.keys.map((key) => {
    const hint = known.length === 0 ? undefined : (didYouMean(key, known) ?? `expected one of ${known.join(', ')}`);
    return `${at([...issue.path, key])}: unknown key${hint === undefined ? '' : `, ${hint}`}`;
  });
}

/**
 * The keys of the object schema found at `path` inside `schema`, looking through optional, default, array and
 * record wrappers (zod 4's `_zod.def`); empty when the path does not lead to an object schema.
 */
export function objectKeysAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.core.$ZodType | undefined = schema;
  let rest = [...path];
  while (current !== undefined) {
    const def = current._zod.def as z.core.$ZodTypeDef & {
      shape?: Record<string, z.core.$ZodType>;
      innerType?: z.core.$ZodType;
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
      in?: z.core.$ZodType;
    };
    switch (def.type) {
      case 'object':
        if (rest.length === 0) return Object.keys(def.shape ?? {});
        current = def.shape?.[String(rest[0])];
        rest = rest.slice(1);
        break;
      case 'array':
      case 'record':
        if (rest.length === 0) return [];
        current = def.type === 'array' ? def.element : def.valueType;
        rest = rest.slice(1);
        break;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        current = def.innerType;
        break;
      case 'pipe':
        current = def.in;
        break;
      default:
        return [];
    }
  }
  return [];
}

/** Glue catalog encryption is one setting per account+region: at most one environment may own it. */
function checkCatalogEncryptionOwnership(source: Record<EnvironmentName, EnvironmentConfigInput>): void {
  const owners = new Map<string, EnvironmentName>();
  for (const name of ENVIRONMENT_NAMES) {
    const env = source[name];
    if (!env?.catalog?.manageCatalogEncryption) continue;
    const key = `${env.account}/${env.region}`;
    const other = owners.get(key);
    if (other !== undefined) {
      throw new ConfigError([
        `${name}.catalog.manageCatalogEncryption: ${other} already owns the Glue Data Catalog encryption of account ${env.account} in ${env.region}; exactly one environment per account+region may set it`,
      ]);
    }
    owners.set(key, name);
  }
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

/**
 * Physical names, built in one place. Lakeforge gives physical names only to what people type:
 * Glue databases and tables (in SQL) and Athena workgroups (in query tools). Everything else keeps
 * CloudFormation-generated names.
 */

/** The zones of the lake that have a Glue database. */
export type CatalogZone = 'raw' | 'curated' | 'marts';

/** The zones of the lake that have a Glue database, in data-flow order. */
export const CATALOG_ZONES: readonly CatalogZone[] = ['raw', 'curated', 'marts'];

const ENV_PATTERN = /^[a-z][a-z0-9]{0,15}$/;

/**
 * The Glue database name of a zone in an environment: `lakeforge_<env>_<zone>`.
 *
 * Glue database names are lower case letters, digits and underscores, at most 255 characters
 * (AWS Glue Developer Guide, "Names for databases, tables and columns").
 *
 * @param env - environment name (`dev`, `acc`, `prod`): lower-case letters and digits.
 * @param zone - `raw`, `curated` or `marts`.
 * @throws Error when `env` is not a lower-case identifier.
 */
export function databaseName(env: string, zone: CatalogZone): string {
  assertEnv(env);
  return `lakeforge_${env}_${zone}`;
}

/**
 * The Athena workgroup name of a consumer group in an environment: `lakeforge-<env>-<name>`.
 *
 * @param env - environment name.
 * @param name - the workgroup's short name, e.g. `platform`, `analysts`.
 * @throws Error when either part is not a lower-case identifier (Athena allows `[a-zA-Z0-9._-]{1,128}`).
 */
export function workgroupName(env: string, name: string): string {
  assertEnv(env);
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) {
    throw new Error(`Invalid workgroup short name "${name}": expected lower-case letters, digits and '-' (max 32)`);
  }
  return `lakeforge-${env}-${name}`;
}

/**
 * The name of the IAM role the platform creates for a consumer of the data products: `lakeforge-<env>-<consumer>`.
 * People type it (`aws sts assume-role`, a BI tool's connection), so it is stable; at most 59 characters
 * (IAM allows 64 for a role name: AWS IAM User Guide, "IAM and AWS STS quotas").
 *
 * @param env - environment name.
 * @param consumer - the consumer's short name, e.g. `analysts`.
 * @throws Error when either part is not a lower-case identifier.
 */
export function consumerRoleName(env: string, consumer: string): string {
  assertEnv(env);
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(consumer)) {
    throw new Error(`Invalid consumer name "${consumer}": expected lower-case letters, digits and '-' (max 32)`);
  }
  if ((RESERVED_CONSUMER_NAMES as readonly string[]).includes(consumer)) {
    throw new Error(`Invalid consumer name "${consumer}": reserved for the platform's own role lakeforge-${env}-${consumer} (reserved: ${RESERVED_CONSUMER_NAMES.join(', ')})`);
  }
  return `lakeforge-${env}-${consumer}`;
}

/**
 * Short names a consumer may not have: the platform's own roles are named `lakeforge-<env>-<name>` too
 * ({@link registryPublisherRoleName}, {@link smokeRoleName}), and IAM role names are unique per account.
 */
export const RESERVED_CONSUMER_NAMES = ['registry-publisher', 'smoke'] as const;

/**
 * The name of the IAM role the delivery pipeline's smoke test assumes in an environment: `lakeforge-<env>-smoke`.
 *
 * @param env - environment name.
 * @throws Error when `env` is not a lower-case identifier.
 */
export function smokeRoleName(env: string): string {
  assertEnv(env);
  return `lakeforge-${env}-smoke`;
}

/**
 * The name of the IAM role of an environment's registry publisher function: `lakeforge-<env>-registry-publisher`.
 * Fixed, so that the registry bucket's policy (Storage stack) names the only writer before the function (Analytics
 * stack) exists.
 *
 * @param env - environment name.
 * @throws Error when `env` is not a lower-case identifier.
 */
export function registryPublisherRoleName(env: string): string {
  assertEnv(env);
  return `lakeforge-${env}-registry-publisher`;
}

/** The stage id of an environment: `dev` → `Dev`. */
export function stageId(env: string): string {
  assertEnv(env);
  return env.charAt(0).toUpperCase() + env.slice(1);
}

function assertEnv(env: string): void {
  if (!ENV_PATTERN.test(env)) {
    throw new Error(`Invalid environment name "${env}": expected lower-case letters and digits, starting with a letter`);
  }
}

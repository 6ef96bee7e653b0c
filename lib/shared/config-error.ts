/**
 * Thrown when a configuration value or a declaration is invalid. The message is one line per problem, each
 * naming the environment (or declaration) and the field path, e.g.
 * `prod.analytics.bytesScannedCutoffPerQuery: expected ≥ 10 MB`. `lakeforge synth` prints it as one clean line
 * and exits 1.
 *
 * Defined under lib/ (and re-exported by `config/`) so stacks that validate declarations, such as the pipeline
 * stack's mart check, can extend it without importing a config module.
 */
export class ConfigError extends Error {
  /** The problems, one `env.path: message` string each. */
  public readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`Invalid Lakeforge configuration (config/environments.ts): ${issues.join('; ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

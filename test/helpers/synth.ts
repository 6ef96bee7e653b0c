import * as fs from 'node:fs';
import * as path from 'node:path';
import { type App, Errors } from 'aws-cdk-lib';

/** The file CDK writes the policy-validation report to, in the app's outdir (`cxapi.VALIDATION_REPORT_FILE`). */
export const VALIDATION_REPORT_FILE = 'validation-report.json';

/** The fields of `validation-report.json` that tell a failed policy validation. */
interface ValidationReportJson {
  readonly pluginReports?: ReadonlyArray<{ readonly conclusion?: string; readonly violations?: readonly unknown[] }>;
}

/**
 * Whether `error` is the failure CDK raises when policy-validation plugins report findings: a validation error
 * named `ValidationFailed`, thrown after `<outdir>/validation-report.json` is written, where that report concludes
 * `failure` for at least one plugin and every failed plugin names violations (a plugin that crashed fails with
 * none, and is not a finding).
 */
export function isPolicyFindingFailure(error: unknown, outdir: string): boolean {
  if (!Errors.isValidationError(error) || error.name !== 'ValidationFailed') return false;
  const file = path.join(outdir, VALIDATION_REPORT_FILE);
  if (!fs.existsSync(file)) return false;
  const report = JSON.parse(fs.readFileSync(file, 'utf8')) as ValidationReportJson;
  const failed = (report.pluginReports ?? []).filter((r) => r.conclusion === 'failure');
  return failed.length > 0 && failed.every((r) => (r.violations?.length ?? 0) > 0);
}

/**
 * Synthesizes `app` with CDK's printed policy report silenced (tests read the JSON copies), tolerating only the
 * failure a policy finding raises after the reports are written ({@link isPolicyFindingFailure}).
 * @throws any other error synthesis throws (a construct-validation error, a bug, a finding-free `ValidationFailed`).
 */
export function synthToleratingFindings(app: App): void {
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    app.synth();
  } catch (e) {
    if (!isPolicyFindingFailure(e, app.outdir)) throw e;
  } finally {
    quiet.mockRestore();
  }
}

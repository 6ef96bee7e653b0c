import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';

/**
 * AWS Control Tower proactive controls, as bundled by `@cdklabs/cdk-validator-cfnguard` (the cfn-guard binary
 * and one `.guard` rule file per control under `rules/control-tower/cfn-guard/<service>/ct-<service>-pr-<n>.guard`;
 * it runs offline). The plugin reports a finding under the guard rule name (`s3_bucket_object_lock_enabled_check`)
 * and titles it with the control id (`[CT.S3.PR.9]`); Lakeforge's acknowledgements name the control id.
 *
 * Source: AWS Control Tower Controls Reference Guide, "Proactive controls"
 * (https://docs.aws.amazon.com/controltower/latest/controlreference/proactive-controls.html), and the package's
 * README (https://github.com/cdklabs/cdk-validator-cfnguard#bundled-control-tower-rules).
 */

/** The plugin name the guard validator reports under (and the namespace of its acknowledgement ids). */
export const CONTROL_TOWER_PLUGIN_NAME = 'cdk-validator-cfnguard';

const PACKAGE_DIR = path.join(path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard')), '..');
const RULES_DIR = path.join(PACKAGE_DIR, 'rules', 'control-tower', 'cfn-guard');

/** Versions of the validator package and of the cfn-guard binary it bundles (for the audit report header). */
export const CONTROL_TOWER_VERSION: { readonly validator: string; readonly guard: string } = {
  validator: (JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version,
  guard: (JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'guard-version.json'), 'utf8')) as { version: string }).version,
};

/** A control id such as `CT.S3.PR.9`. */
const CONTROL_ID = /^CT\.[A-Z0-9]+\.PR\.[0-9]+$/;

/** Whether `id` is a Control Tower proactive control id (`CT.<SERVICE>.PR.<n>`). */
export function isControlTowerControlId(id: string): boolean {
  return CONTROL_ID.test(id);
}

/**
 * Every bundled control: control id → guard rule name, read from the rule files (file `ct-s3-pr-9.guard`
 * → `CT.S3.PR.9`; its first `rule <name> when` is the rule name the plugin reports).
 */
export function controlTowerRules(): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const service of fs.readdirSync(RULES_DIR)) {
    const dir = path.join(RULES_DIR, service);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir)) {
      const m = /^ct-([a-z0-9]+)-pr-([0-9]+)\.guard$/.exec(file);
      const rule = /^rule\s+(\w+)\s+when/m.exec(fs.readFileSync(path.join(dir, file), 'utf8'));
      if (m && rule) out.set(`CT.${m[1].toUpperCase()}.PR.${m[2]}`, rule[1]);
    }
  }
  return out;
}

/**
 * The guard rule name of a control, e.g. `CT.S3.PR.9` → `s3_bucket_object_lock_enabled_check`.
 * @throws Error when the bundled rules have no such control.
 */
export function controlTowerRuleName(controlId: string): string {
  const name = controlTowerRules().get(controlId);
  if (name === undefined) throw new Error(`${controlId} is not a Control Tower proactive control bundled with ${CONTROL_TOWER_PLUGIN_NAME} ${CONTROL_TOWER_VERSION.validator}`);
  return name;
}

/** The control id of a guard rule name (`s3_bucket_object_lock_enabled_check` → `CT.S3.PR.9`), or `undefined`. */
export function controlTowerControlId(ruleName: string): string | undefined {
  for (const [id, name] of controlTowerRules()) if (name === ruleName) return id;
  return undefined;
}

/** The id under which CDK's policy validation matches an acknowledgement of a control: `cdk-validator-cfnguard::<rule name>`. */
export function controlTowerAcknowledgementId(controlId: string): string {
  return `${CONTROL_TOWER_PLUGIN_NAME}::${controlTowerRuleName(controlId)}`;
}

/**
 * The guard validator with every bundled Control Tower proactive control. `maxBuffer` is raised from Node's 1 MB:
 * cfn-guard's JSON output for a stage's templates exceeds it.
 */
export function controlTowerValidator(): CfnGuardValidator {
  return new CfnGuardValidator({ controlTowerRulesEnabled: true, maxBuffer: 64 * 1024 * 1024 });
}

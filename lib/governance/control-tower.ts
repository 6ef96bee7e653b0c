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

/** One Control Tower proactive control, as its bundled guard rule file declares it. */
export interface ControlTowerControl {
  /** The control id, e.g. `CT.S3.PR.9` (from the rule's message, `[CT.S3.PR.9]: …`). */
  readonly id: string;
  /** The guard rule name the plugin reports a finding under, e.g. `s3_bucket_object_lock_enabled_check`. */
  readonly ruleName: string;
  /** The rule file's name without `.guard`, e.g. `ct-s3-pr-9` (what the validator's `disabledRules` names). */
  readonly file: string;
  /** The control's title, worded as the plugin describes a finding: `[CT.S3.PR.9]: Require …`. */
  readonly description: string;
  /**
   * The CloudFormation resource types the rule checks: the `Type == …` selectors of its `Resources.*[ … ]`
   * assignments, with `let` constants resolved (e.g. `["AWS::S3::Bucket"]`). Selectors of referenced resources
   * (`Type == %referenced_resource_type` inside a check) are not assignments from `Resources` and are not counted.
   */
  readonly resourceTypes: readonly string[];
}

/**
 * Reads one guard rule file of the Control Tower rule set: its control id and title (the `[CT.…]: …` line of its
 * custom message), its rule name (the first `rule <name> when`) and the resource types it selects from a template.
 *
 * @param text - the rule file's content.
 * @param file - the file's name without `.guard`, e.g. `ct-s3-pr-9`.
 * @returns the control, or `undefined` when the file has no `[CT.…]` message or no primary rule.
 */
export function parseGuardRule(text: string, file: string): ControlTowerControl | undefined {
  const title = /^\s*(\[(CT\.[A-Z0-9-]+\.PR\.[0-9]+)\]:.*?)\s*$/m.exec(text);
  const rule = /^rule\s+(\w+)\s+when/m.exec(text);
  if (title === null || rule === null) return undefined;
  const constants = new Map<string, string>();
  for (const m of text.matchAll(/^let\s+(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')\s*$/gm)) constants.set(m[1], m[2] ?? m[3]);
  const types = new Set<string>();
  for (const selector of text.matchAll(/\bResources(?:\.\*)?\s*\[([^\]]*)\]/g)) {
    for (const t of selector[1].matchAll(/\bType\s*==\s*(?:%(\w+)|"([^"]*)"|'([^']*)')/g)) {
      const type = t[1] !== undefined ? constants.get(t[1]) : (t[2] ?? t[3]);
      if (type !== undefined && type.startsWith('AWS::')) types.add(type);
    }
  }
  return { id: title[2], ruleName: rule[1], file, description: title[1], resourceTypes: [...types] };
}

/** Every bundled control's rule file, parsed (see {@link parseGuardRule}); in directory order. */
function readControls(rulesDir: string): ControlTowerControl[] {
  const out: ControlTowerControl[] = [];
  for (const service of fs.readdirSync(rulesDir).sort()) {
    const dir = path.join(rulesDir, service);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).sort()) {
      if (!file.endsWith('.guard')) continue;
      const control = parseGuardRule(fs.readFileSync(path.join(dir, file), 'utf8'), file.slice(0, -'.guard'.length));
      if (control !== undefined) out.push(control);
    }
  }
  return out;
}

/** Every Control Tower proactive control bundled with the validator, read once from its rule files. */
export const CONTROL_TOWER_CONTROLS: readonly ControlTowerControl[] = readControls(RULES_DIR);

/**
 * The bundled controls a guard validator evaluates: those whose rule id it lists (the validator names a rule file
 * `ct-s3-pr-9` as `s3pr9` in `ruleIds` and leaves out its `disabledRules`); every bundled control when it lists none.
 */
export function controlTowerControlsOf(validator: { readonly ruleIds?: readonly string[] }): ControlTowerControl[] {
  if (validator.ruleIds === undefined) return [...CONTROL_TOWER_CONTROLS];
  const ids = new Set(validator.ruleIds);
  return CONTROL_TOWER_CONTROLS.filter((c) => ids.has(c.file.replace('ct-', '').replace(/-/g, '')));
}

/** Every bundled control: control id → guard rule name (e.g. `CT.S3.PR.9` → `s3_bucket_object_lock_enabled_check`). */
export function controlTowerRules(): ReadonlyMap<string, string> {
  return new Map(CONTROL_TOWER_CONTROLS.map((c) => [c.id, c.ruleName]));
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

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { environmentConfigSchema, loadAllConfigs } from '../../config';
import { environments } from '../../config/environments';
import { loadPlatform } from '../../config/platform';
import { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from '../../lib/app';
import { expiryProblems, listAcknowledgements, validateAcknowledgement } from '../../lib/governance/acknowledge';
import { MAX_REVIEW_HORIZON_MONTHS, SIGN_OFFS } from '../../lib/governance/approvers';
import { POLICY_PACKS } from '../../lib/governance/pack-names';
import { policyPacksOf } from '../../lib/governance/policy-packs';

const today = new Date().toISOString().slice(0, 10);

/** The repository's app without bundling the Lambda code (acknowledgements and packs do not depend on it). */
function appWith(configs = loadAllConfigs()) {
  const app = new App({
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'lakeforge-register-')),
    context: { ...LAKEFORGE_APP_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
  const stages = addLakeforgeStages(app, configs, loadPlatform());
  return { app, stages };
}

describe('the acknowledgement register', () => {
  it(`schedules every sign-off's review within ${MAX_REVIEW_HORIZON_MONTHS} months and not in the past`, () => {
    for (const [name, signOff] of Object.entries(SIGN_OFFS)) {
      const ack = { ...signOff, ruleId: name, reason: 'A reason long enough to pass the reason check.', path: `SIGN_OFFS.${name}` };
      expect(validateAcknowledgement(ack)).toEqual([]);
      expect(expiryProblems(ack, today)).toEqual([]);
    }
  });

  it('gives every acknowledgement of the app a reason, an owner, an approver or ticket and a current review date', () => {
    const { app } = appWith();
    const acks = listAcknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect({ path: a.path, ruleId: a.ruleId, problems: [...validateAcknowledgement(a), ...expiryProblems(a, today)] }).toEqual({ path: a.path, ruleId: a.ruleId, problems: [] });
    }
  });
});

describe('policy packs per environment', () => {
  it('runs all packs when an environment does not choose (governance.policyPacks defaults to all)', () => {
    const { governance: _omitted, ...withoutGovernance } = environments.acc;
    const parsed = environmentConfigSchema.parse(withoutGovernance);
    expect(parsed.governance.policyPacks).toEqual([...POLICY_PACKS]);
  });

  it('rejects an unknown pack and a pack listed twice, naming the field', () => {
    const bad = environmentConfigSchema.safeParse({ ...environments.acc, governance: { policyPacks: ['AwsSolutions', 'Nope'] } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0].path).toEqual(['governance', 'policyPacks', 1]);
    const twice = environmentConfigSchema.safeParse({ ...environments.acc, governance: { policyPacks: ['ControlTower', 'ControlTower'] } });
    expect(twice.success).toBe(false);
    expect(twice.error!.issues[0].message).toMatch(/each pack at most once/);
  });

  it("registers each environment's packs on its stage, and all packs on the app for the stacks outside any stage", () => {
    const configs = loadAllConfigs().map((c) => (c.name === 'dev' ? { ...c, governance: { policyPacks: ['AwsSolutions', 'ControlTower'] as Array<(typeof POLICY_PACKS)[number]> } } : c));
    const { app, stages } = appWith(configs);
    const byName = Object.fromEntries(stages.map((s) => [s.stageName, policyPacksOf(s)]));
    expect(byName).toEqual({ Dev: ['AwsSolutions', 'ControlTower'], Acc: [...POLICY_PACKS], Prod: [...POLICY_PACKS] });
    expect(policyPacksOf(app)).toEqual([...POLICY_PACKS]);
  });
});

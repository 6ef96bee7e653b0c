import type { App } from 'aws-cdk-lib';
import type { DeliveryConfig } from '../config/delivery';
import type { EnvironmentConfig } from '../config/schema';
import { registerPolicyPacks } from './governance/policy-packs';
import { registerAuditReport } from './governance/report/plugin';
import { registerLakeforgeChecks } from './governance/rules/lakeforge-checks';
import { checkProductConsumers } from './products/consumers';
import { stageId } from './shared/naming';
import { DeliveryPipelineStack, smokeRunnerRoleName } from './stacks/delivery-pipeline-stack';
import { SmokeAccessStack } from './stacks/smoke-access-stack';
import { LakeforgeStage, type PlatformDefinition } from './stages/lakeforge-stage';

/**
 * Context every Lakeforge app is created with (also in cdk.json): cross-stack references stay "strong"
 * (CloudFormation exports protect producers), stated explicitly so a CDK upgrade cannot change it.
 */
export const LAKEFORGE_APP_CONTEXT: Readonly<Record<string, string | boolean>> = {
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
};

/**
 * Adds one {@link LakeforgeStage} per environment config to `app` (stage ids `Dev`, `Acc`, `Prod`) and
 * registers the four cdk-nag policy packs on the app, so every stage is checked on every synth.
 *
 * @param app - the CDK app.
 * @param configs - parsed environment configs (from `loadAllConfigs()`).
 * @param platform - data products and tables (from `loadPlatform()`), the same in every environment.
 * @returns the stages, in the order of `configs`.
 * @throws ProductConsumersError when a product names a consumer no environment defines (`analytics.consumers`).
 */
export function addLakeforgeStages(
  app: App,
  configs: readonly EnvironmentConfig[],
  platform: PlatformDefinition,
  delivery?: DeliveryConfig,
): LakeforgeStage[] {
  // A product may name a consumer only some environments define (granted only there), but not one none defines.
  checkProductConsumers(platform.products, configs.flatMap((c) => Object.keys(c.analytics.consumers)));
  const stages = configs.map((config) => new LakeforgeStage(app, stageId(config.name), { config, platform }));
  registerPolicyPacks(app);
  // Lakeforge's own checks on every stage, and the audit report (cdk.out/audit/) written by every synth of the app.
  registerLakeforgeChecks(stages);
  registerAuditReport(app);
  if (delivery !== undefined) addDeliveryPipeline(app, stages, delivery);
  return stages;
}

/** The construct id (and stack path) of the delivery pipeline stack: `Delivery`. */
export const DELIVERY_STACK_ID = 'Delivery';

/**
 * Adds the delivery pipeline ({@link DeliveryPipelineStack}, stack `Delivery` in the tooling account) that deploys
 * the given stages Dev → Acc (smoke test) → approval → Prod, and the smoke role (`SmokeAccess` stack) to the Acc
 * stage. Called after the stages are complete and the policy packs are registered: CDK Pipelines synthesizes each
 * stage when it is added, so nothing may be added to a stage afterwards.
 *
 * @param app - the CDK app (the stages' scope).
 * @param stages - the stages of `addLakeforgeStages`, one per environment (dev, acc, prod).
 * @param delivery - the parsed delivery config (`loadDeliveryConfig()`).
 * @throws Error when one of the dev, acc or prod stages is missing.
 */
export function addDeliveryPipeline(app: App, stages: readonly LakeforgeStage[], delivery: DeliveryConfig): DeliveryPipelineStack {
  const byId = (env: string): LakeforgeStage => {
    const stage = stages.find((s) => s.stageName === stageId(env));
    if (stage === undefined) throw new Error(`The delivery pipeline needs a ${stageId(env)} stage (config/environments.ts defines ${stages.map((s) => s.stageName).join(', ')})`);
    return stage;
  };
  const [dev, acc, prod] = [byId('dev'), byId('acc'), byId('prod')];
  new SmokeAccessStack(acc, 'SmokeAccess', {
    description: `Lakeforge acc: the role the delivery pipeline's smoke test assumes (lakeforge-acc-smoke)`,
    environmentName: 'acc',
    stage: acc,
    smokeRunnerAccount: delivery.toolingAccount,
    smokeRunnerRoleName: smokeRunnerRoleName(delivery.pipelineName),
    terminationProtection: false,
  });
  return new DeliveryPipelineStack(app, DELIVERY_STACK_ID, {
    description: `Lakeforge delivery pipeline ${delivery.pipelineName}: Dev → Acc (smoke test) → approval → Prod`,
    delivery,
    dev,
    acc,
    prod,
  });
}

import type { App } from 'aws-cdk-lib';
import type { EnvironmentConfig } from '../config/schema';
import { registerPolicyPacks } from './governance/policy-packs';
import { checkProductConsumers } from './products/consumers';
import { stageId } from './shared/naming';
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
export function addLakeforgeStages(app: App, configs: readonly EnvironmentConfig[], platform: PlatformDefinition): LakeforgeStage[] {
  // A product may name a consumer only some environments define (granted only there), but not one none defines.
  checkProductConsumers(platform.products, configs.flatMap((c) => Object.keys(c.analytics.consumers)));
  const stages = configs.map((config) => new LakeforgeStage(app, stageId(config.name), { config, platform }));
  registerPolicyPacks(app);
  return stages;
}

// The public API of Lakeforge: what product teams and platform teams import. Nothing internal.
export * from './constructs/storage/secure-bucket';
export * from './constructs/storage/lake-storage';
export * from './constructs/catalog/lake-catalog';
export * from './constructs/catalog/catalog-encryption';
export * from './constructs/analytics/query-workgroup';
export * from './stages/lakeforge-stage';
export * from './stacks/storage-stack';
export * from './stacks/catalog-stack';
export * from './stacks/analytics-stack';
export { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from './app';
export { acknowledge, acknowledgeAll, listAcknowledgements, type Acknowledgement, type RecordedAcknowledgement } from './governance/acknowledge';
export { registerPolicyPacks, POLICY_PACKS } from './governance/policy-packs';
export { databaseName, workgroupName, stageId, type CatalogZone, CATALOG_ZONES } from './shared/naming';
export { loadConfig, loadAllConfigs, ConfigError } from '../config';
export type * from '../config/schema';

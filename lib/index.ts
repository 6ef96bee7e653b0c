// The public API of Lakeforge: what product teams and platform teams import. Nothing internal.

// Constructs
export * from './constructs/storage/secure-bucket';
export * from './constructs/storage/lake-storage';
export * from './constructs/catalog/lake-catalog';
export * from './constructs/catalog/catalog-encryption';
export * from './constructs/catalog/bad-rows-table';
export { IcebergTables, type IcebergTablesProps, type IcebergTableSpec, renderCuratedIcebergTableSpec, type CuratedIcebergTableOptions, renderMartIcebergTableSpec, renderWatermarkIcebergTableSpec } from './constructs/catalog/iceberg-tables';
export { TableDdlFunction, type TableDdlFunctionProps, type ITableDdlProvider } from './constructs/catalog/table-ddl-function';
export { RegistryPublisherFunction, type RegistryPublisherFunctionProps, type IRegistryPublisher } from './constructs/catalog/registry-publisher-function';
export {
  SchemaPublication,
  type SchemaPublicationProps,
  type ProductCatalogEntry,
  type CatalogEntryTable,
  type CatalogEntryColumn,
  SCHEMA_PUBLICATION_MAX_BYTES,
} from './constructs/catalog/schema-publication';
export * from './constructs/analytics/query-workgroup';
export * from './constructs/analytics/query-consumer';
export * from './constructs/data-product/consumer-read-policies';
export { AnalystQueries, type AnalystQueriesProps, type AnalystQuery, renderAnalystQueries } from './constructs/analytics/analyst-queries';
export { PipelineOrchestration, type PipelineOrchestrationProps, type PipelineSchedules, type PipelineDataScope, DEFINITION_SUBSTITUTIONS } from './constructs/analytics/pipeline-orchestration';
export {
  ProductRefresh,
  type ProductRefreshProps,
  productRefreshStateMachineName,
  DEFAULT_PRODUCT_REFRESH_SCHEDULE,
  DEFAULT_PRODUCT_MAINTENANCE_SCHEDULE,
} from './constructs/data-product/product-refresh';
export * from './constructs/ingestion/kinesis-ingestion';
export * from './constructs/data-product/data-product';
export * from './constructs/observability/platform-monitoring';
export * from './constructs/observability/freshness-alarms';
export { LakeforgePlatform, type LakeforgePlatformParametersProps } from './constructs/platform/lakeforge-platform';
export { PlatformParameters, type PlatformParametersProps } from './constructs/platform/platform-parameters';

// Stages and stacks of the blueprint
export * from './stages/lakeforge-stage';
export * from './stacks/storage-stack';
export * from './stacks/catalog-stack';
export * from './stacks/ingestion-stack';
export * from './stacks/analytics-stack';
export * from './stacks/products-stack';
export * from './stacks/monitoring-stack';
export * from './stacks/freshness-stack';
export * from './stacks/pipeline-stack';
export * from './stacks/handles-stack';
export { addLakeforgeStages, LAKEFORGE_APP_CONTEXT } from './app';

// Data products and contracts
export { defineProduct, checkProducts, productDeclarationSchema, ProductDeclarationError, CLASSIFICATIONS, type ProductDeclaration, type ProductDeclarationInput } from './products/declaration';
export { planProductStacks, PRODUCT_STACK_BUDGET, CFN_RESOURCE_LIMIT, type ProductStackGroup } from './products/stack-plan';
export { readContractTables, type ContractTable, type ContractSchemaText } from './marts/contract-adapter';
export { BATCH_TABLES } from './marts/catalog';
export type { CatalogColumn, CatalogTable } from './marts/catalog-model';
export * as contracts from './contracts';

// The raw → curated → marts pipeline plan and the names of its metrics
export {
  renderPipelinePlan,
  renderPipelinePlanTemplate,
  windowSettingValues,
  curatedLookbackHours,
  planSteps,
  type PipelinePlan,
  type PipelinePlanTemplate,
  type PipelinePlanOptions,
  type PipelinePlanTemplateOptions,
  type PipelineStep,
  type MaintenanceStep,
} from './pipeline/plan';
export { PIPELINE_METRICS_NAMESPACE, PIPELINE_SERVICE_NAME, FRESHNESS_METRICS, FRESHNESS_DIMENSION } from './pipeline/metrics';

// Platform handles: the SSM parameter layout a stage writes and LakeforgePlatform.fromParameters reads
export {
  PLATFORM_PARAMETER_ROOT,
  PLATFORM_PARAMETERS,
  OPTIONAL_PLATFORM_PARAMETERS,
  DATABASE_HANDLES,
  platformParameterPrefix,
  platformParameterName,
  workgroupParameterKey,
  type PlatformHandle,
  type OptionalPlatformHandle,
} from './platform/parameter-names';

// Governance and naming
export { acknowledge, acknowledgeAll, acknowledgeWildcardResources, listAcknowledgements, AcknowledgementError, type Acknowledgement, type RecordedAcknowledgement } from './governance/acknowledge';
export { registerPolicyPacks, policyPacksOf, POLICY_PACKS, type PolicyPackName, type PolicyPackOptions } from './governance/policy-packs';
export { APPROVERS, SIGN_OFFS, TICKET_PATTERN, type Approver, type SignOff } from './governance/approvers';
export { restrictGrantsToAwsServices } from './governance/key-policy';
export { databaseName, workgroupName, registryPublisherRoleName, stageId, type CatalogZone, CATALOG_ZONES } from './shared/naming';
export { loadConfig, loadAllConfigs, ConfigError } from '../config';
export type * from '../config/schema';

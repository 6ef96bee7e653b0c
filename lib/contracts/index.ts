/**
 * The data-contract model: Iglu URIs and SchemaVer, the Iglu folder loader, JSON Schema → Glue
 * columns, precompiled ajv validators, producer types, the SchemaVer compatibility checker (instance
 * step and table step) and the publication gate. Pure TypeScript; no CDK imports.
 */
export * from './contract-error';
export * from './schemaver';
export * from './contract';
export * from './loader';
export * from './ajv-schema';
export * from './glue-types';
export * from './validators';
export * from './typescript-types';
export * from './compatibility';
export * from './table-step';
export * from './publication';
export * from './build';

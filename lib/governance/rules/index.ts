export * from './rule';
export * from './athena-workgroup';
export * from './glue-catalog-encryption';
export * from './prod-retention';
export * from './lambda-logging';
export * from './kinesis-event-source';
export * from './iceberg-lifecycle';
export * from './lakeforge-checks';

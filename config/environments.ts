import type { EnvironmentConfigInput, EnvironmentName } from './schema';

/**
 * Values shared by every environment. Each environment spreads this base and overrides only what
 * differs, so a reader sees every difference between dev, acc and prod in one screen.
 *
 * Account ids are placeholders (synth needs no credentials); replace them with your accounts.
 */
const base = {
  region: 'eu-west-1',
  terminationProtection: true,
  tags: { 'lakeforge:platform': 'lakeforge', 'lakeforge:managed-by': 'cdk' },
  storage: {
    allowDestroy: false,
    keyPendingWindowDays: 30,
    lifecycle: {
      raw: { intelligentTieringAfterDays: 30, noncurrentVersionExpireAfterDays: 30 },
      curated: { intelligentTieringAfterDays: 90, noncurrentVersionExpireAfterDays: 30 },
      marts: { noncurrentVersionExpireAfterDays: 30 },
      quarantine: { expireAfterDays: 365, noncurrentVersionExpireAfterDays: 30 },
      athenaResults: { expireAfterDays: 30, noncurrentVersionExpireAfterDays: 7 },
      accessLogs: { expireAfterDays: 400, noncurrentVersionExpireAfterDays: 30 },
    },
  },
  catalog: { manageCatalogEncryption: true },
  ingestion: {
    shardCount: 2,
    retentionHours: 24 * 7,
    batchSize: 500,
    maxBatchingWindowSeconds: 5,
    parallelizationFactor: 2,
    retryAttempts: 10,
    maxRecordAgeSeconds: 24 * 3600,
    memorySizeMb: 1024,
    timeoutSeconds: 120,
  },
  analytics: {
    bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
    platformBytesScannedCutoffPerQuery: 100 * 1024 ** 3,
    extraWorkgroups: [],
    // Who reads the data products. A role the platform creates (lakeforge-<env>-<consumer>), assumable by the
    // environment's account unless `assumedBy` names principals, or an existing role (`roleArn`).
    consumers: { analysts: { workgroup: 'analysts' } },
  },
  pipeline: {
    goLiveDate: '2026-11-01',
    scheduleExpression: 'cron(5 * * * ? *)',
    maintenanceScheduleExpression: 'cron(40 3 * * ? *)',
    lateArrivalMarginHours: 1,
    maxConcurrentCuratedSteps: 5,
    optimizeRecentDays: 30,
  },
  observability: {
    logRetentionDays: 90,
    alarms: { iteratorAgeSeconds: 600, badRowRatio: 0.05 },
  },
  // Policy packs run on every synth of every environment (lib/governance); drop one here to stop it for an environment.
  governance: { policyPacks: ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321', 'ControlTower'] },
} satisfies Omit<EnvironmentConfigInput, 'name' | 'account'>;

/** The three environments, before validation. `loadConfig(name)` parses and freezes one of them. */
export const environments: Record<EnvironmentName, EnvironmentConfigInput> = {
  dev: {
    ...base,
    name: 'dev',
    account: '111111111111',
    terminationProtection: false,
    tags: { ...base.tags, 'lakeforge:environment': 'dev' },
    storage: {
      ...base.storage,
      allowDestroy: true,
      keyPendingWindowDays: 7,
      lifecycle: {
        ...base.storage.lifecycle,
        raw: { expireAfterDays: 30, noncurrentVersionExpireAfterDays: 1 },
        curated: { noncurrentVersionExpireAfterDays: 1 },
      },
    },
    ingestion: { ...base.ingestion, shardCount: 1, retentionHours: 24, parallelizationFactor: 1, maxRecordAgeSeconds: 3600 },
    analytics: { ...base.analytics, bytesScannedCutoffPerQuery: 1024 ** 3, platformBytesScannedCutoffPerQuery: 10 * 1024 ** 3 },
    observability: { ...base.observability, logRetentionDays: 14 },
  },
  acc: {
    ...base,
    name: 'acc',
    account: '222222222222',
    tags: { ...base.tags, 'lakeforge:environment': 'acc' },
    observability: { ...base.observability, logRetentionDays: 30 },
  },
  prod: {
    ...base,
    name: 'prod',
    account: '333333333333',
    tags: { ...base.tags, 'lakeforge:environment': 'prod' },
    ingestion: { ...base.ingestion, shardCount: 4 },
    analytics: { ...base.analytics, extraWorkgroups: ['bi'], consumers: { ...base.analytics.consumers, bi: { workgroup: 'bi' } } },
    observability: { ...base.observability, logRetentionDays: 365 },
  },
};

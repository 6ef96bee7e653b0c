import { z } from 'zod';
import { POLICY_PACKS } from '../lib/governance/pack-names';
import { isScheduleExpression } from '../lib/marts/declaration';
import { didYouMean } from '../lib/shared/config-error';
import { RESERVED_CONSUMER_NAMES } from '../lib/shared/naming';

/**
 * The configuration schema of one Lakeforge environment (stage).
 *
 * This zod schema is the single source of truth: the TypeScript types below are inferred from it,
 * and `loadConfig` parses every environment with it before a construct sees a value. Units are in
 * the field names (`Days`, `Bytes`) so nobody has to guess.
 */

const MIB = 1024 * 1024;

/** Minimum bytes-scanned cutoff Athena accepts for a workgroup: 10 MB (AWS Athena API, `BytesScannedCutoffPerQuery`). */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1000 * 1000;

/**
 * CloudWatch Logs retention values accepted by `AWS::Logs::LogGroup` `RetentionInDays`.
 * Source: AWS CloudFormation User Guide, AWS::Logs::LogGroup.
 */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Environment names. Stage ids are the capitalized names (`Dev`, `Acc`, `Prod`). */
export const ENVIRONMENT_NAMES = ['dev', 'acc', 'prod'] as const;

/** The name of an environment: `dev`, `acc` or `prod`. */
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const accountSchema = z
  .string()
  .regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id' });

/**
 * The AWS Region codes an environment may name: the commercial (`aws`), China (`aws-cn`) and AWS GovCloud (US)
 * (`aws-us-gov`) partitions. The isolated partitions (ISO, European Sovereign Cloud) are left out on purpose.
 *
 * Sources, read 2026-12-01: AWS General Reference, "AWS Regions and Availability Zones" → "AWS Region billing
 * codes" (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html; the
 * list of Regions: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html), and
 * aws-cdk-lib 2.276.0 `RegionInfo.regions` (region-info), which test/config/config.test.ts compares with this
 * list: a Region added there (or a typo here) fails the test, so the list is kept current with each CDK upgrade.
 */
export const AWS_REGIONS = [
  // North America
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'ca-west-1', 'mx-central-1',
  // Africa
  'af-south-1',
  // Asia Pacific
  'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-south-2',
  'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6', 'ap-southeast-7',
  // Europe
  'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3',
  // Israel and the Middle East
  'il-central-1', 'me-central-1', 'me-south-1', 'me-west-1',
  // South America
  'sa-east-1',
  // China (aws-cn)
  'cn-north-1', 'cn-northwest-1',
  // AWS GovCloud (US) (aws-us-gov)
  'us-gov-east-1', 'us-gov-west-1',
] as const;

const regionSchema = z.string().superRefine((region, ctx) => {
  if ((AWS_REGIONS as readonly string[]).includes(region)) return;
  const hint = didYouMean(region, AWS_REGIONS);
  ctx.addIssue({
    code: 'custom',
    message: `expected an AWS region such as eu-west-1 (commercial, China or GovCloud), got "${region}"${hint === undefined ? '' : `: ${hint}`}`,
  });
});

/** Lifecycle of one lake zone (raw, curated, marts, quarantine). */
const zoneLifecycleSchema = z
  .object({
    /** Days after which current objects move to S3 Intelligent-Tiering. Omit to keep them in S3 Standard. */
    intelligentTieringAfterDays: z.number().int().min(0).optional(),
    /** Days after which current objects expire. Omit to keep them forever. */
    expireAfterDays: z.number().int().min(1).optional(),
    /** Days after which noncurrent (overwritten or deleted) object versions expire. */
    noncurrentVersionExpireAfterDays: z.number().int().min(1),
  })
  .strict()
  .refine(
    (l) => l.expireAfterDays === undefined || l.intelligentTieringAfterDays === undefined || l.expireAfterDays > l.intelligentTieringAfterDays,
    { message: 'expireAfterDays must be greater than intelligentTieringAfterDays', path: ['expireAfterDays'] },
  );

/** A short name: lower-case letters, digits and `-`, starting with a letter, at most 32 characters. */
const SHORT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const SHORT_NAME_MESSAGE = "expected a short name: lower-case letters, digits and '-', starting with a letter, at most 32 characters";

/**
 * An IAM role ARN, as IAM documents it: `arn:<partition>:iam::<account>:role/<path/><name>`.
 * Source: AWS IAM User Guide, "IAM identifiers" (ARNs) and "IAM and AWS STS quotas" (name characters).
 */
const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/** An IAM role or user ARN (a principal a trust policy may name). */
const PRINCIPAL_ARN = /^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/**
 * One consumer of the data products: a team or tool that reads them in Athena. The grants go to exactly one IAM
 * role: an existing one (`roleArn`), or one the platform creates (`lakeforge-<env>-<consumer>`), whose trust
 * policy names `assumedBy` or, when that is omitted, the environment's account.
 */
const consumerSchema = z
  .object({
    /**
     * The consumer workgroup the consumer queries in, by short name: `analysts` or one of `extraWorkgroups`
     * (never `platform`, which runs the platform's own statements).
     * @default the consumer's own name
     */
    workgroup: z.string().regex(SHORT_NAME, { message: SHORT_NAME_MESSAGE }).optional(),
    /**
     * An existing IAM role of the environment's account to grant to (e.g. an IAM Identity Center permission-set
     * role or a BI tool's role). The platform attaches its managed policies to it and creates no role.
     * @default - the platform creates the consumer's role
     */
    roleArn: z.string().regex(ROLE_ARN, { message: 'expected an IAM role ARN arn:aws:iam::<account>:role/<name>' }).optional(),
    /**
     * Who may assume the role the platform creates: IAM role or user ARNs (of any account). Not allowed with
     * `roleArn`.
     * @default - the environment's account: any of its IAM principals whose own policy allows
     *   `sts:AssumeRole` on the role (the account's administrators decide who)
     */
    assumedBy: z.array(z.string().regex(PRINCIPAL_ARN, { message: 'expected an IAM role or user ARN arn:aws:iam::<account>:role/<name>' })).min(1).optional(),
  })
  .strict();

/** One consumer as written in `config/environments.ts`. */
type ConsumerConfigInput = z.input<typeof consumerSchema>;
/** One consumer, as parsed: `workgroup` resolved (the consumer's own name when omitted). */
export type ConsumerConfig = Omit<z.output<typeof consumerSchema>, 'workgroup'> & { readonly workgroup: string };

/** Per-environment configuration. */
export const environmentConfigSchema = z
  .object({
    /** Environment name: dev, acc or prod. */
    name: z.enum(ENVIRONMENT_NAMES),
    /** Target AWS account (12 digits). Placeholders are fine: synth needs no credentials. */
    account: accountSchema,
    /** Target AWS region, e.g. `eu-west-1`. */
    region: regionSchema,
    /** Whether every stack of the environment has CloudFormation termination protection. */
    terminationProtection: z.boolean(),
    /** Tags applied to every taggable resource of the environment. */
    tags: z.record(z.string().min(1).max(128), z.string().max(256)),
    /** Storage (stateful) settings. */
    storage: z
      .object({
        /**
         * Whether a stack operation may delete data (buckets, keys, Glue databases). Only dev may allow it;
         * it turns RemovalPolicy RETAIN into DESTROY and empties buckets on delete.
         */
        allowDestroy: z.boolean(),
        /** Days KMS waits before deleting a key scheduled for deletion (7–30). */
        keyPendingWindowDays: z.number().int().min(7).max(30),
        /** Lifecycle per zone. */
        lifecycle: z
          .object({
            raw: zoneLifecycleSchema,
            curated: zoneLifecycleSchema,
            marts: zoneLifecycleSchema,
            quarantine: zoneLifecycleSchema,
            athenaResults: zoneLifecycleSchema,
            accessLogs: zoneLifecycleSchema,
          })
          .strict(),
      })
      .strict(),
    /** Glue Data Catalog settings. */
    catalog: z
      .object({
        /**
         * Whether this environment's Catalog stack owns the Glue Data Catalog encryption settings of its
         * account+region. Exactly one environment per account+region may set it (checked across environments).
         */
        manageCatalogEncryption: z.boolean(),
      })
      .strict(),
    /** Ingestion settings: the Kinesis stream and its consumer function. */
    ingestion: z
      .object({
        /** Provisioned shards of the stream (1 MB/s or 1,000 records/s in, 2 MB/s out, each). */
        shardCount: z.number().int().min(1).max(500),
        /** Stream retention in hours: 24 (Kinesis minimum) to 8760 (one year). */
        retentionHours: z.number().int().min(24).max(8760),
        /** Records per Lambda invocation (1–10,000 for Kinesis). */
        batchSize: z.number().int().min(1).max(10_000),
        /** Seconds the event source mapping may wait to fill a batch (0–300). */
        maxBatchingWindowSeconds: z.number().int().min(0).max(300),
        /** Concurrent batches per shard (1–10). */
        parallelizationFactor: z.number().int().min(1).max(10),
        /** Retries of a failing batch before it goes to the on-failure destination (0–10,000; never infinite). */
        retryAttempts: z.number().int().min(0).max(10_000),
        /** Oldest record age, in seconds, the mapping still retries (60–604,800; never infinite). */
        maxRecordAgeSeconds: z.number().int().min(60).max(604_800),
        /** Memory of the ingest function in MB (128–10,240). */
        memorySizeMb: z.number().int().min(128).max(10_240),
        /** Timeout of the ingest function in seconds (1–900). */
        timeoutSeconds: z.number().int().min(1).max(900),
        /**
         * Reserved concurrency of the ingest function (shards × parallelizationFactor is the most the mapping
         * ever runs). Off by default: Lambda only lets you reserve up to the account's unreserved concurrency
         * minus 100, and new accounts start with a quota of 10, so a reservation fails the deploy there.
         * Raise the quota (Service Quotas, "Concurrent executions") before you set it.
         * Source: AWS Lambda Developer Guide, "Configuring reserved concurrency".
         * @default - no reservation
         */
        reservedConcurrency: z.number().int().min(1).max(10_000).optional(),
      })
      .strict()
      .refine((i) => i.retentionHours * 3600 > i.maxRecordAgeSeconds, {
        message: 'stream retention must exceed maxRecordAgeSeconds, or records expire while still being retried',
        path: ['retentionHours'],
      }),
    /** Athena query layer settings. */
    analytics: z
      .object({
        /** Per-query scan limit of the consumer workgroups (`analysts`, extras), in bytes (Athena minimum: 10 MB). */
        bytesScannedCutoffPerQuery: z
          .number()
          .int()
          .min(MIN_BYTES_SCANNED_CUTOFF, { message: `expected ≥ 10 MB (${MIN_BYTES_SCANNED_CUTOFF} bytes)` }),
        /**
         * Per-query scan limit of the `platform` workgroup, in bytes: the curated MERGE and mart refreshes scan
         * more than ad-hoc queries, and a cut-off refresh leaves a mart stale (Athena minimum: 10 MB).
         */
        platformBytesScannedCutoffPerQuery: z
          .number()
          .int()
          .min(MIN_BYTES_SCANNED_CUTOFF, { message: `expected ≥ 10 MB (${MIN_BYTES_SCANNED_CUTOFF} bytes)` }),
        /** Extra consumer workgroups besides `platform` and `analysts`, by short name (lower-case). */
        extraWorkgroups: z.array(z.string().regex(SHORT_NAME, { message: SHORT_NAME_MESSAGE })).default([]),
        /**
         * The consumers of the environment's data products, by short name (the names product declarations list
         * under `consumers`). Each consumer reads the products that name it through one IAM role, in one
         * consumer workgroup. A product may name a consumer that only some environments define: it is granted
         * where it is defined; a name no environment defines fails synth.
         * @default - one consumer per consumer workgroup (`analysts` and each of `extraWorkgroups`), each with a
         *   role the platform creates, assumable by the environment's account
         */
        consumers: z
          .record(z.string().regex(SHORT_NAME, { message: SHORT_NAME_MESSAGE }), consumerSchema)
          .superRefine((consumers, ctx) => {
            for (const name of Object.keys(consumers).filter((n) => (RESERVED_CONSUMER_NAMES as readonly string[]).includes(n))) {
              ctx.addIssue({ code: 'custom', path: [name], message: `reserved for a platform role (lakeforge-<env>-${name}); reserved names: ${RESERVED_CONSUMER_NAMES.join(', ')}` });
            }
          })
          .optional(),
      })
      .strict()
      .transform(({ consumers, ...analytics }) => ({
        ...analytics,
        consumers: Object.fromEntries(
          Object.entries(consumers ?? Object.fromEntries(['analysts', ...analytics.extraWorkgroups].map((n) => [n, {}]))).map(
            ([name, c]: [string, ConsumerConfigInput]): [string, ConsumerConfig] => [name, { ...c, workgroup: c.workgroup ?? name }],
          ),
        ),
      })),
    /** The raw → curated → marts pipeline (one Step Functions state machine per environment). */
    pipeline: z
      .object({
        /**
         * Go-live date `YYYY-MM-DD`: the first arrival date the raw tables project (partition projection
         * range start) and the curated steps ever read. Set it to the day the environment first receives
         * events: an earlier date only adds empty projected partitions.
         */
        goLiveDate: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date YYYY-MM-DD' })
          .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), { message: 'expected a real calendar date' }),
        /** EventBridge Scheduler expression that starts a pipeline run (curated steps, then marts). */
        scheduleExpression: z.string().refine(isScheduleExpression, { message: 'expected an EventBridge Scheduler expression: cron(m h dom mon dow y) or rate(n unit)' }),
        /** EventBridge Scheduler expression that starts table maintenance (OPTIMIZE, VACUUM). */
        maintenanceScheduleExpression: z.string().refine(isScheduleExpression, { message: 'expected an EventBridge Scheduler expression: cron(m h dom mon dow y) or rate(n unit)' }),
        /** Hours added to the longest arrival-to-raw delay (max record age + function timeout) in the curated lookback. */
        lateArrivalMarginHours: z.number().int().min(0).max(48),
        /** Curated steps (tables) the state machine runs at the same time. */
        maxConcurrentCuratedSteps: z.number().int().min(1).max(40),
        /** Days of recent event-date partitions the daily OPTIMIZE rewrites (1–99: one statement, < 100 partitions). */
        optimizeRecentDays: z.number().int().min(1).max(99),
      })
      .strict(),
    /** Observability settings. */
    observability: z
      .object({
        /** Retention of every Lambda log group, in days (a CloudWatch Logs value). */
        logRetentionDays: z
          .number()
          .int()
          .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
            message: `expected one of ${LOG_RETENTION_DAYS.join(', ')}`,
          }),
        /** Alarm thresholds (used by the monitoring stack). */
        alarms: z
          .object({
            /** Alarm when the ingest iterator age exceeds this many seconds. */
            iteratorAgeSeconds: z.number().int().min(1),
            /** Alarm when bad rows exceed this share of events in 5 minutes (0–1). */
            badRowRatio: z.number().min(0).max(1),
          })
          .strict(),
      })
      .strict(),
    /** Policy checks of this environment's stacks. */
    governance: z
      .object({
        /**
         * The policy packs that check this environment's stacks on every synth: any of `AwsSolutions`,
         * `NIST.800.53.R5`, `HIPAA.Security`, `PCI.DSS.321` (cdk-nag 3) and `ControlTower` (AWS Control Tower proactive
         * controls through cfn-guard), each at most once. @default all five
         */
        policyPacks: z
          .array(z.enum(POLICY_PACKS))
          .min(1)
          .refine((packs) => new Set(packs).size === packs.length, { message: 'each pack at most once' })
          .default([...POLICY_PACKS]),
      })
      .strict()
      .default({ policyPacks: [...POLICY_PACKS] }),
  })
  .strict()
  .superRefine((env, ctx) => {
    if (env.storage.allowDestroy && env.name !== 'dev') {
      ctx.addIssue({
        code: 'custom',
        path: ['storage', 'allowDestroy'],
        message: 'only dev may allow data destruction (prod data is never deleted by a stack operation)',
      });
    }
    for (const zone of ['curated', 'marts'] as const) {
      if (env.storage.lifecycle[zone].expireAfterDays !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['storage', 'lifecycle', zone, 'expireAfterDays'],
          message: `the ${zone} zone holds Iceberg tables: lifecycle expiration would delete data and metadata files their current snapshot still references (use VACUUM, which the pipeline schedules); only raw and quarantine may expire`,
        });
      }
    }
    checkConsumers(env, ctx);
    const sixDays = 6 * 24 * 3600;
    if (env.name === 'prod' && env.ingestion.retentionHours * 3600 < env.ingestion.maxRecordAgeSeconds + sixDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['ingestion', 'retentionHours'],
        message: `prod stream retention must exceed maxRecordAgeSeconds by at least 6 days (≥ ${Math.ceil((env.ingestion.maxRecordAgeSeconds + sixDays) / 3600)} hours), so failed batches can be replayed from the stream`,
      });
    }
  });

/**
 * Cross-field rules of `analytics.consumers`: each consumer's workgroup is a consumer workgroup of the environment
 * (`analysts` or an extra one), `roleArn` and `assumedBy` are not both set, and an existing role is in the
 * environment's account (the platform attaches policies to it, which IAM allows only in the role's own account).
 */
function checkConsumers(
  env: { account: string; analytics: { extraWorkgroups: string[]; consumers: Record<string, ConsumerConfig> } },
  ctx: z.RefinementCtx,
): void {
  const workgroups = ['analysts', ...(env.analytics?.extraWorkgroups ?? [])];
  // zod still runs this refinement when a field below failed (and the analytics transform did not run): the
  // consumers may then be as written, so the workgroup default is applied here too.
  for (const [name, c] of Object.entries(env.analytics?.consumers ?? {})) {
    const at = ['analytics', 'consumers', name];
    const workgroup = c.workgroup ?? name;
    if (typeof workgroup === 'string' && !workgroups.includes(workgroup)) {
      const hint = didYouMean(workgroup, workgroups);
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'workgroup'],
        message: `"${workgroup}" is not a consumer workgroup of this environment (${workgroups.join(', ')}; add it to analytics.extraWorkgroups)${hint === undefined ? '' : `: ${hint}`}`,
      });
    }
    if (c.roleArn !== undefined && c.assumedBy !== undefined) {
      ctx.addIssue({ code: 'custom', path: [...at, 'assumedBy'], message: 'set either roleArn (an existing role) or assumedBy (who may assume the role the platform creates), not both' });
    }
    const roleAccount = c.roleArn?.split(':')[4];
    if (roleAccount !== undefined && roleAccount !== env.account) {
      ctx.addIssue({ code: 'custom', path: [...at, 'roleArn'], message: `the role must be in the environment's account ${env.account}, got account ${roleAccount}` });
    }
  }
}

/** The configuration of one environment, as parsed (all defaults applied). */
export type EnvironmentConfig = z.output<typeof environmentConfigSchema>;
/** The configuration of one environment, as written in `config/environments.ts`. */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;

/** The storage slice handed to the Storage stack. */
export type StorageConfig = EnvironmentConfig['storage'];
/** The lifecycle of one zone. */
export type ZoneLifecycleConfig = StorageConfig['lifecycle']['raw'];
/** The catalog slice handed to the Catalog stack. */
export type CatalogConfig = EnvironmentConfig['catalog'];
/** The ingestion slice handed to the Ingestion stack. */
export type IngestionConfig = EnvironmentConfig['ingestion'];
/** The consumers of the data products, by short name (`analytics.consumers`, defaults applied). */
export type ConsumersConfig = EnvironmentConfig['analytics']['consumers'];
/** The analytics slice handed to the Analytics stack. */
export type AnalyticsConfig = EnvironmentConfig['analytics'];
/** The pipeline slice handed to the Pipeline stack. */
export type PipelineConfig = EnvironmentConfig['pipeline'];
/** The observability slice. */
export type ObservabilityConfig = EnvironmentConfig['observability'];
/** The `governance` slice: which policy packs run. */
export type GovernanceConfig = EnvironmentConfig['governance'];

/** Bytes in one mebibyte, for readable config values. */
export const MEBIBYTE = MIB;

import { z } from 'zod';
import { ConfigError, didYouMean } from '../lib/shared/config-error';
import { objectKeysAt } from './index';
import { AWS_REGIONS } from './schema';

/**
 * The delivery pipeline's configuration: where the pipeline lives (a tooling account), where it reads the
 * repository from, and how long the acceptance smoke test may wait. The environments' own accounts and regions
 * (the pipeline's deploy targets) stay in `config/environments.ts`: one place per value.
 *
 * Omit {@link delivery} (set it to `undefined`) and `npm run synth` synthesizes no pipeline stack.
 */

/**
 * A CodeConnections (formerly CodeStar Connections) connection ARN:
 * `arn:<partition>:codestar-connections:<region>:<account>:connection/<uuid>` or the same with the newer
 * `codeconnections` service prefix. Source: AWS CDK API reference, `pipelines.ConnectionSourceOptions`
 * (https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.pipelines.ConnectionSourceOptions.html), and the
 * AWS CodeConnections User Guide (both prefixes name the same resources).
 */
const CONNECTION_ARN = /^arn:aws(-cn|-us-gov)?:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;

const accountSchema = z.string().regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id' });
const regionSchema = z.string().superRefine((region, ctx) => {
  if ((AWS_REGIONS as readonly string[]).includes(region)) return;
  const hint = didYouMean(region, AWS_REGIONS);
  ctx.addIssue({ code: 'custom', message: `expected an AWS region such as eu-west-1, got "${region}"${hint === undefined ? '' : `: ${hint}`}` });
});
/** A Git branch name (no spaces, no `..`, not starting with `-`; the subset of `git check-ref-format` a pipeline needs). */
const branchSchema = z
  .string()
  .regex(/^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}$/, { message: 'expected a Git branch name such as main' });

/** The repository the pipeline builds: a CodeConnections connection (GitHub, GitLab, Bitbucket) or CodeCommit. */
const sourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      /** A repository reached through a CodeConnections connection (created and authorized in the console once). */
      kind: z.literal('connection'),
      /** The connection's ARN (placeholders are fine: synth needs no credentials). */
      connectionArn: z.string().regex(CONNECTION_ARN, {
        message: 'expected a connection ARN arn:aws:codestar-connections:<region>:<account>:connection/<uuid> (or codeconnections)',
      }),
      /** The repository as `owner/name`, e.g. `my-org/lakeforge`. */
      repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { message: 'expected owner/name, e.g. my-org/lakeforge' }),
      /** The branch whose commits the pipeline promotes. */
      branch: branchSchema,
    })
    .strict(),
  z
    .object({
      /** An AWS CodeCommit repository of the tooling account. */
      kind: z.literal('codecommit'),
      /** The repository's name (CodeCommit: letters, digits, `.`, `_`, `-`, at most 100 characters). */
      repositoryName: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, { message: 'expected a CodeCommit repository name' }),
      /** The branch whose commits the pipeline promotes. */
      branch: branchSchema,
    })
    .strict(),
]);

/** The delivery pipeline (one per repository, in the tooling account). */
export const deliveryConfigSchema = z
  .object({
    /** The tooling account the pipeline stack is deployed to (12 digits; the target accounts trust it). */
    toolingAccount: accountSchema,
    /** The tooling account's region (where the pipeline runs). */
    toolingRegion: regionSchema,
    /** Physical name of the pipeline (CodePipeline: letters, digits, `.`, `_`, `-`, at most 100 characters). */
    pipelineName: z.string().regex(/^[A-Za-z0-9.@_-]{1,100}$/, { message: 'expected a pipeline name: letters, digits, . @ _ -, at most 100 characters' }),
    /** Where the pipeline reads the repository from. */
    source: sourceSchema,
    /** The smoke test run after the Acc stage (`lakeforge smoke --env acc`). */
    smoke: z
      .object({
        /** Longest the smoke test waits for each stage of the canary's trip (raw, quarantine, curated), in seconds. */
        timeoutSeconds: z.number().int().min(30).max(3600),
        /** Seconds between two polls while it waits. */
        pollIntervalSeconds: z.number().int().min(1).max(300),
      })
      .strict()
      .refine((s) => s.pollIntervalSeconds < s.timeoutSeconds, { message: 'pollIntervalSeconds must be less than timeoutSeconds', path: ['pollIntervalSeconds'] }),
    /** Minutes CodeBuild lets the synth step (npm ci, npm test, contracts gate, synth) run (5–480). */
    synthTimeoutMinutes: z.number().int().min(5).max(480),
  })
  .strict();

/** The delivery configuration, as written. */
export type DeliveryConfigInput = z.input<typeof deliveryConfigSchema>;
/** The delivery configuration, as parsed. */
export type DeliveryConfig = z.output<typeof deliveryConfigSchema>;

/**
 * The repository's delivery pipeline. Account ids and the connection ARN are placeholders (synth needs no
 * credentials): replace them with your tooling account and the connection you authorized in the console.
 */
export const delivery: DeliveryConfigInput | undefined = {
  toolingAccount: '444444444444',
  toolingRegion: 'eu-west-1',
  pipelineName: 'lakeforge-delivery',
  source: {
    kind: 'connection',
    connectionArn: 'arn:aws:codestar-connections:eu-west-1:444444444444:connection/00000000-0000-4000-8000-000000000000',
    repository: 'my-org/lakeforge',
    branch: 'main',
  },
  smoke: { timeoutSeconds: 900, pollIntervalSeconds: 15 },
  synthTimeoutMinutes: 60,
};

/** An invalid delivery configuration: a header naming `config/delivery.ts`, then one `delivery.<path>: message` line per problem. */
export class DeliveryConfigError extends ConfigError {
  constructor(issues: readonly string[]) {
    super(issues);
    this.name = 'DeliveryConfigError';
    this.message = ['Invalid delivery configuration (config/delivery.ts):', ...this.issues.map((i) => `  - ${i}`)].join('\n');
  }
}

/**
 * Parses and freezes the delivery configuration.
 *
 * @param source - the raw delivery object; `undefined` for none. @default {@link delivery}
 * @returns the parsed configuration, or `undefined` when there is none (no pipeline is synthesized).
 * @throws DeliveryConfigError (a ConfigError) with one `delivery.<path>: message` line per invalid value (unknown
 *   keys with a "did you mean").
 */
export function loadDeliveryConfig(...args: [] | [source: DeliveryConfigInput | undefined]): DeliveryConfig | undefined {
  const source = args.length === 0 ? delivery : args[0];
  if (source === undefined) return undefined;
  const result = deliveryConfigSchema.safeParse(source);
  if (!result.success) {
    throw new DeliveryConfigError(
      result.error.issues.flatMap((issue) => {
        const at = (p: readonly PropertyKey[]) => ['delivery', ...p.map(String)].join('.');
        if (issue.code !== 'unrecognized_keys') return [`${at(issue.path)}: ${issue.message}`];
        const known = objectKeysAt(deliveryConfigSchema, issue.path);
        return issue.keys.map((key) => {
          const hint = known.length === 0 ? undefined : (didYouMean(key, known) ?? `expected one of ${known.join(', ')}`);
          return `${at([...issue.path, key])}: unknown key${hint === undefined ? '' : `, ${hint}`}`;
        });
      }),
    );
  }
  return Object.freeze({ ...result.data, source: Object.freeze({ ...result.data.source }), smoke: Object.freeze({ ...result.data.smoke }) });
}

import { RegionInfo } from 'aws-cdk-lib/region-info';
import { AWS_REGIONS, ConfigError, ENVIRONMENT_NAMES, environmentConfigSchema, loadAllConfigs, loadConfig, objectKeysAt } from '../../config';
import { environments } from '../../config/environments';
import type { EnvironmentConfigInput, EnvironmentName } from '../../config/schema';

type Source = Record<EnvironmentName, EnvironmentConfigInput>;

function withProd(patch: (prod: EnvironmentConfigInput) => EnvironmentConfigInput): Source {
  return { ...environments, prod: patch(structuredClone(environments.prod)) };
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function messageOf(fn: () => unknown): string {
  return errorOf(fn).message;
}

/** The issue lines of a ConfigError message (after the header line), without their `  - ` bullet. */
function issueLines(message: string): string[] {
  const [header, ...lines] = message.split('\n');
  expect(header).toBe('Invalid Lakeforge configuration (config/environments.ts):');
  for (const line of lines) expect(line).toMatch(/^ {2}- /);
  return lines.map((line) => line.slice(4));
}

describe('loadConfig', () => {
  it.each(ENVIRONMENT_NAMES)('parses the %s environment', (name) => {
    const config = loadConfig(name);
    expect(config.name).toBe(name);
    expect(config.account).toMatch(/^\d{12}$/);
  });

  it('returns a deeply frozen config', () => {
    const config = loadConfig('prod');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.storage.lifecycle.raw)).toBe(true);
  });

  it.each(ENVIRONMENT_NAMES)('never expires Iceberg table locations (curated, marts) in %s', (name) => {
    const { lifecycle } = loadConfig(name).storage;
    expect([lifecycle.curated.expireAfterDays, lifecycle.marts.expireAfterDays]).toEqual([undefined, undefined]);
  });

  it.each(ENVIRONMENT_NAMES)('reserves no ingest concurrency by default in %s', (name) => {
    expect(loadConfig(name).ingestion.reservedConcurrency).toBeUndefined();
  });

  it('allows data destruction in dev only', () => {
    const [dev, acc, prod] = loadAllConfigs();
    expect(dev.storage.allowDestroy).toBe(true);
    expect(acc.storage.allowDestroy).toBe(false);
    expect(prod.storage.allowDestroy).toBe(false);
    expect(acc.terminationProtection && prod.terminationProtection).toBe(true);
  });

  it.each<[string, (p: EnvironmentConfigInput) => EnvironmentConfigInput, RegExp]>([
    [
      'a bytes-scanned cutoff under 10 MB',
      (p) => ({ ...p, analytics: { ...p.analytics, bytesScannedCutoffPerQuery: 5_000_000 } }),
      /prod\.analytics\.bytesScannedCutoffPerQuery: expected ≥ 10 MB/,
    ],
    ['a malformed account id', (p) => ({ ...p, account: '1234' }), /prod\.account: expected a 12-digit AWS account id/],
    ['a made-up region', (p) => ({ ...p, region: 'moon-base-1' }), /prod\.region: expected an AWS region/],
    ['a region that has the shape of one but does not exist', (p) => ({ ...p, region: 'zz-nowhere-7' }), /^prod\.region: expected an AWS region .*got "zz-nowhere-7"$/],
    [
      'data destruction outside dev',
      (p) => ({ ...p, storage: { ...p.storage, allowDestroy: true } }),
      /prod\.storage\.allowDestroy: only dev may allow data destruction/,
    ],
    [
      'a log retention CloudWatch does not offer',
      (p) => ({ ...p, observability: { ...p.observability, logRetentionDays: 42 } }),
      /prod\.observability\.logRetentionDays: expected one of 1, 3, 5/,
    ],
    [
      'an unknown field',
      (p) => ({ ...p, storage: { ...p.storage, retainForever: true } as never }),
      /^prod\.storage\.retainForever: unknown key, expected one of allowDestroy, keyPendingWindowDays, lifecycle$/,
    ],
    [
      'expiry before the tiering transition',
      (p) => ({
        ...p,
        storage: { ...p.storage, lifecycle: { ...p.storage.lifecycle, raw: { intelligentTieringAfterDays: 30, expireAfterDays: 10, noncurrentVersionExpireAfterDays: 1 } } },
      }),
      /prod\.storage\.lifecycle\.raw\.expireAfterDays: expireAfterDays must be greater/,
    ],
    ...(['curated', 'marts'] as const).map((zone): [string, (p: EnvironmentConfigInput) => EnvironmentConfigInput, RegExp] => [
      `lifecycle expiration on the ${zone} zone (Iceberg table locations)`,
      (p) => ({
        ...p,
        storage: { ...p.storage, lifecycle: { ...p.storage.lifecycle, [zone]: { expireAfterDays: 90, noncurrentVersionExpireAfterDays: 1 } } },
      }),
      new RegExp(`prod\\.storage\\.lifecycle\\.${zone}\\.expireAfterDays: the ${zone} zone holds Iceberg tables`),
    ]),
    ['a go-live date that is not a date', (p) => ({ ...p, pipeline: { ...p.pipeline, goLiveDate: '2026-02-30' } }), /prod\.pipeline\.goLiveDate: expected a real calendar date/],
    ['a pipeline schedule that is not a Scheduler expression', (p) => ({ ...p, pipeline: { ...p.pipeline, scheduleExpression: 'every hour' } }), /prod\.pipeline\.scheduleExpression: expected an EventBridge Scheduler expression/],
    ['an OPTIMIZE window of 100 days or more (one statement writes < 100 partitions)', (p) => ({ ...p, pipeline: { ...p.pipeline, optimizeRecentDays: 100 } }), /prod\.pipeline\.optimizeRecentDays/],
    ['a reserved concurrency of 0', (p) => ({ ...p, ingestion: { ...p.ingestion, reservedConcurrency: 0 } }), /prod\.ingestion\.reservedConcurrency/],
  ])('fails on %s with the environment and field path on one line of its own', (_what, patch, expected) => {
    const error = errorOf(() => loadConfig('prod', withProd(patch)));
    expect(error.issues).toHaveLength(1);
    expect(issueLines(error.message)).toEqual(error.issues);
    expect(error.issues[0]).toMatch(expected);
  });

  it('prints every problem on a line of its own, after one header line', () => {
    const error = errorOf(() =>
      loadConfig(
        'prod',
        withProd((p) => ({ ...p, account: '1234', region: 'zz-nowhere-7', observability: { ...p.observability, logRetentionDays: 42 } })),
      ),
    );
    const lines = issueLines(error.message);
    expect(lines).toHaveLength(3);
    expect(lines).toEqual(error.issues);
    expect(lines.map((line) => line.split(':')[0]).sort()).toEqual(['prod.account', 'prod.observability.logRetentionDays', 'prod.region']);
  });

  it('folds a line break inside one problem, so each problem stays on one line', () => {
    const error = new ConfigError(['prod.x: first\n   second', 'prod.y: third']);
    expect(error.issues).toEqual(['prod.x: first second', 'prod.y: third']);
    expect(issueLines(error.message)).toEqual(error.issues);
  });

  it.each<[string, (p: EnvironmentConfigInput) => EnvironmentConfigInput, string]>([
    ['a top-level key', (p) => ({ ...p, terminationProtectoin: true }) as never, 'prod.terminationProtectoin: unknown key, did you mean "terminationProtection"?'],
    ['a nested key', (p) => ({ ...p, storage: { ...p.storage, alowDestroy: false } }) as never, 'prod.storage.alowDestroy: unknown key, did you mean "allowDestroy"?'],
    [
      'a key of a zone lifecycle',
      (p) => ({ ...p, storage: { ...p.storage, lifecycle: { ...p.storage.lifecycle, raw: { ...p.storage.lifecycle.raw, expireAfterDay: 3 } } } }) as never,
      'prod.storage.lifecycle.raw.expireAfterDay: unknown key, did you mean "expireAfterDays"?',
    ],
  ])('suggests the closest known key for a misspelt %s', (_what, patch, expected) => {
    expect(errorOf(() => loadConfig('prod', withProd(patch))).issues).toEqual([expected]);
  });

  it('names each unknown key of one object on its own line', () => {
    const error = errorOf(() => loadConfig('prod', withProd((p) => ({ ...p, catalog: { ...p.catalog, one: 1, two: 2 } }) as never)));
    expect(error.issues.map((issue) => issue.split(':')[0])).toEqual(['prod.catalog.one', 'prod.catalog.two']);
  });

  it('suggests an environment name for a misspelt one', () => {
    expect(errorOf(() => loadConfig('prd' as EnvironmentName)).issues).toEqual(['prd: unknown environment, did you mean "prod"?']);
  });

  it('fails when two environments in one account+region both own the Glue catalog encryption', () => {
    const source: Source = { ...environments, acc: { ...environments.acc, account: environments.prod.account } };
    expect(messageOf(() => loadConfig('dev', source))).toMatch(
      /prod\.catalog\.manageCatalogEncryption: acc already owns the Glue Data Catalog encryption of account 333333333333/,
    );
  });

  it('reports the problems of all environments together', () => {
    const source: Source = {
      ...environments,
      dev: { ...environments.dev, account: 'x' },
      acc: { ...environments.acc, region: 'nowhere' },
    };
    const message = messageOf(() => loadAllConfigs(source));
    expect(message).toMatch(/dev\.account/);
    expect(message).toMatch(/acc\.region/);
  });
});

describe('config object keys', () => {
  it('lists the keys of the object at a path, through optional, default and array wrappers', () => {
    expect(objectKeysAt(environmentConfigSchema, [])).toEqual(Object.keys(environmentConfigSchema.shape));
    expect(objectKeysAt(environmentConfigSchema, ['storage']).sort()).toEqual(Object.keys(environments.prod.storage).sort());
    expect(objectKeysAt(environmentConfigSchema, ['storage', 'lifecycle', 'raw']).sort()).toEqual(
      ['expireAfterDays', 'intelligentTieringAfterDays', 'noncurrentVersionExpireAfterDays'].sort(),
    );
    expect(objectKeysAt(environmentConfigSchema, ['analytics', 'extraWorkgroups', 0])).toEqual([]);
    expect(objectKeysAt(environmentConfigSchema, ['nowhere'])).toEqual([]);
  });
});

describe('AWS regions', () => {
  it.each(AWS_REGIONS)('accepts %s', (region) => {
    expect(loadConfig('prod', withProd((p) => ({ ...p, region }))).region).toBe(region);
  });

  it.each([
    ['eu-wset-1', 'did you mean "eu-west-1"?'],
    ['EU-WEST-1', 'did you mean "eu-west-1"?'],
    ['us-gov-west1', 'did you mean "us-gov-west-1"?'],
    ['eu-west-4', 'did you mean "eu-west-1", "eu-west-2" or "eu-west-3"?'],
  ])('rejects %s with a suggestion', (region, hint) => {
    const [issue] = errorOf(() => loadConfig('prod', withProd((p) => ({ ...p, region })))).issues;
    expect(issue).toBe(`prod.region: expected an AWS region such as eu-west-1 (commercial, China or GovCloud), got "${region}": ${hint}`);
  });

  it('rejects a far-off region without a suggestion', () => {
    const [issue] = errorOf(() => loadConfig('prod', withProd((p) => ({ ...p, region: 'zz-nowhere-7' })))).issues;
    expect(issue).not.toMatch(/did you mean/);
  });

  it("lists exactly the regions aws-cdk-lib's RegionInfo knows in the commercial, China and GovCloud partitions", () => {
    const known = RegionInfo.regions.filter((r) => ['aws', 'aws-cn', 'aws-us-gov'].includes(r.partition ?? '')).map((r) => r.name);
    expect([...AWS_REGIONS].sort()).toEqual(known.sort());
  });
});

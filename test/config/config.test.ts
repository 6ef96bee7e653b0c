import { ConfigError, ENVIRONMENT_NAMES, loadAllConfigs, loadConfig } from '../../config';
import { environments } from '../../config/environments';
import type { EnvironmentConfigInput, EnvironmentName } from '../../config/schema';

type Source = Record<EnvironmentName, EnvironmentConfigInput>;

function withProd(patch: (prod: EnvironmentConfigInput) => EnvironmentConfigInput): Source {
  return { ...environments, prod: patch(structuredClone(environments.prod)) };
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
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
      /prod\.storage: Unrecognized key: "retainForever"/,
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
  ])('fails on %s with the environment and field path in one line', (_what, patch, expected) => {
    const message = messageOf(() => loadConfig('prod', withProd(patch)));
    expect(message).toMatch(expected);
    expect(message).not.toMatch(/\n/);
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

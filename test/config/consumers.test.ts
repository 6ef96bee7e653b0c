import { ConfigError, loadConfig, type EnvironmentConfigInput, type EnvironmentName } from '../../config';
import { environments } from '../../config/environments';
import { consumerRoleName, RESERVED_CONSUMER_NAMES } from '../../lib/shared/naming';

/** The reference environments with prod's analytics slice changed. */
function withProdAnalytics(analytics: Partial<EnvironmentConfigInput['analytics']> & Record<string, unknown>): Record<EnvironmentName, EnvironmentConfigInput> {
  return { ...environments, prod: { ...environments.prod, analytics: { ...environments.prod.analytics, ...analytics } as EnvironmentConfigInput['analytics'] } };
}

describe('analytics.consumers', () => {
  it('defaults to one consumer per consumer workgroup when omitted (configs written before consumers existed)', () => {
    const { consumers: _omitted, ...analytics } = environments.prod.analytics;
    const source = { ...environments, prod: { ...environments.prod, analytics } };
    const parsed = loadConfig('prod', source).analytics;
    expect(Object.keys(parsed.consumers)).toEqual(['analysts', ...parsed.extraWorkgroups]);
    for (const [name, c] of Object.entries(parsed.consumers)) expect(c).toEqual({ workgroup: name });
  });

  it('defaults a consumer workgroup to the consumer name', () => {
    const parsed = loadConfig('prod', withProdAnalytics({ consumers: { bi: {} } })).analytics;
    expect(parsed.consumers.bi.workgroup).toBe('bi');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['the workgroup is not a consumer workgroup of the environment', { consumers: { finance: { workgroup: 'finance' } } }, /prod\.analytics\.consumers\.finance\.workgroup: "finance" is not a consumer workgroup of this environment \(analysts, bi;/],
    ['the workgroup is the platform workgroup', { consumers: { ops: { workgroup: 'platform' } } }, /prod\.analytics\.consumers\.ops\.workgroup: "platform" is not a consumer workgroup/],
    ['both roleArn and assumedBy are set', { consumers: { bi: { roleArn: 'arn:aws:iam::333333333333:role/bi', assumedBy: ['arn:aws:iam::333333333333:role/sso'] } } }, /prod\.analytics\.consumers\.bi\.assumedBy: set either roleArn/],
    ['the existing role is in another account', { consumers: { bi: { roleArn: 'arn:aws:iam::999999999999:role/bi' } } }, /prod\.analytics\.consumers\.bi\.roleArn: the role must be in the environment's account 333333333333, got account 999999999999/],
    ['roleArn is not a role ARN', { consumers: { bi: { roleArn: 'arn:aws:iam::333333333333:user/bi' } } }, /prod\.analytics\.consumers\.bi\.roleArn: expected an IAM role ARN/],
    ['a consumer name is not a short name', { consumers: { BI: {} } }, /prod\.analytics\.consumers\.BI/],
    ['a consumer has an unknown key', { consumers: { bi: { workgroups: 'bi' } } }, /prod\.analytics\.consumers\.bi\.workgroups: unknown key, did you mean "workgroup"\?/],
  ])('fails when %s', (_what, analytics, message) => {
    expect(() => loadConfig('prod', withProdAnalytics(analytics))).toThrow(ConfigError);
    expect(() => loadConfig('prod', withProdAnalytics(analytics))).toThrow(message);
  });

  it.each(RESERVED_CONSUMER_NAMES)('refuses the consumer name "%s", which a platform role already has', (name) => {
    const analytics = { consumers: { [name]: { workgroup: 'bi' } } };
    expect(() => loadConfig('prod', withProdAnalytics(analytics))).toThrow(new RegExp(`prod\\.analytics\\.consumers\\.${name}: reserved for a platform role`));
    expect(() => consumerRoleName('prod', name)).toThrow(/reserved for the platform's own role/);
  });
});

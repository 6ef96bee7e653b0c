import { ConfigError } from '../../config';
import { delivery, DeliveryConfigError, loadDeliveryConfig, type DeliveryConfigInput } from '../../config/delivery';

const valid = delivery!;
const load = (patch: Record<string, unknown>): unknown => loadDeliveryConfig({ ...valid, ...patch } as DeliveryConfigInput);

describe('delivery config', () => {
  it('the repository has a delivery section, parsed and frozen', () => {
    const parsed = loadDeliveryConfig()!;
    expect(parsed).toMatchObject({ toolingAccount: valid.toolingAccount, pipelineName: valid.pipelineName });
    expect(Object.isFrozen(parsed) && Object.isFrozen(parsed.source) && Object.isFrozen(parsed.smoke)).toBe(true);
  });

  it('no delivery section: no pipeline', () => {
    expect(loadDeliveryConfig(undefined)).toBeUndefined();
  });

  it('accepts a CodeCommit source and the codeconnections ARN prefix', () => {
    expect(() => load({ source: { kind: 'codecommit', repositoryName: 'lakeforge', branch: 'release/1.x' } })).not.toThrow();
    expect(() =>
      load({ source: { ...valid.source, connectionArn: 'arn:aws:codeconnections:eu-west-1:444444444444:connection/00000000-0000-4000-8000-000000000000' } }),
    ).not.toThrow();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a malformed connection ARN', { source: { ...valid.source, connectionArn: 'arn:aws:s3:::bucket' } }, /^ {2}- delivery\.source\.connectionArn: expected a connection ARN/m],
    ['a repository without owner', { source: { ...valid.source, repository: 'lakeforge' } }, /delivery\.source\.repository: expected owner\/name/],
    ['a branch starting with -', { source: { ...valid.source, branch: '-main' } }, /delivery\.source\.branch: expected a Git branch name/],
    ['a tooling account that is not 12 digits', { toolingAccount: '4444' }, /delivery\.toolingAccount: expected a 12-digit AWS account id/],
    ['a mistyped region', { toolingRegion: 'eu-wset-1' }, /delivery\.toolingRegion: expected an AWS region such as eu-west-1, got "eu-wset-1": did you mean "eu-west-1"\?/],
    ['a poll interval not below the timeout', { smoke: { timeoutSeconds: 60, pollIntervalSeconds: 60 } }, /delivery\.smoke\.pollIntervalSeconds: pollIntervalSeconds must be less than timeoutSeconds/],
    ['a mistyped key', { synthTimeoutMinute: 60 }, /delivery\.synthTimeoutMinute: unknown key, did you mean "synthTimeoutMinutes"\?/],
  ])('fails on %s, naming config/delivery.ts and the field', (_name, patch, message) => {
    let error: unknown;
    try {
      load(patch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeliveryConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as Error).message;
    expect(text.split('\n')[0]).toBe('Invalid delivery configuration (config/delivery.ts):');
    expect(text).toMatch(message);
  });
});

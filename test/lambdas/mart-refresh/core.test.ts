import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { athenaPort } from '../../../lambdas/mart-refresh/adapters';
import { executionOrder, refresh, RefreshError, targetOf, type RefreshDeps } from '../../../lambdas/mart-refresh/core';
import type { RefreshPlan, RefreshStep } from '../../../lib/marts/render';

const step = (id: string, dependsOn: string[], statements = [`MERGE INTO ${id} …`]): RefreshStep => ({
  id,
  kind: id.startsWith('marts.') ? 'mart' : 'curated',
  schedule: 'cron(0 * * * ? *)',
  database: id.startsWith('marts.') ? 'lakeforge_dev_marts' : 'lakeforge_dev_curated',
  statements,
  reads: [],
  writes: [],
  dependsOn,
});

const plan: Pick<RefreshPlan, 'steps'> = {
  steps: Object.fromEntries(
    [
      step('curated.tag_added_v1', []),
      step('curated.rating_submitted_v1', []),
      step('marts.title_popularity', ['curated.tag_added_v1', 'curated.rating_submitted_v1']),
      step('marts.top_genres', ['marts.title_popularity', 'curated.rating_submitted_v1'], ['DELETE …', 'INSERT …']),
    ].map((s) => [s.id, s]),
  ),
};

const athena = mockClient(AthenaClient);
const sleeps: number[] = [];
const deps = (overrides: Partial<RefreshDeps> = {}): RefreshDeps => ({
  athena: athenaPort(new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })),
  workgroup: 'lakeforge-dev-platform',
  sleep: async (ms) => {
    sleeps.push(ms);
  },
  now: () => new Date('2024-05-10T12:00:00Z'),
  ...overrides,
});
const state = (State: string, StateChangeReason?: string) => ({ QueryExecution: { Status: { State, StateChangeReason } } }) as never;

beforeEach(() => {
  athena.reset();
  sleeps.length = 0;
  let n = 0;
  athena.on(StartQueryExecutionCommand).callsFake(async () => ({ QueryExecutionId: `q${++n}` }));
});

describe('targetOf', () => {
  it.each([
    [{ mart: 'daily_engagement' }, 'marts.daily_engagement'],
    [{ curated: 'rating_submitted_v1' }, 'curated.rating_submitted_v1'],
  ])('maps %j to step %s', (event, expected) => {
    expect(targetOf(event)).toBe(expected);
  });
  it.each([[{}], [{ mart: 'x', curated: 'y' }], [{ mart: 'Bad-Name' }], ['daily_engagement'], [null], [{ mart: 3 }]])('rejects %j', (event) => {
    expect(() => targetOf(event)).toThrow(/Invalid refresh event/);
  });
});

describe('executionOrder', () => {
  it('runs upstream steps first, each once, in a deterministic order', () => {
    expect(executionOrder(plan, 'marts.top_genres')).toEqual([
      'curated.rating_submitted_v1',
      'curated.tag_added_v1',
      'marts.title_popularity',
      'marts.top_genres',
    ]);
  });
  it('fails on an unknown target or dependency, and on a cycle', () => {
    expect(() => executionOrder(plan, 'marts.nope')).toThrow('Unknown refresh target "marts.nope"');
    expect(() => executionOrder({ steps: { 'marts.a': step('marts.a', ['marts.b']) } }, 'marts.a')).toThrow('Step "marts.a" depends on unknown step "marts.b"');
    const cyclic = { steps: { 'marts.a': step('marts.a', ['marts.b']), 'marts.b': step('marts.b', ['marts.a']) } };
    expect(() => executionOrder(cyclic, 'marts.a')).toThrow(/Dependency cycle/);
  });
});

describe('refresh with a mocked Athena client', () => {
  it('runs every statement in its workgroup and database, in dependency order, when all succeed', async () => {
    athena.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    const result = await refresh(plan, 'marts.top_genres', deps());
    const starts = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts.map((s) => [s.QueryString, s.WorkGroup, s.QueryExecutionContext?.Database])).toEqual([
      ['MERGE INTO curated.rating_submitted_v1 …', 'lakeforge-dev-platform', 'lakeforge_dev_curated'],
      ['MERGE INTO curated.tag_added_v1 …', 'lakeforge-dev-platform', 'lakeforge_dev_curated'],
      ['MERGE INTO marts.title_popularity …', 'lakeforge-dev-platform', 'lakeforge_dev_marts'],
      ['DELETE …', 'lakeforge-dev-platform', 'lakeforge_dev_marts'],
      ['INSERT …', 'lakeforge-dev-platform', 'lakeforge_dev_marts'],
    ]);
    expect(result.steps.map((s) => s.queryExecutionIds)).toEqual([['q1'], ['q2'], ['q3'], ['q4', 'q5']]);
  });

  it.each([
    ['FAILED', 'SYNTAX_ERROR: line 3:8: Column \'x\' cannot be resolved'],
    ['CANCELLED', 'Query cancelled by user'],
  ])('fails loudly with the StateChangeReason when a query ends %s, and runs nothing after it', async (terminal, reason) => {
    athena.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q2' }).resolves(state(terminal, reason));
    const error = await refresh(plan, 'marts.title_popularity', deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshError);
    expect((error as RefreshError).message).toBe(`curated.tag_added_v1: Athena query q2 ${terminal}: ${reason}`);
    expect((error as RefreshError).state).toBe(terminal);
    expect(athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString)).not.toContain('MERGE INTO marts.title_popularity …');
  });

  it('polls with exponential backoff capped at the maximum delay', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(state('QUEUED'))
      .resolvesOnce(state('RUNNING'))
      .resolvesOnce(state('RUNNING'))
      .resolvesOnce(state('RUNNING'))
      .resolvesOnce(state('RUNNING'))
      .resolves(state('SUCCEEDED'));
    await refresh(plan, 'curated.tag_added_v1', deps({ policy: { initialDelayMs: 100, maxDelayMs: 500, timeoutMs: 60_000 } }));
    expect(sleeps).toEqual([100, 200, 400, 500, 500]);
  });

  it('gives up with a timeout error when the query stays running past the budget', async () => {
    athena.on(GetQueryExecutionCommand).resolves(state('RUNNING'));
    await expect(refresh(plan, 'curated.tag_added_v1', deps({ policy: { initialDelayMs: 100, maxDelayMs: 1000, timeoutMs: 1000 } }))).rejects.toThrow(
      'curated.tag_added_v1: Athena query q1 still RUNNING after 700 ms',
    );
    expect(sleeps).toEqual([100, 200, 400]);
  });

  it('is safe to re-run: a second refresh issues the same statements again', async () => {
    athena.on(GetQueryExecutionCommand).resolves(state('SUCCEEDED'));
    await refresh(plan, 'marts.title_popularity', deps());
    await refresh(plan, 'marts.title_popularity', deps());
    const sqls = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString);
    expect(sqls.slice(0, 3)).toEqual(sqls.slice(3));
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { mockClient } from 'aws-sdk-client-mock';
import { athenaPort } from '../../../lambdas/mart-refresh/adapters';
import { ENV, FRESHNESS_COLUMNS, FRESHNESS_DIMENSION, FRESHNESS_METRICS, MART_REFRESH_SERVICE_NAME } from '../../../lambdas/mart-refresh/core';
import { createRefreshHandler } from '../../../lambdas/mart-refresh/handler';
import type { RefreshPlan, RefreshStep } from '../../../lib/marts/render';

const NOW = new Date('2024-05-10T12:00:00.000Z');
const curated = (table: string): RefreshStep => ({
  id: `curated.${table}`,
  kind: 'curated',
  schedule: 'cron(5 * * * ? *)',
  database: 'lakeforge_dev_curated',
  statements: [`MERGE INTO lakeforge_dev_curated.${table}`],
  reads: [],
  writes: [],
  dependsOn: [],
  freshness: { table: { database: 'lakeforge_dev_curated', table }, windowDays: 8 },
});
const plan: RefreshPlan = {
  env: 'dev',
  steps: {
    'curated.rating_submitted_v1': curated('rating_submitted_v1'),
    'curated.tag_added_v1': curated('tag_added_v1'),
    'marts.title_popularity': {
      id: 'marts.title_popularity',
      kind: 'mart',
      schedule: 'cron(15 * * * ? *)',
      database: 'lakeforge_dev_marts',
      statements: ['MERGE INTO lakeforge_dev_marts.title_popularity'],
      reads: [],
      writes: [],
      dependsOn: ['curated.rating_submitted_v1', 'curated.tag_added_v1'],
    },
  },
};

interface EmfDocument {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

const athena = mockClient(AthenaClient);
const planFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mart-refresh-')), 'refresh-plan.json');
fs.writeFileSync(planFile, JSON.stringify(plan));
let stdout: string[];
let logger: Logger;

function makeHandler() {
  logger = new Logger({ logLevel: 'SILENT' });
  jest.spyOn(logger, 'warn');
  jest.spyOn(logger, 'error');
  return createRefreshHandler({
    athena: athenaPort(new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } })),
    logger,
    metrics: new Metrics({ namespace: 'Lakeforge', serviceName: MART_REFRESH_SERVICE_NAME }),
    env: { [ENV.WORKGROUP]: 'lakeforge-dev-platform', [ENV.PLAN_FILE]: planFile },
    now: () => NOW,
    sleep: async () => undefined,
  });
}

/** EMF documents written to stdout (Powertools prints one JSON object per line). */
function emf(): EmfDocument[] {
  return stdout
    .join('')
    .split('\n')
    .filter((l) => l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as EmfDocument);
}

const resultRows = (arrival?: string, event?: string) => ({
  ResultSet: { Rows: [{ Data: FRESHNESS_COLUMNS.map((c) => ({ VarCharValue: c })) }, { Data: [{ VarCharValue: arrival }, { VarCharValue: event }] }] },
});
const isFreshnessQuery = (sql: string | undefined) => sql?.startsWith('SELECT max(arrival_time)') ?? false;

beforeEach(() => {
  athena.reset();
  stdout = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  let n = 0;
  athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString?: string }) => ({ QueryExecutionId: `${isFreshnessQuery(input.QueryString) ? 'f' : 'q'}${++n}` }));
  athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
  athena.on(GetQueryResultsCommand).resolves(resultRows('2024-05-10 11:30:00.000000', '2024-05-10 11:00:00.000000'));
});

afterEach(() => jest.restoreAllMocks());

describe('mart refresh handler: freshness metrics', () => {
  it('publishes both freshness metrics per curated table, in seconds, with the Table dimension, in namespace Lakeforge', async () => {
    await makeHandler()({ mart: 'title_popularity' });
    const docs = emf();
    expect(docs.map((d) => d[FRESHNESS_DIMENSION])).toEqual(['rating_submitted_v1', 'tag_added_v1']);
    for (const d of docs) {
      expect(d._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: 'Lakeforge',
          Dimensions: [expect.arrayContaining(['service', FRESHNESS_DIMENSION])],
          Metrics: [
            { Name: FRESHNESS_METRICS.freshness, Unit: 'Seconds' },
            { Name: FRESHNESS_METRICS.eventLag, Unit: 'Seconds' },
          ],
        },
      ]);
      expect(d._aws.CloudWatchMetrics[0].Dimensions[0]).toHaveLength(2);
      expect([d.service, d[FRESHNESS_METRICS.freshness], d[FRESHNESS_METRICS.eventLag]]).toEqual([MART_REFRESH_SERVICE_NAME, 30 * 60, 60 * 60]);
    }
  });

  it('reads freshness after the curated steps only: the mart gets no freshness query and no metric', async () => {
    const result = await makeHandler()({ mart: 'title_popularity' });
    const sqls = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString);
    expect(sqls.map((s) => (isFreshnessQuery(s) ? 'freshness' : s))).toEqual([
      'MERGE INTO lakeforge_dev_curated.rating_submitted_v1',
      'freshness',
      'MERGE INTO lakeforge_dev_curated.tag_added_v1',
      'freshness',
      'MERGE INTO lakeforge_dev_marts.title_popularity',
    ]);
    expect(result.steps.map((s) => s.step)).toEqual(['curated.rating_submitted_v1', 'curated.tag_added_v1', 'marts.title_popularity']);
    expect(emf().map((d) => d[FRESHNESS_DIMENSION])).not.toContain('title_popularity');
  });

  it('warns and publishes nothing when the curated table has no event in the window', async () => {
    athena.on(GetQueryResultsCommand).resolves(resultRows(undefined, undefined));
    await expect(makeHandler()({ curated: 'tag_added_v1' })).resolves.toEqual({ target: 'curated.tag_added_v1', steps: [{ step: 'curated.tag_added_v1', queryExecutionIds: ['q1'] }] });
    expect(emf()).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(expect.stringMatching(/no curated event/), expect.objectContaining({ table: 'tag_added_v1', windowDays: 8 }));
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('logs an error, publishes nothing for that table and does not fail the refresh when the freshness query fails', async () => {
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'f2' }).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'Access denied' } } });
    const result = await makeHandler()({ mart: 'title_popularity' });
    expect(result.steps).toHaveLength(3);
    expect(emf().map((d) => d[FRESHNESS_DIMENSION])).toEqual(['tag_added_v1']);
    expect(logger.error).toHaveBeenCalledWith(expect.stringMatching(/freshness read failed/), expect.objectContaining({ table: 'rating_submitted_v1' }));
  });

  it('still fails the invocation when a refresh statement fails, before any freshness read of that step', async () => {
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'q1' }).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'ICEBERG_COMMIT_ERROR' } } });
    await expect(makeHandler()({ curated: 'rating_submitted_v1' })).rejects.toThrow(/q1 FAILED: ICEBERG_COMMIT_ERROR/);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
    expect(emf()).toEqual([]);
  });

  it('fails when the workgroup is not set', async () => {
    const handler = createRefreshHandler({
      athena: athenaPort(new AthenaClient({ region: 'eu-west-1' })),
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'Lakeforge', serviceName: MART_REFRESH_SERVICE_NAME }),
      env: { [ENV.PLAN_FILE]: planFile },
      now: () => NOW,
      sleep: async () => undefined,
    });
    await expect(handler({ curated: 'tag_added_v1' })).rejects.toThrow(`${ENV.WORKGROUP} is not set`);
  });
});

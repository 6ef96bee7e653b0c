/**
 * `lakeforge smoke --env dev --local`: the smoke test against the local platform with nothing stubbed — kinesalite,
 * s3rver, the ingest function's own handler run by the local event source mapping, the dev pipeline plan run by the
 * pipeline runner on DuckDB, and the curated count a DuckDB query. One platform per file (started in `beforeAll`);
 * the broken ingest path is made through the platform's own clients, last. Waits are the run's simulated clock
 * (each wait drains the stream once), never real time.
 */
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { MARTS } from '../../config/marts';
import { loadPlatform } from '../../config/platform';
import { smokeAction } from '../../tools/commands/smoke';
import { listKeys } from '../../tools/local/local-s3';
import { LOCAL_RESOURCES, localPipelinePlan } from '../../tools/local/platform';
import { CANARY_CURATED_TABLE, INVALID_CANARY_FAILURE_TYPE } from '../../tools/smoke/canary';
import { localSmokeResources, smokePipelinePlan, startLocalSmokePlatform, type LocalSmokePlatform } from '../../tools/smoke/local';
import { databaseName } from '../../lib/shared/naming';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

let platform: LocalSmokePlatform;

beforeAll(async () => {
  platform = await startLocalSmokePlatform({ env: 'dev' });
}, 60_000);

afterAll(async () => {
  await platform?.stop();
});

/** Runs `lakeforge smoke --env dev --local` on the file's platform; short simulated waits. */
async function smokeLocal(): Promise<{ exitCode: number; lines: string[]; result: Awaited<ReturnType<typeof smokeAction>>['result'] }> {
  const lines: string[] = [];
  const { exitCode, result } = await smokeAction({ env: 'dev', local: true, timeoutSeconds: '60', pollSeconds: '5' }, { local: platform, log: (l) => lines.push(l) });
  return { exitCode, lines, result };
}

describe('lakeforge smoke --local', () => {
  it('runs the dev pipeline plan lakeforge local runs, on the dev resource names of lakeforge local', () => {
    const { contractTables } = loadPlatform();
    expect(smokePipelinePlan('dev', contractTables, MARTS)).toEqual(localPipelinePlan(contractTables, MARTS));
    const { stateMachineArn, ...names } = localSmokeResources('dev');
    expect(names).toEqual(LOCAL_RESOURCES);
    expect(stateMachineArn).toBe('local:lakeforge-dev-pipeline');
  });

  it('passes end to end for dev: the valid canary lands in raw, the invalid one in quarantine under its failure type, the pipeline curates it into the DuckDB curated table; exit 0', async () => {
    const { exitCode, lines, result } = await smokeLocal();
    expect({ exitCode, failure: result?.failure }).toEqual({ exitCode: 0, failure: undefined });
    const canaryId = result!.canaryId;
    const { rawBucket, quarantineBucket } = platform.resources;

    // Found where the function writes, under the failure type the contract violation gives.
    const raw = result!.objects.find((o) => o.bucket === rawBucket);
    const quarantine = result!.objects.find((o) => o.bucket === quarantineBucket);
    expect(raw?.key).toMatch(/^events\/com\.lakeforge\.ott\/rating_submitted\/v1\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\//);
    expect(quarantine?.key.startsWith(`bad-rows/${INVALID_CANARY_FAILURE_TYPE}/`)).toBe(true);

    // The refresh was the real plan run: its curated step of the canary's table inserted the canary.
    const [execution] = [...platform.refreshes].filter(([arn]) => arn.endsWith(`smoke-${canaryId}`));
    expect(execution?.[1].status).toBe('SUCCEEDED');
    const curatedStep = execution![1].report!.steps.find((s) => s.kind === 'curated' && s.id.endsWith(`.${CANARY_CURATED_TABLE}`));
    expect(curatedStep?.actions.INSERT).toBe(1);
    // The curated table in DuckDB holds the canary once, and nothing for an id never sent.
    const ports = platform.ports();
    const curatedDb = databaseName('dev', 'curated');
    expect(await ports.countCurated(curatedDb, CANARY_CURATED_TABLE, canaryId)).toBe(1);
    expect(await ports.countCurated(curatedDb, CANARY_CURATED_TABLE, '00000000-0000-4000-8000-000000000000')).toBe(0);

    // Same output as against AWS, after one line naming the local platform.
    expect(lines[0]).toMatch(/^lakeforge smoke dev --local: kinesis http:\/\/127\.0\.0\.1:\d+ .*DuckDB lake /);
    expect(lines.slice(1).map((l) => l.replace(UUID, '<id>').split(/ s3:\/\/| on stream | started /)[0])).toEqual([
      'lakeforge smoke dev: canary <id> (valid <id>, invalid <id>)',
      '  ✓ put     2 canary events',
      '  ✓ ingest  valid canary in',
      '  ✓ ingest  invalid canary in',
      '  … refresh',
      '  ✓ refresh smoke-<id> SUCCEEDED',
      `  ✓ curated canary in ${curatedDb}.${CANARY_CURATED_TABLE}`,
      "  ✓ clean-up removed 2 object(s) holding only this run's canaries; kept 0 shared with other events; curated rows are never removed",
      'OK: dev ingests, quarantines and curates (canary <id>)',
    ]);
    // The canary's own objects are gone from the buckets.
    expect(await listKeys(platform.s3.client(), quarantineBucket, 'bad-rows/')).toEqual([]);
    expect(await listKeys(platform.s3.client(), rawBucket, raw!.key)).toEqual([]);
  }, 60_000);

  it('fails with a clear message and exit 1 when the ingest path is broken: the quarantine bucket is missing', async () => {
    await platform.s3.client().send(new DeleteBucketCommand({ Bucket: platform.resources.quarantineBucket }));
    const { exitCode, lines, result } = await smokeLocal();
    expect(exitCode).toBe(1);
    expect(result?.failure).toEqual({
      step: 'ingest',
      message: expect.stringMatching(
        new RegExp(`^cannot list s3://${platform.resources.quarantineBucket}/bad-rows/${INVALID_CANARY_FAILURE_TYPE}/dt=\\d{4}-\\d{2}-\\d{2}/hour=\\d{2}/: NoSuchBucket: .*is the bucket deployed`),
      ),
    });
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}✗ ingest {2}cannot list s3:\/\/lakeforge-dev-quarantine\//));
    expect(lines[lines.length - 1]).toBe(`FAILED at ingest: canary ${result!.canaryId}`);
    // Nothing after the failed step ran.
    expect([...platform.refreshes.keys()].filter((arn) => arn.endsWith(result!.canaryId))).toEqual([]);
  }, 60_000);

  it('a local refresh that cannot run is FAILED with its cause (the raw bucket is missing)', async () => {
    await platform.s3.client().send(new DeleteBucketCommand({ Bucket: platform.resources.rawBucket }));
    const ports = platform.ports();
    const arn = await ports.startRefresh(platform.resources.stateMachineArn, 'smoke-no-raw-bucket');
    expect(await ports.refreshStatus(arn)).toBe('FAILED');
    expect(await ports.refreshFailureCause(arn)).toMatch(/^NoSuchBucket: /);
    await expect(ports.startRefresh('arn:aws:states:eu-west-1:111111111111:stateMachine:lakeforge-dev-pipeline', 'x')).rejects.toThrow(/^StateMachineDoesNotExist: the local platform runs local:lakeforge-dev-pipeline/);
  }, 60_000);

  it('rejects --local with a flag naming a resource, in one line', async () => {
    await expect(smokeAction({ env: 'dev', local: true, rawBucket: 'b', stateMachineArn: 'arn' })).rejects.toThrow(
      /^--local cannot be combined with --raw-bucket, --state-machine-arn: the local platform creates its own stream, buckets and pipeline$/,
    );
  });
});

/**
 * The AWS side of `lakeforge smoke`: {@link SmokePorts} over the SDK clients of Kinesis, S3, Athena, SSM and Step
 * Functions. Credentials come from the SDK's default chain (environment, profile — `AWS_PROFILE` with `role_arn`
 * assumes a role —, container, instance); none is ever printed.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { ExecutionStatus, ListedObject, SmokePorts } from './run';
import type { Envelope } from './canary';

/** Kinesis, S3 and Athena parts of {@link SmokePorts}, over SDK clients (tests pass clients of local servers). */
export interface StorageClients {
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
}

/** The stream and bucket ports over SDK clients: shared by the AWS run and the local tests. */
export function storagePorts(clients: StorageClients): Pick<SmokePorts, 'putEnvelopes' | 'listObjects' | 'getObject' | 'deleteObject'> {
  return {
    async putEnvelopes(streamName: string, envelopes: readonly Envelope[]): Promise<void> {
      const out = await clients.kinesis.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: envelopes.map((e) => ({ Data: Buffer.from(JSON.stringify(e)), PartitionKey: e.event_id })),
        }),
      );
      if ((out.FailedRecordCount ?? 0) > 0) {
        const codes = (out.Records ?? []).flatMap((r) => (r.ErrorCode === undefined ? [] : [r.ErrorCode]));
        throw new Error(`${out.FailedRecordCount} of ${envelopes.length} records rejected by ${streamName} (${[...new Set(codes)].join(', ')})`);
      }
    },
    async listObjects(bucket: string, prefix: string): Promise<ListedObject[]> {
      const out: ListedObject[] = [];
      let token: string | undefined;
      do {
        const page = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push({ key: o.Key, lastModifiedMs: o.LastModified?.getTime() });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return out;
    },
    async getObject(bucket: string, key: string): Promise<Uint8Array> {
      const o = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (o.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    },
    async deleteObject(bucket: string, key: string): Promise<void> {
      await clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

/** Options of {@link awsSmokePorts}. */
export interface AwsSmokeOptions {
  readonly region: string;
  /** Athena workgroup the curated query runs in (the analysts workgroup: its results location and scan limit). */
  readonly workgroup: string;
}

/** {@link SmokePorts} against AWS, plus the SSM reader for the handles. */
export function awsSmokePorts(options: AwsSmokeOptions): SmokePorts & { getParameter(name: string): Promise<string> } {
  const region = options.region;
  const athena = new AthenaClient({ region });
  const ssm = new SSMClient({ region });
  const sfn = new SFNClient({ region });
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    ...storagePorts({ kinesis: new KinesisClient({ region }), s3: new S3Client({ region }) }),
    async getParameter(name: string): Promise<string> {
      const out = await ssm.send(new GetParameterCommand({ Name: name }));
      if (out.Parameter?.Value === undefined) throw new Error(`SSM parameter ${name} has no value`);
      return out.Parameter.Value;
    },
    async startRefresh(stateMachineArn: string, executionName: string): Promise<string> {
      const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: executionName, input: '{}' }));
      if (out.executionArn === undefined) throw new Error(`StartExecution of ${stateMachineArn} returned no execution ARN`);
      return out.executionArn;
    },
    async refreshStatus(executionArn: string): Promise<ExecutionStatus> {
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status === undefined) throw new Error(`DescribeExecution of ${executionArn} returned no status`);
      return status;
    },
    async countCurated(database: string, table: string, eventId: string): Promise<number> {
      if (!/^[0-9a-f-]{36}$/.test(eventId)) throw new Error(`not a canary event id: ${eventId}`);
      const started = await athena.send(
        new StartQueryExecutionCommand({
          QueryString: `SELECT count(*) AS n FROM "${database}"."${table}" WHERE event_id = '${eventId}'`,
          WorkGroup: options.workgroup,
        }),
      );
      const id = started.QueryExecutionId!;
      for (;;) {
        const q = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
        const state = q.QueryExecution?.Status?.State;
        if (state === 'SUCCEEDED') break;
        if (state === 'FAILED' || state === 'CANCELLED') throw new Error(`Athena query ${id} ${state}: ${q.QueryExecution?.Status?.StateChangeReason ?? ''}`);
        await sleep(1000);
      }
      const rows = (await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id }))).ResultSet?.Rows ?? [];
      return Number(rows[1]?.Data?.[0]?.VarCharValue ?? 0);
    },
    sleep,
    now: () => Date.now(),
  };
}

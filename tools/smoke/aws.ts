/**
 * The AWS side of `lakeforge smoke`: {@link SmokePorts} over Kinesis, S3 and Athena (their SDK clients) and over
 * SSM and Step Functions (signed JSON requests, see {@link JsonRpcClient}). Credentials come from the default
 * chain (environment, profile — `AWS_PROFILE` with `role_arn` assumes a role —, container, instance); none is
 * ever printed.
 */
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:https';
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

/** Credentials as the SDK resolves them. */
interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** SHA-256 (and HMAC-SHA-256 with a secret) for the SigV4 signer, from node:crypto. */
class Sha256 {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): ReturnType<typeof createHash> | ReturnType<typeof createHmac> {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/**
 * A minimal signed JSON client for AWS JSON-protocol APIs (SSM `AmazonSSM.*`, JSON 1.1; Step Functions
 * `AWSStepFunctions.*`, JSON 1.0), for the two calls the smoke test makes of each. It exists because
 * `@aws-sdk/client-ssm` and `@aws-sdk/client-sfn` are not dependencies of this repository yet; the signer and the
 * credential chain are the SDK's own (`@smithy/signature-v4`, `@aws-sdk/credential-provider-node`).
 * Source: AWS General Reference, "Signature Version 4 signing process"; AWS Systems Manager API Reference and
 * AWS Step Functions API Reference, "Common parameters" (X-Amz-Target, content types).
 */
export class JsonRpcClient {
  constructor(
    private readonly service: 'ssm' | 'states',
    private readonly region: string,
    private readonly credentials: () => Promise<Credentials>,
  ) {}

  /**
   * Calls `target` (e.g. `AmazonSSM.GetParameter`) with `body`.
   * @throws Error `<AWS error type>: <message>` when the call fails.
   */
  async call<T>(target: string, body: Record<string, unknown>): Promise<T> {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { SignatureV4 } = require('@smithy/signature-v4') as typeof import('@smithy/signature-v4');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const hostname = `${this.service}.${this.region}.amazonaws.com${this.region.startsWith('cn-') ? '.cn' : ''}`;
    const payload = JSON.stringify(body);
    const signer = new SignatureV4({ service: this.service, region: this.region, credentials: this.credentials, sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'https:',
      hostname,
      path: '/',
      query: {},
      headers: {
        host: hostname,
        'content-type': this.service === 'ssm' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0',
        'x-amz-target': target,
      },
      body: payload,
    });
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ method: 'POST', hostname, path: '/', headers: signed.headers }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data }));
      });
      req.on('error', reject);
      req.end(payload);
    });
    const json = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
    if (status >= 300) {
      const type = String(json.__type ?? `HTTP ${status}`).split('#').pop();
      throw new Error(`${type}: ${String(json.message ?? json.Message ?? text).split('\n')[0]}`);
    }
    return json as T;
  }
}

/** Options of {@link awsSmokePorts}. */
export interface AwsSmokeOptions {
  readonly region: string;
  /** Athena workgroup the curated query runs in (the analysts workgroup: its results location and scan limit). */
  readonly workgroup: string;
}

/** {@link SmokePorts} against AWS, plus the SSM reader for the handles. */
export function awsSmokePorts(options: AwsSmokeOptions): SmokePorts & { getParameter(name: string): Promise<string> } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { defaultProvider } = require('@aws-sdk/credential-provider-node') as typeof import('@aws-sdk/credential-provider-node');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const credentials = defaultProvider();
  const region = options.region;
  const athena = new AthenaClient({ region, credentials });
  const ssm = new JsonRpcClient('ssm', region, credentials);
  const sfn = new JsonRpcClient('states', region, credentials);
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  return {
    ...storagePorts({ kinesis: new KinesisClient({ region, credentials }), s3: new S3Client({ region, credentials }) }),
    async getParameter(name: string): Promise<string> {
      const out = await ssm.call<{ Parameter?: { Value?: string } }>('AmazonSSM.GetParameter', { Name: name });
      if (out.Parameter?.Value === undefined) throw new Error(`SSM parameter ${name} has no value`);
      return out.Parameter.Value;
    },
    async startRefresh(stateMachineArn: string, executionName: string): Promise<string> {
      const out = await sfn.call<{ executionArn: string }>('AWSStepFunctions.StartExecution', { stateMachineArn, name: executionName, input: '{}' });
      return out.executionArn;
    },
    async refreshStatus(executionArn: string): Promise<ExecutionStatus> {
      return (await sfn.call<{ status: ExecutionStatus }>('AWSStepFunctions.DescribeExecution', { executionArn })).status;
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

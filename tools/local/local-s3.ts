/**
 * A local S3-compatible server for `lakeforge local` and the tests: s3rver in a child process (started with
 * `--openssl-legacy-provider`, which s3rver's DES-based list continuation tokens need under
 * Node 17+), on a free loopback port, plus a fault-injecting HTTP proxy and read-back helpers
 * using the real AWS SDK v3 S3 client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** s3rver's built-in credentials (any other key is rejected). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A running local S3 server. */
export interface LocalS3 {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** An S3 client for `endpoint` (path style, s3rver credentials). */
  client(overrides?: S3ClientConfig): S3Client;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts s3rver with the given buckets on a free loopback port, in a child process that exits with
 * this process (its stdin is a pipe from us).
 * @throws Error when s3rver exits before it listens.
 */
export async function startLocalS3(buckets: readonly string[]): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), 'lakeforge-s3rver-'));
  const script = `
    const S3rver = require(${JSON.stringify(require.resolve('s3rver'))});
    // s3rver's DeleteObject removes the key's parent directories once empty, racing a concurrent PutObject
    // into the same prefix between its mkdir and its write stream, whose ENOENT error nothing handles: the
    // server crashes (seen under load with the ingest function's rollback deletes). Keep directories: listing
    // only reads object files, so an empty directory is invisible.
    const Store = require(${JSON.stringify(require.resolve('s3rver/lib/stores/filesystem'))});
    Store.prototype.deleteObject = async function (bucket, key) {
      await Promise.all(['object', 'object.md5', 'metadata.json'].map((kind) =>
        require('fs').promises.unlink(this.getResourcePath(bucket, key, kind)).catch((e) => { if (e.code !== 'ENOENT') throw e; })));
    };
    const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true,
      directory: ${JSON.stringify(directory)},
      configureBuckets: ${JSON.stringify(buckets.map((name) => ({ name })))} });
    server.run().then((a) => process.stdout.write(JSON.stringify({ port: a.port }) + '\\n'),
      (e) => { console.error(e); process.exit(1); });
    process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
    // The parent holds our stdin open: when it dies (even by SIGKILL), stdin ends and we exit.
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    client: (overrides = {}) => localS3Client(endpoint, overrides),
    stop: async () => {
      await stopChild(child);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** An S3 client for a local endpoint (path style, s3rver credentials, region us-east-1). */
export function localS3Client(endpoint: string, overrides: S3ClientConfig = {}): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    ...overrides,
  });
}

/** Every key of a bucket under a prefix (follows continuation tokens). */
export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/** Reads a gzip JSON Lines object and parses every line. */
export async function readJsonLines<T = Record<string, unknown>>(client: S3Client, bucket: string, key: string): Promise<T[]> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
  const text = gunzipSync(bytes).toString('utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

/** When a proxied PutObject fails: before it reaches the server, or after the server stored it. */
export type FaultMode = 'before' | 'after';

/** A fault-injecting proxy in front of a local S3 server. */
export interface FaultProxy {
  readonly endpoint: string;
  /** PutObject calls seen, failed before forwarding, failed after forwarding. */
  readonly stats: { puts: number; failedBefore: number; failedAfter: number };
  stop(): Promise<void>;
}

/**
 * Starts an HTTP proxy to `target` that fails PutObject calls (PUT on `/<bucket>/<key>`) chosen
 * by `decide` with an S3 `InternalError` (HTTP 500). Everything else passes through unchanged
 * (headers included, so SigV4 signatures stay valid).
 */
export async function startFaultProxy(target: string, decide: (key: string) => FaultMode | undefined): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const stats = { puts: 0, failedBefore: 0, failedAfter: 0 };
  const fail = (res: import('node:http').ServerResponse): void => {
    res.writeHead(500, { 'content-type': 'application/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected fault</Message></Error>');
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const isPutObject = req.method === 'PUT' && path.split('/').filter((s) => s !== '').length >= 2;
    const mode = isPutObject ? decide(decodeURIComponent(path)) : undefined;
    if (isPutObject) stats.puts += 1;
    if (mode === 'before') {
      stats.failedBefore += 1;
      req.resume();
      req.on('end', () => fail(res));
      return;
    }
    const upstream = request(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        if (mode === 'after' && (up.statusCode ?? 500) < 300) {
          stats.failedAfter += 1;
          up.resume();
          up.on('end', () => fail(res));
          return;
        }
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => fail(res));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A fault decision for {@link startFaultProxy}: each PutObject fails with probability `ratio`,
 * half of the failures before the server stored the object and half after (the client sees an
 * error either way). Seeded, so a run is reproducible up to the order of concurrent calls.
 * @param ratio - share of PutObject calls that fail, 0–1.
 * @param random - a uniform [0, 1) source.
 */
export function randomFaults(ratio: number, random: () => number): (key: string) => FaultMode | undefined {
  return () => {
    const draw = random();
    if (draw >= ratio) return undefined;
    return draw < ratio / 2 ? 'before' : 'after';
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

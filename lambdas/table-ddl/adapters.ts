/**
 * AWS I/O of the table DDL function: the Athena and Glue ports over SDK v3 clients, and the CloudFormation
 * response sender (an HTTPS PUT of the response object to the pre-signed `ResponseURL`).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand, StopQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetTableCommand, GlueClient, type Table, UpdateTableCommand } from '@aws-sdk/client-glue';
import type { AthenaDdlPort, GlueDdlPort, QueryState, StackPort } from './core';

/**
 * The Athena port over an SDK v3 client.
 *
 * @throws Error when Athena returns no QueryExecutionId or no state.
 */
export function athenaDdlPort(client: AthenaClient): AthenaDdlPort {
  return {
    async start({ sql, database, workgroup }) {
      const out = await client.send(new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: workgroup, QueryExecutionContext: { Database: database } }));
      if (out.QueryExecutionId === undefined) throw new Error('StartQueryExecution returned no QueryExecutionId');
      return out.QueryExecutionId;
    },
    async status(id) {
      const out = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = out.QueryExecution?.Status?.State;
      if (state === undefined) throw new Error(`GetQueryExecution ${id} returned no state`);
      return { state: state as QueryState, reason: out.QueryExecution?.Status?.StateChangeReason };
    },
    async stop(id) {
      await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    },
  };
}

/**
 * The Glue port over an SDK v3 client. `getTable` maps `EntityNotFoundException` to `undefined`; `updateTable`
 * passes `VersionId`, so Glue refuses the update (ConcurrentModificationException) when the table changed
 * since it was read (AWS Glue API, `UpdateTable`: `VersionId`).
 */
export function glueDdlPort(client: GlueClient): GlueDdlPort<Table> {
  return {
    async getTable(database, table) {
      try {
        const out = await client.send(new GetTableCommand({ DatabaseName: database, Name: table }));
        return out.Table;
      } catch (e) {
        if ((e as Error).name === 'EntityNotFoundException') return undefined;
        throw e;
      }
    },
    async updateTable(database, versionId, input) {
      await client.send(new UpdateTableCommand({ DatabaseName: database, VersionId: versionId, TableInput: { ...input, Name: input.Name ?? '' } }));
    },
  };
}

/** The stack port over an SDK v3 client: DescribeStacks of the stack that sent the request. */
export function stackPort(client: CloudFormationClient): StackPort {
  return {
    async isRollingBack(stackId) {
      const out = await client.send(new DescribeStacksCommand({ StackName: stackId }));
      return out.Stacks?.[0]?.StackStatus === 'UPDATE_ROLLBACK_IN_PROGRESS';
    },
  };
}

/** The response object of a custom resource provider (AWS CloudFormation User Guide, "Custom resource response objects"). */
export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  /** Required when `Status` is `FAILED`. */
  readonly Reason?: string;
  /** Non-empty, at most 1 KB, identical in every response for the same resource. */
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly NoEcho?: boolean;
  readonly Data?: Record<string, string>;
}

/** Sends a custom resource response to its pre-signed URL. */
export type ResponseSender = (responseUrl: string, response: CustomResourceResponse) => Promise<void>;

/** The largest response body CloudFormation accepts, in bytes (AWS CloudFormation User Guide, "Custom resource response objects"). */
export const MAX_RESPONSE_BYTES = 4096;

/**
 * The response body: JSON, with `Reason` shortened (from the end, marked `…`) so the body stays within
 * {@link MAX_RESPONSE_BYTES}.
 */
export function responseBody(response: CustomResourceResponse): string {
  let body = JSON.stringify(response);
  if (Buffer.byteLength(body) <= MAX_RESPONSE_BYTES || response.Reason === undefined) return body;
  let reason = response.Reason;
  while (Buffer.byteLength(body) > MAX_RESPONSE_BYTES && reason.length > 0) {
    reason = reason.slice(0, Math.max(0, reason.length - (Buffer.byteLength(body) - MAX_RESPONSE_BYTES) - 1));
    body = JSON.stringify({ ...response, Reason: `${reason}…` });
  }
  return body;
}

/**
 * The response sender: an HTTPS `PUT` of {@link responseBody} with an empty `Content-Type`, as the pre-signed S3
 * URL expects (AWS CloudFormation User Guide, "Custom resources" and "Custom resource response objects").
 * Plain HTTP is accepted for loopback hosts only (tests).
 *
 * @throws Error when the URL is not HTTPS (or loopback HTTP), or the PUT does not answer 2xx.
 */
export function httpsResponseSender(timeoutMs = 10_000): ResponseSender {
  return (responseUrl, response) =>
    new Promise<void>((resolve, reject) => {
      const url = new URL(responseUrl);
      const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
        reject(new Error(`ResponseURL must be https, got ${url.protocol}`));
        return;
      }
      const body = responseBody(response);
      const request = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new Error(`PUT of the custom resource response answered HTTP ${status}`));
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`PUT of the custom resource response timed out after ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
}

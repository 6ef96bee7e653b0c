/**
 * AWS I/O of the table DDL function: the Athena and Glue ports over SDK v3 clients, and (from
 * `lambdas/shared/custom-resource-response.ts`) the CloudFormation response sender.
 */
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

// The CloudFormation response sender is shared with the registry publisher function.
export { type CustomResourceResponse, httpsResponseSender, MAX_RESPONSE_BYTES, responseBody, type ResponseSender } from '../shared/custom-resource-response';

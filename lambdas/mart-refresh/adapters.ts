/** AWS I/O of the refresh function: the Athena port and the bundled plan. */
import * as fs from 'node:fs';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import type { RefreshPlan } from '../../lib/marts/render';
import type { AthenaPort, QueryState, ResultRows } from './core';

/**
 * The Athena port over an SDK v3 client. `results` maps each cell to its `VarCharValue` (absent = SQL NULL).
 *
 * @throws Error when Athena returns no QueryExecutionId or no state.
 */
export function athenaPort(client: AthenaClient): AthenaPort {
  return {
    async start({ sql, database, workgroup }) {
      const out = await client.send(
        new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: workgroup, QueryExecutionContext: { Database: database } }),
      );
      if (out.QueryExecutionId === undefined) throw new Error('StartQueryExecution returned no QueryExecutionId');
      return out.QueryExecutionId;
    },
    async status(id) {
      const out = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const state = out.QueryExecution?.Status?.State;
      if (state === undefined) throw new Error(`GetQueryExecution ${id} returned no state`);
      return { state: state as QueryState, reason: out.QueryExecution?.Status?.StateChangeReason };
    },
    async results(id) {
      // Follows NextToken; the freshness query returns two rows (header + one), so this is one call.
      const rows: (string | undefined)[][] = [];
      let token: string | undefined;
      do {
        const out = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
        for (const row of out.ResultSet?.Rows ?? []) rows.push((row.Data ?? []).map((d) => d.VarCharValue));
        token = out.NextToken;
      } while (token !== undefined);
      return rows as ResultRows;
    },
  };
}

/**
 * Reads the rendered plan (`renderRefreshPlan` output) from a JSON file.
 *
 * @throws Error when the file is missing or has no `steps` object.
 */
export function loadPlan(file: string): RefreshPlan {
  const plan = JSON.parse(fs.readFileSync(file, 'utf8')) as RefreshPlan;
  if (typeof plan !== 'object' || plan === null || typeof plan.steps !== 'object') {
    throw new Error(`Refresh plan ${file} has no "steps" object`);
  }
  return plan;
}

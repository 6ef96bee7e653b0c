/**
 * Table DDL function: the provider of `Custom::LakeforgeIcebergTables` resources, invoked directly by
 * CloudFormation (the resource's `ServiceToken` is this function's ARN; no Provider framework, so each stack
 * holds one resource per table list and no extra functions).
 *
 * - Create / Update: makes every table of the resource properties match its declaration (see core.ts:
 *   `CREATE TABLE IF NOT EXISTS`, `ALTER TABLE … ADD COLUMNS`, Glue `UpdateTable` for description and
 *   `lakeforge.*` parameters; a type change or a removed column fails the deployment with the reason).
 *   Exception: while the stack rolls back (`UPDATE_ROLLBACK_IN_PROGRESS`, from DescribeStacks), CloudFormation
 *   sends the previous declaration, which lacks the columns the failed update added; those are kept.
 * - Delete: does nothing. Tables and their data are retained: prod data is never deleted by a stack operation,
 *   and dropping an Iceberg table would lose its snapshot history. Remove a table by hand if it must go.
 *
 * Every request gets exactly one response, SUCCESS or FAILED with the reason, PUT to the pre-signed
 * `ResponseURL` (AWS CloudFormation User Guide, "Custom resource response objects",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html). The physical id is
 * fixed at Create and echoed on every later request, so an update is never a replacement (which would make
 * CloudFormation send a Delete for the old id).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AthenaClient } from '@aws-sdk/client-athena';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GlueClient, type Table } from '@aws-sdk/client-glue';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { createPowertools } from '../shared/powertools';
import { TABLE_DDL_SERVICE_NAME } from '../shared/table-ddl-properties';
import { type CustomResourceResponse, httpsResponseSender, type ResponseSender } from '../shared/custom-resource-response';
import { athenaDdlPort, glueDdlPort, stackPort } from './adapters';
import { type AthenaDdlPort, applyTables, type GlueDdlPort, parseTableDdlProperties, type StackPort } from './core';

/** Time kept back from the function's timeout to send the response after a stopped query, ms. */
export const RESPONSE_MARGIN_MS = 20_000;

/** What {@link createTableDdlHandler} wires together. */
export interface TableDdlHandlerDeps {
  readonly athena: AthenaDdlPort;
  readonly glue: GlueDdlPort<Table>;
  readonly stacks: StackPort;
  readonly send: ResponseSender;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

/** The part of the Lambda context the handler uses. */
export interface DeadlineContext {
  getRemainingTimeInMillis(): number;
}

/**
 * The physical id of the resource: on Create `lakeforge-iceberg-tables/<database>/<first table>` (or the
 * logical id when the properties are unreadable); on Update and Delete the id CloudFormation sends, unchanged.
 */
export function physicalResourceId(event: CloudFormationCustomResourceEvent): string {
  if (event.RequestType !== 'Create') return event.PhysicalResourceId;
  const first = (event.ResourceProperties as { Tables?: { Database?: unknown; Table?: unknown }[] }).Tables?.[0];
  return typeof first?.Database === 'string' && typeof first.Table === 'string'
    ? `lakeforge-iceberg-tables/${first.Database}/${first.Table}`
    : `lakeforge-iceberg-tables/${event.LogicalResourceId}`;
}

/**
 * Builds the handler.
 *
 * @returns a handler that always responds to CloudFormation, and throws only when the response itself could
 *   not be sent (Lambda then retries the asynchronous invocation; every action is idempotent).
 */
export function createTableDdlHandler(deps: TableDdlHandlerDeps): (event: CloudFormationCustomResourceEvent, context: DeadlineContext) => Promise<void> {
  const { logger } = deps;
  return async (event, context) => {
    const physicalId = physicalResourceId(event);
    let response: CustomResourceResponse;
    const base = { PhysicalResourceId: physicalId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
    try {
      if (event.RequestType === 'Delete') {
        logger.info('delete: tables and data are retained', { physicalResourceId: physicalId });
      } else {
        const props = parseTableDdlProperties(event.ResourceProperties);
        // A rollback sends the previous declaration after a failed update that may have added columns already:
        // keep them (they are optional and harmless) rather than refuse and leave the stack UPDATE_ROLLBACK_FAILED.
        const rollingBack = event.RequestType === 'Update' && (await deps.stacks.isRollingBack(event.StackId));
        if (rollingBack) logger.warn('rollback: columns the previous declaration lacks are kept', { stackId: event.StackId });
        const done = await applyTables(
          {
            athena: deps.athena,
            glue: deps.glue,
            sleep: deps.sleep,
            now: deps.now,
            deadline: deps.now() + context.getRemainingTimeInMillis() - RESPONSE_MARGIN_MS,
            onAction: (table, action) => logger.info('table action', { table, action: action.kind, ...('sql' in action ? { sql: action.sql } : {}) }),
          },
          props.Workgroup,
          props.Tables,
          { keepUndeclaredColumns: rollingBack },
        );
        logger.info(`${event.RequestType.toLowerCase()}: tables match their declarations`, {
          actions: Object.fromEntries(Object.entries(done).map(([t, a]) => [t, a.map((x) => x.kind)])),
        });
      }
      response = { ...base, Status: 'SUCCESS' };
    } catch (e) {
      logger.error('table DDL failed', { error: e as Error });
      response = { ...base, Status: 'FAILED', Reason: (e as Error).message };
    }
    try {
      await deps.send(event.ResponseURL, response);
    } catch (e) {
      logger.error('could not send the custom resource response', { error: e as Error });
      throw e;
    }
  };
}

const { logger } = createPowertools(TABLE_DDL_SERVICE_NAME);

/** The Lambda entry point (clients created once per process). */
export const handler = createTableDdlHandler({
  athena: athenaDdlPort(new AthenaClient({})),
  glue: glueDdlPort(new GlueClient({})),
  stacks: stackPort(new CloudFormationClient({})),
  send: httpsResponseSender(),
  logger,
  sleep: (ms) => sleep(ms),
  now: () => Date.now(),
});

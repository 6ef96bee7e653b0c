/**
 * Registry publisher function: the provider of `Custom::LakeforgeSchemaPublication` resources (properties in
 * `lambdas/shared/schema-publication-properties.ts`), invoked directly by CloudFormation (the resource's
 * `ServiceToken` is this function's ARN; no Provider framework).
 *
 * - Create / Update: publishes the product's contracts to the registry through the publishing gate (core.ts):
 *   a published version is never rewritten, a new version's SchemaVer step must be honest against the
 *   registry's history, nothing is written when any schema fails; then the product's catalog entry.
 * - Delete: does nothing. Published schemas are immutable and never unpublished: other products, producers and
 *   the events already in the lake refer to them.
 *
 * Every request gets exactly one response, SUCCESS or FAILED with the reason (every problem, one per line,
 * shortened to fit the response; the log has all of them), PUT to the pre-signed `ResponseURL` (AWS
 * CloudFormation User Guide, "Custom resource response objects",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html). The physical id is
 * fixed at Create (`lakeforge-schema-publication/<Product>`) and echoed on every later request, so an update is
 * never a replacement.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { type CustomResourceResponse, httpsResponseSender, type ResponseSender } from '../shared/custom-resource-response';
import { createPowertools } from '../shared/powertools';
import { REGISTRY_PUBLISHER_SERVICE_NAME } from '../shared/schema-publication-properties';
import { s3RegistryStore } from './adapters';
import { parseSchemaPublicationProperties, PublicationError, publishSchemas, type RegistryStore, summarizeProblems } from './core';

/** Metric names the function emits (Count, dimension `service`). */
export const REGISTRY_PUBLISHER_METRICS = {
  /** Schema versions written to the registry. */
  schemasCreated: 'SchemasCreated',
  /** Requests refused by the publishing gate (a rule broken; the deployment fails). */
  publicationsRefused: 'PublicationsRefused',
} as const;

/** What {@link createRegistryPublisherHandler} wires together. */
export interface RegistryPublisherHandlerDeps {
  /** The registry store of a bucket. */
  readonly registry: (bucket: string) => RegistryStore;
  readonly send: ResponseSender;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The physical id of the resource: on Create `lakeforge-schema-publication/<Product>` (or the logical id when
 * `Product` is not a string); on Update and Delete the id CloudFormation sends, unchanged.
 */
export function physicalResourceId(event: CloudFormationCustomResourceEvent): string {
  if (event.RequestType !== 'Create') return event.PhysicalResourceId;
  const product = (event.ResourceProperties as { Product?: unknown }).Product;
  return `lakeforge-schema-publication/${typeof product === 'string' && product !== '' ? product : event.LogicalResourceId}`;
}

/**
 * Builds the handler.
 *
 * @returns a handler that always responds to CloudFormation, and throws only when the response itself could
 *   not be sent (Lambda then retries the asynchronous invocation; publishing again is idempotent).
 */
export function createRegistryPublisherHandler(deps: RegistryPublisherHandlerDeps): (event: CloudFormationCustomResourceEvent) => Promise<void> {
  const { logger, metrics } = deps;
  return async (event) => {
    const physicalId = physicalResourceId(event);
    const base = { PhysicalResourceId: physicalId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
    let response: CustomResourceResponse;
    try {
      if (event.RequestType === 'Delete') {
        logger.info('delete: published schemas are never unpublished; nothing to do', { physicalResourceId: physicalId });
      } else {
        const props = parseSchemaPublicationProperties(event.ResourceProperties);
        const result = await publishSchemas(deps.registry(props.RegistryBucket), props);
        metrics.addMetric(REGISTRY_PUBLISHER_METRICS.schemasCreated, MetricUnit.Count, result.created.length);
        logger.info(`${event.RequestType.toLowerCase()}: contracts published`, { product: props.Product, ...result });
      }
      response = { ...base, Status: 'SUCCESS' };
    } catch (e) {
      if (e instanceof PublicationError) {
        metrics.addMetric(REGISTRY_PUBLISHER_METRICS.publicationsRefused, MetricUnit.Count, 1);
        logger.error('publication refused', { problems: e.problems });
        response = { ...base, Status: 'FAILED', Reason: summarizeProblems(e.problems) };
      } else {
        logger.error('schema publication failed', { error: e as Error });
        response = { ...base, Status: 'FAILED', Reason: (e as Error).message };
      }
    }
    try {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    } catch (e) {
      logger.warn('could not publish the metrics', { error: e as Error });
    }
    try {
      await deps.send(event.ResponseURL, response);
    } catch (e) {
      logger.error('could not send the custom resource response', { error: e as Error });
      throw e;
    }
  };
}

const { logger, metrics } = createPowertools(REGISTRY_PUBLISHER_SERVICE_NAME);
const s3 = new S3Client({});

/** The Lambda entry point (clients created once per process). */
export const handler = createRegistryPublisherHandler({
  registry: (bucket) => s3RegistryStore(s3, bucket),
  send: httpsResponseSender(),
  logger,
  metrics,
});

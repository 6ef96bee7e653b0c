/**
 * Powertools singletons shared by the Lambda functions: one logger and one metrics buffer per
 * process. `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE` and `POWERTOOLS_LOG_LEVEL`
 * override the defaults below, as usual for Powertools.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Metrics namespace when `POWERTOOLS_METRICS_NAMESPACE` is unset. */
export const DEFAULT_METRICS_NAMESPACE = 'Lakeforge';

/**
 * Creates a logger and a metrics buffer for one function.
 * @param serviceName Powertools service name (also the `service` metric dimension), unless
 *   `POWERTOOLS_SERVICE_NAME` is set.
 */
export function createPowertools(serviceName: string): { logger: Logger; metrics: Metrics } {
  const service = process.env.POWERTOOLS_SERVICE_NAME ?? serviceName;
  return {
    logger: new Logger({ serviceName: service }),
    metrics: new Metrics({
      serviceName: service,
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
    }),
  };
}

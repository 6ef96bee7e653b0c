/**
 * The response side of a CloudFormation custom resource provider invoked directly by CloudFormation (the
 * resource's `ServiceToken` is the function's ARN): the response object and its sender, an HTTPS PUT to the
 * pre-signed `ResponseURL` (AWS CloudFormation User Guide, "Custom resource response objects",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html). Shared by the table
 * DDL and registry publisher functions.
 */
import * as http from 'node:http';
import * as https from 'node:https';

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

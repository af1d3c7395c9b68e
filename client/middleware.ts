// Partner Center's calling conventions as openapi-fetch middleware: each runs once per logical call
// (retries happen below, in the transport, and resend the same headers).
import type { Middleware } from 'openapi-fetch';

/** A new id per call unless the caller set one (a caller retrying by hand reuses its own). */
function idHeader(name: string): Middleware {
  return {
    onRequest({ request }) {
      if (!request.headers.has(name)) request.headers.set(name, crypto.randomUUID());
      return request;
    },
  };
}

/** `MS-RequestId`: made once per logical call and kept on every retry, so a retried write is not done twice. */
export const requestIdMiddleware: Middleware = idHeader('MS-RequestId');

/** `MS-CorrelationId`: one per call, to find the call in Partner Center's logs. */
export const correlationIdMiddleware: Middleware = idHeader('MS-CorrelationId');

/** Fixed headers sent on every call (`X-Locale`, `MS-PartnerCenter-Application`), unless the call sets them. */
export function defaultHeadersMiddleware(headers: Record<string, string | undefined>): Middleware {
  return {
    onRequest({ request }) {
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined && !request.headers.has(name)) request.headers.set(name, value);
      }
      return request;
    },
  };
}

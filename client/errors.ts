// The opt-in throwing style: `unwrap()` turns openapi-fetch's { data, error, response } into the
// data, or throws one CartApiError carrying what a caller needs to report or retry the failure.
import type { components } from '../generated/api-types.ts';

export type ErrorBody = components['schemas']['Error'];
export type ThrottlingBody = components['schemas']['Throttling'];

export class CartApiError extends Error {
  readonly status: number;
  /** Partner Center's error code (the throttling body has none: then the HTTP status). */
  readonly code: number;
  readonly description: string;
  readonly body: ErrorBody | ThrottlingBody | undefined;
  readonly requestId: string | undefined;
  readonly correlationId: string | undefined;

  constructor(response: Response, body: ErrorBody | ThrottlingBody | undefined) {
    const code = body && 'code' in body ? body.code : response.status;
    const description = body ? ('description' in body ? body.description : body.message) : response.statusText || `HTTP ${response.status}`;
    super(`${response.status} ${code}: ${description}`);
    this.name = 'CartApiError';
    this.status = response.status;
    this.code = code;
    this.description = description;
    this.body = body;
    this.requestId = response.headers.get('MS-RequestId') ?? undefined;
    this.correlationId = response.headers.get('MS-CorrelationId') ?? undefined;
  }
}

/** The data of a successful call, or a CartApiError for a failed one. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw new CartApiError(result.response, result.error as ErrorBody | ThrottlingBody | undefined);
}

// What an answer says besides its data. The opt-in throwing style: `unwrap()` turns openapi-fetch's
// { data, error, response } into the data, or throws one CartApiError carrying what a caller needs to
// report or retry the failure; and `ignoredProperties()`, the request properties the kit's sandbox
// did not read, on any answer.
import type { SchemaError as ErrorBody, SchemaThrottling as ThrottlingBody } from '../generated/api-types.ts';

export type { ErrorBody, ThrottlingBody };

/** The answer header in which the kit's sandbox names what it ignored of a request. */
export const IGNORED_PROPERTIES_HEADER = 'Sandbox-Ignored-Properties';

/**
 * The request properties and query parameters the kit's sandbox ignored, as it names them
 * (`body.lineItems[0].termDuraton`, `query.include_prices`): usually a misspelt name, which Partner
 * Center ignores too. Read from its `Sandbox-Ignored-Properties` header, on successes and on `400`;
 * `[]` when nothing was ignored, and always from Partner Center itself, which sends no such header.
 * The header lists at most 20 names (the sandbox's log has them all); a `400`'s `data` names each, within its 100
 * entries.
 */
export function ignoredProperties(answer: { response: Response } | Response): string[] {
  const response = 'response' in answer ? answer.response : answer;
  const header = response.headers.get(IGNORED_PROPERTIES_HEADER);
  if (!header) return [];
  // The sandbox percent-encodes spaces in names, so ", " only ever separates two of them.
  return header
    .replace(/ \(\+\d+ more\)$/, '')
    .split(', ')
    .filter((name) => name !== '');
}

export class CartApiError extends Error {
  readonly status: number;
  /** Partner Center's error code (the throttling body has none: then the HTTP status). */
  readonly code: number;
  readonly description: string;
  readonly body: ErrorBody | ThrottlingBody | undefined;
  readonly requestId: string | undefined;
  readonly correlationId: string | undefined;
  /** What the kit's sandbox ignored of the request (`ignoredProperties()`); [] from Partner Center. */
  readonly ignoredProperties: string[];

  constructor(response: Response, body: ErrorBody | ThrottlingBody | undefined) {
    const code = body && 'code' in body ? body.code : response.status;
    const description = body
      ? 'description' in body
        ? body.description
        : body.message
      : response.statusText || `HTTP ${response.status}`;
    super(`${response.status} ${code}: ${description}`);
    this.name = 'CartApiError';
    this.status = response.status;
    this.code = code;
    this.description = description;
    this.body = body;
    this.requestId = response.headers.get('MS-RequestId') ?? undefined;
    this.correlationId = response.headers.get('MS-CorrelationId') ?? undefined;
    this.ignoredProperties = ignoredProperties(response);
  }
}

/** The data of a successful call, or a CartApiError for a failed one. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw new CartApiError(result.response, result.error as ErrorBody | ThrottlingBody | undefined);
}

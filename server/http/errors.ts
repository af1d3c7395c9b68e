// The one place where every failure becomes Partner Center's error body: the domain's errors, the
// validator's and the body parser's, authentication failures, the store being busy, and anything
// unexpected. Each gets its HTTP status and Partner Center code here and nowhere else.
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { SpecIndex } from '../../openapi/spec-index.ts';
import { AuthError } from '../auth.ts';
import { DomainError, type DomainFailure } from '../domain/errors.ts';
import { DatabaseUnavailableError, StoreBusyError } from '../store/store.ts';
import type { ErrorBody, ErrorCode, ThrottlingBody } from '../wire-types.ts';
import { ThrottledError } from './rate-limit.ts';
import { IGNORED_HEADER } from './canonical-input.ts';
import { bundledSpec } from './spec.ts';

export const ERROR_SOURCE = 'PartnerCenterCartSandbox';

/** A failure as it travels: status, Partner Center code, description and details (`data`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: readonly string[];
  /** Seconds for the Retry-After header (503). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: ErrorCode,
    description: string,
    details: readonly string[] = [],
    retryAfterSeconds?: number,
  ) {
    super(description);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** How long a client should wait before retrying when the database cannot be reached. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/** Partner Center's codes, named (see ErrorCode in the spec). Where it publishes none, the status is the code. */
export const Codes = {
  countryNotServed: 2030,
  orderNotFound: 20000,
  productNotFound: 400013,
  skuNotFound: 400018,
  availabilityNotFound: 400019,
  partnerTokenMissing: 800001,
  invalidInput: 800002,
  serviceException: 800003,
  cartNotFound: 800008,
  provisioningStatusNotFound: 800007,
  cancelSandboxOnly: 800019,
  orderInProgress: 800060,
  orderCannotBeCancelled: 800061,
  cancelThroughSubscription: 800063,
  cartBeingProcessed: 800064,
  cartAlreadyOrdered: 800065,
  cancelSaasThroughSubscription: 800077,
  cancellationWindowPassed: 900117,
  preconditionFailed: 412,
  requestIdReused: 422,
} as const satisfies Record<string, ErrorCode>;

/** How each domain failure travels. */
const DOMAIN_FAILURES: Record<DomainFailure, { status: number; code: ErrorCode }> = {
  'invalid-input': { status: 400, code: Codes.invalidInput },
  'cart-expired': { status: 400, code: Codes.invalidInput },
  'cart-already-ordered': { status: 400, code: Codes.cartAlreadyOrdered },
  'cart-not-found': { status: 404, code: Codes.cartNotFound },
  'order-not-found': { status: 404, code: Codes.orderNotFound },
  'cart-changed': { status: 412, code: Codes.preconditionFailed },
  'country-not-served': { status: 403, code: Codes.countryNotServed },
  'product-not-found': { status: 404, code: Codes.productNotFound },
  'sku-not-found': { status: 404, code: Codes.skuNotFound },
  'availability-not-found': { status: 404, code: Codes.availabilityNotFound },
  'provisioning-status-not-found': { status: 404, code: Codes.provisioningStatusNotFound },
  'order-in-progress': { status: 409, code: Codes.orderInProgress },
  'order-cannot-be-cancelled': { status: 400, code: Codes.orderCannotBeCancelled },
  'cancel-through-subscription': { status: 400, code: Codes.cancelThroughSubscription },
  'cancel-saas-through-subscription': { status: 403, code: Codes.cancelSaasThroughSubscription },
  'cancel-sandbox-only': { status: 403, code: Codes.cancelSandboxOnly },
  'cancellation-window-passed': { status: 400, code: Codes.cancellationWindowPassed },
  // Partner Center has no snapshots, so no code: the status is the code, as for an unknown route.
  'snapshot-not-found': { status: 404, code: 404 },
};

/** The validator's error: an HttpError with the failing fields. */
interface ValidatorError {
  status: number;
  message: string;
  errors?: { path?: string; message?: string }[];
}

function isValidatorError(error: unknown): error is ValidatorError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as ValidatorError).status === 'number' &&
    Array.isArray((error as ValidatorError).errors)
  );
}

/** `/body/lineItems/0/quantity` -> `body.lineItems[0].quantity`; `/headers/ms-requestid` -> `header.ms-requestid`. */
export function fieldName(path: string | undefined): string {
  if (!path) return 'request';
  const [where = '', ...rest] = path.replace(/^\.?\//, '').split(/[/.]/);
  const place = where === 'headers' ? 'header' : where === 'params' ? 'path' : where;
  return rest.reduce((name, segment) => (/^\d+$/.test(segment) ? `${name}[${segment}]` : `${name}.${segment}`), place);
}

/** The Partner Center API's operations: each one's path in segments (`{name}` stands for any one) and method. */
let apiOperations: { segments: string[]; method: string }[] | undefined;

/** Whether the API has an operation for this method and path, as `GET /v1/products/{productId}/skus`. */
function isApiOperation(method: string, path: string): boolean {
  apiOperations ??= SpecIndex.of(bundledSpec())
    .operations()
    .map((operation) => ({ segments: operation.path.split('/'), method: operation.method.toUpperCase() }));
  const segments = path.split('/');
  const asked = method === 'HEAD' ? 'GET' : method;
  return apiOperations.some(
    ({ segments: template, method: served }) =>
      served === asked &&
      template.length === segments.length &&
      template.every((part, at) => (/^\{[^}]+\}$/.test(part) ? segments[at] !== '' : part === segments[at])),
  );
}

/**
 * The 404 of a path nothing serves. Partner Center's links are written relative to its API base
 * (`/customers/…`, `/products/…`, without `/v1`), so a link requested from the server's root alone is
 * the likeliest unknown route of all: when `/v1` and the path is an operation's, the answer says so.
 */
function unknownRoute(request: { method: string; originalUrl: string } | undefined): ApiError {
  if (!request) return new ApiError(404, 404, 'No such route.');
  const [path = '', query] = request.originalUrl.split(/\?(.*)/s, 2);
  const route = `${request.method} ${path}`;
  if (!path.startsWith('/v1/') && isApiOperation(request.method, `/v1${path}`)) {
    const underBase = `/v1${path}${query === undefined ? '' : `?${query}`}`;
    return new ApiError(
      404,
      404,
      `No such route: ${route} — Partner Center's links are relative to the API base (/v1); request ${request.method} ${underBase}.`,
    );
  }
  return new ApiError(404, 404, `No such route: ${route}.`);
}

/**
 * Turns any thrown value into an ApiError (the wire form of every failure); `request`, when given,
 * lets an unknown route's answer name it.
 */
export function toApiError(error: unknown, request?: { method: string; originalUrl: string }): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) {
    const { status, code } = DOMAIN_FAILURES[error.failure];
    return new ApiError(status, code, error.message, error.details);
  }
  // A valid token that names no partner tenant is authenticated but not allowed: 403, as the spec says.
  if (error instanceof AuthError)
    return new ApiError(error.failure === 'no-tenant' ? 403 : 401, Codes.partnerTokenMissing, error.message);
  if (error instanceof DatabaseUnavailableError) {
    return new ApiError(
      503,
      503,
      'The service is temporarily unavailable (its database cannot be reached); nothing was changed. Retry after the seconds in Retry-After with the same MS-RequestId.',
      [],
      DATABASE_RETRY_AFTER_SECONDS,
    );
  }
  if (error instanceof StoreBusyError) {
    return new ApiError(
      409,
      Codes.cartBeingProcessed,
      'The cart is being processed by another request; nothing was changed. Retry shortly with the same MS-RequestId.',
    );
  }
  const bodyParserType = (error as { type?: string } | null)?.type;
  if (bodyParserType === 'entity.too.large') {
    const limit = (error as { limit?: number }).limit;
    return new ApiError(413, 413, `The request body is larger than ${limit ?? 'the limit of'} bytes.`);
  }
  if (bodyParserType === 'entity.parse.failed') {
    return new ApiError(
      400,
      Codes.invalidInput,
      `Invalid request input: the body is not valid JSON (${(error as Error).message}).`,
    );
  }
  if (bodyParserType === 'encoding.unsupported' || bodyParserType === 'charset.unsupported') {
    return new ApiError(415, 415, `The request body's encoding is not supported: ${(error as Error).message}.`);
  }
  if (isValidatorError(error)) {
    const details = (error.errors ?? []).map((e) => `${fieldName(e.path)}: ${e.message ?? 'is not valid'}`);
    switch (error.status) {
      case 400:
        return new ApiError(
          400,
          Codes.invalidInput,
          `Invalid request input: ${details.length} field${details.length === 1 ? ' is' : 's are'} not valid.`,
          details,
        );
      case 404:
        return unknownRoute(request);
      case 405:
        return new ApiError(405, 405, `This route does not accept the method: ${error.message}.`);
      case 413:
        return new ApiError(413, 413, 'The request body is too large.');
      case 415:
        return new ApiError(415, 415, `The request body must be application/json (${error.message}).`);
      default:
        break; // a response that broke the contract (500), or anything else: an internal error
    }
  }
  return new ApiError(
    500,
    Codes.serviceException,
    'Unexpected service error. Retry the call with the same MS-RequestId.',
  );
}

/** The spec's bounds of `data` (Error in openapi.yaml): entries, and characters per entry. */
const DATA_ENTRIES = 100;
const DATA_ENTRY_LENGTH = 1024;

/**
 * Partner Center's error body for a failure; `extra` entries follow the failure's own in `data`,
 * each once (a strict-mode refusal already lists the ignored properties that `extra` names).
 */
export function errorBody(failure: ApiError, extra: readonly string[] = []): ErrorBody {
  const entries = [...failure.details, ...extra.filter((entry) => !failure.details.includes(entry))].map((entry) =>
    entry.slice(0, DATA_ENTRY_LENGTH),
  );
  // Bounded as the spec says; the last entry then says how many were left out (the request's log
  // line still names every ignored property).
  const data =
    entries.length <= DATA_ENTRIES
      ? entries
      : [...entries.slice(0, DATA_ENTRIES - 1), `request: ${entries.length - DATA_ENTRIES + 1} more entries left out`];
  return { code: failure.code, description: failure.message.slice(0, 1024), data, source: ERROR_SOURCE };
}

export function sendError(res: Response, failure: ApiError): void {
  // A refused request also names what its reading ignored: the likeliest cause of a refusal is a
  // misspelt property, and the answer header alone is seen by few (request-reader.ts).
  const body = errorBody(failure, failure.status === 400 ? (res.locals.ignoredEntries ?? []) : []);
  res.locals.errorDetails = [failure.message, ...body.data!];
  // The spec declares the ignored-properties header on successes and on 400 (where strict mode names them).
  if (failure.status !== 400) res.removeHeader(IGNORED_HEADER);
  if (failure.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="partner-center", error="invalid_token"');
  if (failure.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(failure.retryAfterSeconds));
  res.status(failure.status).json(body);
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof ThrottledError) {
      // Partner Center's throttling answer has its own body, not the error body.
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      const body: ThrottlingBody = { statusCode: 429, message: error.message };
      res.status(429).json(body);
      return;
    }
    const failure = toApiError(error, req);
    if (failure.status === 500 && !res.locals.forcedRule)
      logger.error({ err: error, requestId: res.getHeader('MS-RequestId'), path: req.path }, 'unexpected error');
    sendError(res, failure);
  };
}

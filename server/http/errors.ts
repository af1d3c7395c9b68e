// The one place where every failure becomes Partner Center's error body: CartApiError from the domain,
// the validator's errors, the body parser's, authentication failures, and anything unexpected.
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AuthError } from '../auth.ts';
import { CartApiError, Codes, type FailureKind } from '../domain/errors.ts';
import { StoreBusyError } from '../store/store.ts';
import { ThrottledError } from './rate-limit.ts';
import { IGNORED_HEADER } from './request-reader.ts';
import type { ErrorBody, ThrottlingBody } from '../wire-types.ts';

export const ERROR_SOURCE = 'PartnerCenterCartSandbox';

const STATUS: Record<FailureKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'request-timeout': 408,
  conflict: 409,
  'precondition-failed': 412,
  'too-large': 413,
  'unsupported-media-type': 415,
  unprocessable: 422,
  'headers-too-large': 431,
  internal: 500,
};

/** The validator's error: an HttpError with the failing fields. */
interface ValidatorError {
  status: number;
  message: string;
  errors?: { path?: string; message?: string }[];
}

function isValidatorError(error: unknown): error is ValidatorError {
  return typeof error === 'object' && error !== null && typeof (error as ValidatorError).status === 'number' && Array.isArray((error as ValidatorError).errors);
}

/** `/body/lineItems/0/quantity` -> `body.lineItems[0].quantity`; `/headers/ms-requestid` -> `header.ms-requestid`. */
export function fieldName(path: string | undefined): string {
  if (!path) return 'request';
  const [where = '', ...rest] = path.replace(/^\.?\//, '').split(/[/.]/);
  const place = where === 'headers' ? 'header' : where === 'params' ? 'path' : where;
  return rest.reduce((name, segment) => (/^\d+$/.test(segment) ? `${name}[${segment}]` : `${name}.${segment}`), place);
}

/** Turns any thrown value into a CartApiError (the wire form of every failure). */
export function toCartApiError(error: unknown): CartApiError {
  if (error instanceof CartApiError) return error;
  if (error instanceof AuthError) return new CartApiError('unauthenticated', Codes.partnerTokenMissing, error.message);
  if (error instanceof StoreBusyError) {
    return new CartApiError('conflict', Codes.cartBeingProcessed, 'The cart is being processed by another request; nothing was changed. Retry shortly with the same MS-RequestId.');
  }
  const bodyParserType = (error as { type?: string } | null)?.type;
  if (bodyParserType === 'entity.too.large') {
    const limit = (error as { limit?: number }).limit;
    return new CartApiError('too-large', 413, `The request body is larger than ${limit ?? 'the limit of'} bytes.`);
  }
  if (bodyParserType === 'entity.parse.failed') {
    return new CartApiError('invalid', Codes.invalidInput, `Invalid request input: the body is not valid JSON (${(error as Error).message}).`);
  }
  if (bodyParserType === 'encoding.unsupported' || bodyParserType === 'charset.unsupported') {
    return new CartApiError('unsupported-media-type', 415, `The request body's encoding is not supported: ${(error as Error).message}.`);
  }
  if (isValidatorError(error)) {
    const details = (error.errors ?? []).map((e) => `${fieldName(e.path)}: ${e.message ?? 'is not valid'}`);
    switch (error.status) {
      case 400:
        return new CartApiError('invalid', Codes.invalidInput, `Invalid request input: ${details.length} field${details.length === 1 ? ' is' : 's are'} not valid.`, details);
      case 404:
        return new CartApiError('not-found', 404, `No such route: ${error.message}.`);
      case 405:
        return new CartApiError('method-not-allowed', 405, `This route does not accept the method: ${error.message}.`);
      case 413:
        return new CartApiError('too-large', 413, 'The request body is too large.');
      case 415:
        return new CartApiError('unsupported-media-type', 415, `The request body must be application/json (${error.message}).`);
      default:
        break; // a response that broke the contract (500), or anything else: an internal error
    }
  }
  return new CartApiError('internal', Codes.serviceException, 'Unexpected service error. Retry the call with the same MS-RequestId.');
}

/** The HTTP status of a failure. */
export function statusOf(failure: CartApiError): number {
  return STATUS[failure.kind];
}

/** Partner Center's error body for a failure. */
export function errorBody(failure: CartApiError): ErrorBody {
  return { code: failure.code, description: failure.message.slice(0, 1024), data: failure.details, source: ERROR_SOURCE };
}

export function sendError(res: Response, failure: CartApiError): void {
  const body = errorBody(failure);
  // The spec declares the ignored-properties header on successes and on 400 (where strict mode names them).
  if (statusOf(failure) !== 400) res.removeHeader(IGNORED_HEADER);
  if (failure.kind === 'unauthenticated') res.setHeader('WWW-Authenticate', 'Bearer realm="partner-center", error="invalid_token"');
  res.status(statusOf(failure)).json(body);
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
    const failure = toCartApiError(error);
    if (failure.kind === 'internal') logger.error({ err: error, requestId: res.getHeader('MS-RequestId'), path: req.path }, 'unexpected error');
    sendError(res, failure);
  };
}

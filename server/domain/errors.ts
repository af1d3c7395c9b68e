// The one error type of the reference server. The domain and the HTTP layer throw it; server/http/
// errors.ts is the one place that turns it (and every other failure) into Partner Center's error body.
import type { ErrorCode } from '../wire-types.ts';

/** What kind of failure it is; the HTTP layer maps each kind to a status. */
export type FailureKind =
  | 'invalid' // 400
  | 'unauthenticated' // 401
  | 'forbidden' // 403
  | 'not-found' // 404
  | 'method-not-allowed' // 405
  | 'request-timeout' // 408
  | 'conflict' // 409
  | 'precondition-failed' // 412
  | 'too-large' // 413
  | 'unsupported-media-type' // 415
  | 'unprocessable' // 422
  | 'headers-too-large' // 431
  | 'internal'; // 500

export class CartApiError extends Error {
  readonly kind: FailureKind;
  readonly code: ErrorCode;
  /** The error body's `data`: for a rejected request, one `<field>: <what is wrong>` per fault. */
  readonly details: string[];

  constructor(kind: FailureKind, code: ErrorCode, description: string, details: string[] = []) {
    super(description);
    this.name = 'CartApiError';
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

/** Partner Center's codes, named (see ErrorCode in the spec). */
export const Codes = {
  orderNotFound: 20000,
  partnerTokenMissing: 800001,
  invalidInput: 800002,
  serviceException: 800003,
  cartNotFound: 800008,
  cartBeingProcessed: 800064,
  cartAlreadyOrdered: 800065,
  // Where Partner Center publishes no code, the HTTP status is the code.
  preconditionFailed: 412,
  requestIdReused: 422,
} as const satisfies Record<string, ErrorCode>;

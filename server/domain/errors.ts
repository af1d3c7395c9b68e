// The domain's one error type: what went wrong, in the domain's terms. The HTTP layer
// (server/http/errors.ts) alone decides the status and Partner Center code each failure travels as.

/** Why a domain operation was refused. */
export type DomainFailure =
  | 'invalid-input' // the request breaks a rule the spec cannot express (e.g. more than 100 lines)
  | 'cart-not-found'
  | 'order-not-found'
  | 'cart-expired'
  | 'cart-already-ordered' // an update of a cart that has orders
  | 'cart-changed'; // If-Match names a version the cart no longer is

export class DomainError extends Error {
  readonly failure: DomainFailure;
  /** For invalid input: one `<field>: <what is wrong>` per fault. */
  readonly details: readonly string[];

  constructor(failure: DomainFailure, description: string, details: readonly string[] = []) {
    super(description);
    this.name = 'DomainError';
    this.failure = failure;
    this.details = details;
  }
}

// The domain's one error type: what went wrong, in the domain's terms. The HTTP layer
// (server/http/errors.ts) alone decides the status and Partner Center code each failure travels as.

/** Why a domain operation was refused. */
export type DomainFailure =
  | 'invalid-input' // the request breaks a rule the spec cannot express (e.g. more than 100 lines)
  | 'cart-not-found'
  | 'order-not-found'
  | 'cart-expired'
  | 'cart-already-ordered' // an update of a cart that has orders
  | 'cart-changed' // If-Match names a version the cart no longer is
  | 'country-not-served' // the catalog sells nothing in the country asked for
  | 'product-not-found'
  | 'sku-not-found'
  | 'availability-not-found'
  | 'provisioning-status-not-found' // the order of a provisioning-status request does not exist
  | 'order-in-progress' // the order is still being provisioned
  | 'order-cannot-be-cancelled' // already cancelled, or too old for the integration sandbox
  | 'cancel-through-subscription' // new-commerce, Azure plan and legacy orders are cancelled per subscription
  | 'cancel-saas-through-subscription' // marketplace SaaS too, with its own code
  | 'cancel-sandbox-only' // production partners cancel only software by order
  | 'cancellation-window-passed'
  | 'snapshot-not-found'; // the test controls: the partner has no snapshot of that name

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

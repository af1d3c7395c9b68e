// The persistence interface of the reference server. The domain sees only this; SQLite
// (store/sqlite.ts) is the embedded implementation, and a shared PostgreSQL can implement it later.
import type { Cart, Order } from '../wire-types.ts';

/** Who owns a resource: every cart and order belongs to one partner tenant and one of its customers. */
export interface Owner {
  partnerId: string;
  customerId: string;
}

/** The answer to a write that carried an MS-RequestId, kept to be replayed to a retry of the same request. */
export interface RecordedRequest {
  /** Identifies the request (method, path, body, preconditions): the same id with another fingerprint is another request. */
  fingerprint: string;
  status: number;
  /** The response body, as sent. */
  body: string;
  etag?: string;
  /** Milliseconds since the epoch. */
  recordedAt: number;
}

/** A write could not start: another connection holds the database's write lock for longer than the store waits. */
export class StoreBusyError extends Error {
  constructor() {
    super('the database is locked by another writer');
    this.name = 'StoreBusyError';
  }
}

export interface Store {
  /** Runs `work` in one write transaction: everything it writes is committed together, or nothing. */
  transaction<T>(work: () => T): T;
  findCart(owner: Owner, cartId: string): Cart | undefined;
  insertCart(owner: Owner, cart: Cart): void;
  updateCart(owner: Owner, cart: Cart): void;
  /** The orders checkouts made from the cart, keyed by order group. */
  ordersOfCart(owner: Owner, cartId: string): Map<string, Order>;
  insertOrder(owner: Owner, cartId: string, orderGroup: string, order: Order, seats: { productSku: string; quantity: number }[]): void;
  findOrder(owner: Owner, orderId: string): Order | undefined;
  /** The owner's orders, newest first. */
  listOrders(owner: Owner): Order[];
  /** Seats of a product SKU (`productId:skuId`, lower case) bought by the owner's earlier orders. */
  purchasedSeats(owner: Owner, productSku: string): number;
  /** The recorded answer to the partner's request id, if it was recorded at or after `recordedSince` (ms). */
  findRecordedRequest(partnerId: string, requestId: string, recordedSince: number): RecordedRequest | undefined;
  /** Records (or replaces an expired record of) the answer to a partner's request id. */
  recordRequest(partnerId: string, requestId: string, record: RecordedRequest): void;
  /** Deletes records older than `time` (ms); returns how many. */
  forgetRequestsBefore(time: number): number;
  close(): void;
}

// The persistence interface of the reference server. The domain sees only this. It is asynchronous so
// that a networked database can implement it; SQLite (store/sqlite.ts) is the embedded implementation.
// The contract every implementation must meet is server/store/store-contract.ts, run by store.test.ts.
import type { Cart, Order } from '../wire-types.ts';

/** Who owns a resource: every cart and order belongs to one partner tenant and one of its customers. */
export interface Owner {
  partnerId: string;
  customerId: string;
}

/** A cart as stored, with the entity tag computed when it was written (so that a read hashes nothing). */
export interface StoredCart {
  cart: Cart;
  /** Absent only for a cart written before the store kept entity tags (SQLite schema 3). */
  etag?: string;
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

/**
 * An order as stored: as it stands once provisioned (status, subscription ids), and when provisioning
 * completes. Until then the domain shows it pending (server/domain/orders.ts): the state is derived from
 * this time and the clock when read, so no timer has to fire and every instance sees the same.
 */
export interface StoredOrder {
  order: Order;
  /** Milliseconds since the epoch; 0 for orders stored before provisioning took time (schema 4 and older). */
  provisionedAt: number;
}

/** What a reset deleted. */
export interface PartnerReset {
  carts: number;
  orders: number;
  recordedRequests: number;
}

/** Seats of a product SKU (`productId:skuId`, lower case) bought by an order. */
export interface Seats {
  productSku: string;
  quantity: number;
}

/** A write could not start: another connection holds the database's write lock for longer than the store waits. */
export class StoreBusyError extends Error {
  constructor() {
    super('the database is locked by another writer');
    this.name = 'StoreBusyError';
  }
}

/** The database cannot be reached now (a networked store: connection refused or lost); the write was not acknowledged. */
export class DatabaseUnavailableError extends Error {
  constructor(message = 'the database cannot be reached') {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

export interface Store {
  /**
   * Runs `work` in one write transaction: everything it writes is committed together, or nothing, and
   * no other transaction's writes interleave with it. A transaction started inside `work` joins it.
   */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  findCart(owner: Owner, cartId: string): Promise<StoredCart | undefined>;
  insertCart(owner: Owner, stored: StoredCart): Promise<void>;
  updateCart(owner: Owner, stored: StoredCart): Promise<void>;
  /** The orders checkouts made from the cart, keyed by order group. */
  ordersOfCart(owner: Owner, cartId: string): Promise<Map<string, StoredOrder>>;
  insertOrder(owner: Owner, cartId: string, orderGroup: string, stored: StoredOrder, seats: Seats[]): Promise<void>;
  /** Replaces an order (a cancellation) and gives back the seats its cancelled lines had bought. */
  updateOrder(owner: Owner, stored: StoredOrder, releasedSeats: Seats[]): Promise<void>;
  findOrder(owner: Owner, orderId: string): Promise<StoredOrder | undefined>;
  /** The owner's orders, newest first. */
  listOrders(owner: Owner): Promise<StoredOrder[]>;
  /** How many of the partner's customers have at least one order (the integration sandbox's customer limit). */
  customersWithOrders(partnerId: string): Promise<number>;
  /** Seats of each product SKU (lower case) bought by the owner's earlier orders; 0 for one never bought. */
  purchasedSeats(owner: Owner, productSkus: readonly string[]): Promise<Map<string, number>>;
  /** The recorded answer to the partner's request id, if it was recorded at or after `recordedSince` (ms). */
  findRecordedRequest(partnerId: string, requestId: string, recordedSince: number): Promise<RecordedRequest | undefined>;
  /** Records (or replaces an expired record of) the answer to a partner's request id. */
  recordRequest(partnerId: string, requestId: string, record: RecordedRequest): Promise<void>;
  /** Deletes records older than `time` (ms); returns how many. */
  forgetRequestsBefore(time: number): Promise<number>;
  /** How far the partner's virtual clock is ahead of real time, in ms (0 when it never moved; the test controls). */
  clockOffset(partnerId: string): Promise<number>;
  setClockOffset(partnerId: string, offsetMs: number): Promise<void>;
  /** Deletes everything of the partner's (carts, orders, seats, recorded answers, clock); says how many carts, orders and answers went. */
  resetPartner(partnerId: string): Promise<PartnerReset>;
  /** Resolves when the database answers; DatabaseUnavailableError when it cannot be reached (the readiness check). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

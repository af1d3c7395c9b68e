// The persistence interface of the reference server. The domain sees only this. It is asynchronous so
// that a networked database can implement it; SQLite (store/sqlite.ts) is the embedded implementation.
// The contract every implementation must meet is server/store/store-contract.ts, run by store.test.ts.
import type { components as ControlSchemas } from '../../generated/sandbox-controls-types.ts';
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

/**
 * The answer to a write that carried an MS-RequestId, kept to be replayed to a retry of the same request
 * (table `recorded_requests`, used by `IdempotentWrites` in server/http/idempotency.ts). Not to be confused
 * with the test controls' request journal (`JournalEntry`, table `sandbox_journal`, `RequestJournal`) nor
 * with the one log line per request (server/http/request-context.ts).
 */
export interface RecordedRequest {
  /**
   * Identifies the request (method, path, body, preconditions): the same id with another fingerprint is another
   * request.
   */
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

/**
 * A snapshot of a partner's state as the store keeps it (table `sandbox_snapshots`): its name, when it
 * was saved, the partner's clock offset then, and how many carts and orders it holds. The state itself
 * (the partner's rows of carts, orders, purchased_seats and recorded_requests) is never read out: it is
 * copied back by restoreSnapshot.
 */
export interface SnapshotSummary {
  name: string;
  /** Real time of the save (ms since the epoch). */
  savedAt: number;
  /** The partner's clock offset when saved (ms): its time was `savedAt + clockOffsetMs`. */
  clockOffsetMs: number;
  carts: number;
  orders: number;
}

/** Seats of a product SKU (`productId:skuId`, lower case) bought by an order. */
export interface Seats {
  productSku: string;
  quantity: number;
}

/**
 * A forced-answer rule of the test controls as stored: the rule as shown, and the state of its seeded
 * draws (the generator's last state; absent for a rule without `probability`).
 */
export interface StoredRule {
  rule: ControlSchemas['schemas']['ForcedRule'];
  draws?: number;
}

/** One entry of the test controls' request journal, as shown. */
export type JournalEntry = ControlSchemas['schemas']['JournalEntry'];

/** Which of a partner's journal entries to read, newest first. */
export interface JournalQuery {
  /** Only among the partner's newest this many entries (the journal's bound). */
  window: number;
  /** Only entries whose `at` is at or after this time (ms). */
  since: number;
  requestId?: string;
  correlationId?: string;
  /** At most this many. */
  limit: number;
}

/** A write could not start: another connection holds the database's write lock for longer than the store waits. */
export class StoreBusyError extends Error {
  constructor() {
    super('the database is locked by another writer');
    this.name = 'StoreBusyError';
  }
}

/**
 * The database cannot be reached now (a networked store: connection refused or lost); the write was not acknowledged.
 */
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
  findRecordedRequest(
    partnerId: string,
    requestId: string,
    recordedSince: number,
  ): Promise<RecordedRequest | undefined>;
  /** Records (or replaces an expired record of) the answer to a partner's request id. */
  recordRequest(partnerId: string, requestId: string, record: RecordedRequest): Promise<void>;
  /** Deletes records older than `time` (ms); returns how many. */
  forgetRequestsBefore(time: number): Promise<number>;
  /** How far the partner's virtual clock is ahead of real time, in ms (0 when it never moved; the test controls). */
  clockOffset(partnerId: string): Promise<number>;
  setClockOffset(partnerId: string, offsetMs: number): Promise<void>;
  /**
   * Adds `byMs` to the partner's clock offset in one statement, so that concurrent advances (through
   * several instances) all count.
   */
  advanceClockOffset(partnerId: string, byMs: number): Promise<void>;
  /**
   * Sets the partner's clock offset to `offsetMs` unless it is already larger (the clock moves forward
   * only), in one statement; false, changing nothing, when it is larger.
   */
  raiseClockOffset(partnerId: string, offsetMs: number): Promise<boolean>;
  /**
   * Adds a rule after the partner's others, unless the partner already has `maxRules` (then false,
   * nothing added): the count and the insert are one atomic step, whichever instance adds.
   */
  insertRule(partnerId: string, stored: StoredRule, maxRules: number): Promise<boolean>;
  /**
   * The partner's rules, oldest first; only those of `operationId` when given. Inside a transaction,
   * the partner's rules stay as read until it ends: another transaction's insertRule, updateRule,
   * deleteRules or rules() inside a transaction waits for it (so a rule's calls are consumed one at a
   * time, on every instance).
   */
  rules(partnerId: string, operationId?: string): Promise<StoredRule[]>;
  /** Saves a rule's calls left and draw state; a rule with no calls left (remaining 0) is deleted. */
  updateRule(partnerId: string, stored: StoredRule): Promise<void>;
  /** Deletes every rule of the partner's; says how many. */
  deleteRules(partnerId: string): Promise<number>;
  /**
   * Adds an entry to the partner's request journal, after every entry whose addition had completed
   * when this one was asked for (the journal's order). Cheap, as it comes with every request: entries
   * added in one turn of the event loop share one statement, not made durable at once (the journal is
   * diagnostics; an entry lost to a crash of the database is an acceptable loss).
   */
  addJournalEntry(partnerId: string, entry: JournalEntry): Promise<void>;
  /** The partner's journal entries that match the query, newest first. */
  journalEntries(partnerId: string, query: JournalQuery): Promise<JournalEntry[]>;
  /**
   * Bounds the journal: deletes the partner's entries beyond its newest `keep` and those added before
   * `before` (ms), and a batch of any partner's entries added before `before` (the oldest first), so
   * that partners no longer calling do not keep theirs forever. Says how many went.
   */
  trimJournal(partnerId: string, keep: number, before: number): Promise<number>;
  /**
   * Deletes everything of the partner's (carts, orders, seats, recorded answers, clock, rules and
   * journal) but its snapshots; says how many carts, orders and answers went.
   */
  resetPartner(partnerId: string): Promise<PartnerReset>;
  /**
   * Saves the partner's carts, orders, purchased seats, recorded answers and clock offset under `name`
   * (real time `savedAt`, ms), in one transaction, replacing its snapshot of that name (`replaced`).
   * Undefined, nothing saved, when the name is new and the partner already has `maxSnapshots`: the
   * count and the insert are one atomic step, whichever instance saves. What is copied is one consistent
   * reading of the partner's state (a write committing meanwhile is in it entirely or not at all).
   */
  saveSnapshot(
    partnerId: string,
    name: string,
    savedAt: number,
    maxSnapshots: number,
  ): Promise<{ snapshot: SnapshotSummary; replaced: boolean } | undefined>;
  /**
   * Replaces the partner's carts, orders, purchased seats, recorded answers and clock offset with those
   * of its snapshot `name`, in one transaction, row for row (entity tags, order numbering, provisioning
   * times, recording times as saved). Its rules, journal and snapshots stay. Undefined, nothing
   * changed, when the partner has no snapshot of that name.
   */
  restoreSnapshot(partnerId: string, name: string): Promise<SnapshotSummary | undefined>;
  /** The partner's snapshots, by name (ordered by the names' characters' codes). */
  listSnapshots(partnerId: string): Promise<SnapshotSummary[]>;
  /** Deletes the partner's snapshot `name`; false when it has none of that name. */
  deleteSnapshot(partnerId: string, name: string): Promise<boolean>;
  /** Resolves when the database answers; DatabaseUnavailableError when it cannot be reached (the readiness check). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

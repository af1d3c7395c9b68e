// The networked store: PostgreSQL through `pg`, for several sandbox instances sharing one database.
// The schema is created and migrated at open, inside a transaction-scoped advisory lock, so instances
// starting at once are safe; its version is the one row of `schema_version`.
//
// Locking: row locks, in READ COMMITTED, not SERIALIZABLE with retries. A transaction's `work` is
// domain code that may do more than write to the database (read the clock, make ids), so running it
// again after a serialization failure is not safe, and the Store interface does not ask for work that
// can be repeated. Instead, a read inside a transaction locks what the transaction goes on to change,
// so a second writer waits for the first to commit and then reads what it committed:
// - findCart takes the cart's row lock (SELECT ... FOR UPDATE): read-change-write of a cart
//   (update, checkout) never interleaves with another, on any instance;
// - purchasedSeats and insertOrder take a lock per owner (an advisory lock on partner and customer):
//   seat limits are checked against every order committed before, and created_seq numbers one
//   owner's orders without gaps or ties;
// - findRecordedRequest takes a lock per request id (advisory), so that a retry of a request that
//   is still being written waits for its answer instead of writing a second time.
// Locks are always taken in that order (request, cart, owner), so these never deadlock one another.
// - the test controls' rules take a lock per partner (advisory) in every transaction that reads them
//   to change them or changes them (consuming a call, adding, deleting, a reset, which takes it first):
//   a rule's calls are consumed one at a time, and the cap on rules per partner is exact. A consuming
//   transaction takes no other lock, and a reset takes it before any row lock.
// - the test controls' snapshots take a lock per partner (advisory) when saved, restored or deleted:
//   the cap on snapshots is exact, and a snapshot being restored is not changed meanwhile. A restore
//   takes it, then the rules' lock (so that it and a reset run one after the other), before any row lock.
// `lock_timeout` (lockTimeoutMs) turns a wait that is too long into StoreBusyError, as SQLite's busy
// timeout does; a deadlock PostgreSQL breaks (40P01) is reported the same way.
//
// A read from outside a transaction runs on the pool and sees only committed rows, so it never sees
// writes that could still be rolled back (and, unlike SQLite, need not wait for them).
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { PoolClient, QueryResult, QueryResultRow } from 'pg';
import type { Cart, Order } from '../wire-types.ts';
import {
  DatabaseUnavailableError,
  StoreBusyError,
  type JournalEntry,
  type JournalQuery,
  type Owner,
  type RecordedRequest,
  type Seats,
  type Store,
  type PartnerReset,
  type SnapshotSummary,
  type StoredCart,
  type StoredOrder,
  type StoredRule,
} from './store.ts';
import { JOURNAL_SWEEP, storedRule, type RuleRow } from './rule-rows.ts';
import { TickBatch } from './tick-batch.ts';

export { DatabaseUnavailableError };

export interface PostgresStoreOptions {
  /** The most connections this store opens (default 10). */
  poolSize?: number;
  /** How long a statement waits for a lock another transaction holds before giving up (StoreBusyError); default 5 s. */
  lockTimeoutMs?: number;
  /** How long to wait for a connection, new or free in the pool, before DatabaseUnavailableError; default 10 s. */
  connectTimeoutMs?: number;
}

/**
 * The database named by the URL cannot be used: the URL is malformed, or it cannot be reached, or its schema is newer.
 */
export class PostgresOpenError extends Error {
  override name = 'PostgresOpenError';
}

/**
 * Each migration moves the schema from version N to N+1; never edit one that has shipped. The versions
 * are PostgreSQL's own (SQLite's reached its shape in 4 steps; this starts there). Bodies are JSON
 * text, as the server wrote them: the store never looks inside, and jsonb would refuse \u0000.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE carts (
     partner_id text NOT NULL,
     customer_id text NOT NULL,
     id text NOT NULL,
     body text NOT NULL,
     etag text,
     PRIMARY KEY (partner_id, customer_id, id)
   );
   CREATE TABLE orders (
     partner_id text NOT NULL,
     customer_id text NOT NULL,
     id text NOT NULL,
     cart_id text NOT NULL,
     order_group text NOT NULL,
     created_seq bigint NOT NULL,
     body text NOT NULL,
     PRIMARY KEY (partner_id, customer_id, id),
     UNIQUE (partner_id, customer_id, cart_id, order_group)
   );
   CREATE UNIQUE INDEX orders_by_owner ON orders (partner_id, customer_id, created_seq);
   CREATE TABLE purchased_seats (
     partner_id text NOT NULL,
     customer_id text NOT NULL,
     product_sku text NOT NULL,
     quantity bigint NOT NULL,
     PRIMARY KEY (partner_id, customer_id, product_sku)
   );
   CREATE TABLE recorded_requests (
     partner_id text NOT NULL,
     request_id text NOT NULL,
     fingerprint text NOT NULL,
     status integer NOT NULL,
     body text NOT NULL,
     etag text,
     recorded_at bigint NOT NULL,
     PRIMARY KEY (partner_id, request_id)
   );
   CREATE INDEX recorded_requests_by_age ON recorded_requests (recorded_at);`,
  // 2: when an order's provisioning completes (orders stored before were provisioned at checkout).
  `ALTER TABLE orders ADD COLUMN provisioned_at bigint NOT NULL DEFAULT 0;`,
  // 3: each partner's virtual clock (the test controls), as an offset from real time.
  `CREATE TABLE partner_clocks (partner_id text PRIMARY KEY, offset_ms bigint NOT NULL);`,
  // 4: the test controls' forced-answer rules and request journal, shared by every instance. A rule's
  // calls left and draw state are columns of their own, changed as calls consume it; the rest is the
  // rule as shown (JSON); seq orders rules by creation. The journal is UNLOGGED: written at every
  // request, it is diagnostics, and a commit that touched only unlogged tables does not wait for the
  // write-ahead log to reach the disk (the cost of durability here would be an fsync per request); a
  // crash of PostgreSQL empties it, and a standby has none.
  `CREATE TABLE forced_rules (
     partner_id text NOT NULL,
     id text NOT NULL,
     seq bigint GENERATED ALWAYS AS IDENTITY,
     operation_id text NOT NULL,
     body text NOT NULL,
     remaining integer NOT NULL,
     draws integer,
     PRIMARY KEY (partner_id, id)
   );
   CREATE INDEX forced_rules_by_operation ON forced_rules (partner_id, operation_id, seq);
   CREATE UNLOGGED TABLE sandbox_journal (
     seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     partner_id text NOT NULL,
     at_ms bigint NOT NULL,
     request_id text NOT NULL,
     correlation_id text NOT NULL,
     entry text NOT NULL
   );
   CREATE INDEX sandbox_journal_by_partner ON sandbox_journal (partner_id, seq);`,
  // 5: the test controls' snapshots: a copy of a partner's rows of carts, orders, purchased_seats and
  // recorded_requests (`state`: an array of rows per table, each row as to_jsonb made it, every column
  // included, so that jsonb_populate_recordset gives it back as it was) and its clock offset, under a
  // name of the partner's. The bodies are strings inside the jsonb, never parsed as JSON. A migration
  // that changes one of those tables must bring the states along.
  `CREATE TABLE sandbox_snapshots (
     partner_id text NOT NULL,
     name text NOT NULL,
     saved_at bigint NOT NULL,
     offset_ms bigint NOT NULL,
     carts integer NOT NULL,
     orders integer NOT NULL,
     state jsonb NOT NULL,
     PRIMARY KEY (partner_id, name)
   );`,
];

/** The partner's tables a snapshot copies, row for row (the clock's offset is a column of the snapshot). */
const SNAPSHOT_TABLES = ['carts', 'orders', 'purchased_seats', 'recorded_requests'] as const;

interface SnapshotRow {
  name: string;
  /** bigint: the driver gives it as text. */
  saved_at: string;
  offset_ms: string;
  carts: number;
  orders: number;
}

function snapshotSummary(row: SnapshotRow): SnapshotSummary {
  return {
    name: row.name,
    savedAt: Number(row.saved_at),
    clockOffsetMs: Number(row.offset_ms),
    carts: row.carts,
    orders: row.orders,
  };
}

export const SCHEMA_VERSION = MIGRATIONS.length;

interface OrderRow {
  body: string;
  /** bigint: the driver gives it as text. */
  provisioned_at: string;
}

function storedOrder(row: OrderRow): StoredOrder {
  return { order: JSON.parse(row.body) as Order, provisionedAt: Number(row.provisioned_at) };
}

/** The key of the advisory lock that serialises migrations of one database. */
const MIGRATION_LOCK = "hashtextextended('partner-center-cart-kit:schema', 0)";
/** The URL as it may be shown: user, host, port and database, never the password or the query. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

/**
 * A text that is no valid URL, without whatever could be a password: everything before the last @ but the user, and the
 * query.
 */
function redactText(text: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  let rest = text.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = `${rest.slice(0, at).split(':')[0]}@${rest.slice(at + 1)}`;
  return (scheme + rest).split('?')[0]!.replace(/\s+/g, ' ');
}

function parseUrl(text: string): URL {
  const url = URL.parse(text);
  if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname) {
    throw new PostgresOpenError(
      `not a valid PostgreSQL URL: ${redactText(text)} (expected postgres://user:password@host:5432/database)`,
    );
  }
  return url;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EADDRNOTAVAIL',
]);
const CONNECTION_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|timeout expired|Query read timeout|timeout exceeded when trying to connect)/;

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const inner = (error as { errors?: unknown[] } | null)?.errors; // AggregateError: one per address tried
  return Array.isArray(inner) ? codeOf(inner[0]) : undefined;
}

/** The database cannot be reached, or dropped the connection: nothing this store sent can be known to have happened. */
function isConnectionFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (
    code &&
    (CONNECTION_CODES.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code))
  )
    return true;
  return error instanceof Error && CONNECTION_MESSAGES.test(error.message);
}

/** Why a connection failed, in a few words. */
function reasonOf(error: unknown): string {
  const code = codeOf(error);
  if (code && REASONS[code]) return REASONS[code];
  const message = error instanceof Error && error.message ? error.message : String(error);
  if (message === 'timeout exceeded when trying to connect') return 'no connection of the pool became free in time';
  return (
    /^(Connection terminated due to connection timeout|timeout expired)/.test(message) ? 'no answer in time' : message
  ).split('\n')[0]!;
}

/**
 * pg's errors as the Store's: lock waits and deadlocks are StoreBusyError, a lost database DatabaseUnavailableError.
 */
function translate(error: unknown): unknown {
  if (error instanceof StoreBusyError || error instanceof DatabaseUnavailableError) return error;
  const code = codeOf(error);
  if (code === '55P03' || code === '40P01' || code === '40001') return new StoreBusyError();
  if (error instanceof Error && error.message === 'Cannot use a pool after calling end on the pool')
    return new Error('the store is closed');
  if (isConnectionFailure(error)) {
    const unavailable = new DatabaseUnavailableError(`the database cannot be reached: ${reasonOf(error)}`);
    unavailable.cause = error;
    return unavailable;
  }
  return error;
}

/** The transaction bound to the async context: its client, and whether it has ended (then calls no longer use it). */
type Transaction = { client: PoolClient; ended: boolean };

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #transaction = new AsyncLocalStorage<Transaction>();
  /** The transactions started and not yet ended, which close() waits for. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;
  /** Journal entries added in one turn of the event loop: one INSERT for all (tick-batch.ts). */
  readonly #journalInserts = new TickBatch<{ partnerId: string; entry: JournalEntry }, void>(async (items) => {
    await this.#query(
      `INSERT INTO sandbox_journal (partner_id, at_ms, request_id, correlation_id, entry)
       SELECT partner_id, at_ms, request_id, correlation_id, entry
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS added (partner_id, at_ms, request_id, correlation_id, entry, n)
       ORDER BY n`, // in the order added: seq orders the journal
      [
        items.map((item) => item.partnerId),
        items.map((item) => Date.parse(item.entry.at)),
        items.map((item) => item.entry.requestId),
        items.map((item) => item.entry.correlationId),
        items.map((item) => JSON.stringify(item.entry)),
      ],
    );
    return items.map(() => undefined);
  });
  /**
   * Rule lookups outside a transaction in one turn of the event loop (one for every call of the API): one SELECT for
   * all.
   */
  readonly #ruleLookups = new TickBatch<string, StoredRule[]>(async (partnerIds) => {
    const { rows } = await this.#query<RuleRow & { partner_id: string }>(
      'SELECT partner_id, body, remaining, draws FROM forced_rules WHERE partner_id = ANY($1::text[]) ORDER BY seq',
      [[...new Set(partnerIds)]],
    );
    return partnerIds.map((partnerId) => rows.filter((row) => row.partner_id === partnerId).map(storedRule));
  });

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Connects (once, to check), creates or migrates the schema, and returns the store; PostgresOpenError when the
   * database cannot be used.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const target = describeUrl(parseUrl(url));
    const pool = new pg.Pool({
      connectionString: url,
      max: Math.max(1, Math.trunc(options.poolSize ?? 10)),
      lock_timeout: Math.max(1, Math.trunc(options.lockTimeoutMs ?? 5000)),
      connectionTimeoutMillis: Math.max(1, Math.trunc(options.connectTimeoutMs ?? 10_000)),
      application_name: 'partner-center-cart-sandbox',
    });
    // An idle connection the server closed (restart, failover): the pool drops it and the next query
    // connects anew. Without a listener, the pool's 'error' event would end the process.
    pool.on('error', () => undefined);
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new PostgresOpenError(`cannot connect to ${target}: ${reasonOf(error)}`);
    }
    let failure: unknown;
    const ignore = () => undefined; // a lost connection fails the migration's next query
    client.on('error', ignore);
    await migrate(client, target).catch((error: unknown) => (failure = error ?? new Error('failed')));
    client.off('error', ignore);
    client.release(failure !== undefined);
    if (failure === undefined) return new PostgresStore(pool);
    await pool.end().catch(() => undefined);
    throw failure instanceof PostgresOpenError
      ? failure
      : new PostgresOpenError(`cannot create the schema in ${target}: ${reasonOf(failure)}`);
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.#current()) return work(); // nested: part of the enclosing transaction
    if (this.#closing) return Promise.reject(new Error('the store is closed'));
    const running = this.#run(work);
    this.#inFlight.add(running);
    const done = () => this.#inFlight.delete(running);
    running.then(done, done);
    return running;
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw translate(error);
    }
    const transaction: Transaction = { client, ended: false };
    let broken = false;
    // The server may end the session while `work` awaits something else (no query running): pg then
    // emits 'error' on the client, which ends the process unless listened to. The next query fails.
    const lost = () => (broken = true);
    client.on('error', lost);
    try {
      // Explicit: the locking above relies on READ COMMITTED's re-read of a row it waited for.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      const result = await this.#transaction.run(transaction, work);
      transaction.ended = true;
      const commit = await client.query('COMMIT');
      // COMMIT of a transaction a failed statement aborted rolls back (work caught that error and went on).
      if (commit.command === 'ROLLBACK') throw new Error('the transaction was rolled back: a statement in it failed');
      return result;
    } catch (error) {
      transaction.ended = true;
      const translated = translate(error);
      if (translated instanceof DatabaseUnavailableError) broken = true;
      else await client.query('ROLLBACK').catch(() => (broken = true));
      throw translated;
    } finally {
      client.off('error', lost);
      client.release(broken); // a broken connection is closed, not returned to the pool
    }
  }

  #current(): Transaction | undefined {
    const transaction = this.#transaction.getStore();
    return transaction && !transaction.ended ? transaction : undefined;
  }

  /** Runs one statement: on the transaction's connection inside a transaction, on the pool outside. */
  async #query<R extends QueryResultRow>(text: string, values: unknown[]): Promise<QueryResult<R>> {
    try {
      return await (this.#current()?.client ?? this.#pool).query<R>(text, values);
    } catch (error) {
      throw translate(error);
    }
  }

  /** Inside a transaction, waits for and takes the advisory lock named by `parts` until it ends. */
  async #lock(...parts: string[]): Promise<void> {
    if (this.#current())
      await this.#query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify(parts)]);
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1', []);
  }

  async findCart(owner: Owner, cartId: string): Promise<StoredCart | undefined> {
    const forUpdate = this.#current() ? ' FOR UPDATE' : '';
    const { rows } = await this.#query<{ body: string; etag: string | null }>(
      `SELECT body, etag FROM carts WHERE partner_id = $1 AND customer_id = $2 AND id = $3${forUpdate}`,
      [owner.partnerId, owner.customerId, cartId.toLowerCase()],
    );
    const row = rows[0];
    if (!row) return undefined;
    const cart = JSON.parse(row.body) as Cart;
    return row.etag === null ? { cart } : { cart, etag: row.etag };
  }

  async insertCart(owner: Owner, stored: StoredCart): Promise<void> {
    const sql = 'INSERT INTO carts (partner_id, customer_id, id, body, etag) VALUES ($1, $2, $3, $4, $5)';
    await this.#query(sql, [
      owner.partnerId,
      owner.customerId,
      stored.cart.id,
      JSON.stringify(stored.cart),
      stored.etag ?? null,
    ]);
  }

  async updateCart(owner: Owner, stored: StoredCart): Promise<void> {
    const sql = 'UPDATE carts SET body = $1, etag = $2 WHERE partner_id = $3 AND customer_id = $4 AND id = $5';
    await this.#query(sql, [
      JSON.stringify(stored.cart),
      stored.etag ?? null,
      owner.partnerId,
      owner.customerId,
      stored.cart.id,
    ]);
  }

  async ordersOfCart(owner: Owner, cartId: string): Promise<Map<string, StoredOrder>> {
    const { rows } = await this.#query<OrderRow & { order_group: string }>(
      'SELECT order_group, body, provisioned_at FROM orders WHERE partner_id = $1 AND customer_id = $2 AND cart_id = $3 ORDER BY created_seq',
      [owner.partnerId, owner.customerId, cartId],
    );
    return new Map(rows.map((row) => [row.order_group, storedOrder(row)]));
  }

  insertOrder(owner: Owner, cartId: string, orderGroup: string, stored: StoredOrder, seats: Seats[]): Promise<void> {
    const { order, provisionedAt } = stored;
    return this.transaction(async () => {
      await this.#lock('owner', owner.partnerId, owner.customerId); // created_seq: one writer per owner at a time
      await this.#query(
        `INSERT INTO orders (partner_id, customer_id, id, cart_id, order_group, created_seq, body, provisioned_at)
         VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM orders WHERE partner_id = $1 AND customer_id = $2), $6, $7)`,
        [owner.partnerId, owner.customerId, order.id, cartId, orderGroup, JSON.stringify(order), provisionedAt],
      );
      if (seats.length === 0) return;
      // One statement for all SKUs; summed first, as one INSERT may not update the same row twice.
      await this.#query(
        `INSERT INTO purchased_seats (partner_id, customer_id, product_sku, quantity)
         SELECT $1, $2, sku, SUM(quantity) FROM unnest($3::text[], $4::bigint[]) AS seat (sku, quantity) GROUP BY sku
         ON CONFLICT (partner_id, customer_id, product_sku) DO UPDATE SET quantity = purchased_seats.quantity + excluded.quantity`,
        [owner.partnerId, owner.customerId, seats.map((seat) => seat.productSku), seats.map((seat) => seat.quantity)],
      );
    });
  }

  updateOrder(owner: Owner, stored: StoredOrder, releasedSeats: Seats[]): Promise<void> {
    return this.transaction(async () => {
      await this.#lock('owner', owner.partnerId, owner.customerId); // seats change: as insertOrder
      await this.#query(
        'UPDATE orders SET body = $1, provisioned_at = $2 WHERE partner_id = $3 AND customer_id = $4 AND id = $5',
        [JSON.stringify(stored.order), stored.provisionedAt, owner.partnerId, owner.customerId, stored.order.id],
      );
      if (releasedSeats.length === 0) return;
      await this.#query(
        `UPDATE purchased_seats SET quantity = GREATEST(0, purchased_seats.quantity - released.quantity)
         FROM (SELECT sku, SUM(quantity) AS quantity FROM unnest($3::text[], $4::bigint[]) AS seat (sku, quantity) GROUP BY sku) AS released
         WHERE partner_id = $1 AND customer_id = $2 AND product_sku = released.sku`,
        [
          owner.partnerId,
          owner.customerId,
          releasedSeats.map((seat) => seat.productSku),
          releasedSeats.map((seat) => seat.quantity),
        ],
      );
    });
  }

  async findOrder(owner: Owner, orderId: string): Promise<StoredOrder | undefined> {
    const sql = 'SELECT body, provisioned_at FROM orders WHERE partner_id = $1 AND customer_id = $2 AND id = $3';
    const { rows } = await this.#query<OrderRow>(sql, [owner.partnerId, owner.customerId, orderId]);
    return rows[0] ? storedOrder(rows[0]) : undefined;
  }

  async listOrders(owner: Owner): Promise<StoredOrder[]> {
    const sql =
      'SELECT body, provisioned_at FROM orders WHERE partner_id = $1 AND customer_id = $2 ORDER BY created_seq DESC';
    const { rows } = await this.#query<OrderRow>(sql, [owner.partnerId, owner.customerId]);
    return rows.map(storedOrder);
  }

  async clockOffset(partnerId: string): Promise<number> {
    const { rows } = await this.#query<{ offset_ms: string }>(
      'SELECT offset_ms FROM partner_clocks WHERE partner_id = $1',
      [partnerId],
    );
    return Number(rows[0]?.offset_ms ?? 0);
  }

  async setClockOffset(partnerId: string, offsetMs: number): Promise<void> {
    await this.#query(
      'INSERT INTO partner_clocks (partner_id, offset_ms) VALUES ($1, $2) ON CONFLICT (partner_id) DO UPDATE SET offset_ms = excluded.offset_ms',
      [partnerId, offsetMs],
    );
  }

  async advanceClockOffset(partnerId: string, byMs: number): Promise<void> {
    // One statement: the row lock of the upsert orders concurrent advances, and each adds to the last.
    await this.#query(
      'INSERT INTO partner_clocks (partner_id, offset_ms) VALUES ($1, $2) ON CONFLICT (partner_id) DO UPDATE SET offset_ms = partner_clocks.offset_ms + excluded.offset_ms',
      [partnerId, byMs],
    );
  }

  async raiseClockOffset(partnerId: string, offsetMs: number): Promise<boolean> {
    const { rowCount } = await this.#query(
      `INSERT INTO partner_clocks (partner_id, offset_ms) VALUES ($1, $2) ON CONFLICT (partner_id) DO UPDATE
       SET offset_ms = excluded.offset_ms WHERE partner_clocks.offset_ms <= excluded.offset_ms`,
      [partnerId, offsetMs],
    );
    return (rowCount ?? 0) > 0;
  }

  resetPartner(partnerId: string): Promise<PartnerReset> {
    return this.transaction(async () => {
      await this.#lock('rules', partnerId); // first, before any row lock (see the top of this file)
      const count = async (table: string) =>
        (await this.#query(`DELETE FROM ${table} WHERE partner_id = $1`, [partnerId])).rowCount ?? 0;
      const reset = {
        carts: await count('carts'),
        orders: await count('orders'),
        recordedRequests: await count('recorded_requests'),
      };
      await count('purchased_seats');
      await count('partner_clocks');
      await count('forced_rules');
      await count('sandbox_journal');
      return reset;
    });
  }

  saveSnapshot(
    partnerId: string,
    name: string,
    savedAt: number,
    maxSnapshots: number,
  ): Promise<{ snapshot: SnapshotSummary; replaced: boolean } | undefined> {
    return this.transaction(async () => {
      await this.#lock('snapshots', partnerId); // the count stays true until the insert commits
      const { rows: counted } = await this.#query<{ snapshots: string; same: string }>(
        'SELECT COUNT(*) AS snapshots, COUNT(*) FILTER (WHERE name = $2) AS same FROM sandbox_snapshots WHERE partner_id = $1',
        [partnerId, name],
      );
      const replaced = Number(counted[0]?.same ?? 0) > 0;
      if (!replaced && Number(counted[0]?.snapshots ?? 0) >= maxSnapshots) return undefined;
      // One statement: its subqueries read one snapshot of the database (READ COMMITTED's is per
      // statement), so a checkout committing meanwhile is in the copy entirely or not at all.
      const tables = SNAPSHOT_TABLES.map(
        (table) =>
          `'${table}', (SELECT COALESCE(jsonb_agg(to_jsonb(saved)), '[]'::jsonb) FROM ${table} AS saved WHERE partner_id = $1)`,
      );
      const { rows } = await this.#query<SnapshotRow>(
        `INSERT INTO sandbox_snapshots (partner_id, name, saved_at, offset_ms, carts, orders, state)
         SELECT $1::text, $2::text, $3::bigint,
           COALESCE((SELECT offset_ms FROM partner_clocks WHERE partner_id = $1), 0),
           (SELECT COUNT(*) FROM carts WHERE partner_id = $1),
           (SELECT COUNT(*) FROM orders WHERE partner_id = $1),
           jsonb_build_object(${tables.join(', ')})
         ON CONFLICT (partner_id, name) DO UPDATE SET saved_at = excluded.saved_at, offset_ms = excluded.offset_ms,
           carts = excluded.carts, orders = excluded.orders, state = excluded.state
         RETURNING name, saved_at, offset_ms, carts, orders`,
        [partnerId, name, savedAt],
      );
      return { snapshot: snapshotSummary(rows[0]!), replaced };
    });
  }

  restoreSnapshot(partnerId: string, name: string): Promise<SnapshotSummary | undefined> {
    return this.transaction(async () => {
      await this.#lock('snapshots', partnerId); // the snapshot stays as read (a save or delete waits)
      await this.#lock('rules', partnerId); // the partner's reset lock: a reset and a restore never interleave
      const { rows } = await this.#query<SnapshotRow>(
        'SELECT name, saved_at, offset_ms, carts, orders FROM sandbox_snapshots WHERE partner_id = $1 AND name = $2',
        [partnerId, name],
      );
      if (!rows[0]) return undefined;
      for (const table of [...SNAPSHOT_TABLES, 'partner_clocks'])
        await this.#query(`DELETE FROM ${table} WHERE partner_id = $1`, [partnerId]);
      for (const table of SNAPSHOT_TABLES) {
        await this.#query(
          `INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table},
             (SELECT state -> '${table}' FROM sandbox_snapshots WHERE partner_id = $1 AND name = $2))`,
          [partnerId, name],
        );
      }
      await this.#query(
        `INSERT INTO partner_clocks (partner_id, offset_ms)
         SELECT partner_id, offset_ms FROM sandbox_snapshots WHERE partner_id = $1 AND name = $2 AND offset_ms <> 0`,
        [partnerId, name],
      );
      return snapshotSummary(rows[0]);
    });
  }

  async listSnapshots(partnerId: string): Promise<SnapshotSummary[]> {
    // COLLATE "C": by the characters' codes, as SQLite's BINARY orders them, whatever the database's collation.
    const { rows } = await this.#query<SnapshotRow>(
      'SELECT name, saved_at, offset_ms, carts, orders FROM sandbox_snapshots WHERE partner_id = $1 ORDER BY name COLLATE "C"',
      [partnerId],
    );
    return rows.map(snapshotSummary);
  }

  deleteSnapshot(partnerId: string, name: string): Promise<boolean> {
    return this.transaction(async () => {
      await this.#lock('snapshots', partnerId); // waits for a restore reading it
      const deleted = await this.#query('DELETE FROM sandbox_snapshots WHERE partner_id = $1 AND name = $2', [
        partnerId,
        name,
      ]);
      return (deleted.rowCount ?? 0) > 0;
    });
  }

  insertRule(partnerId: string, stored: StoredRule, maxRules: number): Promise<boolean> {
    return this.transaction(async () => {
      await this.#lock('rules', partnerId); // the count stays true until the insert commits
      const { rows } = await this.#query<{ rules: string }>(
        'SELECT COUNT(*) AS rules FROM forced_rules WHERE partner_id = $1',
        [partnerId],
      );
      if (Number(rows[0]?.rules ?? 0) >= maxRules) return false;
      // The body's `remaining` is the column's when read (it keeps its place among the keys).
      await this.#query(
        'INSERT INTO forced_rules (partner_id, id, operation_id, body, remaining, draws) VALUES ($1, $2, $3, $4, $5, $6)',
        [
          partnerId,
          stored.rule.id,
          stored.rule.operationId,
          JSON.stringify(stored.rule),
          stored.rule.remaining,
          stored.draws ?? null,
        ],
      );
      return true;
    });
  }

  async rules(partnerId: string, operationId?: string): Promise<StoredRule[]> {
    if (!this.#current()) {
      const rules = await this.#ruleLookups.add(partnerId);
      return operationId === undefined ? rules : rules.filter((stored) => stored.rule.operationId === operationId);
    }
    await this.#lock('rules', partnerId); // inside a transaction: the rules stay as read until it ends
    const { rows } =
      operationId === undefined
        ? await this.#query<RuleRow>(
            'SELECT body, remaining, draws FROM forced_rules WHERE partner_id = $1 ORDER BY seq',
            [partnerId],
          )
        : await this.#query<RuleRow>(
            'SELECT body, remaining, draws FROM forced_rules WHERE partner_id = $1 AND operation_id = $2 ORDER BY seq',
            [partnerId, operationId],
          );
    return rows.map(storedRule);
  }

  async updateRule(partnerId: string, stored: StoredRule): Promise<void> {
    if (stored.rule.remaining <= 0)
      await this.#query('DELETE FROM forced_rules WHERE partner_id = $1 AND id = $2', [partnerId, stored.rule.id]);
    else
      await this.#query('UPDATE forced_rules SET remaining = $1, draws = $2 WHERE partner_id = $3 AND id = $4', [
        stored.rule.remaining,
        stored.draws ?? null,
        partnerId,
        stored.rule.id,
      ]);
  }

  deleteRules(partnerId: string): Promise<number> {
    return this.transaction(async () => {
      await this.#lock('rules', partnerId); // waits for a call consuming one of them
      return (await this.#query('DELETE FROM forced_rules WHERE partner_id = $1', [partnerId])).rowCount ?? 0;
    });
  }

  async addJournalEntry(partnerId: string, entry: JournalEntry): Promise<void> {
    if (!this.#current()) return this.#journalInserts.add({ partnerId, entry });
    await this.#query(
      'INSERT INTO sandbox_journal (partner_id, at_ms, request_id, correlation_id, entry) VALUES ($1, $2, $3, $4, $5)',
      [partnerId, Date.parse(entry.at), entry.requestId, entry.correlationId, JSON.stringify(entry)],
    );
  }

  async journalEntries(partnerId: string, query: JournalQuery): Promise<JournalEntry[]> {
    // The partner's newest `window` entries first (the journal's bound, whether trimmed yet or not), then the filters.
    const { rows } = await this.#query<{ entry: string }>(
      `SELECT entry FROM (SELECT seq, at_ms, request_id, correlation_id, entry FROM sandbox_journal WHERE partner_id = $1 ORDER BY seq DESC LIMIT $2) AS recent
       WHERE at_ms >= $3 AND ($4::text IS NULL OR request_id = $4) AND ($5::text IS NULL OR correlation_id = $5)
       ORDER BY seq DESC LIMIT $6`,
      [partnerId, query.window, query.since, query.requestId ?? null, query.correlationId ?? null, query.limit],
    );
    return rows.map((row) => JSON.parse(row.entry) as JournalEntry);
  }

  async trimJournal(partnerId: string, keep: number, before: number): Promise<number> {
    // Rows another statement holds (two instances trimming at once, a reset) are skipped, not waited for.
    const partner = await this.#query(
      `DELETE FROM sandbox_journal WHERE seq IN (
         SELECT seq FROM sandbox_journal WHERE partner_id = $1
           AND (at_ms < $3 OR seq <= (SELECT seq FROM sandbox_journal WHERE partner_id = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1))
         FOR UPDATE SKIP LOCKED)`,
      [partnerId, keep, before],
    );
    const swept = await this.#query(
      `DELETE FROM sandbox_journal WHERE at_ms < $1 AND seq IN (SELECT seq FROM sandbox_journal ORDER BY seq LIMIT ${JOURNAL_SWEEP} FOR UPDATE SKIP LOCKED)`,
      [before],
    );
    return (partner.rowCount ?? 0) + (swept.rowCount ?? 0);
  }

  async customersWithOrders(partnerId: string): Promise<number> {
    const { rows } = await this.#query<{ customers: string }>(
      'SELECT COUNT(DISTINCT customer_id) AS customers FROM orders WHERE partner_id = $1',
      [partnerId],
    );
    return Number(rows[0]?.customers ?? 0);
  }

  async purchasedSeats(owner: Owner, productSkus: readonly string[]): Promise<Map<string, number>> {
    const skus = [...new Set(productSkus)];
    await this.#lock('owner', owner.partnerId, owner.customerId); // the seats stay as read until this transaction ends
    const { rows } = await this.#query<{ product_sku: string; quantity: string }>(
      'SELECT product_sku, quantity FROM purchased_seats WHERE partner_id = $1 AND customer_id = $2 AND product_sku = ANY($3::text[])',
      [owner.partnerId, owner.customerId, skus],
    );
    const bought = new Map(rows.map((row) => [row.product_sku, Number(row.quantity)]));
    return new Map(skus.map((sku) => [sku, bought.get(sku) ?? 0]));
  }

  async findRecordedRequest(
    partnerId: string,
    requestId: string,
    recordedSince: number,
  ): Promise<RecordedRequest | undefined> {
    await this.#lock('request', partnerId, requestId); // a retry waits for the answer being recorded
    const { rows } = await this.#query<{
      fingerprint: string;
      status: number;
      body: string;
      etag: string | null;
      recorded_at: string;
    }>(
      'SELECT fingerprint, status, body, etag, recorded_at FROM recorded_requests WHERE partner_id = $1 AND request_id = $2 AND recorded_at >= $3',
      [partnerId, requestId, recordedSince],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      fingerprint: row.fingerprint,
      status: row.status,
      body: row.body,
      ...(row.etag === null ? {} : { etag: row.etag }),
      recordedAt: Number(row.recorded_at),
    };
  }

  async recordRequest(partnerId: string, requestId: string, record: RecordedRequest): Promise<void> {
    await this.#query(
      `INSERT INTO recorded_requests (partner_id, request_id, fingerprint, status, body, etag, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (partner_id, request_id) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
         body = excluded.body, etag = excluded.etag, recorded_at = excluded.recorded_at`,
      [partnerId, requestId, record.fingerprint, record.status, record.body, record.etag ?? null, record.recordedAt],
    );
  }

  async forgetRequestsBefore(time: number): Promise<number> {
    // Rows another transaction holds (being forgotten or replaced by it) are skipped, not waited for:
    // two instances purging at once would otherwise wait for, or deadlock on, each other's rows.
    const result = await this.#query(
      `DELETE FROM recorded_requests WHERE (partner_id, request_id) IN
         (SELECT partner_id, request_id FROM recorded_requests WHERE recorded_at < $1 FOR UPDATE SKIP LOCKED)`,
      [time],
    );
    return result.rowCount ?? 0;
  }

  /** Waits for the transactions in flight, then closes every connection; later calls wait for the same. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await this.#pool.end();
    })();
    return this.#closing;
  }
}

/** Creates or migrates the schema, one instance at a time (the advisory lock waits for any other). */
async function migrate(client: PoolClient, target: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query("SET LOCAL lock_timeout = '60s'"); // another instance may be migrating: wait for it
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      version integer NOT NULL
    )`);
    const current =
      (await client.query<{ version: number }>('SELECT version FROM schema_version')).rows[0]?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new PostgresOpenError(
        `the database ${target} has schema version ${current}, newer than this server's ${SCHEMA_VERSION}; use a newer server`,
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) await client.query(MIGRATIONS[version] ?? '');
    if (current < SCHEMA_VERSION) {
      await client.query(
        'INSERT INTO schema_version (version) VALUES ($1) ON CONFLICT (one) DO UPDATE SET version = excluded.version',
        [SCHEMA_VERSION],
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

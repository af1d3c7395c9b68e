// The embedded store: SQLite through node:sqlite, WAL, one transaction per write. The schema is
// created and migrated at open; its version is kept in PRAGMA user_version.
//
// node:sqlite is synchronous and this process has one connection, but the Store interface is
// asynchronous: a transaction's work may await between its statements. So transactions are queued
// and run one at a time (writes never interleave), a transaction started inside one joins it
// (AsyncLocalStorage tells), and a read from outside waits while a transaction is open, so that it
// never sees writes that could still be rolled back. Across processes, BEGIN IMMEDIATE takes
// SQLite's write lock, which serialises them.
//
// Several processes may use one file, but a second one started by mistake (a sandbox left running in
// another terminal) should not go unnoticed: each process holds a shared lock on a small companion
// file, `<database>-processes`, for as long as its store is open, and a process that cannot take that
// file's exclusive lock for an instant at open knows that another one holds it (the start's log line
// says so). The locks are SQLite's own, which the operating system releases when a process dies, so a
// killed sandbox leaves nothing stale behind.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Cart, Order } from '../wire-types.ts';
import {
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

export interface SqliteStoreOptions {
  /** How long a write waits for another connection's lock on the file before giving up (StoreBusyError). */
  busyTimeoutMs?: number;
  /** Make the database file's folder when it does not exist (for the default location); otherwise it must exist. */
  createFolder?: boolean;
}

const SQLITE_BUSY = 5;

/** Each migration moves the schema from version N to N+1; never edit one that has shipped. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE carts (
     partner_id TEXT NOT NULL,
     customer_id TEXT NOT NULL,
     id TEXT NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (partner_id, customer_id, id)
   ) WITHOUT ROWID;
   CREATE TABLE orders (
     partner_id TEXT NOT NULL,
     customer_id TEXT NOT NULL,
     id TEXT NOT NULL,
     cart_id TEXT NOT NULL,
     order_group TEXT NOT NULL,
     created_seq INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (partner_id, customer_id, id),
     UNIQUE (partner_id, customer_id, cart_id, order_group)
   );
   CREATE INDEX orders_by_owner ON orders (partner_id, customer_id, created_seq);
   CREATE TABLE purchased_seats (
     partner_id TEXT NOT NULL,
     customer_id TEXT NOT NULL,
     product_sku TEXT NOT NULL,
     quantity INTEGER NOT NULL,
     PRIMARY KEY (partner_id, customer_id, product_sku)
   ) WITHOUT ROWID;`,
  // 2: the answers of writes that carried an MS-RequestId, replayed when the same request comes again.
  `CREATE TABLE recorded_requests (
     partner_id TEXT NOT NULL,
     request_id TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     status INTEGER NOT NULL,
     body TEXT NOT NULL,
     etag TEXT,
     recorded_at INTEGER NOT NULL,
     PRIMARY KEY (partner_id, request_id)
   ) WITHOUT ROWID;
   CREATE INDEX recorded_requests_by_age ON recorded_requests (recorded_at);`,
  // 3: carts and recorded answers in ordinary (rowid) tables. Their JSON (1 KB for a 3-line cart,
  // 30 KB for 100 lines) is too big for a WITHOUT ROWID row, which SQLite keeps in the key's B-tree:
  // most of it spilled into overflow pages, so each cart took a page of its own and each read two
  // (measured: 100,000 carts took 447 MiB, and GET slowed by a fifth from 1,000 to 100,000 carts).
  `CREATE TABLE carts_v3 (
     partner_id TEXT NOT NULL,
     customer_id TEXT NOT NULL,
     id TEXT NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (partner_id, customer_id, id)
   );
   INSERT INTO carts_v3 (partner_id, customer_id, id, body) SELECT partner_id, customer_id, id, body FROM carts;
   DROP TABLE carts;
   ALTER TABLE carts_v3 RENAME TO carts;
   CREATE TABLE recorded_requests_v3 (
     partner_id TEXT NOT NULL,
     request_id TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     status INTEGER NOT NULL,
     body TEXT NOT NULL,
     etag TEXT,
     recorded_at INTEGER NOT NULL,
     PRIMARY KEY (partner_id, request_id)
   );
   INSERT INTO recorded_requests_v3 SELECT partner_id, request_id, fingerprint, status, body, etag, recorded_at FROM recorded_requests;
   DROP TABLE recorded_requests;
   ALTER TABLE recorded_requests_v3 RENAME TO recorded_requests;
   CREATE INDEX recorded_requests_by_age ON recorded_requests (recorded_at);`,
  // 4: the cart's entity tag, computed once per write instead of hashing the cart at every read.
  `ALTER TABLE carts ADD COLUMN etag TEXT;`,
  // 5: when an order's provisioning completes (orders stored before were provisioned at checkout).
  `ALTER TABLE orders ADD COLUMN provisioned_at INTEGER NOT NULL DEFAULT 0;`,
  // 6: each partner's virtual clock (the test controls), as an offset from real time.
  `CREATE TABLE partner_clocks (partner_id TEXT PRIMARY KEY, offset_ms INTEGER NOT NULL) WITHOUT ROWID;`,
  // 7: the test controls' forced-answer rules and request journal, shared by every process on the file.
  // A rowid table each: the rowid orders rules by creation and the journal by insertion. A rule's
  // calls left and draw state are columns of their own, changed as calls consume it; the rest is the
  // rule as shown (JSON). A journal entry is kept as shown (JSON), with the columns it is found by.
  `CREATE TABLE forced_rules (
     partner_id TEXT NOT NULL,
     id TEXT NOT NULL,
     operation_id TEXT NOT NULL,
     body TEXT NOT NULL,
     remaining INTEGER NOT NULL,
     draws INTEGER,
     UNIQUE (partner_id, id)
   );
   CREATE INDEX forced_rules_by_operation ON forced_rules (partner_id, operation_id);
   CREATE TABLE sandbox_journal (
     seq INTEGER PRIMARY KEY,
     partner_id TEXT NOT NULL,
     at_ms INTEGER NOT NULL,
     request_id TEXT NOT NULL,
     correlation_id TEXT NOT NULL,
     entry TEXT NOT NULL
   );
   CREATE INDEX sandbox_journal_by_partner ON sandbox_journal (partner_id, seq);`,
  // 8: the test controls' snapshots: a copy of a partner's rows of carts, orders, purchased_seats and
  // recorded_requests (`state`, JSON: an array of rows per table, SNAPSHOT_COLUMNS) and its clock offset,
  // under a name of the partner's. A rowid table: a state is as large as the partner's data. A
  // migration that changes one of those tables must bring the states along.
  `CREATE TABLE sandbox_snapshots (
     partner_id TEXT NOT NULL,
     name TEXT NOT NULL,
     saved_at INTEGER NOT NULL,
     offset_ms INTEGER NOT NULL,
     carts INTEGER NOT NULL,
     orders INTEGER NOT NULL,
     state TEXT NOT NULL,
     PRIMARY KEY (partner_id, name)
   );`,
];

/**
 * The partner's tables a snapshot copies, with every column but partner_id (each a JSON value of
 * the row's object in `state`; TEXT and INTEGER both travel unchanged through SQLite's JSON).
 */
export const SNAPSHOT_COLUMNS = {
  carts: ['customer_id', 'id', 'body', 'etag'],
  orders: ['customer_id', 'id', 'cart_id', 'order_group', 'created_seq', 'body', 'provisioned_at'],
  purchased_seats: ['customer_id', 'product_sku', 'quantity'],
  recorded_requests: ['request_id', 'fingerprint', 'status', 'body', 'etag', 'recorded_at'],
} as const satisfies Record<string, readonly string[]>;

type SnapshotTable = keyof typeof SNAPSHOT_COLUMNS;
const SNAPSHOT_TABLES = Object.keys(SNAPSHOT_COLUMNS) as SnapshotTable[];

/** The statement that saves (or replaces) the partner's snapshot, its state read in one statement. */
function saveSnapshotSql(): string {
  const rows = (table: SnapshotTable) =>
    `'${table}', json((SELECT json_group_array(json_object(${SNAPSHOT_COLUMNS[table].map((column) => `'${column}', ${column}`).join(', ')})) FROM ${table} WHERE partner_id = :partner))`;
  // WHERE true: an upsert's SELECT needs a WHERE clause (SQLite's parsing of ON CONFLICT).
  return `INSERT INTO sandbox_snapshots (partner_id, name, saved_at, offset_ms, carts, orders, state)
    SELECT :partner, :name, :savedAt,
      COALESCE((SELECT offset_ms FROM partner_clocks WHERE partner_id = :partner), 0),
      (SELECT COUNT(*) FROM carts WHERE partner_id = :partner),
      (SELECT COUNT(*) FROM orders WHERE partner_id = :partner),
      json_object(${SNAPSHOT_TABLES.map(rows).join(', ')})
    WHERE true
    ON CONFLICT (partner_id, name) DO UPDATE SET saved_at = excluded.saved_at, offset_ms = excluded.offset_ms,
      carts = excluded.carts, orders = excluded.orders, state = excluded.state`;
}

/** The statement that copies a table's rows of the partner's snapshot back into the table. */
function restoreRowsSql(table: SnapshotTable): string {
  const columns = SNAPSHOT_COLUMNS[table];
  return `INSERT INTO ${table} (partner_id, ${columns.join(', ')})
    SELECT :partner, ${columns.map((column) => `value ->> '${column}'`).join(', ')}
    FROM json_each((SELECT state FROM sandbox_snapshots WHERE partner_id = :partner AND name = :name), '$.${table}')`;
}

interface SnapshotRow {
  name: string;
  saved_at: number;
  offset_ms: number;
  carts: number;
  orders: number;
}

function snapshotSummary(row: SnapshotRow): SnapshotSummary {
  return {
    name: row.name,
    savedAt: Number(row.saved_at),
    clockOffsetMs: Number(row.offset_ms),
    carts: Number(row.carts),
    orders: Number(row.orders),
  };
}

/** The database file cannot be used: not SQLite, its folder missing, or newer than this server. */
export class StoreOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;

interface OrderRow {
  body: string;
  provisioned_at: number;
}

function storedOrder(row: OrderRow): StoredOrder {
  return { order: JSON.parse(row.body) as Order, provisionedAt: Number(row.provisioned_at) };
}

export class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #statements;
  /** Set inside a transaction's work: its statements run at once, and nested transactions join it. */
  readonly #inTransaction = new AsyncLocalStorage<true>();
  /** The end of the queue of transactions. */
  #tail: Promise<unknown> = Promise.resolve();
  #open = false;
  /** The connection holding the shared lock on `<database>-processes` (none for `:memory:`). */
  readonly #presence: DatabaseSync | undefined;
  /** When opened, another process (or another store of this one) had the same file open. */
  readonly sharedWithAnotherProcess: boolean = false;
  /** Journal entries added in one turn of the event loop: one commit for all (tick-batch.ts). */
  readonly #journalInserts = new TickBatch<{ partnerId: string; entry: JournalEntry }, void>((items) =>
    this.#write(() => {
      for (const { partnerId, entry } of items) {
        this.#statements.addJournalEntry.run(
          partnerId,
          Date.parse(entry.at),
          entry.requestId,
          entry.correlationId,
          JSON.stringify(entry),
        );
      }
      return items.map(() => undefined);
    }, false),
  );

  /** Opens (creating if needed) the database and migrates its schema; StoreOpenError when the file cannot be used. */
  constructor(path: string, options: SqliteStoreOptions = {}) {
    if (path !== ':memory:') {
      const folder = dirname(path);
      if (!statSync(folder, { throwIfNoEntry: false })) {
        // The default data/ folder is made on first start; a folder the user named must exist.
        if (options.createFolder) mkdirSync(folder, { recursive: true });
        else throw new StoreOpenError(`the folder of the database file does not exist: ${folder}`);
      }
    }
    try {
      this.#db = new DatabaseSync(path);
      const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
      // synchronous = FULL: a write is on disk before its answer is sent, so even a power loss keeps every
      // acknowledged write. It costs an fsync per commit (measured: NORMAL would take 3-4 times more writes
      // a second); a process crash alone would not need it in WAL mode.
      this.#db.exec(
        `PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = ${busyTimeoutMs}; PRAGMA foreign_keys = ON;`,
      );
      this.#migrate();
    } catch (error) {
      if (error instanceof StoreOpenError) throw error;
      const message = (error as Error).message;
      throw new StoreOpenError(
        /not a database|file is encrypted/i.test(message)
          ? `${path} is not an SQLite database`
          : `${path} cannot be opened: ${message}`,
      );
    }
    if (path !== ':memory:') {
      const presence = announcePresence(`${path}-processes`);
      this.#presence = presence?.db;
      this.sharedWithAnotherProcess = presence?.shared ?? false;
    }
    const db = this.#db;
    this.#statements = {
      findCart: db.prepare('SELECT body, etag FROM carts WHERE partner_id = ? AND customer_id = ? AND id = ?'),
      insertCart: db.prepare('INSERT INTO carts (partner_id, customer_id, id, body, etag) VALUES (?, ?, ?, ?, ?)'),
      updateCart: db.prepare('UPDATE carts SET body = ?, etag = ? WHERE partner_id = ? AND customer_id = ? AND id = ?'),
      ordersOfCart: db.prepare(
        'SELECT order_group, body, provisioned_at FROM orders WHERE partner_id = ? AND customer_id = ? AND cart_id = ?',
      ),
      // created_seq orders one owner's orders (listOrders); numbering per owner lets MAX() use the
      // orders_by_owner index; a MAX over the whole table read every order at every checkout.
      insertOrder: db.prepare(
        `INSERT INTO orders (partner_id, customer_id, id, cart_id, order_group, created_seq, body, provisioned_at)
         VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(created_seq), 0) + 1 FROM orders WHERE partner_id = ? AND customer_id = ?), ?, ?)`,
      ),
      updateOrder: db.prepare(
        'UPDATE orders SET body = ?, provisioned_at = ? WHERE partner_id = ? AND customer_id = ? AND id = ?',
      ),
      releaseSeats: db.prepare(
        'UPDATE purchased_seats SET quantity = MAX(0, quantity - ?) WHERE partner_id = ? AND customer_id = ? AND product_sku = ?',
      ),
      customersWithOrders: db.prepare(
        'SELECT COUNT(DISTINCT customer_id) AS customers FROM orders WHERE partner_id = ?',
      ),
      addSeats: db.prepare(
        `INSERT INTO purchased_seats (partner_id, customer_id, product_sku, quantity) VALUES (?, ?, ?, ?)
         ON CONFLICT (partner_id, customer_id, product_sku) DO UPDATE SET quantity = quantity + excluded.quantity`,
      ),
      findOrder: db.prepare(
        'SELECT body, provisioned_at FROM orders WHERE partner_id = ? AND customer_id = ? AND id = ?',
      ),
      listOrders: db.prepare(
        'SELECT body, provisioned_at FROM orders WHERE partner_id = ? AND customer_id = ? ORDER BY created_seq DESC',
      ),
      purchasedSeats: db.prepare(
        'SELECT quantity FROM purchased_seats WHERE partner_id = ? AND customer_id = ? AND product_sku = ?',
      ),
      findRecordedRequest: db.prepare(
        'SELECT fingerprint, status, body, etag, recorded_at FROM recorded_requests WHERE partner_id = ? AND request_id = ? AND recorded_at >= ?',
      ),
      recordRequest: db.prepare(
        `INSERT INTO recorded_requests (partner_id, request_id, fingerprint, status, body, etag, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (partner_id, request_id) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
           body = excluded.body, etag = excluded.etag, recorded_at = excluded.recorded_at`,
      ),
      forgetRequestsBefore: db.prepare('DELETE FROM recorded_requests WHERE recorded_at < ?'),
      clockOffset: db.prepare('SELECT offset_ms FROM partner_clocks WHERE partner_id = ?'),
      setClockOffset: db.prepare(
        'INSERT INTO partner_clocks (partner_id, offset_ms) VALUES (?, ?) ON CONFLICT (partner_id) DO UPDATE SET offset_ms = excluded.offset_ms',
      ),
      advanceClockOffset: db.prepare(
        'INSERT INTO partner_clocks (partner_id, offset_ms) VALUES (?, ?) ON CONFLICT (partner_id) DO UPDATE SET offset_ms = partner_clocks.offset_ms + excluded.offset_ms',
      ),
      raiseClockOffset: db.prepare(
        `INSERT INTO partner_clocks (partner_id, offset_ms) VALUES (?, ?) ON CONFLICT (partner_id) DO UPDATE
         SET offset_ms = excluded.offset_ms WHERE partner_clocks.offset_ms <= excluded.offset_ms`,
      ),
      resetCarts: db.prepare('DELETE FROM carts WHERE partner_id = ?'),
      resetOrders: db.prepare('DELETE FROM orders WHERE partner_id = ?'),
      resetSeats: db.prepare('DELETE FROM purchased_seats WHERE partner_id = ?'),
      resetRequests: db.prepare('DELETE FROM recorded_requests WHERE partner_id = ?'),
      resetClock: db.prepare('DELETE FROM partner_clocks WHERE partner_id = ?'),
      countRules: db.prepare('SELECT COUNT(*) AS rules FROM forced_rules WHERE partner_id = ?'),
      insertRule: db.prepare(
        'INSERT INTO forced_rules (partner_id, id, operation_id, body, remaining, draws) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      rules: db.prepare('SELECT body, remaining, draws FROM forced_rules WHERE partner_id = ? ORDER BY rowid'),
      rulesOf: db.prepare(
        'SELECT body, remaining, draws FROM forced_rules WHERE partner_id = ? AND operation_id = ? ORDER BY rowid',
      ),
      updateRule: db.prepare('UPDATE forced_rules SET remaining = ?, draws = ? WHERE partner_id = ? AND id = ?'),
      deleteRule: db.prepare('DELETE FROM forced_rules WHERE partner_id = ? AND id = ?'),
      deleteRules: db.prepare('DELETE FROM forced_rules WHERE partner_id = ?'),
      addJournalEntry: db.prepare(
        'INSERT INTO sandbox_journal (partner_id, at_ms, request_id, correlation_id, entry) VALUES (?, ?, ?, ?, ?)',
      ),
      // The partner's newest `window` entries first (the journal's bound, whether trimmed yet or not), then the
      // filters.
      journalEntries: db.prepare(
        `SELECT entry FROM (SELECT seq, at_ms, request_id, correlation_id, entry FROM sandbox_journal WHERE partner_id = :partner ORDER BY seq DESC LIMIT :window)
         WHERE at_ms >= :since AND (:requestId IS NULL OR request_id = :requestId) AND (:correlationId IS NULL OR correlation_id = :correlationId)
         ORDER BY seq DESC LIMIT :limit`,
      ),
      trimPartnerJournal: db.prepare(
        `DELETE FROM sandbox_journal WHERE partner_id = :partner
           AND (at_ms < :before OR seq <= (SELECT seq FROM sandbox_journal WHERE partner_id = :partner ORDER BY seq DESC LIMIT 1 OFFSET :keep))`,
      ),
      sweepJournal: db.prepare(
        `DELETE FROM sandbox_journal WHERE at_ms < ? AND seq IN (SELECT seq FROM sandbox_journal ORDER BY seq LIMIT ${JOURNAL_SWEEP})`,
      ),
      resetJournal: db.prepare('DELETE FROM sandbox_journal WHERE partner_id = ?'),
      countSnapshots: db.prepare(
        'SELECT COUNT(*) AS snapshots, COALESCE(SUM(name = :name), 0) AS same FROM sandbox_snapshots WHERE partner_id = :partner',
      ),
      saveSnapshot: db.prepare(saveSnapshotSql()),
      findSnapshot: db.prepare(
        'SELECT name, saved_at, offset_ms, carts, orders FROM sandbox_snapshots WHERE partner_id = :partner AND name = :name',
      ),
      listSnapshots: db.prepare(
        'SELECT name, saved_at, offset_ms, carts, orders FROM sandbox_snapshots WHERE partner_id = ? ORDER BY name',
      ),
      restoreRows: Object.fromEntries(
        SNAPSHOT_TABLES.map((table) => [table, db.prepare(restoreRowsSql(table))]),
      ) as Record<SnapshotTable, StatementSync>,
      restoreClock: db.prepare(
        `INSERT INTO partner_clocks (partner_id, offset_ms)
         SELECT partner_id, offset_ms FROM sandbox_snapshots WHERE partner_id = :partner AND name = :name AND offset_ms <> 0`,
      ),
      deleteSnapshot: db.prepare('DELETE FROM sandbox_snapshots WHERE partner_id = ? AND name = ?'),
    };
  }

  #migrate(): void {
    const current = Number((this.#db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
    if (current > SCHEMA_VERSION)
      throw new StoreOpenError(
        `the database has schema version ${current}, newer than this server's ${SCHEMA_VERSION}; use a newer server`,
      );
    for (let version = current; version < SCHEMA_VERSION; version++) {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        this.#db.exec(MIGRATIONS[version] ?? '');
        this.#db.exec(`PRAGMA user_version = ${version + 1}`);
        this.#db.exec('COMMIT');
      } catch (error) {
        this.#db.exec('ROLLBACK');
        throw error;
      }
    }
  }

  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.#transaction(work, true);
  }

  /**
   * A transaction, queued. Not `durable`: its commit is not synced to disk at once (WAL with
   * synchronous NORMAL: the database stays consistent, and the next durable commit or checkpoint
   * syncs it), for writes whose loss in a power cut is acceptable and that come with every request
   * (the journal), where an fsync each would cost most of the server's throughput.
   */
  #transaction<T>(work: () => Promise<T>, durable: boolean): Promise<T> {
    if (this.#inTransaction.getStore()) return work(); // nested: part of the enclosing transaction
    const run = async (): Promise<T> => {
      // IMMEDIATE takes the write lock at once, so two processes on one file cannot interleave a checkout.
      try {
        // Executed anew each time: SQLite applies this pragma when the statement is compiled, so a
        // prepared one would do nothing when run. Read at COMMIT; set back to FULL below.
        if (!durable) this.#db.exec('PRAGMA synchronous = NORMAL');
        this.#db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        if (!durable && this.#db.isOpen) this.#db.exec('PRAGMA synchronous = FULL');
        if ((error as { errcode?: number }).errcode === SQLITE_BUSY) throw new StoreBusyError();
        throw error;
      }
      this.#open = true;
      try {
        const result = await this.#inTransaction.run(true, work);
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        this.#db.exec('ROLLBACK');
        throw error;
      } finally {
        this.#open = false;
        if (!durable) this.#db.exec('PRAGMA synchronous = FULL');
      }
    };
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** Runs a read: at once, unless a transaction is open and this read is not part of it (then after it). */
  #read<T>(statement: () => T): Promise<T> {
    if (this.#open && !this.#inTransaction.getStore()) return this.#tail.then(statement);
    try {
      return Promise.resolve(statement());
    } catch (error) {
      return Promise.reject(error instanceof Error && !this.#db.isOpen ? new Error('the store is closed') : error);
    }
  }

  /**
   * Runs a write: inside the caller's transaction, or in one of its own (`durable`: synced to disk before it resolves).
   */
  #write<T>(statements: () => T, durable = true): Promise<T> {
    return this.#transaction(async () => statements(), durable);
  }

  findCart(owner: Owner, cartId: string): Promise<StoredCart | undefined> {
    return this.#read(() => {
      const row = this.#statements.findCart.get(owner.partnerId, owner.customerId, cartId.toLowerCase()) as
        { body: string; etag: string | null } | undefined;
      if (!row) return undefined;
      const cart = JSON.parse(row.body) as Cart;
      return row.etag === null ? { cart } : { cart, etag: row.etag };
    });
  }

  insertCart(owner: Owner, stored: StoredCart): Promise<void> {
    return this.#write(() => {
      this.#statements.insertCart.run(
        owner.partnerId,
        owner.customerId,
        stored.cart.id,
        JSON.stringify(stored.cart),
        stored.etag ?? null,
      );
    });
  }

  updateCart(owner: Owner, stored: StoredCart): Promise<void> {
    return this.#write(() => {
      this.#statements.updateCart.run(
        JSON.stringify(stored.cart),
        stored.etag ?? null,
        owner.partnerId,
        owner.customerId,
        stored.cart.id,
      );
    });
  }

  ordersOfCart(owner: Owner, cartId: string): Promise<Map<string, StoredOrder>> {
    return this.#read(() => {
      const rows = this.#statements.ordersOfCart.all(
        owner.partnerId,
        owner.customerId,
        cartId,
      ) as unknown as (OrderRow & { order_group: string })[];
      return new Map(rows.map((row) => [row.order_group, storedOrder(row)]));
    });
  }

  insertOrder(owner: Owner, cartId: string, orderGroup: string, stored: StoredOrder, seats: Seats[]): Promise<void> {
    return this.#write(() => {
      const { order, provisionedAt } = stored;
      this.#statements.insertOrder.run(
        owner.partnerId,
        owner.customerId,
        order.id,
        cartId,
        orderGroup,
        owner.partnerId,
        owner.customerId,
        JSON.stringify(order),
        provisionedAt,
      );
      for (const seat of seats)
        this.#statements.addSeats.run(owner.partnerId, owner.customerId, seat.productSku, seat.quantity);
    });
  }

  updateOrder(owner: Owner, stored: StoredOrder, releasedSeats: Seats[]): Promise<void> {
    return this.#write(() => {
      this.#statements.updateOrder.run(
        JSON.stringify(stored.order),
        stored.provisionedAt,
        owner.partnerId,
        owner.customerId,
        stored.order.id,
      );
      for (const seat of releasedSeats)
        this.#statements.releaseSeats.run(seat.quantity, owner.partnerId, owner.customerId, seat.productSku);
    });
  }

  findOrder(owner: Owner, orderId: string): Promise<StoredOrder | undefined> {
    return this.#read(() => {
      const row = this.#statements.findOrder.get(owner.partnerId, owner.customerId, orderId) as unknown as
        OrderRow | undefined;
      return row ? storedOrder(row) : undefined;
    });
  }

  listOrders(owner: Owner): Promise<StoredOrder[]> {
    return this.#read(() =>
      (this.#statements.listOrders.all(owner.partnerId, owner.customerId) as unknown as OrderRow[]).map(storedOrder),
    );
  }

  customersWithOrders(partnerId: string): Promise<number> {
    return this.#read(() =>
      Number((this.#statements.customersWithOrders.get(partnerId) as { customers: number }).customers),
    );
  }

  purchasedSeats(owner: Owner, productSkus: readonly string[]): Promise<Map<string, number>> {
    return this.#read(() => {
      const seats = new Map<string, number>();
      for (const sku of new Set(productSkus)) {
        const row = this.#statements.purchasedSeats.get(owner.partnerId, owner.customerId, sku) as
          { quantity: number } | undefined;
        seats.set(sku, row ? Number(row.quantity) : 0);
      }
      return seats;
    });
  }

  findRecordedRequest(
    partnerId: string,
    requestId: string,
    recordedSince: number,
  ): Promise<RecordedRequest | undefined> {
    return this.#read(() => {
      const row = this.#statements.findRecordedRequest.get(partnerId, requestId, recordedSince) as
        { fingerprint: string; status: number; body: string; etag: string | null; recorded_at: number } | undefined;
      if (!row) return undefined;
      return {
        fingerprint: row.fingerprint,
        status: Number(row.status),
        body: row.body,
        ...(row.etag === null ? {} : { etag: row.etag }),
        recordedAt: Number(row.recorded_at),
      };
    });
  }

  recordRequest(partnerId: string, requestId: string, record: RecordedRequest): Promise<void> {
    return this.#write(() => {
      this.#statements.recordRequest.run(
        partnerId,
        requestId,
        record.fingerprint,
        record.status,
        record.body,
        record.etag ?? null,
        record.recordedAt,
      );
    });
  }

  forgetRequestsBefore(time: number): Promise<number> {
    return this.#write(() => Number(this.#statements.forgetRequestsBefore.run(time).changes));
  }

  clockOffset(partnerId: string): Promise<number> {
    return this.#read(() =>
      Number((this.#statements.clockOffset.get(partnerId) as { offset_ms: number } | undefined)?.offset_ms ?? 0),
    );
  }

  setClockOffset(partnerId: string, offsetMs: number): Promise<void> {
    return this.#write(() => void this.#statements.setClockOffset.run(partnerId, offsetMs));
  }

  advanceClockOffset(partnerId: string, byMs: number): Promise<void> {
    return this.#write(() => void this.#statements.advanceClockOffset.run(partnerId, byMs));
  }

  raiseClockOffset(partnerId: string, offsetMs: number): Promise<boolean> {
    return this.#write(() => Number(this.#statements.raiseClockOffset.run(partnerId, offsetMs).changes) > 0);
  }

  resetPartner(partnerId: string): Promise<PartnerReset> {
    return this.#write(() => {
      const s = this.#statements;
      const reset = {
        carts: Number(s.resetCarts.run(partnerId).changes),
        orders: Number(s.resetOrders.run(partnerId).changes),
        recordedRequests: Number(s.resetRequests.run(partnerId).changes),
      };
      s.resetSeats.run(partnerId);
      s.resetClock.run(partnerId);
      s.deleteRules.run(partnerId);
      s.resetJournal.run(partnerId);
      return reset;
    });
  }

  saveSnapshot(
    partnerId: string,
    name: string,
    savedAt: number,
    maxSnapshots: number,
  ): Promise<{ snapshot: SnapshotSummary; replaced: boolean } | undefined> {
    return this.#write(() => {
      const s = this.#statements;
      const key = { partner: partnerId, name };
      const counted = s.countSnapshots.get(key) as { snapshots: number; same: number };
      const replaced = Number(counted.same) > 0;
      if (!replaced && Number(counted.snapshots) >= maxSnapshots) return undefined;
      s.saveSnapshot.run({ ...key, savedAt });
      return { snapshot: snapshotSummary(s.findSnapshot.get(key) as unknown as SnapshotRow), replaced };
    });
  }

  restoreSnapshot(partnerId: string, name: string): Promise<SnapshotSummary | undefined> {
    return this.#write(() => {
      const s = this.#statements;
      const key = { partner: partnerId, name };
      const row = s.findSnapshot.get(key) as unknown as SnapshotRow | undefined;
      if (!row) return undefined;
      s.resetCarts.run(partnerId);
      s.resetOrders.run(partnerId);
      s.resetSeats.run(partnerId);
      s.resetRequests.run(partnerId);
      s.resetClock.run(partnerId);
      for (const table of SNAPSHOT_TABLES) s.restoreRows[table].run(key);
      s.restoreClock.run(key);
      return snapshotSummary(row);
    });
  }

  listSnapshots(partnerId: string): Promise<SnapshotSummary[]> {
    return this.#read(() =>
      (this.#statements.listSnapshots.all(partnerId) as unknown as SnapshotRow[]).map(snapshotSummary),
    );
  }

  deleteSnapshot(partnerId: string, name: string): Promise<boolean> {
    return this.#write(() => Number(this.#statements.deleteSnapshot.run(partnerId, name).changes) > 0);
  }

  insertRule(partnerId: string, stored: StoredRule, maxRules: number): Promise<boolean> {
    return this.#write(() => {
      const s = this.#statements;
      if (Number((s.countRules.get(partnerId) as { rules: number }).rules) >= maxRules) return false;
      // The body's `remaining` is the column's when read (it keeps its place among the keys).
      s.insertRule.run(
        partnerId,
        stored.rule.id,
        stored.rule.operationId,
        JSON.stringify(stored.rule),
        stored.rule.remaining,
        stored.draws ?? null,
      );
      return true;
    });
  }

  rules(partnerId: string, operationId?: string): Promise<StoredRule[]> {
    // SQLite's transactions run one at a time: inside one, what is read stays as read.
    return this.#read(() => {
      const rows = (operationId === undefined
        ? this.#statements.rules.all(partnerId)
        : this.#statements.rulesOf.all(partnerId, operationId)) as unknown as RuleRow[];
      return rows.map(storedRule);
    });
  }

  updateRule(partnerId: string, stored: StoredRule): Promise<void> {
    return this.#write(() => {
      if (stored.rule.remaining <= 0) this.#statements.deleteRule.run(partnerId, stored.rule.id);
      else this.#statements.updateRule.run(stored.rule.remaining, stored.draws ?? null, partnerId, stored.rule.id);
    });
  }

  deleteRules(partnerId: string): Promise<number> {
    return this.#write(() => Number(this.#statements.deleteRules.run(partnerId).changes));
  }

  addJournalEntry(partnerId: string, entry: JournalEntry): Promise<void> {
    if (!this.#inTransaction.getStore()) return this.#journalInserts.add({ partnerId, entry });
    return this.#write(
      () =>
        void this.#statements.addJournalEntry.run(
          partnerId,
          Date.parse(entry.at),
          entry.requestId,
          entry.correlationId,
          JSON.stringify(entry),
        ),
    );
  }

  journalEntries(partnerId: string, query: JournalQuery): Promise<JournalEntry[]> {
    return this.#read(() => {
      const rows = this.#statements.journalEntries.all({
        partner: partnerId,
        window: query.window,
        since: query.since,
        requestId: query.requestId ?? null,
        correlationId: query.correlationId ?? null,
        limit: query.limit,
      }) as unknown as { entry: string }[];
      return rows.map((row) => JSON.parse(row.entry) as JournalEntry);
    });
  }

  trimJournal(partnerId: string, keep: number, before: number): Promise<number> {
    return this.#write(() => {
      const s = this.#statements;
      return (
        Number(s.trimPartnerJournal.run({ partner: partnerId, before, keep }).changes) +
        Number(s.sweepJournal.run(before).changes)
      );
    }, false);
  }

  /** The file is opened in process: it answers as long as the store is open. */
  ping(): Promise<void> {
    return this.#read(() => void this.#db.prepare('SELECT 1').get());
  }

  /** Closes the database once the queued transactions have finished. */
  async close(): Promise<void> {
    await this.#tail;
    if (this.#db.isOpen) this.#db.close();
    if (this.#presence?.isOpen) this.#presence.close();
  }
}

/**
 * Opens the companion file and holds a shared lock on it (a read transaction left open: in its
 * rollback-journal mode, SQLite keeps a SHARED lock for the whole transaction); `shared` says whether
 * its EXCLUSIVE lock, tried once without waiting, was refused because another connection holds the
 * file. The file is never removed: a process that still holds it would then be invisible to the next.
 * Undefined when the file cannot be used (a read-only folder, ...): this check never stops a start.
 */
function announcePresence(path: string): { db: DatabaseSync; shared: boolean } | undefined {
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(path);
    db.exec('PRAGMA busy_timeout = 0');
    let shared = false;
    try {
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS presence (note TEXT)');
      db.exec('COMMIT');
    } catch (error) {
      if ((error as { errcode?: number }).errcode !== SQLITE_BUSY) throw error;
      shared = true;
    }
    // The other process may be between its BEGIN EXCLUSIVE and COMMIT: wait for it, briefly.
    db.exec('PRAGMA busy_timeout = 2000');
    db.exec('BEGIN');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return { db, shared };
  } catch {
    if (db?.isOpen) db.close();
    return undefined;
  }
}

// The store contract (store-contract.ts) on PostgreSQL, a real one the tests start themselves
// (server/test/postgres.ts), and what only a networked store has to get right: several instances
// on one database (schema created once, their writes never interleaving), lock timeouts, and a
// database that cannot be reached (one-line messages without the password, 503-able errors, and
// recovery without reopening the store).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { freePort, freshDatabaseUrl, tcpProxy } from '../test/postgres.ts';
import { DatabaseUnavailableError, PostgresOpenError, PostgresStore, SCHEMA_VERSION } from './postgres.ts';
import { cart, describeStoreContract, owner, storedOrder } from './store-contract.ts';
import { StoreBusyError } from './store.ts';

/** A password the messages must never show. */
const SECRET = 'n0t-to-be-sh0wn';

describeStoreContract('PostgreSQL', async () => PostgresStore.open(await freshDatabaseUrl()));

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `work` on a connection of its own to the database (another session than the store's). */
async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('PostgreSQL store', () => {
  it('creates the schema once when three stores open a fresh database at the same moment', async () => {
    const url = await freshDatabaseUrl();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresStore.open(url)));
    try {
      const shared = cart();
      await stores[0]!.insertCart(owner, { cart: shared, etag: '"a"' });
      assert.ok(await stores[2]!.findCart(owner, shared.id), 'one database for all three');
      const versions = await withClient(
        url,
        async (client) => (await client.query('SELECT version FROM schema_version')).rows,
      );
      assert.deepEqual(versions, [{ version: SCHEMA_VERSION }]);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
    await (await PostgresStore.open(url)).close(); // and opens again, migrating nothing
  });

  it('refuses a database whose schema is newer than this server', async () => {
    const url = await freshDatabaseUrl();
    await (await PostgresStore.open(url)).close();
    await withClient(url, (client) => client.query('UPDATE schema_version SET version = 99'));
    await assert.rejects(PostgresStore.open(url), (error: Error) => {
      assert.ok(error instanceof PostgresOpenError);
      assert.match(error.message, new RegExp(`schema version 99, newer than this server's ${SCHEMA_VERSION}`));
      assert.ok(!error.message.includes('test-password'));
      return true;
    });
  });

  describe('two stores on one database (two instances)', () => {
    let url: string;
    let stores: PostgresStore[];
    beforeEach(async () => {
      url = await freshDatabaseUrl();
      stores = await Promise.all([PostgresStore.open(url), PostgresStore.open(url)]);
    });
    afterEach(() => Promise.all(stores.map((store) => store.close())));

    it('concurrent read-change-writes of one cart lose no change', async () => {
      const shared = cart(0);
      await stores[0]!.insertCart(owner, { cart: shared, etag: '"0"' });
      const increment = (store: PostgresStore) =>
        store.transaction(async () => {
          const stored = await store.findCart(owner, shared.id);
          assert.ok(stored);
          await tick();
          const line = stored.cart.lineItems[0]!;
          await store.updateCart(owner, {
            cart: { ...stored.cart, lineItems: [{ ...line, quantity: line.quantity + 1 }] },
            etag: '"n"',
          });
        });
      await Promise.all(Array.from({ length: 20 }, (_, i) => increment(stores[i % 2]!)));
      assert.equal((await stores[1]!.findCart(owner, shared.id))?.cart.lineItems[0]?.quantity, 20);
    });

    it("checks seats against every order committed before: one seat left is sold once (the owner's lock)", async () => {
      const buyOneSeat = (store: PostgresStore) =>
        store.transaction(async () => {
          const bought = (await store.purchasedSeats(owner, ['p:s'])).get('p:s') ?? 0;
          await tick();
          if (bought < 1)
            await store.insertOrder(owner, randomUUID(), '0', storedOrder(), [{ productSku: 'p:s', quantity: 1 }]);
        });
      await Promise.all(Array.from({ length: 10 }, (_, i) => buyOneSeat(stores[i % 2]!)));
      assert.equal((await stores[0]!.purchasedSeats(owner, ['p:s'])).get('p:s'), 1);
      assert.equal((await stores[0]!.listOrders(owner)).length, 1);
    });

    it('a retry of a request still being written waits for its recorded answer instead of writing again', async () => {
      const written: string[] = [];
      const write = (store: PostgresStore) =>
        store.transaction(async () => {
          if (await store.findRecordedRequest(owner.partnerId, 'r-1', 0)) return;
          await tick();
          const made = cart();
          await store.insertCart(owner, { cart: made, etag: '"r"' });
          await store.recordRequest(owner.partnerId, 'r-1', {
            fingerprint: 'f',
            status: 201,
            body: '{}',
            recordedAt: Date.now(),
          });
          written.push(made.id);
        });
      await Promise.all(Array.from({ length: 6 }, (_, i) => write(stores[i % 2]!)));
      assert.equal(written.length, 1);
    });

    it('numbers the owner’s orders in one sequence across instances, newest first', async () => {
      const orders = Array.from({ length: 8 }, () => storedOrder());
      await Promise.all(orders.map((made, i) => stores[i % 2]!.insertOrder(owner, randomUUID(), '0', made, [])));
      const seqs = await withClient(url, async (client) =>
        (await client.query('SELECT created_seq FROM orders ORDER BY created_seq')).rows.map((row) =>
          Number(row.created_seq),
        ),
      );
      assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7, 8]);
    });
  });

  it('a lock held past lockTimeoutMs gives StoreBusyError, and the transaction changes nothing', async () => {
    const url = await freshDatabaseUrl();
    const store = await PostgresStore.open(url, { lockTimeoutMs: 200 });
    const held = cart();
    const other = cart();
    try {
      await store.insertCart(owner, { cart: held, etag: '"1"' });
      await withClient(url, async (holder) => {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM carts WHERE id = $1 FOR UPDATE', [held.id]);
        const started = performance.now();
        await assert.rejects(
          store.transaction(async () => {
            await store.insertCart(owner, { cart: other, etag: '"2"' });
            await store.findCart(owner, held.id);
          }),
          StoreBusyError,
        );
        const waited = performance.now() - started;
        assert.ok(waited >= 150 && waited < 3000, `waited ${waited} ms`);
        await assert.rejects(
          store.updateCart(owner, { cart: { ...held, status: 'Ordered' }, etag: '"x"' }),
          StoreBusyError,
          'a write outside a transaction waits no longer',
        );
        await holder.query('ROLLBACK');
      });
      assert.equal(await store.findCart(owner, other.id), undefined);
      assert.deepEqual(await store.findCart(owner, held.id), { cart: held, etag: '"1"' });
    } finally {
      await store.close();
    }
  });

  describe('a database that cannot be reached', () => {
    const oneLine = (error: Error, expected: string): true => {
      assert.ok(error instanceof PostgresOpenError, String(error));
      assert.equal(error.message, expected);
      assert.ok(!error.message.includes(SECRET) && !error.message.includes('\n'));
      return true;
    };

    it('open names user, host, port and database on one line, never the password', async () => {
      const port = await freePort();
      await assert.rejects(PostgresStore.open(`postgres://cart:${SECRET}@127.0.0.1:${port}/sandbox`), (error: Error) =>
        oneLine(error, `cannot connect to postgres://cart@127.0.0.1:${port}/sandbox: connection refused`),
      );
      const wrongPassword = new URL(await freshDatabaseUrl());
      wrongPassword.password = SECRET;
      await assert.rejects(PostgresStore.open(wrongPassword.href), (error: Error) =>
        oneLine(
          error,
          `cannot connect to postgres://postgres@127.0.0.1:${wrongPassword.port}${wrongPassword.pathname}: password authentication failed for user "postgres"`,
        ),
      );
    });

    it('a malformed URL is said so on one line, without the password', async () => {
      const expected = (shown: string) =>
        `not a valid PostgreSQL URL: ${shown} (expected postgres://user:password@host:5432/database)`;
      await assert.rejects(PostgresStore.open(`postgres://cart:${SECRET}@127.0.0.1:notaport/sandbox`), (error: Error) =>
        oneLine(error, expected('postgres://cart@127.0.0.1:notaport/sandbox')),
      );
      await assert.rejects(
        PostgresStore.open(`mysql://cart:${SECRET}@db.example/sandbox?password=${SECRET}`),
        (error: Error) => oneLine(error, expected('mysql://cart@db.example/sandbox')),
      );
      await assert.rejects(PostgresStore.open(`cart:${SECRET}@db.example`), (error: Error) =>
        oneLine(error, expected('cart@db.example')),
      );
    });

    it('a store whose database goes away answers DatabaseUnavailableError, and works again when it is back, without reopening', async () => {
      const url = new URL(await freshDatabaseUrl());
      const proxy = await tcpProxy(Number(url.port));
      url.port = String(proxy.port);
      const store = await PostgresStore.open(url.href, { connectTimeoutMs: 2000 });
      try {
        const kept = cart();
        await store.insertCart(owner, { cart: kept, etag: '"k"' });
        await proxy.down();
        await assert.rejects(store.findCart(owner, kept.id), DatabaseUnavailableError);
        await assert.rejects(
          store.transaction(() => store.insertCart(owner, { cart: cart(), etag: '"l"' })),
          DatabaseUnavailableError,
        );
        await assert.rejects(store.listOrders(owner), /the database cannot be reached: connection refused/);
        await proxy.up();
        assert.ok(await store.findCart(owner, kept.id));
        await store.transaction(() => store.insertCart(owner, { cart: cart(), etag: '"m"' }));
      } finally {
        await store.close();
        await proxy.down();
      }
    });

    it('a transaction whose connection the server ends fails with DatabaseUnavailableError and commits nothing', async () => {
      const url = await freshDatabaseUrl();
      const store = await PostgresStore.open(url);
      const lost = cart();
      try {
        await assert.rejects(
          store.transaction(async () => {
            await store.insertCart(owner, { cart: lost, etag: '"t"' });
            // Every session of the store's (idle in the pool, or in this transaction) is ended, as an administrator's
            // shutdown would.
            await withClient(url, (admin) =>
              admin.query(
                'SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
              ),
            );
            await store.findCart(owner, lost.id);
          }),
          DatabaseUnavailableError,
        );
        assert.equal(
          await store.findCart(owner, lost.id),
          undefined,
          'a new connection, and nothing of the transaction',
        );
        await store.insertCart(owner, { cart: lost, etag: '"t"' });
        assert.ok(await store.findCart(owner, lost.id));
      } finally {
        await store.close();
      }
    });
  });
});

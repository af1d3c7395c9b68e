// Carts and orders survive a restart; the schema is versioned; and every response is checked
// against the spec outside production (a response that breaks the contract becomes a 500).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pino from 'pino';
import { startServer } from '../start.ts';
import { MIGRATIONS, SCHEMA_VERSION, SqliteStore } from '../store/sqlite.ts';
import type { Cart } from '../wire-types.ts';
import {
  cartPath,
  cartsPath,
  checkoutPath,
  e5Line,
  ordersPath,
  TestServer,
  testConfig,
  token,
  PARTNER,
} from './harness.ts';

describe('persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-db-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('create, update, check out, restart the server, read: everything is still there', async () => {
    const databasePath = join(dir, 'sandbox.db');
    const first = await new TestServer({ databasePath }).start();
    const created = (await first.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } })).body;
    await first.call('PUT', cartPath(created.id), { body: { lineItems: [e5Line(4)] } });
    const checkout = (await first.call('POST', checkoutPath(created.id))).body;
    const cartBefore = (await first.call('GET', cartPath(created.id))).body;
    await first.stop();

    const second = await new TestServer({ databasePath }).start();
    try {
      assert.deepEqual((await second.call('GET', cartPath(created.id))).body, cartBefore);
      assert.equal(cartBefore.status, 'Ordered');
      assert.equal(cartBefore.lineItems[0].quantity, 4);
      const orders = (await second.call('GET', `${ordersPath()}?include_price=true`)).body;
      assert.deepEqual(orders.items, checkout.orders);
      // Checking out again after the restart still returns the same orders, and makes none.
      assert.deepEqual((await second.call('POST', checkoutPath(created.id))).body.orders, checkout.orders);
    } finally {
      await second.stop();
    }
  });

  it('migrates a file of an older schema version, keeping every cart and recorded answer', async () => {
    const databasePath = join(dir, 'older.db');
    const old = new DatabaseSync(databasePath);
    old.exec(`${MIGRATIONS[0]}; ${MIGRATIONS[1]}; PRAGMA user_version = 2;`);
    const owner = { partnerId: PARTNER, customerId: '00000000-0000-4000-8000-000000000001' };
    const cart = { id: '00000000-0000-4000-8000-0000000000c1', lineItems: [], status: 'Active' };
    old
      .prepare('INSERT INTO carts (partner_id, customer_id, id, body) VALUES (?, ?, ?, ?)')
      .run(owner.partnerId, owner.customerId, cart.id, JSON.stringify(cart));
    old
      .prepare('INSERT INTO recorded_requests VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(PARTNER, 'request-1', 'fingerprint', 201, '{"a":1}', '"tag"', 1000);
    old.close();

    const store = new SqliteStore(databasePath);
    try {
      assert.deepEqual(
        await store.findCart(owner, cart.id),
        { cart },
        'a cart stored before entity tags were kept has none',
      );
      assert.deepEqual(await store.findRecordedRequest(PARTNER, 'request-1', 0), {
        fingerprint: 'fingerprint',
        status: 201,
        body: '{"a":1}',
        etag: '"tag"',
        recordedAt: 1000,
      });
    } finally {
      await store.close();
    }
    const db = new DatabaseSync(databasePath);
    try {
      assert.equal(
        Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version),
        SCHEMA_VERSION,
      );
      assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    } finally {
      db.close();
    }
  });

  it('records the schema version in the database file', async () => {
    const databasePath = join(dir, 'sandbox.db');
    await (await new TestServer({ databasePath }).start()).stop();
    const db = new DatabaseSync(databasePath);
    try {
      assert.equal(
        Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version),
        SCHEMA_VERSION,
      );
      assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    } finally {
      db.close();
    }
  });
});

describe('response validation', () => {
  it('turns a response that breaks the contract into a 500 with the error body', async () => {
    // A store that gives back a cart without its required properties: the validator must catch it.
    const store = new SqliteStore(':memory:');
    store.findCart = async () => ({ cart: { lineItems: [] } as unknown as Cart, etag: '"x"' });
    const server = await startServer(testConfig(), { store, logger: pino({ level: 'silent' }) });
    try {
      const response = await fetch(`${server.url}${cartPath('b4c8fdea-cbe4-4d17-9576-13fcacbf9605')}`, {
        headers: { authorization: `Bearer ${await token(PARTNER)}` },
      });
      assert.equal(response.status, 500);
      const body = (await response.json()) as { code: number };
      assert.equal(body.code, 800003);
    } finally {
      await server.stop();
    }
  });
});

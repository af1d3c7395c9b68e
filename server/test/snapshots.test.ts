// The test controls' snapshots through HTTP (openapi/sandbox-controls.yaml, tag Snapshots): a partner
// saves its state under a name, changes it, and restores it: carts with their ETags, orders as the
// restored clock makes them, recorded answers (a retry of a request before the save replays, one after
// it runs again) and the clock. Unknown and bad names are refused with Partner Center's error body and
// change nothing; a reset keeps the snapshots; another partner sees none of them. And a database of
// each store's schema before snapshots upgrades, keeping what it had.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as postgres from '../store/postgres.ts';
import * as sqlite from '../store/sqlite.ts';
import { cart, owner, storedOrder, storedRule } from '../store/store-contract.ts';
import type { Store } from '../store/store.ts';
import {
  cartPath,
  cartsPath,
  checkoutPath,
  e5Line,
  orderPath,
  ordersPath,
  OTHER_PARTNER,
  PARTNER,
  token,
  type TestServer,
} from './harness.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';
import { assertPostgresCurrent, assertSqliteCurrent, oldPostgresDatabase, oldSqliteFile } from './old-schemas.ts';
import { freshDatabaseUrl } from './postgres.ts';

const DAY = 24 * 60 * 60 * 1000;

/**
 * The flow of the issue: a baseline (a cart, an order being provisioned, the clock 2 days ahead) saved,
 * then changed every way, then restored, and checked as a user would.
 */
async function saveChangeRestore(server: TestServer): Promise<void> {
  const snapshot = (name: string) => `/sandbox/snapshots/${name}`;
  await server.call('POST', '/sandbox/clock/advance', { body: { by: 'P2D' } });
  const createBody = { lineItems: [e5Line(1)] };
  const kept = await server.call('POST', cartsPath(), { body: createBody, headers: { 'MS-RequestId': 'snap-kept' } });
  const ordered = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(2)] } });
  const [pending] = (await server.call('POST', checkoutPath(ordered.body.id))).body.orders;
  assert.equal(pending.status, 'pending', 'provisioning takes 60 s of the partner clock');
  const keptBefore = await server.call('GET', cartPath(kept.body.id));

  const saved = await server.call('PUT', snapshot('baseline'));
  assert.equal(saved.status, 201, JSON.stringify(saved.body));
  assert.deepEqual(Object.keys(saved.body).sort(), ['carts', 'clock', 'name', 'orders', 'savedAt']);
  assert.deepEqual([saved.body.name, saved.body.carts, saved.body.orders], ['baseline', 2, 1]);
  assert.ok(Math.abs(Date.parse(saved.body.savedAt) - Date.now()) < 5000, 'savedAt is real time');
  assert.equal(Date.parse(saved.body.clock) - Date.parse(saved.body.savedAt), 2 * DAY, "clock is the partner's time");
  assert.deepEqual((await server.call('GET', '/sandbox/snapshots')).body, { totalCount: 1, items: [saved.body] });

  // Changes: the kept cart updated, a new cart, a second order, provisioning completed, a new recorded answer.
  const updated = await server.call('PUT', cartPath(kept.body.id), { body: { lineItems: [e5Line(3)] } });
  assert.notEqual(updated.headers.get('etag'), keptBefore.headers.get('etag'));
  const madeAfter = await server.call('POST', cartsPath(), {
    body: { lineItems: [e5Line(1)] },
    headers: { 'MS-RequestId': 'snap-after' },
  });
  const [orderedAfter] = (await server.call('POST', checkoutPath(kept.body.id))).body.orders;
  await server.call('POST', '/sandbox/clock/advance', { body: { by: 'P1D' } });
  assert.equal((await server.call('GET', orderPath(pending.id))).body.status, 'completed');

  const restored = await server.call('POST', `${snapshot('baseline')}/restore`);
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  assert.deepEqual(restored.body, saved.body);

  const keptAfter = await server.call('GET', cartPath(kept.body.id));
  assert.equal(keptAfter.status, 200);
  assert.equal(keptAfter.headers.get('etag'), keptBefore.headers.get('etag'), 'the same ETag');
  assert.deepEqual(keptAfter.body, keptBefore.body);
  assert.equal((await server.call('GET', cartPath(madeAfter.body.id))).status, 404, 'the cart made since is gone');
  const gone = await server.call('GET', orderPath(orderedAfter.id));
  assert.equal(gone.status, 404, 'the order made since is gone');
  assertErrorBody(gone.body, 20000);
  const orders = (await server.call('GET', ordersPath())).body;
  assert.deepEqual(
    orders.items.map((order: { id: string }) => order.id),
    [pending.id],
  );
  assert.equal(orders.items[0].status, 'pending', 'provisioning is as the restored clock makes it');
  const clock = (await server.call('GET', '/sandbox/clock')).body;
  assert.equal(clock.offsetMs, 2 * DAY, 'the clock is back');
  // The cart can be changed with the ETag it had (If-Match), as before the save.
  const changed = await server.call('PUT', cartPath(kept.body.id), {
    body: { lineItems: [e5Line(4)] },
    headers: { 'If-Match': keptBefore.headers.get('etag')! },
  });
  assert.equal(changed.status, 201, JSON.stringify(changed.body));

  // Recorded answers: a retry of a request before the save replays; one after it runs again.
  const retriedBefore = await server.call('POST', cartsPath(), {
    body: createBody,
    headers: { 'MS-RequestId': 'snap-kept' },
  });
  assert.equal(retriedBefore.headers.get('idempotent-replayed'), 'true');
  assert.equal(retriedBefore.body.id, kept.body.id);
  const retriedAfter = await server.call('POST', cartsPath(), {
    body: { lineItems: [e5Line(1)] },
    headers: { 'MS-RequestId': 'snap-after' },
  });
  assert.equal(retriedAfter.status, 201);
  assert.equal(retriedAfter.headers.get('idempotent-replayed'), null);
  assert.notEqual(retriedAfter.body.id, madeAfter.body.id);
}

describe('test controls: snapshots', () => {
  const server = useTestServer({ provisioningDelayMs: 60_000 });
  let other: Record<string, string>;
  before(async () => {
    other = { authorization: `Bearer ${await token(OTHER_PARTNER)}` };
  });
  // The server's reset before each test keeps snapshots (as it should): each test starts without any.
  beforeEach(async () => {
    for (const headers of [{}, other]) {
      for (const { name } of (await server.call('GET', '/sandbox/snapshots', { headers })).body.items)
        await server.call('DELETE', `/sandbox/snapshots/${name}`, { headers });
    }
  });

  const snapshot = (name: string) => `/sandbox/snapshots/${name}`;

  it('save, change, restore: the cart has its body and ETag back, the order made since is gone, the clock is back', () =>
    saveChangeRestore(server));

  it('saving under a name already used replaces it (200, not 201); delete is 204, then 404', async () => {
    assert.equal((await server.call('PUT', snapshot('Base_1.v-2'))).status, 201);
    await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const again = await server.call('PUT', snapshot('Base_1.v-2'));
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.carts, 1);
    assert.equal((await server.call('PUT', snapshot('a-second'))).status, 201);
    assert.deepEqual(
      (await server.call('GET', '/sandbox/snapshots')).body.items.map((item: { name: string }) => item.name),
      ['Base_1.v-2', 'a-second'],
      "by name, in the order of the characters' codes",
    );
    const deleted = await server.call('DELETE', snapshot('Base_1.v-2'));
    assert.equal(deleted.status, 204);
    assert.equal(deleted.body, undefined);
    const deletedAgain = await server.call('DELETE', snapshot('Base_1.v-2'));
    assert.equal(deletedAgain.status, 404);
    assertErrorBody(deletedAgain.body, 404);
    assert.equal((await server.call('GET', '/sandbox/snapshots')).body.totalCount, 1);
  });

  it("an unknown name is 404 with Partner Center's error body, and nothing changes", async () => {
    const made = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    await server.call('POST', '/sandbox/clock/advance', { body: { by: 'P1D' } });
    await server.call('PUT', snapshot('known'));
    const reply = await server.call('POST', `${snapshot('unknown')}/restore`);
    assert.equal(reply.status, 404);
    assertErrorBody(reply.body, 404);
    assert.match(reply.body.description, /no snapshot named unknown/);
    assert.equal((await server.call('GET', cartPath(made.body.id))).status, 200);
    assert.equal((await server.call('GET', '/sandbox/clock')).body.offsetMs, DAY);
    assert.equal((await server.call('GET', '/sandbox/snapshots')).body.totalCount, 1);
  });

  it('a bad name is 400 naming path.name, with the error body, and nothing is saved or restored', async () => {
    await server.call('PUT', snapshot('kept'));
    const made = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    for (const name of ['has%20space', '-leading-dash', '.hidden', 'x'.repeat(65), 'caf%C3%A9', 'semi%3Bcolon']) {
      for (const [method, path] of [
        ['PUT', snapshot(name)],
        ['POST', `${snapshot(name)}/restore`],
        ['DELETE', snapshot(name)],
      ] as const) {
        const reply = await server.call(method, path);
        assert.equal(reply.status, 400, `${method} ${path}: ${JSON.stringify(reply.body)}`);
        assertErrorBody(reply.body, 800002);
        assert.ok(
          reply.body.data.some((entry: string) => entry.startsWith('path.name: ')),
          JSON.stringify(reply.body.data),
        );
      }
    }
    assert.equal((await server.call('PUT', snapshot('x'.repeat(64)))).status, 201, '64 characters are fine');
    assert.deepEqual(
      (await server.call('GET', '/sandbox/snapshots')).body.items.map((item: { name: string }) => item.name),
      ['kept', 'x'.repeat(64)],
    );
    assert.equal((await server.call('GET', cartPath(made.body.id))).status, 200);
  });

  it('a partner keeps at most 20: a 21st name is refused with 400 and nothing saved; a used name still replaces', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await server.call('PUT', snapshot(`s${i}`))).status, 201);
    const refused = await server.call('PUT', snapshot('s20'));
    assert.equal(refused.status, 400);
    assertErrorBody(refused.body, 800002);
    assert.match(refused.body.description, /at most 20 snapshots/);
    assert.deepEqual(refused.body.data, ['path.name: at most 20 snapshots per partner']);
    assert.equal((await server.call('GET', '/sandbox/snapshots')).body.totalCount, 20);
    assert.equal((await server.call('PUT', snapshot('s7'))).status, 200);
    assert.equal((await server.call('PUT', snapshot('s20'), { headers: other })).status, 201, "another's count");
  });

  it('a reset keeps the snapshots: reset, then restore, brings the baseline back', async () => {
    const made = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    await server.call('POST', checkoutPath(made.body.id));
    await server.call('PUT', snapshot('baseline'));
    assert.deepEqual((await server.call('POST', '/sandbox/reset')).body, { carts: 1, orders: 1, recordedRequests: 0 });
    assert.equal((await server.call('GET', '/sandbox/snapshots')).body.totalCount, 1);
    assert.equal((await server.call('POST', `${snapshot('baseline')}/restore`)).status, 200);
    assert.equal((await server.call('GET', cartPath(made.body.id))).body.status, 'Ordered');
    assert.equal((await server.call('GET', ordersPath())).body.totalCount, 1);
  });

  it('rules and the journal are not part of a snapshot: a restore leaves them as they are', async () => {
    await server.call('PUT', snapshot('baseline'));
    await server.call('POST', '/sandbox/rules', {
      body: { operationId: 'listOrders', times: 2, effect: { type: 'status', status: 500 } },
    });
    await server.call('GET', ordersPath(), { headers: { 'MS-RequestId': 'snap-journal-1' } });
    await server.call('POST', `${snapshot('baseline')}/restore`);
    const rules = (await server.call('GET', '/sandbox/rules')).body;
    assert.deepEqual([rules.totalCount, rules.items[0]?.remaining], [1, 1], 'the rule, with the calls it has left');
    assert.equal((await server.call('GET', '/sandbox/journal?requestId=snap-journal-1')).body.totalCount, 1);
  });

  it('another partner neither sees, restores nor deletes it, and its own of the same name is its own', async () => {
    const mine = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    await server.call('PUT', snapshot('baseline'));
    assert.deepEqual((await server.call('GET', '/sandbox/snapshots', { headers: other })).body, {
      totalCount: 0,
      items: [],
    });
    for (const [method, path] of [
      ['POST', `${snapshot('baseline')}/restore`],
      ['DELETE', snapshot('baseline')],
    ] as const) {
      const reply = await server.call(method, path, { headers: other });
      assert.equal(reply.status, 404, `${method} ${path}`);
      assertErrorBody(reply.body, 404);
    }
    const theirs = await server.call('PUT', snapshot('baseline'), { headers: other });
    assert.equal(theirs.status, 201);
    assert.equal(theirs.body.carts, 0);
    await server.call('POST', `${snapshot('baseline')}/restore`, { headers: other });
    assert.equal((await server.call('GET', cartPath(mine.body.id))).status, 200, "another's restore leaves mine");
    const listed = (await server.call('GET', '/sandbox/snapshots')).body;
    assert.deepEqual([listed.totalCount, listed.items[0].carts], [1, 1]);
    const anonymous = await server.call('GET', '/sandbox/snapshots', { headers: { authorization: null } });
    assert.equal(anonymous.status, 401);
    assertErrorBody(anonymous.body, 800001);
  });
});

describe('test controls: snapshots on PostgreSQL', function () {
  this.timeout(60_000);
  let databaseUrl = '';
  before(async () => {
    databaseUrl = await freshDatabaseUrl();
  });
  const server = useTestServer(() => ({ provisioningDelayMs: 60_000, databaseUrl }));

  it('save, change, restore through the API, as on SQLite', () => saveChangeRestore(server));
});

describe('snapshots with the test controls switched off', () => {
  const server = useTestServer({ sandboxControls: false });

  it('their paths answer 404 like any unknown route', async () => {
    for (const [method, path] of [
      ['GET', '/sandbox/snapshots'],
      ['PUT', '/sandbox/snapshots/baseline'],
      ['POST', '/sandbox/snapshots/baseline/restore'],
      ['DELETE', '/sandbox/snapshots/baseline'],
    ] as const) {
      const reply = await server.call(method, path);
      assert.equal(reply.status, 404, `${method} ${path}`);
      assertErrorBody(reply.body, 404);
    }
  });
});

/** What an upgraded store must still have, and what it must now do: save, change and restore. */
async function assertUpgraded(store: Store, cartId: string, orderId: string): Promise<void> {
  const keptCart = await store.findCart(owner, cartId);
  assert.deepEqual(keptCart?.etag, '"v"', 'the cart stored before the upgrade is kept');
  assert.equal((await store.findOrder(owner, orderId))?.provisionedAt, 1_795_000_060_000, 'and the order');
  assert.equal((await store.purchasedSeats(owner, ['p:s'])).get('p:s'), 4, 'and the seats');
  assert.equal((await store.findRecordedRequest(owner.partnerId, 'before-upgrade', 0))?.etag, '"v"');
  assert.equal(await store.clockOffset(owner.partnerId), 5000, 'and the clock');
  assert.equal((await store.rules(owner.partnerId)).length, 1, 'and the rule');
  assert.deepEqual(await store.listSnapshots(owner.partnerId), []);
  const saved = await store.saveSnapshot(owner.partnerId, 'after-upgrade', 1_795_000_000_000, 20);
  assert.deepEqual(saved?.snapshot, {
    name: 'after-upgrade',
    savedAt: 1_795_000_000_000,
    clockOffsetMs: 5000,
    carts: 1,
    orders: 1,
  });
  await store.resetPartner(owner.partnerId);
  await store.restoreSnapshot(owner.partnerId, 'after-upgrade');
  assert.deepEqual(await store.findCart(owner, cartId), keptCart);
  assert.equal((await store.purchasedSeats(owner, ['p:s'])).get('p:s'), 4);
  assert.equal(await store.clockOffset(owner.partnerId), 5000);
}

describe('a database of the schema before snapshots upgrades', function () {
  this.timeout(60_000);
  const kept = cart();
  const order = storedOrder(undefined, 1_795_000_060_000);
  const rule = storedRule();

  it('SQLite: from version 7, keeping its carts, orders, seats, recorded answers, clocks and rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapshots-upgrade-'));
    try {
      const path = oldSqliteFile(dir, 7, (old) => {
        old
          .prepare('INSERT INTO carts (partner_id, customer_id, id, body, etag) VALUES (?, ?, ?, ?, ?)')
          .run(owner.partnerId, owner.customerId, kept.id, JSON.stringify(kept), '"v"');
        old
          .prepare(
            `INSERT INTO orders (partner_id, customer_id, id, cart_id, order_group, created_seq, body, provisioned_at)
             VALUES (?, ?, ?, ?, '0', 1, ?, ?)`,
          )
          .run(
            owner.partnerId,
            owner.customerId,
            order.order.id,
            kept.id,
            JSON.stringify(order.order),
            order.provisionedAt,
          );
        old.prepare('INSERT INTO purchased_seats VALUES (?, ?, ?, ?)').run(owner.partnerId, owner.customerId, 'p:s', 4);
        old
          .prepare('INSERT INTO recorded_requests VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(owner.partnerId, 'before-upgrade', 'f', 201, '{}', '"v"', 1000);
        old.prepare('INSERT INTO partner_clocks VALUES (?, ?)').run(owner.partnerId, 5000);
        old
          .prepare('INSERT INTO forced_rules (partner_id, id, operation_id, body, remaining) VALUES (?, ?, ?, ?, ?)')
          .run(owner.partnerId, rule.rule.id, rule.rule.operationId, JSON.stringify(rule.rule), rule.rule.remaining);
      });
      const store = new sqlite.SqliteStore(path);
      try {
        await assertUpgraded(store, kept.id, order.order.id);
      } finally {
        await store.close();
      }
      assertSqliteCurrent(path, (db) => {
        // A snapshot copies every column of the partner's tables: a migration that adds one must add it to
        // SNAPSHOT_COLUMNS.
        for (const [table, columns] of Object.entries(sqlite.SNAPSHOT_COLUMNS)) {
          const all = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((row) => row.name);
          assert.deepEqual(
            all.filter((name) => name !== 'partner_id'),
            [...columns],
            table,
          );
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: from version 4, keeping its carts, orders, seats, recorded answers, clocks and rules', async () => {
    const url = await oldPostgresDatabase(4, async (client) => {
      await client.query('INSERT INTO carts (partner_id, customer_id, id, body, etag) VALUES ($1, $2, $3, $4, $5)', [
        owner.partnerId,
        owner.customerId,
        kept.id,
        JSON.stringify(kept),
        '"v"',
      ]);
      await client.query(
        `INSERT INTO orders (partner_id, customer_id, id, cart_id, order_group, created_seq, body, provisioned_at)
         VALUES ($1, $2, $3, $4, '0', 1, $5, $6)`,
        [owner.partnerId, owner.customerId, order.order.id, kept.id, JSON.stringify(order.order), order.provisionedAt],
      );
      await client.query('INSERT INTO purchased_seats VALUES ($1, $2, $3, $4)', [
        owner.partnerId,
        owner.customerId,
        'p:s',
        4,
      ]);
      await client.query('INSERT INTO recorded_requests VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        owner.partnerId,
        'before-upgrade',
        'f',
        201,
        '{}',
        '"v"',
        1000,
      ]);
      await client.query('INSERT INTO partner_clocks VALUES ($1, $2)', [owner.partnerId, 5000]);
      await client.query(
        'INSERT INTO forced_rules (partner_id, id, operation_id, body, remaining) VALUES ($1, $2, $3, $4, $5)',
        [owner.partnerId, rule.rule.id, rule.rule.operationId, JSON.stringify(rule.rule), rule.rule.remaining],
      );
    });
    const store = await postgres.PostgresStore.open(url);
    try {
      await assertUpgraded(store, kept.id, order.order.id);
    } finally {
      await store.close();
    }
    await assertPostgresCurrent(url);
    assert.equal(postgres.SCHEMA_VERSION, 5);
  });
});

// PARTNER is the partner the default token names (the harness's), and the store contract's owner.
assert.equal(owner.partnerId, PARTNER);

// The test controls' rules and journal are kept in the store, so every server on one database shares
// them: two server processes on one SQLite file (as multi-process.test.ts runs them), and a database
// of each store's schema before the controls were stored upgrades and keeps what it had.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cart, journalEntry, owner, storedRule } from '../store/store-contract.ts';
import * as postgres from '../store/postgres.ts';
import * as sqlite from '../store/sqlite.ts';
import type { Store } from '../store/store.ts';
import { ordersPath, PARTNER, token } from './harness.ts';
import { assertPostgresCurrent, assertSqliteCurrent, oldPostgresDatabase, oldSqliteFile } from './old-schemas.ts';
import { ServerProcess } from './server-process.ts';

describe('two server processes on one SQLite file share the test controls', function () {
  this.timeout(60_000);
  let dir: string;
  let servers: ServerProcess[] = [];
  let authorization: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'controls-shared-'));
    const databasePath = join(dir, 'sandbox.db');
    // the first creates the schema
    servers = [await ServerProcess.start({ databasePath }), await ServerProcess.start({ databasePath })];
    authorization = `Bearer ${await token(PARTNER)}`;
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(
    index: number,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${servers[index % 2]!.baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
  }

  it('a rule set through one forces the answer on the other, and fires its times once across both', async () => {
    const created = await call(0, 'POST', '/sandbox/rules', {
      operationId: 'listOrders',
      times: 3,
      effect: { type: 'status', status: 503 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await call(1, 'GET', ordersPath())).status, 503, 'the other process applies it');
    const replies = await Promise.all(Array.from({ length: 30 }, (_, index) => call(index, 'GET', ordersPath())));
    assert.equal(
      replies.filter((reply) => reply.status === 503).length,
      2,
      replies.map((reply) => reply.status).join(','),
    );
    assert.ok(
      replies.every((reply) => reply.status === 503 || reply.status === 200),
      replies.map((reply) => reply.status).join(','),
    );
    assert.equal((await call(0, 'GET', '/sandbox/rules')).body.totalCount, 0);
  });

  it('the journal read through either shows what both served, each naming its process', async () => {
    await call(0, 'GET', ordersPath(), undefined, {
      'MS-CorrelationId': 'shared-file-flow',
      'MS-RequestId': 'shared-0',
    });
    await call(1, 'GET', ordersPath(), undefined, {
      'MS-CorrelationId': 'shared-file-flow',
      'MS-RequestId': 'shared-1',
    });
    for (const index of [0, 1]) {
      const items = (await call(index, 'GET', '/sandbox/journal?correlationId=shared-file-flow')).body.items;
      assert.deepEqual(
        items.map((entry: { requestId: string }) => entry.requestId),
        ['shared-1', 'shared-0'],
      );
      assert.deepEqual(
        items.map((entry: { instance: string }) => entry.instance.split(':').at(-1)),
        [String(servers[1]!.pid), String(servers[0]!.pid)],
      );
    }
  });
});

/** What an upgraded store must still have, and what it must now do. */
async function assertUpgraded(store: Store, cartId: string): Promise<void> {
  assert.ok(await store.findCart(owner, cartId), 'the cart stored before the upgrade is kept');
  assert.equal(await store.clockOffset(owner.partnerId), 5000, 'and the clock');
  const rule = storedRule('getCart', { probability: 0.5, seed: 3 });
  assert.equal(await store.insertRule(owner.partnerId, rule, 100), true);
  assert.deepEqual(await store.rules(owner.partnerId), [rule]);
  await store.addJournalEntry(owner.partnerId, journalEntry('after-upgrade'));
  assert.deepEqual(await store.journalEntries(owner.partnerId, { window: 1000, since: 0, limit: 10 }), [
    journalEntry('after-upgrade'),
  ]);
}

describe('a database of the schema before the controls were stored upgrades', function () {
  this.timeout(60_000);

  it('SQLite: from version 6, keeping its carts and clocks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'controls-upgrade-'));
    try {
      const kept = cart();
      const path = oldSqliteFile(dir, 6, (old) => {
        old
          .prepare('INSERT INTO carts (partner_id, customer_id, id, body, etag) VALUES (?, ?, ?, ?, ?)')
          .run(owner.partnerId, owner.customerId, kept.id, JSON.stringify(kept), '"v"');
        old.prepare('INSERT INTO partner_clocks VALUES (?, ?)').run(owner.partnerId, 5000);
      });
      const store = new sqlite.SqliteStore(path);
      try {
        await assertUpgraded(store, kept.id);
      } finally {
        await store.close();
      }
      assertSqliteCurrent(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: from version 3, keeping its carts and clocks', async () => {
    const kept = cart();
    const url = await oldPostgresDatabase(3, async (client) => {
      await client.query('INSERT INTO carts (partner_id, customer_id, id, body, etag) VALUES ($1, $2, $3, $4, $5)', [
        owner.partnerId,
        owner.customerId,
        kept.id,
        JSON.stringify(kept),
        '"v"',
      ]);
      await client.query('INSERT INTO partner_clocks VALUES ($1, $2)', [owner.partnerId, 5000]);
    });
    const store = await postgres.PostgresStore.open(url);
    try {
      await assertUpgraded(store, kept.id);
    } finally {
      await store.close();
    }
    await assertPostgresCurrent(url);
  });
});

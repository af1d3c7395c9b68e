// Writes racing each other: checkouts of one cart, updates against a checkout, optimistic concurrency
// with ETag and If-Match, and a database kept locked by another process (409, code 800064).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { cartPath, cartsPath, checkoutPath, e5Line, ordersPath, TestServer } from './harness.ts';
import { useTestServer } from './hooks.ts';

/** Office 365 E5 on a yearly term billed annually: another billing cycle, so another order group. */
const annualE5 = (quantity = 1) => ({
  catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5',
  quantity,
  billingCycle: 'annual',
  termDuration: 'P1Y',
});

describe('concurrent writes', () => {
  const server = useTestServer();

  it('100 concurrent checkouts of one cart make one set of orders, and every answer names it', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(2), annualE5(3)] } });
    assert.equal(new Set(created.body.lineItems.map((line: { orderGroup: string }) => line.orderGroup)).size, 2);
    const replies = await Promise.all(
      Array.from({ length: 100 }, () => server.call('POST', checkoutPath(created.body.id))),
    );
    assert.deepEqual(new Set(replies.map((reply) => reply.status)), new Set([201]));
    const orderSets = new Set(
      replies.map((reply) =>
        reply.body.orders
          .map((order: { id: string }) => order.id)
          .sort()
          .join(','),
      ),
    );
    assert.equal(orderSets.size, 1, 'every checkout answer lists the same orders');
    const orders = await server.call('GET', ordersPath());
    assert.equal(orders.body.totalCount, 2, 'one order per order group, made once');
    assert.deepEqual(
      orders.body.items
        .map((order: { id: string }) => order.id)
        .sort()
        .join(','),
      [...orderSets][0],
    );
    const cart = await server.call('GET', cartPath(created.body.id));
    assert.equal(cart.body.status, 'Ordered');
  });

  it('updates racing a checkout: the order is made of the cart as last changed, later updates are refused', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const id = created.body.id;
    // Updates with distinct quantities, and a checkout sent in the middle of them.
    const quantities = Array.from({ length: 30 }, (_, index) => index + 2);
    const sent = quantities.map((quantity, index) =>
      index === 15
        ? server.call('POST', checkoutPath(id)).then((reply) => ({ kind: 'checkout' as const, quantity: 0, reply }))
        : server
            .call('PUT', cartPath(id), { body: { lineItems: [e5Line(quantity)] } })
            .then((reply) => ({ kind: 'update' as const, quantity, reply })),
    );
    const results = await Promise.all(sent);
    const checkout = results.find((result) => result.kind === 'checkout');
    assert.equal(checkout?.reply.status, 201);
    const updates = results.filter((result) => result.kind === 'update');
    for (const update of updates) {
      assert.ok(
        update.reply.status === 201 || (update.reply.status === 400 && update.reply.body.code === 800065),
        `update answered ${update.reply.status}`,
      );
    }
    const cart = await server.call('GET', cartPath(id));
    assert.equal(cart.body.status, 'Ordered');
    const [order] = checkout!.reply.body.orders;
    assert.equal(
      order.lineItems[0].quantity,
      cart.body.lineItems[0].quantity,
      'the order holds what the cart holds: never changed after ordering',
    );
    // Which updates arrive before the checkout is up to the connections; whatever the order, the
    // ordered quantity is the creation's or one an acknowledged update set, and none came after it.
    const accepted = updates.filter((update) => update.reply.status === 201);
    assert.ok(
      accepted.every((update) => update.reply.body.lastModifiedTimestamp <= order.creationDate),
      'no accepted update was made after the order',
    );
    const acknowledged = [created.body, ...accepted.map((update) => update.reply.body)];
    assert.ok(
      acknowledged.some((body) => JSON.stringify({ ...body, status: 'Ordered' }) === JSON.stringify(cart.body)),
      'the ordered cart is exactly the cart an acknowledged write left',
    );
  });

  it('If-Match: an update applies only to the version the caller read (412 otherwise)', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const id = created.body.id;
    const read = await server.call('GET', cartPath(id));
    const etag = read.headers.get('etag');
    assert.match(etag ?? '', /^"[A-Za-z0-9_-]+"$/);
    assert.equal(
      created.headers.get('etag'),
      etag,
      'the create answer and a read of the same cart carry the same ETag',
    );
    assert.equal(
      (await server.call('GET', cartPath(id))).headers.get('etag'),
      etag,
      'stable while the cart does not change',
    );

    const updated = await server.call('PUT', cartPath(id), {
      body: { lineItems: [e5Line(2)] },
      headers: { 'if-match': etag },
    });
    assert.equal(updated.status, 201);
    const newEtag = updated.headers.get('etag');
    assert.notEqual(newEtag, etag);
    assert.equal((await server.call('GET', cartPath(id))).headers.get('etag'), newEtag);

    const stale = await server.call('PUT', cartPath(id), {
      body: { lineItems: [e5Line(9)] },
      headers: { 'if-match': etag },
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.code, 412);
    assert.match(
      stale.body.description,
      new RegExp(`has changed since the version in If-Match; its ETag is now ${newEtag}`),
    );
    assert.equal(
      (await server.call('GET', cartPath(id))).body.lineItems[0].quantity,
      2,
      'the refused update changed nothing',
    );

    const weak = await server.call('PUT', cartPath(id), {
      body: { lineItems: [e5Line(9)] },
      headers: { 'if-match': `W/${newEtag}` },
    });
    assert.equal(weak.status, 412, 'If-Match compares strongly: a weak tag never matches');
    const listed = await server.call('PUT', cartPath(id), {
      body: { lineItems: [e5Line(3)] },
      headers: { 'if-match': `${etag}, ${newEtag}` },
    });
    assert.equal(listed.status, 201, 'any tag of a list may match');
    const any = await server.call('PUT', cartPath(id), {
      body: { lineItems: [e5Line(4)] },
      headers: { 'if-match': '*' },
    });
    assert.equal(any.status, 201);
  });

  it('If-Match: of two updates made from the same read, exactly one applies', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const etag = created.headers.get('etag')!;
    const replies = await Promise.all(
      [5, 6].map((quantity) =>
        server.call('PUT', cartPath(created.body.id), {
          body: { lineItems: [e5Line(quantity)] },
          headers: { 'if-match': etag },
        }),
      ),
    );
    assert.deepEqual(replies.map((reply) => reply.status).sort(), [201, 412]);
    const winner = replies.find((reply) => reply.status === 201)!;
    assert.deepEqual((await server.call('GET', cartPath(created.body.id))).body, winner.body);
  });
});

describe('a database kept locked by another process', () => {
  let dir: string;
  let databasePath: string;
  let server: TestServer;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locked-db-test-'));
    databasePath = join(dir, 'carts.db');
    server = await new TestServer({ databasePath, busyTimeoutMs: 100 }).start();
  });
  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 409 with code 800064 and changes nothing; the retry with the same MS-RequestId then succeeds', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const other = new DatabaseSync(databasePath);
    const requestId = randomUUID();
    try {
      other.exec('BEGIN IMMEDIATE'); // another writer holds the lock for longer than the server waits
      const refused = await server.call('POST', checkoutPath(created.body.id), {
        headers: { 'ms-requestid': requestId },
      });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 800064);
      assert.match(refused.body.description, /being processed by another request/);
      const read = await server.call('GET', cartPath(created.body.id));
      assert.equal(read.status, 200, 'reads go on while another process writes');
      assert.equal(read.body.status, 'Active');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const retry = await server.call('POST', checkoutPath(created.body.id), { headers: { 'ms-requestid': requestId } });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get('idempotent-replayed'), null, 'the refused call was not recorded: the retry ran');
    assert.equal(retry.body.orders.length, 1);
  });
});

// Idempotent writes by MS-RequestId: a retry gets the recorded answer and writes nothing; the same id
// on another request is refused and writes nothing; failures are not recorded; records expire.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countRows } from './db-digest.ts';
import { cartPath, cartsPath, checkoutPath, e5Line, ordersPath, OTHER_PARTNER, TestServer, token } from './harness.ts';

describe('idempotent writes by MS-RequestId', () => {
  let dir: string;
  let databasePath: string;
  let clock: Date;
  let server: TestServer;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'idempotency-test-'));
    databasePath = join(dir, 'carts.db');
    clock = new Date('2026-11-21T09:00:00Z');
    server = await new TestServer({ databasePath, now: () => clock }).start();
  });
  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const withId = (requestId: string) => ({ 'ms-requestid': requestId });

  it('a repeated create gets the first answer, marked as replayed, and makes no second cart', async () => {
    const requestId = randomUUID();
    const body = { lineItems: [e5Line(3)] };
    const first = await server.call('POST', cartsPath(), { body, headers: withId(requestId) });
    const again = await server.call('POST', cartsPath(), { body, headers: withId(requestId) });
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    assert.equal(again.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(again.headers.get('etag'), first.headers.get('etag'));
    assert.equal(again.headers.get('ms-requestid'), requestId);
    assert.equal(countRows(databasePath, 'carts'), 1);
  });

  it('recognises a retry whatever the order, case or read-only values of its properties', async () => {
    const requestId = randomUUID();
    const first = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(2)] },
      headers: withId(requestId),
    });
    const pascal = {
      LineItems: [
        {
          TermDuration: 'P1M',
          BillingCycle: 'Monthly',
          Quantity: 2,
          CatalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
          OrderGroup: '7',
        },
      ],
      Id: randomUUID(),
    };
    const again = await server.call('POST', cartsPath(), { body: pascal, headers: withId(requestId) });
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    assert.equal(countRows(databasePath, 'carts'), 1);
  });

  it('refuses the same id on a different request with 422 and changes nothing', async () => {
    const requestId = randomUUID();
    const created = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)] },
      headers: withId(requestId),
    });
    const otherBody = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(9)] },
      headers: withId(requestId),
    });
    assert.equal(otherBody.status, 422);
    assert.equal(otherBody.body.code, 422);
    assert.match(
      otherBody.body.description,
      new RegExp(`MS-RequestId ${requestId} was already used for a different request`),
    );
    assert.equal(otherBody.body.source, 'PartnerCenterCartSandbox');

    // Another path (an update of the cart just made) and another method are different requests too.
    const otherPath = await server.call('PUT', cartPath(created.body.id), {
      body: { lineItems: [e5Line(1)] },
      headers: withId(requestId),
    });
    const checkout = await server.call('POST', checkoutPath(created.body.id), { headers: withId(requestId) });
    assert.deepEqual([otherPath.status, checkout.status], [422, 422]);

    assert.equal(countRows(databasePath, 'carts'), 1);
    assert.equal(countRows(databasePath, 'orders'), 0);
    const cart = await server.call('GET', cartPath(created.body.id));
    assert.deepEqual(cart.body, created.body, 'the cart is as the first call left it');
    // The first request can still be retried.
    const retry = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)] },
      headers: withId(requestId),
    });
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  });

  it("keeps each partner's ids apart", async () => {
    const requestId = randomUUID();
    const body = { lineItems: [e5Line(1)] };
    const mine = await server.call('POST', cartsPath(), { body, headers: withId(requestId) });
    const theirs = await server.call('POST', cartsPath(), {
      body,
      headers: { ...withId(requestId), authorization: `Bearer ${await token(OTHER_PARTNER)}` },
    });
    assert.equal(theirs.status, 201);
    assert.equal(theirs.headers.get('idempotent-replayed'), null);
    assert.notEqual(theirs.body.id, mine.body.id);
    assert.equal(countRows(databasePath, 'carts'), 2);
  });

  it('does not record failures: a retry after a rejected request runs afresh', async () => {
    const requestId = randomUUID();
    const invalid = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(0)] },
      headers: withId(requestId),
    });
    assert.equal(invalid.status, 400);
    assert.equal(countRows(databasePath, 'recorded_requests'), 0);
    const missing = await server.call('PUT', cartPath(randomUUID()), {
      body: { lineItems: [e5Line(1)] },
      headers: withId(requestId),
    });
    assert.equal(missing.status, 404);
    // Not a reuse: nothing was recorded under the id, so a corrected request under it succeeds.
    const corrected = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)] },
      headers: withId(requestId),
    });
    assert.equal(corrected.status, 201);
    assert.equal(corrected.headers.get('idempotent-replayed'), null);
  });

  it('a replayed update returns its first answer without undoing a later change', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const requestId = randomUUID();
    const update = { lineItems: [e5Line(4)] };
    const first = await server.call('PUT', cartPath(created.body.id), { body: update, headers: withId(requestId) });
    clock = new Date(clock.getTime() + 60_000);
    const later = await server.call('PUT', cartPath(created.body.id), { body: { lineItems: [e5Line(7)] } });
    assert.equal(later.status, 201);
    const retry = await server.call('PUT', cartPath(created.body.id), { body: update, headers: withId(requestId) });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, first.body);
    const now = await server.call('GET', cartPath(created.body.id));
    assert.equal(now.body.lineItems[0].quantity, 7, 'the replay wrote nothing');
    assert.deepEqual(now.body, later.body);
  });

  it('a replayed checkout returns the same orders and orders nothing again', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(2)] } });
    const requestId = randomUUID();
    const first = await server.call('POST', checkoutPath(created.body.id), { headers: withId(requestId) });
    const again = await server.call('POST', checkoutPath(created.body.id), { headers: withId(requestId) });
    assert.equal(first.status, 201);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(again.body, first.body);
    const orders = await server.call('GET', ordersPath());
    assert.equal(orders.body.totalCount, 1);
  });

  it('100 concurrent creates with one MS-RequestId make one cart, and all get its answer', async () => {
    const requestId = randomUUID();
    const body = { lineItems: [e5Line(5)] };
    const replies = await Promise.all(
      Array.from({ length: 100 }, () => server.call('POST', cartsPath(), { body, headers: withId(requestId) })),
    );
    assert.deepEqual(new Set(replies.map((reply) => reply.status)), new Set([201]));
    assert.equal(new Set(replies.map((reply) => reply.body.id)).size, 1, 'every answer names the same cart');
    assert.equal(
      replies.filter((reply) => reply.headers.get('idempotent-replayed') === null).length,
      1,
      'one ran, 99 were replayed',
    );
    assert.equal(countRows(databasePath, 'carts'), 1);
  });

  it('without an MS-RequestId every call is a new call', async () => {
    const body = { lineItems: [e5Line(1)] };
    const one = await server.call('POST', cartsPath(), { body });
    const two = await server.call('POST', cartsPath(), { body });
    assert.notEqual(one.body.id, two.body.id);
    assert.equal(countRows(databasePath, 'carts'), 2);
    assert.equal(countRows(databasePath, 'recorded_requests'), 0, 'an id the server made up is never recorded');
  });

  it('forgets an answer after the retention time: the id may then be used again', async () => {
    const requestId = randomUUID();
    await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers: withId(requestId) });
    clock = new Date(clock.getTime() + 24 * 3600 * 1000 + 1000);
    const reused = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(2)] },
      headers: withId(requestId),
    });
    assert.equal(reused.status, 201);
    assert.equal(reused.headers.get('idempotent-replayed'), null);
    assert.equal(countRows(databasePath, 'carts'), 2);
    assert.equal(
      countRows(databasePath, 'recorded_requests'),
      1,
      'the expired record was replaced, not kept beside the new one',
    );
  });
});

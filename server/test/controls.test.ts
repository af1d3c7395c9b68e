// The sandbox's test controls through HTTP (openapi/sandbox-controls.yaml): each partner's virtual
// clock drives cart expiry, provisioning and recorded answers; reset empties the caller's state and
// no other's; bad input is refused with the error body and changes nothing; switched off, the paths
// are unknown routes.
import assert from 'node:assert/strict';
import { cartPath, cartsPath, checkoutPath, e5Line, orderPath, ordersPath, OTHER_PARTNER, token } from './harness.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';

const DAY = 24 * 60 * 60 * 1000;

describe('test controls: the virtual clock and reset', () => {
  const server = useTestServer({ provisioningDelayMs: 60_000 });
  let other: Record<string, string>;
  beforeEach(async () => {
    other = { authorization: `Bearer ${await token(OTHER_PARTNER)}` };
  });

  it('reads the clock: on real time until moved', async () => {
    const reply = await server.call('GET', '/sandbox/clock');
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.offsetMs, 0);
    assert.ok(Math.abs(Date.parse(reply.body.now) - Date.now()) < 5000);
  });

  it('advanced 8 days, a write to a 7-day cart is refused as expired; the other partner\'s clock did not move', async () => {
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const advanced = await server.call('POST', '/sandbox/clock/advance', { body: { by: 'P8D' } });
    assert.equal(advanced.status, 200, JSON.stringify(advanced.body));
    assert.equal(advanced.body.offsetMs, 8 * DAY);
    assert.ok(Date.parse(advanced.body.now) - Date.parse(advanced.body.realNow) === 8 * DAY);
    const update = await server.call('PUT', cartPath(cart.body.id), { body: { lineItems: [e5Line(2)] } });
    assert.equal(update.status, 400);
    assertErrorBody(update.body, 800002);
    assert.match(update.body.description, /expired/);
    assert.equal((await server.call('GET', '/sandbox/clock', { headers: other })).body.offsetMs, 0);
    // The other partner's cart, on its own clock, is still good.
    const theirs = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers: other });
    assert.equal((await server.call('PUT', cartPath(theirs.body.id), { body: { lineItems: [e5Line(2)] }, headers: other })).status, 201);
  });

  it('provisioning completes once the clock passes the delay', async () => {
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const [order] = (await server.call('POST', checkoutPath(cart.body.id))).body.orders;
    assert.equal(order.status, 'pending');
    await server.call('POST', '/sandbox/clock/advance', { body: { by: '61s' } });
    const read = await server.call('GET', orderPath(order.id));
    assert.equal(read.body.status, 'completed');
    assert.ok(read.body.lineItems[0].subscriptionId);
  });

  it('a recorded answer expires on the partner\'s clock: after 25 hours the same MS-RequestId makes a new cart', async () => {
    const headers = { 'MS-RequestId': 'controls-replay-1' };
    const first = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers });
    const replay = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers });
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    await server.call('POST', '/sandbox/clock/advance', { body: { by: '25h' } });
    const later = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers });
    assert.equal(later.status, 201);
    assert.equal(later.headers.get('idempotent-replayed'), null);
    assert.notEqual(later.body.id, first.body.id);
  });

  it('sets the clock forward; backwards is refused naming the field, and the clock stays', async () => {
    const target = new Date(Date.now() + 30 * DAY).toISOString();
    const set = await server.call('PUT', '/sandbox/clock', { body: { now: target } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.ok(Math.abs(Date.parse(set.body.now) - Date.parse(target)) < 1000);
    const back = await server.call('PUT', '/sandbox/clock', { body: { now: new Date(Date.now() + DAY).toISOString() } });
    assert.equal(back.status, 400);
    assertErrorBody(back.body, 800002);
    assert.match(back.body.data[0], /^body\.now: must not be earlier than/);
    assert.ok((await server.call('GET', '/sandbox/clock')).body.offsetMs > 29 * DAY);
  });

  it('bad input is 400 with the error body naming the field, and moves nothing', async () => {
    for (const [body, field] of [
      [{ by: 'soon' }, 'body.by'],
      [{ by: '0s' }, 'body.by'],
      [{ by: '3651d' }, 'body.by'],
      [{}, 'body.by'],
      [{ by: 'P1D', extra: true }, 'body.extra'],
    ] as const) {
      const reply = await server.call('POST', '/sandbox/clock/advance', { body });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assertErrorBody(reply.body, 800002);
      assert.ok(reply.body.data.some((entry: string) => entry.startsWith(field)), `${JSON.stringify(body)}: ${JSON.stringify(reply.body.data)}`);
    }
    assert.equal((await server.call('GET', '/sandbox/clock')).body.offsetMs, 0);
    const anonymous = await server.call('GET', '/sandbox/clock', { headers: { authorization: null } });
    assert.equal(anonymous.status, 401);
    assertErrorBody(anonymous.body, 800001);
  });

  it("reset: the caller's carts, orders and clock are gone; the other partner's stay", async () => {
    const mine = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers: { 'MS-RequestId': 'controls-reset-1' } });
    await server.call('POST', checkoutPath(mine.body.id));
    const theirs = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers: other });
    await server.call('POST', checkoutPath(theirs.body.id), { headers: other });
    await server.call('POST', '/sandbox/clock/advance', { body: { by: '1d' } });

    const reset = await server.call('POST', '/sandbox/reset');
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(reset.body, { carts: 1, orders: 1, recordedRequests: 1 });
    assert.equal((await server.call('GET', ordersPath())).body.totalCount, 0);
    assert.equal((await server.call('GET', cartPath(mine.body.id))).status, 404);
    assert.equal((await server.call('GET', '/sandbox/clock')).body.offsetMs, 0);
    assert.equal((await server.call('GET', ordersPath(), { headers: other })).body.totalCount, 1);
    assert.equal((await server.call('GET', cartPath(theirs.body.id), { headers: other })).status, 200);
  });
});

describe("the test controls' document and page", () => {
  const server = useTestServer();

  it('are served next to the API: /sandbox-controls.json, /sandbox-controls.yaml and /docs/controls', async () => {
    const json = await server.call('GET', '/sandbox-controls.json', { headers: { authorization: null } });
    assert.equal(json.status, 200);
    assert.deepEqual(Object.keys(json.body.paths).sort(), ['/sandbox/clock', '/sandbox/clock/advance', '/sandbox/reset']);
    const page = await server.call('GET', '/docs/controls', { headers: { authorization: null } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(String(page.body), /Partner Center Cart Sandbox Controls/);
    assert.equal((await server.call('GET', '/sandbox-controls.yaml', { headers: { authorization: null } })).status, 200);
  });

  it('none of their operations is in the Partner Center contract', async () => {
    const cart = (await server.call('GET', '/openapi.json', { headers: { authorization: null } })).body;
    assert.ok(Object.keys(cart.paths).every((path) => path.startsWith('/v1/')), Object.keys(cart.paths).join(', '));
  });
});

describe('test controls switched off', () => {
  const server = useTestServer({ sandboxControls: false });

  it('their paths answer 404 like any unknown route', async () => {
    for (const [method, path] of [['GET', '/sandbox/clock'], ['POST', '/sandbox/clock/advance'], ['POST', '/sandbox/reset']] as const) {
      const reply = await server.call(method, path, method === 'GET' ? {} : { body: { by: 'P1D' } });
      assert.equal(reply.status, 404, `${method} ${path}`);
      assertErrorBody(reply.body, 404);
    }
  });
});

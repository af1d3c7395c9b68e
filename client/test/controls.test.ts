// The controls client against the sandbox: advance the partner's clock past a cart's lifetime, see the
// cart refused as expired through the cart client, then reset; look a failed call up in the journal;
// save a baseline, reset, and restore it before each test.
import assert from 'node:assert/strict';
import { createSandboxControls, type JournalEntry, type SandboxSnapshot } from '../controls.ts';
import { createCartClient, unwrap } from '../index.ts';
import { CUSTOMER, PARTNER, TestServer, token } from '../../server/test/harness.ts';

describe('the sandbox controls client', () => {
  let server: TestServer;
  before(async () => {
    server = await new TestServer().start();
  });
  after(() => server.stop());

  it('advances the clock past cart expiry, sets it forward, resets', async () => {
    const options = { baseUrl: server.baseUrl, token: () => token(PARTNER) };
    const api = createCartClient({ ...options, retry: false });
    const controls = createSandboxControls(options);
    const line = {
      catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
      quantity: 1,
      billingCycle: 'monthly',
      termDuration: 'P1M',
    } as const;
    const cart = unwrap(await api.createCart(CUSTOMER, { lineItems: [line] }));

    const clock = unwrap(await controls.advanceClock('P8D'));
    assert.equal(clock.offsetMs, 8 * 86_400_000);
    const refused = await api.updateCart(CUSTOMER, cart.id, { lineItems: [{ ...line, quantity: 2 }] });
    assert.equal(refused.response.status, 400);
    assert.match(JSON.stringify(refused.error), /expired/);

    const later = new Date(Date.parse(clock.now) + 86_400_000);
    assert.ok(unwrap(await controls.setClock(later)).offsetMs > 8 * 86_400_000);
    assert.equal((await controls.setClock(new Date())).response.status, 400, 'not backwards');

    // The cart client sends an MS-RequestId with every call, so the create's answer was recorded.
    assert.deepEqual(unwrap(await controls.reset()), { carts: 1, orders: 0, recordedRequests: 1 });
    assert.equal(unwrap(await controls.getClock()).offsetMs, 0);
    assert.equal((await api.getCart(CUSTOMER, cart.id)).response.status, 404);
  });

  it('explains a failed call: listJournal by the MS-RequestId its answer echoed', async () => {
    const options = { baseUrl: server.baseUrl, token: () => token(PARTNER) };
    const api = createCartClient({ ...options, retry: false });
    const controls = createSandboxControls(options);
    const missing = await api.getCart(CUSTOMER, '00000000-0000-4000-8000-000000000000');
    assert.equal(missing.response.status, 404);
    const requestId = missing.response.headers.get('MS-RequestId') ?? '';
    assert.ok(requestId, 'the answer echoes MS-RequestId');

    const found = unwrap(await controls.listJournal({ requestId }));
    assert.equal(found.totalCount, 1);
    const entry: JournalEntry = found.items[0]!;
    assert.deepEqual(
      [entry.method, entry.path, entry.operationId, entry.status, entry.requestId],
      ['GET', `/v1/customers/${CUSTOMER}/carts/00000000-0000-4000-8000-000000000000`, 'getCart', 404, requestId],
    );
    assert.match(entry.errorDetails.join('\n'), /cart/i);
    // Without a query, the newest entries first: the create before the failed get.
    await api.createCart(CUSTOMER, {
      lineItems: [
        { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
      ],
    });
    assert.deepEqual(
      unwrap(await controls.listJournal({ limit: 2 })).items.map((item) => item.operationId),
      ['createCart', 'getCart'],
    );
    assert.equal((await controls.listJournal({ limit: 0 })).response.status, 400, 'a bad query is refused');
  });

  it('saves a baseline, and restores it after a reset as a test would before it starts', async () => {
    const options = { baseUrl: server.baseUrl, token: () => token(PARTNER) };
    const api = createCartClient({ ...options, retry: false });
    const controls = createSandboxControls(options);
    await controls.reset();
    const line = {
      catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
      quantity: 1,
      billingCycle: 'monthly',
      termDuration: 'P1M',
    } as const;
    const clock = unwrap(await controls.setClock('2031-01-01T00:00:00Z'));
    const baselineCart = await api.createCart(CUSTOMER, { lineItems: [line] });
    const cart = unwrap(baselineCart);
    const etag = baselineCart.response.headers.get('ETag');

    const saved = await controls.saveSnapshot('customer-with-cart');
    assert.equal(saved.response.status, 201);
    const snapshot: SandboxSnapshot = unwrap(saved);
    assert.deepEqual([snapshot.name, snapshot.carts, snapshot.orders], ['customer-with-cart', 1, 0]);
    const sinceSet = Date.parse(snapshot.clock) - Date.parse(clock.now);
    assert.ok(sinceSet >= 0 && sinceSet < 5000, "the partner's time when saved");
    assert.equal((await controls.saveSnapshot('customer-with-cart')).response.status, 200, 'saved again: replaced');
    assert.deepEqual(
      unwrap(await controls.listSnapshots()).items.map((item) => item.name),
      ['customer-with-cart'],
    );

    // A test runs, and the next one starts from the baseline again.
    unwrap(await api.checkoutCart(CUSTOMER, cart.id));
    await controls.reset();
    const restored = unwrap(await controls.restoreSnapshot('customer-with-cart'));
    assert.equal(restored.carts, 1);
    const again = await api.getCart(CUSTOMER, cart.id);
    assert.equal(unwrap(again).status, 'Active');
    assert.equal(again.response.headers.get('ETag'), etag);
    assert.equal(unwrap(await api.listOrders(CUSTOMER)).totalCount, 0);
    assert.ok(Date.parse(unwrap(await controls.getClock()).now) >= Date.parse('2031-01-01T00:00:00Z'));

    const missing = await controls.restoreSnapshot('never-saved');
    assert.equal(missing.response.status, 404);
    assert.equal(missing.error?.code, 404);
    assert.equal((await controls.saveSnapshot('not a name')).response.status, 400);
    assert.equal((await controls.deleteSnapshot('customer-with-cart')).response.status, 204);
    assert.equal(unwrap(await controls.listSnapshots()).totalCount, 0);
  });
});

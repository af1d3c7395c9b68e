// The controls client against the sandbox: advance the partner's clock past a cart's lifetime, see the
// cart refused as expired through the cart client, then reset; look a failed call up in the journal.
import assert from 'node:assert/strict';
import { createSandboxControls, type JournalEntry } from '../controls.ts';
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
});

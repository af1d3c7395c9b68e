// The client against the real reference server, in process: every operation, typed end to end.
import assert from 'node:assert/strict';
import { CartApiError, createCartClient, unwrap, type Cart } from '../index.ts';
import { CUSTOMER, PARTNER, TestServer, token } from '../../server/test/harness.ts';

describe('client against the reference server', () => {
  let server: TestServer;
  let issued = 0;
  beforeEach(async () => {
    server = await new TestServer().start();
    issued = 0;
  });
  afterEach(() => server.stop());

  const client = () =>
    createCartClient({
      baseUrl: server.baseUrl,
      token: () => {
        issued++;
        return token(PARTNER);
      },
      locale: 'en-GB',
      applicationName: 'cart-kit tests',
      retry: false,
    });

  it('creates a cart, changes it, checks it out and reads its orders', async () => {
    const api = client();
    const created = await api.createCart(CUSTOMER, {
      lineItems: [
        { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 2, billingCycle: 'monthly', termDuration: 'P1M' },
      ],
    });
    assert.equal(created.response.status, 201);
    assert.equal(created.response.headers.get('X-Locale'), 'en-GB');
    const cart: Cart = unwrap(created);
    assert.equal(cart.status, 'Active');

    const changed = unwrap(
      await api.changeCartLines(CUSTOMER, cart.id, (lines) => lines.map((line) => ({ ...line, quantity: 5 }))),
    );
    assert.equal(changed.lineItems[0]?.quantity, 5);
    assert.equal(changed.lineItems[0]?.pricing?.extendedPrice, 182.4);
    assert.deepEqual(unwrap(await api.getCart(CUSTOMER, cart.id)), changed);

    const result = unwrap(await api.checkoutCart(CUSTOMER, cart.id));
    assert.equal(result.orders.length, 1);
    const orderId = result.orders[0]!.id;
    assert.equal(unwrap(await api.getOrder(CUSTOMER, orderId, { include_price: true })).totalPrice, 182.4);
    assert.equal(
      unwrap(await api.getOrder(CUSTOMER, orderId)).totalPrice,
      undefined,
      'without include_price an order has no prices, as Partner Center answers',
    );
    assert.equal(unwrap(await api.listOrders(CUSTOMER)).totalCount, 1);
    assert.equal(issued, 7 + 1); // the token function is asked once per attempt (changeCartLines makes two calls)
  });

  it("types the error as Partner Center's body, and unwrap throws one CartApiError with the ids", async () => {
    const api = client();
    const missing = await api.getCart(CUSTOMER, '00000000-0000-4000-8000-000000000000');
    assert.equal(missing.response.status, 404);
    assert.ok(missing.error && 'code' in missing.error);
    assert.equal(missing.error.code, 800008);
    assert.throws(
      () => unwrap(missing),
      (error: unknown) =>
        error instanceof CartApiError &&
        error.status === 404 &&
        error.code === 800008 &&
        error.requestId === missing.response.headers.get('MS-RequestId') &&
        typeof error.correlationId === 'string',
    );
  });

  it('changeCartLines does not overwrite a change made between its read and its write (412)', async () => {
    const line = {
      catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
      quantity: 2,
      billingCycle: 'monthly',
      termDuration: 'P1M',
    } as const;
    let interfered = false;
    const api = createCartClient({
      baseUrl: server.baseUrl,
      token: () => token(PARTNER),
      retry: false,
      // Someone else changes the cart just before this client's write reaches the server.
      fetch: async (request) => {
        if (request.method === 'PUT' && !interfered) {
          interfered = true;
          const other = await server.call('PUT', new URL(request.url).pathname, {
            body: { lineItems: [{ ...line, quantity: 9 }] },
          });
          assert.equal(other.status, 201);
        }
        return fetch(request);
      },
    });
    const cart = unwrap(await api.createCart(CUSTOMER, { lineItems: [line] }));
    const raced = await api.changeCartLines(CUSTOMER, cart.id, (lines) =>
      lines.map((each) => ({ ...each, quantity: 3 })),
    );
    assert.equal(raced.response.status, 412);
    assert.ok(raced.error && 'code' in raced.error && raced.error.code === 412);
    const now = await api.getCart(CUSTOMER, cart.id);
    assert.equal(unwrap(now).lineItems[0]?.quantity, 9, 'the other change stands');

    // updateCart takes the ETag explicitly.
    const stale = await api.updateCart(
      CUSTOMER,
      cart.id,
      { lineItems: [{ ...line, quantity: 4 }] },
      { ifMatch: raced.response.headers.get('ETag') ?? '"stale"' },
    );
    assert.equal(stale.response.status, 412);
    const fresh = await api.updateCart(
      CUSTOMER,
      cart.id,
      { lineItems: [{ ...line, quantity: 4 }] },
      { ifMatch: now.response.headers.get('ETag')! },
    );
    assert.equal(fresh.response.status, 201);
    assert.equal(unwrap(fresh).lineItems[0]?.quantity, 4);
  });

  it('sends a new MS-RequestId and MS-CorrelationId for every call, and keeps ids the caller sets', async () => {
    const api = client();
    const first = await api.listOrders(CUSTOMER);
    const second = await api.listOrders(CUSTOMER);
    assert.notEqual(first.response.headers.get('MS-RequestId'), second.response.headers.get('MS-RequestId'));
    assert.notEqual(first.response.headers.get('MS-CorrelationId'), second.response.headers.get('MS-CorrelationId'));
    const own = await api.GET('/v1/customers/{customerId}/orders', {
      params: { path: { customerId: CUSTOMER } },
      headers: { 'MS-RequestId': 'mine-1' },
    });
    assert.equal(own.response.headers.get('MS-RequestId'), 'mine-1');
  });
});

import assert from 'node:assert/strict';
import { cartPath, cartsPath, checkoutPath, CUSTOMER, e5Line, ordersPath, USER } from './harness.ts';
import { useTestServer } from './hooks.ts';

describe('cart lifecycle over HTTP', () => {
  const server = useTestServer();

  it('creates a cart with ids, timestamps, status, currency, group and pricing filled in', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(5)] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const cart = created.body;
    assert.match(cart.id, /^[0-9a-f-]{36}$/);
    assert.equal(cart.status, 'Active');
    assert.equal(cart.lastModifiedUser, USER);
    const ttl = Date.parse(cart.expirationTimestamp) - Date.parse(cart.creationTimestamp);
    assert.equal(ttl, 7 * 24 * 3600 * 1000);
    assert.deepEqual(cart.links.self, { uri: `/customers/${CUSTOMER}/carts/${cart.id}`, method: 'GET', headers: [] });
    assert.deepEqual(cart.attributes, { objectType: 'Cart' });
    const [line] = cart.lineItems;
    assert.equal(line.id, 0);
    assert.equal(line.currencyCode, 'USD');
    assert.equal(line.orderGroup, '0');
    assert.deepEqual(line.pricing, {
      listPrice: 36.48,
      discountedPrice: 36.48,
      proratedPrice: 36.48,
      price: 36.48,
      extendedPrice: 182.4,
    });
    assert.equal(line.error, undefined);

    const read = await server.call('GET', cartPath(cart.id));
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, cart);
  });

  it('checks a cart out into one order per group, then lists and reads the orders', async () => {
    const created = await server.call('POST', cartsPath(), {
      body: {
        lineItems: [
          e5Line(2),
          { catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'one_time' },
        ],
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const checkout = await server.call('POST', checkoutPath(created.body.id));
    assert.equal(checkout.status, 201, JSON.stringify(checkout.body));
    assert.ok(checkout.body.orders.length >= 1);
    const list = await server.call('GET', ordersPath());
    assert.equal(list.status, 200);
    const order = await server.call('GET', `${ordersPath()}/${checkout.body.orders[0].id}`);
    assert.equal(order.status, 200, JSON.stringify(order.body));
  });
});

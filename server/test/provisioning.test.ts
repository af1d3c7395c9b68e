// Orders that provision over time, through HTTP: checkout answers `pending` orders without
// subscription ids; after PROVISIONING_DELAY (read against the server's clock, here one the test
// moves) they are `completed` with their subscriptions, in getOrder, listOrders and the provisioning
// status alike; the state survives a restart; activation links appear on provisioned SaaS lines.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cartsPath, checkoutPath, CUSTOMER, e5Line, orderPath, ordersPath, TestServer } from './harness.ts';
import { assertErrorBody, useTemporaryDirectory, useTestServer } from './hooks.ts';

const DELAY_MS = 60_000;
const START = Date.parse('2026-11-21T09:00:00Z');
const saasLine = {
  catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV',
  quantity: 2,
  billingCycle: 'monthly',
  termDuration: 'P1M',
};

describe('orders provision over time', () => {
  let now = START;
  beforeEach(() => {
    now = START;
  });
  const server = useTestServer({ provisioningDelayMs: DELAY_MS, now: () => new Date(now) });

  async function checkout(lines: unknown[], headers: Record<string, string> = {}) {
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: lines } });
    assert.equal(cart.status, 201, JSON.stringify(cart.body));
    const result = await server.call('POST', checkoutPath(cart.body.id), { headers });
    assert.equal(result.status, 201, JSON.stringify(result.body));
    return { cartId: cart.body.id as string, result: result.body };
  }

  it('checkout answers pending orders without subscription ids; at the delay they are completed, with them', async () => {
    const { result } = await checkout([e5Line(3), e5Line(2, { termDuration: 'P1M', friendlyName: 'second' })]);
    const [order] = result.orders;
    assert.equal(order.status, 'pending');
    assert.deepEqual(
      order.lineItems.map((line: any) => line.subscriptionId),
      [undefined, undefined],
    );
    assert.ok(order.links.provisioningStatus, 'a pending order links to its provisioning status');

    const status = await server.call('GET', `${orderPath(order.id)}/provisioningstatus`);
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.deepEqual(status.body, {
      totalCount: 2,
      items: [
        {
          lineItemNumber: 0,
          status: 'PrefulfillmentPending',
          quantityProvisioningInformation: [{ quantity: 3, status: 'PrefulfillmentPending' }],
        },
        {
          lineItemNumber: 1,
          status: 'PrefulfillmentPending',
          quantityProvisioningInformation: [{ quantity: 2, status: 'PrefulfillmentPending' }],
        },
      ],
      attributes: { objectType: 'Collection' },
    });

    now = START + DELAY_MS - 1;
    assert.equal(
      (await server.call('GET', orderPath(order.id))).body.status,
      'pending',
      'a millisecond before the delay',
    );

    now = START + DELAY_MS;
    const got = await server.call('GET', orderPath(order.id));
    assert.equal(got.body.status, 'completed');
    const ids = got.body.lineItems.map((line: any) => line.subscriptionId);
    assert.ok(
      ids.every((id: unknown) => typeof id === 'string' && id.length > 0),
      JSON.stringify(ids),
    );
    assert.equal(new Set(ids).size, 2, 'one subscription per line');
    const listed = await server.call('GET', ordersPath());
    assert.deepEqual(
      listed.body.items.map((item: any) => [item.status, item.lineItems.map((line: any) => line.subscriptionId)]),
      [['completed', ids]],
    );
    const fulfilled = await server.call('GET', `${orderPath(order.id)}/provisioningstatus`);
    assert.deepEqual(
      fulfilled.body.items.map((item: any) => [item.status, item.quantityProvisioningInformation]),
      [
        ['Fulfilled', [{ quantity: 3, status: 'Fulfilled' }]],
        ['Fulfilled', [{ quantity: 2, status: 'Fulfilled' }]],
      ],
    );
  });

  it('a retried checkout replays its recorded answer; a new checkout of the cart shows the orders as they stand', async () => {
    const { cartId, result } = await checkout([e5Line(1)], { 'MS-RequestId': 'checkout-provisioning-1' });
    now = START + DELAY_MS;
    const replayed = await server.call('POST', checkoutPath(cartId), {
      headers: { 'MS-RequestId': 'checkout-provisioning-1' },
    });
    assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(replayed.body, result, 'the same answer, byte for byte: still pending');
    const again = await server.call('POST', checkoutPath(cartId));
    assert.equal(again.body.orders[0].id, result.orders[0].id, 'no second order');
    assert.equal(again.body.orders[0].status, 'completed');
  });

  it('a marketplace line links to its activation links once provisioned, and the link is the sandbox dummy', async () => {
    const { result } = await checkout([saasLine, e5Line(1)]);
    const orders = result.orders as any[];
    const saasOrder = orders.find((order) =>
      order.lineItems.some((line: any) => line.offerId === saasLine.catalogItemId),
    );
    assert.ok(saasOrder, JSON.stringify(orders));
    const lineNumber = saasOrder.lineItems.find((line: any) => line.offerId === saasLine.catalogItemId).lineItemNumber;
    const linksPath = `${orderPath(saasOrder.id)}/lineitems/${lineNumber}/activationlinks`;
    assert.equal(saasOrder.lineItems[lineNumber].links.activationLinks, undefined, 'not while pending');
    assert.equal((await server.call('GET', linksPath)).body.totalCount, 0);

    now = START + DELAY_MS;
    const order = (await server.call('GET', orderPath(saasOrder.id))).body;
    const line = order.lineItems[lineNumber];
    assert.equal(
      line.links.activationLinks.uri,
      `/customers/${CUSTOMER}/orders/${order.id}/lineitems/${lineNumber}/activationlinks`,
    );
    const links = await server.call('GET', linksPath);
    assert.equal(links.status, 200, JSON.stringify(links.body));
    assert.equal(links.body.totalCount, 1);
    assert.equal(links.body.items[0].lineItemNumber, lineNumber);
    assert.equal(
      links.body.items[0].link.uri,
      `https://activation.sandbox.invalid/subscriptions/${line.subscriptionId}`,
    );

    const other = orders.find((candidate) => candidate !== saasOrder) ?? saasOrder;
    const licence = (await server.call('GET', orderPath(other.id))).body.lineItems.find(
      (item: any) => item.offerId === e5Line().catalogItemId,
    );
    assert.equal(licence.links.activationLinks, undefined, 'a licence has none');
    assert.equal(
      (await server.call('GET', `${orderPath(other.id)}/lineitems/${licence.lineItemNumber}/activationlinks`)).body
        .totalCount,
      0,
    );
    const missing = await server.call('GET', `${orderPath(saasOrder.id)}/lineitems/7/activationlinks`);
    assert.equal(missing.status, 404);
    assertErrorBody(missing.body, 20000);
  });

  it('an unknown order has no provisioning status: 404, code 800007', async () => {
    const reply = await server.call('GET', `${orderPath('a1b2c3d4e5f6')}/provisioningstatus`);
    assert.equal(reply.status, 404);
    assertErrorBody(reply.body, 800007);
  });
});

describe('provisioning delay 0', () => {
  const server = useTestServer({ provisioningDelayMs: 0 });

  it('provisions at checkout: the answer already has completed orders with subscription ids', async () => {
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const { orders } = (await server.call('POST', checkoutPath(cart.body.id))).body;
    assert.equal(orders[0].status, 'completed');
    assert.match(orders[0].lineItems[0].subscriptionId, /^[0-9a-f-]{36}$/);
    const status = await server.call('GET', `${orderPath(orders[0].id)}/provisioningstatus`);
    assert.equal(status.body.items[0].status, 'Fulfilled');
  });
});

describe('provisioning state survives a restart', () => {
  const folder = useTemporaryDirectory('provisioning-restart');

  it('is derived from the stored time: another server on the same file, later, sees the order completed', async () => {
    let now = START;
    const options = () => ({
      databasePath: join(folder.path, 'sandbox.db'),
      provisioningDelayMs: DELAY_MS,
      now: () => new Date(now),
    });
    const first = await new TestServer(options).start();
    let orderId: string;
    try {
      const cart = await first.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
      orderId = (await first.call('POST', checkoutPath(cart.body.id))).body.orders[0].id;
    } finally {
      await first.stop();
    }
    const second = await new TestServer(options).start();
    try {
      assert.equal((await second.call('GET', orderPath(orderId))).body.status, 'pending');
      now = START + DELAY_MS;
      assert.equal((await second.call('GET', orderPath(orderId))).body.status, 'completed');
    } finally {
      await second.stop();
    }
  });
});

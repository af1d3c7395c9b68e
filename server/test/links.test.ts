// Every link the sandbox sends resolves: a full flow (catalog, cart, update, checkout, orders,
// provisioning status, activation links, cancellation) is run through HTTP, every `links` entry of
// every answer is collected, and each is followed as docs/sandbox-behaviour.md says: its `uri` exactly as written,
// after the API base (the server and `/v1`, as Partner Center's links are relative to
// https://api.partnercenter.microsoft.com/v1), with its method. A GET must answer 200; a PATCH (the
// order's patchOperation) is sent an empty body and must answer 400 for it, which only a served
// operation does. None may answer 404 or 405. A link followed from the server's root alone answers a
// 404 that says where to request it.
import assert from 'node:assert/strict';
import { cartPath, cartsPath, checkoutPath, e5Line, orderPath, ordersPath } from './harness.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';

/** What docs/sandbox-behaviour.md says to put before a link's `uri`, after the server's address. */
const API_BASE = '/v1';

interface Link {
  uri: string;
  method: string;
}

/** Every link under a `links` key, at any depth. */
function linksIn(value: unknown, found: Link[] = []): Link[] {
  if (Array.isArray(value)) value.forEach((item) => linksIn(item, found));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'links' && child && typeof child === 'object') {
        for (const entry of Object.values(child))
          if (entry && typeof (entry as Link).uri === 'string') found.push(entry as Link);
      }
      linksIn(child, found);
    }
  }
  return found;
}

describe('every link the sandbox sends resolves', () => {
  const server = useTestServer({ provisioningDelayMs: 0 });

  it('walks every link of every answer of a full flow: 0 answer 404 or 405', async () => {
    const answers: unknown[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const reply = await server.call(method, path, body === undefined ? {} : { body });
      assert.ok(reply.status < 300, `${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
      answers.push(reply.body);
      return reply.body;
    };
    const products = await call('GET', '/v1/products?country=US&targetView=OnlineServices');
    const product = products.items[0];
    const skus = await call('GET', `/v1/products/${product.id}/skus?country=US`);
    await call('GET', `/v1/products/${product.id}?country=US`);
    const availabilities = await call(
      'GET',
      `/v1/products/${product.id}/skus/${skus.items[0].id}/availabilities?country=US`,
    );
    await call('GET', `/v1/products/${product.id}/skus/${skus.items[0].id}?country=US`);
    await call(
      'GET',
      `/v1/products/${product.id}/skus/${skus.items[0].id}/availabilities/${availabilities.items[0].id}?country=US`,
    );

    const lines = [
      e5Line(2),
      { catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
      { catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', quantity: 1, billingCycle: 'one_time' },
      { catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity: 1, billingCycle: 'monthly' },
    ];
    const cart = await call('POST', cartsPath(), { lineItems: lines });
    await call('PUT', cartPath(cart.id), {
      lineItems: lines.map((line) => ({ ...line, quantity: line.quantity + 1 })),
    });
    await call('GET', cartPath(cart.id));
    const { orders } = await call('POST', checkoutPath(cart.id));
    assert.ok(orders.length >= 3, JSON.stringify(orders));
    await call('GET', ordersPath());
    for (const order of orders) {
      await call('GET', orderPath(order.id));
      await call('GET', `${orderPath(order.id)}/provisioningstatus`);
      for (const line of order.lineItems)
        await call('GET', `${orderPath(order.id)}/lineitems/${line.lineItemNumber}/activationlinks`);
    }
    const software = orders.find((order: any) =>
      order.lineItems.some((line: any) => line.offerId.startsWith('DG7GMGF0DWTL')),
    );
    await call('PATCH', orderPath(software.id), { status: 'cancelled' });

    const links = linksIn(answers);
    const broken: string[] = [];
    for (const found of links) {
      const reply =
        found.method === 'GET'
          ? await server.call('GET', `${API_BASE}${found.uri}`)
          : await server.call(found.method, `${API_BASE}${found.uri}`, { body: {} });
      const expected = found.method === 'GET' ? 200 : 400;
      if (reply.status !== expected) broken.push(`${found.method} ${found.uri}: ${reply.status}`);
    }
    assert.deepEqual(broken, []);
    assert.ok(links.length >= 40, `${links.length} links walked`);
    // Every kind of link the spec says the sandbox sends was among them.
    const patterns = [
      /^\/products\?(?=.*country=US)(?=.*targetView=OnlineServices)/,
      /^\/products\/\w+\?country=US$/,
      /^\/products\/\w+\/skus\?country=US$/,
      /^\/products\/\w+\/skus\/\w+\?country=US$/,
      /^\/products\/\w+\/skus\/\w+\/availabilities\?country=US$/,
      /^\/products\/\w+\/skus\/\w+\/availabilities\/\w+\?country=US$/,
      /^\/customers\/[\w-]+\/carts\/[\w-]+$/,
      /^\/customers\/[\w-]+\/orders$/,
      /^\/customers\/[\w-]+\/orders\/\w+$/,
      /^\/customers\/[\w-]+\/orders\/\w+\/provisioningstatus$/,
      /^\/customers\/[\w-]+\/orders\/\w+\/lineitems\/\d+\/activationlinks$/,
    ];
    for (const pattern of patterns)
      assert.ok(
        links.some((found) => pattern.test(found.uri)),
        `a link like ${pattern} was sent`,
      );
    assert.ok(
      links.some((found) => found.method === 'PATCH'),
      'the patchOperation link was walked',
    );
  });

  it("a link requested from the server's root alone answers 404 saying to request it under /v1, where it resolves", async () => {
    const products = await server.call('GET', '/v1/products?country=US&targetView=OnlineServices');
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    for (const { uri, method } of [products.body.items[0].links.skus, cart.body.links.self] as Link[]) {
      assert.ok(!uri.startsWith('/v1/'), `${uri}: written as Partner Center writes it, relative to the API base`);
      const literal = await server.call(method, uri);
      assert.equal(literal.status, 404, uri);
      assertErrorBody(literal.body, 404);
      assert.equal(
        literal.body.description,
        `No such route: ${method} ${uri.split('?')[0]} — Partner Center's links are relative to the API base (/v1); request ${method} /v1${uri}.`,
      );
      assert.equal((await server.call(method, `${API_BASE}${uri}`)).status, 200, `${API_BASE}${uri}`);
    }
    // A path that is not the API's under /v1 either gets no such advice.
    const unknown = await server.call('GET', '/productz/CFQ7TTC0LH18?country=US');
    assert.equal(unknown.body.description, 'No such route: GET /productz/CFQ7TTC0LH18.');
  });
});

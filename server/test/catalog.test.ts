// Catalog discovery through HTTP, as an integration uses it: find a product, its SKU and an
// availability, and buy its catalogItemId; every link of every answer (and of the order lines that
// checkout makes) resolves; countries, unknown ids and query values answer as Partner Center does.
// The server validates its answers against the spec, so a wrong shape fails here as a 500.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { targetViewValues, termDurationValues } from '../../generated/api-types.ts';
import { loadCatalog } from '../catalog/load-catalog.ts';
import { findProduct, isProductCatalogItem, type CatalogItem } from '../domain/catalog.ts';
import { cartsPath, checkoutPath, CUSTOMER, fieldsOf, orderPath, type TestServer } from './harness.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';

const catalog = loadCatalog();
const GB_CUSTOMER = '4a1c0d8e-6b2f-4c3a-9e57-0f2d8b61c9a4';
const DE_CUSTOMER = 'b5e3f7a2-1d94-4c68-8a0b-3e6f9c2d7a15';

/** Every link object (`{ uri, method, headers }`) anywhere in an answer. */
function linksIn(value: unknown): { uri: string; method: string }[] {
  if (Array.isArray(value)) return value.flatMap(linksIn);
  if (value === null || typeof value !== 'object') return [];
  const node = value as Record<string, unknown>;
  if (typeof node['uri'] === 'string' && typeof node['method'] === 'string')
    return [{ uri: node['uri'], method: node['method'] }];
  return Object.values(node).flatMap(linksIn);
}

/** A cart line that buys the item as the catalog sells it: its first term and billing cycle, its least quantity. */
function lineFor(item: CatalogItem): Record<string, unknown> {
  const term = termDurationValues.find((duration) => item.terms[duration]);
  const offers = term ? item.terms[term] : item.termless;
  const context = Object.fromEntries(
    item.provisioningVariables
      .filter((variable) => variable.required)
      .map((variable) => [variable.name, variable.allowedValues?.[0] ?? randomUUID()]),
  );
  return {
    catalogItemId: item.catalogItemId,
    quantity: item.minQuantity,
    billingCycle: Object.keys(offers ?? {})[0],
    ...(term ? { termDuration: term } : {}),
    ...(Object.keys(context).length > 0 ? { provisioningContext: context } : {}),
    ...(item.enforceAttestation ? { attestationAccepted: true } : {}),
  };
}

/** The lines of a cart that buys the item: with its base first when it is an add-on. */
function cartFor(item: CatalogItem): Record<string, unknown>[] {
  const bases = item.addOnOf
    .map((productId) => findProduct(catalog, productId)?.items[0])
    .filter((base) => base !== undefined);
  return [...bases.map(lineFor), lineFor(item)].map((line, index) => ({ id: index, ...line }));
}

async function get(server: TestServer, uri: string) {
  return server.call('GET', `/v1${uri}`);
}

describe('catalog discovery over HTTP', () => {
  const server = useTestServer({}, { once: true });

  it("the integrator's walk: product, SKU, availability, and its catalogItemId buys a cart line", async () => {
    const products = await server.call('GET', '/v1/products?country=US&targetView=OnlineServices');
    assert.equal(products.status, 200, JSON.stringify(products.body));
    const product = products.body.items.find((p: any) => p.title === 'Office 365 E5 without Audio Conferencing');
    assert.ok(product, products.body.items.map((p: any) => p.title).join(', '));

    const skus = await get(server, product.links.skus.uri);
    assert.equal(skus.status, 200, JSON.stringify(skus.body));
    const sku = skus.body.items[0];
    assert.equal(sku.productId, product.id);

    const availabilities = await get(server, sku.links.availabilities.uri);
    assert.equal(availabilities.status, 200, JSON.stringify(availabilities.body));
    const listed = availabilities.body.items.find((a: any) => a.terms.some((t: any) => t.duration === 'P1M'));
    assert.ok(listed, 'an availability with a monthly term');
    const availability = await get(server, listed.links.self.uri);
    assert.equal(availability.status, 200, JSON.stringify(availability.body));
    assert.deepEqual(availability.body, listed);

    const cart = await server.call('POST', cartsPath(), {
      body: {
        lineItems: [
          {
            catalogItemId: availability.body.catalogItemId,
            quantity: sku.minimumQuantity,
            termDuration: 'P1M',
            billingCycle: sku.supportedBillingCycles[0],
          },
        ],
      },
    });
    assert.equal(cart.status, 201, JSON.stringify(cart.body));
    assert.equal(cart.body.lineItems[0].catalogItemId, availability.body.catalogItemId);
    assert.equal(cart.body.lineItems[0].error, undefined, JSON.stringify(cart.body.lineItems[0].error));
    assert.equal(cart.body.lineItems[0].currencyCode, availability.body.defaultCurrency.code);
  });

  it('every link of every catalog answer resolves, in every market, from every view', async () => {
    const seen = new Set<string>();
    const queue = [...catalog.markets.keys()].flatMap((country) =>
      targetViewValues.map((view) => `/products?country=${country}&targetView=${view}`),
    );
    while (queue.length > 0) {
      const uri = queue.shift()!;
      if (seen.has(uri)) continue;
      seen.add(uri);
      const reply = await get(server, uri);
      assert.equal(reply.status, 200, `${uri}: ${JSON.stringify(reply.body)}`);
      for (const link of linksIn(reply.body)) {
        assert.equal(link.method, 'GET', link.uri);
        queue.push(link.uri);
      }
    }
    // The walk reached every availability of the catalog in each of its markets.
    for (const item of catalog.items.filter(isProductCatalogItem)) {
      const [productId, skuId, availabilityId] = item.catalogItemId.split(':');
      for (const country of item.markets) {
        assert.ok(
          seen.has(`/products/${productId}/skus/${skuId}/availabilities/${availabilityId}?country=${country}`),
          `${item.catalogItemId} in ${country}`,
        );
      }
    }
  });

  it("the catalog links of the order lines checkout makes resolve, for every catalog item, in the customer's country", async () => {
    const bought: [customer: string, item: CatalogItem][] = catalog.items
      .filter(isProductCatalogItem)
      .map((item) => [CUSTOMER, item]);
    bought.push(
      [GB_CUSTOMER, catalog.byId.get('cfq7ttc0lf8s:0001:cfq7ttc0n81h')!],
      [DE_CUSTOMER, catalog.byId.get('dg7gmgf0d7fv:0001:dg7gmgf0sbx1')!],
    );
    const checked = new Set<string>();
    for (const [customer, item] of bought) {
      const country = customer === CUSTOMER ? 'US' : customer === GB_CUSTOMER ? 'GB' : 'DE';
      const cart = await server.call('POST', cartsPath(customer), { body: { lineItems: cartFor(item) } });
      assert.equal(cart.status, 201, `${item.catalogItemId}: ${JSON.stringify(cart.body)}`);
      const errors = cart.body.lineItems.filter((line: any) => line.error).map((line: any) => line.error);
      assert.deepEqual(errors, [], item.catalogItemId);
      const checkout = await server.call('POST', checkoutPath(cart.body.id, customer));
      assert.equal(checkout.status, 201, `${item.catalogItemId}: ${JSON.stringify(checkout.body)}`);
      assert.ok(checkout.body.orders.length > 0, `${item.catalogItemId}: ${JSON.stringify(checkout.body)}`);
      for (const { id } of checkout.body.orders) {
        const order = await server.call('GET', orderPath(id, customer));
        assert.equal(order.status, 200, JSON.stringify(order.body));
        for (const line of order.body.lineItems) {
          const [productId, skuId, availabilityId] = String(line.offerId).split(':');
          const expected = {
            product: `/products/${productId}?country=${country}`,
            sku: `/products/${productId}/skus/${skuId}?country=${country}`,
            availability: `/products/${productId}/skus/${skuId}/availabilities/${availabilityId}?country=${country}`,
          };
          for (const kind of ['product', 'sku', 'availability'] as const) {
            assert.equal(line.links?.[kind]?.uri, expected[kind], `${line.offerId} ${kind}`);
            const reply = await get(server, line.links[kind].uri);
            assert.equal(reply.status, 200, `${line.links[kind].uri}: ${JSON.stringify(reply.body)}`);
          }
          const availability = await get(server, line.links.availability.uri);
          assert.equal(availability.body.catalogItemId.toLowerCase(), String(line.offerId).toLowerCase());
          checked.add(`${line.offerId} ${country}`);
        }
      }
    }
    assert.ok(checked.has(`${catalog.items.find(isProductCatalogItem)!.catalogItemId} US`));
    assert.ok(
      checked.has('CFQ7TTC0LF8S:0001:CFQ7TTC0N81H GB') && checked.has('DG7GMGF0D7FV:0001:DG7GMGF0SBX1 DE'),
      [...checked].join(', '),
    );
    assert.ok(checked.size >= catalog.items.filter(isProductCatalogItem).length, `${checked.size} lines checked`);
  });

  describe('countries', () => {
    it('answers in the market of the country asked for: GB in pounds, DE in euros', async () => {
      const gb = await server.call('GET', '/v1/products/CFQ7TTC0LF8S/skus/0001/availabilities/CFQ7TTC0N81H?country=gb');
      assert.equal(gb.status, 200, JSON.stringify(gb.body));
      assert.deepEqual([gb.body.country, gb.body.defaultCurrency], ['GB', { code: 'GBP', symbol: '£' }]);
      assert.equal(gb.body.links.self.uri, '/products/CFQ7TTC0LF8S/skus/0001/availabilities/CFQ7TTC0N81H?country=GB');
      const de = await server.call('GET', '/v1/products/CFQ7TTC0LF8S/skus/0001/availabilities?country=DE');
      assert.deepEqual(
        de.body.items.map((a: any) => [a.country, a.defaultCurrency.code]),
        [
          ['DE', 'EUR'],
          ['DE', 'EUR'],
        ],
      );
    });

    it('an item not sold in DE is not found there, and left out of the lists', async () => {
      const us = await server.call('GET', '/v1/products?country=US&targetView=MarketplaceSaaS');
      const de = await server.call('GET', '/v1/products?country=DE&targetView=MarketplaceSaaS');
      assert.ok(us.body.items.some((p: any) => p.id === 'DZH318Z0BXWC'));
      assert.ok(
        de.body.items.length > 0 && !de.body.items.some((p: any) => p.id === 'DZH318Z0BXWC'),
        JSON.stringify(de.body.items.map((p: any) => p.id)),
      );
      for (const path of [
        '/v1/products/DZH318Z0BXWC',
        '/v1/products/DZH318Z0BXWC/skus',
        '/v1/products/DZH318Z0BXWC/skus/0002/availabilities/DZH318Z0BMRV',
      ]) {
        const reply = await server.call('GET', `${path}?country=DE`);
        assert.equal(reply.status, 404, path);
        assertErrorBody(reply.body, 400013);
      }
      assert.equal(
        (await server.call('GET', '/v1/products/DZH318Z0BXWC/skus/0002/availabilities/DZH318Z0BMRV?country=GB')).status,
        200,
      );
    });

    it('a country the catalog has no market for: 403 with code 2030, on every operation', async () => {
      const paths = [
        '/v1/products?targetView=OnlineServices&',
        '/v1/products/CFQ7TTC0LF8S?',
        '/v1/products/CFQ7TTC0LF8S/skus?',
        '/v1/products/CFQ7TTC0LF8S/skus/0001?',
        '/v1/products/CFQ7TTC0LF8S/skus/0001/availabilities?',
        '/v1/products/CFQ7TTC0LF8S/skus/0001/availabilities/CFQ7TTC0N81H?',
      ];
      for (const path of paths) {
        const reply = await server.call('GET', `${path}country=fr`);
        assert.equal(reply.status, 403, path);
        assertErrorBody(reply.body, 2030);
        assert.match(reply.body.description, /not onboarded to sell in country FR/);
      }
    });
  });

  describe("unknown ids: 404 with Partner Center's code and error body", () => {
    it('a product (400013), before its SKU or availability', async () => {
      for (const path of [
        '/v1/products/CFQ7TTC0ZZZZ',
        '/v1/products/CFQ7TTC0ZZZZ/skus',
        '/v1/products/CFQ7TTC0ZZZZ/skus/0001',
        '/v1/products/CFQ7TTC0ZZZZ/skus/0001/availabilities/CFQ7TTC0N81H',
      ]) {
        const reply = await server.call('GET', `${path}?country=US`);
        assert.equal(reply.status, 404, path);
        assertErrorBody(reply.body, 400013);
      }
      const legacy = await server.call('GET', '/v1/products/MS-AZR-0145P?country=US');
      assert.equal(legacy.status, 404);
      assertErrorBody(legacy.body, 400013);
      assert.match(legacy.body.description, /legacy offer id/);
    });

    it('a SKU (400018)', async () => {
      for (const path of [
        '/v1/products/CFQ7TTC0LF8S/skus/0009',
        '/v1/products/CFQ7TTC0LF8S/skus/0009/availabilities',
        '/v1/products/CFQ7TTC0LF8S/skus/0009/availabilities/CFQ7TTC0N81H',
      ]) {
        const reply = await server.call('GET', `${path}?country=US`);
        assert.equal(reply.status, 404, path);
        assertErrorBody(reply.body, 400018);
      }
    });

    it('an availability (400019), saying that availability ids change', async () => {
      const reply = await server.call(
        'GET',
        '/v1/products/CFQ7TTC0LF8S/skus/0001/availabilities/CFQ7TTC0K971?country=US',
      );
      assert.equal(reply.status, 404);
      assertErrorBody(reply.body, 400019);
      assert.match(reply.body.description, /Availability ids change over time: read the SKU's availabilities again/);
    });
  });

  describe('query values', () => {
    it('a value out of its set: 400 naming the parameter', async () => {
      const cases = [
        ['/v1/products?country=US&targetView=Everything', 'query.targetView'],
        ['/v1/products?country=US&targetView=OnlineServices&targetSegment=retail', 'query.targetSegment'],
        ['/v1/products/CFQ7TTC0LF8S/skus?country=US&targetSegment=retail', 'query.targetSegment'],
        [
          '/v1/products/CFQ7TTC0LF8S/skus/0001/availabilities?country=US&reservationScope=Shared',
          'query.reservationScope',
        ],
        ['/v1/products/CFQ7TTC0LF8S?country=USA', 'query.country'],
        ['/v1/products/CFQ7TTC0LF8S/skus/0001?country=U1', 'query.country'],
      ];
      for (const [path, field] of cases) {
        const reply = await server.call('GET', path!);
        assert.equal(reply.status, 400, path);
        assertErrorBody(reply.body, 800002);
        assert.deepEqual(fieldsOf(reply.body.data), [field], path);
      }
    });

    it('a missing country or targetView: 400 naming it', async () => {
      const paths = [
        '/v1/products?targetView=OnlineServices',
        '/v1/products/CFQ7TTC0LF8S',
        '/v1/products/CFQ7TTC0LF8S/skus',
        '/v1/products/CFQ7TTC0LF8S/skus/0001',
        '/v1/products/CFQ7TTC0LF8S/skus/0001/availabilities',
        '/v1/products/CFQ7TTC0LF8S/skus/0001/availabilities/CFQ7TTC0N81H',
      ];
      for (const path of paths) {
        const reply = await server.call('GET', path);
        assert.equal(reply.status, 400, path);
        assertErrorBody(reply.body, 800002);
        assert.deepEqual(fieldsOf(reply.body.data), ['query.country'], path);
      }
      const noView = await server.call('GET', '/v1/products?country=US');
      assert.equal(noView.status, 400);
      assert.deepEqual(fieldsOf(noView.body.data), ['query.targetView']);
    });

    it('enumeration values and the country without regard to case, answered in their canonical spelling', async () => {
      const canonical = await server.call(
        'GET',
        '/v1/products?country=US&targetView=OnlineServices&targetSegment=commercial&reservationScope=AzurePlan',
      );
      const loose = await server.call(
        'GET',
        '/v1/products?country=us&targetView=onlineservices&targetSegment=COMMERCIAL&reservationScope=azureplan',
      );
      assert.equal(loose.status, 200, JSON.stringify(loose.body));
      assert.ok(loose.body.totalCount > 0);
      assert.deepEqual(loose.body, canonical.body);
      assert.equal(
        loose.body.links.self.uri,
        '/products?country=US&targetView=OnlineServices&targetSegment=commercial&reservationScope=AzurePlan',
      );
      const skus = await server.call('GET', '/v1/products/cfq7ttc0lf8s/skus?country=us&targetSegment=Commercial');
      assert.equal(skus.status, 200, JSON.stringify(skus.body));
      assert.equal(skus.body.links.self.uri, '/products/CFQ7TTC0LF8S/skus?country=US&targetSegment=commercial');
    });
  });

  it('read-only: an MS-RequestId used again for another catalog read is not replayed nor refused', async () => {
    const headers = { 'MS-RequestId': randomUUID() };
    const first = await server.call('GET', '/v1/products/CFQ7TTC0LF8S?country=US', { headers });
    const second = await server.call('GET', '/v1/products/CFQ7TTC0LFLX?country=GB', { headers });
    assert.deepEqual([first.status, second.status], [200, 200]);
    assert.equal(second.body.id, 'CFQ7TTC0LFLX');
    assert.equal(second.headers.get('idempotent-replayed'), null);
    assert.equal(second.headers.get('ms-requestid'), headers['MS-RequestId']);
  });

  it('needs a token like every /v1 call', async () => {
    const reply = await server.call('GET', '/v1/products?country=US&targetView=OnlineServices', {
      headers: { authorization: null },
    });
    assert.equal(reply.status, 401);
    assertErrorBody(reply.body, 800001);
  });
});

// The cart rules through HTTP: published requests, the read-change-write update, status and expiry,
// line errors, grouping, checkout (partial, idempotent, atomic per group) and seat limits across orders.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cartPath, cartsPath, checkoutPath, CUSTOMER, e5Line, ordersPath } from './harness.ts';
import { useTestServer } from './hooks.ts';

const fixturesDir = join(import.meta.dirname, '..', '..', 'openapi', 'test', 'fixtures', 'published');
const fixture = (file: string) => JSON.parse(readFileSync(join(fixturesDir, file), 'utf8'));

describe('cart rules over HTTP', () => {
  let clock: Date;
  beforeEach(() => {
    clock = new Date('2026-11-21T09:00:00Z');
  });
  const server = useTestServer({ cartTtlMs: 15 * 60 * 1000, now: () => clock });

  describe('the published example requests succeed as they are', () => {
    const requests = [
      ['A2 legacy mix', 'a2-create-cart-legacy.request.json', ['OMS-0', '0', '0', '0', '1', '2']],
      ['A3 PascalCase minimal', 'a3-create-cart-nce-minimal.request.json', ['0']],
      ['A4 legacy add-ons', 'a4-addons-legacy-new-base.request.json', ['OMS-0']],
      ['A5 add-on to an existing subscription', 'a5-addons-legacy-existing-base.request.json', ['OMS-0']],
      ['A6 new-commerce base and add-on', 'a6-addons-nce.request.json', ['0', '0']],
    ] as const;
    for (const [name, file, groups] of requests) {
      it(name, async () => {
        const reply = await server.call('POST', cartsPath(), { body: fixture(file) });
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        assert.deepEqual(
          reply.body.lineItems.map((l: any) => l.orderGroup),
          groups,
        );
        assert.deepEqual(
          reply.body.lineItems.filter((l: any) => l.error).map((l: any) => l.error),
          [],
        );
      });
    }

    it('A7, the PascalCase update with every read-only field, after A2 created the cart', async () => {
      const created = await server.call('POST', cartsPath(), { body: fixture('a2-create-cart-legacy.request.json') });
      const updated = await server.call('PUT', `${cartPath(created.body.id)}/`, {
        body: fixture('a7-update-cart.request.json'),
      });
      assert.equal(updated.status, 201, JSON.stringify(updated.body));
      assert.equal(updated.body.id, created.body.id); // the body's Id is ignored
      assert.equal(updated.body.creationTimestamp, created.body.creationTimestamp);
      assert.equal(updated.body.expirationTimestamp, created.body.expirationTimestamp); // "0001-01-01T00:00:00" ignored
      assert.deepEqual(updated.body.lineItems[0].provisioningContext, {
        subscriptionId: '3D5ECED6-1151-44C7-AEE6-70A4BB725666',
        scope: 'shared',
        duration: '1Year',
      });
    });
  });

  it('update: GET, change, PUT the whole cart back; read-only values are ignored', async () => {
    const created = (await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(2)] } })).body;
    clock = new Date(clock.getTime() + 60_000);
    const edited = structuredClone(created);
    edited.lineItems[0].quantity = 3;
    edited.status = 'Ordered';
    edited.lineItems[0].pricing.price = 0.01;
    edited.creationTimestamp = '2000-01-01T00:00:00Z';
    const reply = await server.call('PUT', cartPath(created.id), { body: edited });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.status, 'Active');
    assert.equal(reply.body.creationTimestamp, created.creationTimestamp);
    assert.equal(reply.body.lastModifiedTimestamp, clock.toISOString());
    assert.equal(reply.body.lineItems[0].pricing.price, 36.48);
    assert.equal(reply.body.lineItems[0].pricing.extendedPrice, 109.44);
    assert.deepEqual((await server.call('GET', cartPath(created.id))).body, reply.body);
  });

  it('a line that cannot be bought carries its error, the cart is still created', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: {
        lineItems: [
          e5Line(1),
          {
            catalogItemId: 'CFQ7TTC0XXXX:0001:CFQ7TTC0YYYY',
            quantity: 1,
            billingCycle: 'monthly',
            termDuration: 'P1M',
          },
          e5Line(1, { billingCycle: 'annual' }),
        ],
      },
    });
    assert.equal(reply.status, 201);
    assert.deepEqual(
      reply.body.lineItems.map((l: any) => l.error?.errorCode ?? null),
      [null, 10001, 10013],
    );
  });

  it('checkout: a group with a line error becomes an orderError (800009), the others become orders; a retry never orders a group twice', async () => {
    const created = (
      await server.call('POST', cartsPath(), {
        body: {
          lineItems: [
            e5Line(2),
            {
              catalogItemId: 'DZH318Z0BQ36:004G:DZH318Z08C0S',
              quantity: 1,
              billingCycle: 'one_time',
              termDuration: 'P1Y',
              provisioningContext: { subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8' },
            },
          ],
        },
      })
    ).body;
    assert.equal(created.lineItems[1].error.errorCode, 10010); // scope is required
    const first = await server.call('POST', checkoutPath(created.id));
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.orders.length, 1);
    const order = first.body.orders[0];
    assert.deepEqual(
      first.body.orderErrors.map((e: any) => [e.orderGroupId, e.code]),
      [['1', 800009]],
    );
    assert.equal(order.lineItems[0].offerId, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H');
    assert.equal(order.lineItems[0].lineItemNumber, 0);
    assert.match(order.lineItems[0].subscriptionId, /^[0-9a-f-]{36}$/);
    assert.equal(order.totalPrice, 72.96);
    assert.equal(order.referenceCustomerId, CUSTOMER);

    const again = await server.call('POST', checkoutPath(created.id), { rawBody: '{}' });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body.orders, first.body.orders);
    assert.equal((await server.call('GET', ordersPath())).body.totalCount, 1);
    assert.equal((await server.call('GET', cartPath(created.id))).body.status, 'Active');
    // A cart with orders can no longer be updated.
    const update = await server.call('PUT', cartPath(created.id), { body: { lineItems: [e5Line(1)] } });
    assert.equal(update.status, 400);
    assert.equal(update.body.code, 800065);
  });

  it('checkout of a cart whose groups are all fine orders everything, marks it Ordered and is idempotent', async () => {
    const created = (await server.call('POST', cartsPath(), { body: fixture('a2-create-cart-legacy.request.json') }))
      .body;
    const first = await server.call('POST', checkoutPath(created.id));
    assert.deepEqual(
      first.body.orders.map((o: any) => o.billingCycle),
      ['monthly', 'one_time', 'monthly', 'none'],
    );
    assert.deepEqual(first.body.orderErrors, []);
    assert.equal((await server.call('GET', cartPath(created.id))).body.status, 'Ordered');
    const again = await server.call('POST', checkoutPath(created.id));
    assert.deepEqual(again.body, first.body);
    const listed = await server.call('GET', ordersPath());
    assert.equal(listed.body.totalCount, 4);
    const read = await server.call('GET', `${ordersPath()}/${first.body.orders[1].id}?include_price=true`);
    assert.deepEqual(read.body, first.body.orders[1]);
    const update = await server.call('PUT', cartPath(created.id), { body: { lineItems: [e5Line(1)] } });
    assert.equal(update.status, 400);
    assert.equal(update.body.code, 800065);
  });

  it('an expired cart can be read but not updated or checked out', async () => {
    const created = (await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } })).body;
    clock = new Date(clock.getTime() + 15 * 60 * 1000);
    assert.equal((await server.call('GET', cartPath(created.id))).status, 200);
    for (const [method, path, body] of [
      ['PUT', cartPath(created.id), { lineItems: [e5Line(2)] }],
      ['POST', checkoutPath(created.id), undefined],
    ] as const) {
      const reply = await server.call(method, path, { body });
      assert.equal(reply.status, 400, `${method} ${path}`);
      assert.equal(reply.body.code, 800002);
      assert.match(reply.body.description, /expired/);
    }
    assert.equal((await server.call('GET', ordersPath())).body.totalCount, 0);
  });

  it('seat limits count what earlier orders bought: a cart evaluated before another order fills the pool fails at checkout (800017)', async () => {
    const pooled = (quantity: number) => ({
      catalogItemId: 'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP1',
      quantity,
      billingCycle: 'monthly',
      termDuration: 'P1M',
    });
    const early = (await server.call('POST', cartsPath(), { body: { lineItems: [pooled(200)] } })).body;
    const other = (await server.call('POST', cartsPath(), { body: { lineItems: [pooled(200)] } })).body;
    assert.equal(early.lineItems[0].error, undefined);
    assert.equal((await server.call('POST', checkoutPath(other.id))).body.orders.length, 1);
    const late = await server.call('POST', checkoutPath(early.id));
    assert.deepEqual(late.body.orders, []);
    assert.equal(late.body.orderErrors[0].code, 800017);
    const fresh = (await server.call('POST', cartsPath(), { body: { lineItems: [pooled(200)] } })).body;
    assert.equal(fresh.lineItems[0].error.errorCode, 10015);
    assert.deepEqual(fresh.lineItems[0].error.additionalInformation, {
      availableQuantity: 100,
      purchasedQuantity: 200,
    });
  });

  it('partners of record become partnerIdOnRecord and additionalPartnerIdsOnRecord on the order', async () => {
    const created = (
      await server.call('POST', cartsPath(), {
        body: {
          lineItems: [
            {
              ...e5Line(1),
              participants: [
                { key: 'transaction_reseller', value: '5357564' },
                { key: 'additional_transaction_reseller', value: '517285' },
              ],
            },
          ],
        },
      })
    ).body;
    const line = (await server.call('POST', checkoutPath(created.id))).body.orders[0].lineItems[0];
    assert.equal(line.partnerIdOnRecord, '5357564');
    assert.deepEqual(line.additionalPartnerIdsOnRecord, ['517285']);
  });
});

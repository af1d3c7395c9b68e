// What an integrator does, end to end, with the typed client against the sandbox over HTTP: find a
// product for US and OnlineServices, pick a SKU and its availability, buy its catalogItemId, see the
// orders pending without subscription ids, poll the provisioning status until Fulfilled, and see the
// orders completed with their subscriptions. Then the same flow with PROVISIONING_DELAY 0.
import assert from 'node:assert/strict';
import { createCartClient, unwrap, type Availability, type Sku } from '../index.ts';
import { CUSTOMER, PARTNER, TestServer, token } from '../../server/test/harness.ts';

const DELAY_MS = 600;

describe('the purchase flow, as an integrator runs it', () => {
  for (const delay of [DELAY_MS, 0]) {
    describe(`with PROVISIONING_DELAY ${delay} ms`, () => {
      let server: TestServer;
      before(async () => {
        server = await new TestServer({ provisioningDelayMs: delay }).start();
      });
      after(() => server.stop());

      it('catalog, cart, checkout, provisioning, completed orders', async () => {
        const api = createCartClient({ baseUrl: server.baseUrl, token: () => token(PARTNER), retry: false });

        const products = unwrap(await api.listProducts({ country: 'US', targetView: 'OnlineServices' }));
        assert.ok(products.totalCount > 0 && products.items.length === products.totalCount);
        // The first product with a SKU that has a purchasable availability on a monthly-billed term.
        let chosen: { sku: Sku; availability: Availability } | undefined;
        for (const product of products.items) {
          const skus = unwrap(await api.listSkus(product.id, { country: 'US' }));
          for (const sku of skus.items.filter(
            (candidate) => candidate.supportedBillingCycles.includes('monthly') && !candidate.isTrial,
          )) {
            const availabilities = unwrap(await api.listAvailabilities(product.id, sku.id, { country: 'US' }));
            const availability = availabilities.items.find(
              (candidate) => candidate.isPurchasable && candidate.terms.some((term) => term.duration === 'P1M'),
            );
            if (availability) chosen = { sku, availability };
            if (chosen) break;
          }
          if (chosen) break;
        }
        assert.ok(chosen, 'a product of the OnlineServices view can be bought monthly');
        const { sku, availability } = chosen;
        assert.equal(availability.catalogItemId, `${availability.productId}:${availability.skuId}:${availability.id}`);
        const again = unwrap(
          await api.getAvailability(availability.productId, availability.skuId, availability.id, { country: 'US' }),
        );
        assert.equal(again.catalogItemId, availability.catalogItemId);

        const cart = unwrap(
          await api.createCart(CUSTOMER, {
            lineItems: [
              {
                catalogItemId: availability.catalogItemId,
                quantity: sku.minimumQuantity,
                billingCycle: 'monthly',
                termDuration: 'P1M',
              },
            ],
          }),
        );
        assert.deepEqual(
          cart.lineItems.map((line) => line.error),
          [undefined],
          JSON.stringify(cart.lineItems),
        );
        const checkoutSent = performance.now();
        const { orders } = unwrap(await api.checkoutCart(CUSTOMER, cart.id));
        assert.equal(orders.length, 1);
        const [order] = orders;
        assert.ok(order);

        if (delay > 0) {
          assert.equal(order.status, 'pending');
          assert.deepEqual(
            order.lineItems.map((line) => line.subscriptionId),
            [undefined],
          );
          const statuses = unwrap(await api.listOrders(CUSTOMER)).items.map((item) => item.status);
          // Pending for certain when read back within the delay; a loaded machine may read it later.
          if (performance.now() - checkoutSent < delay) assert.deepEqual(statuses, ['pending']);
          else assert.equal(statuses.length, 1);
        }
        // Poll the provisioning status, as an integration must (bounded: at most 50 polls).
        let polls = 0;
        let status = unwrap(await api.getOrderProvisioningStatus(CUSTOMER, order.id));
        while (status.items.some((item) => item.status !== 'Fulfilled') && polls < 50) {
          assert.deepEqual(
            status.items.map((item) => item.status),
            ['PrefulfillmentPending'],
          );
          await new Promise((resolve) => setTimeout(resolve, 50));
          polls++;
          status = unwrap(await api.getOrderProvisioningStatus(CUSTOMER, order.id));
        }
        assert.deepEqual(
          status.items.map((item) => item.status),
          ['Fulfilled'],
          `after ${polls} polls`,
        );
        // Not before the delay (on a loaded machine the first poll may already come after it).
        if (delay > 0)
          assert.ok(
            performance.now() - checkoutSent >= delay,
            `fulfilled ${Math.round(performance.now() - checkoutSent)} ms after checkout`,
          );
        else assert.equal(order.status, 'completed', 'with no delay the checkout answer is already completed');

        const completed = unwrap(await api.getOrder(CUSTOMER, order.id));
        assert.equal(completed.status, 'completed');
        assert.match(completed.lineItems[0]?.subscriptionId ?? '', /^[0-9a-f-]{36}$/);
        const listed = unwrap(await api.listOrders(CUSTOMER));
        assert.deepEqual(
          listed.items.map((item) => [item.id, item.status, item.lineItems[0]?.subscriptionId]),
          [[order.id, 'completed', completed.lineItems[0]?.subscriptionId]],
        );
      });
    });
  }

  it('waitForOrder polls until the order is no longer pending', async () => {
    const server = await new TestServer({ provisioningDelayMs: 300 }).start();
    try {
      const api = createCartClient({ baseUrl: server.baseUrl, token: () => token(PARTNER), retry: false });
      const cart = unwrap(
        await api.createCart(CUSTOMER, {
          lineItems: [
            {
              catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
              quantity: 1,
              billingCycle: 'monthly',
              termDuration: 'P1M',
            },
          ],
        }),
      );
      const [order] = unwrap(await api.checkoutCart(CUSTOMER, cart.id)).orders;
      assert.equal(order?.status, 'pending');
      const done = unwrap(await api.waitForOrder(CUSTOMER, order?.id ?? '', { intervalMs: 50, timeoutMs: 5000 }));
      assert.equal(done.status, 'completed');
    } finally {
      await server.stop();
    }
  });
});

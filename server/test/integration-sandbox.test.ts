// SANDBOX_PROFILE=integration through HTTP: each limit Microsoft documents for integration-sandbox
// accounts gives line error 10009 (and, at checkout, order error 800018); the offers the sandbox
// cannot buy are refused; the purchase-order products wait for a purchase order. The default
// (production) profile applies none of it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { SandboxProfile } from '../domain/sandbox-profile.ts';
import { storedOrder } from '../store/store-contract.ts';
import { cartsPath, checkoutPath, CUSTOMER, e5Line, orderPath, PARTNER } from './harness.ts';
import { useTestServer } from './hooks.ts';

const azurePlan = { catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', quantity: 1, billingCycle: 'monthly' };
const accessLtsc = { catalogItemId: 'DG7GMGF0D7FV:0001:DG7GMGF0SBX1', quantity: 1, billingCycle: 'one_time' };
const b1sReservation = (quantity: number) => ({
  catalogItemId: 'DZH318Z0BQ3Q:0001:DZH318Z0SBX3',
  quantity,
  billingCycle: 'one_time',
  termDuration: 'P1Y',
  provisioningContext: { scope: 'shared', subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8', duration: '1Year' },
});
const licenceLines = (count: number) =>
  Array.from({ length: count }, (_, i) => e5Line(1, { friendlyName: `line ${i}` }));

function errorsOf(cart: any): (number | undefined)[] {
  return cart.lineItems.map((line: any) => line.error?.errorCode);
}

for (const profile of ['integration', 'production'] as SandboxProfile[]) {
  const limited = profile === 'integration';
  describe(`the ${profile} profile's limits`, () => {
    const server = useTestServer({ sandboxProfile: profile });
    const createCart = async (lines: unknown[], customerId = CUSTOMER) => {
      const reply = await server.call('POST', cartsPath(customerId), { body: { lineItems: lines } });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      return reply.body;
    };

    it(
      limited
        ? 'offers the integration sandbox cannot buy: 10009, not available in the Sandbox environment'
        : 'every offer can be bought',
      async () => {
        const cart = await createCart([azurePlan]);
        if (!limited) return assert.deepEqual(errorsOf(cart), [undefined]);
        assert.deepEqual(errorsOf(cart), [10009]);
        assert.match(cart.lineItems[0].error.errorDescription, /not available to purchase in the Sandbox environment/);
      },
    );

    it(limited ? 'at most 25 licences per subscription' : 'no licence limit beyond the SKU', async () => {
      const cart = await createCart([e5Line(25), e5Line(26, { termDuration: 'P1M', friendlyName: 'big' })]);
      assert.deepEqual(errorsOf(cart), limited ? [undefined, 10009] : [undefined, undefined]);
      if (limited) assert.match(cart.lineItems[1].error.errorDescription, /at most 25 licences/);
    });

    it(
      limited
        ? 'at most 5 subscriptions per customer, counting earlier orders; checkout re-checks (800018)'
        : 'no subscription limit',
      async () => {
        const first = await createCart(licenceLines(3));
        assert.equal((await server.call('POST', checkoutPath(first.id))).body.orders.length, 1);
        const tooMany = await createCart(licenceLines(3));
        assert.deepEqual(
          errorsOf(tooMany),
          limited ? [undefined, undefined, 10009] : [undefined, undefined, undefined],
        );
        if (limited) assert.match(tooMany.lineItems[2].error.errorDescription, /at most 5 subscriptions/);
        // Two carts evaluated while 2 subscriptions are left: the one checked out first takes them.
        const [early, late] = [await createCart(licenceLines(2)), await createCart(licenceLines(2))];
        assert.deepEqual(
          [errorsOf(early), errorsOf(late)],
          [
            [undefined, undefined],
            [undefined, undefined],
          ],
        );
        assert.equal((await server.call('POST', checkoutPath(early.id))).body.orders.length, 1);
        const result = (await server.call('POST', checkoutPath(late.id))).body;
        assert.deepEqual(result.orders.length, limited ? 0 : 1);
        assert.deepEqual(
          result.orderErrors.map((error: any) => error.code),
          limited ? [800018] : [],
        );
      },
    );

    it(limited ? 'at most 2 reserved VM instances per customer' : 'reserved instances are not limited', async () => {
      const cart = await createCart([b1sReservation(2)]);
      assert.deepEqual(errorsOf(cart), [undefined]);
      await server.call('POST', checkoutPath(cart.id));
      const more = await createCart([b1sReservation(1)]);
      assert.deepEqual(errorsOf(more), [limited ? 10009 : undefined]);
    });

    it(
      limited
        ? 'at most 75 customers: with 75 holding orders, a new one cannot buy; they still can'
        : 'no customer limit',
      async () => {
        const customers = Array.from({ length: 75 }, () => randomUUID());
        for (const customerId of customers)
          await server.store.insertOrder({ partnerId: PARTNER, customerId }, randomUUID(), '0', storedOrder(), []);
        const newcomer = await createCart([e5Line(1)], randomUUID());
        assert.deepEqual(errorsOf(newcomer), [limited ? 10009 : undefined]);
        if (limited) assert.match(newcomer.lineItems[0].error.errorDescription, /at most 75 customers/);
        assert.deepEqual(errorsOf(await createCart([e5Line(1)], customers[0])), [undefined]);
      },
    );

    it(
      limited
        ? 'Access LTSC 2021 waits for a purchase order: pending_po_upload, no subscription, PrefulfillmentPending'
        : 'Access LTSC 2021 is ordered as any software',
      async () => {
        const cart = await createCart([accessLtsc]);
        const [order] = (await server.call('POST', checkoutPath(cart.id))).body.orders;
        const read = (await server.call('GET', orderPath(order.id))).body;
        assert.equal(read.status, limited ? 'pending_po_upload' : 'completed');
        assert.equal(read.lineItems[0].subscriptionId === undefined, limited);
        const status = (await server.call('GET', `${orderPath(order.id)}/provisioningstatus`)).body;
        assert.equal(status.items[0].status, limited ? 'PrefulfillmentPending' : 'Fulfilled');
      },
    );
  });
}

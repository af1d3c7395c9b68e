// The order as it stands over time (orderAsOf) and its provisioning status, as pure functions of the
// stored order and the clock.
import assert from 'node:assert/strict';
import type { StoredOrder } from '../store/store.ts';
import { orderAsOf, provisioningStatusOf } from './orders.ts';

const AT = Date.parse('2026-11-21T09:00:00Z');
const BASE = '0c353b8e-da9d-4007-a0d4-bca8bd5b5ce1';
const EXISTING = '7d4f0c1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f';

function stored(status: 'completed' | 'cancelled' | 'pending_po_upload' = 'completed'): StoredOrder {
  return {
    provisionedAt: AT,
    order: {
      id: 'a68736758d9c',
      referenceCustomerId: 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d',
      billingCycle: 'monthly',
      currencyCode: 'USD',
      creationDate: '2026-11-21T08:59:58.000Z',
      status,
      lineItems: [
        {
          lineItemNumber: 0,
          offerId: 'A:0001:B',
          quantity: 3,
          subscriptionId: BASE,
          links: {
            product: { uri: '/products/A?country=US', method: 'GET', headers: [] },
            activationLinks: { uri: '/x', method: 'GET', headers: [] },
          },
        },
        {
          lineItemNumber: 1,
          offerId: 'C:0001:D',
          quantity: 1,
          subscriptionId: '261bac40-7d88-4327-afa3-dacd09222d62',
          parentSubscriptionId: BASE,
        },
        {
          lineItemNumber: 2,
          offerId: 'C:0001:D',
          quantity: 0,
          subscriptionId: 'f81d98dd-c2f4-499e-a194-5619e260344e',
          parentSubscriptionId: EXISTING,
        },
      ],
    },
  };
}

describe('orders over time', () => {
  it('before its provisioning time a completed order is pending, without what provisioning creates', () => {
    const order = orderAsOf(stored(), new Date(AT - 1));
    assert.equal(order.status, 'pending');
    assert.deepEqual(
      order.lineItems.map((line) => line.subscriptionId),
      [undefined, undefined, undefined],
    );
    assert.deepEqual(
      order.lineItems.map((line) => line.parentSubscriptionId),
      [undefined, undefined, EXISTING],
      'a parent bought earlier stays',
    );
    assert.deepEqual(
      order.lineItems[0]?.links,
      { product: { uri: '/products/A?country=US', method: 'GET', headers: [] } },
      'catalog links stay, activation links wait',
    );
  });

  it('from its provisioning time on, the order as stored', () => {
    assert.deepEqual(orderAsOf(stored(), new Date(AT)), stored().order);
    assert.deepEqual(orderAsOf(stored(), new Date(AT + 86_400_000)), stored().order);
  });

  it('a cancelled order, or one waiting for a purchase order, is never shown pending', () => {
    assert.equal(orderAsOf(stored('cancelled'), new Date(AT - 1)).status, 'cancelled');
    assert.equal(orderAsOf(stored('pending_po_upload'), new Date(AT + 1)).status, 'pending_po_upload');
  });

  it('provisioning status: PrefulfillmentPending, then Fulfilled; a cancelled line Unfulfilled, with no quantity', () => {
    const before = provisioningStatusOf(stored(), new Date(AT - 1));
    assert.deepEqual(
      before.items.map((item) => [item.status, item.quantityProvisioningInformation]),
      [
        ['PrefulfillmentPending', [{ quantity: 3, status: 'PrefulfillmentPending' }]],
        ['PrefulfillmentPending', [{ quantity: 1, status: 'PrefulfillmentPending' }]],
        ['Unfulfilled', []],
      ],
    );
    const after = provisioningStatusOf(stored(), new Date(AT));
    assert.deepEqual(
      after.items.map((item) => item.status),
      ['Fulfilled', 'Fulfilled', 'Unfulfilled'],
    );
    assert.equal(after.totalCount, 3);
    assert.deepEqual(
      provisioningStatusOf(stored('cancelled'), new Date(AT)).items.map((item) => item.status),
      ['Unfulfilled', 'Unfulfilled', 'Unfulfilled'],
    );
    assert.deepEqual(
      provisioningStatusOf(stored('pending_po_upload'), new Date(AT))
        .items.map((item) => item.status)
        .slice(0, 2),
      ['PrefulfillmentPending', 'PrefulfillmentPending'],
    );
  });
});

// Each CartErrorCode the server produces, through HTTP: the cart is created (201) and the line carries
// the error; the response is validated against the spec like every other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cartsPath, e5Line, TestServer } from './harness.ts';
import { useTestServer } from './hooks.ts';

const GERMAN_CUSTOMER = 'b5e3f7a2-1d94-4c68-8a0b-3e6f9c2d7a15'; // a DE-market customer of the shipped catalog
const monthly = (catalogItemId: string, extra: Record<string, unknown> = {}) => ({
  catalogItemId,
  quantity: 1,
  billingCycle: 'monthly',
  termDuration: 'P1M',
  ...extra,
});

const cases: [number, string, unknown[], string?][] = [
  [10001, 'unknown catalog item', [monthly('CFQ7TTC0ZZZZ:0001:CFQ7TTC0ZZZZ')]],
  [10000, "item not sold in the customer's market", [monthly('DZH318Z0BXWC:0002:DZH318Z0BMRV')], GERMAN_CUSTOMER],
  [10000, "a currency other than the market's", [e5Line(1, { currencyCode: 'EUR' })]],
  [10015, 'quantity above the SKU maximum', [e5Line(1_000_000)]],
  [10012, 'attestation required but not accepted', [monthly('CFQ7TTC0W365:0001:CFQ7TTC0WHB1')]],
  [10018, 'an add-on without its base', [monthly('CFQ7TTC0HDJX:0001:CFQ7TTC0K806')]],
  [10013, 'a billing cycle longer than the term', [e5Line(1, { billingCycle: 'annual' })]],
  [10010, 'a term the item does not offer', [e5Line(1, { termDuration: 'P3Y' })]],
  [
    10010,
    'a reservation without its scope',
    [
      {
        catalogItemId: 'DZH318Z0BQ36:004G:DZH318Z08C0S',
        quantity: 1,
        billingCycle: 'one_time',
        termDuration: 'P1Y',
        provisioningContext: { subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8' },
      },
    ],
  ],
  [
    10010,
    'two transaction resellers',
    [
      e5Line(1, {
        participants: [
          { key: 'transaction_reseller', value: '1' },
          { key: 'transaction_reseller', value: '2' },
        ],
      }),
    ],
  ],
  [
    10004,
    'participants on an Azure offer',
    [
      {
        catalogItemId: 'MS-AZR-0145P',
        quantity: 1,
        billingCycle: 'monthly',
        termDuration: 'P1Y',
        participants: [{ key: 'transaction_reseller', value: '5357564' }],
      },
    ],
  ],
  [
    10016,
    'a custom term end date on software',
    [
      {
        catalogItemId: 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M',
        quantity: 1,
        billingCycle: 'one_time',
        customTermEndDate: '2026-12-01T00:00:00Z',
      },
    ],
  ],
  [10017, 'a custom term end date beyond the first term', [e5Line(1, { customTermEndDate: '2027-06-01T00:00:00Z' })]],
  [10014, 'a promotion the item does not have', [e5Line(1, { promotionId: '39NFJQT1PHSN:0008:39NFJQT1Q5J0' })]],
  [
    500600,
    'an offer no longer for sale',
    [{ catalogItemId: '796B6B5F-613C-4E24-A17C-EBA730D49C02', quantity: 1, billingCycle: 'monthly' }],
  ],
];

describe('line errors over HTTP', () => {
  const server = useTestServer({ now: () => new Date('2026-11-21T09:00:00Z') }, { once: true });

  for (const [code, name, lineItems, customerId] of cases) {
    it(`${code}: ${name}`, async () => {
      const reply = await server.call('POST', cartsPath(customerId), { body: { lineItems } });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      const error = reply.body.lineItems[0].error;
      assert.equal(error?.errorCode, code, JSON.stringify(reply.body.lineItems[0]));
      assert.ok(error.errorDescription.length > 10);
    });
  }

  it('A1, the published new-commerce request, succeeds with no line error on a date within its custom term', async () => {
    const a1 = JSON.parse(
      readFileSync(
        join(
          import.meta.dirname,
          '..',
          '..',
          'openapi',
          'test',
          'fixtures',
          'published',
          'a1-create-cart-nce.request.json',
        ),
        'utf8',
      ),
    );
    const dated = await new TestServer({ now: () => new Date('2022-02-01T00:00:00Z') }).start();
    try {
      const reply = await dated.call('POST', cartsPath(), { body: a1 });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      assert.deepEqual(
        reply.body.lineItems.map((l: any) => l.error ?? null),
        [null, null],
      );
      assert.equal(reply.body.partnerOnRecordAttestationAccepted, true);
    } finally {
      await dated.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { normalizeProvisioningContext, round2 } from './line-items.ts';
import {
  A1,
  A1_NOW,
  A2,
  A3,
  A3_RESPONSE_LINE,
  A4,
  A5,
  A6,
  A7,
  A9_LINE,
  DE_CUSTOMER,
  EXAMPLES,
  GB_CUSTOMER,
  US_CUSTOMER,
  errorCodeOf,
  evaluate,
  flatten,
  one,
} from './line-items.fixtures.ts';

// The evaluation of valid lines: ids, provisioning context, currency, order groups, prices. The
// line errors: line-rules.test.ts.

describe('line items: the published examples', () => {
  const usCustomers = [
    US_CUSTOMER,
    '932c4101-dc08-461b-b4c1-75d80e905775',
    '18ac2950-8ea9-4dfc-92a4-ff4d4cd57796',
    '00000000-0000-0000-0000-000000000000',
  ];
  for (const { name, lines, now } of EXAMPLES) {
    it(`${name} has no line error and is priced in USD, for any customer of the US market`, () => {
      for (const customerId of usCustomers) {
        const results = flatten(evaluate(lines, { customerId, now }));
        assert.equal(results.length, flatten(lines).length);
        for (const r of results) {
          assert.equal(r.error, undefined, `${name} line ${r.id}: ${r.error?.errorDescription}`);
          assert.equal(r.currencyCode, 'USD');
        }
      }
    });
  }

  it('A1: the published response (ids, group 0, inputs kept, empty provisioning context)', () => {
    const results = evaluate(A1, { now: A1_NOW });
    assert.deepEqual(
      results.map((r) => [r.id, r.orderGroup]),
      [
        [0, '0'],
        [1, '0'],
      ],
    );
    const [first, second] = results;
    assert.equal(first?.customTermEndDate, '2022-02-19T00:00:00Z');
    assert.deepEqual(first?.provisioningContext, {});
    assert.equal('renewsTo' in (first ?? {}), false);
    assert.deepEqual(second?.participants, A1[1]?.participants);
    assert.deepEqual(second?.provisioningContext, {});
  });

  it('A2: groups OMS-0, 0, 0, 0, 1, 2 as published, provisioning context and renewsTo kept', () => {
    const results = evaluate(A2);
    assert.deepEqual(
      results.map((r) => r.orderGroup),
      ['OMS-0', '0', '0', '0', '1', '2'],
    );
    assert.deepEqual(results[1]?.provisioningContext, {
      subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8',
      scope: 'shared',
    });
    assert.deepEqual(results[5]?.renewsTo, { termDuration: 'P1Y' });
    assert.equal(results[0]?.pricing, undefined, 'Azure is billed on consumption: no list price');
    assert.deepEqual(results[5]?.pricing, {
      listPrice: 0,
      discountedPrice: 0,
      proratedPrice: 0,
      price: 0,
      extendedPrice: 0,
    });
  });

  it('A3: the pricing of the published response (30.4 a month on P1Y: 364.8 for the term)', () => {
    const result = one(A3_RESPONSE_LINE);
    assert.deepEqual(result.pricing, {
      listPrice: 30.4,
      discountedPrice: 30.4,
      proratedPrice: 30.4,
      price: 30.4,
      extendedPrice: 364.8,
    });
    assert.equal(result.orderGroup, '0');
    assert.equal(result.promotionId, undefined);
    const request = evaluate(A3);
    assert.equal(request[0]?.id, 0, 'the request sends no id: the first free one is 0');
    assert.equal(request[0]?.orderGroup, '0');
  });

  it('A4: nested add-ons keep their ids and share the OMS-0 group of their base', () => {
    const [base] = evaluate(A4);
    assert.equal(base?.orderGroup, 'OMS-0');
    assert.equal(base?.friendlyName, 'Myofferpurchase');
    assert.deepEqual(
      base?.addonItems?.map((a) => [a.id, a.orderGroup, a.currencyCode]),
      [
        [1, 'OMS-0', 'USD'],
        [2, 'OMS-0', 'USD'],
      ],
    );
    assert.equal(base?.addonItems?.[0]?.friendlyName, undefined);
  });

  it('A5: ParentSubscriptionId is returned as parentSubscriptionId, group OMS-0', () => {
    const result = one(A5[0]!);
    assert.deepEqual(result.provisioningContext, { parentSubscriptionId: '97555B61-7461-477A-A98C-9C76148783E4' });
    assert.equal(result.orderGroup, 'OMS-0');
  });

  it('A6: the base gets its automatic promotion, the add-on none; both in group 0', () => {
    const [base, addOn] = evaluate(A6);
    assert.equal(base?.promotionId, '39NFJQT1PHSN:0008:39NFJQT1Q5J0');
    assert.equal(addOn?.promotionId, undefined);
    assert.deepEqual([base?.orderGroup, addOn?.orderGroup], ['0', '0']);
  });

  it('A7: the provisioning context is returned lower-camel with its values unchanged, group 0', () => {
    const result = one(A7[0]!);
    assert.deepEqual(result.provisioningContext, {
      subscriptionId: '3D5ECED6-1151-44C7-AEE6-70A4BB725666',
      scope: 'shared',
      duration: '1Year',
    });
    assert.equal(result.friendlyName, 'A_sample_Azure_RI');
    assert.equal(result.orderGroup, '0');
  });

  it('A9: 36.48 everywhere for one seat on a one-month term', () => {
    const p = 36.48;
    assert.deepEqual(one(A9_LINE).pricing, {
      listPrice: p,
      discountedPrice: p,
      proratedPrice: p,
      price: p,
      extendedPrice: p,
    });
  });

  it('does not modify its input', () => {
    const input = structuredClone([...A2, ...A4, ...A5]);
    const copy = structuredClone(input);
    evaluate(input);
    assert.deepEqual(input, copy);
  });
});

describe('line items: ids', () => {
  it('gives lines without an id the lowest unused non-negative integers, in document order, across nested add-ons', () => {
    const results = evaluate([
      {
        id: 1,
        catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
        quantity: 1,
        billingCycle: 'monthly',
        termDuration: 'P1M',
      },
      {
        catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239',
        quantity: 3,
        billingCycle: 'monthly',
        addonItems: [
          { catalogItemId: 'C94271D8-B431-4A25-A3C5-A57737A1C909', quantity: 1, billingCycle: 'monthly' },
          { id: 3, catalogItemId: '43FCE491-76D1-4BCC-B709-8A288786DBAE', quantity: 1, billingCycle: 'monthly' },
        ],
      },
      { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
    ]);
    assert.deepEqual(
      flatten(results).map((r) => r.id),
      [1, 0, 2, 3, 4],
    );
  });

  it('keeps the ids the request gives', () => {
    const results = evaluate([
      {
        id: 7,
        catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
        quantity: 1,
        billingCycle: 'monthly',
        termDuration: 'P1M',
      },
      {
        id: 2,
        catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
        quantity: 1,
        billingCycle: 'monthly',
        termDuration: 'P1M',
      },
    ]);
    assert.deepEqual(
      results.map((r) => r.id),
      [7, 2],
    );
  });
});

describe('line items: provisioning context', () => {
  it('is {} when none was sent', () => {
    assert.deepEqual(one(A9_LINE).provisioningContext, {});
  });

  it('returns capitalised keys lower-camel, keeps unknown keys and values as sent', () => {
    assert.deepEqual(normalizeProvisioningContext({ ParentSubscriptionId: 'ABC', scope: 'Shared', CustomKey: 'x y' }), {
      parentSubscriptionId: 'ABC',
      scope: 'Shared',
      customKey: 'x y',
    });
  });

  it('prefers the lower-camel spelling when both are sent', () => {
    assert.deepEqual(normalizeProvisioningContext({ Scope: 'single', scope: 'shared' }), { scope: 'shared' });
  });

  it('keeps a "__proto__" key as a plain key', () => {
    const out = normalizeProvisioningContext(JSON.parse('{"__proto__": "x"}'));
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out), ['__proto__']);
  });
});

describe('line items: currency and market', () => {
  it("gives every line the currency of the customer's market", () => {
    assert.equal(one(A9_LINE, { customerId: GB_CUSTOMER }).currencyCode, 'GBP');
    assert.equal(one(A9_LINE, { customerId: DE_CUSTOMER }).currencyCode, 'EUR');
    assert.equal(one(A9_LINE, { customerId: GB_CUSTOMER }).pricing?.listPrice, 29.18);
  });

  it('accepts the market currency in any case', () => {
    assert.equal(errorCodeOf({ ...A9_LINE, currencyCode: 'usd' }), undefined);
    assert.equal(errorCodeOf({ ...A9_LINE, currencyCode: 'USD' }), undefined);
  });
});

describe('line items: order groups', () => {
  it('numbers groups by (purchase system, billing cycle) in order of first appearance', () => {
    const results = evaluate([
      { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', quantity: 1, billingCycle: 'annual', termDuration: 'P1Y' },
      { catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity: 1, billingCycle: 'annual' },
      A9_LINE,
      { catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity: 1, billingCycle: 'monthly' },
      { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', quantity: 1, billingCycle: 'annual', termDuration: 'P1Y' },
      { catalogItemId: 'MS-AZR-0145P', quantity: 1, billingCycle: 'monthly' },
    ]);
    assert.deepEqual(
      results.map((r) => r.orderGroup),
      ['0', 'OMS-0', '1', 'OMS-1', '0', 'OMS-1'],
    );
  });
});

describe('line items: pricing', () => {
  it('multiplies by quantity and the billing periods of the term', () => {
    const annualP3Y = one({ ...A3_RESPONSE_LINE, termDuration: 'P3Y', billingCycle: 'annual', quantity: 2 });
    assert.equal(annualP3Y.pricing?.price, 364.8);
    assert.equal(annualP3Y.pricing?.extendedPrice, 2188.8); // 364.8 × 2 × 3
    const triennial = one({ ...A3_RESPONSE_LINE, termDuration: 'P3Y', billingCycle: 'triennial' });
    assert.equal(triennial.pricing?.extendedPrice, 1094.4);
    const monthlyP3Y = one({ ...A3_RESPONSE_LINE, termDuration: 'P3Y', quantity: 3 });
    assert.equal(monthlyP3Y.pricing?.extendedPrice, 3283.2); // 30.4 × 3 × 36
  });

  it('charges one_time once, whatever the term', () => {
    assert.equal(one(A2[2]!).pricing?.extendedPrice, 9600);
    assert.equal(one(A7[0]!).pricing?.extendedPrice, 1800);
  });

  it('applies the automatic promotion when the request names none', () => {
    const result = one({ ...A6[0]!, quantity: 2 });
    assert.deepEqual(result.pricing, {
      listPrice: 43.2,
      discountedPrice: 38.88,
      proratedPrice: 38.88,
      price: 38.88,
      extendedPrice: 77.76,
    });
  });

  it('applies the promotion the request names instead of the automatic one', () => {
    const result = one({ ...A6[0]!, quantity: 1, promotionId: '39nfjqt1phsn:0009:39nfjqt1q5j1' });
    assert.equal(result.error, undefined);
    assert.equal(result.promotionId, '39nfjqt1phsn:0009:39nfjqt1q5j1', 'kept as sent');
    assert.equal(result.pricing?.discountedPrice, 34.56);
  });

  it('prorates by days to the customTermEndDate', () => {
    // now 2024-03-10T12:00Z; first P1Y term ends 2025-03-10T12:00Z (365 days); end date 183 days away.
    const result = one({ ...A3_RESPONSE_LINE, customTermEndDate: '2024-09-09T12:00:00Z' });
    const prorated = round2((30.4 * 183) / 365);
    assert.deepEqual(result.pricing, {
      listPrice: 30.4,
      discountedPrice: 30.4,
      proratedPrice: prorated,
      price: prorated,
      extendedPrice: round2(prorated * 12),
    });
    assert.equal(prorated, 15.24);
  });

  it("prices A1's coterminous line: 18 of the 28 days of its first month", () => {
    const [first] = evaluate(A1, { now: A1_NOW });
    assert.deepEqual(first?.pricing, {
      listPrice: 600,
      discountedPrice: 600,
      proratedPrice: 385.71,
      price: 385.71,
      extendedPrice: 385.71,
    });
  });

  it('gives no pricing to items billed on consumption', () => {
    assert.equal(
      one({ catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', quantity: 1, billingCycle: 'monthly' }).pricing,
      undefined,
    );
  });

  it('rounds to 2 decimals, half away from zero', () => {
    assert.equal(round2(364.79999999999995), 364.8);
    assert.equal(round2(1.005), 1.01);
    assert.equal(round2(2.344), 2.34);
    assert.equal(round2(-1.005), -1.01);
  });
});

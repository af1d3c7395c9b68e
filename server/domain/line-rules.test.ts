import assert from 'node:assert/strict';
import { CartErrorCode, type LineItemInput } from './line-items.ts';
import {
  A1,
  A2,
  A3_RESPONSE_LINE,
  A4,
  A5,
  A6,
  A9_LINE,
  DE_CUSTOMER,
  GB_CUSTOMER,
  errorCodeOf,
  evaluate,
  one,
} from './line-items.fixtures.ts';

// The line errors of evaluateLineItems (line-rules.ts): each rule, their order, seat limits and add-on bases.

describe('line items: errors (one minimal case each)', () => {
  const saas: LineItemInput = {
    catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV',
    quantity: 1,
    billingCycle: 'monthly',
    termDuration: 'P1M',
  };
  const w365: LineItemInput = {
    catalogItemId: 'CFQ7TTC0W365:0001:CFQ7TTC0WHB1',
    quantity: 1,
    billingCycle: 'monthly',
    termDuration: 'P1M',
  };
  const reservation = A2[1]!;

  it('10001 for an unknown catalog item id; the lookup ignores case', () => {
    const result = one({
      catalogItemId: 'CFQ7TTC0ZZZZ:0001:CFQ7TTC0ZZZZ',
      quantity: 1,
      billingCycle: 'monthly',
      termDuration: 'P1M',
    });
    assert.equal(result.error?.errorCode, CartErrorCode.CatalogItemIdIsNotValid);
    assert.match(result.error?.errorDescription ?? '', /CFQ7TTC0ZZZZ:0001:CFQ7TTC0ZZZZ/);
    assert.equal(result.pricing, undefined);
    assert.equal(errorCodeOf({ ...A9_LINE, catalogItemId: 'cfq7ttc0lf8s:0001:cfq7ttc0n81h' }), undefined);
  });

  it('500600 for an item no longer purchasable', () => {
    assert.equal(
      errorCodeOf({ catalogItemId: '796B6B5F-613C-4E24-A17C-EBA730D49C02', quantity: 1, billingCycle: 'monthly' }),
      CartErrorCode.LegacyOfferNotEligibleForPurchase,
    );
  });

  it("10000 for an item not sold in the customer's market", () => {
    assert.equal(errorCodeOf(saas, { customerId: GB_CUSTOMER }), undefined);
    assert.equal(errorCodeOf(saas, { customerId: DE_CUSTOMER }), CartErrorCode.CurrencyIsNotSupported);
  });

  it("10000 for a currencyCode other than the market's", () => {
    const result = one({ ...A9_LINE, currencyCode: 'EUR' });
    assert.equal(result.error?.errorCode, CartErrorCode.CurrencyIsNotSupported);
    assert.equal(result.currencyCode, 'USD', 'the line still shows the market currency');
  });

  it('10010 for a missing term on an item sold only with a term', () => {
    assert.equal(
      errorCodeOf({ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly' }),
      CartErrorCode.InvalidInput,
    );
  });

  it('10010 for a term the item does not offer, or a term on an item sold without one', () => {
    assert.equal(errorCodeOf({ ...A9_LINE, termDuration: 'P1Y' }), CartErrorCode.InvalidInput);
    assert.equal(errorCodeOf({ ...A2[3]!, termDuration: 'P1Y' }), CartErrorCode.InvalidInput);
  });

  it('accepts the legacy Azure offer with or without a term', () => {
    assert.equal(errorCodeOf({ catalogItemId: 'MS-AZR-0145P', quantity: 1, billingCycle: 'monthly' }), undefined);
  });

  it('10013 for a billing cycle longer than the term', () => {
    const result = one({ ...A9_LINE, billingCycle: 'annual' });
    assert.equal(result.error?.errorCode, CartErrorCode.BillingPlanNotSupported);
    assert.match(result.error?.errorDescription ?? '', /longer than the term/);
  });

  it('10013 for a billing cycle the item does not offer for that term', () => {
    assert.equal(errorCodeOf({ ...A3_RESPONSE_LINE, billingCycle: 'one_time' }), CartErrorCode.BillingPlanNotSupported);
    assert.equal(errorCodeOf({ ...A3_RESPONSE_LINE, termDuration: 'P3Y', billingCycle: 'triennial' }), undefined);
    assert.equal(errorCodeOf({ ...A3_RESPONSE_LINE, billingCycle: 'unknown' }), CartErrorCode.BillingPlanNotSupported);
  });

  it('10010 for renewsTo a term the item does not renew into', () => {
    assert.equal(errorCodeOf({ ...A9_LINE, renewsTo: { termDuration: 'P1Y' } }), CartErrorCode.InvalidInput);
    assert.equal(errorCodeOf({ ...A9_LINE, renewsTo: { termDuration: 'P1M' } }), undefined);
  });

  it('10015 for a quantity below the minimum or above the maximum per subscription', () => {
    const low = one({ ...A9_LINE, quantity: 0 });
    assert.equal(low.error?.errorCode, CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded);
    assert.deepEqual(low.error?.additionalInformation, { availableQuantity: 2000, purchasedQuantity: 0 });
    const high = one({ ...A9_LINE, quantity: 2001 });
    assert.equal(high.error?.errorCode, CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded);
    assert.equal(errorCodeOf({ ...A9_LINE, quantity: 2000 }), undefined);
  });

  it('10018 for a new-commerce add-on without its base in the cart', () => {
    assert.equal(errorCodeOf(A6[1]!), CartErrorCode.BaseOfferSeatQuantityNotMet);
  });

  it('10018 for a legacy add-on bought alone without parentSubscriptionId', () => {
    assert.equal(errorCodeOf({ ...A5[0]!, provisioningContext: {} }), CartErrorCode.BaseOfferSeatQuantityNotMet);
  });

  it('10010 for a missing required provisioning variable (reservation without scope or subscriptionId)', () => {
    assert.equal(
      errorCodeOf({ ...reservation, provisioningContext: { subscriptionId: 'X' } }),
      CartErrorCode.InvalidInput,
    );
    assert.equal(errorCodeOf({ ...reservation, provisioningContext: { Scope: 'shared' } }), CartErrorCode.InvalidInput);
    assert.equal(
      errorCodeOf({ ...reservation, provisioningContext: { SubscriptionId: 'X', Scope: 'Shared' } }),
      undefined,
      'Duration is optional',
    );
  });

  it('10010 for a provisioning value the item does not accept', () => {
    const result = one({ ...reservation, provisioningContext: { subscriptionId: 'X', scope: 'galaxy' } });
    assert.equal(result.error?.errorCode, CartErrorCode.InvalidInput);
    assert.match(result.error?.errorDescription ?? '', /scope/);
  });

  it('10004 for participants on an Azure offer', () => {
    const participants = [{ key: 'transaction_reseller' as const, value: '5357564' }];
    assert.equal(
      errorCodeOf({
        catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6',
        quantity: 1,
        billingCycle: 'monthly',
        participants,
      }),
      CartErrorCode.ParticipantsIsNotSupportedForPartner,
    );
    assert.equal(errorCodeOf({ ...reservation, participants }), CartErrorCode.ParticipantsIsNotSupportedForPartner);
    assert.equal(errorCodeOf({ ...A9_LINE, participants }), undefined);
  });

  it('10010 for more than one transaction_reseller', () => {
    assert.equal(
      errorCodeOf({
        ...A9_LINE,
        participants: [
          { key: 'transaction_reseller', value: '1' },
          { key: 'transaction_reseller', value: '2' },
        ],
      }),
      CartErrorCode.InvalidInput,
    );
  });

  it('10010 for more than 5 additional_transaction_reseller (5 are accepted)', () => {
    const additional = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: 'additional_transaction_reseller' as const,
        value: String(100 + i),
      }));
    assert.equal(errorCodeOf({ ...A9_LINE, participants: additional(5) }), undefined);
    assert.equal(errorCodeOf({ ...A9_LINE, participants: additional(6) }), CartErrorCode.InvalidInput);
  });

  it('10010 for a participant value that is not a numeric PartnerID, or the key unknown', () => {
    assert.equal(
      errorCodeOf({ ...A9_LINE, participants: [{ key: 'transaction_reseller', value: 'abc' }] }),
      CartErrorCode.InvalidInput,
    );
    assert.equal(
      errorCodeOf({ ...A9_LINE, participants: [{ key: 'unknown', value: '5357564' }] }),
      CartErrorCode.InvalidInput,
    );
  });

  it('10012 for an item enforcing attestation without attestationAccepted: true', () => {
    assert.equal(errorCodeOf(w365), CartErrorCode.AttestationNotAccepted);
    assert.equal(errorCodeOf({ ...w365, attestationAccepted: false }), CartErrorCode.AttestationNotAccepted);
    assert.equal(errorCodeOf({ ...w365, attestationAccepted: true }), undefined);
  });

  it('10016 for customTermEndDate on a trial, Azure, software or SaaS line', () => {
    const end = '2024-03-30T00:00:00Z';
    assert.equal(errorCodeOf({ ...A2[5]!, customTermEndDate: end }), CartErrorCode.InvalidCustomTermEndDateProduct);
    assert.equal(errorCodeOf({ ...A2[3]!, customTermEndDate: end }), CartErrorCode.InvalidCustomTermEndDateProduct);
    assert.equal(errorCodeOf({ ...A2[0]!, customTermEndDate: end }), CartErrorCode.InvalidCustomTermEndDateProduct);
    assert.equal(errorCodeOf({ ...saas, customTermEndDate: end }), CartErrorCode.InvalidCustomTermEndDateProduct);
    assert.equal(errorCodeOf({ ...A9_LINE, customTermEndDate: end }), undefined);
  });

  it('10017 for customTermEndDate in the past or beyond the end of the first term', () => {
    assert.equal(
      errorCodeOf({ ...A9_LINE, customTermEndDate: '2024-03-01T00:00:00Z' }),
      CartErrorCode.InvalidCustomTermEndDate,
    );
    assert.equal(
      errorCodeOf({ ...A9_LINE, customTermEndDate: '2024-04-11T00:00:00Z' }),
      CartErrorCode.InvalidCustomTermEndDate,
    );
    assert.equal(
      errorCodeOf({ ...A9_LINE, customTermEndDate: '2024-04-10T12:00:00Z' }),
      undefined,
      'the end of the first term itself',
    );
    assert.equal(errorCodeOf({ ...A3_RESPONSE_LINE, customTermEndDate: '2025-03-10T00:00:00Z' }), undefined);
    assert.equal(
      errorCodeOf(A1[0]!, { now: new Date('2024-01-01T00:00:00Z') }),
      CartErrorCode.InvalidCustomTermEndDate,
      'A1 evaluated today: its end date has passed',
    );
  });

  it('10014 for a promotion the item does not have', () => {
    assert.equal(
      errorCodeOf({ ...A6[0]!, promotionId: '39NFJQT1ZZZZ:0001:39NFJQT1ZZZZ' }),
      CartErrorCode.InvalidPromotionId,
    );
    assert.equal(
      errorCodeOf({ ...A9_LINE, promotionId: '39NFJQT1PHSN:0008:39NFJQT1Q5J0' }),
      CartErrorCode.InvalidPromotionId,
      'a promotion of another item',
    );
  });

  it('keeps the other lines free of errors, and still groups the line in error', () => {
    const results = evaluate([
      { catalogItemId: '1D8A6C3E-0000-4000-8000-000000000000', quantity: 1, billingCycle: 'monthly' },
      A9_LINE,
      { catalogItemId: 'CFQ7TTC0ZZZZ:0001:CFQ7TTC0ZZZZ', quantity: 1, billingCycle: 'annual', termDuration: 'P1Y' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.error?.errorCode, r.orderGroup]),
      [
        [CartErrorCode.CatalogItemIdIsNotValid, 'OMS-0'],
        [undefined, '0'],
        [CartErrorCode.CatalogItemIdIsNotValid, '1'],
      ],
    );
  });

  it('gives a line in error neither pricing nor an automatic promotion', () => {
    const result = one({ ...A6[0]!, quantity: 5000 });
    assert.equal(result.error?.errorCode, CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded);
    assert.equal(result.pricing, undefined);
    assert.equal(result.promotionId, undefined);
  });
});

describe('line items: one error per line, the first rule in order', () => {
  it('term (10010) before billing cycle (10013) before quantity (10015)', () => {
    assert.equal(
      errorCodeOf({ ...A9_LINE, termDuration: 'P3Y', billingCycle: 'triennial', quantity: 0 }),
      CartErrorCode.InvalidInput,
    );
    assert.equal(
      errorCodeOf({ ...A9_LINE, billingCycle: 'annual', quantity: 0 }),
      CartErrorCode.BillingPlanNotSupported,
    );
  });

  it('market (10000) before quantity (10015)', () => {
    assert.equal(errorCodeOf({ ...A9_LINE, currencyCode: 'GBP', quantity: 0 }), CartErrorCode.CurrencyIsNotSupported);
  });

  it('no longer purchasable (500600) before the market (10000)', () => {
    assert.equal(
      errorCodeOf({
        catalogItemId: '796B6B5F-613C-4E24-A17C-EBA730D49C02',
        quantity: 1,
        billingCycle: 'monthly',
        currencyCode: 'EUR',
      }),
      CartErrorCode.LegacyOfferNotEligibleForPurchase,
    );
  });

  it('attestation (10012) before custom term end date (10017) before promotion (10014)', () => {
    const w365: LineItemInput = {
      catalogItemId: 'CFQ7TTC0W365:0001:CFQ7TTC0WHB1',
      quantity: 1,
      billingCycle: 'monthly',
      termDuration: 'P1M',
    };
    const line = { ...w365, customTermEndDate: '2020-01-01T00:00:00Z', promotionId: '39NFJQT1ZZZZ:0001:39NFJQT1ZZZZ' };
    assert.equal(errorCodeOf(line), CartErrorCode.AttestationNotAccepted);
    assert.equal(errorCodeOf({ ...line, attestationAccepted: true }), CartErrorCode.InvalidCustomTermEndDate);
    assert.equal(
      errorCodeOf({ ...line, attestationAccepted: true, customTermEndDate: undefined }),
      CartErrorCode.InvalidPromotionId,
    );
  });

  it('participants not supported (10004) before malformed participants (10010)', () => {
    const azurePlan: LineItemInput = {
      catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6',
      quantity: 1,
      billingCycle: 'monthly',
    };
    assert.equal(
      errorCodeOf({ ...azurePlan, participants: [{ key: 'transaction_reseller', value: 'abc' }] }),
      CartErrorCode.ParticipantsIsNotSupportedForPartner,
    );
  });
});

describe('line items: seat limits', () => {
  const premiumP1M: LineItemInput = {
    catalogItemId: 'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP1',
    quantity: 1,
    billingCycle: 'monthly',
    termDuration: 'P1M',
  };
  const premiumP1Y: LineItemInput = {
    catalogItemId: 'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP2',
    quantity: 1,
    billingCycle: 'monthly',
    termDuration: 'P1Y',
  };
  /** Seats per product SKU, as the callback is specified: by the first two segments of the id. */
  const bought =
    (seats: Record<string, number>) =>
    (id: string): number =>
      seats[id.split(':').slice(0, 2).join(':').toUpperCase()] ?? 0;

  it('counts the seats bought in earlier orders against the pooled limit per customer', () => {
    const purchasedQuantity = bought({ 'CFQ7TTC0SBP0:0001': 250 });
    assert.equal(errorCodeOf({ ...premiumP1M, quantity: 50 }, { purchasedQuantity }), undefined);
    const result = one({ ...premiumP1M, quantity: 51 }, { purchasedQuantity });
    assert.equal(result.error?.errorCode, CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded);
    assert.deepEqual(result.error?.additionalInformation, { availableQuantity: 50, purchasedQuantity: 250 });
  });

  it("asks purchasedQuantity about the line's own catalog item", () => {
    const asked: string[] = [];
    one(premiumP1Y, {
      purchasedQuantity: (id) => {
        asked.push(id);
        return 0;
      },
    });
    assert.deepEqual(asked, ['CFQ7TTC0SBP0:0001:CFQ7TTC0SBP2']);
  });

  it('counts earlier lines of the same product SKU in the cart, whatever their availability', () => {
    const results = evaluate([
      { ...premiumP1M, quantity: 200 },
      { ...premiumP1Y, quantity: 150 },
      { ...premiumP1Y, quantity: 100 },
    ]);
    assert.deepEqual(
      results.map((r) => r.error?.errorCode),
      [undefined, CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded, undefined],
    );
    assert.deepEqual(results[1]?.error?.additionalInformation, { availableQuantity: 100, purchasedQuantity: 200 });
  });

  it('does not count a line that is itself in error', () => {
    const results = evaluate([
      { ...premiumP1M, quantity: 301 },
      { ...premiumP1Y, quantity: 300 },
    ]);
    assert.deepEqual(
      results.map((r) => r.error?.errorCode),
      [CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded, undefined],
    );
  });

  it('reports no seats left once the limit is reached', () => {
    const result = one(premiumP1M, { purchasedQuantity: bought({ 'CFQ7TTC0SBP0:0001': 300 }) });
    assert.deepEqual(result.error?.additionalInformation, { availableQuantity: 0, purchasedQuantity: 300 });
  });

  it('does not limit a SKU without a pooled limit beyond its per-subscription maximum', () => {
    assert.equal(errorCodeOf({ ...A9_LINE, quantity: 2000 }, { purchasedQuantity: () => 1_000_000 }), undefined);
  });
});

describe('line items: add-ons and their base', () => {
  const base = A6[0]!;
  const addOn = A6[1]!;

  it('accepts a new-commerce add-on whose base is a sibling line, in either order', () => {
    assert.deepEqual(
      evaluate([addOn, base]).map((r) => r.error),
      [undefined, undefined],
    );
  });

  it('10018 when the add-on quantity exceeds the seats of its base in the cart', () => {
    const results = evaluate([
      { ...base, quantity: 10 },
      { ...addOn, quantity: 11 },
    ]);
    assert.equal(results[1]?.error?.errorCode, CartErrorCode.BaseOfferSeatQuantityNotMet);
  });

  it('accepts an add-on whose base seats were bought in earlier orders, up to those seats', () => {
    const purchasedQuantity = (id: string) => (id.toUpperCase().startsWith('CFQ7TTC0LFLX:0001') ? 5 : 0);
    assert.equal(errorCodeOf({ ...addOn, quantity: 5 }, { purchasedQuantity }), undefined);
    assert.equal(
      errorCodeOf({ ...addOn, quantity: 6 }, { purchasedQuantity }),
      CartErrorCode.BaseOfferSeatQuantityNotMet,
    );
  });

  it('10018 for a nested add-on with more seats than its parent', () => {
    const [parent] = evaluate([{ ...A4[0]!, quantity: 1 }]);
    assert.deepEqual(
      parent?.addonItems?.map((a) => a.error?.errorCode),
      [CartErrorCode.BaseOfferSeatQuantityNotMet, CartErrorCode.BaseOfferSeatQuantityNotMet],
    );
  });

  it('10018 for a nested item that is not an add-on of its parent', () => {
    const [parent] = evaluate([
      {
        catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239',
        quantity: 3,
        billingCycle: 'monthly',
        addonItems: [{ ...A9_LINE, billingCycle: 'monthly' }],
      },
    ]);
    assert.equal(parent?.error, undefined);
    assert.equal(parent?.addonItems?.[0]?.error?.errorCode, CartErrorCode.BaseOfferSeatQuantityNotMet);
  });

  it('gives nested add-ons the group of their parent, whatever their billing cycle', () => {
    const [parent] = evaluate([
      A9_LINE,
      { ...A4[0]!, billingCycle: 'annual', addonItems: [{ ...A4[0]!.addonItems![0]!, billingCycle: 'monthly' }] },
    ]).slice(1);
    assert.equal(parent?.orderGroup, 'OMS-0');
    assert.equal(parent?.addonItems?.[0]?.orderGroup, 'OMS-0');
  });
});

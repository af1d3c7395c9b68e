import assert from 'node:assert/strict';
import { DEFAULT_CATALOG_PATH, loadCatalog } from './catalog.ts';
import {
  CartErrorCode,
  evaluateLineItems,
  normalizeProvisioningContext,
  round2,
  type CartLineItemResult,
  type EvaluationContext,
  type LineItemInput,
} from './line-items.ts';

const catalog = loadCatalog(DEFAULT_CATALOG_PATH);

const US_CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';
const GB_CUSTOMER = '4a1c0d8e-6b2f-4c3a-9e57-0f2d8b61c9a4';
const DE_CUSTOMER = 'b5e3f7a2-1d94-4c68-8a0b-3e6f9c2d7a15';
const NOW = new Date('2024-03-10T12:00:00Z');

function context(overrides: Partial<EvaluationContext> = {}): EvaluationContext {
  return { catalog, customerId: US_CUSTOMER, now: NOW, purchasedQuantity: () => 0, ...overrides };
}

function evaluate(lines: LineItemInput[], overrides: Partial<EvaluationContext> = {}): CartLineItemResult[] {
  return evaluateLineItems(lines, context(overrides));
}

/** Evaluates one line and returns its result. */
function one(line: LineItemInput, overrides: Partial<EvaluationContext> = {}): CartLineItemResult {
  const [result] = evaluate([line], overrides);
  assert.ok(result);
  return result;
}

function errorCodeOf(line: LineItemInput, overrides: Partial<EvaluationContext> = {}): number | undefined {
  return one(line, overrides).error?.errorCode;
}

/** Every result line, nested add-ons included, in document order. */
/** Lines with their nested add-ons, depth first (request or response lines alike). */
function flatten<T extends { addonItems?: T[] | undefined }>(lines: readonly T[]): T[] {
  return lines.flatMap((line) => [line, ...flatten(line.addonItems ?? [])]);
}

// ---------------------------------------------------------------------------------------------
// The published example requests (reference appendix), canonical: PascalCase keys read as
// camelCase, "Monthly" as monthly, comments removed.

const A1: LineItemInput[] = [
  {
    id: 0, catalogItemId: 'CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M',
    provisioningContext: {}, customTermEndDate: '2022-02-19T00:00:00Z',
  },
  {
    id: 1, catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', quantity: 2, billingCycle: 'monthly', termDuration: 'P1Y',
    participants: [
      { key: 'transaction_reseller', value: '5357564' },
      { key: 'additional_transaction_reseller', value: '517285' },
      { key: 'additional_transaction_reseller', value: '5357563' },
    ],
  },
];
/** A1's customTermEndDate (2022-02-19) is only valid within a month before it: evaluate A1 as of then. */
const A1_NOW = new Date('2022-02-01T00:00:00Z');

const A2: LineItemInput[] = [
  { id: 0, catalogItemId: 'MS-AZR-0145P', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' },
  {
    id: 1, catalogItemId: 'DZH318Z0BQ36:004G:DZH318Z08C0S', quantity: 1, billingCycle: 'one_time', termDuration: 'P1Y',
    provisioningContext: { subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8', scope: 'shared' },
  },
  {
    id: 2, catalogItemId: 'DZH318Z0BQ36:004J:DZH318Z08B8X', quantity: 1, billingCycle: 'one_time', termDuration: 'P3Y',
    provisioningContext: { subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8', scope: 'single' },
  },
  { id: 3, catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', quantity: 1, billingCycle: 'one_time' },
  { id: 4, catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
  {
    id: 5, catalogItemId: 'DZH318Z0C0WF:0001:DZH318Z0BP69', quantity: 10, billingCycle: 'none', termDuration: 'P1M',
    renewsTo: { termDuration: 'P1Y' },
  },
];

const A3: LineItemInput[] = [
  { catalogItemId: 'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS', quantity: 1, termDuration: 'P1M', billingCycle: 'monthly' },
];
/** The line A3's response shows (a different item and term than its request sent). */
const A3_RESPONSE_LINE: LineItemInput = {
  catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y',
};

const A4: LineItemInput[] = [
  {
    id: 0, catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', friendlyName: 'Myofferpurchase', quantity: 3, billingCycle: 'monthly',
    addonItems: [
      { id: 1, catalogItemId: 'C94271D8-B431-4A25-A3C5-A57737A1C909', quantity: 2, billingCycle: 'monthly' },
      { id: 2, catalogItemId: '43FCE491-76D1-4BCC-B709-8A288786DBAE', quantity: 3, billingCycle: 'monthly' },
    ],
  },
];

const A5: LineItemInput[] = [
  {
    id: 0, catalogItemId: 'C94271D8-B431-4A25-A3C5-A57737A1C909', quantity: 1, billingCycle: 'annual',
    provisioningContext: { ParentSubscriptionId: '97555B61-7461-477A-A98C-9C76148783E4' },
  },
];

const A6: LineItemInput[] = [
  { id: 0, catalogItemId: 'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30', quantity: 20, billingCycle: 'monthly', termDuration: 'P1M' },
  { id: 1, catalogItemId: 'CFQ7TTC0HDJX:0001:CFQ7TTC0K806', quantity: 20, billingCycle: 'monthly', termDuration: 'P1M' },
];

const A7: LineItemInput[] = [
  {
    id: 0, catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSJB', friendlyName: 'A_sample_Azure_RI', quantity: 2, billingCycle: 'one_time',
    provisioningContext: { SubscriptionId: '3D5ECED6-1151-44C7-AEE6-70A4BB725666', Scope: 'shared', Duration: '1Year' },
  },
];

const A9_LINE: LineItemInput = {
  catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M',
};

const EXAMPLES: { name: string; lines: LineItemInput[]; now: Date }[] = [
  { name: 'A1', lines: A1, now: A1_NOW },
  { name: 'A2', lines: A2, now: NOW },
  { name: 'A2 as its response lists it', lines: A2.map((l) => (l.id === 3 ? { ...l, catalogItemId: 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M' } : l)), now: NOW },
  { name: 'A3', lines: A3, now: NOW },
  { name: 'A3 as its response lists it', lines: [A3_RESPONSE_LINE], now: NOW },
  { name: 'A4', lines: A4, now: NOW },
  { name: 'A5', lines: A5, now: NOW },
  { name: 'A6', lines: A6, now: NOW },
  { name: 'A7', lines: A7, now: NOW },
  { name: 'A9', lines: [A9_LINE], now: NOW },
];

describe('line items: the published examples', () => {
  const usCustomers = [US_CUSTOMER, '932c4101-dc08-461b-b4c1-75d80e905775', '18ac2950-8ea9-4dfc-92a4-ff4d4cd57796', '00000000-0000-0000-0000-000000000000'];
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
    assert.deepEqual(results.map((r) => [r.id, r.orderGroup]), [[0, '0'], [1, '0']]);
    const [first, second] = results;
    assert.equal(first?.customTermEndDate, '2022-02-19T00:00:00Z');
    assert.deepEqual(first?.provisioningContext, {});
    assert.equal('renewsTo' in (first ?? {}), false);
    assert.deepEqual(second?.participants, A1[1]?.participants);
    assert.deepEqual(second?.provisioningContext, {});
  });

  it('A2: groups OMS-0, 0, 0, 0, 1, 2 as published, provisioning context and renewsTo kept', () => {
    const results = evaluate(A2);
    assert.deepEqual(results.map((r) => r.orderGroup), ['OMS-0', '0', '0', '0', '1', '2']);
    assert.deepEqual(results[1]?.provisioningContext, { subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8', scope: 'shared' });
    assert.deepEqual(results[5]?.renewsTo, { termDuration: 'P1Y' });
    assert.equal(results[0]?.pricing, undefined, 'Azure is billed on consumption: no list price');
    assert.deepEqual(results[5]?.pricing, { listPrice: 0, discountedPrice: 0, proratedPrice: 0, price: 0, extendedPrice: 0 });
  });

  it('A3: the pricing of the published response (30.4 a month on P1Y: 364.8 for the term)', () => {
    const result = one(A3_RESPONSE_LINE);
    assert.deepEqual(result.pricing, { listPrice: 30.4, discountedPrice: 30.4, proratedPrice: 30.4, price: 30.4, extendedPrice: 364.8 });
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
    assert.deepEqual(base?.addonItems?.map((a) => [a.id, a.orderGroup, a.currencyCode]), [[1, 'OMS-0', 'USD'], [2, 'OMS-0', 'USD']]);
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
    assert.deepEqual(result.provisioningContext, { subscriptionId: '3D5ECED6-1151-44C7-AEE6-70A4BB725666', scope: 'shared', duration: '1Year' });
    assert.equal(result.friendlyName, 'A_sample_Azure_RI');
    assert.equal(result.orderGroup, '0');
  });

  it('A9: 36.48 everywhere for one seat on a one-month term', () => {
    const p = 36.48;
    assert.deepEqual(one(A9_LINE).pricing, { listPrice: p, discountedPrice: p, proratedPrice: p, price: p, extendedPrice: p });
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
      { id: 1, catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
      {
        catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity: 3, billingCycle: 'monthly',
        addonItems: [
          { catalogItemId: 'C94271D8-B431-4A25-A3C5-A57737A1C909', quantity: 1, billingCycle: 'monthly' },
          { id: 3, catalogItemId: '43FCE491-76D1-4BCC-B709-8A288786DBAE', quantity: 1, billingCycle: 'monthly' },
        ],
      },
      { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
    ]);
    assert.deepEqual(flatten(results).map((r) => r.id), [1, 0, 2, 3, 4]);
  });

  it('keeps the ids the request gives', () => {
    const results = evaluate([
      { id: 7, catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
      { id: 2, catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
    ]);
    assert.deepEqual(results.map((r) => r.id), [7, 2]);
  });
});

describe('line items: provisioning context', () => {
  it('is {} when none was sent', () => {
    assert.deepEqual(one(A9_LINE).provisioningContext, {});
  });

  it('returns capitalised keys lower-camel, keeps unknown keys and values as sent', () => {
    assert.deepEqual(normalizeProvisioningContext({ ParentSubscriptionId: 'ABC', scope: 'Shared', CustomKey: 'x y' }),
      { parentSubscriptionId: 'ABC', scope: 'Shared', customKey: 'x y' });
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
  it('gives every line the currency of the customer\'s market', () => {
    assert.equal(one(A9_LINE, { customerId: GB_CUSTOMER }).currencyCode, 'GBP');
    assert.equal(one(A9_LINE, { customerId: DE_CUSTOMER }).currencyCode, 'EUR');
    assert.equal(one(A9_LINE, { customerId: GB_CUSTOMER }).pricing?.listPrice, 29.18);
  });

  it('accepts the market currency in any case', () => {
    assert.equal(errorCodeOf({ ...A9_LINE, currencyCode: 'usd' }), undefined);
    assert.equal(errorCodeOf({ ...A9_LINE, currencyCode: 'USD' }), undefined);
  });
});

describe('line items: errors (one minimal case each)', () => {
  const saas: LineItemInput = { catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' };
  const w365: LineItemInput = { catalogItemId: 'CFQ7TTC0W365:0001:CFQ7TTC0WHB1', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' };
  const reservation = A2[1]!;

  it('10001 for an unknown catalog item id; the lookup ignores case', () => {
    const result = one({ catalogItemId: 'CFQ7TTC0ZZZZ:0001:CFQ7TTC0ZZZZ', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' });
    assert.equal(result.error?.errorCode, CartErrorCode.CatalogItemIdIsNotValid);
    assert.match(result.error?.errorDescription ?? '', /CFQ7TTC0ZZZZ:0001:CFQ7TTC0ZZZZ/);
    assert.equal(result.pricing, undefined);
    assert.equal(errorCodeOf({ ...A9_LINE, catalogItemId: 'cfq7ttc0lf8s:0001:cfq7ttc0n81h' }), undefined);
  });

  it('500600 for an item no longer purchasable', () => {
    assert.equal(errorCodeOf({ catalogItemId: '796B6B5F-613C-4E24-A17C-EBA730D49C02', quantity: 1, billingCycle: 'monthly' }),
      CartErrorCode.LegacyOfferNotEligibleForPurchase);
  });

  it('10000 for an item not sold in the customer\'s market', () => {
    assert.equal(errorCodeOf(saas, { customerId: GB_CUSTOMER }), undefined);
    assert.equal(errorCodeOf(saas, { customerId: DE_CUSTOMER }), CartErrorCode.CurrencyIsNotSupported);
  });

  it('10000 for a currencyCode other than the market\'s', () => {
    const result = one({ ...A9_LINE, currencyCode: 'EUR' });
    assert.equal(result.error?.errorCode, CartErrorCode.CurrencyIsNotSupported);
    assert.equal(result.currencyCode, 'USD', 'the line still shows the market currency');
  });

  it('10010 for a missing term on an item sold only with a term', () => {
    assert.equal(errorCodeOf({ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly' }), CartErrorCode.InvalidInput);
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
    assert.equal(errorCodeOf({ ...reservation, provisioningContext: { subscriptionId: 'X' } }), CartErrorCode.InvalidInput);
    assert.equal(errorCodeOf({ ...reservation, provisioningContext: { Scope: 'shared' } }), CartErrorCode.InvalidInput);
    assert.equal(errorCodeOf({ ...reservation, provisioningContext: { SubscriptionId: 'X', Scope: 'Shared' } }), undefined, 'Duration is optional');
  });

  it('10010 for a provisioning value the item does not accept', () => {
    const result = one({ ...reservation, provisioningContext: { subscriptionId: 'X', scope: 'galaxy' } });
    assert.equal(result.error?.errorCode, CartErrorCode.InvalidInput);
    assert.match(result.error?.errorDescription ?? '', /scope/);
  });

  it('10004 for participants on an Azure offer', () => {
    const participants = [{ key: 'transaction_reseller' as const, value: '5357564' }];
    assert.equal(errorCodeOf({ catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', quantity: 1, billingCycle: 'monthly', participants }),
      CartErrorCode.ParticipantsIsNotSupportedForPartner);
    assert.equal(errorCodeOf({ ...reservation, participants }), CartErrorCode.ParticipantsIsNotSupportedForPartner);
    assert.equal(errorCodeOf({ ...A9_LINE, participants }), undefined);
  });

  it('10010 for more than one transaction_reseller', () => {
    assert.equal(errorCodeOf({
      ...A9_LINE,
      participants: [{ key: 'transaction_reseller', value: '1' }, { key: 'transaction_reseller', value: '2' }],
    }), CartErrorCode.InvalidInput);
  });

  it('10010 for more than 5 additional_transaction_reseller (5 are accepted)', () => {
    const additional = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'additional_transaction_reseller' as const, value: String(100 + i) }));
    assert.equal(errorCodeOf({ ...A9_LINE, participants: additional(5) }), undefined);
    assert.equal(errorCodeOf({ ...A9_LINE, participants: additional(6) }), CartErrorCode.InvalidInput);
  });

  it('10010 for a participant value that is not a numeric PartnerID, or the key unknown', () => {
    assert.equal(errorCodeOf({ ...A9_LINE, participants: [{ key: 'transaction_reseller', value: 'abc' }] }), CartErrorCode.InvalidInput);
    assert.equal(errorCodeOf({ ...A9_LINE, participants: [{ key: 'unknown', value: '5357564' }] }), CartErrorCode.InvalidInput);
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
    assert.equal(errorCodeOf({ ...A9_LINE, customTermEndDate: '2024-03-01T00:00:00Z' }), CartErrorCode.InvalidCustomTermEndDate);
    assert.equal(errorCodeOf({ ...A9_LINE, customTermEndDate: '2024-04-11T00:00:00Z' }), CartErrorCode.InvalidCustomTermEndDate);
    assert.equal(errorCodeOf({ ...A9_LINE, customTermEndDate: '2024-04-10T12:00:00Z' }), undefined, 'the end of the first term itself');
    assert.equal(errorCodeOf({ ...A3_RESPONSE_LINE, customTermEndDate: '2025-03-10T00:00:00Z' }), undefined);
    assert.equal(errorCodeOf(A1[0]!, { now: new Date('2024-01-01T00:00:00Z') }), CartErrorCode.InvalidCustomTermEndDate,
      'A1 evaluated today: its end date has passed');
  });

  it('10014 for a promotion the item does not have', () => {
    assert.equal(errorCodeOf({ ...A6[0]!, promotionId: '39NFJQT1ZZZZ:0001:39NFJQT1ZZZZ' }), CartErrorCode.InvalidPromotionId);
    assert.equal(errorCodeOf({ ...A9_LINE, promotionId: '39NFJQT1PHSN:0008:39NFJQT1Q5J0' }), CartErrorCode.InvalidPromotionId,
      'a promotion of another item');
  });

  it('keeps the other lines free of errors, and still groups the line in error', () => {
    const results = evaluate([
      { catalogItemId: '1D8A6C3E-0000-4000-8000-000000000000', quantity: 1, billingCycle: 'monthly' },
      A9_LINE,
      { catalogItemId: 'CFQ7TTC0ZZZZ:0001:CFQ7TTC0ZZZZ', quantity: 1, billingCycle: 'annual', termDuration: 'P1Y' },
    ]);
    assert.deepEqual(results.map((r) => [r.error?.errorCode, r.orderGroup]), [
      [CartErrorCode.CatalogItemIdIsNotValid, 'OMS-0'],
      [undefined, '0'],
      [CartErrorCode.CatalogItemIdIsNotValid, '1'],
    ]);
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
    assert.equal(errorCodeOf({ ...A9_LINE, termDuration: 'P3Y', billingCycle: 'triennial', quantity: 0 }), CartErrorCode.InvalidInput);
    assert.equal(errorCodeOf({ ...A9_LINE, billingCycle: 'annual', quantity: 0 }), CartErrorCode.BillingPlanNotSupported);
  });

  it('market (10000) before quantity (10015)', () => {
    assert.equal(errorCodeOf({ ...A9_LINE, currencyCode: 'GBP', quantity: 0 }), CartErrorCode.CurrencyIsNotSupported);
  });

  it('no longer purchasable (500600) before the market (10000)', () => {
    assert.equal(errorCodeOf({ catalogItemId: '796B6B5F-613C-4E24-A17C-EBA730D49C02', quantity: 1, billingCycle: 'monthly', currencyCode: 'EUR' }),
      CartErrorCode.LegacyOfferNotEligibleForPurchase);
  });

  it('attestation (10012) before custom term end date (10017) before promotion (10014)', () => {
    const w365: LineItemInput = { catalogItemId: 'CFQ7TTC0W365:0001:CFQ7TTC0WHB1', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' };
    const line = { ...w365, customTermEndDate: '2020-01-01T00:00:00Z', promotionId: '39NFJQT1ZZZZ:0001:39NFJQT1ZZZZ' };
    assert.equal(errorCodeOf(line), CartErrorCode.AttestationNotAccepted);
    assert.equal(errorCodeOf({ ...line, attestationAccepted: true }), CartErrorCode.InvalidCustomTermEndDate);
    assert.equal(errorCodeOf({ ...line, attestationAccepted: true, customTermEndDate: undefined }), CartErrorCode.InvalidPromotionId);
  });

  it('participants not supported (10004) before malformed participants (10010)', () => {
    const azurePlan: LineItemInput = { catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', quantity: 1, billingCycle: 'monthly' };
    assert.equal(errorCodeOf({ ...azurePlan, participants: [{ key: 'transaction_reseller', value: 'abc' }] }),
      CartErrorCode.ParticipantsIsNotSupportedForPartner);
  });
});

describe('line items: seat limits', () => {
  const premiumP1M: LineItemInput = { catalogItemId: 'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP1', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' };
  const premiumP1Y: LineItemInput = { catalogItemId: 'CFQ7TTC0SBP0:0001:CFQ7TTC0SBP2', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' };
  /** Seats per product SKU, as the callback is specified: by the first two segments of the id. */
  const bought = (seats: Record<string, number>) => (id: string): number => seats[id.split(':').slice(0, 2).join(':').toUpperCase()] ?? 0;

  it('counts the seats bought in earlier orders against the pooled limit per customer', () => {
    const purchasedQuantity = bought({ 'CFQ7TTC0SBP0:0001': 250 });
    assert.equal(errorCodeOf({ ...premiumP1M, quantity: 50 }, { purchasedQuantity }), undefined);
    const result = one({ ...premiumP1M, quantity: 51 }, { purchasedQuantity });
    assert.equal(result.error?.errorCode, CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded);
    assert.deepEqual(result.error?.additionalInformation, { availableQuantity: 50, purchasedQuantity: 250 });
  });

  it('asks purchasedQuantity about the line\'s own catalog item', () => {
    const asked: string[] = [];
    one(premiumP1Y, { purchasedQuantity: (id) => { asked.push(id); return 0; } });
    assert.deepEqual(asked, ['CFQ7TTC0SBP0:0001:CFQ7TTC0SBP2']);
  });

  it('counts earlier lines of the same product SKU in the cart, whatever their availability', () => {
    const results = evaluate([{ ...premiumP1M, quantity: 200 }, { ...premiumP1Y, quantity: 150 }, { ...premiumP1Y, quantity: 100 }]);
    assert.deepEqual(results.map((r) => r.error?.errorCode), [undefined, CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded, undefined]);
    assert.deepEqual(results[1]?.error?.additionalInformation, { availableQuantity: 100, purchasedQuantity: 200 });
  });

  it('does not count a line that is itself in error', () => {
    const results = evaluate([{ ...premiumP1M, quantity: 301 }, { ...premiumP1Y, quantity: 300 }]);
    assert.deepEqual(results.map((r) => r.error?.errorCode), [CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded, undefined]);
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
    assert.deepEqual(evaluate([addOn, base]).map((r) => r.error), [undefined, undefined]);
  });

  it('10018 when the add-on quantity exceeds the seats of its base in the cart', () => {
    const results = evaluate([{ ...base, quantity: 10 }, { ...addOn, quantity: 11 }]);
    assert.equal(results[1]?.error?.errorCode, CartErrorCode.BaseOfferSeatQuantityNotMet);
  });

  it('accepts an add-on whose base seats were bought in earlier orders, up to those seats', () => {
    const purchasedQuantity = (id: string) => (id.toUpperCase().startsWith('CFQ7TTC0LFLX:0001') ? 5 : 0);
    assert.equal(errorCodeOf({ ...addOn, quantity: 5 }, { purchasedQuantity }), undefined);
    assert.equal(errorCodeOf({ ...addOn, quantity: 6 }, { purchasedQuantity }), CartErrorCode.BaseOfferSeatQuantityNotMet);
  });

  it('10018 for a nested add-on with more seats than its parent', () => {
    const [parent] = evaluate([{ ...A4[0]!, quantity: 1 }]);
    assert.deepEqual(parent?.addonItems?.map((a) => a.error?.errorCode), [
      CartErrorCode.BaseOfferSeatQuantityNotMet, CartErrorCode.BaseOfferSeatQuantityNotMet,
    ]);
  });

  it('10018 for a nested item that is not an add-on of its parent', () => {
    const [parent] = evaluate([{
      catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity: 3, billingCycle: 'monthly',
      addonItems: [{ ...A9_LINE, billingCycle: 'monthly' }],
    }]);
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
    assert.deepEqual(results.map((r) => r.orderGroup), ['0', 'OMS-0', '1', 'OMS-1', '0', 'OMS-1']);
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
    assert.deepEqual(result.pricing, { listPrice: 43.2, discountedPrice: 38.88, proratedPrice: 38.88, price: 38.88, extendedPrice: 77.76 });
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
    const prorated = round2(30.4 * 183 / 365);
    assert.deepEqual(result.pricing, {
      listPrice: 30.4, discountedPrice: 30.4, proratedPrice: prorated, price: prorated, extendedPrice: round2(prorated * 12),
    });
    assert.equal(prorated, 15.24);
  });

  it('prices A1\'s coterminous line: 18 of the 28 days of its first month', () => {
    const [first] = evaluate(A1, { now: A1_NOW });
    assert.deepEqual(first?.pricing, { listPrice: 600, discountedPrice: 600, proratedPrice: 385.71, price: 385.71, extendedPrice: 385.71 });
  });

  it('gives no pricing to items billed on consumption', () => {
    assert.equal(one({ catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', quantity: 1, billingCycle: 'monthly' }).pricing, undefined);
  });

  it('rounds to 2 decimals, half away from zero', () => {
    assert.equal(round2(364.79999999999995), 364.8);
    assert.equal(round2(1.005), 1.01);
    assert.equal(round2(2.344), 2.34);
    assert.equal(round2(-1.005), -1.01);
  });
});

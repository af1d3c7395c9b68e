// What the line-item tests share: the shipped catalog, customers of each market, a fixed now, small
// helpers around evaluateLineItems, and the published example requests. Not a test file itself.
import assert from 'node:assert/strict';
import { loadCatalog } from '../catalog/load-catalog.ts';
import {
  evaluateLineItems,
  type CartLineItemResult,
  type EvaluationContext,
  type LineItemInput,
} from './line-items.ts';

export const catalog = loadCatalog();

export const US_CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';
export const GB_CUSTOMER = '4a1c0d8e-6b2f-4c3a-9e57-0f2d8b61c9a4';
export const DE_CUSTOMER = 'b5e3f7a2-1d94-4c68-8a0b-3e6f9c2d7a15';
export const NOW = new Date('2024-03-10T12:00:00Z');

export function context(overrides: Partial<EvaluationContext> = {}): EvaluationContext {
  return { catalog, customerId: US_CUSTOMER, now: NOW, purchasedQuantity: () => 0, ...overrides };
}

export function evaluate(lines: LineItemInput[], overrides: Partial<EvaluationContext> = {}): CartLineItemResult[] {
  return evaluateLineItems(lines, context(overrides));
}

/** Evaluates one line and returns its result. */
export function one(line: LineItemInput, overrides: Partial<EvaluationContext> = {}): CartLineItemResult {
  const [result] = evaluate([line], overrides);
  assert.ok(result);
  return result;
}

export function errorCodeOf(line: LineItemInput, overrides: Partial<EvaluationContext> = {}): number | undefined {
  return one(line, overrides).error?.errorCode;
}

/** Lines with their nested add-ons, depth first (request or response lines alike). */
export function flatten<T extends { addonItems?: T[] | undefined }>(lines: readonly T[]): T[] {
  return lines.flatMap((line) => [line, ...flatten(line.addonItems ?? [])]);
}

// ---------------------------------------------------------------------------------------------
// The published example requests (reference appendix), canonical: PascalCase keys read as
// camelCase, "Monthly" as monthly, comments removed.

export const A1: LineItemInput[] = [
  {
    id: 0,
    catalogItemId: 'CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P',
    quantity: 1,
    billingCycle: 'monthly',
    termDuration: 'P1M',
    provisioningContext: {},
    customTermEndDate: '2022-02-19T00:00:00Z',
  },
  {
    id: 1,
    catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ',
    quantity: 2,
    billingCycle: 'monthly',
    termDuration: 'P1Y',
    participants: [
      { key: 'transaction_reseller', value: '5357564' },
      { key: 'additional_transaction_reseller', value: '517285' },
      { key: 'additional_transaction_reseller', value: '5357563' },
    ],
  },
];
/** A1's customTermEndDate (2022-02-19) is only valid within a month before it: evaluate A1 as of then. */
export const A1_NOW = new Date('2022-02-01T00:00:00Z');

export const A2: LineItemInput[] = [
  { id: 0, catalogItemId: 'MS-AZR-0145P', quantity: 1, billingCycle: 'monthly', termDuration: 'P1Y' },
  {
    id: 1,
    catalogItemId: 'DZH318Z0BQ36:004G:DZH318Z08C0S',
    quantity: 1,
    billingCycle: 'one_time',
    termDuration: 'P1Y',
    provisioningContext: { subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8', scope: 'shared' },
  },
  {
    id: 2,
    catalogItemId: 'DZH318Z0BQ36:004J:DZH318Z08B8X',
    quantity: 1,
    billingCycle: 'one_time',
    termDuration: 'P3Y',
    provisioningContext: { subscriptionId: '1C461A25-F729-4FA5-AADB-280947DD05E8', scope: 'single' },
  },
  { id: 3, catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSFM', quantity: 1, billingCycle: 'one_time' },
  { id: 4, catalogItemId: 'DZH318Z0BXWC:0002:DZH318Z0BMRV', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
  {
    id: 5,
    catalogItemId: 'DZH318Z0C0WF:0001:DZH318Z0BP69',
    quantity: 10,
    billingCycle: 'none',
    termDuration: 'P1M',
    renewsTo: { termDuration: 'P1Y' },
  },
];

export const A3: LineItemInput[] = [
  { catalogItemId: 'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS', quantity: 1, termDuration: 'P1M', billingCycle: 'monthly' },
];
/** The line A3's response shows (a different item and term than its request sent). */
export const A3_RESPONSE_LINE: LineItemInput = {
  catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5',
  quantity: 1,
  billingCycle: 'monthly',
  termDuration: 'P1Y',
};

export const A4: LineItemInput[] = [
  {
    id: 0,
    catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239',
    friendlyName: 'Myofferpurchase',
    quantity: 3,
    billingCycle: 'monthly',
    addonItems: [
      { id: 1, catalogItemId: 'C94271D8-B431-4A25-A3C5-A57737A1C909', quantity: 2, billingCycle: 'monthly' },
      { id: 2, catalogItemId: '43FCE491-76D1-4BCC-B709-8A288786DBAE', quantity: 3, billingCycle: 'monthly' },
    ],
  },
];

export const A5: LineItemInput[] = [
  {
    id: 0,
    catalogItemId: 'C94271D8-B431-4A25-A3C5-A57737A1C909',
    quantity: 1,
    billingCycle: 'annual',
    provisioningContext: { ParentSubscriptionId: '97555B61-7461-477A-A98C-9C76148783E4' },
  },
];

export const A6: LineItemInput[] = [
  {
    id: 0,
    catalogItemId: 'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30',
    quantity: 20,
    billingCycle: 'monthly',
    termDuration: 'P1M',
  },
  {
    id: 1,
    catalogItemId: 'CFQ7TTC0HDJX:0001:CFQ7TTC0K806',
    quantity: 20,
    billingCycle: 'monthly',
    termDuration: 'P1M',
  },
];

export const A7: LineItemInput[] = [
  {
    id: 0,
    catalogItemId: 'DG7GMGF0DWTL:0001:DG7GMGF0DSJB',
    friendlyName: 'A_sample_Azure_RI',
    quantity: 2,
    billingCycle: 'one_time',
    provisioningContext: { SubscriptionId: '3D5ECED6-1151-44C7-AEE6-70A4BB725666', Scope: 'shared', Duration: '1Year' },
  },
];

export const A9_LINE: LineItemInput = {
  catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
  quantity: 1,
  billingCycle: 'monthly',
  termDuration: 'P1M',
};

export const EXAMPLES: { name: string; lines: LineItemInput[]; now: Date }[] = [
  { name: 'A1', lines: A1, now: A1_NOW },
  { name: 'A2', lines: A2, now: NOW },
  {
    name: 'A2 as its response lists it',
    lines: A2.map((l) => (l.id === 3 ? { ...l, catalogItemId: 'DG7GMGF0DWM3:0002:DG7GMGF0DT1M' } : l)),
    now: NOW,
  },
  { name: 'A3', lines: A3, now: NOW },
  { name: 'A3 as its response lists it', lines: [A3_RESPONSE_LINE], now: NOW },
  { name: 'A4', lines: A4, now: NOW },
  { name: 'A5', lines: A5, now: NOW },
  { name: 'A6', lines: A6, now: NOW },
  { name: 'A7', lines: A7, now: NOW },
  { name: 'A9', lines: [A9_LINE], now: NOW },
];

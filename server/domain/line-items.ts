/**
 * Evaluation of cart line items against the catalog: pure functions over plain data.
 *
 * `evaluateLineItems` takes the line items of a cart as the client sent them (already canonical:
 * camelCase names, lower-case enum values, valid against the spec) and returns them as a cart
 * response carries them: ids assigned, currency, order group, normalised provisioning context,
 * pricing, automatic promotion, and a line `error` for a line that cannot be bought. A line that
 * cannot be bought is not an exception; the other lines are evaluated as usual.
 *
 * Evaluation order: lines are visited in document order, depth first (a line, then its nested
 * addonItems, then the next line). That order decides the ids given to lines without one and which
 * line overflows a pooled seat limit (the later one).
 *
 * Each line carries at most one error: the first rule of RULES (below, in order) that fails.
 */
import type { BillingCycle, Catalog, CatalogItem, MarketInfo, PurchaseSystem, RenewalTerm, TermDuration } from './catalog.ts';
import { CYCLE_MONTHS, TERM_MONTHS, findCatalogItem, marketOf, offersFor, productSkuKey } from './catalog.ts';

import type { components } from '../../generated/api-types.ts';

export type { BillingCycle, TermDuration } from './catalog.ts';

// Every wire shape below comes from the spec's generated types; this module only narrows the
// properties it always fills in.
type Schemas = components['schemas'];
export type ParticipantKey = Schemas['ParticipantKey'];
export type Participant = Schemas['Participant'];
export type RenewsTo = Schemas['RenewsTo'];

/** What the service computes itself: the reading of the request drops these (server/http/canonical-input.ts). */
type ServerManagedLineProperties = 'orderGroup' | 'error' | 'pricing';

/**
 * A cart line item as a request carries it, after the case-insensitive reading: canonical names and
 * enum values, the service's own properties absent. Add-ons are nested one level deep.
 */
export type AddonLineItemInput = Omit<Schemas['CartAddonLineItemRequest'], ServerManagedLineProperties>;
export type LineItemInput = Omit<Schemas['CartLineItemRequest'], ServerManagedLineProperties | 'addonItems'> & { addonItems?: AddonLineItemInput[] };
/** A line at either level. */
type AnyLineInput = LineItemInput | AddonLineItemInput;

/** The add-ons of a line (an add-on has none). */
export function addonsOf(line: AnyLineInput): readonly AddonLineItemInput[] {
  return 'addonItems' in line ? (line.addonItems ?? []) : [];
}

export interface EvaluationContext {
  catalog: Catalog;
  customerId: string;
  now: Date;
  /**
   * Seats of the product SKU of `catalogItemId` (its first two segments; the whole id for legacy
   * offers) that this customer bought in earlier orders, whatever the availability.
   */
  purchasedQuantity(catalogItemId: string): number;
}

/** Every figure is always computed. */
export type Pricing = Required<Schemas['Pricing']>;

/**
 * availableQuantity: the largest quantity this line could have (the per-subscription maximum, or fewer
 * when the pooled per-customer limit leaves fewer); purchasedQuantity: seats of the product SKU the
 * customer already holds (earlier orders plus earlier error-free lines of this cart).
 */
export type CartErrorAdditionalInformation = Required<Schemas['CartErrorAdditionalInformation']>;

export type CartError = Omit<Schemas['CartError'], 'additionalInformation'> & { additionalInformation?: CartErrorAdditionalInformation };

/** A cart line item as a response carries it: id, currency and provisioning context always set. */
export type CartLineItemResult = Omit<Schemas['CartLineItem'], 'id' | 'currencyCode' | 'provisioningContext' | 'addonItems' | 'pricing' | 'error'> & {
  id: number;
  currencyCode: string;
  provisioningContext: Record<string, string>;
  addonItems?: CartLineItemResult[];
  pricing?: Pricing;
  error?: CartError;
};

/** The CartErrorCode values (reference §3.4) this module produces. */
export const CartErrorCode = {
  CurrencyIsNotSupported: 10000,
  CatalogItemIdIsNotValid: 10001,
  ParticipantsIsNotSupportedForPartner: 10004,
  InvalidInput: 10010,
  AttestationNotAccepted: 10012,
  BillingPlanNotSupported: 10013,
  InvalidPromotionId: 10014,
  MaxAllowedSeatsPerSubscriptionExceeded: 10015,
  InvalidCustomTermEndDateProduct: 10016,
  InvalidCustomTermEndDate: 10017,
  BaseOfferSeatQuantityNotMet: 10018,
  LegacyOfferNotEligibleForPurchase: 500600,
} as const satisfies Record<string, Schemas['CartErrorCode']>;
export type CartErrorCode = (typeof CartErrorCode)[keyof typeof CartErrorCode];

/** At most this many additional_transaction_reseller participants on a line (reference §2.2). */
export const MAX_ADDITIONAL_RESELLERS = 5;

const PARTNER_ID = /^[0-9]{1,10}$/;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Entry point

export function evaluateLineItems(lines: LineItemInput[], ctx: EvaluationContext): CartLineItemResult[] {
  const market = marketOf(ctx.catalog, ctx.customerId);
  const roots = buildTree(lines, ctx.catalog);
  assignOrderGroups(roots);

  // Seats claimed by the error-free lines evaluated so far, per product SKU.
  const claimed = new Map<string, number>();
  const visit = (node: LineNode): void => {
    node.error = checkLine(node, roots, market, claimed, ctx);
    if (!node.error && node.item) {
      const pool = productSkuKey(node.item);
      claimed.set(pool, (claimed.get(pool) ?? 0) + node.input.quantity);
    }
    node.children.forEach(visit);
  };
  roots.forEach(visit);

  return roots.map((node) => toResult(node, market, ctx.now));
}

// ---------------------------------------------------------------------------------------------
// Tree, ids, provisioning context, order groups

interface LineNode {
  input: AnyLineInput;
  id: number;
  parent: LineNode | undefined;
  children: LineNode[];
  item: CatalogItem | undefined;
  provisioningContext: Record<string, string>;
  orderGroup: string;
  error: CartError | undefined;
}

/**
 * Builds the line tree and numbers the lines. Ids are unique across the cart, add-ons included. When
 * the ids sent are unique, they are kept and every line without one gets the lowest non-negative
 * integer no line uses, in document order. When ids repeat (Microsoft's SDKs send 0 for every line
 * whose id the caller never set), the ids sent mean nothing and every line is numbered in document
 * order, 0, 1, 2, ...
 */
function buildTree(lines: readonly LineItemInput[], catalog: Catalog): LineNode[] {
  const sent: number[] = [];
  const collect = (list: readonly AnyLineInput[]): void => {
    for (const line of list) {
      if (line.id !== undefined) sent.push(line.id);
      collect(addonsOf(line));
    }
  };
  collect(lines);
  const keepSentIds = new Set(sent).size === sent.length;
  const used = new Set(keepSentIds ? sent : []);
  let next = 0;
  const freshId = (): number => {
    while (used.has(next)) next++;
    used.add(next);
    return next;
  };
  const build = (line: AnyLineInput, parent: LineNode | undefined): LineNode => {
    const node: LineNode = {
      input: line,
      id: keepSentIds && line.id !== undefined ? line.id : freshId(),
      parent,
      children: [],
      item: findCatalogItem(catalog, line.catalogItemId),
      provisioningContext: normalizeProvisioningContext(line.provisioningContext),
      orderGroup: '',
      error: undefined,
    };
    node.children = addonsOf(line).map((child) => build(child, node));
    return node;
  };
  return lines.map((line) => build(line, undefined));
}

/**
 * Provisioning context keys sent with a leading capital (`ParentSubscriptionId`, as the .NET SDK
 * and the published examples send them) are returned lower-camel (`parentSubscriptionId`); values
 * are unchanged and keys the item does not declare are kept. When both spellings of a key are
 * sent, the lower-camel one wins.
 */
export function normalizeProvisioningContext(context: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(context ?? {})) {
    const lower = key.charAt(0).toLowerCase() + key.slice(1);
    if (lower === key || !Object.hasOwn(context ?? {}, lower)) out.set(lower, value);
  }
  return Object.fromEntries(out);
}

/**
 * Order groups: the lines of one group are ordered together (one order per group at checkout).
 * The group of a top-level line is keyed by (purchase system, billingCycle). Legacy license-based
 * offers and the legacy Azure offer (purchase system OMS) are numbered "OMS-0", "OMS-1", ...;
 * every other line "0", "1", "2", ...; each series in order of first appearance. Nested addonItems
 * are ordered with their parent, so they take its group. Lines in error get a group too; a line
 * whose catalog item is unknown is placed by the shape of its id (a GUID or MS-AZR-... is OMS).
 */
function assignOrderGroups(roots: readonly LineNode[]): void {
  const labels = new Map<string, string>();
  const counters: Record<PurchaseSystem, number> = { OMS: 0, modern: 0 };
  const inherit = (node: LineNode): void => {
    for (const child of node.children) {
      child.orderGroup = node.orderGroup;
      inherit(child);
    }
  };
  for (const node of roots) {
    const system = node.item?.purchaseSystem ?? inferPurchaseSystem(node.input.catalogItemId);
    const key = `${system}|${node.input.billingCycle}`;
    let label = labels.get(key);
    if (label === undefined) {
      const n = counters[system]++;
      label = system === 'OMS' ? `OMS-${n}` : String(n);
      labels.set(key, label);
    }
    node.orderGroup = label;
    inherit(node);
  }
}

function inferPurchaseSystem(catalogItemId: string): PurchaseSystem {
  const legacy = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(catalogItemId) || /^MS-AZR-/i.test(catalogItemId);
  return legacy ? 'OMS' : 'modern';
}

// ---------------------------------------------------------------------------------------------
// Rules

interface LineCheck {
  node: LineNode;
  line: AnyLineInput;
  item: CatalogItem;
  market: MarketInfo;
  roots: readonly LineNode[];
  claimed: ReadonlyMap<string, number>;
  ctx: EvaluationContext;
}

type Rule = (c: LineCheck) => CartError | undefined;

function fail(errorCode: CartErrorCode, errorDescription: string, additionalInformation?: CartErrorAdditionalInformation): CartError {
  return additionalInformation ? { errorCode, errorDescription, additionalInformation } : { errorCode, errorDescription };
}

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

/** 500600: the catalog marks the item as no longer purchasable (`purchasable: false`). */
const purchasable: Rule = ({ line, item }) =>
  item.purchasable
    ? undefined
    : fail(CartErrorCode.LegacyOfferNotEligibleForPurchase, `Catalog item ${line.catalogItemId} is no longer eligible for purchase.`);

/**
 * 10000: the item is not sold in the customer's market, or the line names a currencyCode other
 * than that market's currency (compared ignoring case).
 */
const marketAndCurrency: Rule = ({ line, item, market }) => {
  if (!item.markets.includes(market.country)) {
    return fail(CartErrorCode.CurrencyIsNotSupported,
      `Catalog item ${line.catalogItemId} is not sold in the customer's market (${market.country}, ${market.currencyCode}); it is sold in ${list(item.markets)}.`);
  }
  if (line.currencyCode !== undefined && line.currencyCode.toUpperCase() !== market.currencyCode) {
    return fail(CartErrorCode.CurrencyIsNotSupported,
      `Currency ${line.currencyCode} is not supported for the customer's market (${market.country}); use ${market.currencyCode} or omit currencyCode.`);
  }
  return undefined;
};

/**
 * 10010: termDuration names a term the item does not offer (or the item is sold without a term),
 * or termDuration is missing for an item sold only with a term.
 */
const term: Rule = ({ line, item }) => {
  const offered = Object.keys(item.terms);
  if (line.termDuration === undefined) {
    return item.termless
      ? undefined
      : fail(CartErrorCode.InvalidInput, `Catalog item ${line.catalogItemId} requires a termDuration (one of ${list(offered)}).`);
  }
  if (item.terms[line.termDuration]) return undefined;
  return offered.length === 0
    ? fail(CartErrorCode.InvalidInput, `Catalog item ${line.catalogItemId} is sold without a term; omit termDuration.`)
    : fail(CartErrorCode.InvalidInput,
      `Term ${line.termDuration} is not offered for catalog item ${line.catalogItemId}; offered terms: ${list(offered)}${item.termless ? ', or none' : ''}.`);
};

/**
 * 10013: the billing cycle is longer than the term (e.g. annual on P1M), or the item does not
 * offer that billing cycle for the requested term (or for a purchase without a term).
 */
const billingCycle: Rule = ({ line, item }) => {
  const t = line.termDuration;
  if (t !== undefined && CYCLE_MONTHS[line.billingCycle] > TERM_MONTHS[t]) {
    return fail(CartErrorCode.BillingPlanNotSupported, `Billing cycle ${line.billingCycle} cannot be longer than the term ${t}.`);
  }
  const offers = offersFor(item, t) ?? {};
  if (Object.hasOwn(offers, line.billingCycle)) return undefined;
  return fail(CartErrorCode.BillingPlanNotSupported,
    `Billing cycle ${line.billingCycle} is not offered for catalog item ${line.catalogItemId}${t ? ` on term ${t}` : ' without a term'}; offered: ${list(Object.keys(offers))}.`);
};

/** 10010: renewsTo.termDuration names a term the item cannot renew into (`renewsTo` of the item). */
const renewal: Rule = ({ line, item }) => {
  const to = line.renewsTo?.termDuration;
  if (to === undefined || item.renewsTo.includes(to)) return undefined;
  return fail(CartErrorCode.InvalidInput,
    `Catalog item ${line.catalogItemId} cannot renew into term ${to}; renewal terms: ${list(item.renewsTo)}.`);
};

/**
 * 10015: quantity below the item's minimum or above its maximum per subscription, or above what
 * is left of the pooled seat limit per customer for the product SKU (seats bought in earlier
 * orders plus those of earlier error-free lines of this cart for the same product SKU). The
 * error carries additionalInformation { availableQuantity, purchasedQuantity }.
 */
const quantity: Rule = ({ line, item, claimed, ctx }) => {
  const purchased = ctx.purchasedQuantity(item.catalogItemId) + (claimed.get(productSkuKey(item)) ?? 0);
  const limit = item.seatLimitPerCustomer;
  const poolLeft = limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, limit - purchased);
  const info = { availableQuantity: Math.min(item.maxQuantity, poolLeft), purchasedQuantity: purchased };
  const q = line.quantity;
  if (q < item.minQuantity) {
    return fail(CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded,
      `Quantity ${q} is below the minimum of ${item.minQuantity} per subscription for catalog item ${line.catalogItemId}.`, info);
  }
  if (q > item.maxQuantity) {
    return fail(CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded,
      `Quantity ${q} exceeds the maximum of ${item.maxQuantity} per subscription for catalog item ${line.catalogItemId}.`, info);
  }
  if (q > poolLeft) {
    return fail(CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded,
      `The requested ${q} seats exceed the ${poolLeft} remaining of the limit of ${limit} seats per customer for product SKU ${item.productId}:${item.skuId} (${purchased} already held).`, info);
  }
  return undefined;
};

function isBaseOf(addOn: CatalogItem, candidate: CatalogItem | undefined): boolean {
  return candidate !== undefined && addOn.addOnOf.some((p) => p.toLowerCase() === candidate.productId.toLowerCase());
}

function valueOf(context: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(context).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : context[key];
}

/**
 * 10018: an add-on without its base. A nested addonItems entry must be an add-on of its parent
 * line's product, for at most the parent's quantity. A top-level add-on needs a base: an existing
 * base subscription named by provisioningContext.parentSubscriptionId (legacy; its seats are not
 * checked), or seats of a base product in the cart (sibling lines, new commerce) and/or bought in
 * earlier orders; its quantity may not exceed those seats.
 */
const addOnBase: Rule = ({ node, line, item, roots, ctx }) => {
  const parent = node.parent;
  if (parent) {
    if (!isBaseOf(item, parent.item)) {
      return fail(CartErrorCode.BaseOfferSeatQuantityNotMet,
        `Catalog item ${line.catalogItemId} is not an add-on of the parent line's catalog item ${parent.input.catalogItemId}; addonItems may only hold add-ons of their parent.`);
    }
    if (line.quantity > parent.input.quantity) {
      return fail(CartErrorCode.BaseOfferSeatQuantityNotMet,
        `Add-on quantity ${line.quantity} exceeds the ${parent.input.quantity} seats of its base line ${parent.id}.`);
    }
    return undefined;
  }
  if (item.addOnOf.length === 0) return undefined;
  if (valueOf(node.provisioningContext, 'parentSubscriptionId')) return undefined;
  const inCart = roots
    .filter((other) => other !== node && isBaseOf(item, other.item))
    .reduce((sum, other) => sum + other.input.quantity, 0);
  const basePools = new Map<string, CatalogItem>();
  for (const candidate of ctx.catalog.items) {
    if (isBaseOf(item, candidate) && !basePools.has(productSkuKey(candidate))) basePools.set(productSkuKey(candidate), candidate);
  }
  const bought = [...basePools.values()].reduce((sum, base) => sum + ctx.purchasedQuantity(base.catalogItemId), 0);
  const seats = inCart + bought;
  if (seats === 0) {
    return fail(CartErrorCode.BaseOfferSeatQuantityNotMet,
      `Add-on ${line.catalogItemId} needs a base subscription of ${list(item.addOnOf)}: add a line for the base to the cart, or name the existing base subscription in provisioningContext.parentSubscriptionId.`);
  }
  if (line.quantity > seats) {
    return fail(CartErrorCode.BaseOfferSeatQuantityNotMet,
      `Add-on quantity ${line.quantity} exceeds the ${seats} seats of its base offer (${inCart} in this cart, ${bought} bought before).`);
  }
  return undefined;
};

/**
 * 10010: a provisioning variable the item requires is missing or empty (e.g. an Azure
 * reservation's subscriptionId or scope), or a declared variable has a value outside its
 * allowedValues (compared ignoring case). Names match ignoring case; undeclared keys are accepted.
 */
const provisioning: Rule = ({ node, line, item }) => {
  for (const variable of item.provisioningVariables) {
    const value = valueOf(node.provisioningContext, variable.name);
    if (value === undefined || value === '') {
      if (!variable.required) continue;
      return fail(CartErrorCode.InvalidInput,
        `Catalog item ${line.catalogItemId} requires provisioningContext.${variable.name}.`);
    }
    const allowed = variable.allowedValues;
    if (allowed && !allowed.some((a) => a.toLowerCase() === value.toLowerCase())) {
      return fail(CartErrorCode.InvalidInput,
        `provisioningContext.${variable.name} "${value}" is not supported for catalog item ${line.catalogItemId}; use one of ${list(allowed)}.`);
    }
  }
  return undefined;
};

/** 10004: participants (partners of record) on an Azure offer or Azure reservation, which take none. */
const participantsSupported: Rule = ({ line, item }) => {
  if (!line.participants?.length || (item.kind !== 'azure' && item.kind !== 'azure_reservation')) return undefined;
  return fail(CartErrorCode.ParticipantsIsNotSupportedForPartner,
    `Participants are not supported for catalog item ${line.catalogItemId}.`);
};

/**
 * 10010: malformed participants: key `unknown`, more than one transaction_reseller, more than
 * MAX_ADDITIONAL_RESELLERS additional_transaction_reseller, or a value that is not a numeric
 * PartnerID (1 to 10 digits).
 */
const participantsValid: Rule = ({ line }) => {
  const participants = line.participants ?? [];
  const bad = participants.find((p) => p.key === 'unknown' || !PARTNER_ID.test(p.value));
  if (bad) {
    return fail(CartErrorCode.InvalidInput, bad.key === 'unknown'
      ? 'Participant key unknown is not accepted; use transaction_reseller or additional_transaction_reseller.'
      : `Participant ${bad.key} value "${bad.value}" is not a PartnerID (digits only).`);
  }
  const count = (key: ParticipantKey): number => participants.filter((p) => p.key === key).length;
  if (count('transaction_reseller') > 1) {
    return fail(CartErrorCode.InvalidInput, 'At most one transaction_reseller participant may be given.');
  }
  if (count('additional_transaction_reseller') > MAX_ADDITIONAL_RESELLERS) {
    return fail(CartErrorCode.InvalidInput,
      `At most ${MAX_ADDITIONAL_RESELLERS} additional_transaction_reseller participants may be given.`);
  }
  return undefined;
};

/** 10012: the item enforces attestation and the line does not set attestationAccepted to true. */
const attestation: Rule = ({ line, item }) =>
  !item.enforceAttestation || line.attestationAccepted === true
    ? undefined
    : fail(CartErrorCode.AttestationNotAccepted, `Catalog item ${line.catalogItemId} requires attestation acceptance (attestationAccepted: true).`);

/**
 * 10016: customTermEndDate on a line that is not a new-commerce license bought with a term and
 * billed (trials, billing cycle none, Azure, reservations, software, SaaS and legacy offers).
 */
const customTermEndDateProduct: Rule = ({ line, item }) => {
  if (line.customTermEndDate === undefined) return undefined;
  const allowed = item.kind === 'license' && !item.trial && line.termDuration !== undefined && line.billingCycle !== 'none';
  return allowed
    ? undefined
    : fail(CartErrorCode.InvalidCustomTermEndDateProduct,
      `customTermEndDate can only be set for new-commerce license-based items with a term, not trials; catalog item ${line.catalogItemId} does not qualify.`);
};

/**
 * 10017: customTermEndDate is not a date-time, is not after `now`, or is after the end of the
 * first term (now + termDuration, calendar months, UTC).
 */
const customTermEndDate: Rule = ({ line, ctx }) => {
  if (line.customTermEndDate === undefined || line.termDuration === undefined) return undefined;
  const end = Date.parse(line.customTermEndDate);
  if (Number.isNaN(end)) {
    return fail(CartErrorCode.InvalidCustomTermEndDate, `customTermEndDate "${line.customTermEndDate}" is not a date-time.`);
  }
  if (end <= ctx.now.getTime()) {
    return fail(CartErrorCode.InvalidCustomTermEndDate, `customTermEndDate ${line.customTermEndDate} is in the past.`);
  }
  const termEnd = addMonthsUtc(ctx.now, TERM_MONTHS[line.termDuration]);
  if (end > termEnd.getTime()) {
    return fail(CartErrorCode.InvalidCustomTermEndDate,
      `customTermEndDate ${line.customTermEndDate} is beyond the end of the first ${line.termDuration} term (${termEnd.toISOString()}).`);
  }
  return undefined;
};

/** 10014: promotionId names no promotion of the item (compared ignoring case). */
const promotion: Rule = ({ line, item }) => {
  if (line.promotionId === undefined || findPromotion(item, line.promotionId)) return undefined;
  return fail(CartErrorCode.InvalidPromotionId,
    `Promotion ${line.promotionId} does not apply to catalog item ${line.catalogItemId}.`);
};

/**
 * The rules after the catalog lookup (10001, checked first: an unknown catalog item id, looked up
 * ignoring case), in the order they are checked; the first that fails gives the line's error.
 */
const RULES: readonly Rule[] = [
  purchasable, // 500600
  marketAndCurrency, // 10000
  term, // 10010
  billingCycle, // 10013
  renewal, // 10010
  quantity, // 10015
  addOnBase, // 10018
  provisioning, // 10010
  participantsSupported, // 10004
  participantsValid, // 10010
  attestation, // 10012
  customTermEndDateProduct, // 10016
  customTermEndDate, // 10017
  promotion, // 10014
];

function checkLine(
  node: LineNode,
  roots: readonly LineNode[],
  market: MarketInfo,
  claimed: ReadonlyMap<string, number>,
  ctx: EvaluationContext,
): CartError | undefined {
  const line = node.input;
  /** 10001: no catalog item has this id (ignoring case). */
  if (!node.item) {
    return fail(CartErrorCode.CatalogItemIdIsNotValid, `Catalog item ID ${line.catalogItemId} is not valid.`);
  }
  const check: LineCheck = { node, line, item: node.item, market, roots, claimed, ctx };
  for (const rule of RULES) {
    const error = rule(check);
    if (error) return error;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Pricing and the response line

function findPromotion(item: CatalogItem, promotionId: string) {
  return item.promotions.find((p) => p.promotionId.toLowerCase() === promotionId.toLowerCase());
}

/** Rounds half away from zero to 2 decimals, on the decimal representation (so 364.79999... is 364.8). */
export function round2(value: number): number {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e15) return value;
  const sign = value < 0 ? -1 : 1;
  return sign * Number(`${Math.round(Number(`${Math.abs(value)}e2`))}e-2`);
}

function addMonthsUtc(date: Date, months: number): Date {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()));
}

/**
 * Number of billing periods in the term: term months / cycle months for periodic cycles
 * (monthly on P1Y = 12, annual on P3Y = 3), 1 for one_time and for an item bought without a term
 * (one period), 0 for none (never charged).
 */
export function billingPeriods(termDuration: TermDuration | undefined, cycle: BillingCycle): number {
  if (cycle === 'none' || cycle === 'unknown') return 0;
  if (cycle === 'one_time' || termDuration === undefined) return 1;
  return TERM_MONTHS[termDuration] / CYCLE_MONTHS[cycle];
}

/**
 * Pricing of an error-free line whose item has a list price for (term, billingCycle, market):
 * listPrice = the catalog's price per billing period; discountedPrice = after the applied
 * promotion's percentage; proratedPrice = discountedPrice × (days from now to customTermEndDate ÷
 * days of the full first term) when a customTermEndDate is given, else discountedPrice;
 * price = proratedPrice; extendedPrice = price × quantity × billingPeriods. Each figure is rounded
 * to 2 decimals before the next is computed from it.
 */
function priceLine(line: AnyLineInput, item: CatalogItem, market: MarketInfo, discountPercent: number, now: Date): Pricing | undefined {
  const list = offersFor(item, line.termDuration)?.[line.billingCycle]?.[market.country];
  if (list === undefined) return undefined;
  const listPrice = round2(list);
  const discountedPrice = round2(listPrice * (1 - discountPercent / 100));
  let fraction = 1;
  if (line.customTermEndDate !== undefined && line.termDuration !== undefined) {
    const start = now.getTime();
    const termDays = Math.round((addMonthsUtc(now, TERM_MONTHS[line.termDuration]).getTime() - start) / DAY_MS);
    const days = Math.ceil((Date.parse(line.customTermEndDate) - start) / DAY_MS);
    fraction = Math.min(1, days / termDays);
  }
  const proratedPrice = round2(discountedPrice * fraction);
  const extendedPrice = round2(proratedPrice * line.quantity * billingPeriods(line.termDuration, line.billingCycle));
  return { listPrice, discountedPrice, proratedPrice, price: proratedPrice, extendedPrice };
}

function toResult(node: LineNode, market: MarketInfo, now: Date): CartLineItemResult {
  const line = node.input;
  const item = node.item;
  let promotionId = line.promotionId;
  let pricing: Pricing | undefined;
  if (item && !node.error) {
    const promo = promotionId !== undefined ? findPromotion(item, promotionId) : item.promotions.find((p) => p.automatic);
    if (promo && promotionId === undefined) promotionId = promo.promotionId;
    pricing = priceLine(line, item, market, promo?.discountPercent ?? 0, now);
  }
  const result: CartLineItemResult = {
    id: node.id,
    catalogItemId: line.catalogItemId,
    ...(line.friendlyName !== undefined && { friendlyName: line.friendlyName }),
    quantity: line.quantity,
    currencyCode: market.currencyCode,
    billingCycle: line.billingCycle,
    ...(line.termDuration !== undefined && { termDuration: line.termDuration }),
    ...(line.customTermEndDate !== undefined && { customTermEndDate: line.customTermEndDate }),
    ...(line.renewsTo != null && { renewsTo: { ...line.renewsTo } }),
    ...(line.participants !== undefined && { participants: line.participants.map((p) => ({ ...p })) }),
    ...(line.attestationAccepted !== undefined && { attestationAccepted: line.attestationAccepted }),
    ...(promotionId !== undefined && { promotionId }),
    provisioningContext: node.provisioningContext,
    orderGroup: node.orderGroup,
    ...('addonItems' in line && line.addonItems !== undefined && { addonItems: node.children.map((child) => toResult(child, market, now)) }),
    ...(pricing && { pricing }),
    ...(node.error && { error: node.error }),
  };
  return result;
}

/**
 * The rules that give a line its error: each checks one condition of the catalog item or of the
 * line and returns a CartError when it fails. A line carries at most one error, that of the first
 * rule of RULES (in order) that fails. Part of the evaluation of line items (line-items.ts). An
 * error that a missing property causes also names that property's misspelling when the line was sent
 * with one (MISSPELLINGS of line-items.ts).
 */
import { CYCLE_MONTHS, TERM_MONTHS, offersFor, productSkuKey, type CatalogItem, type MarketInfo } from './catalog.ts';
import { addMonthsUtc, findPromotion } from './line-pricing.ts';
import type { SchemaCartErrorCode } from '../../generated/api-types.ts';
import {
  MISSPELLINGS,
  type AnyLineInput,
  type CartError,
  type CartErrorAdditionalInformation,
  type CartTally,
  type EvaluationContext,
  type ParticipantKey,
} from './line-items.ts';
import { magicLineError } from './magic-values.ts';
import { INTEGRATION_LIMITS } from './sandbox-profile.ts';
import type { LineNode } from './line-tree.ts';

/** The CartErrorCode values (reference §3.4) this module produces. */
export const CartErrorCode = {
  CurrencyIsNotSupported: 10000,
  CatalogItemIdIsNotValid: 10001,
  ParticipantsIsNotSupportedForPartner: 10004,
  InvalidInput: 10010,
  SandboxLimitExceeded: 10009,
  AttestationNotAccepted: 10012,
  BillingPlanNotSupported: 10013,
  InvalidPromotionId: 10014,
  MaxAllowedSeatsPerSubscriptionExceeded: 10015,
  InvalidCustomTermEndDateProduct: 10016,
  InvalidCustomTermEndDate: 10017,
  BaseOfferSeatQuantityNotMet: 10018,
  LegacyOfferNotEligibleForPurchase: 500600,
} as const satisfies Record<string, SchemaCartErrorCode>;
export type CartErrorCode = (typeof CartErrorCode)[keyof typeof CartErrorCode];

/** At most this many additional_transaction_reseller participants on a line (reference §2.2). */
export const MAX_ADDITIONAL_RESELLERS = 5;

const PARTNER_ID = /^[0-9]{1,10}$/;

interface LineCheck {
  node: LineNode;
  line: AnyLineInput;
  item: CatalogItem;
  market: MarketInfo;
  roots: readonly LineNode[];
  claimed: ReadonlyMap<string, number>;
  tally: Readonly<CartTally>;
  ctx: EvaluationContext;
}

/** An error that a property of the line being absent causes: if the line misspelt that property, the error says so. */
interface CausedByAbsence {
  error: CartError;
  absent: keyof AnyLineInput & string;
}

type Rule = (c: LineCheck) => CartError | CausedByAbsence | undefined;

function fail(
  errorCode: CartErrorCode,
  errorDescription: string,
  additionalInformation?: CartErrorAdditionalInformation,
): CartError {
  return additionalInformation
    ? { errorCode, errorDescription, additionalInformation }
    : { errorCode, errorDescription };
}

function becauseAbsent(absent: CausedByAbsence['absent'], error: CartError): CausedByAbsence {
  return { error, absent };
}

/**
 * The error of a failed rule. When the absence of a property caused it and the line was sent with a
 * misspelling of that property, the description ends with `Did you mean <property>? (<sent> was
 * ignored)`, so that the typo is seen where its effect is.
 */
function explained(failure: CartError | CausedByAbsence, line: AnyLineInput): CartError {
  if (!('absent' in failure)) return failure;
  const misspelt = line[MISSPELLINGS]?.find((m) => m.meant === failure.absent);
  if (!misspelt) return failure.error;
  return {
    ...failure.error,
    errorDescription: `${failure.error.errorDescription} Did you mean ${misspelt.meant}? (${misspelt.sent} was ignored)`,
  };
}

function list(values: readonly string[]): string {
  return values.length === 0 ? 'none' : values.join(', ');
}

/** 500600: the catalog marks the item as no longer purchasable (`purchasable: false`). */
const purchasable: Rule = ({ line, item }) =>
  item.purchasable
    ? undefined
    : fail(
        CartErrorCode.LegacyOfferNotEligibleForPurchase,
        `Catalog item ${line.catalogItemId} is no longer eligible for purchase.`,
      );

/**
 * 10009: what an integration-sandbox partner cannot buy (Microsoft's test-and-debug page): an item the
 * catalog marks `integrationSandbox: refused`, a 76th customer, a 6th subscription for a customer,
 * more than 25 licences on one subscription, a 3rd reserved VM instance for a customer. The cart
 * carries the line error; checkout reports the group with 800018.
 */
const integrationSandboxLimits: Rule = ({ line, item, tally, ctx }) => {
  const usage = ctx.integration;
  if (!usage) return undefined;
  const limits = INTEGRATION_LIMITS;
  const limit = (what: string) => fail(CartErrorCode.SandboxLimitExceeded, `The sandbox limit has been met: ${what}.`);
  if (item.integrationSandbox === 'refused') {
    return fail(
      CartErrorCode.SandboxLimitExceeded,
      `${item.title} (${line.catalogItemId}) is not available to purchase in the Sandbox environment.`,
    );
  }
  if (!usage.isCustomerWithOrders && usage.customersWithOrders >= limits.customersPerPartner) {
    return limit(
      `an integration sandbox partner has at most ${limits.customersPerPartner} customers, and ${usage.customersWithOrders} already have orders`,
    );
  }
  if (usage.subscriptions + tally.subscriptions + 1 > limits.subscriptionsPerCustomer) {
    return limit(
      `a customer of an integration sandbox partner has at most ${limits.subscriptionsPerCustomer} subscriptions (it has ${usage.subscriptions}, and this cart adds ${tally.subscriptions} before this line)`,
    );
  }
  if (line.quantity > limits.licencesPerSubscription) {
    return limit(
      `a subscription of an integration sandbox partner has at most ${limits.licencesPerSubscription} licences; this line asks for ${line.quantity}`,
    );
  }
  if (
    item.kind === 'azure_reservation' &&
    usage.reservedInstances + tally.reservedInstances + line.quantity > limits.reservedInstancesPerCustomer
  ) {
    return limit(
      `a customer of an integration sandbox partner has at most ${limits.reservedInstancesPerCustomer} Azure reserved VM instances (it has ${usage.reservedInstances + tally.reservedInstances}; this line asks for ${line.quantity})`,
    );
  }
  return undefined;
};

/**
 * 10000: the item is not sold in the customer's market, or the line names a currencyCode other
 * than that market's currency (compared ignoring case).
 */
const marketAndCurrency: Rule = ({ line, item, market }) => {
  if (!item.markets.includes(market.country)) {
    return fail(
      CartErrorCode.CurrencyIsNotSupported,
      `Catalog item ${line.catalogItemId} is not sold in the customer's market (${market.country}, ${market.currencyCode}); it is sold in ${list(item.markets)}.`,
    );
  }
  if (line.currencyCode !== undefined && line.currencyCode.toUpperCase() !== market.currencyCode) {
    return fail(
      CartErrorCode.CurrencyIsNotSupported,
      `Currency ${line.currencyCode} is not supported for the customer's market (${market.country}); use ${market.currencyCode} or omit currencyCode.`,
    );
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
      : becauseAbsent(
          'termDuration',
          fail(
            CartErrorCode.InvalidInput,
            `Catalog item ${line.catalogItemId} requires a termDuration (one of ${list(offered)}).`,
          ),
        );
  }
  if (item.terms[line.termDuration]) return undefined;
  return offered.length === 0
    ? fail(CartErrorCode.InvalidInput, `Catalog item ${line.catalogItemId} is sold without a term; omit termDuration.`)
    : fail(
        CartErrorCode.InvalidInput,
        `Term ${line.termDuration} is not offered for catalog item ${line.catalogItemId}; offered terms: ${list(offered)}${item.termless ? ', or none' : ''}.`,
      );
};

/**
 * 10013: the billing cycle is longer than the term (e.g. annual on P1M), or the item does not
 * offer that billing cycle for the requested term (or for a purchase without a term).
 */
const billingCycle: Rule = ({ line, item }) => {
  const t = line.termDuration;
  if (t !== undefined && CYCLE_MONTHS[line.billingCycle] > TERM_MONTHS[t]) {
    return fail(
      CartErrorCode.BillingPlanNotSupported,
      `Billing cycle ${line.billingCycle} cannot be longer than the term ${t}.`,
    );
  }
  const offers = offersFor(item, t) ?? {};
  if (Object.hasOwn(offers, line.billingCycle)) return undefined;
  return fail(
    CartErrorCode.BillingPlanNotSupported,
    `Billing cycle ${line.billingCycle} is not offered for catalog item ${line.catalogItemId}${t ? ` on term ${t}` : ' without a term'}; offered: ${list(Object.keys(offers))}.`,
  );
};

/** 10010: renewsTo.termDuration names a term the item cannot renew into (`renewsTo` of the item). */
const renewal: Rule = ({ line, item }) => {
  const to = line.renewsTo?.termDuration;
  if (to === undefined || item.renewsTo.includes(to)) return undefined;
  return fail(
    CartErrorCode.InvalidInput,
    `Catalog item ${line.catalogItemId} cannot renew into term ${to}; renewal terms: ${list(item.renewsTo)}.`,
  );
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
    return fail(
      CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded,
      `Quantity ${q} is below the minimum of ${item.minQuantity} per subscription for catalog item ${line.catalogItemId}.`,
      info,
    );
  }
  if (q > item.maxQuantity) {
    return fail(
      CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded,
      `Quantity ${q} exceeds the maximum of ${item.maxQuantity} per subscription for catalog item ${line.catalogItemId}.`,
      info,
    );
  }
  if (q > poolLeft) {
    return fail(
      CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded,
      `The requested ${q} seats exceed the ${poolLeft} remaining of the limit of ${limit} seats per customer for product SKU ${item.productId}:${item.skuId} (${purchased} already held).`,
      info,
    );
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
      return fail(
        CartErrorCode.BaseOfferSeatQuantityNotMet,
        `Catalog item ${line.catalogItemId} is not an add-on of the parent line's catalog item ${parent.input.catalogItemId}; addonItems may only hold add-ons of their parent.`,
      );
    }
    if (line.quantity > parent.input.quantity) {
      return fail(
        CartErrorCode.BaseOfferSeatQuantityNotMet,
        `Add-on quantity ${line.quantity} exceeds the ${parent.input.quantity} seats of its base line ${parent.id}.`,
      );
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
    if (isBaseOf(item, candidate) && !basePools.has(productSkuKey(candidate)))
      basePools.set(productSkuKey(candidate), candidate);
  }
  const bought = [...basePools.values()].reduce((sum, base) => sum + ctx.purchasedQuantity(base.catalogItemId), 0);
  const seats = inCart + bought;
  if (seats === 0) {
    const error = fail(
      CartErrorCode.BaseOfferSeatQuantityNotMet,
      `Add-on ${line.catalogItemId} needs a base subscription of ${list(item.addOnOf)}: add a line for the base to the cart, or name the existing base subscription in provisioningContext.parentSubscriptionId.`,
    );
    return line.provisioningContext === undefined ? becauseAbsent('provisioningContext', error) : error;
  }
  if (line.quantity > seats) {
    return fail(
      CartErrorCode.BaseOfferSeatQuantityNotMet,
      `Add-on quantity ${line.quantity} exceeds the ${seats} seats of its base offer (${inCart} in this cart, ${bought} bought before).`,
    );
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
      const error = fail(
        CartErrorCode.InvalidInput,
        `Catalog item ${line.catalogItemId} requires provisioningContext.${variable.name}.`,
      );
      return line.provisioningContext === undefined ? becauseAbsent('provisioningContext', error) : error;
    }
    const allowed = variable.allowedValues;
    if (allowed && !allowed.some((a) => a.toLowerCase() === value.toLowerCase())) {
      return fail(
        CartErrorCode.InvalidInput,
        `provisioningContext.${variable.name} "${value}" is not supported for catalog item ${line.catalogItemId}; use one of ${list(allowed)}.`,
      );
    }
  }
  return undefined;
};

/** 10004: participants (partners of record) on an Azure offer or Azure reservation, which take none. */
const participantsSupported: Rule = ({ line, item }) => {
  if (!line.participants?.length || (item.kind !== 'azure' && item.kind !== 'azure_reservation')) return undefined;
  return fail(
    CartErrorCode.ParticipantsIsNotSupportedForPartner,
    `Participants are not supported for catalog item ${line.catalogItemId}.`,
  );
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
    return fail(
      CartErrorCode.InvalidInput,
      bad.key === 'unknown'
        ? 'Participant key unknown is not accepted; use transaction_reseller or additional_transaction_reseller.'
        : `Participant ${bad.key} value "${bad.value}" is not a PartnerID (digits only).`,
    );
  }
  const count = (key: ParticipantKey): number => participants.filter((p) => p.key === key).length;
  if (count('transaction_reseller') > 1) {
    return fail(CartErrorCode.InvalidInput, 'At most one transaction_reseller participant may be given.');
  }
  if (count('additional_transaction_reseller') > MAX_ADDITIONAL_RESELLERS) {
    return fail(
      CartErrorCode.InvalidInput,
      `At most ${MAX_ADDITIONAL_RESELLERS} additional_transaction_reseller participants may be given.`,
    );
  }
  return undefined;
};

/** 10012: the item enforces attestation and the line does not set attestationAccepted to true. */
const attestation: Rule = ({ line, item }) => {
  if (!item.enforceAttestation || line.attestationAccepted === true) return undefined;
  const error = fail(
    CartErrorCode.AttestationNotAccepted,
    `Catalog item ${line.catalogItemId} requires attestation acceptance (attestationAccepted: true).`,
  );
  return line.attestationAccepted === undefined ? becauseAbsent('attestationAccepted', error) : error;
};

/**
 * 10016: customTermEndDate on a line that is not a new-commerce license bought with a term and
 * billed (trials, billing cycle none, Azure, reservations, software, SaaS and legacy offers).
 */
const customTermEndDateProduct: Rule = ({ line, item }) => {
  if (line.customTermEndDate === undefined) return undefined;
  const allowed =
    item.kind === 'license' && !item.trial && line.termDuration !== undefined && line.billingCycle !== 'none';
  return allowed
    ? undefined
    : fail(
        CartErrorCode.InvalidCustomTermEndDateProduct,
        `customTermEndDate can only be set for new-commerce license-based items with a term, not trials; catalog item ${line.catalogItemId} does not qualify.`,
      );
};

/**
 * 10017: customTermEndDate is not a date-time, is not after `now`, or is after the end of the
 * first term (now + termDuration, calendar months, UTC).
 */
const customTermEndDate: Rule = ({ line, ctx }) => {
  if (line.customTermEndDate === undefined || line.termDuration === undefined) return undefined;
  const end = Date.parse(line.customTermEndDate);
  if (Number.isNaN(end)) {
    return fail(
      CartErrorCode.InvalidCustomTermEndDate,
      `customTermEndDate "${line.customTermEndDate}" is not a date-time.`,
    );
  }
  if (end <= ctx.now.getTime()) {
    return fail(CartErrorCode.InvalidCustomTermEndDate, `customTermEndDate ${line.customTermEndDate} is in the past.`);
  }
  const termEnd = addMonthsUtc(ctx.now, TERM_MONTHS[line.termDuration]);
  if (end > termEnd.getTime()) {
    return fail(
      CartErrorCode.InvalidCustomTermEndDate,
      `customTermEndDate ${line.customTermEndDate} is beyond the end of the first ${line.termDuration} term (${termEnd.toISOString()}).`,
    );
  }
  return undefined;
};

/** 10014: promotionId names no promotion of the item (compared ignoring case). */
const promotion: Rule = ({ line, item }) => {
  if (line.promotionId === undefined || findPromotion(item, line.promotionId)) return undefined;
  return fail(
    CartErrorCode.InvalidPromotionId,
    `Promotion ${line.promotionId} does not apply to catalog item ${line.catalogItemId}.`,
  );
};

/**
 * The rules after the catalog lookup (10001, checked first: an unknown catalog item id, looked up
 * ignoring case), in the order they are checked; the first that fails gives the line's error.
 */
const RULES: readonly Rule[] = [
  purchasable, // 500600
  integrationSandboxLimits, // 10009
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

/**
 * The error of a line (`claimed`: seats of the error-free lines before it, per product SKU); undefined when it can be
 * bought.
 */
export function checkLine(
  node: LineNode,
  roots: readonly LineNode[],
  market: MarketInfo,
  claimed: ReadonlyMap<string, number>,
  tally: Readonly<CartTally>,
  ctx: EvaluationContext,
): CartError | undefined {
  const line = node.input;
  // A magic id of the sandbox (magic-values.ts) gives the error it names, whatever the rest.
  const magic = magicLineError(line.catalogItemId);
  if (magic) return magic;
  /** 10001: no catalog item has this id (ignoring case). */
  if (!node.item) {
    return fail(CartErrorCode.CatalogItemIdIsNotValid, `Catalog item ID ${line.catalogItemId} is not valid.`);
  }
  const check: LineCheck = { node, line, item: node.item, market, roots, claimed, tally, ctx };
  for (const rule of RULES) {
    const failure = rule(check);
    if (failure) return explained(failure, line);
  }
  return undefined;
}

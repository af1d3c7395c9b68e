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
 * Each line carries at most one error: the first rule of RULES (line-rules.ts, in order) that fails.
 *
 * This module is the entry point and holds the types of the evaluation; its parts are line-tree.ts
 * (the line tree, ids, provisioning context, order groups), line-rules.ts (the line errors) and
 * line-pricing.ts (prices). What other modules use is exported from here.
 */
import { marketOf, productSkuKey, type Catalog, type MarketInfo } from './catalog.ts';
import { findPromotion, priceLine } from './line-pricing.ts';
import { checkLine } from './line-rules.ts';
import { assignOrderGroups, buildTree, type LineNode } from './line-tree.ts';

import type {
  SchemaParticipantKey as ParticipantKey,
  SchemaParticipant as Participant,
  SchemaRenewsTo as RenewsTo,
  SchemaCartAddonLineItemRequest,
  SchemaCartError,
  SchemaCartErrorAdditionalInformation,
  SchemaCartLineItem,
  SchemaCartLineItemRequest,
  SchemaPricing,
} from '../../generated/api-types.ts';

export type { ParticipantKey, Participant, RenewsTo };

export type { BillingCycle, TermDuration } from './catalog.ts';
export { billingPeriods, round2 } from './line-pricing.ts';
export { CartErrorCode, MAX_ADDITIONAL_RESELLERS } from './line-rules.ts';
export { addonsOf, normalizeProvisioningContext } from './line-tree.ts';

// Every wire shape below comes from the spec's generated types; this module only narrows the
// properties it always fills in.

/** What the service computes itself: the reading of the request drops these (server/http/canonical-input.ts). */
type ServerManagedLineProperties = 'orderGroup' | 'error' | 'pricing';

/**
 * A property a line was sent with under a name it does not have, and so not read: the name as sent
 * and the line's property it is nearest to (`termDuraton`, `termDuration`).
 */
export interface Misspelling {
  sent: string;
  meant: string;
}

/**
 * Where a line input carries its misspellings, set by whoever read the request. A symbol, not a
 * property: it is never stored nor answered, and never travels in a copy of the line. A line error
 * that the absence of a property causes names the misspelling of that property (line-rules.ts).
 */
export const MISSPELLINGS: unique symbol = Symbol('misspellings');

interface MisspellingsOf {
  [MISSPELLINGS]?: readonly Misspelling[];
}

/**
 * A cart line item as a request carries it, after the case-insensitive reading: canonical names and
 * enum values, the service's own properties absent. Add-ons are nested one level deep.
 */
export type AddonLineItemInput = Omit<SchemaCartAddonLineItemRequest, ServerManagedLineProperties> & MisspellingsOf;
export type LineItemInput = Omit<SchemaCartLineItemRequest, ServerManagedLineProperties | 'addonItems'> & {
  addonItems?: AddonLineItemInput[];
} & MisspellingsOf;
/** A line at either level. */
export type AnyLineInput = LineItemInput | AddonLineItemInput;

export interface EvaluationContext {
  catalog: Catalog;
  customerId: string;
  now: Date;
  /**
   * Seats of the product SKU of `catalogItemId` (its first two segments; the whole id for legacy
   * offers) that this customer bought in earlier orders, whatever the availability.
   */
  purchasedQuantity(catalogItemId: string): number;
  /**
   * For an integration-sandbox partner (SANDBOX_PROFILE=integration): what its earlier orders count against its limits.
   */
  integration?: IntegrationUsage;
}

/** What an integration-sandbox partner's earlier orders count against the limits of INTEGRATION_LIMITS. */
export interface IntegrationUsage {
  /** The partner's customers with at least one order. */
  customersWithOrders: number;
  /** Whether this customer is one of them. */
  isCustomerWithOrders: boolean;
  /** This customer's subscriptions: lines of its orders that are not cancelled. */
  subscriptions: number;
  /** This customer's Azure reserved VM instances (the quantity of its reservation lines). */
  reservedInstances: number;
}

/** What the error-free lines evaluated so far in this cart add, for the integration sandbox's per-customer limits. */
export interface CartTally {
  subscriptions: number;
  reservedInstances: number;
}

/** Every figure is always computed. */
export type Pricing = Required<SchemaPricing>;

/**
 * availableQuantity: the largest quantity this line could have (the per-subscription maximum, or fewer
 * when the pooled per-customer limit leaves fewer); purchasedQuantity: seats of the product SKU the
 * customer already holds (earlier orders plus earlier error-free lines of this cart).
 */
export type CartErrorAdditionalInformation = Required<SchemaCartErrorAdditionalInformation>;

export type CartError = Omit<SchemaCartError, 'additionalInformation'> & {
  additionalInformation?: CartErrorAdditionalInformation;
};

/** A cart line item as a response carries it: id, currency and provisioning context always set. */
export type CartLineItemResult = Omit<
  SchemaCartLineItem,
  'id' | 'currencyCode' | 'provisioningContext' | 'addonItems' | 'pricing' | 'error'
> & {
  id: number;
  currencyCode: string;
  provisioningContext: Record<string, string>;
  addonItems?: CartLineItemResult[];
  pricing?: Pricing;
  error?: CartError;
};

// ---------------------------------------------------------------------------------------------
// Entry point

export function evaluateLineItems(lines: LineItemInput[], ctx: EvaluationContext): CartLineItemResult[] {
  const market = marketOf(ctx.catalog, ctx.customerId);
  const roots = buildTree(lines, ctx.catalog);
  assignOrderGroups(roots);

  // Seats claimed by the error-free lines evaluated so far, per product SKU, and what they add up to.
  const claimed = new Map<string, number>();
  const tally: CartTally = { subscriptions: 0, reservedInstances: 0 };
  const visit = (node: LineNode): void => {
    node.error = checkLine(node, roots, market, claimed, tally, ctx);
    if (!node.error && node.item) {
      const pool = productSkuKey(node.item);
      claimed.set(pool, (claimed.get(pool) ?? 0) + node.input.quantity);
      tally.subscriptions += 1;
      if (node.item.kind === 'azure_reservation') tally.reservedInstances += node.input.quantity;
    }
    node.children.forEach(visit);
  };
  roots.forEach(visit);

  return roots.map((node) => toResult(node, market, ctx.now));
}

// ---------------------------------------------------------------------------------------------
// The response line

function toResult(node: LineNode, market: MarketInfo, now: Date): CartLineItemResult {
  const line = node.input;
  const item = node.item;
  let promotionId = line.promotionId;
  let pricing: Pricing | undefined;
  if (item && !node.error) {
    const promo =
      promotionId !== undefined ? findPromotion(item, promotionId) : item.promotions.find((p) => p.automatic);
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
    ...('addonItems' in line &&
      line.addonItems !== undefined && { addonItems: node.children.map((child) => toResult(child, market, now)) }),
    ...(pricing && { pricing }),
    ...(node.error && { error: node.error }),
  };
  return result;
}

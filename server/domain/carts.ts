// The cart lifecycle: create, read, update, check out into orders (which server/domain/orders.ts
// then serves). Knows nothing of HTTP; works on canonical, validated input and the Store, and throws
// DomainError.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type {
  Cart,
  CartCheckoutResult,
  CartLineItem,
  CartRequest,
  Order,
  OrderError,
  OrderLineItem,
} from '../wire-types.ts';
import type { Owner, Store, StoredOrder } from '../store/store.ts';
import { sharedClock, systemClock, type PartnerClock } from './clock.ts';
import { findCatalogItem, marketOf, productSkuKey, type Catalog } from './catalog.ts';
import { DomainError } from './errors.ts';
import {
  addonsOf,
  CartErrorCode,
  evaluateLineItems,
  round2,
  type IntegrationUsage,
  type LineItemInput,
} from './line-items.ts';
import { orderAsOf } from './orders.ts';
import { link, ownerOf, type Caller } from './resources.ts';
import type { SandboxProfile } from './sandbox-profile.ts';

export type { Caller } from './resources.ts';

/** A create or update request body (the spec's CartRequest) after the reading: the service's own properties dropped. */
export type CartInput = Pick<CartRequest, 'partnerOnRecordAttestationAccepted'> & { lineItems: LineItemInput[] };

/** The versions of a cart an update may apply to (If-Match): some entity tags, or any version ('*'). */
export type CartPrecondition = { anyVersion: true } | { etags: string[] };

/** The most lines a cart may hold, add-ons included. */
export const MAX_CART_LINES = 100;

/** The strong entity tag of a cart as the service returns it: changes whenever anything in it changes. */
export function cartETag(cart: Cart): string {
  return `"${createHash('sha256').update(JSON.stringify(cart)).digest('base64url').slice(0, 27)}"`;
}

/** A cart as answered, with its entity tag (the ETag header). */
export interface CartWithTag {
  cart: Cart;
  etag: string;
}

export interface CartServiceOptions {
  store: Store;
  catalog: Catalog;
  cartTtlMs: number;
  /** Time as each partner sees it (default: the machine's, for everyone). */
  clock?: PartnerClock;
  /** How long after checkout orders are provisioned (default 0: at once). */
  provisioningDelayMs?: number;
  /** The partner the sandbox plays (default production). */
  profile?: SandboxProfile;
}

export class CartService {
  readonly #store: Store;
  readonly #catalog: Catalog;
  readonly #cartTtlMs: number;
  readonly #clock: PartnerClock;
  readonly #provisioningDelayMs: number;
  readonly #profile: SandboxProfile;

  constructor(options: CartServiceOptions) {
    this.#store = options.store;
    this.#catalog = options.catalog;
    this.#cartTtlMs = options.cartTtlMs;
    this.#clock = options.clock ?? sharedClock(systemClock);
    this.#provisioningDelayMs = options.provisioningDelayMs ?? 0;
    this.#profile = options.profile ?? 'production';
  }

  async createCart(caller: Caller, customerId: string, input: CartInput): Promise<CartWithTag> {
    const owner = ownerOf(caller, customerId);
    checkLineStructure(input.lineItems);
    const now = await this.#clock.now(owner.partnerId);
    const id = randomUUID();
    const cart: Cart = {
      id,
      creationTimestamp: now.toISOString(),
      lastModifiedTimestamp: now.toISOString(),
      expirationTimestamp: new Date(now.getTime() + this.#cartTtlMs).toISOString(),
      lastModifiedUser: caller.userId,
      status: 'Active',
      lineItems: [],
      ...(input.partnerOnRecordAttestationAccepted === undefined
        ? {}
        : { partnerOnRecordAttestationAccepted: input.partnerOnRecordAttestationAccepted }),
      links: { self: link(`/customers/${owner.customerId}/carts/${id}`) },
      attributes: { objectType: 'Cart' },
    };
    return this.#store.transaction(async () => {
      cart.lineItems = await this.#evaluate(owner, input.lineItems, now);
      const stored = { cart, etag: cartETag(cart) };
      await this.#store.insertCart(owner, stored);
      return stored;
    });
  }

  async getCart(caller: Caller, customerId: string, cartId: string): Promise<CartWithTag> {
    const owner = ownerOf(caller, customerId);
    return this.#findCart(owner, cartId);
  }

  /**
   * Replaces the lines of an Active, unexpired cart that has no orders yet, and evaluates them again.
   * With a precondition, only if the cart is still the version the caller read (412 otherwise).
   */
  async updateCart(
    caller: Caller,
    customerId: string,
    cartId: string,
    input: CartInput,
    precondition?: CartPrecondition,
  ): Promise<CartWithTag> {
    const owner = ownerOf(caller, customerId);
    checkLineStructure(input.lineItems);
    return this.#store.transaction(async () => {
      const { cart, etag: current } = await this.#findCart(owner, cartId);
      if (precondition && 'etags' in precondition) {
        if (!precondition.etags.includes(current)) {
          throw new DomainError(
            'cart-changed',
            `Cart ${cart.id} has changed since the version in If-Match; its ETag is now ${current}.`,
          );
        }
      }
      const now = await this.#clock.now(owner.partnerId);
      if (cart.status === 'Ordered' || (await this.#store.ordersOfCart(owner, cart.id)).size > 0) {
        throw new DomainError(
          'cart-already-ordered',
          `Cart ${cart.id} has already been ordered and can no longer be changed.`,
        );
      }
      rejectIfExpired(cart, now);
      const updated: Cart = {
        ...cart,
        lastModifiedTimestamp: now.toISOString(),
        lastModifiedUser: caller.userId,
        lineItems: await this.#evaluate(owner, input.lineItems, now),
      };
      if (input.partnerOnRecordAttestationAccepted === undefined) delete updated.partnerOnRecordAttestationAccepted;
      else updated.partnerOnRecordAttestationAccepted = input.partnerOnRecordAttestationAccepted;
      const stored = { cart: updated, etag: cartETag(updated) };
      await this.#store.updateCart(owner, stored);
      return stored;
    });
  }

  /**
   * Orders every order group of the cart that has no order yet, in one transaction. A group with a
   * line error is reported in orderErrors (800009); so is a group whose lines no longer pass the
   * rules now (seats bought elsewhere since the cart was evaluated: 800017). Groups ordered by an
   * earlier checkout are returned as they are, never ordered again.
   */
  async checkoutCart(caller: Caller, customerId: string, cartId: string): Promise<CartCheckoutResult> {
    const owner = ownerOf(caller, customerId);
    return this.#store.transaction(async () => {
      const { cart } = await this.#findCart(owner, cartId);
      const now = await this.#clock.now(owner.partnerId);
      const ordered = await this.#store.ordersOfCart(owner, cart.id);
      const groups = groupLines(cart.lineItems);
      const pending = [...groups].filter(([group]) => !ordered.has(group));
      if (pending.length > 0) rejectIfExpired(cart, now);

      // The pending lines, evaluated again now: only their errors are used (their groups stay as stored).
      const pendingLines = pending.flatMap(([, lines]) => lines);
      const reevaluated = new Map<number, CartLineItem>();
      if (pendingLines.length > 0) {
        const results = await this.#evaluate(owner, pendingLines.map(toInput), now);
        for (const line of flatten(results)) if (line.id !== undefined) reevaluated.set(line.id, line);
      }

      const orderErrors: OrderError[] = [];
      for (const [group, lines] of pending) {
        const all = flatten(lines);
        const stored = all.find((line) => line.error);
        if (stored?.error) {
          orderErrors.push({
            orderGroupId: group,
            code: 800009,
            description: `Error in cart item(s): line ${stored.id} has error ${stored.error.errorCode} (${stored.error.errorDescription})`,
          });
          continue;
        }
        const failingNow = all.map((line) => reevaluated.get(line.id ?? -1)).find((line) => line?.error);
        if (failingNow?.error) {
          const code = failingNow.error.errorCode;
          const seats = code === CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded;
          const sandbox = code === CartErrorCode.SandboxLimitExceeded;
          orderErrors.push({
            orderGroupId: group,
            code: seats ? 800017 : sandbox ? 800018 : 800009,
            description: `${seats ? 'The quantity is no longer available' : sandbox ? 'The sandbox limit has been met' : 'Error in cart item(s)'}: line ${failingNow.id} now has error ${code} (${failingNow.error.errorDescription}). Update the cart and check out again.`,
          });
          continue;
        }
        const order: StoredOrder = {
          order: this.#makeOrder(owner, cart, lines, now),
          provisionedAt: now.getTime() + this.#provisioningDelayMs,
        };
        await this.#store.insertOrder(owner, cart.id, group, order, this.#seatsOf(all));
        ordered.set(group, order);
      }

      if (cart.status !== 'Ordered' && [...groups.keys()].every((group) => ordered.has(group))) {
        const orderedCart: Cart = { ...cart, status: 'Ordered' };
        await this.#store.updateCart(owner, { cart: orderedCart, etag: cartETag(orderedCart) });
      }
      return {
        orders: [...groups.keys()].flatMap((group) => {
          const order = ordered.get(group);
          return order ? [orderAsOf(order, now)] : [];
        }),
        orderErrors,
        attributes: { objectType: 'CartCheckoutResult' },
      };
    });
  }

  async #findCart(owner: Owner, cartId: string): Promise<CartWithTag> {
    const stored = await this.#store.findCart(owner, cartId.toLowerCase());
    if (!stored)
      throw new DomainError('cart-not-found', `Cart ${cartId} was not found for customer ${owner.customerId}.`);
    return { cart: stored.cart, etag: stored.etag ?? cartETag(stored.cart) };
  }

  /**
   * The lines evaluated against the catalog, with the seats the customer's earlier orders bought read
   * first, and, for an integration-sandbox partner, what counts against its limits.
   */
  async #evaluate(owner: Owner, lines: LineItemInput[], now: Date): Promise<CartLineItem[]> {
    const skuOf = (catalogItemId: string): string | undefined => {
      const item = findCatalogItem(this.#catalog, catalogItemId);
      return item ? productSkuKey(item) : undefined;
    };
    const skus = lines.flatMap((line) => [line, ...addonsOf(line)]).flatMap((line) => skuOf(line.catalogItemId) ?? []);
    const purchased = await this.#store.purchasedSeats(owner, skus);
    const integration = this.#profile === 'integration' ? await this.#integrationUsage(owner) : undefined;
    return evaluateLineItems(lines, {
      catalog: this.#catalog,
      customerId: owner.customerId,
      now,
      purchasedQuantity: (catalogItemId) => purchased.get(skuOf(catalogItemId) ?? '') ?? 0,
      ...(integration ? { integration } : {}),
    });
  }

  /**
   * What an integration-sandbox partner's earlier orders count against its limits: customers, and this customer's live
   * subscriptions.
   */
  async #integrationUsage(owner: Owner): Promise<IntegrationUsage> {
    const [customersWithOrders, orders] = await Promise.all([
      this.#store.customersWithOrders(owner.partnerId),
      this.#store.listOrders(owner),
    ]);
    const live = orders
      .filter(({ order }) => order.status !== 'cancelled')
      .flatMap(({ order }) => order.lineItems)
      .filter((line) => line.quantity > 0);
    return {
      customersWithOrders,
      isCustomerWithOrders: orders.length > 0,
      subscriptions: live.length,
      reservedInstances: live
        .filter((line) => findCatalogItem(this.#catalog, line.offerId)?.kind === 'azure_reservation')
        .reduce((sum, line) => sum + line.quantity, 0),
    };
  }

  #seatsOf(lines: CartLineItem[]): { productSku: string; quantity: number }[] {
    return lines.flatMap((line) => {
      const item = findCatalogItem(this.#catalog, line.catalogItemId);
      return item ? [{ productSku: productSkuKey(item), quantity: line.quantity }] : [];
    });
  }

  /**
   * One order from the lines of one order group (add-ons follow their base, linked to its new
   * subscription), as it stands once provisioned: orderAsOf shows it pending until then. An
   * integration-sandbox order of an item sold through a purchase order waits for one instead, without
   * subscriptions (the sandbox does not serve the upload).
   */
  #makeOrder(owner: Owner, cart: Cart, lines: CartLineItem[], now: Date): Order {
    const id = randomBytes(6).toString('hex');
    const market = marketOf(this.#catalog, owner.customerId);
    const awaitsPurchaseOrder =
      this.#profile === 'integration' &&
      flatten(lines).some(
        (line) => findCatalogItem(this.#catalog, line.catalogItemId)?.integrationSandbox === 'purchaseOrder',
      );
    const orderLines: OrderLineItem[] = [];
    const addLine = (line: CartLineItem, parentSubscriptionId?: string): void => {
      const subscriptionId = awaitsPurchaseOrder ? undefined : randomUUID();
      orderLines.push(
        this.#orderLine(owner, id, line, orderLines.length, subscriptionId, market.country, parentSubscriptionId),
      );
      for (const addon of line.addonItems ?? []) addLine(addon, subscriptionId);
    };
    for (const line of lines) addLine(line);
    const first = lines[0];
    return {
      id,
      alternateId: id,
      referenceCustomerId: owner.customerId,
      billingCycle: first?.billingCycle ?? 'unknown',
      currencyCode: market.currencyCode,
      currencySymbol: market.currencySymbol,
      lineItems: orderLines,
      creationDate: now.toISOString(),
      status: awaitsPurchaseOrder ? 'pending_po_upload' : 'completed',
      transactionType: 'UserPurchase',
      links: {
        self: link(`/customers/${owner.customerId}/orders/${id}`),
        provisioningStatus: link(`/customers/${owner.customerId}/orders/${id}/provisioningstatus`),
        patchOperation: link(`/customers/${owner.customerId}/orders/${id}`, 'PATCH'),
      },
      totalPrice: round2(orderLines.reduce((sum, line) => sum + (line.pricing?.extendedPrice ?? 0), 0)),
      ...(cart.partnerOnRecordAttestationAccepted === undefined
        ? {}
        : { partnerOnRecordAttestationAccepted: cart.partnerOnRecordAttestationAccepted }),
      client: {},
      attributes: { objectType: 'Order' },
    };
  }

  #orderLine(
    owner: Owner,
    orderId: string,
    line: CartLineItem,
    lineItemNumber: number,
    subscriptionId: string | undefined,
    country: string,
    parentSubscriptionId?: string,
  ): OrderLineItem {
    const item = findCatalogItem(this.#catalog, line.catalogItemId);
    const reseller = line.participants?.find((p) => p.key === 'transaction_reseller')?.value;
    const additional =
      line.participants?.filter((p) => p.key === 'additional_transaction_reseller').map((p) => p.value) ?? [];
    const context = line.provisioningContext ?? {};
    const parent = parentSubscriptionId ?? context['parentSubscriptionId'];
    const orderLine: OrderLineItem = {
      lineItemNumber,
      offerId: line.catalogItemId,
      ...(subscriptionId ? { subscriptionId } : {}),
      ...(parent ? { parentSubscriptionId: parent } : {}),
      friendlyName: line.friendlyName ?? item?.title ?? line.catalogItemId,
      quantity: line.quantity,
      ...(line.customTermEndDate ? { customTermEndDate: line.customTermEndDate } : {}),
      ...(line.termDuration ? { termDuration: line.termDuration } : {}),
      transactionType: 'New',
      ...(reseller ? { partnerIdOnRecord: reseller } : {}),
      ...(additional.length > 0 ? { additionalPartnerIdsOnRecord: additional } : {}),
      ...(Object.keys(context).length > 0 ? { provisioningContext: context } : {}),
      ...(line.renewsTo ? { renewsTo: line.renewsTo } : {}),
      ...(line.attestationAccepted === undefined ? {} : { attestationAccepted: line.attestationAccepted }),
      ...(line.promotionId ? { promotionId: line.promotionId } : {}),
      ...(line.pricing ? { pricing: line.pricing } : {}),
    };
    // Only links the sandbox serves (OrderLineItemLinks in the spec): the catalog, and a marketplace line's activation
    // links.
    if (item && item.skuId) {
      const product = `/products/${item.productId}`;
      const availability = line.catalogItemId.split(':')[2];
      orderLine.links = {
        product: link(`${product}?country=${country}`),
        sku: link(`${product}/skus/${item.skuId}?country=${country}`),
        ...(availability
          ? { availability: link(`${product}/skus/${item.skuId}/availabilities/${availability}?country=${country}`) }
          : {}),
        ...(item.kind === 'saas' && subscriptionId
          ? {
              activationLinks: link(
                `/customers/${owner.customerId}/orders/${orderId}/lineitems/${lineItemNumber}/activationlinks`,
              ),
            }
          : {}),
      };
    }
    return orderLine;
  }
}

function rejectIfExpired(cart: Cart, now: Date): void {
  if (cart.expirationTimestamp && now.getTime() >= Date.parse(cart.expirationTimestamp)) {
    throw new DomainError('cart-expired', `Cart ${cart.id} expired at ${cart.expirationTimestamp}; create a new cart.`);
  }
}

/** A cart holds at most MAX_CART_LINES lines, add-ons included (the spec cannot count across nesting). */
function checkLineStructure(lines: LineItemInput[]): void {
  const count = lines.reduce((sum, line) => sum + 1 + addonsOf(line).length, 0);
  if (count > MAX_CART_LINES) {
    throw new DomainError(
      'invalid-input',
      `Invalid request input: a cart holds at most ${MAX_CART_LINES} lines, add-ons included; this one has ${count}.`,
      [`body.lineItems: must hold at most ${MAX_CART_LINES} lines, add-ons included (${count} sent)`],
    );
  }
}

/** Top-level lines by order group, in order of first appearance. */
function groupLines(lines: CartLineItem[]): Map<string, CartLineItem[]> {
  const groups = new Map<string, CartLineItem[]>();
  for (const line of lines) {
    const group = line.orderGroup;
    groups.set(group, [...(groups.get(group) ?? []), line]);
  }
  return groups;
}

function flatten(lines: CartLineItem[]): CartLineItem[] {
  return lines.flatMap((line) => [line, ...flatten(line.addonItems ?? [])]);
}

/** A stored line back into request form (what the service computed is dropped). */
function toInput(line: CartLineItem): LineItemInput {
  const { orderGroup: _group, error: _error, pricing: _pricing, addonItems, ...rest } = line;
  return { ...rest, ...(addonItems ? { addonItems: addonItems.map(toInput) } : {}) };
}

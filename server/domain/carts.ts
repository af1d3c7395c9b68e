// The cart lifecycle: create, read, update, check out into orders, read orders. Knows nothing of
// HTTP; works on canonical, validated input and the Store, and throws DomainError.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { BillingCycle, Cart, CartCheckoutResult, CartLineItem, CartRequest, Link, Order, OrderCollection, OrderError, OrderLineItem } from '../wire-types.ts';
import type { Owner, Store } from '../store/store.ts';
import { systemClock, type Clock } from './clock.ts';
import { findCatalogItem, marketOf, productSkuKey, type Catalog } from './catalog.ts';
import { DomainError } from './errors.ts';
import { addonsOf, CartErrorCode, evaluateLineItems, round2, type LineItemInput } from './line-items.ts';

/** The caller, from the verified token. */
export interface Caller {
  partnerId: string;
  userId: string;
}

/** A create or update request body (the spec's CartRequest) after the reading: the service's own properties dropped. */
export type CartInput = Pick<CartRequest, 'partnerOnRecordAttestationAccepted'> & { lineItems: LineItemInput[] };

/** How an order is shown: Partner Center leaves prices out unless asked for them (`include_price`). */
export interface OrderView {
  includePrice: boolean;
}

/** Which of a customer's orders are listed, and how. */
export interface OrderListView extends OrderView {
  billingCycle?: BillingCycle;
  /** Only orders with a line whose reseller of record is this one. */
  indirectResellerId?: string;
}

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
  clock?: Clock;
}

export class CartService {
  readonly #store: Store;
  readonly #catalog: Catalog;
  readonly #cartTtlMs: number;
  readonly #clock: Clock;

  constructor(options: CartServiceOptions) {
    this.#store = options.store;
    this.#catalog = options.catalog;
    this.#cartTtlMs = options.cartTtlMs;
    this.#clock = options.clock ?? systemClock;
  }

  async createCart(caller: Caller, customerId: string, input: CartInput): Promise<CartWithTag> {
    const owner = ownerOf(caller, customerId);
    checkLineStructure(input.lineItems);
    const now = this.#clock.now();
    const id = randomUUID();
    const cart: Cart = {
      id,
      creationTimestamp: now.toISOString(),
      lastModifiedTimestamp: now.toISOString(),
      expirationTimestamp: new Date(now.getTime() + this.#cartTtlMs).toISOString(),
      lastModifiedUser: caller.userId,
      status: 'Active',
      lineItems: [],
      ...(input.partnerOnRecordAttestationAccepted === undefined ? {} : { partnerOnRecordAttestationAccepted: input.partnerOnRecordAttestationAccepted }),
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
  async updateCart(caller: Caller, customerId: string, cartId: string, input: CartInput, precondition?: CartPrecondition): Promise<CartWithTag> {
    const owner = ownerOf(caller, customerId);
    checkLineStructure(input.lineItems);
    return this.#store.transaction(async () => {
      const { cart, etag: current } = await this.#findCart(owner, cartId);
      if (precondition && 'etags' in precondition) {
        if (!precondition.etags.includes(current)) {
          throw new DomainError('cart-changed', `Cart ${cart.id} has changed since the version in If-Match; its ETag is now ${current}.`);
        }
      }
      const now = this.#clock.now();
      if (cart.status === 'Ordered' || (await this.#store.ordersOfCart(owner, cart.id)).size > 0) {
        throw new DomainError('cart-already-ordered', `Cart ${cart.id} has already been ordered and can no longer be changed.`);
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
      const now = this.#clock.now();
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
          const seats = failingNow.error.errorCode === CartErrorCode.MaxAllowedSeatsPerSubscriptionExceeded;
          orderErrors.push({
            orderGroupId: group,
            code: seats ? 800017 : 800009,
            description: `${seats ? 'The quantity is no longer available' : 'Error in cart item(s)'}: line ${failingNow.id} now has error ${failingNow.error.errorCode} (${failingNow.error.errorDescription}). Update the cart and check out again.`,
          });
          continue;
        }
        const order = this.#makeOrder(owner, cart, lines, now);
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
          return order ? [order] : [];
        }),
        orderErrors,
        attributes: { objectType: 'CartCheckoutResult' },
      };
    });
  }

  async listOrders(caller: Caller, customerId: string, view: OrderListView = { includePrice: false }): Promise<OrderCollection> {
    const owner = ownerOf(caller, customerId);
    const items = (await this.#store.listOrders(owner))
      .filter((order) => view.billingCycle === undefined || order.billingCycle === view.billingCycle)
      .filter((order) => view.indirectResellerId === undefined || order.lineItems.some((line) => line.partnerIdOnRecord === view.indirectResellerId))
      .map((order) => (view.includePrice ? order : withoutPrices(order)));
    return {
      totalCount: items.length,
      items,
      links: { self: link(`/customers/${owner.customerId}/orders`) },
      attributes: { objectType: 'Collection' },
    };
  }

  async getOrder(caller: Caller, customerId: string, orderId: string, view: OrderView = { includePrice: false }): Promise<Order> {
    const owner = ownerOf(caller, customerId);
    const order = await this.#store.findOrder(owner, orderId);
    if (!order) throw new DomainError('order-not-found', `Order ${orderId} was not found for customer ${owner.customerId}.`);
    return view.includePrice ? order : withoutPrices(order);
  }

  async #findCart(owner: Owner, cartId: string): Promise<CartWithTag> {
    const stored = await this.#store.findCart(owner, cartId.toLowerCase());
    if (!stored) throw new DomainError('cart-not-found', `Cart ${cartId} was not found for customer ${owner.customerId}.`);
    return { cart: stored.cart, etag: stored.etag ?? cartETag(stored.cart) };
  }

  /** The lines evaluated against the catalog, with the seats the customer's earlier orders bought read first. */
  async #evaluate(owner: Owner, lines: LineItemInput[], now: Date): Promise<CartLineItem[]> {
    const skuOf = (catalogItemId: string): string | undefined => {
      const item = findCatalogItem(this.#catalog, catalogItemId);
      return item ? productSkuKey(item) : undefined;
    };
    const skus = lines.flatMap((line) => [line, ...addonsOf(line)]).flatMap((line) => skuOf(line.catalogItemId) ?? []);
    const purchased = await this.#store.purchasedSeats(owner, skus);
    return evaluateLineItems(lines, {
      catalog: this.#catalog,
      customerId: owner.customerId,
      now,
      purchasedQuantity: (catalogItemId) => purchased.get(skuOf(catalogItemId) ?? '') ?? 0,
    });
  }

  #seatsOf(lines: CartLineItem[]): { productSku: string; quantity: number }[] {
    return lines.flatMap((line) => {
      const item = findCatalogItem(this.#catalog, line.catalogItemId);
      return item ? [{ productSku: productSkuKey(item), quantity: line.quantity }] : [];
    });
  }

  /** One order from the lines of one order group (add-ons follow their base, linked to its new subscription). */
  #makeOrder(owner: Owner, cart: Cart, lines: CartLineItem[], now: Date): Order {
    const id = randomBytes(6).toString('hex');
    const market = marketOf(this.#catalog, owner.customerId);
    const orderLines: OrderLineItem[] = [];
    const addLine = (line: CartLineItem, parentSubscriptionId?: string): void => {
      const subscriptionId = randomUUID();
      orderLines.push(this.#orderLine(owner, line, orderLines.length, subscriptionId, market.country, parentSubscriptionId));
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
      // The sandbox provisions at once: the subscriptions exist when the checkout answers.
      status: 'completed',
      transactionType: 'UserPurchase',
      links: {
        self: link(`/customers/${owner.customerId}/orders/${id}`),
        provisioningStatus: link(`/customers/${owner.customerId}/orders/${id}/provisioningstatus`),
        patchOperation: link(`/customers/${owner.customerId}/orders/${id}`, 'PATCH'),
      },
      totalPrice: round2(orderLines.reduce((sum, line) => sum + (line.pricing?.extendedPrice ?? 0), 0)),
      ...(cart.partnerOnRecordAttestationAccepted === undefined ? {} : { partnerOnRecordAttestationAccepted: cart.partnerOnRecordAttestationAccepted }),
      client: {},
      attributes: { objectType: 'Order' },
    };
  }

  #orderLine(owner: Owner, line: CartLineItem, lineItemNumber: number, subscriptionId: string, country: string, parentSubscriptionId?: string): OrderLineItem {
    const item = findCatalogItem(this.#catalog, line.catalogItemId);
    const reseller = line.participants?.find((p) => p.key === 'transaction_reseller')?.value;
    const additional = line.participants?.filter((p) => p.key === 'additional_transaction_reseller').map((p) => p.value) ?? [];
    const context = line.provisioningContext ?? {};
    const parent = parentSubscriptionId ?? context['parentSubscriptionId'];
    const orderLine: OrderLineItem = {
      lineItemNumber,
      offerId: line.catalogItemId,
      subscriptionId,
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
    if (item && item.skuId) {
      const product = `/products/${item.productId}`;
      const availability = line.catalogItemId.split(':')[2];
      orderLine.links = {
        product: link(`${product}?country=${country}`),
        sku: link(`${product}/skus/${item.skuId}?country=${country}`),
        ...(availability ? { availability: link(`${product}/skus/${item.skuId}/availabilities/${availability}?country=${country}`) } : {}),
        subscription: link(`/customers/${owner.customerId}/subscriptions/${subscriptionId}`),
      };
    }
    return orderLine;
  }
}

/** An order without its prices: no totalPrice, no line pricing. */
function withoutPrices(order: Order): Order {
  const { totalPrice: _total, ...rest } = order;
  return { ...rest, lineItems: order.lineItems.map(({ pricing: _pricing, ...line }) => line) };
}

function ownerOf(caller: Caller, customerId: string): Owner {
  return { partnerId: caller.partnerId, customerId: customerId.toLowerCase() };
}

function link(uri: string, method: Link['method'] = 'GET'): Link {
  return { uri, method, headers: [] };
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
    throw new DomainError('invalid-input', `Invalid request input: a cart holds at most ${MAX_CART_LINES} lines, add-ons included; this one has ${count}.`, [
      `body.lineItems: must hold at most ${MAX_CART_LINES} lines, add-ons included (${count} sent)`,
    ]);
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

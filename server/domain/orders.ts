// Orders after checkout: how they stand over time (provisioning), their provisioning status, the
// activation links of marketplace lines, and cancellation. Knows nothing of HTTP.
//
// An order is stored as it stands once provisioned, with the time provisioning completes
// (StoredOrder). Its state is derived from that time and the clock whenever it is read: no timer
// fires, so a restart or another instance sees exactly the same order.
import type {
  SchemaOrderProvisioningStatusCollection as OrderProvisioningStatus,
  SchemaProvisioningStatus as ProvisioningStatus,
  SchemaActivationLinkCollection as ActivationLinks,
  SchemaOrderLineItemUpdateRequest,
  SchemaOrderUpdateRequest,
} from '../../generated/api-types.ts';
import type { Owner, Seats, Store, StoredOrder } from '../store/store.ts';
import type { BillingCycle, Link, Order, OrderCollection, OrderLineItem } from '../wire-types.ts';
import { findCatalogItem, productSkuKey, type Catalog, type CatalogItem } from './catalog.ts';
import { sharedClock, systemClock, type PartnerClock } from './clock.ts';
import { DomainError } from './errors.ts';
import { link, ownerOf, type Caller } from './resources.ts';
import { INTEGRATION_LIMITS, PRODUCTION_CANCELLATION_DAYS, type SandboxProfile } from './sandbox-profile.ts';

export type { OrderProvisioningStatus, ProvisioningStatus, ActivationLinks };

/** An updateOrder body after the reading: the service's own properties dropped. */
export type OrderUpdate = Pick<SchemaOrderUpdateRequest, 'id' | 'status'> & {
  lineItems?: Pick<SchemaOrderLineItemUpdateRequest, 'lineItemNumber' | 'offerId'>[];
};

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

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The order as it stands at `now`: until its provisioning completes, `pending`, without the subscriptions it will
 * create.
 */
export function orderAsOf(stored: StoredOrder, now: Date): Order {
  const { order, provisionedAt } = stored;
  if (order.status !== 'completed' || now.getTime() >= provisionedAt) return order;
  const created = new Set(order.lineItems.flatMap((line) => line.subscriptionId ?? []));
  return { ...order, status: 'pending', lineItems: order.lineItems.map((line) => unprovisioned(line, created)) };
}

/** A line before provisioning: no subscription (nor a parent that this order creates), no activation links. */
function unprovisioned(line: OrderLineItem, createdByTheOrder: ReadonlySet<string>): OrderLineItem {
  const { subscriptionId: _subscription, parentSubscriptionId, links, ...rest } = line;
  const { activationLinks: _activation, ...catalogLinks } = links ?? {};
  return {
    ...rest,
    ...(parentSubscriptionId && !createdByTheOrder.has(parentSubscriptionId) ? { parentSubscriptionId } : {}),
    ...(links ? { links: catalogLinks } : {}),
  };
}

/** The provisioning status of each line of the order at `now`. */
export function provisioningStatusOf(stored: StoredOrder, now: Date): OrderProvisioningStatus {
  const order = orderAsOf(stored, now);
  const items = order.lineItems.map((line) => {
    const status: ProvisioningStatus =
      order.status === 'cancelled' || line.quantity === 0
        ? 'Unfulfilled'
        : order.status === 'completed'
          ? 'Fulfilled'
          : 'PrefulfillmentPending';
    return {
      lineItemNumber: line.lineItemNumber,
      status,
      quantityProvisioningInformation: status === 'Unfulfilled' ? [] : [{ quantity: line.quantity, status }],
    };
  });
  return { totalCount: items.length, items, attributes: { objectType: 'Collection' } };
}

/**
 * The dummy activation link of a marketplace subscription: the sandbox has no publisher site, so a URI that never
 * resolves (RFC 6761 `.invalid`).
 */
export function activationLinkOf(subscriptionId: string): Link {
  return link(`https://activation.sandbox.invalid/subscriptions/${subscriptionId}`);
}

/** An order without its prices: no totalPrice, no line pricing. */
export function withoutPrices(order: Order): Order {
  const { totalPrice: _total, ...rest } = order;
  return { ...rest, lineItems: order.lineItems.map(({ pricing: _pricing, ...line }) => line) };
}

/** What was bought, for the cancellation rules (Microsoft's table of what can be cancelled by order). */
type PurchaseKind =
  | 'reservation'
  | 'perpetual software'
  | 'software subscription'
  | 'new-commerce licence'
  | 'Azure'
  | 'legacy offer'
  | 'marketplace (SaaS) offer';

function purchaseKindOf(item: CatalogItem | undefined, line: OrderLineItem): PurchaseKind {
  switch (item?.kind) {
    case 'azure_reservation':
      return 'reservation';
    case 'software':
      return line.termDuration ? 'software subscription' : 'perpetual software';
    case 'license':
      return 'new-commerce licence';
    case 'azure':
      return 'Azure';
    case 'saas':
      return 'marketplace (SaaS) offer';
    default:
      return 'legacy offer'; // legacy licences, and items a replaced catalog no longer has
  }
}

export interface OrderServiceOptions {
  store: Store;
  catalog: Catalog;
  clock?: PartnerClock;
  profile?: SandboxProfile;
}

export class OrderService {
  readonly #store: Store;
  readonly #catalog: Catalog;
  readonly #clock: PartnerClock;
  readonly #profile: SandboxProfile;

  constructor(options: OrderServiceOptions) {
    this.#store = options.store;
    this.#catalog = options.catalog;
    this.#clock = options.clock ?? sharedClock(systemClock);
    this.#profile = options.profile ?? 'production';
  }

  async listOrders(
    caller: Caller,
    customerId: string,
    view: OrderListView = { includePrice: false },
  ): Promise<OrderCollection> {
    const owner = ownerOf(caller, customerId);
    const now = await this.#clock.now(owner.partnerId);
    const items = (await this.#store.listOrders(owner))
      .map((stored) => orderAsOf(stored, now))
      .filter((order) => view.billingCycle === undefined || order.billingCycle === view.billingCycle)
      .filter(
        (order) =>
          view.indirectResellerId === undefined ||
          order.lineItems.some((line) => line.partnerIdOnRecord === view.indirectResellerId),
      )
      .map((order) => (view.includePrice ? order : withoutPrices(order)));
    return {
      totalCount: items.length,
      items,
      links: { self: link(`/customers/${owner.customerId}/orders`) },
      attributes: { objectType: 'Collection' },
    };
  }

  async getOrder(
    caller: Caller,
    customerId: string,
    orderId: string,
    view: OrderView = { includePrice: false },
  ): Promise<Order> {
    const owner = ownerOf(caller, customerId);
    const order = orderAsOf(await this.#find(owner, orderId), await this.#clock.now(owner.partnerId));
    return view.includePrice ? order : withoutPrices(order);
  }

  async getProvisioningStatus(caller: Caller, customerId: string, orderId: string): Promise<OrderProvisioningStatus> {
    const owner = ownerOf(caller, customerId);
    const stored = await this.#store.findOrder(owner, orderId);
    if (!stored)
      throw new DomainError(
        'provisioning-status-not-found',
        `Unable to retrieve provisioning information: order ${orderId} was not found for customer ${owner.customerId}.`,
      );
    return provisioningStatusOf(stored, await this.#clock.now(owner.partnerId));
  }

  async listActivationLinks(
    caller: Caller,
    customerId: string,
    orderId: string,
    lineItemNumber: number,
  ): Promise<ActivationLinks> {
    const owner = ownerOf(caller, customerId);
    const order = orderAsOf(await this.#find(owner, orderId), await this.#clock.now(owner.partnerId));
    const line = order.lineItems.find((item) => item.lineItemNumber === lineItemNumber);
    if (!line)
      throw new DomainError(
        'order-not-found',
        `Order ${orderId} has no line item ${lineItemNumber}; its lines are numbered 0 to ${order.lineItems.length - 1}.`,
      );
    // A provisioned marketplace line links to its activation links; the others have none.
    const activation =
      line.links?.activationLinks && line.subscriptionId ? activationLinkOf(line.subscriptionId) : undefined;
    return {
      totalCount: activation ? 1 : 0,
      items: activation ? [{ lineItemNumber, link: activation }] : [],
      links: {
        self: link(`/customers/${owner.customerId}/orders/${order.id}/lineitems/${lineItemNumber}/activationlinks`),
      },
      attributes: { objectType: 'Collection' },
    };
  }

  /**
   * Cancels the order, or the lines named, as the profile's partner may (Microsoft's table, in the
   * spec's description of updateOrder). Cancelled lines keep their place with quantity 0 and give
   * back their seats; the order is `cancelled` once every line is. A refusal changes nothing.
   */
  async cancelOrder(caller: Caller, customerId: string, orderId: string, update: OrderUpdate): Promise<Order> {
    const owner = ownerOf(caller, customerId);
    return this.#store.transaction(async () => {
      const stored = await this.#find(owner, orderId);
      if (update.id !== undefined && update.id !== orderId) {
        throw new DomainError(
          'invalid-input',
          `Invalid request input: the body names order ${update.id}, the path order ${orderId}.`,
          [`body.id: must be the order id of the path (${orderId}) when sent`],
        );
      }
      const now = await this.#clock.now(owner.partnerId);
      const shown = orderAsOf(stored, now);
      if (shown.status === 'cancelled')
        throw new DomainError(
          'order-cannot-be-cancelled',
          `Order ${orderId} can't be cancelled: it is already cancelled.`,
        );
      if (shown.status === 'pending') {
        throw new DomainError(
          'order-in-progress',
          `Order ${orderId} is in progress (being provisioned until ${new Date(stored.provisionedAt).toISOString()}); cancel it once it is completed.`,
        );
      }
      const lines = this.#linesToCancel(stored.order, update);
      for (const line of lines) this.#checkCancellable(owner, stored.order, line, now);

      // Cancelling what is left cancels the order, whose lines keep their quantities (Microsoft's example
      // of a cancelled order); cancelling some lines only sets theirs to 0 (cancel-software-purchases).
      const cancelled = new Set(lines.map((line) => line.lineItemNumber));
      const everyLine = stored.order.lineItems.every(
        (line) => line.quantity === 0 || cancelled.has(line.lineItemNumber),
      );
      const { patchOperation: _patch, ...links } = stored.order.links ?? {};
      const order: Order = everyLine
        ? { ...stored.order, status: 'cancelled', links }
        : {
            ...stored.order,
            lineItems: stored.order.lineItems.map((line) =>
              cancelled.has(line.lineItemNumber) ? { ...line, quantity: 0 } : line,
            ),
          };
      await this.#store.updateOrder(owner, { order, provisionedAt: stored.provisionedAt }, this.#seatsOf(lines));
      return withoutPrices(orderAsOf({ order, provisionedAt: stored.provisionedAt }, now));
    });
  }

  async #find(owner: Owner, orderId: string): Promise<StoredOrder> {
    const stored = await this.#store.findOrder(owner, orderId);
    if (!stored)
      throw new DomainError('order-not-found', `Order ${orderId} was not found for customer ${owner.customerId}.`);
    return stored;
  }

  /**
   * The lines the update names (every line still bought when it names none); each must exist, once, with its own
   * offerId.
   */
  #linesToCancel(order: Order, update: OrderUpdate): OrderLineItem[] {
    if (!update.lineItems) return order.lineItems.filter((line) => line.quantity > 0); // those not cancelled before
    const problems: string[] = [];
    const lines = new Map<number, OrderLineItem>();
    update.lineItems.forEach((named, index) => {
      const line = order.lineItems.find((item) => item.lineItemNumber === named.lineItemNumber);
      if (!line)
        problems.push(`body.lineItems[${index}].lineItemNumber: order ${order.id} has no line ${named.lineItemNumber}`);
      else if (named.offerId !== undefined && named.offerId.toLowerCase() !== line.offerId.toLowerCase()) {
        problems.push(
          `body.lineItems[${index}].offerId: line ${line.lineItemNumber} bought ${line.offerId}, not ${named.offerId}`,
        );
      } else lines.set(line.lineItemNumber, line);
    });
    if (problems.length > 0)
      throw new DomainError(
        'invalid-input',
        `Invalid request input: ${problems.length} line${problems.length === 1 ? '' : 's'} of the body do not match the order.`,
        problems,
      );
    const already = [...lines.values()].find((line) => line.quantity === 0);
    if (already)
      throw new DomainError(
        'order-cannot-be-cancelled',
        `Order ${order.id} can't be cancelled: line ${already.lineItemNumber} is already cancelled.`,
      );
    return [...lines.values()];
  }

  #checkCancellable(owner: Owner, order: Order, line: OrderLineItem, now: Date): void {
    const kind = purchaseKindOf(findCatalogItem(this.#catalog, line.offerId), line);
    const what = `line ${line.lineItemNumber} (${line.offerId}) is a ${kind}`;
    if (kind === 'new-commerce licence' || kind === 'Azure' || kind === 'legacy offer') {
      throw new DomainError(
        'cancel-through-subscription',
        `Order ${order.id} can't be cancelled by order: ${what}. Use PATCH /customers/${owner.customerId}/subscriptions/<subscriptionId> to cancel or suspend its subscription.`,
      );
    }
    if (kind === 'marketplace (SaaS) offer') {
      throw new DomainError(
        'cancel-saas-through-subscription',
        `Order ${order.id} can't be cancelled by order: ${what}, which is cancelled through its subscription.`,
      );
    }
    const ageDays = (now.getTime() - Date.parse(order.creationDate)) / DAY_MS;
    if (this.#profile === 'integration') {
      if (ageDays > INTEGRATION_LIMITS.cancelWithinDays) {
        throw new DomainError(
          'order-cannot-be-cancelled',
          `Order ${order.id} can't be cancelled: it was placed on ${order.creationDate}, and the integration sandbox cancels orders up to ${INTEGRATION_LIMITS.cancelWithinDays} days old.`,
        );
      }
      return;
    }
    if (kind === 'reservation') {
      throw new DomainError(
        'cancel-sandbox-only',
        `Order ${order.id} can't be cancelled: ${what}. Non-sandbox partners can cancel only software subscriptions and perpetual software by order.`,
      );
    }
    const windowDays =
      kind === 'perpetual software'
        ? PRODUCTION_CANCELLATION_DAYS.perpetualSoftware
        : PRODUCTION_CANCELLATION_DAYS.softwareSubscription;
    if (ageDays > windowDays) {
      throw new DomainError(
        'cancellation-window-passed',
        `Order ${order.id} has passed its ${windowDays}-day cancellation window: it was placed on ${order.creationDate}, and ${what}.`,
      );
    }
  }

  #seatsOf(lines: readonly OrderLineItem[]): Seats[] {
    return lines.flatMap((line) => {
      const item = findCatalogItem(this.#catalog, line.offerId);
      return item ? [{ productSku: productSkuKey(item), quantity: line.quantity }] : [];
    });
  }
}

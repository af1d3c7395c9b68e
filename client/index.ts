// The typed client of the Partner Center cart API: openapi-fetch over the generated types, with
// Partner Center's headers, token refresh, retries and timeouts, and named helpers for the cart calls.
import createClient, { type Client } from 'openapi-fetch';
import type {
  paths,
  SchemaCartAddonLineItem as CartAddonLineItem,
  SchemaCartAddonLineItemRequest as CartAddonLineItemRequest,
  SchemaCartLineItem as CartLineItem,
  SchemaCartLineItemRequest as CartLineItemRequest,
  SchemaCartRequest as CartRequest,
} from '../generated/api-types.ts';
import { correlationIdMiddleware, defaultHeadersMiddleware, requestIdMiddleware } from './middleware.ts';
import { createTransport, defaultSleep, type RetryPolicy, type TokenProvider } from './transport.ts';

export { CartApiError, IGNORED_PROPERTIES_HEADER, ignoredProperties, unwrap } from './errors.ts';
export { correlationIdMiddleware, defaultHeadersMiddleware, requestIdMiddleware } from './middleware.ts';
export { createTransport, retryAfterMs, type RetryPolicy, type TokenProvider } from './transport.ts';
export type { paths, components, operations } from '../generated/api-types.ts';

/** Resources as the service answers them. */
export type {
  SchemaCart as Cart,
  SchemaCartLineItem as CartLineItem,
  SchemaCartAddonLineItem as CartAddonLineItem,
  SchemaCartCheckoutResult as CartCheckoutResult,
  SchemaOrder as Order,
  SchemaOrderLineItem as OrderLineItem,
  SchemaOrderCollection as OrderCollection,
  SchemaCartError as CartError,
  SchemaError as ErrorBody,
  SchemaBillingCycle as BillingCycle,
  SchemaTermDuration as TermDuration,
  SchemaCartErrorCode as CartErrorCode,
} from '../generated/api-types.ts';
/** What a create or update request carries (the spec's request schemas). */
export type {
  SchemaCartRequest as CartRequest,
  SchemaCartLineItemRequest as CartLineItemRequest,
  SchemaCartAddonLineItemRequest as CartAddonLineItemRequest,
  SchemaOrderUpdateRequest as OrderUpdateRequest,
  SchemaOrderProvisioningStatusCollection as OrderProvisioningStatus,
  SchemaActivationLinkCollection as ActivationLinkCollection,
} from '../generated/api-types.ts';
/** The catalog: what a cart line buys is an availability's `catalogItemId`. */
export type {
  SchemaProduct as Product,
  SchemaSku as Sku,
  SchemaAvailability as Availability,
} from '../generated/api-types.ts';
/** The options of `listOrders` (its query), and of `getOrder`. */
export type ListOrdersQuery = NonNullable<paths['/v1/customers/{customerId}/orders']['get']['parameters']['query']>;
export type GetOrderQuery = NonNullable<
  paths['/v1/customers/{customerId}/orders/{orderId}']['get']['parameters']['query']
>;
export type ListProductsQuery = paths['/v1/products']['get']['parameters']['query'];
export type CatalogQuery = paths['/v1/products/{productId}']['get']['parameters']['query'];
export type ListSkusQuery = paths['/v1/products/{productId}/skus']['get']['parameters']['query'];
export type ListAvailabilitiesQuery =
  paths['/v1/products/{productId}/skus/{skuId}/availabilities']['get']['parameters']['query'];

export const PARTNER_CENTER_URL = 'https://api.partnercenter.microsoft.com';

export interface CartClientOptions {
  /** Default: Partner Center's public endpoint. */
  baseUrl?: string;
  /** A bearer token, or a function giving one; called for every attempt, so a refreshed token is used. */
  token?: TokenProvider;
  fetch?: (request: Request) => Promise<Response>;
  /** `X-Locale` of every call (e.g. `en-US`). */
  locale?: string;
  /** `MS-PartnerCenter-Application` of every call. */
  applicationName?: string;
  /** Timeout of one attempt in ms (default 30 000; 0 = none). */
  timeoutMs?: number;
  /** Retries of network errors, timeouts, 429 and 5xx (default: 4 attempts within 60 s); `false` for none. */
  retry?: RetryPolicy | false;
  /** How to wait between attempts and where jitter comes from; replaceable for tests and simulations. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export type CartApiClient = Client<paths, 'application/json'> & CartHelpers;

/** Builds the client: openapi-fetch's client (every path and method, typed) plus named helpers. */
export function createCartClient(options: CartClientOptions = {}): CartApiClient {
  const client = createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl ?? PARTNER_CENTER_URL,
    fetch: createTransport({
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.random ? { random: options.random } : {}),
    }),
  });
  client.use(
    requestIdMiddleware,
    correlationIdMiddleware,
    defaultHeadersMiddleware({ 'X-Locale': options.locale, 'MS-PartnerCenter-Application': options.applicationName }),
  );
  return Object.assign(client, cartHelpers(client));
}

function cartHelpers(client: Client<paths, 'application/json'>) {
  return {
    createCart: (customerId: string, cart: CartRequest) =>
      client.POST('/v1/customers/{customerId}/carts', { params: { path: { customerId } }, body: cart }),
    getCart: (customerId: string, cartId: string) =>
      client.GET('/v1/customers/{customerId}/carts/{cartId}', { params: { path: { customerId, cartId } } }),
    /**
     * Replaces the cart; with `ifMatch` (an ETag from an earlier answer) only if the cart is still that version (412
     * otherwise).
     */
    updateCart: (customerId: string, cartId: string, cart: CartRequest, options: { ifMatch?: string } = {}) =>
      client.PUT('/v1/customers/{customerId}/carts/{cartId}', {
        params: {
          path: { customerId, cartId },
          ...(options.ifMatch ? { header: { 'If-Match': options.ifMatch } } : {}),
        },
        body: cart,
      }),
    checkoutCart: (customerId: string, cartId: string) =>
      client.POST('/v1/customers/{customerId}/carts/{cartId}/checkout', { params: { path: { customerId, cartId } } }),
    /** The customer's orders; `{ include_price: true }` for their prices, `billingType` to filter. */
    listOrders: (customerId: string, query: ListOrdersQuery = {}) =>
      client.GET('/v1/customers/{customerId}/orders', { params: { path: { customerId }, query } }),
    /** One order; `{ include_price: true }` for its prices. */
    getOrder: (customerId: string, orderId: string, query: GetOrderQuery = {}) =>
      client.GET('/v1/customers/{customerId}/orders/{orderId}', { params: { path: { customerId, orderId }, query } }),
    /** Cancels the order, or only the lines numbered (their quantity becomes 0). */
    cancelOrder: (customerId: string, orderId: string, lineItemNumbers?: number[]) =>
      client.PATCH('/v1/customers/{customerId}/orders/{orderId}', {
        params: { path: { customerId, orderId } },
        body: {
          id: orderId,
          status: 'cancelled',
          ...(lineItemNumbers ? { lineItems: lineItemNumbers.map((lineItemNumber) => ({ lineItemNumber })) } : {}),
        },
      }),
    /** How far each line of the order is provisioned (`PrefulfillmentPending`, `Fulfilled`, `Unfulfilled`). */
    getOrderProvisioningStatus: (customerId: string, orderId: string) =>
      client.GET('/v1/customers/{customerId}/orders/{orderId}/provisioningstatus', {
        params: { path: { customerId, orderId } },
      }),
    /** Where a provisioned marketplace (SaaS) line is activated. */
    listOrderLineItemActivationLinks: (customerId: string, orderId: string, lineItemNumber: number) =>
      client.GET('/v1/customers/{customerId}/orders/{orderId}/lineitems/{lineItemNumber}/activationlinks', {
        params: { path: { customerId, orderId, lineItemNumber } },
      }),
    /**
     * Reads the order every `intervalMs` (default 2 s) until it is no longer `pending` (Partner Center
     * provisions asynchronously; subscription ids appear then), or `timeoutMs` (default 15 minutes,
     * Partner Center's documented worst case) has passed: then the last answer, still pending.
     */
    async waitForOrder(
      customerId: string,
      orderId: string,
      options: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
    ) {
      const { intervalMs = 2000, timeoutMs = 15 * 60 * 1000, signal } = options;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const answer = await client.GET('/v1/customers/{customerId}/orders/{orderId}', {
          params: { path: { customerId, orderId } },
          ...(signal ? { signal } : {}),
        });
        if (!answer.data || answer.data.status !== 'pending' || Date.now() + intervalMs > deadline) return answer;
        await defaultSleep(intervalMs, signal);
      }
    },
    /** Products sold in `country`, for a `targetView` (`OnlineServices`, `Azure`, `Software`, ...). */
    listProducts: (query: ListProductsQuery) => client.GET('/v1/products', { params: { query } }),
    getProduct: (productId: string, query: CatalogQuery) =>
      client.GET('/v1/products/{productId}', { params: { path: { productId }, query } }),
    listSkus: (productId: string, query: ListSkusQuery) =>
      client.GET('/v1/products/{productId}/skus', { params: { path: { productId }, query } }),
    getSku: (productId: string, skuId: string, query: CatalogQuery) =>
      client.GET('/v1/products/{productId}/skus/{skuId}', { params: { path: { productId, skuId }, query } }),
    /** A SKU's availabilities: each one's `catalogItemId` is what a cart line buys. */
    listAvailabilities: (productId: string, skuId: string, query: ListAvailabilitiesQuery) =>
      client.GET('/v1/products/{productId}/skus/{skuId}/availabilities', {
        params: { path: { productId, skuId }, query },
      }),
    getAvailability: (productId: string, skuId: string, availabilityId: string, query: CatalogQuery) =>
      client.GET('/v1/products/{productId}/skus/{skuId}/availabilities/{availabilityId}', {
        params: { path: { productId, skuId, availabilityId }, query },
      }),
    /**
     * The documented read-change-write update in one call: reads the cart, lets `change` edit its
     * lines (return the new list), and PUTs it back. What the service computes (order groups, errors, prices) is not
     * sent. When the read
     * answer carries an ETag, the write sends it as If-Match, so a change made by someone else in
     * between is not overwritten: the answer is then 412, and reading again is the way on.
     */
    async changeCartLines(
      customerId: string,
      cartId: string,
      change: (lines: CartLineItemRequest[]) => CartLineItemRequest[],
    ) {
      const current = await client.GET('/v1/customers/{customerId}/carts/{cartId}', {
        params: { path: { customerId, cartId } },
      });
      if (!current.data) return current;
      const lines = change(current.data.lineItems.map(toLineRequest));
      const body: CartRequest = { lineItems: lines };
      if (current.data.partnerOnRecordAttestationAccepted !== undefined)
        body.partnerOnRecordAttestationAccepted = current.data.partnerOnRecordAttestationAccepted;
      const etag = current.response.headers.get('ETag');
      return client.PUT('/v1/customers/{customerId}/carts/{cartId}', {
        params: { path: { customerId, cartId }, ...(etag ? { header: { 'If-Match': etag } } : {}) },
        body,
      });
    },
  };
}

export type CartHelpers = ReturnType<typeof cartHelpers>;

/** A line as the service answered it, without what the service computes (group, error, pricing). */
export function toLineRequest(line: CartLineItem): CartLineItemRequest {
  const { addonItems, ...rest } = line;
  return { ...toAddonRequest(rest), ...(addonItems ? { addonItems: addonItems.map(toAddonRequest) } : {}) };
}

function toAddonRequest(line: CartAddonLineItem): CartAddonLineItemRequest {
  const { orderGroup: _group, error: _error, pricing: _pricing, ...rest } = line;
  return rest;
}

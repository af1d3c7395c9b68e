// Compile-time checks of generated/api-types.ts, run by `npm run typecheck` (and by types.test.ts).
// Each `@ts-expect-error` marks a call that must NOT compile: if it ever compiled, tsc would report
// the directive as unused and the check would fail.
import createClient from 'openapi-fetch';
import type { components, paths } from '../../../generated/api-types.ts';

type Cart = components['schemas']['Cart'];
type CartErrorCode = components['schemas']['CartErrorCode'];
export const aCartErrorCode: CartErrorCode = 10015;
// @ts-expect-error 10005 is not a CartErrorCode (unused in every source)
export const notACartErrorCode: CartErrorCode = 10005;

const client = createClient<paths>({ baseUrl: 'http://localhost:3000' });
const customerId = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';
const cartId = 'b4c8fdea-cbe4-4d17-9576-13fcacbf9605';

export async function wellTypedCalls(): Promise<void> {
  const created = await client.POST('/v1/customers/{customerId}/carts', {
    params: { path: { customerId } },
    body: {
      lineItems: [
        { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
      ],
    },
  });
  if (created.data) {
    const id: string = created.data.id; // read-only properties are present in answers
    const status: 'Active' | 'Ordered' | undefined = created.data.status;
    void id;
    void status;
  }
  if (created.error) {
    // The error is typed as a union of Partner Center's error body and the throttling body (429).
    const code: number = 'code' in created.error ? created.error.code : created.error.statusCode;
    void code;
  }
  const checkout = await client.POST('/v1/customers/{customerId}/carts/{cartId}/checkout', {
    params: { path: { customerId, cartId } },
  });
  const orders = checkout.data?.orders.map((order) => order.lineItems.map((line) => line.offerId));
  void orders;
  const order = await client.GET('/v1/customers/{customerId}/orders/{orderId}', {
    params: { path: { customerId, orderId: 'a68736758d9c' } },
  });
  void order.data?.totalPrice;
}

/** The documented update flow: what getCart answered is a valid updateCart body as it is. */
export async function getChangePut(): Promise<void> {
  const read = await client.GET('/v1/customers/{customerId}/carts/{cartId}', {
    params: { path: { customerId, cartId } },
  });
  if (!read.data) return;
  const changed: Cart = {
    ...read.data,
    lineItems: read.data.lineItems.map((line) => ({ ...line, quantity: line.quantity + 1 })),
  };
  await client.PUT('/v1/customers/{customerId}/carts/{cartId}', {
    params: { path: { customerId, cartId } },
    body: changed,
  });
  await client.GET('/v1/customers/{customerId}/orders', {
    params: { path: { customerId }, query: { include_price: true, billingType: 'monthly' } },
  });
}

export async function callsThatMustNotCompile(cart: Cart): Promise<void> {
  // @ts-expect-error no such path
  await client.GET('/v1/customers/{customerId}/cart', { params: { path: { customerId } } });
  // @ts-expect-error carts cannot be deleted
  await client.DELETE('/v1/customers/{customerId}/carts/{cartId}', { params: { path: { customerId, cartId } } });
  // @ts-expect-error the cart id is missing
  await client.GET('/v1/customers/{customerId}/carts/{cartId}', { params: { path: { customerId } } });
  await client.POST('/v1/customers/{customerId}/carts', {
    params: { path: { customerId } },
    // @ts-expect-error quantity is a number
    body: { lineItems: [{ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: '1', billingCycle: 'monthly' }] },
  });
  await client.POST('/v1/customers/{customerId}/carts', {
    params: { path: { customerId } },
    // @ts-expect-error "weekly" is not a billing cycle
    body: { lineItems: [{ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'weekly' }] },
  });
  await client.POST('/v1/customers/{customerId}/carts', {
    params: { path: { customerId } },
    body: {
      lineItems: [{ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly' }],
      // @ts-expect-error a misspelt property does not compile
      partnerOnRecordAttestationAcepted: true,
    },
  });
  await client.PUT('/v1/customers/{customerId}/carts/{cartId}', {
    params: { path: { customerId, cartId } },
    body: {
      ...cart,
      // @ts-expect-error the answer of getCart may be sent back, but its lines must stay lines
      lineItems: [{ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantitty: 1, billingCycle: 'monthly' }],
    },
  });
  // @ts-expect-error a request body needs lineItems
  await client.PUT('/v1/customers/{customerId}/carts/{cartId}', { params: { path: { customerId, cartId } }, body: {} });
}

// The thin handlers of the cart operations: take the validated request apart, call the domain, answer.
// Writes go through the request log, which makes a retry with the same MS-RequestId safe. The
// types (server/http/operations.ts) come from the spec: a missing handler, or an answer the spec
// does not allow, fails the type check.
import type { CartPrecondition, CartService } from '../domain/carts.ts';
import type { IdempotentWrites } from './idempotency.ts';
import type { OperationHandlers } from './operations.ts';

/** If-Match as a precondition: `*`, or a comma-separated list of strong entity tags (weak ones never match). */
function preconditionOf(ifMatch: string | undefined): CartPrecondition | undefined {
  if (ifMatch === undefined) return undefined;
  if (ifMatch.trim() === '*') return { anyVersion: true };
  return {
    etags: ifMatch
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag.startsWith('"')),
  };
}

export function cartHandlers(service: CartService, idempotentWrites: IdempotentWrites) {
  return {
    async createCart({ caller, path, body, requestKey }) {
      return idempotentWrites.run(requestKey(), async () => {
        const { cart, etag } = await service.createCart(caller, path.customerId, body);
        return { status: 201 as const, body: cart, etag };
      });
    },

    async getCart({ caller, path }) {
      const { cart, etag } = await service.getCart(caller, path.customerId, path.cartId);
      return { status: 200, body: cart, etag };
    },

    async updateCart({ caller, path, headers, body, requestKey }) {
      return idempotentWrites.run(requestKey(), async () => {
        const { cart, etag } = await service.updateCart(
          caller,
          path.customerId,
          path.cartId,
          body,
          preconditionOf(headers['If-Match']),
        );
        return { status: 201 as const, body: cart, etag };
      });
    },

    async checkoutCart({ caller, path, requestKey }) {
      // The body is ignored, so a retry is the same request whatever body it carries.
      return idempotentWrites.run(requestKey(null), async () => ({
        status: 201 as const,
        body: await service.checkoutCart(caller, path.customerId, path.cartId),
      }));
    },
  } satisfies Partial<OperationHandlers>;
}

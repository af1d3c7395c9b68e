// Compile-time checks of the server stubs (server/http/operations.ts), run by `npm run typecheck`.
// Each `@ts-expect-error` marks a handler the spec does not allow: if it ever compiled, tsc would
// report the directive as unused and the type check would fail.
import type { operations } from '../../../generated/api-types.ts';
import type { catalogHandlers } from '../../http/catalog-handlers.ts';
import type { cartHandlers } from '../../http/cart-handlers.ts';
import type { orderHandlers } from '../../http/order-handlers.ts';
import type { HandlersOf, OperationAnswer, OperationHandlers } from '../../http/operations.ts';
import type { Cart, Order } from '../../wire-types.ts';

declare const cart: Cart;
declare const order: Order;

// The server's handlers (the groups server/http/app.ts assembles) are exactly the spec's operations.
type Served = ReturnType<typeof cartHandlers> & ReturnType<typeof orderHandlers> & ReturnType<typeof catalogHandlers>;
export const served: OperationHandlers = null as unknown as Served;

// An answer is one of the operation's success statuses with that status's body.
export const rightAnswer: OperationAnswer<operations['getCart']> = { status: 200, body: cart, etag: '"x"' };
// @ts-expect-error getCart answers a Cart, not an Order
export const wrongBody: OperationAnswer<operations['getCart']> = { status: 200, body: order };
// @ts-expect-error getCart declares no 201
export const wrongStatus: OperationAnswer<operations['getCart']> = { status: 201, body: cart };
// @ts-expect-error an error status is thrown (a DomainError), never answered by a handler
export const errorStatus: OperationAnswer<operations['getCart']> = { status: 404, body: cart };

export const handlerWithWrongBody: Pick<OperationHandlers, 'getOrder'> = {
  // @ts-expect-error getOrder answers an Order, not a Cart
  async getOrder() {
    return { status: 200, body: cart };
  },
};

export const handlerReadingWhatItIsNotGiven: Pick<OperationHandlers, 'getCart'> = {
  async getCart({ path, query }) {
    // @ts-expect-error getCart has no orderId in its path
    void path.orderId;
    // @ts-expect-error getCart declares no query parameters
    void query.include_price;
    return { status: 200, body: cart };
  },
};

// @ts-expect-error a set of handlers without getOrder is not the spec's
export const missingHandler: OperationHandlers = {
  createCart: null as never,
  getCart: null as never,
  updateCart: null as never,
  checkoutCart: null as never,
  listOrders: null as never,
};

// Another spec's operations (here: the generated ones plus one) need their own handler too.
type WithOneMore = operations & { deleteOrder: operations['getOrder'] };
// @ts-expect-error the server has no handler for deleteOrder
export const notForAnotherSpec: HandlersOf<WithOneMore> = null as unknown as Served;

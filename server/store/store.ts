// The persistence interface of the reference server. The domain sees only this; SQLite
// (store/sqlite.ts) is the embedded implementation, and a shared PostgreSQL can implement it later.
import type { Cart, Order } from '../wire-types.ts';

/** Who owns a resource: every cart and order belongs to one partner tenant and one of its customers. */
export interface Owner {
  partnerId: string;
  customerId: string;
}

export interface Store {
  /** Runs `work` in one write transaction: everything it writes is committed together, or nothing. */
  transaction<T>(work: () => T): T;
  findCart(owner: Owner, cartId: string): Cart | undefined;
  insertCart(owner: Owner, cart: Cart): void;
  updateCart(owner: Owner, cart: Cart): void;
  /** The orders checkouts made from the cart, keyed by order group. */
  ordersOfCart(owner: Owner, cartId: string): Map<string, Order>;
  insertOrder(owner: Owner, cartId: string, orderGroup: string, order: Order, seats: { productSku: string; quantity: number }[]): void;
  findOrder(owner: Owner, orderId: string): Order | undefined;
  /** The owner's orders, newest first. */
  listOrders(owner: Owner): Order[];
  /** Seats of a product SKU (`productId:skuId`, lower case) bought by the owner's earlier orders. */
  purchasedSeats(owner: Owner, productSku: string): number;
  close(): void;
}

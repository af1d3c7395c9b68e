// The thin handlers of the order operations: reading orders, their provisioning status and activation
// links, and cancelling (a write, so through the request log like every write).
import type { OrderService } from '../domain/orders.ts';
import type { IdempotentWrites } from './idempotency.ts';
import type { OperationHandlers } from './operations.ts';

export function orderHandlers(orders: OrderService, idempotentWrites: IdempotentWrites) {
  return {
    async listOrders({ caller, path, query }) {
      const body = await orders.listOrders(caller, path.customerId, {
        includePrice: query.include_price === true,
        ...(query.billingType ? { billingCycle: query.billingType } : {}),
        ...(query.indirect_reseller_id ? { indirectResellerId: query.indirect_reseller_id } : {}),
      });
      return { status: 200, body };
    },

    async getOrder({ caller, path, query }) {
      return {
        status: 200,
        body: await orders.getOrder(caller, path.customerId, path.orderId, {
          includePrice: query.include_price === true,
        }),
      };
    },

    async updateOrder({ caller, path, body, requestKey }) {
      return idempotentWrites.run(requestKey(), async () => ({
        status: 200 as const,
        body: await orders.cancelOrder(caller, path.customerId, path.orderId, body),
      }));
    },

    async getOrderProvisioningStatus({ caller, path }) {
      return { status: 200, body: await orders.getProvisioningStatus(caller, path.customerId, path.orderId) };
    },

    async listOrderLineItemActivationLinks({ caller, path }) {
      return {
        status: 200,
        body: await orders.listActivationLinks(caller, path.customerId, path.orderId, path.lineItemNumber),
      };
    },
  } satisfies Partial<OperationHandlers>;
}

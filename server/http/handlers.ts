// One thin handler per operationId: take the validated request apart, call the domain, answer.
// Writes go through the request log, which makes a retry with the same MS-RequestId safe.
import { Router, type Request, type Response } from 'express';
import { cartETag, type Caller, type CartInput, type CartPrecondition, type CartService } from '../domain/carts.ts';
import type { operations } from '../../generated/api-types.ts';
import { requestKeyOf, type RequestLog, type WriteAnswer } from './idempotency.ts';

type ListOrdersQuery = NonNullable<operations['listOrders']['parameters']['query']>;
type GetOrderQuery = NonNullable<operations['getOrder']['parameters']['query']>;

function caller(res: Response): Caller {
  return res.locals['caller'] as Caller;
}

function param(req: Request, name: string): string {
  return String(req.params[name]);
}

/** If-Match as a precondition: `*`, or a comma-separated list of strong entity tags (weak ones never match). */
function preconditionOf(req: Request): CartPrecondition | undefined {
  const header = req.headers['if-match'];
  if (header === undefined) return undefined;
  if (header.trim() === '*') return { anyVersion: true };
  return { etags: header.split(',').map((tag) => tag.trim()).filter((tag) => tag.startsWith('"')) };
}

function send(res: Response, answer: WriteAnswer & { replayed?: boolean }): void {
  if (answer.etag) res.setHeader('ETag', answer.etag);
  if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(answer.status).json(answer.body);
}

export function cartApiRouter(service: CartService, requestLog: RequestLog): Router {
  const router = Router({ strict: false });

  router.post('/v1/customers/:customerId/carts', function createCart(req, res) {
    send(res, requestLog.run(requestKeyOf(req, res), () => {
      const cart = service.createCart(caller(res), param(req, 'customerId'), req.body as CartInput);
      return { status: 201, body: cart, etag: cartETag(cart) };
    }));
  });

  router.get('/v1/customers/:customerId/carts/:cartId', function getCart(req, res) {
    const cart = service.getCart(caller(res), param(req, 'customerId'), param(req, 'cartId'));
    send(res, { status: 200, body: cart, etag: cartETag(cart) });
  });

  router.put('/v1/customers/:customerId/carts/:cartId', function updateCart(req, res) {
    send(res, requestLog.run(requestKeyOf(req, res), () => {
      const cart = service.updateCart(caller(res), param(req, 'customerId'), param(req, 'cartId'), req.body as CartInput, preconditionOf(req));
      return { status: 201, body: cart, etag: cartETag(cart) };
    }));
  });

  router.post('/v1/customers/:customerId/carts/:cartId/checkout', function checkoutCart(req, res) {
    // The body is ignored, so a retry is the same request whatever body it carries.
    send(res, requestLog.run(requestKeyOf(req, res, null), () => ({
      status: 201,
      body: service.checkoutCart(caller(res), param(req, 'customerId'), param(req, 'cartId')),
    })));
  });

  router.get('/v1/customers/:customerId/orders', function listOrders(req, res) {
    const query = req.query as ListOrdersQuery;
    res.status(200).json(
      service.listOrders(caller(res), param(req, 'customerId'), {
        includePrice: query.include_price === true,
        ...(query.billingType ? { billingCycle: query.billingType } : {}),
        ...(query.indirect_reseller_id ? { indirectResellerId: query.indirect_reseller_id } : {}),
      }),
    );
  });

  router.get('/v1/customers/:customerId/orders/:orderId', function getOrder(req, res) {
    const query = req.query as GetOrderQuery;
    res.status(200).json(service.getOrder(caller(res), param(req, 'customerId'), param(req, 'orderId'), { includePrice: query.include_price === true }));
  });

  return router;
}

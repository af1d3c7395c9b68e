// One thin handler per operationId: take the validated request apart, call the domain, answer.
import { Router, type Request, type Response } from 'express';
import type { Caller, CartInput, CartService } from '../domain/carts.ts';

function caller(res: Response): Caller {
  return res.locals['caller'] as Caller;
}

function param(req: Request, name: string): string {
  return String(req.params[name]);
}

export function cartApiRouter(service: CartService): Router {
  const router = Router({ strict: false });

  router.post('/v1/customers/:customerId/carts', function createCart(req, res) {
    res.status(201).json(service.createCart(caller(res), param(req, 'customerId'), req.body as CartInput));
  });

  router.get('/v1/customers/:customerId/carts/:cartId', function getCart(req, res) {
    res.status(200).json(service.getCart(caller(res), param(req, 'customerId'), param(req, 'cartId')));
  });

  router.put('/v1/customers/:customerId/carts/:cartId', function updateCart(req, res) {
    res.status(201).json(service.updateCart(caller(res), param(req, 'customerId'), param(req, 'cartId'), req.body as CartInput));
  });

  router.post('/v1/customers/:customerId/carts/:cartId/checkout', function checkoutCart(req, res) {
    res.status(201).json(service.checkoutCart(caller(res), param(req, 'customerId'), param(req, 'cartId')));
  });

  router.get('/v1/customers/:customerId/orders', function listOrders(req, res) {
    res.status(200).json(service.listOrders(caller(res), param(req, 'customerId')));
  });

  router.get('/v1/customers/:customerId/orders/:orderId', function getOrder(req, res) {
    res.status(200).json(service.getOrder(caller(res), param(req, 'customerId'), param(req, 'orderId')));
  });

  return router;
}

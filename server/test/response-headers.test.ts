// Every header the contract marks `required` in an answer is in that answer (MS-RequestId and
// MS-CorrelationId in all of them, ETag in carts), successes and errors alike, as a contract-test
// generator would check it.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { SpecIndex } from '../../openapi/spec-index.ts';
import { bundledSpec } from '../http/spec.ts';
import { useTestServer } from './hooks.ts';
import { cartPath, cartsPath, checkoutPath, CUSTOMER, e5Line, orderPath, ordersPath, type Reply } from './harness.ts';

const index = new SpecIndex(bundledSpec());

/** The headers the contract requires in the answer of `operationId` with `status`. */
function requiredHeaders(operationId: string, status: number): string[] {
  const operation = index.operation(operationId);
  if (!operation) throw new Error(`no operation ${operationId}`);
  const response = operation.responses.get(String(status));
  assert.ok(response, `${operationId} declares ${status}`);
  return Object.entries(response.node.headers ?? {})
    .filter(([, header]) => index.deref(header).node['required'] === true)
    .map(([name]) => name);
}

describe('headers the contract requires in answers', () => {
  const server = useTestServer({ rateLimitPerMinute: 0 }, { once: true });
  const seen: string[] = [];

  function check(operationId: string, reply: Reply, status: number): void {
    assert.equal(reply.status, status, `${operationId}: ${JSON.stringify(reply.body)}`);
    const required = requiredHeaders(operationId, status);
    for (const name of required) assert.ok(reply.headers.get(name), `${operationId} ${status} lacks ${name}`);
    seen.push(`${operationId} ${status}: ${required.join(', ')}`);
  }

  it('are sent by every operation, in successes and in errors', async () => {
    const created = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)] },
      headers: { 'MS-RequestId': 'headers-create' },
    });
    check('createCart', created, 201);
    check(
      'createCart',
      await server.call('POST', cartsPath(), {
        body: { lineItems: [e5Line(1)] },
        headers: { 'MS-RequestId': 'headers-create' },
      }),
      201,
    );
    check(
      'createCart',
      await server.call('POST', cartsPath(), {
        body: { lineItems: [e5Line(2)] },
        headers: { 'MS-RequestId': 'headers-create' },
      }),
      422,
    );
    check('createCart', await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(0)] } }), 400);
    check(
      'createCart',
      await server.call('POST', cartsPath(), { rawBody: 'lineItems', headers: { 'content-type': 'text/plain' } }),
      415,
    );
    check(
      'createCart',
      await server.call('POST', cartsPath(), {
        rawBody: JSON.stringify({ lineItems: [e5Line(1, { friendlyName: 'x'.repeat(2_000_000) })] }),
      }),
      413,
    );
    check(
      'createCart',
      await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers: { authorization: null } }),
      401,
    );
    const id = created.body.id;
    check('getCart', await server.call('GET', cartPath(id)), 200);
    check('getCart', await server.call('GET', cartPath('b4c8fdea-cbe4-4d17-9576-13fcacbf9605')), 404);
    check(
      'updateCart',
      await server.call('PUT', cartPath(id), { body: { lineItems: [e5Line(2)] }, headers: { 'If-Match': '"stale"' } }),
      412,
    );
    check(
      'updateCart',
      await server.call('PUT', cartPath(id), {
        body: { lineItems: [e5Line(2)] },
        headers: { 'MS-RequestId': 'headers-update' },
      }),
      201,
    );
    check(
      'updateCart',
      await server.call('PUT', cartPath(id), {
        body: { lineItems: [e5Line(2)] },
        headers: { 'MS-RequestId': 'headers-update' },
      }),
      201,
    );
    check('checkoutCart', await server.call('POST', checkoutPath(id), { headers: { Prefer: 'code=429' } }), 429);
    check('checkoutCart', await server.call('POST', checkoutPath(id), { headers: { Prefer: 'code=503' } }), 503);
    const checkout = await server.call('POST', checkoutPath(id));
    check('checkoutCart', checkout, 201);
    check('updateCart', await server.call('PUT', cartPath(id), { body: { lineItems: [e5Line(2)] } }), 400);
    const orderId = checkout.body.orders[0].id;
    check('listOrders', await server.call('GET', ordersPath()), 200);
    check('getOrder', await server.call('GET', orderPath(orderId)), 200);
    check('getOrder', await server.call('GET', orderPath('no-such-order')), 404);
    check('listProducts', await server.call('GET', '/v1/products?country=US&targetView=OnlineServices'), 200);
    check('listProducts', await server.call('GET', '/v1/products?country=ZZ&targetView=OnlineServices'), 403);
    check('getProduct', await server.call('GET', '/v1/products/NOSUCHPRODUCT?country=US'), 404);
    check('getCart', await headersTooLarge(server.baseUrl, cartPath(id)), 431);
    assert.ok(seen.length >= 20);
    assert.ok(
      seen.every((line) => /MS-RequestId, MS-CorrelationId/.test(line)),
      seen.join('\n'),
    );
    assert.ok(
      seen
        .filter(
          (line) =>
            line.startsWith('getCart 200') || line.startsWith('createCart 201') || line.startsWith('updateCart 201'),
        )
        .every((line) => line.includes('ETag')),
    );
  });
});

/** A request whose headers are over Node's limit, answered before Express sees it. */
function headersTooLarge(baseUrl: string, path: string): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const call = request(
      `${baseUrl}${path}`,
      { headers: { 'x-padding': 'x'.repeat(20_000), 'x-customer': CUSTOMER } },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () =>
          resolvePromise({
            status: response.statusCode ?? 0,
            headers: new Headers(response.headers as Record<string, string>),
            body: JSON.parse(text),
          }),
        );
      },
    );
    call.on('error', reject);
    call.end();
  });
}

// The client's retries against the real sandbox, its faults forced by the test controls' rules
// instead of a hand-written double: a 429 with Retry-After is waited out; a create whose answer is
// dropped after it committed is retried with the same MS-RequestId and leaves exactly one cart; two
// 503s on checkout, then success, leave one set of orders.
import assert from 'node:assert/strict';
import { createSandboxControls } from '../controls.ts';
import { createCartClient, unwrap } from '../index.ts';
import { CUSTOMER, PARTNER, TestServer, token } from '../../server/test/harness.ts';

const line = {
  catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
  quantity: 1,
  billingCycle: 'monthly',
  termDuration: 'P1M',
} as const;

describe('client retries against forced answers of the sandbox', () => {
  let server: TestServer;
  before(async () => {
    server = await new TestServer({ provisioningDelayMs: 0 }).start();
  });
  after(() => server.stop());

  const clients = () => {
    const options = { baseUrl: server.baseUrl, token: () => token(PARTNER) };
    return {
      api: createCartClient({ ...options, retry: { attempts: 4, baseDelayMs: 50 } }),
      controls: createSandboxControls(options),
    };
  };
  afterEach(async () => {
    await clients().controls.reset();
  });

  it('a forced 429 with Retry-After: 1 is waited out, then the call succeeds', async () => {
    const { api, controls } = clients();
    const cart = unwrap(await api.createCart(CUSTOMER, { lineItems: [line] }));
    unwrap(
      await controls.createRule({
        operationId: 'getCart',
        effect: { type: 'status', status: 429, retryAfterSeconds: 1 },
      }),
    );
    const started = Date.now();
    const read = unwrap(await api.getCart(CUSTOMER, cart.id));
    const waited = Date.now() - started;
    assert.equal(read.id, cart.id);
    assert.ok(waited >= 950, `waited ${waited} ms`);
    assert.equal(unwrap(await controls.listRules()).totalCount, 0, 'the rule is spent');
  });

  it('"apply, then drop the answer" on create: the retry with the same MS-RequestId is replayed, one cart exists', async () => {
    const { api, controls } = clients();
    unwrap(await controls.createRule({ operationId: 'createCart', effect: { type: 'dropAnswer' } }));
    const created = await api.createCart(CUSTOMER, { lineItems: [line] });
    assert.equal(created.response.status, 201);
    assert.equal(
      created.response.headers.get('Idempotent-Replayed'),
      'true',
      'the answer came from the recorded first attempt',
    );
    assert.deepEqual(unwrap(await controls.reset()), { carts: 1, orders: 0, recordedRequests: 1 });
  });

  it('two forced 503s on checkout, then success: one set of orders', async () => {
    const { api, controls } = clients();
    const cart = unwrap(await api.createCart(CUSTOMER, { lineItems: [line] }));
    unwrap(
      await controls.createRule({ operationId: 'checkoutCart', times: 2, effect: { type: 'status', status: 503 } }),
    );
    const result = unwrap(await api.checkoutCart(CUSTOMER, cart.id));
    assert.equal(result.orders.length, 1);
    assert.equal(unwrap(await api.listOrders(CUSTOMER)).totalCount, 1);
  });
});

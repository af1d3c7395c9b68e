// The client tells an application what the sandbox ignored of its request, on a success and on an
// error, without it reading headers: ignoredProperties(result) and CartApiError.ignoredProperties.
import assert from 'node:assert/strict';
import { CartApiError, createCartClient, ignoredProperties, unwrap, type CartLineItemRequest } from '../index.ts';
import { CUSTOMER, PARTNER, TestServer, token } from '../../server/test/harness.ts';

// What an untyped caller (or one building lines from loose data) sends: the types would refuse these names.
const misspelt = (line: Record<string, unknown>) => line as unknown as CartLineItemRequest;
const e5 = { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', billingCycle: 'monthly' };

describe('client: the properties the sandbox ignored', () => {
  let server: TestServer;
  before(async () => {
    server = await new TestServer().start();
  });
  after(() => server.stop());

  const client = () => createCartClient({ baseUrl: server.baseUrl, token: () => token(PARTNER), retry: false });

  it('on a success: the names, and the line error that says what was meant', async () => {
    const created = await client().createCart(CUSTOMER, {
      lineItems: [misspelt({ ...e5, quantity: 1, termDuraton: 'P1M' })],
    });
    assert.equal(created.response.status, 201);
    assert.deepEqual(ignoredProperties(created), ['body.lineItems[0].termDuraton']);
    assert.deepEqual(
      ignoredProperties(created.response),
      ['body.lineItems[0].termDuraton'],
      'from the Response alone too',
    );
    const cart = unwrap(created);
    assert.match(
      cart.lineItems[0]?.error?.errorDescription ?? '',
      /Did you mean termDuration\? \(termDuraton was ignored\)$/,
    );
  });

  it('on an error: the result, the thrown CartApiError and its data name them', async () => {
    const refused = await client().createCart(CUSTOMER, {
      lineItems: [misspelt({ ...e5, Quantitty: 5, termDuration: 'P1M' })],
    });
    assert.equal(refused.response.status, 400);
    assert.deepEqual(ignoredProperties(refused), ['body.lineItems[0].Quantitty']);
    assert.ok(refused.error && 'data' in refused.error);
    assert.ok(
      refused.error.data?.includes(
        'body.lineItems[0].Quantitty: is not a property of this request and was ignored; did you mean quantity?',
      ),
      JSON.stringify(refused.error.data),
    );
    assert.throws(
      () => unwrap(refused),
      (error: unknown) =>
        error instanceof CartApiError &&
        error.status === 400 &&
        error.ignoredProperties.length === 1 &&
        error.ignoredProperties[0] === 'body.lineItems[0].Quantitty',
    );
  });

  it('names ignored query parameters, and nothing when nothing was ignored', async () => {
    const api = client();
    const listed = await api.listOrders(CUSTOMER, { include_prices: true } as never);
    assert.equal(listed.response.status, 200);
    assert.deepEqual(ignoredProperties(listed), ['query.include_prices']);
    const clean = await api.createCart(CUSTOMER, {
      lineItems: [
        { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 1, billingCycle: 'monthly', termDuration: 'P1M' },
      ],
    });
    assert.equal(clean.response.status, 201);
    assert.deepEqual(ignoredProperties(clean), []);
    const missing = await api.getCart(CUSTOMER, '00000000-0000-4000-8000-000000000000');
    assert.throws(
      () => unwrap(missing),
      (error: unknown) => error instanceof CartApiError && error.status === 404 && error.ignoredProperties.length === 0,
    );
  });

  it('reads a header that left names out, and a service that sends none', () => {
    const header = (value: string) => new Response(null, { headers: { 'Sandbox-Ignored-Properties': value } });
    assert.deepEqual(ignoredProperties(header('body.a, body.lineItems[0].b (+11 more)')), [
      'body.a',
      'body.lineItems[0].b',
    ]);
    assert.deepEqual(ignoredProperties(header('query.x%20y')), ['query.x%20y']);
    assert.deepEqual(ignoredProperties(new Response(null)), []);
  });
});

// Every failure leaves as Partner Center's error body, with the right status and code, and changes nothing.
import assert from 'node:assert/strict';
import {
  cartPath,
  cartsPath,
  checkoutPath,
  CUSTOMER,
  e5Line,
  fieldsOf,
  OTHER_PARTNER,
  ordersPath,
  token,
} from './harness.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';

describe('errors over HTTP', () => {
  const server = useTestServer({ bodyLimitBytes: 4096 });

  describe('authentication (401 with WWW-Authenticate)', () => {
    const cases: [string, () => Promise<string | null>][] = [
      ['no Authorization header', async () => null],
      ['a Basic credential', async () => 'Basic dXNlcjpwYXNz'],
      ['a token that is not a JWT', async () => 'Bearer not-a-token'],
      ['an expired token', async () => `Bearer ${await token('5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b', 'u', '-1h')}`],
      [
        'a token signed with another secret',
        async () => {
          const { mintToken } = await import('../auth.ts');
          return `Bearer ${await mintToken({ secret: 'another-secret-another-secret-0123456789', tenantId: 't', userId: 'u' })}`;
        },
      ],
      [
        'an unsigned token (alg none)',
        async () => {
          const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
          return `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64({ tid: 't', exp: Math.floor(Date.now() / 1000) + 600 })}.`;
        },
      ],
    ];
    for (const [name, authorization] of cases) {
      it(name, async () => {
        const reply = await server.call('POST', cartsPath(), {
          body: { lineItems: [e5Line()] },
          headers: { authorization: await authorization() },
        });
        assert.equal(reply.status, 401);
        assert.match(reply.headers.get('www-authenticate') ?? '', /^Bearer/);
        assertErrorBody(reply.body, 800001);
      });
    }
  });

  it('an integer in the path written as anything but digits (a blank, hexadecimal, a fraction) is 400 naming the parameter, as "abc" is', async () => {
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line()] } });
    const orderId: string = (await server.call('POST', checkoutPath(cart.body.id))).body.orders[0].id;
    const links = (lineItemNumber: string) =>
      server.call('GET', `${ordersPath()}/${orderId}/lineitems/${lineItemNumber}/activationlinks`);
    assert.equal((await links('0')).status, 200, 'line 0 of the order exists');
    for (const written of ['%20', '0x0', '0.0', '%200', 'abc']) {
      const reply = await links(written);
      assert.equal(reply.status, 400, written);
      assertErrorBody(reply.body, 800002);
      assert.deepEqual(reply.body.data, ['path.lineItemNumber: must be integer'], written);
    }
  });

  it("another partner's cart and orders are 404 for every operation, exactly like missing ones, and stay unchanged", async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line()] } });
    const id = created.body.id;
    const other = { authorization: `Bearer ${await token(OTHER_PARTNER)}` };
    const missing = await server.call('GET', cartPath('00000000-0000-4000-8000-000000000000'));
    assert.equal(missing.status, 404);
    assertErrorBody(missing.body, 800008);
    for (const [method, path, body] of [
      ['GET', cartPath(id), undefined],
      ['PUT', cartPath(id), { lineItems: [e5Line(3)] }],
      ['POST', checkoutPath(id), undefined],
    ] as const) {
      const reply = await server.call(method, path, { body, headers: other });
      assert.equal(reply.status, 404, `${method} ${path}`);
      assertErrorBody(reply.body, 800008);
    }
    const ownOrder = await server.call('POST', checkoutPath(id));
    const orderId = ownOrder.body.orders[0].id;
    const foreignOrder = await server.call('GET', `${ordersPath()}/${orderId}`, { headers: other });
    assert.equal(foreignOrder.status, 404);
    assertErrorBody(foreignOrder.body, 20000);
    assert.equal((await server.call('GET', ordersPath(), { headers: other })).body.totalCount, 0);
    const after = await server.call('GET', cartPath(id));
    assert.equal(after.body.lineItems[0].quantity, 1);
  });

  it('a body that breaks the schema is 400 800002 naming every failing field', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: {
        lineItems: [
          { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 0, billingCycle: 'weekly', colour: 'red' },
        ],
      },
    });
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 800002);
    assert.deepEqual(fieldsOf(reply.body.data).sort(), [
      'body.lineItems[0].billingCycle',
      'body.lineItems[0].colour',
      'body.lineItems[0].quantity',
    ]);
    assert.match(
      reply.body.data.find((d: string) => d.startsWith('body.lineItems[0].quantity: ')),
      /must be >= 1/,
    );
    // An unknown property is no error of its own (Partner Center ignores it), but it is named.
    assert.equal(reply.body.data.at(-1), 'body.lineItems[0].colour: is not a property of this request and was ignored');
    assert.equal(reply.headers.get('sandbox-ignored-properties'), 'body.lineItems[0].colour');
  });

  it('a property sent twice under two spellings of its name is 400 naming the second, and creates nothing', async () => {
    await server.call('POST', '/sandbox/reset');
    const reply = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)], LineItems: [e5Line(2)] } });
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 800002);
    assert.deepEqual(reply.body.data, ['body.LineItems: is another spelling of a property already sent']);
    assert.equal((await server.call('POST', '/sandbox/reset')).body.carts, 0, 'no cart was created');
  });

  it('a date-time that cannot exist (hour 25, 30 February, month 13) is 400 naming it', async () => {
    for (const value of ['2026-01-01T25:00:00Z', '2026-02-30T10:00:00Z', '2026-13-01T00:00:00Z']) {
      const reply = await server.call('POST', cartsPath(), {
        body: { lineItems: [e5Line(1, { customTermEndDate: value })] },
      });
      assert.equal(reply.status, 400, value);
      assertErrorBody(reply.body, 800002);
      assert.deepEqual(fieldsOf(reply.body.data), ['body.lineItems[0].customTermEndDate'], value);
    }
  });

  it('an invalid customer id in the path is 400 naming the parameter', async () => {
    const reply = await server.call('GET', cartsPath('not-a-guid').replace('/carts', '/orders'));
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 800002);
    assert.ok(fieldsOf(reply.body.data).includes('path.customerId'), JSON.stringify(reply.body.data));
  });

  it('repeated line ids are no error: the lines are numbered in order, add-ons included', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1, { id: 4 }), e5Line(2, { id: 4 }), e5Line(3, { id: 9 })] },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.deepEqual(
      reply.body.lineItems.map((line: { id: number }) => line.id),
      [0, 1, 2],
    );
    const unique = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1, { id: 4 }), e5Line(2), e5Line(3, { id: 0 })] },
    });
    assert.deepEqual(
      unique.body.lineItems.map((line: { id: number }) => line.id),
      [4, 1, 0],
      'unique ids are kept; a line without one gets the lowest free id',
    );
  });

  it('a request header that breaks its schema is 400 naming the header', async () => {
    const reply = await server.call('GET', ordersPath(), { headers: { 'ms-requestid': 'has a space' } });
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 800002);
    assert.deepEqual(fieldsOf(reply.body.data), ['header.ms-requestid']);
    assert.match(reply.headers.get('ms-requestid') ?? '', /^[0-9a-f-]{36}$/); // not echoed: a new id is made
  });

  it('malformed JSON is 400 800002', async () => {
    const reply = await server.call('POST', cartsPath(), { rawBody: '{"lineItems": [' });
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 800002);
  });

  it('a body that is not JSON is 415', async () => {
    const reply = await server.call('POST', cartsPath(), {
      rawBody: 'lineItems=1',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(reply.status, 415);
    assertErrorBody(reply.body, 415);
  });

  it('a body over the limit is 413', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1, { friendlyName: 'x'.repeat(5000) })] },
    });
    assert.equal(reply.status, 413);
    assertErrorBody(reply.body, 413);
  });

  it('an unknown route is 404 and a wrong method 405, in the same body, never HTML', async () => {
    const unknown = await server.call('GET', `/v1/customers/${CUSTOMER}/baskets`);
    assert.equal(unknown.status, 404);
    assertErrorBody(unknown.body, 404);
    assert.equal(unknown.body.description, `No such route: GET /v1/customers/${CUSTOMER}/baskets.`);
    const wrongMethod = await server.call('DELETE', cartPath('00000000-0000-4000-8000-000000000000'));
    assert.equal(wrongMethod.status, 405);
    assertErrorBody(wrongMethod.body, 405);
    const outside = await server.call('GET', '/nothing-here');
    assert.equal(outside.status, 404);
    assertErrorBody(outside.body, 404);
  });

  it('echoes MS-RequestId, MS-CorrelationId and X-Locale, and makes the ids up when absent', async () => {
    const sent = await server.call('GET', ordersPath(), {
      headers: { 'ms-requestid': 'req-1', 'ms-correlationid': 'corr-1', 'x-locale': 'fr-FR' },
    });
    assert.equal(sent.headers.get('ms-requestid'), 'req-1');
    assert.equal(sent.headers.get('ms-correlationid'), 'corr-1');
    assert.equal(sent.headers.get('x-locale'), 'fr-FR');
    const made = await server.call('GET', ordersPath(), { headers: { authorization: null } });
    assert.match(made.headers.get('ms-requestid') ?? '', /^[0-9a-f-]{36}$/);
    assert.match(made.headers.get('ms-correlationid') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('serves the documentation, the bundled spec, its YAML source and a health check', async () => {
    const docs = await server.call('GET', '/docs', { headers: { authorization: null } });
    assert.equal(docs.status, 200);
    assert.match(String(docs.body), /Partner Center Cart API/);
    const spec = await server.call('GET', '/openapi.json', { headers: { authorization: null } });
    assert.equal(spec.body.openapi, '3.1.0');
    const yaml = await server.call('GET', '/openapi.yaml', { headers: { authorization: null } });
    assert.match(String(yaml.body), /^openapi: 3\.1\.0/);
    const health = await server.call('GET', '/health', { headers: { authorization: null } });
    assert.deepEqual(health.body, { status: 'ok' });
  });
});

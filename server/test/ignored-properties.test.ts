// A misspelt property over HTTP: Partner Center ignores it, so the sandbox does too, but says so
// where a caller looks: in the data of a 400 answer and in the line error it causes, with the
// declared name it is nearest to. Answers are validated against the spec by the test server.
import assert from 'node:assert/strict';
import { cartPath, cartsPath, e5Line, fieldsOf, ordersPath } from './harness.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';

const e5 = { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', billingCycle: 'monthly' };

describe('ignored properties named in the answer body', () => {
  const server = useTestServer({}, { once: true });

  it('a 400 names the misspelt property and the one it likely means (Quantitty)', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [{ ...e5, Quantitty: 5, termDuration: 'P1M' }] },
    });
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 800002);
    assert.deepEqual(reply.body.data, [
      "body.lineItems[0].quantity: must have required property 'quantity'",
      'body.lineItems[0].Quantitty: is not a property of this request and was ignored; did you mean quantity?',
    ]);
    assert.equal(reply.headers.get('sandbox-ignored-properties'), 'body.lineItems[0].Quantitty');
  });

  it('a 201 line error caused by a misspelt property says so (termDuraton), and so does the cart read later', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [{ ...e5, quantity: 1, termDuraton: 'P1M' }] },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.headers.get('sandbox-ignored-properties'), 'body.lineItems[0].termDuraton');
    const { error } = reply.body.lineItems[0];
    assert.equal(error.errorCode, 10010);
    assert.match(
      error.errorDescription,
      /requires a termDuration .* Did you mean termDuration\? \(termDuraton was ignored\)$/,
    );
    const read = await server.call('GET', cartPath(reply.body.id));
    assert.deepEqual(read.body.lineItems[0].error, error, 'the line keeps its error as answered');
    assert.equal(read.headers.get('etag'), reply.headers.get('etag'));
  });

  it('an add-on line and an update are read the same way', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const reply = await server.call('PUT', cartPath(created.body.id), {
      body: {
        lineItems: [
          {
            ...e5Line(1),
            addonItems: [
              {
                catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
                quantity: 1,
                billingCycle: 'monthly',
                TermDuratoin: 'P1M',
              },
            ],
          },
        ],
      },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.match(
      reply.body.lineItems[0].addonItems[0].error.errorDescription,
      /Did you mean termDuration\? \(TermDuratoin was ignored\)$/,
    );
  });

  it('names every ignored property of a refused request, with a suggestion only where one is close', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [{ ...e5Line(0), TargetId: 't-1', friendlyNme: 'x' }] },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(fieldsOf(reply.body.data), [
      'body.lineItems[0].quantity',
      'body.lineItems[0].TargetId',
      'body.lineItems[0].friendlyNme',
    ]);
    assert.equal(reply.body.data[1], 'body.lineItems[0].TargetId: is not a property of this request and was ignored');
    assert.equal(
      reply.body.data[2],
      'body.lineItems[0].friendlyNme: is not a property of this request and was ignored; did you mean friendlyName?',
    );
  });

  it('names an ignored query parameter in the 400 of a bad one', async () => {
    const reply = await server.call('GET', `${ordersPath()}?include_prices=true&billingType=weekly`);
    assert.equal(reply.status, 400);
    assert.deepEqual(fieldsOf(reply.body.data), ['query.billingType', 'query.include_prices']);
    assert.match(reply.body.data[1], /^query\.include_prices: .*; did you mean include_price\?$/);
  });

  it('a request without typos has no such entry, and its line errors no such sentence', async () => {
    const refused = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(0)] } });
    assert.equal(refused.status, 400);
    assert.deepEqual(fieldsOf(refused.body.data), ['body.lineItems[0].quantity']);
    assert.equal(refused.headers.get('sandbox-ignored-properties'), null);
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [{ ...e5, quantity: 1 }] } });
    assert.equal(created.status, 201);
    assert.equal(created.body.lineItems[0].error.errorCode, 10010);
    assert.ok(
      !created.body.lineItems[0].error.errorDescription.includes('Did you mean'),
      created.body.lineItems[0].error.errorDescription,
    );
  });

  it('a misspelling of another property than the missing one leaves the line error as it was', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [{ ...e5, quantity: 1, friendlyNam: 'x' }] },
    });
    assert.equal(reply.status, 201);
    assert.equal(reply.body.lineItems[0].error.errorCode, 10010);
    assert.ok(!reply.body.lineItems[0].error.errorDescription.includes('Did you mean'));
  });

  it('a success has no body entry for them: only the header names them', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [{ ...e5Line(1), purchaseSytem: 'x' }] },
    });
    assert.equal(reply.status, 201);
    assert.equal(reply.body.lineItems[0].error, undefined);
    assert.ok(!JSON.stringify(reply.body).includes('purchaseSytem'));
  });

  it('other errors than 400 do not carry them', async () => {
    const reply = await server.call('GET', `${cartPath('00000000-0000-4000-8000-000000000000')}?colour=red`);
    assert.equal(reply.status, 404);
    assert.deepEqual(reply.body.data, []);
    assert.equal(reply.headers.get('sandbox-ignored-properties'), null);
  });

  it("keeps data within the spec's bounds for many or very long ignored names", async () => {
    const line: Record<string, unknown> = { ...e5Line(0), [`x${'y'.repeat(5000)}`]: 1 };
    for (let n = 0; n < 150; n++) line[`extra${n}`] = n;
    const reply = await server.call('POST', cartsPath(), { body: { lineItems: [line] } });
    assert.equal(reply.status, 400, JSON.stringify(reply.body).slice(0, 500));
    assert.equal(reply.body.data.length, 100);
    assert.ok(reply.body.data.every((entry: string) => entry.length <= 1024));
    // Cut as in the header: the path to 200 characters.
    assert.match(
      reply.body.data[1],
      /^body\.lineItems\[0\]\.xy{181}\.\.\.: is not a property of this request and was ignored$/,
    );
    assert.equal(reply.body.data[99], 'request: 53 more entries left out');
  });
});

describe('ignored properties in strict mode (UNKNOWN_PROPERTIES=refuse)', () => {
  const strict = useTestServer({ unknownProperties: 'refuse' }, { once: true });

  it('refuses them as before, each named once, with a suggestion where one is close', async () => {
    const reply = await strict.call('POST', cartsPath(), {
      body: { lineItems: [{ ...e5, Quantitty: 5, termDuration: 'P1M', TargetId: 't' }] },
    });
    assert.equal(reply.status, 400);
    assertErrorBody(reply.body, 800002);
    assert.match(reply.body.description, /UNKNOWN_PROPERTIES=refuse/);
    assert.deepEqual(reply.body.data, [
      'body.lineItems[0].Quantitty: is not a property of this request; did you mean quantity?',
      'body.lineItems[0].TargetId: is not a property of this request',
    ]);
    assert.equal((await strict.call('POST', '/sandbox/reset')).body.carts, 0, 'no cart was created');
  });

  it('a property sent twice is refused naming the ignored ones too', async () => {
    const reply = await strict.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)], LineItems: [e5Line(2)], colour: 'red' },
    });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.data, [
      'body.LineItems: is another spelling of a property already sent',
      'body.colour: is not a property of this request',
    ]);
  });
});

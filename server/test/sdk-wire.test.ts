// What Microsoft's own clients put on the wire (../shared/reference/sdk-wire.md) is accepted as Partner
// Center accepts it: the .NET SDK's create body, its GET-change-PUT echo, the checkout body "success",
// the orders query as the SDKs write it; an unknown property is ignored but named, or refused in strict mode.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { countRows } from './db-digest.ts';
import { cartPath, cartsPath, checkoutPath, e5Line, fieldsOf, ordersPath, TestServer } from './harness.ts';
import { dotnetEcho } from './sdk-shapes.ts';

const fixtures = join(import.meta.dirname, '..', '..', 'openapi', 'test', 'fixtures', 'sdk');
const dotnetCreate = JSON.parse(readFileSync(join(fixtures, 'dotnet-create-cart.request.json'), 'utf8'));

describe('what Microsoft SDKs send', () => {
  const logLines: any[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({ write: (chunk, _encoding, done) => (logLines.push(JSON.parse(String(chunk))), done()) }),
  );
  const server = new TestServer({ logger });
  before(() => server.start());
  after(() => server.stop());

  it('the .NET SDK round trip: create with its body, GET, change a quantity, PUT the PascalCase echo, check out with "success"', async () => {
    const created = await server.call('POST', cartsPath(), { body: dotnetCreate });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(
      created.headers.get('sandbox-ignored-properties'),
      null,
      'every property of the SDK body is one the spec declares',
    );
    assert.deepEqual(
      created.body.lineItems.map((line: any) => [line.id, line.catalogItemId, line.quantity, line.billingCycle]),
      [[0, 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', 5, 'monthly']],
    );
    assert.equal(created.body.lineItems[0].error, undefined);
    assert.notEqual(created.body.expirationTimestamp, '0001-01-01T00:00:00');

    const read = await server.call('GET', cartPath(created.body.id));
    const echo = dotnetEcho({
      ...read.body,
      lineItems: read.body.lineItems.map((line: any) => ({ ...line, quantity: 7 })),
    });
    const updated = await server.call('PUT', cartPath(created.body.id), { body: echo });
    assert.equal(updated.status, 201, JSON.stringify(updated.body));
    assert.equal(updated.headers.get('sandbox-ignored-properties'), null);
    assert.equal(updated.body.lineItems[0].quantity, 7);
    assert.equal(
      updated.body.expirationTimestamp,
      created.body.expirationTimestamp,
      'the zero ExpirationTimestamp the SDK sends back is ignored',
    );
    assert.equal(updated.body.status, 'Active');

    const checkout = await server.call('POST', checkoutPath(created.body.id), { rawBody: '"success"' });
    assert.equal(checkout.status, 201, JSON.stringify(checkout.body));
    assert.equal(checkout.body.orders.length, 1);
    assert.equal(checkout.body.orders[0].lineItems[0].quantity, 7);
    assert.equal((await server.call('GET', cartPath(created.body.id))).body.status, 'Ordered');
  });

  it('checkout takes no body, {}, or any JSON value, and ignores it; a retry with another body is the same request', async () => {
    for (const rawBody of [undefined, '{}', '"success"', 'null', '[1,2]']) {
      const cart = (await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } })).body;
      const reply = await server.call('POST', checkoutPath(cart.id), rawBody === undefined ? {} : { rawBody });
      assert.equal(reply.status, 201, `${rawBody}: ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.orders.length, 1, String(rawBody));
    }
    const cart = (await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } })).body;
    const headers = { 'ms-requestid': 'checkout-any-body-1', 'x-ms-customeruser-upn': 'admin@contoso.onmicrosoft.com' };
    const first = await server.call('POST', checkoutPath(cart.id), { rawBody: '"success"', headers });
    const retry = await server.call('POST', checkoutPath(cart.id), { rawBody: '{}', headers });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(retry.body, first.body);
  });

  it('lines whose ids were never set (the SDKs send 0 for each) are numbered in order, add-ons included', async () => {
    const legacyBase = {
      Id: 0,
      CatalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239',
      Quantity: 3,
      BillingCycle: 'Monthly',
    };
    const addon = {
      Id: 0,
      CatalogItemId: 'C94271D8-B431-4A25-A3C5-A57737A1C909',
      Quantity: 2,
      BillingCycle: 'Monthly',
    };
    const reply = await server.call('POST', cartsPath(), {
      body: {
        LineItems: [
          { ...legacyBase, AddonItems: [addon, addon] },
          { ...e5Line(1), id: 0 },
        ],
      },
    });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.deepEqual(
      reply.body.lineItems.map((line: any) => [line.id, (line.addonItems ?? []).map((a: any) => a.id)]),
      [
        [0, [1, 2]],
        [3, []],
      ],
    );
  });

  it('the orders query as the SDKs write it: include_price=True, billingType=Monthly or OneTime, getOrder include_price=False', async () => {
    const customer = 'a0a0a0a0-0000-4000-8000-00000000c0de';
    const cart = (await server.call('POST', cartsPath(customer), { body: { lineItems: [e5Line(2)] } })).body;
    const order = (await server.call('POST', checkoutPath(cart.id, customer))).body.orders[0];
    assert.equal(order.totalPrice, 72.96, 'the checkout answer carries prices, as the published examples do');

    const priced = await server.call('GET', `${ordersPath(customer)}?include_price=True&billingType=Monthly`);
    assert.equal(priced.status, 200, JSON.stringify(priced.body));
    assert.equal(priced.body.totalCount, 1);
    assert.equal(priced.body.items[0].totalPrice, 72.96);
    assert.equal(priced.body.items[0].lineItems[0].pricing.extendedPrice, 72.96);

    const plain = await server.call('GET', ordersPath(customer));
    assert.equal(plain.body.items[0].totalPrice, undefined, 'without include_price: no prices');
    assert.equal(plain.body.items[0].lineItems[0].pricing, undefined);
    assert.equal((await server.call('GET', `${ordersPath(customer)}?billingType=OneTime`)).body.totalCount, 0);
    assert.equal(
      (await server.call('GET', `${ordersPath(customer)}?billingType=onetime&include_system_purchases=False`)).body
        .totalCount,
      0,
    );

    const one = await server.call('GET', `${ordersPath(customer)}/${order.id}?include_price=False`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.totalPrice, undefined);
    assert.equal(
      (await server.call('GET', `${ordersPath(customer)}/${order.id}?include_price=true`)).body.totalPrice,
      72.96,
    );
  });

  it('filters orders by indirect reseller, and refuses a query value outside its set with 400 naming it', async () => {
    const customer = 'a0a0a0a0-0000-4000-8000-00000000beef';
    const resold = { ...e5Line(1), participants: [{ key: 'transaction_reseller', value: '5357564' }] };
    for (const line of [resold, e5Line(1)]) {
      const cart = (await server.call('POST', cartsPath(customer), { body: { lineItems: [line] } })).body;
      assert.equal((await server.call('POST', checkoutPath(cart.id, customer))).status, 201);
    }
    assert.equal((await server.call('GET', ordersPath(customer))).body.totalCount, 2);
    const forReseller = await server.call('GET', `${ordersPath(customer)}?indirect_reseller_id=5357564`);
    assert.equal(forReseller.body.totalCount, 1);
    assert.equal(forReseller.body.items[0].lineItems[0].partnerIdOnRecord, '5357564');
    for (const [query, field] of [
      ['billingType=weekly', 'query.billingType'],
      ['include_price=maybe', 'query.include_price'],
    ] as const) {
      const refused = await server.call('GET', `${ordersPath(customer)}?${query}`);
      assert.equal(refused.status, 400, query);
      assert.equal(refused.body.code, 800002);
      assert.deepEqual(fieldsOf(refused.body.data), [field], JSON.stringify(refused.body.data));
    }
  });

  it('properties Partner Center does not use are ignored, and each is named in the answer and the log line', async () => {
    logLines.length = 0;
    const body = {
      ...dotnetCreate,
      AudienceClaimHeader: 'aud',
      LineItems: [{ ...dotnetCreate.LineItems[0], TargetId: 't-1', coterminousSubscriptionId: null, Quantitty: 3 }],
    };
    const reply = await server.call('POST', cartsPath(), { body, headers: { 'ms-requestid': 'ignored-properties-1' } });
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    // In the order of the body: AudienceClaimHeader comes after LineItems in it.
    assert.equal(
      reply.headers.get('sandbox-ignored-properties'),
      'body.lineItems[0].TargetId, body.lineItems[0].Quantitty, body.AudienceClaimHeader',
    );
    assert.equal(reply.body.lineItems[0].quantity, 5, 'a misspelt property changes nothing');
    const line = logLines.find((entry) => entry.msg === 'request' && entry.requestId === 'ignored-properties-1');
    assert.deepEqual(line?.ignoredProperties, [
      'body.lineItems[0].TargetId',
      'body.lineItems[0].Quantitty',
      'body.AudienceClaimHeader',
    ]);
    const query = await server.call('GET', `${ordersPath()}?include_prices=true`);
    assert.equal(query.status, 200);
    assert.equal(query.headers.get('sandbox-ignored-properties'), 'query.include_prices');
  });

  it('names many or very long ignored properties within a header size every client reads', async () => {
    const body: Record<string, unknown> = { lineItems: [e5Line(1)], [`x${'y'.repeat(5000)}`]: 1 };
    for (let n = 0; n < 30; n++) body[`extra${n}`] = n;
    const reply = await server.call('POST', cartsPath(), { body });
    assert.equal(reply.status, 201);
    const header = reply.headers.get('sandbox-ignored-properties') ?? '';
    assert.ok(header.length < 1200, `${header.length} characters`);
    assert.match(header, /^body\.xy{194}\.\.\., body\.extra0, .* \(\+11 more\)$/);
  });

  it('tolerance is not leniency: wrong types, bad values and malformed JSON are still refused and change nothing', async () => {
    const before = (await server.call('GET', ordersPath())).body.totalCount;
    const cases: [string, string][] = [
      [
        JSON.stringify({ LineItems: [{ ...dotnetCreate.LineItems[0], Quantity: 'five' }] }),
        'body.lineItems[0].quantity',
      ],
      [JSON.stringify({ LineItems: [{ ...dotnetCreate.LineItems[0], Quantity: 0 }] }), 'body.lineItems[0].quantity'],
      [
        JSON.stringify({ LineItems: [{ ...dotnetCreate.LineItems[0], BillingCycle: 'Weekly' }] }),
        'body.lineItems[0].billingCycle',
      ],
      [JSON.stringify({ LineItems: null }), 'body.lineItems'],
      ['"success"', 'body'],
    ];
    for (const [rawBody, field] of cases) {
      const reply = await server.call('POST', cartsPath(), { rawBody });
      assert.equal(reply.status, 400, rawBody);
      assert.equal(reply.body.code, 800002, rawBody);
      assert.ok(
        fieldsOf(reply.body.data).some((name) => name.startsWith(field)),
        `${rawBody}: ${JSON.stringify(reply.body.data)}`,
      );
    }
    const malformed = await server.call('POST', cartsPath(), { rawBody: '{"LineItems": [' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.code, 800002);
    const unknownItem = await server.call('POST', cartsPath(), {
      body: { LineItems: [{ ...dotnetCreate.LineItems[0], CatalogItemId: 'CFQ7TTC0XXXX:0001:CFQ7TTC0YYYY' }] },
    });
    assert.equal(unknownItem.body.lineItems[0].error.errorCode, 10001, 'an unknown item is still a line error');
    assert.equal((await server.call('GET', ordersPath())).body.totalCount, before);
  });

  describe('in strict mode (UNKNOWN_PROPERTIES=refuse)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strict-test-'));
    const databasePath = join(dir, 'carts.db');
    const strict = new TestServer({ unknownProperties: 'refuse', databasePath });
    before(() => strict.start());
    after(async () => {
      await strict.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('refuses an unknown property or query parameter with 400 naming each, and creates nothing', async () => {
      const body = {
        ...dotnetCreate,
        AudienceClaimHeader: 'aud',
        LineItems: [{ ...dotnetCreate.LineItems[0], TargetId: 't-1' }],
      };
      const reply = await strict.call('POST', cartsPath(), { body, headers: { 'ms-requestid': 'strict-1' } });
      assert.equal(reply.status, 400);
      assert.equal(reply.body.code, 800002);
      assert.deepEqual(fieldsOf(reply.body.data), ['body.lineItems[0].TargetId', 'body.AudienceClaimHeader']);
      assert.equal(countRows(databasePath, 'carts'), 0);
      const query = await strict.call('GET', `${ordersPath()}?include_prices=true`);
      assert.equal(query.status, 400);
      assert.deepEqual(fieldsOf(query.body.data), ['query.include_prices']);
    });

    it('still takes what the spec declares, the .NET SDK body and its nulls included', async () => {
      const reply = await strict.call('POST', cartsPath(), { body: dotnetCreate });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
    });
  });
});

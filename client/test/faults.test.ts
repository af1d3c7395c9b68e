// Fault behaviour of the client against a small test double on loopback: 429 with Retry-After, 503,
// a dropped connection, a hang; retries, their waits and bounds, the same MS-RequestId on every
// attempt of a call and a new one for the next call, and no retry on 400/401/404.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCartClient, type RetryPolicy } from '../index.ts';

const CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';
type Behaviour = (req: IncomingMessage, res: ServerResponse, attempt: number) => void;

describe('client fault handling', () => {
  let server: Server;
  let baseUrl: string;
  let script: Behaviour[];
  let seen: { requestId: string | undefined; authorization: string | undefined; body: string }[];
  let waits: number[];

  beforeEach(async () => {
    script = [];
    seen = [];
    waits = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({
          requestId: req.headers['ms-requestid'] as string | undefined,
          authorization: req.headers.authorization,
          body,
        });
        const behaviour = script[seen.length - 1] ?? ok;
        behaviour(req, res, seen.length);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const ok: Behaviour = (_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ totalCount: 0, items: [], attributes: { objectType: 'Collection' } }));
  };
  const status =
    (code: number, headers: Record<string, string> = {}): Behaviour =>
    (_req, res) => {
      res
        .writeHead(code, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify({ code: 800003, description: 'x', data: [], source: 'double' }));
    };
  const drop: Behaviour = (req) => req.socket.destroy();
  const hang: Behaviour = () => {};

  const client = (retry: RetryPolicy | false = { attempts: 4, baseDelayMs: 100 }, timeoutMs = 2000) => {
    let n = 0;
    return createCartClient({
      baseUrl,
      token: () => `token-${++n}`,
      retry,
      timeoutMs,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
      random: () => 1,
    });
  };

  it('waits what Retry-After says on 429, then succeeds, with the same MS-RequestId and a fresh token each attempt', async () => {
    script = [status(429, { 'Retry-After': '3' }), ok];
    const result = await client().listOrders(CUSTOMER);
    assert.equal(result.response.status, 200);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]!.requestId, seen[1]!.requestId);
    assert.deepEqual(
      seen.map((s) => s.authorization),
      ['Bearer token-1', 'Bearer token-2'],
    );
    assert.deepEqual(waits, [3000]);
  });

  it('retries 503 and a dropped connection with exponential backoff, resending the same body', async () => {
    script = [status(503), drop, ok];
    const result = await client().createCart(CUSTOMER, {
      lineItems: [{ catalogItemId: 'X:1:2', quantity: 1, billingCycle: 'monthly' }],
    });
    assert.equal(result.response.status, 200);
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen.map((s) => s.requestId)).size, 1);
    assert.equal(new Set(seen.map((s) => s.body)).size, 1);
    assert.deepEqual(waits, [100, 200]);
  });

  it('gives up after the number of attempts, answering the last response', async () => {
    script = [status(503), status(503), status(503), status(503), ok];
    const result = await client({ attempts: 3, baseDelayMs: 10 }).listOrders(CUSTOMER);
    assert.equal(result.response.status, 503);
    assert.equal(seen.length, 3);
  });

  it('times out a hanging attempt and retries it', async () => {
    script = [hang, ok];
    const result = await client({ attempts: 2, baseDelayMs: 10 }, 300).listOrders(CUSTOMER);
    assert.equal(result.response.status, 200);
    assert.equal(seen.length, 2);
  });

  it('never retries 400, 401 or 404', async () => {
    for (const code of [400, 401, 404]) {
      seen = [];
      script = [status(code), ok];
      const result = await client().listOrders(CUSTOMER);
      assert.equal(result.response.status, code);
      assert.equal(seen.length, 1, `status ${code}`);
    }
  });

  it('uses a new MS-RequestId for the next call', async () => {
    const api = client();
    await api.listOrders(CUSTOMER);
    await api.listOrders(CUSTOMER);
    assert.notEqual(seen[0]!.requestId, seen[1]!.requestId);
  });

  it('does not retry when retries are off', async () => {
    script = [status(503), ok];
    const result = await client(false).listOrders(CUSTOMER);
    assert.equal(result.response.status, 503);
    assert.equal(seen.length, 1);
  });
});

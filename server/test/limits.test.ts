// Limits a client cannot push the server past: per-partner throttling (429 with Retry-After and
// Partner Center's throttling body), lines per cart, header size.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { RateLimiter } from '../http/rate-limit.ts';
import { SpecValidator } from '../../openapi/test/spec.ts';
import { cartPath, cartsPath, e5Line, OTHER_PARTNER, token } from './harness.ts';
import { useTestServer } from './hooks.ts';
import spec from '../../generated/openapi.json' with { type: 'json' };

describe('per-partner throttling', () => {
  const server = useTestServer({ rateLimitPerMinute: 5 });

  it('answers 429 with Retry-After and the throttling body once the partner has used its minute, and writes nothing', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(1)] } });
    assert.equal(created.status, 201);
    for (let i = 0; i < 4; i++) assert.equal((await server.call('GET', cartPath(created.body.id))).status, 200);

    const throttled = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(2)] } });
    assert.equal(throttled.status, 429);
    const retryAfter = Number(throttled.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 12,
      `Retry-After ${retryAfter}: one request refills in 12 s at 5 a minute`,
    );
    assert.deepEqual(throttled.body, {
      statusCode: 429,
      message: `Rate limit is exceeded. Try again in ${retryAfter} seconds.`,
    });
    const validator = new SpecValidator(spec);
    assert.deepEqual(validator.errors('#/components/schemas/Throttling', throttled.body), []);
    assert.ok(throttled.headers.get('ms-requestid'), 'still echoes the request id');

    // Another partner has its own allowance.
    const other = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)] },
      headers: { authorization: `Bearer ${await token(OTHER_PARTNER)}` },
    });
    assert.equal(other.status, 201);
  });

  it("refills continuously: a request a minute per bucket slot, bursts up to a minute's worth", () => {
    let now = 0;
    const limiter = new RateLimiter(60, () => now); // one a second
    for (let i = 0; i < 60; i++) assert.equal(limiter.take('p'), 0, `burst request ${i}`);
    assert.equal(limiter.take('p'), 1, 'empty: wait one second');
    now += 500;
    assert.equal(limiter.take('p'), 1, 'half a token is not enough; still about a second');
    now += 600;
    assert.equal(limiter.take('p'), 0);
    assert.equal(limiter.take('q'), 0, 'other partners are not affected');
    now += 3_600_000;
    for (let i = 0; i < 60; i++)
      assert.equal(limiter.take('p'), 0, 'an idle hour refills the bucket, and no more than full');
    assert.ok(limiter.take('p') > 0);
  });
});

describe('size limits', () => {
  const server = useTestServer();

  it('a cart holds at most 100 lines, add-ons included', async () => {
    const line = (addons: number) => ({ ...e5Line(1), addonItems: Array.from({ length: addons }, () => e5Line(1)) });
    // 60 top-level lines with 41 add-ons among them: within every array limit, 101 lines in all.
    const lineItems = [line(41), ...Array.from({ length: 59 }, () => line(0))];
    const refused = await server.call('POST', cartsPath(), { body: { lineItems } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 800002);
    assert.deepEqual(refused.body.data, ['body.lineItems: must hold at most 100 lines, add-ons included (101 sent)']);
    const accepted = await server.call('POST', cartsPath(), { body: { lineItems: lineItems.slice(0, 59) } });
    assert.equal(accepted.status, 201);
  });

  it("headers larger than 16 KiB get 431 with Partner Center's error body", async () => {
    const { baseUrl } = server;
    const reply = await new Promise<{ status: number; body: string; type: string | undefined }>((resolve, reject) => {
      const req = request(`${baseUrl}${cartsPath()}`, { headers: { 'x-padding': 'a'.repeat(20_000) } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(reply.status, 431);
    assert.match(reply.type ?? '', /^application\/json/);
    const body = JSON.parse(reply.body);
    assert.deepEqual(new SpecValidator(spec).errors('#/components/schemas/Error', body), []);
    assert.equal(body.code, 431);
    // The server goes on answering.
    assert.equal((await server.call('GET', cartsPath().replace('/carts', '/orders'))).status, 200);
  });

  it("a request that is not HTTP at all gets 400 with Partner Center's error body", async () => {
    const { port } = new URL(server.baseUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => (text += chunk));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(new SpecValidator(spec).errors('#/components/schemas/Error', body), []);
    assert.equal(body.code, 800002);
  });
});

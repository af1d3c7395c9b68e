// What a person or a web page meets first: `/` leads to the documentation, the favicon exists, and a
// page on an allowed origin can call the API from a browser (CORS), its preflight answered before
// authentication.
import assert from 'node:assert/strict';
import { EXPOSED_HEADERS, methodsOf, originAllowed } from '../http/cross-origin.ts';
import { bundledSpec } from '../http/spec.ts';
import { cartsPath, e5Line, TestServer } from './harness.ts';
import { useTestServer } from './hooks.ts';

describe('a browser meeting the sandbox', () => {
  const server = useTestServer({}, { once: true });

  it('/ redirects to /docs, and /favicon.ico is an icon', async () => {
    const root = await fetch(`${server.baseUrl}/`, { redirect: 'manual' });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get('location'), '/docs');
    const icon = await fetch(`${server.baseUrl}/favicon.ico`);
    assert.equal(icon.status, 200);
    assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
    assert.match(await icon.text(), /^<svg /);
  });

  it('answers the preflight of a page on a loopback origin before authentication, allowing the call', async () => {
    const preflight = await fetch(`${server.baseUrl}${cartsPath()}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, ms-requestid',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/i);
  });

  it('allows in a preflight every method the API and the test controls use: PATCH cancels an order, DELETE removes rules', async () => {
    const preflight = await fetch(`${server.baseUrl}/v1/customers/${crypto.randomUUID()}/orders/1`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PATCH' },
    });
    assert.equal(preflight.status, 204);
    const allowed = (preflight.headers.get('access-control-allow-methods') ?? '').split(',');
    assert.deepEqual(allowed, ['DELETE', 'GET', 'PATCH', 'POST', 'PUT']);
    assert.deepEqual(methodsOf([bundledSpec()]), ['GET', 'PATCH', 'POST', 'PUT']);
  });

  it('lets the page read the answer headers clients use', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)] },
      headers: { origin: 'http://127.0.0.1:8080' },
    });
    assert.equal(reply.status, 201);
    assert.equal(reply.headers.get('access-control-allow-origin'), 'http://127.0.0.1:8080');
    const exposed = (reply.headers.get('access-control-expose-headers') ?? '').split(',');
    for (const name of ['MS-RequestId', 'MS-CorrelationId', 'ETag', 'Retry-After'])
      assert.ok(exposed.includes(name), `${name} is exposed`);
    assert.deepEqual(exposed, EXPOSED_HEADERS);
  });

  it('gives a page on another origin no permission (the browser then blocks the call)', async () => {
    const reply = await server.call('POST', cartsPath(), {
      body: { lineItems: [e5Line(1)] },
      headers: { origin: 'https://elsewhere.example' },
    });
    assert.equal(reply.headers.get('access-control-allow-origin'), null);
  });
});

describe('CORS_ORIGINS', () => {
  it('loopback allows pages served from this machine only', () => {
    for (const origin of ['http://localhost:3000', 'https://localhost', 'http://127.0.0.1:5173', 'http://[::1]:8080'])
      assert.ok(originAllowed(origin, 'loopback'), origin);
    for (const origin of ['http://localhost.example.com', 'https://example.com', 'file://', 'null'])
      assert.ok(!originAllowed(origin, 'loopback'), origin);
  });

  it('a list allows exactly its origins; none allows nothing; * allows any', () => {
    assert.ok(originAllowed('https://portal.example.com', ['https://portal.example.com']));
    assert.ok(!originAllowed('https://portal.example.com:8443', ['https://portal.example.com']));
    assert.ok(!originAllowed('http://localhost:3000', 'none'));
    assert.ok(originAllowed('https://anywhere.example', '*'));
  });

  it('with none, a preflight gets no permission', async () => {
    const closed = await new TestServer({ corsOrigins: 'none' }).start();
    try {
      const preflight = await fetch(`${closed.baseUrl}${cartsPath()}`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    } finally {
      await closed.stop();
    }
  });
});

// Mocha hooks the server tests share: a test server for a suite (reset before each test), a
// temporary folder, and the assertion that an answer carries Partner Center's error body.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestServer, type TestServerOptions } from './harness.ts';

/**
 * A test server for the tests of the enclosing suite. By default one server serves them all, and
 * before each test the partners the tests act as (PARTNER, OTHER_PARTNER) are reset through the
 * sandbox's own reset (carts, orders, seats, recorded answers, clock, rules, journal), so that each
 * test starts from an empty sandbox without paying for a start (some 250 ms each).
 * A fresh server for each test instead (`{ fresh: true }`), and always when the options are a
 * function (they may change between tests: a clock, a database file) or turn throttling on (its
 * buckets are not part of a partner's state). `{ once: true }`: one server, never reset.
 */
export function useTestServer(
  options: TestServerOptions | (() => TestServerOptions) = {},
  { once = false, fresh = false } = {},
): TestServer {
  const server = new TestServer(options);
  const perTest = fresh || typeof options === 'function' || (options.rateLimitPerMinute ?? 0) > 0;
  if (perTest) {
    beforeEach(() => server.start());
    afterEach(() => server.stop());
    return server;
  }
  before(() => server.start());
  after(() => server.stop());
  if (!once) beforeEach(() => server.reset());
  return server;
}

/** A temporary folder made before the suite's tests and removed after them; `path` is where it is. */
export function useTemporaryDirectory(prefix: string): { readonly path: string } {
  let path = '';
  before(() => {
    path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  });
  after(() => rmSync(path, { recursive: true, force: true }));
  return {
    get path() {
      return path;
    },
  };
}

/** The body is Partner Center's error body with this code. */
export function assertErrorBody(body: any, code: number): void {
  assert.equal(body.code, code, JSON.stringify(body));
  assert.equal(typeof body.description, 'string');
  assert.ok(body.description.length > 0);
  assert.ok(
    Array.isArray(body.data) && body.data.every((entry: unknown) => typeof entry === 'string'),
    'data is a list of strings',
  );
  assert.equal(body.source, 'PartnerCenterCartSandbox');
}

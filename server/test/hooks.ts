// Mocha hooks the server tests share: a test server started for each test (or once for a suite), a
// temporary folder, and the assertion that an answer carries Partner Center's error body.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestServer, type TestServerOptions } from './harness.ts';

/**
 * A test server, started afresh (empty store) before each test of the enclosing suite and stopped
 * after it, or once for the whole suite with `{ once: true }`. Options are read when it starts, so a
 * function may give ones that change between tests (a clock, a database file).
 */
export function useTestServer(options: TestServerOptions | (() => TestServerOptions) = {}, { once = false } = {}): TestServer {
  const server = new TestServer(options);
  (once ? before : beforeEach)(() => server.start());
  (once ? after : afterEach)(() => server.stop());
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
  assert.ok(Array.isArray(body.data) && body.data.every((entry: unknown) => typeof entry === 'string'), 'data is a list of strings');
  assert.equal(body.source, 'PartnerCenterCartSandbox');
}

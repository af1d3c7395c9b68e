// Crash safety, shown by killing the real server process (server/main.ts) with SIGKILL again and
// again while several workers create, update (PUT of the whole cart) and check out carts, and
// restarting it on the same SQLite file each time. Every write answered 2xx must survive; a write
// whose answer was lost to the kill may have happened or not, wholly, and nothing else; no cart is
// ever half-ordered; the file stays intact; every restart starts cleanly and answers at once.
// With the idempotency layer (MS-RequestId), a write lost to a kill and retried after the restart
// with the same MS-RequestId and body takes effect exactly once.
// And SIGTERM during a load: requests in flight are answered, the process exits 0.
//
// The kill moments and every worker's choices come from one seeded PRNG (the timing of the load
// itself is the machine's); the figures and any failure print the seed. One loop serves both tests:
// every other worker sends MS-RequestId, so each kill catches writes with and without one in flight
// (four of each by default), and each test reads the problems of its kind of write and those of the
// server and file as a whole. Defaults fit `npm test` (about 15 s on a busy 2-core machine: 5 SIGKILL
// cycles of 8 workers, plus starts killed before they listen; each restart costs the server some 2 s
// of CPU, the load between kills little). Longer manual runs: CRASH_SEED, CRASH_CYCLES, CRASH_WORKERS,
// CRASH_MIN_LOAD_MS and CRASH_MAX_LOAD_MS (how long the load runs before each kill), e.g. (--no-config:
// this file only)
//   CRASH_CYCLES=60 CRASH_SEED=1234 npx mocha --no-config --timeout 0 server/test/crash.test.ts
//
// This file holds the test cases; the SIGKILL loop is crash-loop.ts (its model of acknowledged writes
// crash-model.ts, its checks crash-checks.ts), the SIGTERM load crash-shutdown.ts, and what both
// loads are made of (settings, PRNG, HTTP) crash-load.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cartsPath, e5Line } from './harness.ts';
import type { ServerProcess } from './server-process.ts';
import { integrityCheck, verifyFinalState, withDatabase } from './crash-checks.ts';
import { call, customerGuid, CYCLES, newSeed } from './crash-load.ts';
import { CrashLoop } from './crash-loop.ts';
import { shutdownDuringLoad } from './crash-shutdown.ts';

describe('crash safety (the server process killed with SIGKILL during writes)', function () {
  this.timeout(Math.max(60_000, CYCLES * 20_000));
  let dir: string;
  let loop: CrashLoop | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-crash-'));
  });
  after(async () => {
    await loop?.server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** The one SIGKILL loop both tests read (run by the first); whether the server replays a repeated MS-RequestId. */
  let ran: Promise<{ loop: CrashLoop; replays: boolean }> | undefined;
  function crashLoop(): Promise<{ loop: CrashLoop; replays: boolean }> {
    ran ??= (async () => {
      const current = new CrashLoop(newSeed(), join(dir, 'sandbox.db'));
      loop = current;
      const started = performance.now();
      try {
        await current.maybeKillAStart(0.5); // on the new file: a kill while the schema is being made
        await current.start();
        const replays = await supportsIdempotency(current);
        for (let cycle = 0; cycle < CYCLES; cycle++) await current.cycle();
        await verifyFinalState(current);
        // The last stop is a clean one: SIGTERM, exit 0, and the file is still whole without the server.
        const exit = await current.server?.stop('SIGTERM');
        assert.deepEqual(
          exit,
          { code: 0, signal: null },
          `SIGTERM after the loop: ${JSON.stringify(exit)}\n${current.server?.stderr}`,
        );
        assert.equal(
          withDatabase(current.databasePath, integrityCheck),
          'ok',
          'PRAGMA integrity_check after the last, clean stop',
        );
        console.log(`${current.report()}\n  took ${Math.round(performance.now() - started)} ms`);
        return { loop: current, replays };
      } catch (error) {
        console.log(current.failure());
        throw error;
      }
    })();
    return ran;
  }

  it('every acknowledged write survives; a write in flight happens wholly or not at all; no cart is half-ordered', async function () {
    const { loop } = await crashLoop();
    assert.deepEqual(loop.problemsOf('plain'), [], loop.failure());
  });

  it('with MS-RequestId: a write lost to a kill, retried after the restart, takes effect exactly once', async function () {
    const { loop, replays } = await crashLoop();
    assert.ok(replays, 'the server replays a write repeated with its MS-RequestId');
    assert.deepEqual(loop.problemsOf('idempotent'), [], loop.failure());
  });
});

/** Whether the server replays a repeated MS-RequestId (the idempotency layer is there and on). */
async function supportsIdempotency(loop: CrashLoop): Promise<boolean> {
  const server = loop.server;
  assert.ok(server);
  const requestId = randomUUID();
  const body = JSON.stringify({ lineItems: [e5Line(1)] });
  const first = await call(server.baseUrl, loop.bearer, 'POST', cartsPath(customerGuid(0)), body, requestId);
  const second = await call(server.baseUrl, loop.bearer, 'POST', cartsPath(customerGuid(0)), body, requestId);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  return second.headers.get('idempotent-replayed') === 'true' && second.body?.id === first.body.id;
}

describe('graceful shutdown (SIGTERM during a load)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-sigterm-'));
    server = undefined;
  });
  afterEach(async () => {
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request it accepted, whole; refuses the rest; exits 0', async () => {
    const run = await shutdownDuringLoad(dir, newSeed(), false);
    server = run.server;
    console.log(`  ${run.figures}`);
    assert.equal(run.problems.length, 0, `${run.problems.join('\n')}\n${run.figures}`);
  });

  // After server.close() Node goes on serving keep-alive connections that are busy; main.ts answers
  // them `Connection: close` and closes connections as they fall idle, so that clients that keep
  // sending cannot hold the process up until its 10 s deadline (which would reset requests in flight).
  it('tells keep-alive clients to go, and exits within 4 s even while they keep sending', async function () {
    const run = await shutdownDuringLoad(dir, newSeed(), true);
    server = run.server;
    console.log(`  ${run.figures}`);
    if (run.exitMs > 4000) run.problems.push(`the process exited ${run.exitMs} ms after SIGTERM`);
    assert.equal(run.problems.length, 0, `${run.problems.join('\n')}\n${run.figures}`);
  });
});

// Starting and stopping: a start that cannot succeed says why in one line (no stack trace) and exits
// non-zero, as `npm start` runs it; the composition root stops gracefully in process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { startServer } from '../start.ts';
import { mintToken } from '../auth.ts';
import {
  cartsPath,
  e5Line,
  ordersPath,
  PARTNER,
  runNode,
  SECRET,
  testConfig,
  token,
  withTakenPort,
} from './harness.ts';
import { ServerProcess } from './server-process.ts';
import { useTemporaryDirectory } from './hooks.ts';

const root = resolve(import.meta.dirname, '..', '..');

/** `npm start` with these variables: its exit code and what it printed on stderr. */
async function start(env: Record<string, string>): Promise<{ status: number | null; stderr: string }> {
  const run = await runNode(['--disable-warning=ExperimentalWarning', join(root, 'server', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      JWT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      DATABASE_PATH: ':memory:',
      ...env,
    },
  });
  return { status: run.status, stderr: run.stderr };
}

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
}

describe('starting the server', function () {
  this.timeout(30_000);
  const temporary = useTemporaryDirectory('cart-kit-startup');

  it('a port already taken: one line naming the port and what to do, exit code 1', async () => {
    await withTakenPort(async (port) => {
      const { status, stderr } = await start({ PORT: String(port) });
      assert.equal(status, 1);
      assertOneLine(
        stderr,
        new RegExp(`^The server cannot start: port ${port} on 127\\.0\\.0\\.1 is already in use .*set PORT`),
      );
    });
  });

  it('a DATABASE_PATH that is not an SQLite database, or in a folder that does not exist: one line naming it', async () => {
    const dir = temporary.path;
    const notSqlite = join(dir, 'notes.txt');
    writeFileSync(notSqlite, 'these are not the pages of a database\n'.repeat(200));
    const wrongFile = await start({ DATABASE_PATH: notSqlite });
    assert.equal(wrongFile.status, 1);
    assertOneLine(wrongFile.stderr, new RegExp(`DATABASE_PATH: .*notes\\.txt is not an SQLite database`));
    const missingFolder = await start({ DATABASE_PATH: join(dir, 'no', 'such', 'folder', 'sandbox.db') });
    assert.equal(missingFolder.status, 1);
    assertOneLine(
      missingFolder.stderr,
      /DATABASE_PATH: the folder of the database file does not exist: .*no\/such\/folder/,
    );
  });

  it('a catalog that is not valid: one line naming the file', async () => {
    const broken = join(temporary.path, 'catalog.json');
    writeFileSync(broken, '{"markets": {"US": ');
    const { status, stderr } = await start({ CATALOG_PATH: broken });
    assert.equal(status, 1);
    assertOneLine(stderr, /^The server cannot start: the catalog cannot be used: .*catalog\.json/);
  });
});

describe('the development secret (no JWT_SECRET)', function () {
  this.timeout(60_000);
  const temporary = useTemporaryDirectory('cart-kit-dev-secret');

  it('refuses to start when HOST lets other machines in: one line naming JWT_SECRET', async () => {
    const { status, stderr } = await start({ JWT_SECRET: '', HOST: '0.0.0.0' });
    assert.equal(status, 1);
    assertOneLine(stderr, /^The server cannot start: HOST=0\.0\.0\.0 accepts other machines, so set JWT_SECRET/);
  });

  it('on loopback, npm run token mints tokens the server accepts, and they stay valid across a restart', async () => {
    const databasePath = join(temporary.path, 'sandbox.db');
    const env = { JWT_SECRET: undefined, DATABASE_PATH: databasePath };
    const first = await ServerProcess.start({ databasePath, env });
    let token: string;
    try {
      const minted = await runNode(['--disable-warning=ExperimentalWarning', join(root, 'scripts', 'token.ts')], {
        cwd: root,
        env: { ...process.env, JWT_SECRET: '', DATABASE_PATH: databasePath },
      });
      assert.equal(minted.status, 0, minted.stderr);
      token = minted.stdout.trim();
      const reply = await fetch(`${first.baseUrl}${ordersPath()}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(reply.status, 200, await reply.text());
    } finally {
      await first.stop('SIGTERM');
    }
    const second = await ServerProcess.start({ databasePath, env });
    try {
      const again = await fetch(`${second.baseUrl}${ordersPath()}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(again.status, 200, 'the token minted before the restart is still accepted');
      const foreign = await fetch(`${second.baseUrl}${ordersPath()}`, {
        headers: { authorization: `Bearer ${await mintToken({ secret: SECRET, tenantId: PARTNER, userId: 'u' })}` },
      });
      assert.equal(foreign.status, 401);
      assert.match(
        ((await foreign.json()) as { description: string }).description,
        /signed with another secret or key .* npm run token/,
      );
    } finally {
      await second.stop('SIGTERM');
    }
  });
});

describe('stopping npm start', function () {
  this.timeout(60_000);
  const temporary = useTemporaryDirectory('cart-kit-npm-start');

  it('SIGTERM to the npm process stops the server gracefully: the port is free afterwards', async () => {
    // npm forwards the signal to its child; the script execs Node, so that child is the server itself.
    const npm = process.env['npm_execpath'] ? [process.execPath, process.env['npm_execpath']] : ['npm'];
    const child = spawn(npm[0]!, [...npm.slice(1), 'start'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'info',
        DATABASE_PATH: join(temporary.path, 'sandbox.db'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    const url = await new Promise<string>((found, failed) => {
      const timer = setTimeout(() => failed(new Error(`npm start printed no URL: ${output}`)), 30_000);
      child.stdout.on('data', () => {
        const match = /cart sandbox on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          found(match[1]);
        }
      });
    });
    assert.equal((await fetch(`${url}/health`)).status, 200);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    assert.match(output, /"msg":"stopped"/, 'the server itself stopped, gracefully');
    await assert.rejects(fetch(`${url}/health`), 'nothing listens on the port any more');
  });
});

describe('stopping the server (in process)', () => {
  it('lets a request in flight finish, refuses new connections, then closes the store', async () => {
    const server = await startServer(testConfig(), { logger: pino({ level: 'silent' }) });
    const bearer = `Bearer ${await token(PARTNER)}`;
    // A request whose body is still arriving when stop() is called: it must be answered in full.
    const inFlight = new Promise<{ status: number; body: string }>((done, fail) => {
      const req = request(
        `${server.url}${cartsPath()}`,
        { method: 'POST', headers: { authorization: bearer, 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => done({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', fail);
      const text = JSON.stringify({ lineItems: [e5Line(2)] });
      req.write(text.slice(0, 10));
      setTimeout(() => req.end(text.slice(10)), 300);
    });
    await new Promise((done) => setTimeout(done, 100));
    const stopping = server.stop();
    const answer = await inFlight;
    assert.equal(answer.status, 201, answer.body);
    await stopping;
    await assert.rejects(fetch(`${server.url}/health`), 'no new connection once stopped');
    await assert.rejects(server.store.findCart({ partnerId: PARTNER, customerId: 'x' }, 'y'), /the store is closed/);
  });
});

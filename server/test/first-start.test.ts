// What a newcomer reads when starting the sandbox: the command's messages name its options (not the
// variables `npm start` reads), the start hint says any customer GUID works, Ctrl-C (SIGINT to the
// whole process group, npm included) stops it once, gracefully, and a second process on one SQLite file says so.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { cartsPath, e5Line, PARTNER, runNode, SECRET, token, withTakenPort } from './harness.ts';
import { useTemporaryDirectory } from './hooks.ts';
import { ServerProcess } from './server-process.ts';

const root = resolve(import.meta.dirname, '..', '..');

describe('what the sandbox says when it starts', function () {
  this.timeout(60_000);
  const temporary = useTemporaryDirectory('cart-kit-first-start');

  it('the command, on a port already taken: one line telling to pass another port with --port, exit code 1', async () => {
    await withTakenPort(async (port) => {
      const run = await runNode(
        [
          '--disable-warning=ExperimentalWarning',
          join(root, 'server', 'cli.ts'),
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--database',
          ':memory:',
        ],
        {
          cwd: root,
          env: { ...process.env, JWT_SECRET: SECRET, LOG_LEVEL: 'silent' },
        },
      );
      assert.equal(run.status, 1, run.stderr);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(
        lines[0]!,
        new RegExp(
          `port ${port} on 127\\.0\\.0\\.1 is already in use .*pass another port with --port \\(--port 0 picks a free one\\)`,
        ),
      );
      assert.doesNotMatch(run.stderr, /\bPORT\b/, 'the variable is not what a command user sets');
    });
  });

  it('without JWT_SECRET, the hint prints a token, a curl line with a customer GUID, and says any customer GUID works', async () => {
    const server = await ServerProcess.start({
      databasePath: join(temporary.path, 'hint.db'),
      env: { JWT_SECRET: undefined },
    });
    try {
      // The hint follows the first line (the token is signed after it): wait for its last sentence.
      for (let waited = 0; !/works in the path/.test(server.stdout) && waited < 10_000; waited += 50)
        await new Promise((done) => setTimeout(done, 50));
      assert.match(server.stdout, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/m);
      const curl = /^curl -H "Authorization: Bearer <token>" (http:\S+\/v1\/customers\/([0-9a-f-]{36})\/orders)$/m.exec(
        server.stdout,
      );
      assert.ok(curl, server.stdout);
      assert.match(server.stdout, /Any customer GUID works in the path/);
    } finally {
      await server.stop('SIGTERM');
    }
  });

  it('a second process on the same SQLite file says so in its first line and its log line; the first said nothing of the kind', async () => {
    const databasePath = join(temporary.path, 'shared.db');
    const first = await ServerProcess.start({ databasePath, env: { LOG_LEVEL: 'info' } });
    try {
      const second = await ServerProcess.start({ databasePath, env: { LOG_LEVEL: 'info' } });
      try {
        assert.match(
          second.stdout,
          new RegExp(
            `^Partner Center cart sandbox on \\S+ \\(documentation at \\S+\\); another process already uses ${databasePath.replaceAll('.', '\\.')} \\(allowed`,
            'm',
          ),
        );
        const listening = second.stdout.split('\n').find((line) => line.includes('"msg":"listening"'));
        assert.ok(listening, second.stdout);
        assert.match(JSON.parse(listening).databaseShared, /another process already uses/);
      } finally {
        await second.stop('SIGTERM');
      }
      assert.doesNotMatch(first.stdout, /another process/);
    } finally {
      await first.stop('SIGTERM');
    }
    // Both gone: the next one is alone again (a killed or stopped process leaves no stale mark).
    const third = await ServerProcess.start({ databasePath, env: { LOG_LEVEL: 'info' } });
    try {
      assert.doesNotMatch(third.stdout, /another process/);
    } finally {
      await third.stop('SIGKILL');
    }
    const fourth = await ServerProcess.start({ databasePath, env: { LOG_LEVEL: 'info' } });
    try {
      assert.doesNotMatch(fourth.stdout, /another process/, 'a SIGKILLed process left no mark');
    } finally {
      await fourth.stop('SIGTERM');
    }
  });

  it('Ctrl-C on npm start (SIGINT to npm and the server alike) logs "shutting down" once and stops gracefully', async () => {
    const npm = process.env['npm_execpath'] ? [process.execPath, process.env['npm_execpath']] : ['npm'];
    const child = spawn(npm[0]!, [...npm.slice(1), 'start'], {
      cwd: root,
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        JWT_SECRET: SECRET,
        LOG_LEVEL: 'info',
        DATABASE_PATH: join(temporary.path, 'sigint.db'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, as a terminal gives: the signal goes to every process in it.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    // 'close': npm and the server (which writes to the same pipes) have both ended.
    const closed = new Promise<void>((done) => child.on('close', () => done()));
    try {
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
      // A request whose body is still arriving keeps the stop going long enough for npm's own copy
      // of the signal to reach the server as well.
      const bearer = `Bearer ${await token(PARTNER)}`;
      const inFlight = new Promise<number>((done, failed) => {
        const req = request(
          `${url}${cartsPath()}`,
          { method: 'POST', headers: { authorization: bearer, 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => done(res.statusCode ?? 0));
          },
        );
        req.on('error', failed);
        const text = JSON.stringify({ lineItems: [e5Line(1)] });
        req.write(text.slice(0, 10));
        setTimeout(() => req.end(text.slice(10)), 800);
      });
      await new Promise((done) => setTimeout(done, 100));
      process.kill(-child.pid!, 'SIGINT');
      assert.equal(await inFlight, 201, 'the request in flight was answered');
      await closed;
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
    assert.equal(output.split('\n').filter((line) => line.includes('"msg":"shutting down"')).length, 1, output);
    assert.match(output, /"msg":"stopped"/);
  });
});

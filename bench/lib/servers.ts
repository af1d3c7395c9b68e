// Starting the servers under load, each in its own child process on 127.0.0.1: the reference server
// through the real server/main.ts (configured by environment variables, as `npm start` is), and the
// two limit servers of bench/servers/.
import { join } from 'node:path';
import { serverEnvironment } from './fixtures.ts';
import { waitFor200 } from './http.ts';
import { freePort, startChild, type Child } from './processes.ts';

/**
 * production: NODE_ENV=production (request validation on, response validation off); validating: responses validated
 * too.
 */
export type Variant = 'production' | 'validating';

export const VARIANT_LABEL: Record<Variant, string> = {
  production: 'production: requests validated',
  validating: 'requests + responses validated',
};

export interface RunningServer {
  child: Child;
  pid: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** When the child was spawned and when it first answered 200 (performance.now()). */
  spawnedAt: number;
  readyAt: number;
  stop(): Promise<void>;
}

/** The server's configuration variables: never inherited from the benchmark's own environment. */
const SERVER_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_PATH',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'CATALOG_PATH',
  'CART_TTL',
  'JWT_SECRET',
  'JWKS_URL',
  'LOG_LEVEL',
  'NODE_ENV',
  'BODY_LIMIT',
  'REQUEST_TIMEOUT',
  'IDEMPOTENCY_TTL',
  'RATE_LIMIT_PER_MINUTE',
  'UNKNOWN_PROPERTIES',
];

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SERVER_VARIABLES) delete env[name];
  // A --cpu-prof in NODE_OPTIONS (or an inspector) would change what is measured.
  delete env['NODE_OPTIONS'];
  return { ...env, ...extra };
}

/** The Node that runs this benchmark (the project's Node 24 under `npm run`). */
export const NODE = process.execPath;

export interface ReferenceOptions {
  root: string;
  variant: Variant;
  databasePath: string;
  /** A PostgreSQL database (DATABASE_URL): the store instead of the SQLite file at databasePath. */
  databaseUrl?: string;
  /** A path on the server that answers 200 once it is ready (a GET of a seeded cart). */
  readyPath: string;
  token: string;
  /** Write a V8 CPU profile into this folder (node --cpu-prof). */
  cpuProfDir?: string;
  pollIntervalMs?: number;
  /** LOG_LEVEL of the server (default silent: the logs are not what is measured). */
  logLevel?: string;
  /** Called right after the spawn (to watch the child's output from its first byte). */
  onSpawn?: (child: Child) => void;
}

async function started(
  child: Child,
  port: number,
  readyPath: string,
  headers: Record<string, string>,
  spawnedAt: number,
  pollIntervalMs = 10,
): Promise<RunningServer> {
  const url = `http://127.0.0.1:${port}`;
  let exited: string | undefined;
  void child.exited.then(({ code, signal }) => {
    exited = `the server exited (${signal ?? `code ${code}`}) before answering:\n${child.output().trim()}`;
  });
  try {
    const readyAt = await waitFor200(`${url}${readyPath}`, {
      headers,
      failed: () => exited,
      intervalMs: pollIntervalMs,
    });
    return { child, pid: child.pid, url, spawnedAt, readyAt, stop: () => child.stop() };
  } catch (error) {
    await child.stop(1000);
    throw error;
  }
}

/** Starts `server/main.ts` of `root` and waits until `readyPath` answers 200. */
export async function startReference(options: ReferenceOptions): Promise<RunningServer> {
  const port = await freePort();
  const env = cleanEnv(
    serverEnvironment({
      databasePath: options.databasePath,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      port,
      production: options.variant === 'production',
      logLevel: options.logLevel ?? 'silent',
    }),
  );
  const args = ['--disable-warning=ExperimentalWarning'];
  if (options.cpuProfDir) args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  args.push(join(options.root, 'server', 'main.ts'));
  const spawnedAt = performance.now();
  const child = startChild(NODE, args, { cwd: options.root, env });
  options.onSpawn?.(child);
  return started(
    child,
    port,
    options.readyPath,
    { authorization: `Bearer ${options.token}` },
    spawnedAt,
    options.pollIntervalMs,
  );
}

/**
 * How a start is launched: the server's entry with the project's Node, or `npm start` (npm itself, then the same
 * entry).
 */
export type Launch = 'direct' | 'npm';

export interface StartTimingOptions {
  root: string;
  variant: Variant;
  databasePath: string;
  /** An authenticated GET that answers 200 once the API serves (a seeded cart). */
  apiPath: string;
  token: string;
  launch: Launch;
  /** NODE_COMPILE_CACHE of the child: an empty folder for a cold start, one a start has filled for a warm one. */
  compileCacheDir: string;
}

/**
 * Milliseconds from the spawn to the line saying where the server listens, to GET /health's first 200, then to the
 * API's.
 */
export interface StartTiming {
  listeningMs: number;
  healthMs: number;
  apiMs: number;
}

/**
 * One start, timed: /health is polled every 5 ms from the spawn (fresh connections, as a readiness
 * probe would), and once it has answered 200, the API GET the same way (a client that waits for
 * readiness, then calls); "listening" is when the server's stdout printed where it listens. The
 * server is stopped (with its whole process group for npm) before this returns.
 */
export async function timeStart(options: StartTimingOptions): Promise<StartTiming> {
  const port = await freePort();
  const env = cleanEnv({
    ...serverEnvironment({ databasePath: options.databasePath, port, production: options.variant === 'production' }),
    NODE_COMPILE_CACHE: options.compileCacheDir,
  });
  delete env['NODE_DISABLE_COMPILE_CACHE'];
  const [command, args]: [string, string[]] =
    options.launch === 'direct'
      ? [NODE, ['--disable-warning=ExperimentalWarning', join(options.root, 'server', 'main.ts')]]
      : ['npm', ['start']];
  const spawnedAt = performance.now();
  const child = startChild(command, args, { cwd: options.root, env, group: options.launch === 'npm' });
  let listeningAt = Number.NaN;
  let seen = '';
  child.process.stdout?.on('data', (chunk: Buffer) => {
    if (!Number.isNaN(listeningAt)) return;
    seen = (seen + chunk.toString()).slice(-200);
    if (seen.includes('sandbox on http')) listeningAt = performance.now();
  });
  let exited: string | undefined;
  void child.exited.then(({ code, signal }) => {
    exited = `the server exited (${signal ?? `code ${code}`}) before answering:\n${child.output().trim()}`;
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const healthAt = await waitFor200(`${url}/health`, { failed: () => exited, intervalMs: 5 });
    const apiAt = await waitFor200(`${url}${options.apiPath}`, {
      headers: { authorization: `Bearer ${options.token}` },
      failed: () => exited,
      intervalMs: 5,
    });
    return { listeningMs: listeningAt - spawnedAt, healthMs: healthAt - spawnedAt, apiMs: apiAt - spawnedAt };
  } finally {
    await child.stop();
  }
}

export type LimitKind = 'http' | 'express';

/** Starts a limit server replaying the recorded answer in `fixturePath`. */
export async function startLimit(kind: LimitKind, fixturePath: string, readyPath: string): Promise<RunningServer> {
  const port = await freePort();
  const script = join(import.meta.dirname, '..', 'servers', kind === 'http' ? 'limit-http.ts' : 'limit-express.ts');
  const env = cleanEnv({ PORT: String(port), HOST: '127.0.0.1' });
  const spawnedAt = performance.now();
  const child = startChild(NODE, ['--disable-warning=ExperimentalWarning', script, fixturePath], {
    cwd: join(import.meta.dirname, '..', '..'),
    env,
  });
  return started(child, port, readyPath, {}, spawnedAt);
}

// The composition root: builds the reference server from a configuration (and, for tests and the
// benchmark, a few overrides), listens, and returns how to reach and stop it. `npm start`
// (server/main.ts), every test harness and the benchmark start the server through this one function.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createLogger } from './logger.ts';
import { KeySetError } from './auth-keys.ts';
import { createVerifier, type Verifier } from './auth.ts';
import { DEFAULTS, type Config } from './config.ts';
import { loadCatalog } from './catalog/load-catalog.ts';
import type { Catalog } from './domain/catalog.ts';
import { CartService } from './domain/carts.ts';
import { SandboxControls } from './domain/controls.ts';
import { ForcedRules } from './domain/forced-rules.ts';
import { operationIdsOf } from './http/operations.ts';
import { bundledSpec } from './http/spec.ts';
import { OrderService } from './domain/orders.ts';
import { ProductCatalog } from './domain/products.ts';
import { sharedClock, systemClock, VirtualClocks, type Clock } from './domain/clock.ts';
import { createApp } from './http/app.ts';
import { createHttpServer } from './http/http-server.ts';
import { IdempotentWrites } from './http/idempotency.ts';
import { describeUrl, PostgresOpenError, PostgresStore } from './store/postgres.ts';
import { SqliteStore, StoreOpenError } from './store/sqlite.ts';
import type { Store } from './store/store.ts';
import { StartupError } from './start-errors.ts';
import { VARIABLE_NAMES, type SettingNames } from './setting-names.ts';

/** What a caller may put in place of what the configuration would build. */
export interface ServerOverrides {
  store?: Store;
  clock?: Clock;
  catalog?: Catalog;
  logger?: Logger;
  verifier?: Verifier;
  /** Another spec than generated/openapi.json (tests only). */
  spec?: object;
  /** How long a write waits for another connection's lock on the database file (SQLite; tests shorten it). */
  busyTimeoutMs?: number;
  /**
   * How the messages of a failed start name settings (default: the environment variables, as `npm start` reads them).
   */
  settingNames?: SettingNames;
}

export interface RunningServer {
  /** `http://host:port`, with the port actually taken (PORT=0 picks a free one). */
  url: string;
  port: number;
  store: Store;
  /** The domain, for callers that seed data without HTTP (the benchmark's background carts). */
  service: CartService;
  logger: Logger;
  /**
   * The SQLite file is already open in another process (several are allowed: SQLite takes their writes
   * in turn); false for `:memory:` and PostgreSQL, where sharing is the design.
   */
  databaseShared: boolean;
  /** Stops gracefully: no new connections, requests in flight finish (10 s at most), then the store closes. */
  stop(): Promise<void>;
  /**
   * Builds the request and response validators now rather than on the first request that needs them (server/run.ts,
   * once listening).
   */
  prepareValidators(): Promise<void>;
}

export { StartupError };

/** How long requests in flight may take to finish once stopping, before their connections are closed. */
const STOP_DEADLINE_MS = 10_000;

export async function startServer(config: Config, overrides: ServerOverrides = {}): Promise<RunningServer> {
  const names = overrides.settingNames ?? VARIABLE_NAMES;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const catalog = overrides.catalog ?? readCatalog(config.catalogPath);
  const clock = overrides.clock ?? systemClock;
  const verifier = overrides.verifier ?? tokenVerifier(config, names);
  // Opened last: whatever fails after it closes it again, so that a failed start leaves no pool open.
  const store = overrides.store ?? (await openStore(config, overrides.busyTimeoutMs, names));
  const profile = config.sandboxProfile;
  // With the test controls, each partner's own virtual clock; without, everyone on the base clock.
  const clocks = config.sandboxControls ? new VirtualClocks(store, clock) : undefined;
  const partnerClock = clocks ?? sharedClock(clock);
  const service = new CartService({
    store,
    catalog,
    cartTtlMs: config.cartTtlMs,
    clock: partnerClock,
    provisioningDelayMs: config.provisioningDelayMs,
    profile,
  });
  const orders = new OrderService({ store, catalog, clock: partnerClock, profile });
  let server: Server;
  let prepareValidators: () => Promise<void>;
  try {
    const app = createApp({
      service,
      orders,
      products: new ProductCatalog(catalog),
      store,
      verifier,
      logger,
      bodyLimitBytes: config.bodyLimitBytes,
      validateResponses: !config.production,
      idempotentWrites: new IdempotentWrites({
        store,
        ttlMs: config.idempotencyTtlMs,
        now: async (partnerId) => (await partnerClock.now(partnerId)).getTime(),
      }),
      ...(clocks
        ? {
            controls: new SandboxControls(
              store,
              clocks,
              new ForcedRules(store, operationIdsOf((overrides.spec ?? bundledSpec()) as never)),
            ),
          }
        : {}),
      rateLimitPerMinute: config.rateLimitPerMinute,
      unknownProperties: config.unknownProperties,
      corsOrigins: config.corsOrigins,
      ...(overrides.spec ? { spec: overrides.spec } : {}),
    });
    prepareValidators = app.prepareValidators;
    server = createHttpServer(app, { requestTimeoutMs: config.requestTimeoutMs });
    await listen(server, config, names);
  } catch (error) {
    if (!overrides.store) await store.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // Never the database URL as given: it may carry a password.
  const database = config.databaseUrl ? describeUrl(new URL(config.databaseUrl)) : config.databasePath;
  const databaseShared = store instanceof SqliteStore && store.sharedWithAnotherProcess;
  logger.info(
    {
      url,
      database,
      ...(databaseShared ? { databaseShared: sharedDatabaseNote() } : {}),
      responseValidation: !config.production,
    },
    'listening',
  );
  return { url, port, store, service, logger, databaseShared, stop: stopper(server, store, logger), prepareValidators };
}

/** What the start's log line and `npm start`'s first line say when another process has the SQLite file open. */
export function sharedDatabaseNote(file = 'this database file'): string {
  return `another process already uses ${file} (allowed: they share its carts and orders, and SQLite takes their writes in turn)`;
}

function tokenVerifier(config: Config, names: SettingNames): Verifier {
  if (!config.jwtSecret && !config.jwksUrl)
    throw new StartupError(
      `no way to verify bearer tokens: ${names.set('JWT_SECRET', 'a secret')} or ${names.set('JWKS_URL', 'a key set')}`,
    );
  try {
    return createVerifier(config);
  } catch (error) {
    if (error instanceof KeySetError || error instanceof RangeError) throw new StartupError(error.message);
    throw error;
  }
}

function readCatalog(path: string): Catalog {
  try {
    return loadCatalog(path);
  } catch (error) {
    throw new StartupError(`the catalog cannot be used: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** PostgreSQL when DATABASE_URL is set (several instances share it), else the SQLite file. */
async function openStore(config: Config, busyTimeoutMs: number | undefined, names: SettingNames): Promise<Store> {
  if (config.databaseUrl) {
    try {
      return await PostgresStore.open(config.databaseUrl, { poolSize: config.databasePoolSize });
    } catch (error) {
      // The message names the database without its password.
      if (error instanceof PostgresOpenError) throw new StartupError(`${names.name('DATABASE_URL')}: ${error.message}`);
      throw error;
    }
  }
  try {
    return new SqliteStore(config.databasePath, {
      createFolder: config.databasePath === DEFAULTS.databasePath,
      ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
    });
  } catch (error) {
    if (error instanceof StoreOpenError) throw new StartupError(`${names.name('DATABASE_PATH')}: ${error.message}`);
    throw error;
  }
}

function listen(server: Server, config: Config, names: SettingNames): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      const where = `${config.host}:${config.port}`;
      if (error.code === 'EADDRINUSE') {
        reject(
          new StartupError(
            `port ${config.port} on ${config.host} is already in use (is another sandbox running?): stop that process, or ${names.set('PORT', 'another port')} (${names.assign('PORT', '0')} picks a free one)`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(new StartupError(`not allowed to listen on ${where}: choose a ${names.name('PORT')} above 1023`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
        reject(
          new StartupError(
            `${names.name('HOST')} ${config.host} is not an address of this machine: use localhost, 127.0.0.1 or 0.0.0.0`,
          ),
        );
      } else reject(new StartupError(`cannot listen on ${where}: ${error.message}`));
    };
    server.once('error', failed);
    server.listen(config.port, config.host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/**
 * Graceful shutdown: stop accepting, let requests in flight finish, then close the store. Keep-alive
 * clients may go on sending on connections they already have: once stopping, every answer says
 * `Connection: close` (Node then ends the socket after it), and connections that fall idle are closed
 * as they do, so that a busy client cannot hold the server up; past the deadline, all are closed.
 */
function stopper(server: Server, store: Store, logger: Logger): () => Promise<void> {
  let stopped: Promise<void> | undefined;
  let stopping = false;
  server.prependListener('request', (_req, res) => {
    if (stopping) res.setHeader('Connection', 'close');
  });
  return () => {
    stopped ??= new Promise<void>((resolve, reject) => {
      stopping = true;
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => server.closeAllConnections(), STOP_DEADLINE_MS);
      idle.unref();
      deadline.unref();
      server.close(() => {
        clearInterval(idle);
        clearTimeout(deadline);
        store.close().then(() => {
          logger.info('stopped');
          resolve();
        }, reject);
      });
      server.closeIdleConnections();
    });
    return stopped;
  };
}

// Starts the reference server: `npm start`. Configuration comes from environment variables
// (server/config.ts), checked once here; a bad value stops the start with a message naming it.
import pino from 'pino';
import { createApp } from './app.ts';
import { createHs256Verifier, mintToken, randomSecret } from './auth.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { createHttpServer } from './http-server.ts';
import { RequestLog } from './http/idempotency.ts';
import { CartService } from './domain/carts.ts';
import { loadCatalog } from './domain/catalog.ts';
import { SqliteStore } from './store/sqlite.ts';

const DEMO_PARTNER = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
const DEMO_USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`The server cannot start, its configuration is not valid:\n${error.message}`);
  process.exit(2);
}

const logger = pino({ level: config.logLevel });
const store = new SqliteStore(config.databasePath);
const service = new CartService({ store, catalog: loadCatalog(config.catalogPath), cartTtlMs: config.cartTtlMs });
const secret = config.jwtSecret ?? randomSecret();
const app = createApp({
  service,
  verifier: createHs256Verifier(secret),
  logger,
  bodyLimitBytes: config.bodyLimitBytes,
  validateResponses: !config.production,
  requestLog: new RequestLog({ store, ttlMs: config.idempotencyTtlMs }),
  rateLimitPerMinute: config.rateLimitPerMinute,
  unknownProperties: config.unknownProperties,
});

const server = createHttpServer(app, { requestTimeoutMs: config.requestTimeoutMs });
server.listen(config.port, config.host, async () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, database: config.databasePath, responseValidation: !config.production }, 'listening');
  console.log(`Partner Center cart sandbox on ${url} (documentation at ${url}/docs)`);
  if (!config.jwtSecret) {
    // No secret configured: a random one for this run, and a token for a demo partner to call with.
    const demoToken = await mintToken({ secret, tenantId: DEMO_PARTNER, userId: DEMO_USER, expiresIn: '12h' });
    console.log(`No JWT_SECRET set: tokens are signed with a random secret for this run. A token for demo partner ${DEMO_PARTNER}, valid 12 hours:\n\n${demoToken}\n\ncurl -H "Authorization: Bearer <token>" ${url}/v1/customers/<customer GUID>/orders`);
  }
});

// Graceful shutdown: stop accepting, let requests in flight finish, then close the database.
// Keep-alive clients may go on sending on connections they already have: once stopping, every
// answer says `Connection: close` (Node then ends the socket after it), and connections that fall
// idle are closed as they do, so that the process is not kept up by a busy client.
let stopping = false;
server.prependListener('request', (_req, res) => {
  if (stopping) res.setHeader('Connection', 'close');
});
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  server.close(() => {
    store.close();
    logger.info('stopped');
    process.exit(0);
  });
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), 100).unref();
  setTimeout(() => {
    server.closeAllConnections();
  }, 10_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

// Runs the reference server as a process: what `npm start` (server/main.ts) and the command
// partner-center-cart-sandbox (server/cli.ts) do once they have checked the Node that runs them.
// Configuration comes from environment variables (server/config.ts), checked once here; a bad value,
// or anything else that stops the start, is reported in one line per problem, without a stack trace.
import { flushCompileCache } from 'node:module';
import { mintToken } from './auth.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { devSecretPath, isLoopbackHost, readOrMakeDevSecret } from './dev-secret.ts';
import type { SettingNames } from './setting-names.ts';
import { sharedDatabaseNote, StartupError, startServer } from './start.ts';

const DEMO_PARTNER = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
const DEMO_USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';
/** A customer of the published examples, for the printed curl command (any GUID would do). */
const DEMO_CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';
/** How long after listening the API's validator is built, if no request has asked for it yet. */
const PREPARE_DELAY_MS = 100;
/** How long after that the compiled code of the modules loaded so far is written to the compile cache. */
const FLUSH_DELAY_MS = 1000;

/** Starts the server from the environment, prints where it listens, and stops it gracefully on SIGTERM or SIGINT. */
export async function runServer(names: SettingNames): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [only, ...more] = error.problems;
    console.error(
      more.length === 0
        ? `The server cannot start: ${only}`
        : `The server cannot start, its configuration is not valid:\n${error.message}`,
    );
    process.exit(2);
  }

  // Neither a secret nor a key set: the development secret (kept across restarts, and what
  // `npm run token` signs with), only while the server listens on this machine alone.
  const developmentSecret = config.jwtSecret === undefined && config.jwksUrl === undefined;
  if (developmentSecret && !isLoopbackHost(config.host)) {
    console.error(
      `The server cannot start: ${names.assign('HOST', config.host)} accepts other machines, so ${names.set('JWT_SECRET', 'a secret')} (or ${names.set('JWKS_URL', 'a key set')}); without them the sandbox signs tokens with a development secret, for ${names.assign('HOST', 'localhost')} only`,
    );
    process.exit(1);
  }
  const secret = developmentSecret ? readOrMakeDevSecret(config.databasePath) : config.jwtSecret;
  let running;
  try {
    running = await startServer({ ...config, jwtSecret: secret }, { settingNames: names });
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    console.error(`The server cannot start: ${error.message}`);
    process.exit(1);
  }

  // Before anything is printed: a signal that comes before its handler ends the process unlogged.
  const server = running;
  let stopping = false;
  // Declared before the handlers that clear it, assigned once listening.
  // eslint-disable-next-line prefer-const
  let prepare: NodeJS.Timeout | undefined;
  function shutdown(signal: string): void {
    // Ctrl-C in a terminal signals the whole process group: under `npm start`, npm passes the SIGINT on
    // too, so the same stop arrives twice. Once is enough.
    if (stopping) return;
    stopping = true;
    clearTimeout(prepare);
    server.logger.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`The server did not stop cleanly: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const shared = running.databaseShared ? `; ${sharedDatabaseNote(config.databasePath)}` : '';
  console.log(`Partner Center cart sandbox on ${running.url} (documentation at ${running.url}/docs)${shared}`);
  if (developmentSecret) {
    const demoToken = await mintToken({
      secret: secret as string,
      tenantId: DEMO_PARTNER,
      userId: DEMO_USER,
      expiresIn: '12h',
    });
    console.log(
      `No JWT_SECRET set: tokens are signed with the development secret in ${devSecretPath(config.databasePath)} (kept across restarts; npm run token uses it too). A token for demo partner ${DEMO_PARTNER}, valid 12 hours:\n\n${demoToken}\n\n` +
        `curl -H "Authorization: Bearer <token>" ${running.url}/v1/customers/${DEMO_CUSTOMER}/orders\n\n` +
        'Any customer GUID works in the path: the sandbox has every customer, each with no carts or orders until you create them.',
    );
  }
  // The API's validator is built on the first request that needs it; unless one came first, it is built
  // in the background a moment after listening (so that a readiness probe sent at once, GET /health, is
  // answered before), for a first call not to wait for it. A failure is logged here, and answered 500 to
  // each request that needs it. Then the loaded modules' compiled code is kept (see server/main.ts), not
  // only at a clean exit: after the first answers, as writing a cold cache takes some 300 ms.
  prepare = setTimeout(() => {
    server.prepareValidators().then(
      () => undefined,
      (error: unknown) => server.logger.error({ err: error }, 'the request validators cannot be built'),
    );
    setTimeout(() => flushCompileCache?.(), FLUSH_DELAY_MS).unref();
  }, PREPARE_DELAY_MS);
}

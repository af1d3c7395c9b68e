// Starts the reference server: `npm start`. Configuration comes from environment variables
// (server/config.ts), checked once here; a bad value, or anything else that stops the start, is
// reported in one line per problem, without a stack trace.
import { mintToken, randomSecret } from './auth.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { StartupError, startServer } from './start.ts';

const DEMO_PARTNER = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
const DEMO_USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  const [only, ...more] = error.problems;
  console.error(more.length === 0 ? `The server cannot start: ${only}` : `The server cannot start, its configuration is not valid:\n${error.message}`);
  process.exit(2);
}

// Neither a secret nor a key set: a random secret for this run, and a demo token signed with it.
const randomSecretForThisRun = config.jwtSecret === undefined && config.jwksUrl === undefined;
const secret = randomSecretForThisRun ? randomSecret() : config.jwtSecret;
let running;
try {
  running = await startServer({ ...config, jwtSecret: secret });
} catch (error) {
  if (!(error instanceof StartupError)) throw error;
  console.error(`The server cannot start: ${error.message}`);
  process.exit(1);
}

console.log(`Partner Center cart sandbox on ${running.url} (documentation at ${running.url}/docs)`);
if (randomSecretForThisRun) {
  // No secret configured: a random one for this run, and a token for a demo partner to call with.
  const demoToken = await mintToken({ secret: secret as string, tenantId: DEMO_PARTNER, userId: DEMO_USER, expiresIn: '12h' });
  console.log(`No JWT_SECRET set: tokens are signed with a random secret for this run. A token for demo partner ${DEMO_PARTNER}, valid 12 hours:\n\n${demoToken}\n\ncurl -H "Authorization: Bearer <token>" ${running.url}/v1/customers/<customer GUID>/orders`);
}

const server = running;
function shutdown(signal: string): void {
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

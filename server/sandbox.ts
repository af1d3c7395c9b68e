/**
 * The sandbox in-process, for test runners: `startSandbox()` starts the reference server on a free
 * port of loopback with a throwaway store and a JWT secret of its own, and hands back its URL, a
 * token minter and a stop function. It is the main entry of the `@partner-center-cart-kit/sandbox`
 * package (the command, `partner-center-cart-sandbox`, is server/cli.ts).
 *
 * ```ts
 * const sandbox = await startSandbox({ provisioningDelayMs: 0 });
 * const api = createCartClient({ baseUrl: sandbox.url, token: () => sandbox.token() });
 * // ...
 * await sandbox.stop();
 * ```
 *
 * Configuration: every value of the server's configuration (server/config.ts) may be given, either
 * as its typed field (`cartTtlMs: 60_000`) or as the environment variable the server reads, with
 * the same parsing and checks (`environment: { CART_TTL: '1m' }`); a typed field wins over the same
 * value in `environment`. `process.env` is not read: a variable set for something else (`PORT`) does
 * not move the sandbox of a test. What is not given is the table's default, except that the sandbox
 * listens on 127.0.0.1, on a free port, keeps its data in memory, logs nothing and signs with a
 * secret made for it.
 *
 * This module loads on any Node (it imports nothing that needs node:sqlite): the server is imported
 * by startSandbox once server/node-support.ts has found this Node able to run it, so that on an older
 * Node the caller gets a StartupError saying which Node is needed, not a failed import.
 */
import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import { unsupportedNode } from './node-support.ts';
import { StartupError } from './start-errors.ts';

/** The partner tenant `token()` signs for when it is given none: the demo partner of the README and `npm start`. */
export const DEMO_PARTNER = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
/** The user (`oid` claim) of the tokens `token()` mints when it is given none. */
export const DEMO_USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';

/** The server's configuration, as typed fields. */
export type SandboxConfig = Config;

export interface SandboxOptions extends Partial<Config> {
  /**
   * Configuration as environment variables (`{ CART_TTL: '1m', SANDBOX_PROFILE: 'integration' }`),
   * parsed and checked as the server checks its environment: a bad value rejects with a ConfigError
   * naming it. Only these are read, never `process.env`.
   */
  environment?: Readonly<Record<string, string | undefined>>;
  /** The partner tenant `token()` signs for by default (default: DEMO_PARTNER). */
  partner?: string;
}

export interface TokenOptions {
  /** The `oid` claim, recorded as a cart's `lastModifiedUser` (default: DEMO_USER). */
  user?: string;
  /** A jose time span, `30m`, `8h` (default `1h`). */
  expiresIn?: string;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>` (or the host given), without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The partner tenant `token()` signs for by default. */
  readonly partner: string;
  /** The HS256 secret the sandbox verifies tokens with (its own, unless `jwtSecret` was given). */
  readonly jwtSecret: string;
  /** A bearer token this sandbox accepts, for `partner` (default: the sandbox's partner). */
  token(partner?: string, options?: TokenOptions): Promise<string>;
  /** Stops gracefully (requests in flight finish) and closes the store; calling it again is harmless. */
  stop(): Promise<void>;
}

/** The defaults of a sandbox started in-process, where they differ from the server's table. */
const IN_PROCESS_DEFAULTS: Readonly<Record<string, string>> = {
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_PATH: ':memory:',
  LOG_LEVEL: 'silent',
};

/**
 * Starts a sandbox. Rejects with a ConfigError (a bad `environment` value, every one named) or a
 * StartupError (what stops a start: a Node older than 22.15, a port in use, a catalog that cannot be
 * read, ...), each with a message saying what to change.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const unsupported = unsupportedNode();
  if (unsupported) {
    const error = new StartupError(unsupported);
    // The stack would point into this package, which is not where the fix is: the one line is all.
    error.stack = `${error.name}: ${error.message}`;
    throw error;
  }
  const [{ loadConfig }, { startServer }, { mintToken }] = await Promise.all([
    import('./config.ts'),
    import('./start.ts'),
    import('./auth.ts'),
  ]);
  const { environment = {}, partner = DEMO_PARTNER, ...fields } = options;
  const given = loadConfig({ ...IN_PROCESS_DEFAULTS, ...environment });
  const config: Config = { ...given, ...definedFields(fields) };
  // Tokens signed with this secret are accepted even next to a JWKS_URL (the token's alg picks the key).
  const jwtSecret = config.jwtSecret ?? randomBytes(32).toString('base64url');
  const running = await startServer({ ...config, jwtSecret });
  return {
    url: running.url,
    port: running.port,
    partner,
    jwtSecret,
    token: (tenant = partner, { user = DEMO_USER, expiresIn = '1h' }: TokenOptions = {}) =>
      mintToken({ secret: jwtSecret, tenantId: tenant, userId: user, expiresIn }),
    stop: () => running.stop(),
  };
}

/** The fields given a value (an explicit `undefined` leaves the configured value). */
function definedFields(fields: Partial<Config>): Partial<Config> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<Config>;
}

export { ConfigError, StartupError } from './start-errors.ts';

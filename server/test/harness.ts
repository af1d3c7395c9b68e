// An in-process reference server for tests, started through the composition root (server/start.ts):
// port 0 on loopback, SQLite in memory (or a given file), response validation on, a known JWT
// secret, and a small fetch wrapper.
import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import pino, { type Logger } from 'pino';
import { mintToken } from '../auth.ts';
import { DEFAULTS, type Config, type CorsOrigins, type UnknownPropertyPolicy } from '../config.ts';
import { startServer, type RunningServer } from '../start.ts';
import type { SandboxProfile } from '../domain/sandbox-profile.ts';
import type { Store } from '../store/store.ts';

export const SECRET = 'test-secret-test-secret-test-secret-0123456789';
export const PARTNER = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
export const OTHER_PARTNER = '0b6a7c8d-1e2f-4a3b-9c4d-5e6f7a8b9c0d';
export const USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';
export const CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';

export interface TestServerOptions {
  databasePath?: string;
  cartTtlMs?: number;
  now?: () => Date;
  bodyLimitBytes?: number;
  /** Per-partner throttling; none unless given. */
  rateLimitPerMinute?: number;
  idempotencyTtlMs?: number;
  /** How long a write waits for another connection's lock on the database file. */
  busyTimeoutMs?: number;
  /** UNKNOWN_PROPERTIES: 'ignore' (the default) or 'refuse'. */
  unknownProperties?: UnknownPropertyPolicy;
  /** Where the server logs; silent unless given. */
  logger?: Logger;
  /** A PostgreSQL database instead of SQLite. */
  databaseUrl?: string;
  /** CORS_ORIGINS (default: loopback). */
  corsOrigins?: CorsOrigins;
  /**
   * PROVISIONING_DELAY in ms; 0 (provisioned at checkout) unless given, so that tests of other things need not wait.
   */
  provisioningDelayMs?: number;
  /** SANDBOX_PROFILE (default: production). */
  sandboxProfile?: SandboxProfile;
  /** SANDBOX_CONTROLS (default: on). */
  sandboxControls?: boolean;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** The configuration of a test server: the defaults, on loopback, any port, in memory, with the test secret. */
export function testConfig(options: TestServerOptions = {}): Config {
  return {
    ...DEFAULTS,
    port: 0,
    host: '127.0.0.1',
    databasePath: options.databasePath ?? ':memory:',
    cartTtlMs: options.cartTtlMs ?? DEFAULTS.cartTtlMs,
    jwtSecret: SECRET,
    jwksUrl: undefined,
    databaseUrl: options.databaseUrl,
    logLevel: 'silent',
    production: false,
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULTS.bodyLimitBytes,
    idempotencyTtlMs: options.idempotencyTtlMs ?? DEFAULTS.idempotencyTtlMs,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
    unknownProperties: options.unknownProperties ?? 'ignore',
    corsOrigins: options.corsOrigins ?? 'loopback',
    provisioningDelayMs: options.provisioningDelayMs ?? 0,
    sandboxProfile: options.sandboxProfile ?? 'production',
    sandboxControls: options.sandboxControls ?? true,
  };
}

export class TestServer {
  readonly #options: TestServerOptions | (() => TestServerOptions);
  #running: RunningServer | undefined;
  baseUrl = '';
  #token = '';

  /** Options, or a function giving them when the server starts (a test may change them between starts). */
  constructor(options: TestServerOptions | (() => TestServerOptions) = {}) {
    this.#options = options;
  }

  /** The store of the running server. */
  get store(): Store {
    if (!this.#running) throw new Error('the test server is not started');
    return this.#running.store;
  }

  async start(): Promise<this> {
    const options = typeof this.#options === 'function' ? this.#options() : this.#options;
    const { now, logger, busyTimeoutMs } = options;
    this.#running = await startServer(testConfig(options), {
      logger: logger ?? pino({ level: 'silent' }),
      ...(now ? { clock: { now } } : {}),
      ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
    });
    this.baseUrl = this.#running.url;
    this.#token = await token(PARTNER);
    return this;
  }

  async stop(): Promise<void> {
    await this.#running?.stop();
  }

  /**
   * Empties the sandbox for the partners the tests act as: `POST /sandbox/reset` as each (its carts,
   * orders, seats, recorded answers, virtual clock, rules and journal), or, on a server without the
   * test controls, the store's reset of the same partners.
   */
  async reset(partners: readonly string[] = [PARTNER, OTHER_PARTNER]): Promise<void> {
    if (!this.#running) throw new Error('the test server is not started');
    const controls = (typeof this.#options === 'function' ? this.#options() : this.#options).sandboxControls ?? true;
    for (const partner of partners) {
      if (!controls) {
        await this.#running.store.resetPartner(partner);
        continue;
      }
      const reply = await this.call('POST', '/sandbox/reset', {
        headers: { authorization: `Bearer ${await token(partner)}` },
      });
      if (reply.status !== 200)
        throw new Error(`the sandbox's reset answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    }
  }

  /** A JSON call as the default partner, unless `headers.authorization` says otherwise (null: none). */
  async call<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string | null> } = {},
  ): Promise<Reply<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] = 'application/json';
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value === null) delete headers[name.toLowerCase()];
      else headers[name.toLowerCase()] = value;
    }
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(options.rawBody !== undefined
        ? { body: options.rawBody }
        : options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {}),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: left as text for the test to see
    }
    return { status: response.status, headers: response.headers, body: body as T };
  }
}

export function token(tenantId: string, userId = USER, expiresIn = '1h'): Promise<string> {
  return mintToken({ secret: SECRET, tenantId, userId, expiresIn });
}

export const cartsPath = (customerId = CUSTOMER) => `/v1/customers/${customerId}/carts`;
export const cartPath = (cartId: string, customerId = CUSTOMER) => `/v1/customers/${customerId}/carts/${cartId}`;
export const checkoutPath = (cartId: string, customerId = CUSTOMER) =>
  `/v1/customers/${customerId}/carts/${cartId}/checkout`;
export const ordersPath = (customerId = CUSTOMER) => `/v1/customers/${customerId}/orders`;
export const orderPath = (orderId: string, customerId = CUSTOMER) => `/v1/customers/${customerId}/orders/${orderId}`;

/** A line for the new-commerce Office 365 E5 monthly SKU of the published example (36.48 a month). */
export const e5Line = (quantity = 1, extra: Record<string, unknown> = {}) => ({
  catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H',
  quantity,
  billingCycle: 'monthly',
  termDuration: 'P1M',
  ...extra,
});

/**
 * Runs the project's Node on `args` asynchronously (a synchronous spawn would block the in-process
 * server the child talks to) and collects its output.
 */
export function runNode(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** The fields an error body's `data` names (`<field>: <what is wrong>` each). */
export function fieldsOf(data: string[]): string[] {
  return data.map((entry) => entry.slice(0, entry.indexOf(': ')));
}

/** Runs `use` while something else listens on a loopback port (a port already taken), then frees it. */
export async function withTakenPort<T>(use: (port: number) => Promise<T>): Promise<T> {
  const taken = createHttpServer();
  await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
  try {
    return await use((taken.address() as { port: number }).port);
  } finally {
    await new Promise<void>((done) => taken.close(() => done()));
  }
}

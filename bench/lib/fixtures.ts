// What the benchmark sends and stores: the tenant, customers and line items of its carts, the JWT
// secret and environment its servers are started with, and the seeding of a SQLite file through the
// server's own composition root (startServer, then CartService.createCart in one store transaction:
// much faster than creating carts over HTTP, and every cart is stored exactly as a POST stores it).
//
// The server modules are imported from the tree under test (`root`), so that `--compare` can run a
// changed copy of the repository with the same benchmark. Their types are this tree's (type-only
// imports): a tree compared with this one is expected to have the same API. A tree from before the
// composition root (no server/start.ts: the synchronous SqliteStore and CartService) is seeded by
// `seedLegacy` below.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import type { RunningServer as ServerRoot, startServer as StartServer } from '../../server/start.ts';
import type { loadConfig as LoadConfig } from '../../server/config.ts';
import type { mintToken as MintToken } from '../../server/auth.ts';

export const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
export const PARTNER = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
export const USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';
/** The customer every measured request is about (a US customer: no entry in the catalog's customers). */
export const CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';

/** A create or update body as CartService takes it (the canonical camelCase the bench also sends over HTTP). */
type CartInput = Parameters<ServerRoot['service']['createCart']>[2];
export type LineInput = CartInput['lineItems'][number];

/**
 * Catalog items without a pooled seat limit, attestation or add-on base: every line is valid, however many carts are
 * checked out.
 */
const ITEMS: Omit<LineInput, 'quantity'>[] = [
  { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', billingCycle: 'monthly', termDuration: 'P1M' }, // Office 365 E5
  { catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', billingCycle: 'annual', termDuration: 'P1Y' }, // Entra ID P1
  { catalogItemId: 'CFQ7TTC0LFLZ:0002:CFQ7TTC0K4TS', billingCycle: 'monthly', termDuration: 'P1Y' },
  { catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0VZW5', billingCycle: 'annual', termDuration: 'P3Y' },
  { catalogItemId: 'CFQ7TTC0LFLX:0001:CFQ7TTC0LB30', billingCycle: 'monthly', termDuration: 'P1M' },
];

/** `count` valid lines, cycling through the items above; `salt` varies the quantities (update sends other ones). */
export function lines(count: number, salt = 0): LineInput[] {
  return Array.from({ length: count }, (_, index) => {
    const item = ITEMS[index % ITEMS.length]!;
    return { ...item, quantity: 1 + ((index + salt) % 7) };
  });
}

export const cartsPath = (customerId = CUSTOMER): string => `/v1/customers/${customerId}/carts`;
export const cartPath = (cartId: string, customerId = CUSTOMER): string =>
  `/v1/customers/${customerId}/carts/${cartId}`;
export const checkoutPath = (cartId: string, customerId = CUSTOMER): string =>
  `/v1/customers/${customerId}/carts/${cartId}/checkout`;

/** Other customers of the same partner, owning the background carts. */
const OTHER_CUSTOMERS = Array.from(
  { length: 100 },
  (_, index) => `0000${String(index).padStart(4, '0')}-1111-4222-8333-444455556666`,
);

/**
 * The reference server's configuration, as environment variables (server/config.ts reads them): the
 * same for the server the benchmark spawns (bench/lib/servers.ts) and for the one it seeds through.
 */
export function serverEnvironment(options: {
  databasePath: string;
  databaseUrl?: string;
  port: number;
  production: boolean;
  logLevel?: string;
}): Record<string, string> {
  return {
    PORT: String(options.port),
    HOST: '127.0.0.1',
    DATABASE_PATH: options.databasePath,
    // PostgreSQL instead of the SQLite file (DATABASE_POOL_SIZE left at the server's default).
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    JWT_SECRET: SECRET,
    LOG_LEVEL: options.logLevel ?? 'silent',
    NODE_ENV: options.production ? 'production' : 'development',
    RATE_LIMIT_PER_MINUTE: '0', // the per-partner limiter would throttle the load itself
  };
}

interface ServerModules {
  /** Absent in a tree from before the composition root. */
  startServer?: typeof StartServer;
  loadConfig: typeof LoadConfig;
  mintToken: typeof MintToken;
}

const modules = new Map<string, Promise<ServerModules>>();

/** The composition root, configuration and auth modules of the tree at `root`. */
export function serverModules(root: string): Promise<ServerModules> {
  let loaded = modules.get(root);
  if (!loaded) {
    const load = (file: string): Promise<Record<string, unknown>> =>
      import(pathToFileURL(join(root, 'server', file)).href);
    const hasRoot = existsSync(join(root, 'server', 'start.ts'));
    loaded = Promise.all([
      hasRoot ? load('start.ts') : Promise.resolve<Record<string, unknown>>({}),
      load('config.ts'),
      load('auth.ts'),
    ]).then(([start, config, auth]) => ({
      ...(hasRoot ? { startServer: start['startServer'] as typeof StartServer } : {}),
      loadConfig: config['loadConfig'] as typeof LoadConfig,
      mintToken: auth['mintToken'] as typeof MintToken,
    }));
    modules.set(root, loaded);
  }
  return loaded;
}

/** A bearer token for the benchmark's partner, signed with SECRET by the server's own mintToken. */
export async function benchToken(root: string): Promise<string> {
  const { mintToken } = await serverModules(root);
  return mintToken({ secret: SECRET, tenantId: PARTNER, userId: USER, expiresIn: '12h' });
}

export interface SeedPlan {
  /** Carts of 3 lines spread over 100 other customers of the partner: the "stored carts" of the database. */
  background: number;
  /** Carts of the measured customer, by name: how many, of how many lines each. */
  carts?: Record<string, { count: number; lines: number }>;
  /** Return the paths of the background carts too (the stored-carts test reads random ones). */
  keepBackgroundPaths?: boolean;
}

export interface Seeded {
  /** The ids of the named carts of the plan. */
  ids: Record<string, string[]>;
  backgroundPaths: string[];
  /** How long the seeding took, the server's start and stop included. */
  ms: number;
}

/** One cart of a plan: its customer, its number of lines, and its name in the plan (none for a background cart). */
interface PlannedCart {
  customerId: string;
  lineCount: number;
  name?: string;
}

/** Every cart of the plan, in the order they are created: the background ones, then the named ones. */
function planCarts(plan: SeedPlan): PlannedCart[] {
  const planned: PlannedCart[] = [];
  const perCustomer = Math.floor(plan.background / OTHER_CUSTOMERS.length);
  for (const [index, customerId] of OTHER_CUSTOMERS.entries()) {
    const count = perCustomer + (index < plan.background % OTHER_CUSTOMERS.length ? 1 : 0);
    for (let made = 0; made < count; made++) planned.push({ customerId, lineCount: 3 });
  }
  for (const [name, { count, lines: lineCount }] of Object.entries(plan.carts ?? {})) {
    for (let made = 0; made < count; made++) planned.push({ customerId: CUSTOMER, lineCount, name });
  }
  return planned;
}

/** The ids of the named carts and the paths of the background ones, from the ids the carts of `planned` were given. */
function collect(plan: SeedPlan, planned: PlannedCart[], made: string[]): Omit<Seeded, 'ms'> {
  const ids: Record<string, string[]> = Object.fromEntries(Object.keys(plan.carts ?? {}).map((name) => [name, []]));
  const backgroundPaths: string[] = [];
  planned.forEach(({ customerId, name }, index) => {
    const id = made[index]!;
    if (name !== undefined) ids[name]!.push(id);
    else if (plan.keepBackgroundPaths) backgroundPaths.push(cartPath(id, customerId));
  });
  return { ids, backgroundPaths };
}

/**
 * Creates the database at `path` (or fills the PostgreSQL database `options.databaseUrl`): the tree's own `startServer`
 * (the configuration the
 * benchmark's servers get, port 0, a silent logger), then every cart of the plan through
 * `service.createCart`, all in one `store.transaction` (one commit), then `stop()`. 100,000 carts take
 * a few seconds.
 */
export async function seedDatabase(
  root: string,
  path: string,
  plan: SeedPlan,
  options: { databaseUrl?: string } = {},
): Promise<Seeded> {
  const { startServer, loadConfig } = await serverModules(root);
  const started = performance.now();
  if (!startServer) {
    if (options.databaseUrl) throw new Error(`${root} has no server/start.ts: it cannot seed PostgreSQL`);
    return { ...(await seedLegacy(root, path, plan)), ms: performance.now() - started };
  }
  const config = loadConfig(
    serverEnvironment({
      databasePath: path,
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
      port: 0,
      production: true,
    }),
  );
  const running = await startServer(config, { logger: pino({ level: 'silent' }) });
  try {
    const caller = { partnerId: PARTNER, userId: USER };
    const planned = planCarts(plan);
    const made: string[] = [];
    await running.store.transaction(async () => {
      for (const { customerId, lineCount } of planned)
        made.push((await running.service.createCart(caller, customerId, { lineItems: lines(lineCount) })).cart.id);
    });
    return { ...collect(plan, planned, made), ms: performance.now() - started };
  } finally {
    await running.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
// A tree from before the composition root (for --compare against it): a synchronous SqliteStore and
// CartService, wired here as that tree's server/main.ts wired them. To be removed with that support.

interface LegacyModules {
  SqliteStore: new (path: string) => {
    transaction<T>(work: () => T): T;
    close(): void;
  };
  CartService: new (options: { store: unknown; catalog: unknown; cartTtlMs: number }) => {
    createCart(
      caller: { partnerId: string; userId: string },
      customerId: string,
      input: { lineItems: LineInput[] },
    ): { id: string };
  };
  loadCatalog: () => unknown;
}

async function seedLegacy(root: string, path: string, plan: SeedPlan): Promise<Omit<Seeded, 'ms'>> {
  const load = (file: string): Promise<Record<string, unknown>> =>
    import(pathToFileURL(join(root, 'server', file)).href);
  const [storeModule, cartsModule, catalogModule] = await Promise.all([
    load('store/sqlite.ts'),
    load('domain/carts.ts'),
    load('domain/catalog.ts'),
  ]);
  const { SqliteStore, CartService, loadCatalog } = {
    SqliteStore: storeModule['SqliteStore'],
    CartService: cartsModule['CartService'],
    loadCatalog: catalogModule['loadCatalog'],
  } as LegacyModules;
  const store = new SqliteStore(path);
  try {
    const service = new CartService({ store, catalog: loadCatalog(), cartTtlMs: 7 * 24 * 3600 * 1000 });
    const caller = { partnerId: PARTNER, userId: USER };
    const planned = planCarts(plan);
    const made: string[] = [];
    store.transaction(() => {
      for (const { customerId, lineCount } of planned)
        made.push(service.createCart(caller, customerId, { lineItems: lines(lineCount) }).id);
    });
    return collect(plan, planned, made);
  } finally {
    store.close();
  }
}

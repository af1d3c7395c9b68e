// What the benchmark sends and stores: the tenant, customers and line items of its carts, the JWT
// secret its servers are started with, and the seeding of a SQLite file straight through the server's
// own SqliteStore and CartService (one transaction; much faster than creating carts over HTTP).
//
// The server modules are imported from the tree under test (`root`), so that `--compare` can run a
// changed copy of the repository with the same benchmark.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
export const PARTNER = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
export const USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';
/** The customer every measured request is about (a US customer: no entry in the catalog's customers). */
export const CUSTOMER = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';

export interface LineInput {
  catalogItemId: string;
  quantity: number;
  billingCycle: string;
  termDuration: string;
}

/** Catalog items without a pooled seat limit, attestation or add-on base: every line is valid, however many carts are checked out. */
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
export const cartPath = (cartId: string, customerId = CUSTOMER): string => `/v1/customers/${customerId}/carts/${cartId}`;
export const checkoutPath = (cartId: string, customerId = CUSTOMER): string => `/v1/customers/${customerId}/carts/${cartId}/checkout`;

/** Other customers of the same partner, owning the background carts. */
const OTHER_CUSTOMERS = Array.from({ length: 100 }, (_, index) => `0000${String(index).padStart(4, '0')}-1111-4222-8333-444455556666`);

interface StoredCart {
  id: string;
  links: { self: { uri: string } };
}

interface ServerModules {
  SqliteStore: new (path: string) => {
    transaction<T>(work: () => T): T;
    insertCart(owner: { partnerId: string; customerId: string }, cart: StoredCart): void;
    close(): void;
  };
  CartService: new (options: { store: unknown; catalog: unknown; cartTtlMs: number }) => {
    createCart(caller: { partnerId: string; userId: string }, customerId: string, input: { lineItems: LineInput[] }): StoredCart;
  };
  loadCatalog: () => unknown;
  mintToken: (options: { secret: string; tenantId: string; userId: string; expiresIn?: string }) => Promise<string>;
}

const modules = new Map<string, Promise<ServerModules>>();

/** The store, domain and auth modules of the tree at `root`. */
export function serverModules(root: string): Promise<ServerModules> {
  let loaded = modules.get(root);
  if (!loaded) {
    const load = (file: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(root, 'server', file)).href);
    loaded = Promise.all([load('store/sqlite.ts'), load('domain/carts.ts'), load('domain/catalog.ts'), load('auth.ts')]).then(
      ([store, carts, catalog, auth]) => ({
        SqliteStore: store['SqliteStore'] as ServerModules['SqliteStore'],
        CartService: carts['CartService'] as ServerModules['CartService'],
        loadCatalog: catalog['loadCatalog'] as ServerModules['loadCatalog'],
        mintToken: auth['mintToken'] as ServerModules['mintToken'],
      }),
    );
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

/**
 * Creates the database at `path` and fills it in one transaction. For each shape of cart (number of
 * lines, customer), one cart is created through the server's CartService, exactly as a POST would
 * have stored it; the others are copies of it under new ids, written with SqliteStore.insertCart
 * (evaluating every line of 100,000 carts again would only make the seeding slower). Returns the
 * ids of the named carts, and the time the seeding took.
 */
export async function seedDatabase(
  root: string,
  path: string,
  plan: SeedPlan,
): Promise<{ ids: Record<string, string[]>; backgroundPaths: string[]; ms: number }> {
  const { SqliteStore, CartService, loadCatalog } = await serverModules(root);
  const started = performance.now();
  const store = new SqliteStore(path);
  const ids: Record<string, string[]> = {};
  const backgroundPaths: string[] = [];
  try {
    const service = new CartService({ store, catalog: loadCatalog(), cartTtlMs: 7 * 24 * 3600 * 1000 });
    const caller = { partnerId: PARTNER, userId: USER };
    /** `count` carts of `lineCount` lines for `customerId`: the first through CartService, the rest copied. */
    const carts = (customerId: string, lineCount: number, count: number): string[] => {
      if (count <= 0) return [];
      const template = service.createCart(caller, customerId, { lineItems: lines(lineCount) });
      const made = [template.id];
      const owner = { partnerId: PARTNER, customerId };
      for (let index = 1; index < count; index++) {
        const id = randomUUID();
        store.insertCart(owner, { ...template, id, links: { ...template.links, self: { ...template.links.self, uri: template.links.self.uri.replace(template.id, id) } } });
        made.push(id);
      }
      return made;
    };
    store.transaction(() => {
      const perCustomer = Math.floor(plan.background / OTHER_CUSTOMERS.length);
      OTHER_CUSTOMERS.forEach((customerId, index) => {
        const count = perCustomer + (index < plan.background % OTHER_CUSTOMERS.length ? 1 : 0);
        const made = carts(customerId, 3, count);
        if (plan.keepBackgroundPaths) for (const id of made) backgroundPaths.push(cartPath(id, customerId));
      });
      for (const [name, { count, lines: lineCount }] of Object.entries(plan.carts ?? {})) ids[name] = carts(CUSTOMER, lineCount, count);
    });
  } finally {
    store.close();
  }
  return { ids, backgroundPaths, ms: performance.now() - started };
}

// Crash safety, shown by killing the real server process (server/main.ts) with SIGKILL again and
// again while several workers create, update (PUT of the whole cart) and check out carts, and
// restarting it on the same SQLite file each time. Every write answered 2xx must survive; a write
// whose answer was lost to the kill may have happened or not, wholly, and nothing else; no cart is
// ever half-ordered; the file stays intact; every restart starts cleanly and answers at once.
// With the idempotency layer (MS-RequestId), a write lost to a kill and retried after the restart
// with the same MS-RequestId and body takes effect exactly once.
// And SIGTERM during a load: requests in flight are answered, the process exits 0.
//
// The kill moments and every worker's choices come from one seeded PRNG (the timing of the load
// itself is the machine's); the figures and any failure print the seed. Defaults fit `npm test`
// (about 30 s on a busy 2-core machine: 2 x 5 SIGKILL cycles, plus starts killed before they
// listen). Longer manual runs: CRASH_SEED, CRASH_CYCLES, CRASH_WORKERS, CRASH_MIN_LOAD_MS and
// CRASH_MAX_LOAD_MS (how long the load runs before each kill), e.g. (--no-config: this file only)
//   CRASH_CYCLES=60 CRASH_SEED=1234 npx mocha --no-config --timeout 0 server/test/crash.test.ts
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, Agent, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { cartPath, cartsPath, checkoutPath, e5Line, ordersPath, PARTNER, token } from './harness.ts';
import { ServerProcess, type Exit } from './server-process.ts';

const positive = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
};
const CYCLES = positive('CRASH_CYCLES', 5);
const WORKERS = positive('CRASH_WORKERS', 4);
const MIN_LOAD_MS = positive('CRASH_MIN_LOAD_MS', 150);
const MAX_LOAD_MS = Math.max(MIN_LOAD_MS, positive('CRASH_MAX_LOAD_MS', 900));
const FIXED_SEED = process.env['CRASH_SEED'] === undefined ? undefined : Number(process.env['CRASH_SEED']) >>> 0;
/** The seed of one test: CRASH_SEED when set, else a new one (printed with the figures and on failure). */
const newSeed = (): number => FIXED_SEED ?? randomInt(0, 2 ** 32);

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const between = (rand: () => number, low: number, high: number): number => low + Math.floor(rand() * (high - low + 1));

/** Three lines in three order groups: "0" (monthly), "1" (annual), "OMS-0" (a legacy offer). */
const LINES = [
  (quantity: number) => e5Line(quantity),
  (quantity: number) => ({ catalogItemId: 'CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ', quantity, billingCycle: 'annual', termDuration: 'P1Y' }),
  (quantity: number) => ({ catalogItemId: '91FD106F-4B2C-4938-95AC-F54F74E9A239', quantity, billingCycle: 'monthly' }),
];

/** What identifies a cart state in this test: its status and the quantity of each line. */
const signature = (cart: any): string => `${cart.status}|${(cart.lineItems as any[]).map((line) => line.quantity).join(',')}`;
const groupsOf = (cart: any): string[] => [...new Set((cart.lineItems as any[]).map((line) => String(line.orderGroup)))].sort();
const byId = (orders: any[]): any[] => [...orders].sort((a, b) => String(a.id).localeCompare(String(b.id)));

// ---------------------------------------------------------------------------------------------
// HTTP

interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

/** The request never got a whole answer: refused, reset, or cut off mid-body. */
class NoAnswer extends Error {}

async function call(baseUrl: string, bearer: string, method: string, path: string, body?: string, requestId?: string): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (requestId !== undefined) headers['ms-requestid'] = requestId;
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(20_000) });
    text = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new NoAnswer(`${method} ${path}: ${String(error)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
  }
  return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
}

// ---------------------------------------------------------------------------------------------
// The model of what the server must hold

type Kind = 'create' | 'update' | 'checkout';

interface Write {
  seq: number;
  cycle: number;
  worker: number;
  kind: Kind;
  cart: CartModel;
  method: 'POST' | 'PUT';
  path: string;
  body: string | undefined;
  /** Sent in idempotent mode only: plain mode takes the path of writes without one. */
  requestId: string | undefined;
  /** The signature of the cart once this write has happened. */
  signature: string;
  outcome: 'in-flight' | 'acknowledged' | 'lost';
  reply?: Reply;
  /** Set for a lost write once the restart showed whether it happened. */
  applied?: boolean;
}

interface CartModel {
  customerId: string;
  /** Known once the create was acknowledged, or found after a restart. */
  id: string | undefined;
  /** The whole cart as the server must return it now (before `inDoubt`, if any); undefined before the create. */
  cart: any;
  /** 'absent': a lost create that did not happen, or a cart no longer written to after a problem. */
  state: 'new' | 'active' | 'ordered' | 'absent';
  updatesLeft: number;
  writes: Write[];
  /** The last write, answer lost to a kill, not yet resolved. */
  inDoubt: Write | undefined;
  /** The orders an acknowledged checkout returned. */
  checkoutOrders: any[] | undefined;
}

interface WorkerState {
  index: number;
  rand: () => number;
  current: CartModel | undefined;
  acknowledged: Write[];
}

interface Figures {
  cycles: number;
  sent: number;
  acknowledged: number;
  lost: number;
  lostApplied: number;
  lostNotApplied: number;
  startKills: number;
  retried: number;
  retriedReplayed: number;
  replays: number;
  cartsChecked: number;
  ordersChecked: number;
  firstAnswerMs: number[];
  verifyMs: number;
}

type Mode = 'plain' | 'idempotent';

/** One SIGKILL loop over one database file. */
class CrashLoop {
  readonly seed: number;
  readonly mode: Mode;
  readonly databasePath: string;
  readonly rand: () => number;
  readonly carts: CartModel[] = [];
  readonly workers: WorkerState[] = [];
  readonly problems: string[] = [];
  readonly schedule: string[] = [];
  readonly figures: Figures = {
    cycles: 0, sent: 0, acknowledged: 0, lost: 0, lostApplied: 0, lostNotApplied: 0,
    startKills: 0, retried: 0, retriedReplayed: 0, replays: 0, cartsChecked: 0, ordersChecked: 0, firstAnswerMs: [], verifyMs: 0,
  };
  server: ServerProcess | undefined;
  bearer = '';
  #cycle = 0;
  #seq = 0;
  #customers = 0;
  #killIssued = false;
  readonly #seen = new Set<string>();

  constructor(seed: number, mode: Mode, databasePath: string) {
    this.seed = seed;
    this.mode = mode;
    this.databasePath = databasePath;
    this.rand = prng(seed);
    for (let index = 0; index < WORKERS; index++) {
      this.workers.push({ index, rand: prng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0), current: undefined, acknowledged: [] });
    }
  }

  /** Records a problem, once (a cart left wrong is seen again at every restart). */
  problem(text: string): void {
    if (this.#seen.has(text)) return;
    this.#seen.add(text);
    this.problems.push(`[cycle ${this.#cycle}] ${text}`);
  }

  /** Starts (or restarts) the server on the database file, and times its first API answer. */
  async start(): Promise<void> {
    const started = performance.now();
    this.server = await ServerProcess.start({ databasePath: this.databasePath });
    this.bearer ||= await token(PARTNER);
    // The first request after a (re)start: an authenticated read that goes to the database.
    const first = await call(this.server.baseUrl, this.bearer, 'GET', ordersPath(customerGuid(0)));
    assert.equal(first.status, 200, `the first request after the restart answered ${first.status}: ${JSON.stringify(first.body)}`);
    this.figures.firstAnswerMs.push(Math.round(performance.now() - started));
    if (this.server.stderr !== '') this.problem(`the server wrote to stderr while starting: ${this.server.stderr}`);
    // The file as the crash left it (the server has opened it): whole, and no cart half-ordered.
    withDatabase(this.databasePath, (db) => {
      const integrity = integrityCheck(db);
      if (integrity !== 'ok') this.problem(`PRAGMA integrity_check after the restart: ${integrity}`);
      for (const problem of wholeOrders(db)) this.problem(`after the restart: ${problem}`);
    });
  }

  /** Sometimes (by the PRNG) a start is killed too, at a random moment: while it opens or migrates the file, or just after. */
  async maybeKillAStart(probability: number): Promise<void> {
    if (this.rand() >= probability) return;
    const afterMs = between(this.rand, 0, 600);
    const early = await ServerProcess.startAndKill({ databasePath: this.databasePath }, afterMs);
    this.figures.startKills++;
    this.schedule.push(`  a start SIGKILLed ${afterMs} ms after its spawn (${early.listened ? 'it was listening' : 'before it listened'})`);
    if (early.exit.signal !== 'SIGKILL') this.problem(`a start ended by itself before the kill: ${JSON.stringify(early.exit)}\n${early.stderr}`);
  }

  /** One cycle: load for a random while, SIGKILL, restart, resolve every write whose answer was lost. */
  async cycle(): Promise<void> {
    const server = this.server;
    assert.ok(server);
    this.#cycle++;
    this.#killIssued = false;
    const loadMs = between(this.rand, MIN_LOAD_MS, MAX_LOAD_MS);
    this.schedule.push(`cycle ${this.#cycle}: SIGKILL after ${loadMs} ms of load`);
    const workers = this.workers.map((worker) => this.#work(worker, server));
    await new Promise((done) => setTimeout(done, loadMs));
    this.#killIssued = true;
    const exit = await server.stop('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL', `the server ended by itself before the kill: ${JSON.stringify(exit)}\n${server.stderr}`);
    await Promise.all(workers);
    this.figures.cycles++;
    await this.maybeKillAStart(0.3);
    await this.start();
    await this.resolve();
  }

  #newCart(worker: WorkerState): CartModel {
    const cart: CartModel = {
      customerId: customerGuid(++this.#customers),
      id: undefined,
      cart: undefined,
      state: 'new',
      updatesLeft: between(worker.rand, 0, 3),
      writes: [],
      inDoubt: undefined,
      checkoutOrders: undefined,
    };
    this.carts.push(cart);
    worker.current = cart;
    return cart;
  }

  #next(worker: WorkerState): Write {
    let cart = worker.current;
    if (!cart || cart.state === 'ordered' || cart.state === 'absent') cart = this.#newCart(worker);
    const requestId = this.mode === 'idempotent' ? randomUUID() : undefined;
    const base = { seq: ++this.#seq, cycle: this.#cycle, worker: worker.index, cart, requestId, outcome: 'in-flight' as const };
    if (cart.state === 'new') {
      // The first line's quantity counts the cart's writes (1, 2, 3...), so each state is told apart.
      const lineItems = LINES.slice(0, between(worker.rand, 2, 3)).map((line, index) => line(index === 0 ? 1 : between(worker.rand, 1, 40)));
      return { ...base, kind: 'create', method: 'POST', path: cartsPath(cart.customerId), body: JSON.stringify({ lineItems }), signature: signature({ status: 'Active', lineItems }) };
    }
    if (cart.updatesLeft > 0) {
      // The documented update: the whole cart as GET returns it, changed, PUT back.
      const edited = structuredClone(cart.cart);
      edited.lineItems.forEach((line: any, index: number) => {
        line.quantity = index === 0 ? line.quantity + 1 : between(worker.rand, 1, 40);
      });
      return { ...base, kind: 'update', method: 'PUT', path: cartPath(cart.id ?? '', cart.customerId), body: JSON.stringify(edited), signature: signature(edited) };
    }
    return { ...base, kind: 'checkout', method: 'POST', path: checkoutPath(cart.id ?? '', cart.customerId), body: undefined, signature: signature({ ...cart.cart, status: 'Ordered' }) };
  }

  /** A worker: one write at a time, to carts only it writes, until the kill. */
  async #work(worker: WorkerState, server: ServerProcess): Promise<void> {
    while (!this.#killIssued) {
      if (this.mode === 'idempotent' && worker.acknowledged.length > 0 && worker.rand() < 0.08) {
        if (!(await this.#replayAcknowledged(worker, server))) return;
        continue;
      }
      const write = this.#next(worker);
      write.cart.writes.push(write);
      this.figures.sent++;
      let reply: Reply;
      try {
        reply = await call(server.baseUrl, this.bearer, write.method, write.path, write.body, write.requestId);
      } catch (error) {
        if (!(error instanceof NoAnswer)) throw error;
        if (!this.#killIssued) this.problem(`a ${write.kind} got no answer from a live server: ${error.message}`);
        write.outcome = 'lost';
        write.cart.inDoubt = write;
        this.figures.lost++;
        return;
      }
      if (!this.#acknowledge(write, reply)) return;
    }
  }

  /** Records a 2xx answer to `write` into the model; anything else is a problem (this load sends only valid writes). */
  #acknowledge(write: Write, reply: Reply, counted = true): boolean {
    const cart = write.cart;
    if (reply.status !== 201) {
      this.problem(`${describeWrite(write)} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      cart.state = 'absent'; // not written to again; its final state is still checked against what the server holds
      return false;
    }
    write.outcome = 'acknowledged';
    write.reply = reply;
    if (counted) this.figures.acknowledged++;
    this.workers[write.worker]?.acknowledged.push(write);
    if (write.kind === 'checkout') {
      const result = reply.body;
      if (result.orderErrors.length > 0 || result.orders.length !== groupsOf(cart.cart).length) {
        this.problem(`checkout of cart ${cart.id} answered ${result.orders.length} order(s) for ${groupsOf(cart.cart).length} group(s), errors ${JSON.stringify(result.orderErrors)}`);
      }
      cart.cart = { ...cart.cart, status: 'Ordered' };
      cart.checkoutOrders = result.orders;
      cart.state = 'ordered';
      return true;
    }
    if (signature(reply.body) !== write.signature) this.problem(`${write.kind} answered a cart ${signature(reply.body)}, expected ${write.signature}`);
    cart.cart = reply.body;
    cart.id = reply.body.id;
    if (write.kind === 'update') cart.updatesLeft--;
    cart.state = 'active';
    return true;
  }

  /**
   * Idempotent mode: sends again a write that was acknowledged earlier, same MS-RequestId and body.
   * Its answer must be the original one, marked replayed, and the cart must not change.
   */
  async #replayAcknowledged(worker: WorkerState, server: ServerProcess): Promise<boolean> {
    const write = worker.acknowledged[Math.floor(worker.rand() * worker.acknowledged.length)];
    if (!write?.reply) return true;
    let reply: Reply;
    let now: Reply;
    try {
      reply = await call(server.baseUrl, this.bearer, write.method, write.path, write.body, write.requestId);
      now = await call(server.baseUrl, this.bearer, 'GET', cartPath(write.cart.id ?? '', write.cart.customerId));
    } catch (error) {
      if (!(error instanceof NoAnswer)) throw error;
      if (!this.#killIssued) this.problem(`a replay got no answer from a live server: ${error.message}`);
      return false;
    }
    this.figures.replays++;
    const what = `the replay of ${describeWrite(write)}`;
    if (reply.status !== write.reply.status) this.problem(`${what} answered ${reply.status}, the original ${write.reply.status}: ${JSON.stringify(reply.body)}`);
    else if (!isDeepEqual(reply.body, write.reply.body)) this.problem(`${what} answered a body different from the original:\n${JSON.stringify(reply.body)}\n${JSON.stringify(write.reply.body)}`);
    if (reply.headers.get('idempotent-replayed') !== 'true') this.problem(`${what} has no Idempotent-Replayed: true`);
    if (!isDeepEqual(now.body, write.cart.cart)) this.problem(`${what} changed the cart: ${signature(now.body)}, expected ${signature(write.cart.cart)}`);
    return true;
  }

  /** After a restart: every write whose answer was lost happened wholly or not at all; in idempotent mode, retried. */
  async resolve(): Promise<void> {
    for (const cart of this.carts) {
      const write = cart.inDoubt;
      if (!write) continue;
      cart.inDoubt = undefined;
      const observed = await this.#observe(cart, write);
      if (observed === undefined) continue;
      write.applied = observed.applied;
      if (observed.applied) this.figures.lostApplied++;
      else this.figures.lostNotApplied++;
      if (this.mode === 'idempotent') await this.#retry(write, observed);
      else this.#adopt(write, observed);
    }
  }

  /** What the server holds for a cart whose last write was lost; a problem unless it is the state before or after that write. */
  async #observe(cart: CartModel, write: Write): Promise<{ applied: boolean; cart: any } | undefined> {
    const server = this.server;
    assert.ok(server);
    let id = cart.id;
    if (id === undefined) {
      // A lost create: the cart exists at most once, found by its customer (one cart per customer).
      const rows = withDatabase(this.databasePath, (db) => db.prepare('SELECT id FROM carts WHERE partner_id = ? AND customer_id = ?').all(PARTNER, cart.customerId) as { id: string }[]);
      if (rows.length > 1) this.problem(`the lost ${describeWrite(write)} made ${rows.length} carts: ${rows.map((row) => row.id).join(', ')}`);
      if (rows.length === 0) return { applied: false, cart: undefined };
      id = rows[0]?.id ?? '';
    }
    const reply = await call(server.baseUrl, this.bearer, 'GET', cartPath(id, cart.customerId));
    if (reply.status !== 200) {
      this.problem(`cart ${id} (customer ${cart.customerId}) is not readable after the restart: ${reply.status} ${JSON.stringify(reply.body)}`);
      cart.state = 'absent';
      return undefined;
    }
    const found = signature(reply.body);
    const before = cart.cart === undefined ? undefined : signature(cart.cart);
    if (found === write.signature) return { applied: true, cart: reply.body };
    if (found === before) return { applied: false, cart: reply.body };
    this.problem(`after the lost ${describeWrite(write)}, cart ${id} is ${found}: neither the state before (${before}) nor after (${write.signature}) it`);
    cart.state = 'absent';
    return undefined;
  }

  /** Plain mode: the observed state becomes what the server must hold from now on. */
  #adopt(write: Write, observed: { applied: boolean; cart: any }): void {
    const cart = write.cart;
    if (!observed.applied) {
      if (write.kind === 'create') cart.state = 'absent';
      return;
    }
    cart.cart = observed.cart;
    cart.id = observed.cart.id;
    if (write.kind === 'update') cart.updatesLeft--;
    cart.state = write.kind === 'checkout' ? 'ordered' : 'active';
  }

  /**
   * Idempotent mode: sends the lost write again, same MS-RequestId and body. It must succeed; be a
   * replay (Idempotent-Replayed: true, the body the server holds) exactly when the lost write had
   * happened; and leave one cart, not two.
   */
  async #retry(write: Write, observed: { applied: boolean; cart: any }): Promise<void> {
    const server = this.server;
    assert.ok(server);
    const cart = write.cart;
    const what = `the retry of the lost ${describeWrite(write)}, ${observed.applied ? 'which had happened' : 'which had not happened'},`;
    const reply = await call(server.baseUrl, this.bearer, write.method, write.path, write.body, write.requestId);
    this.figures.retried++;
    const replayed = reply.headers.get('idempotent-replayed') === 'true';
    if (replayed) this.figures.retriedReplayed++;
    if (reply.status !== 201) {
      this.problem(`${what} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      cart.state = 'absent';
      return;
    }
    if (observed.applied && !replayed) this.problem(`${what} was executed again instead of replayed`);
    if (!observed.applied && replayed) this.problem(`${what} was answered as a replay of a write that never happened`);
    if (observed.applied && write.kind !== 'checkout' && !isDeepEqual(reply.body, observed.cart)) {
      this.problem(`${what} answered a cart different from the one the server holds:\n${JSON.stringify(reply.body)}\n${JSON.stringify(observed.cart)}`);
    }
    if (write.kind === 'create') {
      const count = withDatabase(this.databasePath, (db) => Number((db.prepare('SELECT COUNT(*) AS n FROM carts WHERE partner_id = ? AND customer_id = ?').get(PARTNER, cart.customerId) as { n: number }).n));
      if (count !== 1) this.problem(`${what} left ${count} carts for its customer, expected 1`);
    }
    this.#acknowledge(write, reply, false);
  }

  /** The final check, through the API and the file: every cart as the model says, orders whole. */
  async verify(): Promise<void> {
    const server = this.server;
    assert.ok(server);
    const started = performance.now();
    const present = this.carts.filter((cart) => cart.id !== undefined);
    // Through the API, a few carts at a time.
    let next = 0;
    const check = async (): Promise<void> => {
      while (next < present.length) {
        const cart = present[next++];
        if (cart) await this.#verifyCart(server, cart);
      }
    };
    await Promise.all([check(), check(), check(), check()]);

    // In the file: one cart per customer for every cart the model has, none else; orders per group; seats.
    withDatabase(this.databasePath, (db) => {
      const integrity = integrityCheck(db);
      if (integrity !== 'ok') this.problem(`PRAGMA integrity_check: ${integrity}`);
      const rows = db.prepare('SELECT customer_id, id FROM carts WHERE partner_id = ? AND customer_id != ?').all(PARTNER, customerGuid(0)) as { customer_id: string; id: string }[];
      const expected = new Map(present.map((cart) => [cart.customerId, cart]));
      for (const row of rows) {
        const cart = expected.get(row.customer_id);
        if (!cart) this.problem(`the file holds cart ${row.id} of customer ${row.customer_id}, which no acknowledged or lost create made`);
        else if (cart.id !== row.id) this.problem(`the file holds cart ${row.id} of customer ${row.customer_id}, expected ${cart.id}`);
      }
      if (rows.length !== present.length) this.problem(`the file holds ${rows.length} carts, expected ${present.length}`);
      for (const problem of wholeOrders(db)) this.problem(problem);
    });
    this.figures.verifyMs = Math.round(performance.now() - started);
  }

  async #verifyCart(server: ServerProcess, cart: CartModel): Promise<void> {
    const reply = await call(server.baseUrl, this.bearer, 'GET', cartPath(cart.id ?? '', cart.customerId));
    this.figures.cartsChecked++;
    const last = cart.writes.at(-1);
    const label = `cart ${cart.id} (customer ${cart.customerId}, last write ${last?.kind} ${last?.outcome} in cycle ${last?.cycle})`;
    if (reply.status !== 200) {
      this.problem(`${label} answers ${reply.status}: ${JSON.stringify(reply.body)}`);
      return;
    }
    if (!isDeepEqual(reply.body, cart.cart)) {
      this.problem(`${label} is not as last written:\n  server: ${JSON.stringify(reply.body)}\n  model:  ${JSON.stringify(cart.cart)}`);
    }
    const orders = await call(server.baseUrl, this.bearer, 'GET', `${ordersPath(cart.customerId)}?include_price=true`);
    const ordered = reply.body.status === 'Ordered';
    const groups = groupsOf(reply.body);
    if (orders.status !== 200 || orders.body.totalCount !== (ordered ? groups.length : 0)) {
      this.problem(`${label} is ${reply.body.status} with ${groups.length} order group(s), its customer has ${orders.body?.totalCount} order(s)`);
      return;
    }
    if (cart.checkoutOrders && !isDeepEqual(byId(orders.body.items), byId(cart.checkoutOrders))) {
      this.problem(`${label}: the orders listed are not the ones the acknowledged checkout answered`);
    }
    for (const order of orders.body.items as any[]) {
      const one = await call(server.baseUrl, this.bearer, 'GET', `${ordersPath(cart.customerId)}/${order.id}?include_price=true`);
      this.figures.ordersChecked++;
      if (one.status !== 200 || !isDeepEqual(one.body, order)) this.problem(`${label}: order ${order.id} reads ${one.status} ${JSON.stringify(one.body)}`);
    }
  }

  report(): string {
    const f = this.figures;
    const orderedCarts = this.carts.filter((cart) => cart.state === 'ordered').length;
    return [
      `crash loop (${this.mode}), seed ${this.seed}: ${f.cycles} SIGKILL cycles, ${WORKERS} workers, load ${MIN_LOAD_MS}-${MAX_LOAD_MS} ms per cycle`,
      `  writes sent ${f.sent}, acknowledged ${f.acknowledged}, lost in flight ${f.lost} (found applied ${f.lostApplied}, not applied ${f.lostNotApplied}); starts killed too ${f.startKills}`,
      ...(this.mode === 'idempotent' ? [`  lost writes retried with their MS-RequestId ${f.retried} (answered as replays ${f.retriedReplayed}); acknowledged writes replayed ${f.replays}`] : []),
      `  carts checked ${f.cartsChecked} (${orderedCarts} ordered), orders checked ${f.ordersChecked} (in ${f.verifyMs} ms); first answer after each (re)start ${f.firstAnswerMs.join(', ')} ms`,
    ].join('\n');
  }

  failure(): string {
    return [
      `${this.problems.length} problem(s); seed ${this.seed} (rerun: CRASH_SEED=${this.seed} npx mocha server/test/crash.test.ts)`,
      ...this.problems.slice(0, 30),
      ...(this.problems.length > 30 ? [`... and ${this.problems.length - 30} more`] : []),
      'schedule:',
      ...this.schedule,
      this.report(),
    ].join('\n');
  }
}

function describeWrite(write: Write): string {
  const id = write.requestId ? `, MS-RequestId ${write.requestId}` : '';
  return `${write.kind} #${write.seq} ${write.method} ${write.path} (worker ${write.worker}, cycle ${write.cycle}${id})`;
}

/** One customer per cart, so that a customer's orders are exactly its cart's. Customer 0 is never written. */
function customerGuid(n: number): string {
  return `c2a5e000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function isDeepEqual(actual: unknown, expected: unknown): boolean {
  try {
    assert.deepStrictEqual(actual, expected);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every cart in the file is Active with no order, or Ordered with one order for each of its order
 * groups; and its customer (one cart per customer) has bought the seats of exactly those orders.
 */
function wholeOrders(db: DatabaseSync): string[] {
  const problems: string[] = [];
  const carts = db.prepare('SELECT customer_id, id, body FROM carts WHERE partner_id = ? AND customer_id != ?').all(PARTNER, customerGuid(0)) as { customer_id: string; id: string; body: string }[];
  const groupsByCart = new Map<string, string[]>();
  for (const row of db.prepare('SELECT cart_id, order_group FROM orders WHERE partner_id = ?').all(PARTNER) as { cart_id: string; order_group: string }[]) {
    groupsByCart.set(row.cart_id, [...(groupsByCart.get(row.cart_id) ?? []), row.order_group]);
  }
  const seats = db.prepare('SELECT customer_id, SUM(quantity) AS n FROM purchased_seats WHERE partner_id = ? GROUP BY customer_id').all(PARTNER) as { customer_id: string; n: number }[];
  const seatsOf = new Map(seats.map((row) => [row.customer_id, Number(row.n)]));
  for (const row of carts) {
    const cart = JSON.parse(row.body);
    const ordered = cart.status === 'Ordered';
    const groups = (groupsByCart.get(row.id) ?? []).sort();
    const want = ordered ? groupsOf(cart) : [];
    if (!isDeepEqual(groups, want)) problems.push(`cart ${row.id} is ${cart.status} with orders for groups [${groups}] in the file, expected [${want}]: half-ordered`);
    const bought = ordered ? (cart.lineItems as any[]).reduce((sum, line) => sum + Number(line.quantity), 0) : 0;
    if ((seatsOf.get(row.customer_id) ?? 0) !== bought) problems.push(`cart ${row.id} is ${cart.status}, its customer has ${seatsOf.get(row.customer_id) ?? 0} purchased seats in the file, expected ${bought}`);
  }
  return problems;
}

/** 'ok', or every line PRAGMA integrity_check reports. */
function integrityCheck(db: DatabaseSync): string {
  return (db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[]).map((row) => row.integrity_check).join('\n');
}

/** A second connection to the server's file, for reads only, closed at once. */
function withDatabase<T>(path: string, work: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    return work(db);
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------------------------

describe('crash safety (the server process killed with SIGKILL during writes)', function () {
  this.timeout(Math.max(60_000, CYCLES * 20_000));
  let dir: string;
  let loop: CrashLoop | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-crash-'));
    loop = undefined;
  });
  afterEach(async () => {
    await loop?.server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(mode: Mode, seed: number): Promise<void> {
    loop = new CrashLoop(seed, mode, join(dir, 'sandbox.db'));
    const started = performance.now();
    try {
      await loop.maybeKillAStart(0.5); // on the new file: a kill while the schema is being made
      await loop.start();
      if (mode === 'idempotent') assert.ok(await supportsIdempotency(loop), 'the server replays a write repeated with its MS-RequestId');
      for (let cycle = 0; cycle < CYCLES; cycle++) await loop.cycle();
      await loop.verify();
      // The last stop is a clean one: SIGTERM, exit 0, and the file is still whole without the server.
      const exit = await loop.server?.stop('SIGTERM');
      assert.deepEqual(exit, { code: 0, signal: null }, `SIGTERM after the loop: ${JSON.stringify(exit)}\n${loop.server?.stderr}`);
      assert.equal(withDatabase(loop.databasePath, integrityCheck), 'ok', 'PRAGMA integrity_check after the last, clean stop');
    } catch (error) {
      console.log(loop.failure());
      throw error;
    }
    console.log(`${loop.report()}\n  took ${Math.round(performance.now() - started)} ms`);
    assert.equal(loop.problems.length, 0, loop.failure());
  }

  it('every acknowledged write survives; a write in flight happens wholly or not at all; no cart is half-ordered', async function () {
    await run('plain', newSeed());
  });

  it('with MS-RequestId: a write lost to a kill, retried after the restart, takes effect exactly once', async function () {
    await run('idempotent', newSeed());
  });
});

/** Whether the server replays a repeated MS-RequestId (the idempotency layer is there and on). */
async function supportsIdempotency(loop: CrashLoop): Promise<boolean> {
  const server = loop.server;
  assert.ok(server);
  const requestId = randomUUID();
  const body = JSON.stringify({ lineItems: [e5Line(1)] });
  const first = await call(server.baseUrl, loop.bearer, 'POST', cartsPath(customerGuid(0)), body, requestId);
  const second = await call(server.baseUrl, loop.bearer, 'POST', cartsPath(customerGuid(0)), body, requestId);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  return second.headers.get('idempotent-replayed') === 'true' && second.body?.id === first.body.id;
}

// ---------------------------------------------------------------------------------------------
// SIGTERM

type Outcome =
  | { kind: 'answered'; status: number; body: any; connection: string | undefined }
  | { kind: 'refused' }
  /** No byte of an answer: the server had not read the request (its effect is checked to be absent). */
  | { kind: 'dropped'; error: string }
  /** An answer begun and cut off: never acceptable. */
  | { kind: 'cut'; error: string };

/** One request on its own connection (`agent` false) or a keep-alive one, classified by how far its answer got. */
function send(baseUrl: string, bearer: string, method: string, path: string, body: string | undefined, agent: Agent | false): Promise<Outcome> {
  return new Promise((done) => {
    let response: IncomingMessage | undefined;
    let text = '';
    const req = request(`${baseUrl}${path}`, {
      method,
      agent,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }) },
      timeout: 20_000,
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (response) done({ kind: 'cut', error: `${error.code ?? ''} ${error.message}` });
      else if (error.code === 'ECONNREFUSED') done({ kind: 'refused' });
      else done({ kind: 'dropped', error: `${error.code ?? ''} ${error.message}` });
    });
    req.on('response', (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('aborted', () => done({ kind: 'cut', error: 'aborted' }));
      res.on('error', (error) => done({ kind: 'cut', error: error.message }));
      res.on('end', () => {
        try {
          done({ kind: 'answered', status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text), connection: res.headers.connection });
        } catch {
          done({ kind: 'cut', error: `a body that is not whole JSON: ${text.slice(0, 200)}` });
        }
      });
    });
    req.end(body);
  });
}

interface ShutdownRun {
  problems: string[];
  figures: string;
  exit: Exit;
  exitMs: number;
}

/**
 * Eight workers create a cart and check it out, again and again; after a random while (seeded) the
 * server gets SIGTERM. Half the workers open a connection per request and go on until refused; the
 * other half share keep-alive connections and, unless `keepAliveGoesOn`, send nothing new after the
 * signal and then close their idle connections (as a client pool does that is being shut down too).
 * Then: how each request ended, the exit, and what the file holds.
 */
async function shutdownDuringLoad(dir: string, seed: number, keepAliveGoesOn: boolean): Promise<ShutdownRun & { server: ServerProcess }> {
  const rand = prng(seed);
  const databasePath = join(dir, 'sandbox.db');
  const server = await ServerProcess.start({ databasePath });
  const bearer = await token(PARTNER);
  const workers = 8;
  const loadMs = between(rand, 200, 700);
  let customers = 0;
  let signalledAt = 0;
  const outcomes: { customerId: string; kind: 'create' | 'checkout'; outcome: Outcome; afterSignal: boolean; keepAlive: boolean }[] = [];
  const keepAlive = new Agent({ keepAlive: true, maxSockets: workers });

  const work = async (index: number): Promise<void> => {
    const agent = index % 2 === 0 ? keepAlive : false;
    const goOn = (): boolean => agent === false || keepAliveGoesOn || signalledAt === 0;
    while (goOn()) {
      const customerId = customerGuid(++customers);
      const body = JSON.stringify({ lineItems: LINES.slice(0, 2).map((line) => line(between(rand, 1, 20))) });
      let afterSignal = signalledAt > 0;
      const created = await send(server.baseUrl, bearer, 'POST', cartsPath(customerId), body, agent);
      outcomes.push({ customerId, kind: 'create', outcome: created, afterSignal, keepAlive: agent !== false });
      if (created.kind !== 'answered' || created.status !== 201 || !goOn()) return;
      afterSignal = signalledAt > 0;
      const checkout = await send(server.baseUrl, bearer, 'POST', checkoutPath(created.body.id, customerId), undefined, agent);
      outcomes.push({ customerId, kind: 'checkout', outcome: checkout, afterSignal, keepAlive: agent !== false });
      if (checkout.kind !== 'answered') return;
    }
  };
  const keepAliveWorkers = Promise.all(Array.from({ length: workers / 2 }, (_, index) => work(2 * index)));
  const otherWorkers = Promise.all(Array.from({ length: workers / 2 }, (_, index) => work(2 * index + 1)));
  if (!keepAliveGoesOn) void keepAliveWorkers.then(() => keepAlive.destroy());
  await new Promise((done) => setTimeout(done, loadMs));
  signalledAt = performance.now();
  const exit = await server.stop('SIGTERM', 20_000);
  const exitMs = Math.round(performance.now() - signalledAt);
  await Promise.all([keepAliveWorkers, otherWorkers]);
  keepAlive.destroy();

  const problems: string[] = [];
  if (exit.code !== 0 || exit.signal !== null || exit.forced) problems.push(`the process ended with ${JSON.stringify(exit)} after SIGTERM\n${server.stderr}`);
  for (const o of outcomes) {
    if (o.outcome.kind === 'cut') problems.push(`a ${o.kind} for customer ${o.customerId} was cut mid-answer: ${o.outcome.error}`);
    if (o.outcome.kind === 'answered' && o.outcome.status !== 201) problems.push(`a ${o.kind} for customer ${o.customerId} answered ${o.outcome.status}: ${JSON.stringify(o.outcome.body)}`);
  }
  // What the server wrote: every answered write is there, no unanswered one (a request it acted on and never answered).
  withDatabase(databasePath, (db) => {
    const integrity = integrityCheck(db);
    if (integrity !== 'ok') problems.push(`PRAGMA integrity_check: ${integrity}`);
    const carts = new Map((db.prepare('SELECT customer_id, body FROM carts').all() as { customer_id: string; body: string }[]).map((row) => [row.customer_id, JSON.parse(row.body)]));
    const orderCount = new Map((db.prepare('SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id').all() as { customer_id: string; n: number }[]).map((row) => [row.customer_id, Number(row.n)]));
    for (const o of outcomes) {
      const cart = carts.get(o.customerId);
      const acknowledged = o.outcome.kind === 'answered' && o.outcome.status === 201;
      const orders = orderCount.get(o.customerId) ?? 0;
      if (o.kind === 'create') {
        if (acknowledged && !cart) problems.push(`an acknowledged create for customer ${o.customerId} is not in the file`);
        if (!acknowledged && cart) problems.push(`a create for customer ${o.customerId} was ${o.outcome.kind}, yet its cart is in the file: the server acted on it and never answered`);
      } else {
        if (acknowledged && !(cart?.status === 'Ordered' && orders === 2)) problems.push(`an acknowledged checkout for customer ${o.customerId} left the cart ${cart?.status} with ${orders} order(s)`);
        if (!acknowledged && !(cart?.status === 'Active' && orders === 0)) problems.push(`a checkout for customer ${o.customerId} was ${o.outcome.kind}, yet the cart is ${cart?.status} with ${orders} order(s)`);
      }
    }
  });
  const count = (kind: Outcome['kind']): number => outcomes.filter((o) => o.outcome.kind === kind).length;
  const answered = outcomes.filter((o) => o.outcome.kind === 'answered');
  const keptAlive = answered.filter((o) => o.afterSignal && o.keepAlive && o.outcome.kind === 'answered' && o.outcome.connection !== 'close').length;
  const figures =
    `SIGTERM after ${loadMs} ms of load (seed ${seed}, keep-alive clients ${keepAliveGoesOn ? 'go on' : 'stop'}): ${outcomes.length} requests, ` +
    `answered ${answered.length} (${answered.filter((o) => o.afterSignal).length} sent after the signal, ${keptAlive} of them on a connection kept alive), ` +
    `refused ${count('refused')}, dropped unread ${count('dropped')}, cut ${count('cut')}; exit ${JSON.stringify(exit)} ${exitMs} ms after the signal`;
  return { problems, figures, exit, exitMs, server };
}

describe('graceful shutdown (SIGTERM during a load)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: ServerProcess | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-sigterm-'));
    server = undefined;
  });
  afterEach(async () => {
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request it accepted, whole; refuses the rest; exits 0', async () => {
    const run = await shutdownDuringLoad(dir, newSeed(), false);
    server = run.server;
    console.log(`  ${run.figures}`);
    assert.equal(run.problems.length, 0, `${run.problems.join('\n')}\n${run.figures}`);
  });

  // After server.close() Node goes on serving keep-alive connections that are busy; main.ts answers
  // them `Connection: close` and closes connections as they fall idle, so that clients that keep
  // sending cannot hold the process up until its 10 s deadline (which would reset requests in flight).
  it('tells keep-alive clients to go, and exits within 4 s even while they keep sending', async function () {
    const run = await shutdownDuringLoad(dir, newSeed(), true);
    server = run.server;
    console.log(`  ${run.figures}`);
    if (run.exitMs > 4000) run.problems.push(`the process exited ${run.exitMs} ms after SIGTERM`);
    assert.equal(run.problems.length, 0, `${run.problems.join('\n')}\n${run.figures}`);
  });
});

// The SIGKILL loop: workers write to carts (create, PUT of the whole cart, checkout) on a real server
// process until it is killed at a seeded moment; it is restarted on the same file, and every write
// whose answer was lost is resolved (it happened wholly or not at all; a write sent with an
// MS-RequestId is also retried with it). Every other worker sends MS-RequestId (idempotent mode), the
// others none (plain mode), so that each kill catches writes of both kinds in flight and one loop
// covers both paths through the server: each restart costs the server some 2 s of CPU (starting, and
// compiling the validators of each operation on its first request), the load between kills little.
// What it learns goes into the model (crash-model.ts); the final check is verifyFinalState
// (crash-checks.ts).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { cartPath, cartsPath, checkoutPath, ordersPath, PARTNER, token } from './harness.ts';
import { ServerProcess } from './server-process.ts';
import { integrityCheck, wholeOrders, withDatabase } from './crash-checks.ts';
import {
  between,
  call,
  customerGuid,
  groupsOf,
  isDeepEqual,
  LINES,
  MAX_LOAD_MS,
  MIN_LOAD_MS,
  NoAnswer,
  prng,
  signature,
  WORKERS,
  type Reply,
} from './crash-load.ts';
import { describeWrite, type CartModel, type Figures, type Mode, type WorkerState, type Write } from './crash-model.ts';

/** One SIGKILL loop over one database file. */
export class CrashLoop {
  readonly seed: number;
  readonly databasePath: string;
  readonly rand: () => number;
  readonly carts: CartModel[] = [];
  readonly workers: WorkerState[] = [];
  /** What went wrong, each with the mode of the writes it concerns (undefined: the server or the file as a whole). */
  readonly problems: { mode: Mode | undefined; text: string }[] = [];
  readonly schedule: string[] = [];
  readonly figures: Figures = {
    cycles: 0,
    sent: 0,
    acknowledged: 0,
    lost: 0,
    lostWithRequestId: 0,
    lostApplied: 0,
    lostNotApplied: 0,
    startKills: 0,
    retried: 0,
    retriedReplayed: 0,
    replays: 0,
    cartsChecked: 0,
    ordersChecked: 0,
    firstAnswerMs: [],
    verifyMs: 0,
  };
  server: ServerProcess | undefined;
  bearer = '';
  #cycle = 0;
  #seq = 0;
  #customers = 0;
  #killIssued = false;
  readonly #seen = new Set<string>();

  constructor(seed: number, databasePath: string) {
    this.seed = seed;
    this.databasePath = databasePath;
    this.rand = prng(seed);
    for (let index = 0; index < WORKERS; index++) {
      const mode: Mode = index % 2 === 0 ? 'plain' : 'idempotent';
      this.workers.push({
        index,
        mode,
        rand: prng((seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0),
        current: undefined,
        acknowledged: [],
      });
    }
  }

  /** Records a problem, once (a cart left wrong is seen again at every restart); `mode`: of the writes it concerns. */
  problem(text: string, mode?: Mode): void {
    if (this.#seen.has(text)) return;
    this.#seen.add(text);
    this.problems.push({ mode, text: `[cycle ${this.#cycle}] ${text}` });
  }

  /** The problems of the writes of one mode, and those of the server or the file as a whole. */
  problemsOf(mode: Mode): string[] {
    return this.problems
      .filter((problem) => problem.mode === undefined || problem.mode === mode)
      .map((problem) => problem.text);
  }

  /** Starts (or restarts) the server on the database file, and times its first API answer. */
  async start(): Promise<void> {
    const started = performance.now();
    this.server = await ServerProcess.start({ databasePath: this.databasePath });
    this.bearer ||= await token(PARTNER);
    // The first request after a (re)start: an authenticated read that goes to the database.
    const first = await call(this.server.baseUrl, this.bearer, 'GET', ordersPath(customerGuid(0)));
    assert.equal(
      first.status,
      200,
      `the first request after the restart answered ${first.status}: ${JSON.stringify(first.body)}`,
    );
    this.figures.firstAnswerMs.push(Math.round(performance.now() - started));
    if (this.server.stderr !== '') this.problem(`the server wrote to stderr while starting: ${this.server.stderr}`);
    // The file as the crash left it (the server has opened it): whole, and no cart half-ordered.
    withDatabase(this.databasePath, (db) => {
      const integrity = integrityCheck(db);
      if (integrity !== 'ok') this.problem(`PRAGMA integrity_check after the restart: ${integrity}`);
      for (const problem of wholeOrders(db)) this.problem(`after the restart: ${problem}`);
    });
  }

  /**
   * Sometimes (by the PRNG) a start is killed too, at a random moment: while it opens or migrates the file, or just
   * after.
   */
  async maybeKillAStart(probability: number): Promise<void> {
    if (this.rand() >= probability) return;
    const afterMs = between(this.rand, 0, 600);
    const early = await ServerProcess.startAndKill({ databasePath: this.databasePath }, afterMs);
    this.figures.startKills++;
    this.schedule.push(
      `  a start SIGKILLed ${afterMs} ms after its spawn (${early.listened ? 'it was listening' : 'before it listened'})`,
    );
    if (early.exit.signal !== 'SIGKILL')
      this.problem(`a start ended by itself before the kill: ${JSON.stringify(early.exit)}\n${early.stderr}`);
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
    assert.equal(
      exit.signal,
      'SIGKILL',
      `the server ended by itself before the kill: ${JSON.stringify(exit)}\n${server.stderr}`,
    );
    await Promise.all(workers);
    this.figures.cycles++;
    // 0.7 (0.3 when a loop ran one mode only, twice): about as many starts killed in all as then.
    await this.maybeKillAStart(0.7);
    await this.start();
    await this.resolve();
  }

  #newCart(worker: WorkerState): CartModel {
    const cart: CartModel = {
      customerId: customerGuid(++this.#customers),
      id: undefined,
      cart: undefined,
      state: 'new',
      mode: worker.mode,
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
    const requestId = worker.mode === 'idempotent' ? randomUUID() : undefined;
    const base = {
      seq: ++this.#seq,
      cycle: this.#cycle,
      worker: worker.index,
      cart,
      requestId,
      outcome: 'in-flight' as const,
    };
    if (cart.state === 'new') {
      // The first line's quantity counts the cart's writes (1, 2, 3...), so each state is told apart.
      const lineItems = LINES.slice(0, between(worker.rand, 2, 3)).map((line, index) =>
        line(index === 0 ? 1 : between(worker.rand, 1, 40)),
      );
      return {
        ...base,
        kind: 'create',
        method: 'POST',
        path: cartsPath(cart.customerId),
        body: JSON.stringify({ lineItems }),
        signature: signature({ status: 'Active', lineItems }),
      };
    }
    if (cart.updatesLeft > 0) {
      // The documented update: the whole cart as GET returns it, changed, PUT back.
      const edited = structuredClone(cart.cart);
      edited.lineItems.forEach((line: any, index: number) => {
        line.quantity = index === 0 ? line.quantity + 1 : between(worker.rand, 1, 40);
      });
      return {
        ...base,
        kind: 'update',
        method: 'PUT',
        path: cartPath(cart.id ?? '', cart.customerId),
        body: JSON.stringify(edited),
        signature: signature(edited),
      };
    }
    return {
      ...base,
      kind: 'checkout',
      method: 'POST',
      path: checkoutPath(cart.id ?? '', cart.customerId),
      body: undefined,
      signature: signature({ ...cart.cart, status: 'Ordered' }),
    };
  }

  /** A worker: one write at a time, to carts only it writes, until the kill. */
  async #work(worker: WorkerState, server: ServerProcess): Promise<void> {
    while (!this.#killIssued) {
      if (worker.mode === 'idempotent' && worker.acknowledged.length > 0 && worker.rand() < 0.08) {
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
        if (!this.#killIssued)
          this.problem(`a ${write.kind} got no answer from a live server: ${error.message}`, worker.mode);
        write.outcome = 'lost';
        write.cart.inDoubt = write;
        this.figures.lost++;
        if (write.requestId !== undefined) this.figures.lostWithRequestId++;
        return;
      }
      if (!this.#acknowledge(write, reply)) return;
    }
  }

  /** Records a 2xx answer to `write` into the model; anything else is a problem (this load sends only valid writes). */
  #acknowledge(write: Write, reply: Reply, counted = true): boolean {
    const cart = write.cart;
    if (reply.status !== 201) {
      this.problem(`${describeWrite(write)} answered ${reply.status}: ${JSON.stringify(reply.body)}`, cart.mode);
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
        this.problem(
          `checkout of cart ${cart.id} answered ${result.orders.length} order(s) for ${groupsOf(cart.cart).length} group(s), errors ${JSON.stringify(result.orderErrors)}`,
          cart.mode,
        );
      }
      cart.cart = { ...cart.cart, status: 'Ordered' };
      cart.checkoutOrders = result.orders;
      cart.state = 'ordered';
      return true;
    }
    if (signature(reply.body) !== write.signature)
      this.problem(`${write.kind} answered a cart ${signature(reply.body)}, expected ${write.signature}`, cart.mode);
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
      if (!this.#killIssued) this.problem(`a replay got no answer from a live server: ${error.message}`, 'idempotent');
      return false;
    }
    this.figures.replays++;
    const what = `the replay of ${describeWrite(write)}`;
    const problem = (text: string) => this.problem(text, 'idempotent');
    if (reply.status !== write.reply.status)
      problem(`${what} answered ${reply.status}, the original ${write.reply.status}: ${JSON.stringify(reply.body)}`);
    else if (!isDeepEqual(reply.body, write.reply.body))
      problem(
        `${what} answered a body different from the original:\n${JSON.stringify(reply.body)}\n${JSON.stringify(write.reply.body)}`,
      );
    if (reply.headers.get('idempotent-replayed') !== 'true') problem(`${what} has no Idempotent-Replayed: true`);
    if (!isDeepEqual(now.body, write.cart.cart))
      problem(`${what} changed the cart: ${signature(now.body)}, expected ${signature(write.cart.cart)}`);
    return true;
  }

  /**
   * After a restart: every write whose answer was lost happened wholly or not at all; one sent with an MS-RequestId
   * is retried with it.
   */
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
      if (cart.mode === 'idempotent') await this.#retry(write, observed);
      else this.#adopt(write, observed);
    }
  }

  /**
   * What the server holds for a cart whose last write was lost; a problem unless it is the state before or after that
   * write.
   */
  async #observe(cart: CartModel, write: Write): Promise<{ applied: boolean; cart: any } | undefined> {
    const server = this.server;
    assert.ok(server);
    let id = cart.id;
    if (id === undefined) {
      // A lost create: the cart exists at most once, found by its customer (one cart per customer).
      const rows = withDatabase(
        this.databasePath,
        (db) =>
          db.prepare('SELECT id FROM carts WHERE partner_id = ? AND customer_id = ?').all(PARTNER, cart.customerId) as {
            id: string;
          }[],
      );
      if (rows.length > 1)
        this.problem(
          `the lost ${describeWrite(write)} made ${rows.length} carts: ${rows.map((row) => row.id).join(', ')}`,
          cart.mode,
        );
      if (rows.length === 0) return { applied: false, cart: undefined };
      id = rows[0]?.id ?? '';
    }
    const reply = await call(server.baseUrl, this.bearer, 'GET', cartPath(id, cart.customerId));
    if (reply.status !== 200) {
      this.problem(
        `cart ${id} (customer ${cart.customerId}) is not readable after the restart: ${reply.status} ${JSON.stringify(reply.body)}`,
        cart.mode,
      );
      cart.state = 'absent';
      return undefined;
    }
    const found = signature(reply.body);
    const before = cart.cart === undefined ? undefined : signature(cart.cart);
    if (found === write.signature) return { applied: true, cart: reply.body };
    if (found === before) return { applied: false, cart: reply.body };
    this.problem(
      `after the lost ${describeWrite(write)}, cart ${id} is ${found}: neither the state before (${before}) nor after (${write.signature}) it`,
      cart.mode,
    );
    cart.state = 'absent';
    return undefined;
  }

  /** A write without MS-RequestId (plain mode): the observed state becomes what the server must hold from now on. */
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
   * A write with an MS-RequestId (idempotent mode): sends the lost write again, same MS-RequestId and body.
   * It must succeed; be a replay (Idempotent-Replayed: true, the body the server holds) exactly when the lost
   * write had happened; and leave one cart, not two.
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
      this.problem(`${what} answered ${reply.status}: ${JSON.stringify(reply.body)}`, 'idempotent');
      cart.state = 'absent';
      return;
    }
    if (observed.applied && !replayed) this.problem(`${what} was executed again instead of replayed`, 'idempotent');
    if (!observed.applied && replayed)
      this.problem(`${what} was answered as a replay of a write that never happened`, 'idempotent');
    if (observed.applied && write.kind !== 'checkout' && !isDeepEqual(reply.body, observed.cart)) {
      this.problem(
        `${what} answered a cart different from the one the server holds:\n${JSON.stringify(reply.body)}\n${JSON.stringify(observed.cart)}`,
        'idempotent',
      );
    }
    if (write.kind === 'create') {
      const count = withDatabase(this.databasePath, (db) =>
        Number(
          (
            db
              .prepare('SELECT COUNT(*) AS n FROM carts WHERE partner_id = ? AND customer_id = ?')
              .get(PARTNER, cart.customerId) as { n: number }
          ).n,
        ),
      );
      if (count !== 1) this.problem(`${what} left ${count} carts for its customer, expected 1`, 'idempotent');
    }
    this.#acknowledge(write, reply, false);
  }

  report(): string {
    const f = this.figures;
    const orderedCarts = this.carts.filter((cart) => cart.state === 'ordered').length;
    return [
      `crash loop, seed ${this.seed}: ${f.cycles} SIGKILL cycles, ${WORKERS} workers (every other one with MS-RequestId), load ${MIN_LOAD_MS}-${MAX_LOAD_MS} ms per cycle`,
      `  writes sent ${f.sent}, acknowledged ${f.acknowledged}, lost in flight ${f.lost} (with MS-RequestId ${f.lostWithRequestId}, without ${f.lost - f.lostWithRequestId}; found applied ${f.lostApplied}, not applied ${f.lostNotApplied}); starts killed too ${f.startKills}`,
      `  lost writes retried with their MS-RequestId ${f.retried} (answered as replays ${f.retriedReplayed}); acknowledged writes replayed ${f.replays}`,
      `  carts checked ${f.cartsChecked} (${orderedCarts} ordered), orders checked ${f.ordersChecked} (in ${f.verifyMs} ms); first answer after each (re)start ${f.firstAnswerMs.join(', ')} ms`,
    ].join('\n');
  }

  failure(): string {
    return [
      `${this.problems.length} problem(s); seed ${this.seed} (rerun: CRASH_SEED=${this.seed} npx mocha --no-config server/test/crash.test.ts)`,
      ...this.problems.slice(0, 30).map((problem) => `${problem.mode ? `(${problem.mode}) ` : ''}${problem.text}`),
      ...(this.problems.length > 30 ? [`... and ${this.problems.length - 30} more`] : []),
      'schedule:',
      ...this.schedule,
      this.report(),
    ].join('\n');
  }
}

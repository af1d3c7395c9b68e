// Graceful shutdown under load: workers create and check out carts on a real server process, some on
// a connection per request and some on keep-alive connections, until it gets SIGTERM at a seeded
// moment; then how each request ended (answered, refused, dropped unread, cut mid-answer), the exit,
// and what the file holds.
import { request, Agent, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { cartsPath, checkoutPath, PARTNER, token } from './harness.ts';
import { ServerProcess, type Exit } from './server-process.ts';
import { integrityCheck, withDatabase } from './crash-checks.ts';
import { between, customerGuid, LINES, prng } from './crash-load.ts';

type Outcome =
  | { kind: 'answered'; status: number; body: any; connection: string | undefined }
  | { kind: 'refused' }
  /** No byte of an answer: the server had not read the request (its effect is checked to be absent). */
  | { kind: 'dropped'; error: string }
  /** An answer begun and cut off: never acceptable. */
  | { kind: 'cut'; error: string };

/** One request on its own connection (`agent` false) or a keep-alive one, classified by how far its answer got. */
function send(
  baseUrl: string,
  bearer: string,
  method: string,
  path: string,
  body: string | undefined,
  agent: Agent | false,
): Promise<Outcome> {
  return new Promise((done) => {
    let response: IncomingMessage | undefined;
    let text = '';
    const req = request(`${baseUrl}${path}`, {
      method,
      agent,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
      },
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
          done({
            kind: 'answered',
            status: res.statusCode ?? 0,
            body: text === '' ? undefined : JSON.parse(text),
            connection: res.headers.connection,
          });
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
export async function shutdownDuringLoad(
  dir: string,
  seed: number,
  keepAliveGoesOn: boolean,
): Promise<ShutdownRun & { server: ServerProcess }> {
  const rand = prng(seed);
  const databasePath = join(dir, 'sandbox.db');
  const server = await ServerProcess.start({ databasePath });
  const bearer = await token(PARTNER);
  const workers = 8;
  const loadMs = between(rand, 200, 700);
  let customers = 0;
  let signalledAt = 0;
  const outcomes: {
    customerId: string;
    kind: 'create' | 'checkout';
    outcome: Outcome;
    afterSignal: boolean;
    keepAlive: boolean;
  }[] = [];
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
      const checkout = await send(
        server.baseUrl,
        bearer,
        'POST',
        checkoutPath(created.body.id, customerId),
        undefined,
        agent,
      );
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
  if (exit.code !== 0 || exit.signal !== null || exit.forced)
    problems.push(`the process ended with ${JSON.stringify(exit)} after SIGTERM\n${server.stderr}`);
  for (const o of outcomes) {
    if (o.outcome.kind === 'cut')
      problems.push(`a ${o.kind} for customer ${o.customerId} was cut mid-answer: ${o.outcome.error}`);
    if (o.outcome.kind === 'answered' && o.outcome.status !== 201)
      problems.push(
        `a ${o.kind} for customer ${o.customerId} answered ${o.outcome.status}: ${JSON.stringify(o.outcome.body)}`,
      );
  }
  // What the server wrote: every answered write is there, no unanswered one (a request it acted on and never answered).
  withDatabase(databasePath, (db) => {
    const integrity = integrityCheck(db);
    if (integrity !== 'ok') problems.push(`PRAGMA integrity_check: ${integrity}`);
    const carts = new Map(
      (db.prepare('SELECT customer_id, body FROM carts').all() as { customer_id: string; body: string }[]).map(
        (row) => [row.customer_id, JSON.parse(row.body)],
      ),
    );
    const orderCount = new Map(
      (
        db.prepare('SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id').all() as {
          customer_id: string;
          n: number;
        }[]
      ).map((row) => [row.customer_id, Number(row.n)]),
    );
    for (const o of outcomes) {
      const cart = carts.get(o.customerId);
      const acknowledged = o.outcome.kind === 'answered' && o.outcome.status === 201;
      const orders = orderCount.get(o.customerId) ?? 0;
      if (o.kind === 'create') {
        if (acknowledged && !cart)
          problems.push(`an acknowledged create for customer ${o.customerId} is not in the file`);
        if (!acknowledged && cart)
          problems.push(
            `a create for customer ${o.customerId} was ${o.outcome.kind}, yet its cart is in the file: the server acted on it and never answered`,
          );
      } else {
        if (acknowledged && !(cart?.status === 'Ordered' && orders === 2))
          problems.push(
            `an acknowledged checkout for customer ${o.customerId} left the cart ${cart?.status} with ${orders} order(s)`,
          );
        if (!acknowledged && !(cart?.status === 'Active' && orders === 0))
          problems.push(
            `a checkout for customer ${o.customerId} was ${o.outcome.kind}, yet the cart is ${cart?.status} with ${orders} order(s)`,
          );
      }
    }
  });
  const count = (kind: Outcome['kind']): number => outcomes.filter((o) => o.outcome.kind === kind).length;
  const answered = outcomes.filter((o) => o.outcome.kind === 'answered');
  const keptAlive = answered.filter(
    (o) => o.afterSignal && o.keepAlive && o.outcome.kind === 'answered' && o.outcome.connection !== 'close',
  ).length;
  const figures =
    `SIGTERM after ${loadMs} ms of load (seed ${seed}, keep-alive clients ${keepAliveGoesOn ? 'go on' : 'stop'}): ${outcomes.length} requests, ` +
    `answered ${answered.length} (${answered.filter((o) => o.afterSignal).length} sent after the signal, ${keptAlive} of them on a connection kept alive), ` +
    `refused ${count('refused')}, dropped unread ${count('dropped')}, cut ${count('cut')}; exit ${JSON.stringify(exit)} ${exitMs} ms after the signal`;
  return { problems, figures, exit, exitMs, server };
}

// Faults of several server processes (server/main.ts, as `npm start` runs it) on one PostgreSQL:
// one of three instances SIGKILLed during a write load, and the database going away and coming back
// during a load (a TCP proxy in front of the test PostgreSQL cut). Each test runs a bounded load,
// then checks that no acknowledged write was lost, that a retry with the same MS-RequestId never
// makes a second cart, and that the instances recover by themselves. The kill's moment and victim are
// drawn from a seed, printed (set PG_FAULTS_SEED to replay one).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { prng } from './crash-load.ts';
import { cartPath, cartsPath, e5Line, PARTNER, token } from './harness.ts';
import { freshDatabaseUrl, tcpProxy } from './postgres.ts';
import { ServerProcess } from './server-process.ts';

/** Generous: the machine may be a loaded 2-core one. */
const REQUEST_TIMEOUT_MS = 20_000;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** One call; rejects when no answer came (connection refused or cut, or the time ran out). */
async function call(
  baseUrl: string,
  bearer: string,
  method: string,
  path: string,
  options: { body?: unknown; requestId?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.requestId) headers['ms-requestid'] = options.requestId;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: kept as text, for the message of a failed assertion
  }
  return { status: response.status, headers: response.headers, body };
}

const isBusy = (answer: Answer) => answer.status === 409 && answer.body?.code === 800064;

/** A 503 as the server must send it while its database is away: Retry-After and Partner Center's error body. */
function isUnavailable(answer: Answer): boolean {
  const body = answer.body;
  return (
    answer.status === 503 &&
    /^\d+$/.test(answer.headers.get('retry-after') ?? '') &&
    typeof body === 'object' &&
    body !== null &&
    typeof body.code === 'number' &&
    typeof body.description === 'string' &&
    Array.isArray(body.data) &&
    typeof body.source === 'string'
  );
}

async function countCarts(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const result = await client.query<{ count: string }>('SELECT count(*) AS count FROM carts');
    return Number(result.rows[0]?.count);
  } finally {
    await client.end();
  }
}

describe('server processes on one PostgreSQL, under faults', function () {
  this.timeout(120_000);
  // One database for both tests, reached through a TCP proxy (the second test cuts it), and three
  // instances on it: the one the first test kills is replaced before the second, the other two serve
  // both (a start of a server process and its first requests cost some 2 s of CPU each).
  let databaseUrl = '';
  let proxy: Awaited<ReturnType<typeof tcpProxy>> | undefined;
  let proxiedUrl = '';
  let running: ServerProcess[] = [];
  let bearer = '';

  before(async () => {
    bearer = await token(PARTNER);
    databaseUrl = await freshDatabaseUrl();
    const url = new URL(databaseUrl);
    proxy = await tcpProxy(Number(url.port));
    url.port = String(proxy.port);
    proxiedUrl = url.href;
  });
  after(async () => {
    await Promise.all(running.map((server) => server.stop('SIGKILL')));
    await proxy?.down();
  });

  /** Three running instances: those still running from the test before, and new ones for any that are not. */
  async function three(): Promise<ServerProcess[]> {
    const alive = running.filter((server) => server.child.exitCode === null && server.child.signalCode === null);
    const started = await Promise.all(
      Array.from({ length: 3 - alive.length }, () =>
        ServerProcess.start({
          databasePath: join(tmpdir(), 'unused-with-database-url.db'),
          env: { DATABASE_URL: proxiedUrl, PORT: '0' },
          startTimeoutMs: 30_000,
        }),
      ),
    );
    running = [...alive, ...started];
    return running;
  }

  it('SIGKILL of one of three instances during a write load loses no acknowledged write and makes no second cart', async () => {
    const seed = Number(process.env.PG_FAULTS_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = prng(seed);
    const servers = await three();
    const cartsBefore = await countCarts(databaseUrl);
    const victimIndex = Math.floor(random() * 3);
    const killAfterMs = 500 + Math.floor(random() * 2000);
    const victim = servers[victimIndex]!;
    const survivors = servers.filter((server) => server !== victim);
    console.log(`      seed ${seed}: SIGKILL instance ${victimIndex} (pid ${victim.pid}) after ${killAfterMs} ms`);

    const LOAD_MS = 3000;
    const WORKERS = 6;
    const MAX_WRITES = 2000;
    const MAX_ATTEMPTS = 30;
    let killed = false;
    let sent = 0;
    let next = 0;
    const stats = { writes: 0, noAnswer: 0, retried: 0, replayedRetries: 0, busy: 0 };
    /** Request id → the acknowledged answer (201). */
    const acknowledged = new Map<string, Answer>();
    const noAnswerFromSurvivor: string[] = [];

    /**
     * One create, until it is acknowledged: a lost answer or a 409/800064 is retried with the same MS-RequestId on a
     * survivor.
     */
    const write = async () => {
      const requestId = randomUUID();
      const body = { lineItems: [e5Line(1 + (sent % 9))] };
      const rotation = killed ? survivors : servers;
      let target = rotation[next++ % rotation.length]!;
      let lostAnswer = false;
      for (let attempt = 1; ; attempt++) {
        assert.ok(attempt <= MAX_ATTEMPTS, `create ${requestId} was not acknowledged in ${MAX_ATTEMPTS} attempts`);
        let answer: Answer;
        try {
          answer = await call(target.baseUrl, bearer, 'POST', cartsPath(), { body, requestId });
        } catch (error) {
          stats.noAnswer++;
          if (target !== victim) noAnswerFromSurvivor.push(`${requestId}: ${(error as Error).message}`);
          lostAnswer = true;
          stats.retried++;
          target = survivors[attempt % survivors.length]!;
          continue;
        }
        if (isBusy(answer)) {
          stats.busy++;
          await sleep(50);
          continue;
        }
        assert.equal(answer.status, 201, `create ${requestId}: ${answer.status} ${JSON.stringify(answer.body)}`);
        if (lostAnswer && answer.headers.get('idempotent-replayed') === 'true') stats.replayedRetries++;
        acknowledged.set(requestId, answer);
        return;
      }
    };

    const started = Date.now();
    const killing = sleep(killAfterMs).then(async () => {
      victim.child.kill('SIGKILL');
      killed = true;
      await victim.exited;
    });
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (Date.now() - started < LOAD_MS && sent < MAX_WRITES) {
          sent++;
          stats.writes++;
          await write();
        }
      }),
    );
    await killing;
    const exit = await victim.exited;
    assert.equal(exit.signal, 'SIGKILL');
    console.log(
      `      ${stats.writes} writes in ${Date.now() - started} ms; ${stats.noAnswer} without answer, retried (${stats.replayedRetries} replayed); ${stats.busy} × 409/800064`,
    );

    assert.deepEqual(noAnswerFromSurvivor, [], 'only the killed instance left requests unanswered');
    assert.equal(acknowledged.size, stats.writes, 'every write was acknowledged in the end');
    const ids = new Set<string>();
    let index = 0;
    for (const [requestId, answer] of acknowledged) {
      const id = answer.body.id as string;
      assert.ok(!ids.has(id), `cart ${id} named by two different writes`);
      ids.add(id);
      const survivor = survivors[index++ % survivors.length]!;
      const read = await call(survivor.baseUrl, bearer, 'GET', cartPath(id));
      assert.equal(read.status, 200, `cart ${id} (request ${requestId}): ${read.status} ${JSON.stringify(read.body)}`);
      assert.deepEqual(read.body, answer.body, `cart ${id} reads back as it was acknowledged`);
    }
    assert.equal(
      (await countCarts(databaseUrl)) - cartsBefore,
      ids.size,
      'no cart exists that no answer named (a retry never made a second cart)',
    );
  });

  it('the database going away during a load: no 500, no lost acknowledged write, recovery without restarting', async () => {
    const servers = await three();
    const pids = servers.map((server) => server.pid);

    const DOWN_AT_MS = 1000;
    const DOWN_FOR_MS = 1500;
    const AFTER_UP_MS = 1500;
    const WORKERS = 4;
    const MAX_REQUESTS = 4000;
    const stats = { requests: 0, created: 0, read: 0, unavailable: 0, busy: 0 };
    const acknowledged: Answer[] = [];
    const unexpected: string[] = [];
    let sent = 0;
    let loadOver = false;

    const check = (what: string, answer: Answer, ok: number) => {
      if (answer.status === ok) return true;
      if (isUnavailable(answer)) stats.unavailable++;
      else if (isBusy(answer)) stats.busy++;
      else
        unexpected.push(
          `${what}: ${answer.status} ${answer.headers.get('retry-after') ?? ''} ${JSON.stringify(answer.body)}`,
        );
      return false;
    };

    // One cart through each instance before the load: something to read, whatever the machine's speed.
    for (const server of servers) {
      const answer = await call(server.baseUrl, bearer, 'POST', cartsPath(), {
        body: { lineItems: [e5Line(1)] },
        requestId: randomUUID(),
      });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      acknowledged.push(answer);
    }
    const started = Date.now();
    const outage = (async () => {
      await sleep(DOWN_AT_MS);
      await proxy!.down();
      await sleep(DOWN_FOR_MS);
      await proxy!.up();
      await sleep(AFTER_UP_MS);
      loadOver = true;
    })();
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        while (!loadOver && sent < MAX_REQUESTS) {
          const server = servers[sent++ % 3]!;
          stats.requests++;
          const create = sent % 2 === 0;
          let answer: Answer;
          try {
            answer = create
              ? await call(server.baseUrl, bearer, 'POST', cartsPath(), {
                  body: { lineItems: [e5Line(1 + worker)] },
                  requestId: randomUUID(),
                })
              : await call(server.baseUrl, bearer, 'GET', cartPath(acknowledged[sent % acknowledged.length]!.body.id));
          } catch (error) {
            unexpected.push(`no answer from ${server.baseUrl}: ${(error as Error).message}`);
            continue;
          }
          if (create ? check('POST', answer, 201) : check('GET', answer, 200)) {
            if (create) {
              stats.created++;
              acknowledged.push(answer);
            } else stats.read++;
          } else await sleep(20); // a 503 or a 409 comes at once: do not spin on it
        }
      }),
    );
    await outage;
    console.log(
      `      ${stats.requests} requests in ${Date.now() - started} ms: ${stats.created} created, ${stats.read} read, ${stats.unavailable} × 503, ${stats.busy} × 409/800064`,
    );
    assert.deepEqual(unexpected, [], 'every answer is 201/200, 503 with Retry-After and the error body, or 409/800064');

    // Each instance, not restarted, answers again within a few seconds of the database's return.
    const probe = acknowledged[0]!.body.id as string;
    await Promise.all(
      servers.map(async (server, index) => {
        const deadline = Date.now() + 20_000;
        let last: string;
        for (;;) {
          const health = await call(server.baseUrl, bearer, 'GET', '/health').catch(
            (error: Error) => ({ status: 0, body: error.message }) as Answer,
          );
          const read = await call(server.baseUrl, bearer, 'GET', cartPath(probe)).catch(
            (error: Error) => ({ status: 0, body: error.message }) as Answer,
          );
          if (health.status === 200 && read.status === 200) return;
          last = `health ${health.status}, GET cart ${read.status} ${JSON.stringify(read.body)}`;
          assert.ok(
            Date.now() < deadline,
            `instance ${index} has not recovered 20 s after the database came back: ${last}`,
          );
          await sleep(200);
        }
      }),
    );
    assert.deepEqual(
      servers.map((server) => server.pid),
      pids,
    );
    assert.ok(
      servers.every((server) => server.child.exitCode === null && server.child.signalCode === null),
      'no instance exited',
    );

    for (const [index, answer] of acknowledged.entries()) {
      const read = await call(servers[index % 3]!.baseUrl, bearer, 'GET', cartPath(answer.body.id));
      assert.equal(read.status, 200, `cart ${answer.body.id}: ${read.status} ${JSON.stringify(read.body)}`);
      assert.deepEqual(read.body, answer.body, `cart ${answer.body.id} reads back as it was acknowledged`);
    }
  });
});

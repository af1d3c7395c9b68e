// `npm run bench [-- options]`: the reference server under load, side by side with its limits (a bare
// node:http server and plain Express 5 answering the same bytes), its start-up time, the time of
// `npm run generate`, and how GET cart scales with stored carts and line items; `--profile` adds where
// the CPU time goes. A benchmark, never part of `npm test`. What is measured and why: bench/README.md.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Request } from 'autocannon';
import { benchToken, cartPath, cartsPath, checkoutPath, lines, seedDatabase } from './lib/fixtures.ts';
import { request } from './lib/http.ts';
import pg from 'pg';
import { aggregate, combineConcurrent, combineCpu, cpuRun, load, type LoadResult } from './lib/load.ts';
import {
  installCleanup,
  killAll,
  parentPid,
  processTreeCpuUs,
  removeTemp,
  removeTempPath,
  startChild,
  tempDir,
} from './lib/processes.ts';
import { analyseProfile, formatProfile } from './lib/profile.ts';
import {
  NODE,
  startLimit,
  startReference,
  timeStart,
  VARIANT_LABEL,
  type Launch,
  type RunningServer,
  type Variant,
} from './lib/servers.ts';
import { change, int, median, mib, ms, ratio, table } from './lib/table.ts';
import { NODE_OWN_HEADERS, type RecordedResponse } from './servers/fixture.ts';

const HELP = `npm run bench [-- options]        (options with a BENCH_* name below can also be set in the environment)

Sections (default: load, databases, startup, generate, scaling; --profile adds profile):
  --only LIST           run only these sections (comma-separated: load,databases,startup,generate,scaling,profile)
  --skip LIST           leave these sections out
  --profile             also profile GET cart and create cart (node --cpu-prof on the server child)
  --quick               a short smoke run (about a minute; BENCH_QUICK=1): 2 s runs, 10,000 instead of 100,000 carts
Load:
  --connections N       concurrent connections (BENCH_CONNECTIONS; default 10)
  --duration S          measured seconds per run (BENCH_DURATION; default 8, quick 2)
  --warmup S            warm-up seconds before each run, discarded (BENCH_WARMUP; default 2, quick 1)
  --repeat N            run every row N times, interleaved, and report medians (BENCH_REPEAT; default 1)
  --cpu-requests N      requests sent after the measured run to take the server's CPU µs per request
                        (limits, GET cart, create cart in production; BENCH_CPU_REQUESTS; default 20000, quick 5000)
  --ops LIST            reference operations: get,create,update,checkout (BENCH_OPS; default all)
  --variants LIST       production,validating (BENCH_VARIANTS; default both)
  --log-level LEVEL     LOG_LEVEL of the reference server (BENCH_LOG_LEVEL; default silent)
Other:
  --stored LIST         stored-cart counts for the scaling test (BENCH_STORED; default 1000,100000; quick 1000,10000)
  --startup-runs N      start-up measurements, the median is reported (BENCH_STARTUP_RUNS; default 5; quick 3)
  --root DIR            the repository whose server is measured (default: this one)
  --compare DIR         also measure another copy of the repository, row by row, interleaved (A/B of a change)
  --profile-dir DIR     keep the .cpuprofile files there (they open in Chrome DevTools)
  --json FILE           also write every figure as JSON
`;

type Section = 'load' | 'databases' | 'startup' | 'generate' | 'scaling' | 'profile';
type Op = 'get' | 'create' | 'update' | 'checkout';
const SECTIONS: Section[] = ['load', 'databases', 'startup', 'generate', 'scaling', 'profile'];
const OPS: Op[] = ['get', 'create', 'update', 'checkout'];
const VARIANTS: Variant[] = ['production', 'validating'];
const OP_LABEL: Record<Op, string> = {
  get: 'GET cart (3 lines)',
  create: 'create cart (3 lines)',
  update: 'update cart (3 lines)',
  checkout: 'checkout (3 lines, 2 orders)',
};

// ---------------------------------------------------------------------------------------------------
// Settings: flags, else BENCH_* environment variables, else defaults

/** A bad option: say which, and stop before anything starts. */
function usage(message: string): never {
  console.error(`npm run bench: ${message} (npm run bench -- --help lists the options)`);
  process.exit(2);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        skip: { type: 'string' },
        profile: { type: 'boolean' },
        connections: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        repeat: { type: 'string' },
        'cpu-requests': { type: 'string' },
        ops: { type: 'string' },
        variants: { type: 'string' },
        'log-level': { type: 'string' },
        stored: { type: 'string' },
        'startup-runs': { type: 'string' },
        root: { type: 'string' },
        compare: { type: 'string' },
        'profile-dir': { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (error) {
    return usage((error as Error).message);
  }
}
const { values: flags } = parseFlags();

if (flags.help) {
  console.log(HELP);
  process.exit(0);
}

const fromEnv = (flag: string | undefined, env: string): string | undefined => flag ?? (process.env[env] || undefined);

function number(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) usage(`${what}: expected a positive number, got ${JSON.stringify(text)}`);
  return value;
}

function list<T extends string>(
  text: string | undefined,
  allowed: readonly T[],
  fallback: readonly T[],
  what: string,
): T[] {
  if (text === undefined) return [...fallback];
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items)
    if (!allowed.includes(item as T)) usage(`unknown ${what} ${JSON.stringify(item)} (one of ${allowed.join(', ')})`);
  return items as T[];
}

const quick = flags.quick === true || process.env['BENCH_QUICK'] === '1';
const repoRoot = resolve(import.meta.dirname, '..');
const settings = {
  quick,
  connections: Math.round(number(fromEnv(flags.connections, 'BENCH_CONNECTIONS'), 'connections', 10)),
  durationSec: number(fromEnv(flags.duration, 'BENCH_DURATION'), 'duration', quick ? 2 : 8),
  warmupSec: number(fromEnv(flags.warmup, 'BENCH_WARMUP'), 'warmup', quick ? 1 : 2),
  repeat: Math.round(number(fromEnv(flags.repeat, 'BENCH_REPEAT'), 'repeat', 1)),
  cpuRequests: Math.round(
    number(fromEnv(flags['cpu-requests'], 'BENCH_CPU_REQUESTS'), 'cpu requests', quick ? 5000 : 20_000),
  ),
  ops: list(fromEnv(flags.ops, 'BENCH_OPS'), OPS, OPS, 'operation'),
  variants: list(fromEnv(flags.variants, 'BENCH_VARIANTS'), VARIANTS, VARIANTS, 'variant'),
  logLevel: fromEnv(flags['log-level'], 'BENCH_LOG_LEVEL') ?? 'silent',
  stored: (fromEnv(flags.stored, 'BENCH_STORED') ?? (quick ? '1000,10000' : '1000,100000'))
    .split(',')
    .map((n) => Math.round(number(n, 'stored', 1))),
  startupRuns: Math.round(number(fromEnv(flags['startup-runs'], 'BENCH_STARTUP_RUNS'), 'startup runs', quick ? 3 : 5)),
  /** Other carts in every load-test database: the "1,000 stored carts" condition. */
  background: 1000,
  root: resolve(flags.root ?? repoRoot),
  compare: flags.compare ? resolve(flags.compare) : undefined,
  profileDir: flags['profile-dir'] ? resolve(flags['profile-dir']) : undefined,
  json: flags.json ? resolve(flags.json) : undefined,
};
const sections = new Set<Section>(
  list(
    flags.only,
    SECTIONS,
    ['load', 'databases', 'startup', 'generate', 'scaling', ...(flags.profile ? (['profile'] as const) : [])],
    'section',
  ),
);
for (const skipped of list(flags.skip, SECTIONS, [], 'section')) sections.delete(skipped);
for (const root of [settings.root, settings.compare]) {
  if (root && !existsSync(join(root, 'server', 'main.ts'))) usage(`${root} has no server/main.ts`);
}
/** The trees whose reference server is measured, with the label their rows carry. */
const roots: { root: string; label: string }[] = [
  { root: settings.root, label: settings.compare ? 'base' : '' },
  ...(settings.compare ? [{ root: settings.compare, label: 'compare' }] : []),
];

// ---------------------------------------------------------------------------------------------------
// Output: progress on stderr as it goes; each section's table on stdout when the section is done.

const results: Record<string, unknown> = {
  settings,
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
};
const targets: { name: string; value: string; pass: boolean }[] = [];
const progress = (text: string): void => {
  process.stderr.write(`  · ${text}\n`);
};
const print = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};
const suffix = (label: string): string => (label ? ` [${label}]` : '');
const repeats = (label: string, rep: number): string =>
  settings.repeat > 1 ? `${label} (run ${rep + 1}/${settings.repeat})` : label;

function describeStatuses(result: LoadResult): string {
  const parts = Object.entries(result.statusCodes)
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, count]) => `${count}x${status}`);
  if (result.errors > 0) parts.push(`${result.errors} errors`);
  if (result.timeouts > 0) parts.push(`${result.timeouts} timeouts`);
  return parts.join(' ') || '0';
}

/** What went wrong in a row's CPU run, if anything (the run itself is in the row's figures). */
function cpuNote(result: LoadResult): string | undefined {
  const cpu = result.cpu;
  if (!cpu) return undefined;
  if (!Number.isFinite(cpu.cpuUs)) return 'CPU time not measured (no /proc/<pid>/stat or getconf CLK_TCK)';
  if (cpu.non2xx > 0)
    return `CPU run: ${int(cpu.non2xx)} of ${int(cpu.requests)} answers not 2xx (counted in CPU µs/req)`;
  return undefined;
}

const loadOptions = (
  server: RunningServer,
  requests: () => Request[],
  more: { exhausted?: () => boolean; cpu?: boolean } = {},
) => ({
  url: server.url,
  connections: settings.connections,
  durationSec: settings.durationSec,
  warmupSec: settings.warmupSec,
  requests,
  pid: server.pid,
  ...(more.exhausted ? { exhausted: more.exhausted } : {}),
  ...(more.cpu ? { cpuRequests: settings.cpuRequests } : {}),
});

/** The reference rows whose server CPU time per request is measured (besides the two limits). */
const CPU_ROWS: ReadonlySet<string> = new Set(['get/production', 'get/validating', 'create/production']);

// ---------------------------------------------------------------------------------------------------
// Load: the limits and the reference server

interface Row {
  label: string;
  result: LoadResult;
  notes: string[];
}

/** Records what the production reference server answers to GET cart, for the limit servers to replay. */
async function recordGetCart(): Promise<{
  fixturePath: string;
  path: string;
  recorded: RecordedResponse;
  sent: [string, string][];
}> {
  const dir = tempDir();
  const databasePath = join(dir, 'cart.db');
  const { ids } = await seedDatabase(settings.root, databasePath, {
    background: 0,
    carts: { probe: { count: 1, lines: 3 } },
  });
  const token = await benchToken(settings.root);
  const path = cartPath(ids['probe']![0]!);
  const server = await startReference({
    root: settings.root,
    variant: 'production',
    databasePath,
    readyPath: path,
    token,
  });
  try {
    const answer = await request(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (answer.status !== 200) throw new Error(`GET cart answered ${answer.status}: ${answer.body.toString()}`);
    const recorded: RecordedResponse = {
      status: answer.status,
      headers: answer.headers.filter(([name]) => !NODE_OWN_HEADERS.has(name.toLowerCase())),
      body: answer.body.toString('base64'),
    };
    const fixturePath = join(dir, 'get-cart-response.json');
    writeFileSync(fixturePath, JSON.stringify(recorded));
    return { fixturePath, path, recorded, sent: answer.headers };
  } finally {
    await server.stop();
  }
}

/** Whether a limit server answers the recorded bytes: status, headers (Date aside) and body. */
async function checkReplay(
  server: RunningServer,
  path: string,
  recorded: RecordedResponse,
  sent: [string, string][],
): Promise<string> {
  const answer = await request(`${server.url}${path}`);
  const normal = (headers: [string, string][]): string =>
    headers
      .filter(([name]) => name.toLowerCase() !== 'date')
      .map(([name, value]) => `${name.toLowerCase()}: ${value}`)
      .sort()
      .join('\n');
  const problems: string[] = [];
  if (answer.status !== recorded.status) problems.push(`status ${answer.status}, not ${recorded.status}`);
  if (!answer.body.equals(Buffer.from(recorded.body, 'base64'))) problems.push('another body');
  if (normal(answer.headers) !== normal(sent))
    problems.push(`other headers:\n${normal(answer.headers)}\nvs\n${normal(sent)}`);
  return problems.length === 0 ? 'same status, headers (Date aside) and body' : `DIFFERENT: ${problems.join('; ')}`;
}

async function limitRows(): Promise<Row[]> {
  progress("recording the reference server's GET cart answer");
  const { fixturePath, path, recorded, sent } = await recordGetCart();
  results['recordedGetCart'] = { bytes: Buffer.from(recorded.body, 'base64').length, headers: recorded.headers };
  const runs: Record<'http' | 'express', LoadResult[]> = { http: [], express: [] };
  const notes: Record<'http' | 'express', string[]> = { http: [], express: [] };
  const labels = { http: 'limit: bare node:http, same bytes', express: 'plain Express 5, same bytes' };
  for (let rep = 0; rep < settings.repeat; rep++) {
    for (const kind of ['http', 'express'] as const) {
      const server = await startLimit(kind, fixturePath, path);
      try {
        const replay = await checkReplay(server, path, recorded, sent);
        if (replay.startsWith('DIFFERENT') && notes[kind].length === 0) notes[kind].push(replay);
        progress(
          `${repeats(labels[kind], rep)}: ${replay}; loading ${settings.warmupSec} + ${settings.durationSec} s, then ${int(settings.cpuRequests)} requests for CPU time`,
        );
        const result = await load(loadOptions(server, () => [{ method: 'GET', path }], { cpu: true }));
        const cpu = cpuNote(result);
        if (cpu && notes[kind].length === 0) notes[kind].push(cpu);
        runs[kind].push(result);
      } finally {
        await server.stop();
      }
    }
  }
  return (['http', 'express'] as const).map((kind) => ({
    label: labels[kind],
    result: aggregate(runs[kind]),
    notes: notes[kind],
  }));
}

/** Carts to pre-create for checkout: enough for the whole run at 1.5 times the rate of create, at least 2,000. */
function checkoutPoolSize(createRps: number | undefined): number {
  const rate = createRps ?? 3000;
  return Math.min(400_000, Math.max(2000, Math.ceil(1.5 * rate * (settings.warmupSec + settings.durationSec))));
}

async function referenceRun(
  root: string,
  label: string,
  variant: Variant,
  op: Op,
  createRps: number | undefined,
): Promise<{ result: LoadResult; note?: string }> {
  const dir = tempDir();
  const databasePath = join(dir, 'cart.db');
  const poolSize = op === 'update' ? 1000 : op === 'checkout' ? checkoutPoolSize(createRps) : 0;
  const seeded = await seedDatabase(root, databasePath, {
    background: settings.background,
    carts: { probe: { count: 1, lines: 3 }, ...(poolSize > 0 ? { pool: { count: poolSize, lines: 3 } } : {}) },
  });
  const probe = seeded.ids['probe']![0]!;
  const pool = seeded.ids['pool'] ?? [];
  const token = await benchToken(root);
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const server = await startReference({
    root,
    variant,
    databasePath,
    readyPath: cartPath(probe),
    token,
    logLevel: settings.logLevel,
  });
  try {
    let requests: () => Request[];
    let exhausted: (() => boolean) | undefined;
    let preflight: { method: string; path: string; body?: string; headers: Record<string, string>; status: number };
    let note = (): string | undefined => undefined;
    switch (op) {
      case 'get': {
        requests = () => [{ method: 'GET', path: cartPath(probe), headers: auth }];
        preflight = { method: 'GET', path: cartPath(probe), headers: auth, status: 200 };
        break;
      }
      case 'create': {
        const body = JSON.stringify({ lineItems: lines(3) });
        requests = () => [{ method: 'POST', path: cartsPath(), headers: json, body }];
        preflight = { method: 'POST', path: cartsPath(), headers: json, body, status: 201 };
        break;
      }
      case 'update': {
        // The lines of the pool's carts are replaced, round after round (other quantities than stored).
        const body = JSON.stringify({ lineItems: lines(3, 1) });
        let next = 0;
        requests = () => [
          {
            method: 'PUT',
            headers: json,
            body,
            setupRequest: (req) => ({ ...req, path: cartPath(pool[next++ % pool.length]!) }),
          },
        ];
        preflight = { method: 'PUT', path: cartPath(probe), headers: json, body, status: 201 };
        note = () => `${int(next)} updates over ${int(pool.length)} carts`;
        break;
      }
      case 'checkout': {
        // Every request is the first checkout of a fresh Active cart (re-evaluation, two orders, seats,
        // status Ordered, one transaction). When the pool runs out, the run stops there.
        let next = 0;
        requests = () => [
          {
            method: 'POST',
            headers: auth,
            setupRequest: (req) => ({ ...req, path: checkoutPath(pool[Math.min(next++, pool.length - 1)]!) }),
          },
        ];
        exhausted = () => next >= pool.length;
        preflight = { method: 'POST', path: checkoutPath(probe), headers: auth, status: 201 };
        note = () =>
          `${int(Math.min(next, pool.length))} of ${int(pool.length)} pre-created carts checked out${next >= pool.length ? ': ran out, measured until then' : ''}`;
        break;
      }
    }
    const answer = await request(`${server.url}${preflight.path}`, {
      method: preflight.method,
      headers: preflight.headers,
      ...(preflight.body ? { body: preflight.body } : {}),
    });
    if (answer.status !== preflight.status) {
      throw new Error(
        `${op}: ${preflight.method} ${preflight.path} answered ${answer.status}, expected ${preflight.status}: ${answer.body.toString().slice(0, 500)}`,
      );
    }
    const result = await load(
      loadOptions(server, requests, { ...(exhausted ? { exhausted } : {}), cpu: CPU_ROWS.has(`${op}/${variant}`) }),
    );
    const text = [note(), cpuNote(result)].filter(Boolean).join('; ');
    return { result, ...(text ? { note: text } : {}) };
  } finally {
    await server.stop();
  }
}

/** CPU µs per request of a row ('-' for rows without a CPU run). */
const cpuOf = (result: LoadResult | undefined): number => result?.cpu?.usPerRequest ?? Number.NaN;
const cpuUs = (value: number): string => (Number.isFinite(value) ? value.toFixed(value < 100 ? 1 : 0) : '-');

/** The GET cart (production) row of a tree. */
const getRowLabel = (label: string): string => `${OP_LABEL.get}, ${VARIANT_LABEL.production}${suffix(label)}`;

function loadTable(rows: Row[]): string {
  const limit = rows.find((row) => row.label.startsWith('limit:'))?.result;
  const limitCpu = cpuOf(limit);
  const body = rows.map(({ label, result }) => [
    label,
    int(result.rps),
    limit ? ratio(result.rps / limit.rps) : '-',
    ms(result.p50),
    limit ? ratio(result.p50 / limit.p50) : '-',
    ms(result.p99),
    limit ? ratio(result.p99 / limit.p99) : '-',
    mib(result.peakRssKiB),
    limit ? ratio(result.peakRssKiB / limit.peakRssKiB) : '-',
    cpuUs(cpuOf(result)),
    ratio(cpuOf(result) / limitCpu),
    describeStatuses(result),
  ]);
  // Efficiency: the share of the limit's requests per CPU second that GET cart achieves.
  for (const { label } of roots) {
    const get = cpuOf(rows.find((row) => row.label === getRowLabel(label))?.result);
    if (!Number.isFinite(get)) continue;
    const cells = Array<string>(12).fill('');
    cells[0] = `GET cart efficiency vs the limit = limit CPU µs / GET cart CPU µs${suffix(label)}`;
    cells[9] = Number.isFinite(limitCpu) ? `${((100 * limitCpu) / get).toFixed(1)}%` : '-';
    body.push(cells);
  }
  return table(
    [
      'server, operation',
      'req/s',
      'x limit',
      'p50 ms',
      'x limit',
      'p99 ms',
      'x limit',
      'peak RSS MiB',
      'x limit',
      'CPU µs/req',
      'x limit',
      'non-2xx',
    ],
    body,
  );
}

async function loadSection(): Promise<void> {
  print(
    `\n== Load: ${settings.connections} connections, ${settings.durationSec} s measured after a ${settings.warmupSec} s warm-up, a fresh server process per run${settings.repeat > 1 ? `; ${settings.repeat} runs per row, medians` : ''} ==`,
  );
  const rows = await limitRows();
  const createRps = new Map<string, number>();
  for (const op of settings.ops) {
    for (const variant of settings.variants) {
      const runs = new Map<string, { results: LoadResult[]; notes: string[] }>(
        roots.map(({ label }) => [label, { results: [], notes: [] }]),
      );
      for (let rep = 0; rep < settings.repeat; rep++) {
        for (const { root, label } of roots) {
          const rowLabel = `${OP_LABEL[op]}, ${VARIANT_LABEL[variant]}${suffix(label)}`;
          const cpu = CPU_ROWS.has(`${op}/${variant}`)
            ? `, then ${int(settings.cpuRequests)} requests for CPU time`
            : '';
          progress(`${repeats(rowLabel, rep)}: loading ${settings.warmupSec} + ${settings.durationSec} s${cpu}`);
          const { result, note } = await referenceRun(root, label, variant, op, createRps.get(`${label}/${variant}`));
          runs.get(label)!.results.push(result);
          if (note) runs.get(label)!.notes.push(note);
        }
      }
      for (const { label } of roots) {
        const { results: all, notes } = runs.get(label)!;
        const result = aggregate(all);
        if (op === 'create') createRps.set(`${label}/${variant}`, Math.max(...all.map((run) => run.rps)));
        rows.push({
          label: `${OP_LABEL[op]}, ${VARIANT_LABEL[variant]}${suffix(label)}`,
          result,
          notes: notes.slice(0, 1),
        });
      }
    }
  }
  results['load'] = rows;
  print(loadTable(rows));
  for (const row of rows) for (const note of row.notes) print(`  ${row.label}: ${note}`);
  const limit = rows[0]?.result;
  const get = rows.find((row) => row.label === getRowLabel(roots[0]!.label))?.result;
  if (limit && get) {
    targets.push({
      name: 'GET cart with request validation (production) >= 30% of the bare node:http limit, req/s',
      value: `${((100 * get.rps) / limit.rps).toFixed(1)}%`,
      pass: get.rps / limit.rps >= 0.3,
    });
    const [limitCpu, getCpu] = [cpuOf(limit), cpuOf(get)];
    if (Number.isFinite(limitCpu) && Number.isFinite(getCpu)) {
      targets.push({
        name: "GET cart (production) >= 30% of the limit's efficiency, server CPU µs per request",
        value: `${((100 * limitCpu) / getCpu).toFixed(1)}% (${cpuUs(getCpu)} µs vs ${cpuUs(limitCpu)} µs)`,
        pass: limitCpu / getCpu >= 0.3,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// GET cart and create cart on SQLite and on PostgreSQL, one instance and three (production)

type Engine = 'sqlite' | 'postgres';
const ENGINE_LABEL: Record<Engine, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
/** The rows, in order; three SQLite instances share one file (they take turns on its write lock). */
const DATABASE_ROWS: { engine: Engine; instances: number }[] = [
  { engine: 'sqlite', instances: 1 },
  { engine: 'postgres', instances: 1 },
  { engine: 'postgres', instances: 3 },
  { engine: 'sqlite', instances: 3 },
];

/** `total` split into `parts` shares as even as possible (each at least 1). */
const shares = (total: number, parts: number): number[] =>
  Array.from({ length: parts }, (_, index) => Math.max(1, Math.floor(total / parts) + (index < total % parts ? 1 : 0)));

interface DatabaseResult {
  result: LoadResult;
  /** PostgreSQL's own CPU time (postmaster, backends, background processes) per request of the CPU run, µs. */
  postgresUsPerRequest: number;
}

/** The postmaster of the PostgreSQL that serves `url`: the parent of the backend of a connection. */
async function postmasterPid(url: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return parentPid(rows[0]!.pid);
  } finally {
    await client.end();
  }
}

async function databaseRun(
  root: string,
  op: 'get' | 'create',
  engine: Engine,
  instances: number,
  freshDatabaseUrl: () => Promise<string>,
): Promise<DatabaseResult> {
  const databasePath = join(tempDir(), 'cart.db');
  const databaseUrl = engine === 'postgres' ? await freshDatabaseUrl() : undefined;
  const seeded = await seedDatabase(
    root,
    databasePath,
    { background: settings.background, carts: { probe: { count: 1, lines: 3 } } },
    databaseUrl ? { databaseUrl } : {},
  );
  const probe = cartPath(seeded.ids['probe']![0]!);
  const token = await benchToken(root);
  const auth = { authorization: `Bearer ${token}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const body = JSON.stringify({ lineItems: lines(3) });
  const requests: () => Request[] =
    op === 'get'
      ? () => [{ method: 'GET', path: probe, headers: auth }]
      : () => [{ method: 'POST', path: cartsPath(), headers: json, body }];
  const servers: RunningServer[] = [];
  try {
    // One after the other: the first start migrates nothing (the seeding made the schema), none races another.
    for (let index = 0; index < instances; index++) {
      servers.push(
        await startReference({
          root,
          variant: 'production',
          databasePath,
          ...(databaseUrl ? { databaseUrl } : {}),
          readyPath: probe,
          token,
          logLevel: settings.logLevel,
        }),
      );
    }
    for (const server of servers) {
      const answer = await request(
        `${server.url}${op === 'get' ? probe : cartsPath()}`,
        op === 'get' ? { headers: auth } : { method: 'POST', headers: json, body },
      );
      if (answer.status !== (op === 'get' ? 200 : 201))
        throw new Error(
          `${op} on ${ENGINE_LABEL[engine]}: answered ${answer.status}: ${answer.body.toString().slice(0, 500)}`,
        );
    }
    const postmaster = databaseUrl ? await postmasterPid(databaseUrl) : undefined;
    // One autocannon per instance, at the same time, a share of the connections each.
    const connections = shares(settings.connections, instances);
    const cpuRequests = shares(settings.cpuRequests, instances);
    const options = servers.map((server, index) => ({
      ...loadOptions(server, requests),
      connections: connections[index]!,
      keepLatencies: true,
    }));
    const runs = await Promise.all(options.map((each) => load(each)));
    // Then the CPU runs, all at the same time too: the servers' CPU time summed over all their requests.
    const postgresBefore = postmaster ? processTreeCpuUs(postmaster) : Number.NaN;
    const cpus = await Promise.all(options.map((each, index) => cpuRun(each, cpuRequests[index]!)));
    const postgresUs = postmaster ? processTreeCpuUs(postmaster) - postgresBefore : Number.NaN;
    const cpu = combineCpu(cpus)!;
    return { result: { ...combineConcurrent(runs), cpu }, postgresUsPerRequest: postgresUs / cpu.requests };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

async function databasesSection(): Promise<void> {
  print(
    `\n== GET cart and create cart on SQLite and on PostgreSQL, one instance and three (production; ${int(settings.background)} other carts stored; ${settings.connections} connections in all, ${settings.durationSec} s after a ${settings.warmupSec} s warm-up; three instances: one autocannon each, a third of the connections each, at the same time) ==`,
  );
  print(
    "   CPU µs/req: the server processes' CPU time (three instances: the sum) over the requests of the CPU run; PostgreSQL's own processes are the next column.",
  );
  print(
    "   The PostgreSQL is the tests' embedded one, in memory (/dev/shm) with fsync off: it measures the server and the protocol, not a durable disk (SQLite: synchronous=FULL).",
  );
  const { freshDatabaseUrl, stopTestPostgres } = await import('../server/test/postgres.ts');
  const rows: string[][] = [];
  const figures: Record<string, DatabaseResult> = {};
  const notes: string[] = [];
  try {
    for (const op of ['get', 'create'] as const) {
      for (const { root, label } of roots) {
        let base: LoadResult | undefined;
        for (const { engine, instances } of DATABASE_ROWS) {
          const rowLabel = `${ENGINE_LABEL[engine]}, ${instances} instance${instances === 1 ? '' : 's'}${suffix(label)}`;
          const runs: DatabaseResult[] = [];
          for (let rep = 0; rep < settings.repeat; rep++) {
            progress(
              `${repeats(`${OP_LABEL[op]}, ${rowLabel}`, rep)}: loading ${settings.warmupSec} + ${settings.durationSec} s, then ${int(settings.cpuRequests)} requests for CPU time`,
            );
            runs.push(await databaseRun(root, op, engine, instances, freshDatabaseUrl));
          }
          const result = aggregate(runs.map((run) => run.result));
          const postgres = median(runs.map((run) => run.postgresUsPerRequest));
          base ??= result;
          const cpu = cpuOf(result);
          figures[`${op}/${engine}/${instances}${suffix(label)}`] = { result, postgresUsPerRequest: postgres };
          rows.push([
            OP_LABEL[op],
            rowLabel,
            int(result.rps),
            ratio(result.rps / base.rps),
            ms(result.p50),
            ms(result.p99),
            cpuUs(cpu),
            ratio(cpu / cpuOf(base)),
            engine === 'postgres' ? cpuUs(postgres) : 'in-process',
            describeStatuses(result),
          ]);
          const note = cpuNote(result);
          if (note) notes.push(`${OP_LABEL[op]}, ${rowLabel}: ${note}`);
        }
      }
    }
  } finally {
    await stopTestPostgres();
  }
  print(
    table(
      [
        'operation',
        'database, instances',
        'req/s',
        'x SQLite 1',
        'p50 ms',
        'p99 ms',
        'CPU µs/req',
        'x SQLite 1',
        'PostgreSQL µs/req',
        'non-2xx',
      ],
      rows,
      2,
    ),
  );
  for (const note of notes) print(`  ${note}`);
  results['databases'] = figures;
}

// ---------------------------------------------------------------------------------------------------
// Start-up: spawn the server, time "listening", GET /health's first 200, then an API GET's

/** The kinds of start measured: launch, compile cache, variant. Development is what `npm start` gives a developer. */
const STARTS: { key: string; label: string; launch: Launch; cache: 'cold' | 'warm'; variant: Variant }[] = [
  {
    key: 'direct-warm',
    label: 'node server/main.ts, warm cache',
    launch: 'direct',
    cache: 'warm',
    variant: 'validating',
  },
  {
    key: 'direct-cold',
    label: 'node server/main.ts, cold cache',
    launch: 'direct',
    cache: 'cold',
    variant: 'validating',
  },
  {
    key: 'direct-warm-production',
    label: 'node server/main.ts, warm cache, production',
    launch: 'direct',
    cache: 'warm',
    variant: 'production',
  },
  { key: 'npm-warm', label: 'npm start, warm cache', launch: 'npm', cache: 'warm', variant: 'validating' },
  { key: 'npm-cold', label: 'npm start, cold cache', launch: 'npm', cache: 'cold', variant: 'validating' },
];

async function startupSection(): Promise<void> {
  print(
    `\n== Start-up: from the spawn to "listening", to GET /health's first 200, then to GET cart's (authenticated; ${int(settings.background)} carts stored); ` +
      `development (npm start's default: responses validated) unless noted; ${settings.startupRuns} runs of each, interleaved, median ==`,
  );
  const floor: number[] = [];
  for (let run = 0; run < settings.startupRuns; run++) {
    const started = performance.now();
    const child = startChild(NODE, ['-e', '0'], { cwd: repoRoot, env: process.env });
    await child.exited;
    floor.push(performance.now() - started);
  }
  const npmFound = (() => {
    try {
      execFileSync('npm', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  const starts = STARTS.filter((start) => start.launch === 'direct' || npmFound);
  const prepared = [];
  for (const { root, label } of roots) {
    const databasePath = join(tempDir(), 'cart.db');
    const { ids } = await seedDatabase(root, databasePath, {
      background: settings.background,
      carts: { probe: { count: 1, lines: 3 } },
    });
    const token = await benchToken(root);
    const apiPath = cartPath(ids['probe']![0]!);
    // The warm cache: filled by one start (its figures discarded) that loads everything the measured ones load.
    const warmCache = tempDir('cart-bench-compile-cache-');
    await timeStart({
      root,
      variant: 'validating',
      databasePath,
      apiPath,
      token,
      launch: 'direct',
      compileCacheDir: warmCache,
    });
    prepared.push({ root, label, databasePath, apiPath, token, warmCache });
  }
  const figures: Record<string, Record<string, { listening: number[]; health: number[]; api: number[] }>> = {};
  for (let run = 0; run < settings.startupRuns; run++) {
    for (const start of starts) {
      for (const { root, label, databasePath, apiPath, token, warmCache } of prepared) {
        progress(`${start.label}${suffix(label)} (run ${run + 1}/${settings.startupRuns})`);
        const compileCacheDir = start.cache === 'warm' ? warmCache : tempDir('cart-bench-compile-cache-');
        const timing = await timeStart({
          root,
          variant: start.variant,
          databasePath,
          apiPath,
          token,
          launch: start.launch,
          compileCacheDir,
        });
        if (start.cache === 'cold') removeTempPath(compileCacheDir);
        const figure = ((figures[label] ??= {})[start.key] ??= { listening: [], health: [], api: [] });
        figure.listening.push(timing.listeningMs);
        figure.health.push(timing.healthMs);
        figure.api.push(timing.apiMs);
      }
    }
  }
  const rows: string[][] = [
    ['node -e 0 (the floor)', '-', ms(median(floor)), '-', `${ms(Math.min(...floor))}-${ms(Math.max(...floor))}`, '-'],
  ];
  for (const start of starts) {
    for (const { label } of roots) {
      const { listening, health, api } = figures[label]![start.key]!;
      rows.push([
        `${start.label}${suffix(label)}`,
        ms(median(listening)),
        ms(median(health)),
        ms(median(api)),
        `${ms(Math.min(...health))}-${ms(Math.max(...health))}`,
        `${ms(Math.min(...api))}-${ms(Math.max(...api))}`,
      ]);
    }
  }
  print(
    table(['start', 'listening ms', '/health 200 ms', 'GET cart 200 ms', '/health min-max', 'GET cart min-max'], rows),
  );
  if (!npmFound) print('  npm is not on PATH: the npm start rows are left out.');
  results['startup'] = { floor, ...figures };
  const main = figures[roots[0]!.label]!['direct-warm']!;
  const health = median(main.health);
  const api = median(main.api);
  targets.push({
    name: 'start (node server/main.ts, warm compile cache) to the first 200 (GET /health) < 700 ms',
    value: `${ms(health)} ms`,
    pass: health < 700,
  });
  targets.push({
    name: 'start (the same) to the first API answer (GET cart, after /health) < 700 ms',
    value: `${ms(api)} ms`,
    pass: api < 700,
  });
}

// ---------------------------------------------------------------------------------------------------
// npm run generate, into a temporary folder (generated/ is left as it is)

async function generateSection(): Promise<void> {
  const runs = quick ? 1 : 3;
  print(
    `\n== npm run generate: ${runs} run${runs === 1 ? '' : 's'}, into a temporary folder (generated/ untouched) ==`,
  );
  const times: number[] = [];
  const npmCli = process.env['npm_execpath'];
  for (let run = 0; run < runs; run++) {
    const out = tempDir('cart-bench-generated-');
    const args = ['run', '-s', 'generate', '--', '--generated', out];
    const [command, commandArgs] = npmCli?.endsWith('.js') ? [NODE, [npmCli, ...args]] : ['npm', args];
    progress(`npm run generate (${run + 1}/${runs})`);
    const started = performance.now();
    const child = startChild(command, commandArgs, { cwd: settings.root, env: process.env });
    const { code } = await child.exited;
    if (code !== 0) throw new Error(`npm run generate failed (${code}):\n${child.output()}`);
    times.push(performance.now() - started);
  }
  const seconds = (value: number): string => (value / 1000).toFixed(2);
  print(
    table(
      ['command', 'median s', 'min s', 'max s'],
      [['npm run generate', seconds(median(times)), seconds(Math.min(...times)), seconds(Math.max(...times))]],
    ),
  );
  results['generate'] = times;
}

// ---------------------------------------------------------------------------------------------------
// How GET cart scales: stored carts, line items (production server, the same load settings)

async function storedCartsRun(
  root: string,
  count: number,
): Promise<{ result: LoadResult; seedMs: number; fileMiB: number }> {
  const databasePath = join(tempDir(), 'cart.db');
  progress(`seeding ${int(count)} carts`);
  const seeded = await seedDatabase(root, databasePath, { background: count, keepBackgroundPaths: true });
  const paths = seeded.backgroundPaths;
  const fileMiB =
    ['', '-wal'].reduce(
      (sum, extension) => sum + (existsSync(databasePath + extension) ? statSync(databasePath + extension).size : 0),
      0,
    ) /
    2 ** 20;
  const token = await benchToken(root);
  const auth = { authorization: `Bearer ${token}` };
  const server = await startReference({
    root,
    variant: 'production',
    databasePath,
    readyPath: paths[0]!,
    token,
    logLevel: settings.logLevel,
  });
  try {
    const random = (): string => paths[Math.floor(Math.random() * paths.length)]!;
    const result = await load(
      loadOptions(server, () => [
        { method: 'GET', headers: auth, setupRequest: (req) => ({ ...req, path: random() }) },
      ]),
    );
    return { result, seedMs: seeded.ms, fileMiB };
  } finally {
    await server.stop();
  }
}

async function lineItemsRuns(root: string): Promise<{ lines: number; bytes: number; result: LoadResult }[]> {
  const databasePath = join(tempDir(), 'cart.db');
  const counts = [1, 10, 100];
  const seeded = await seedDatabase(root, databasePath, {
    background: settings.background,
    carts: Object.fromEntries(counts.map((count) => [`lines${count}`, { count: 1, lines: count }])),
  });
  const token = await benchToken(root);
  const auth = { authorization: `Bearer ${token}` };
  const pathOf = (count: number): string => cartPath(seeded.ids[`lines${count}`]![0]!);
  const server = await startReference({
    root,
    variant: 'production',
    databasePath,
    readyPath: pathOf(1),
    token,
    logLevel: settings.logLevel,
  });
  const out: { lines: number; bytes: number; result: LoadResult }[] = [];
  try {
    for (const count of counts) {
      const answer = await request(`${server.url}${pathOf(count)}`, { headers: auth });
      if (answer.status !== 200) throw new Error(`GET of the ${count}-line cart answered ${answer.status}`);
      progress(
        `GET a cart of ${count} line${count === 1 ? '' : 's'} (${int(answer.body.length)} bytes): ${settings.warmupSec} + ${settings.durationSec} s`,
      );
      out.push({
        lines: count,
        bytes: answer.body.length,
        result: await load(loadOptions(server, () => [{ method: 'GET', path: pathOf(count), headers: auth }])),
      });
    }
  } finally {
    await server.stop();
  }
  return out;
}

async function scalingSection(): Promise<void> {
  print(
    `\n== GET cart as the database grows (production; a random stored cart per request; ${settings.connections} connections, ${settings.durationSec} s) ==`,
  );
  const stored = new Map<string, { count: number; result: LoadResult; seedMs: number; fileMiB: number }[]>(
    roots.map(({ label }) => [label, []]),
  );
  for (const count of settings.stored) {
    const runs = new Map<string, { result: LoadResult; seedMs: number; fileMiB: number }[]>(
      roots.map(({ label }) => [label, []]),
    );
    for (let rep = 0; rep < settings.repeat; rep++) {
      for (const { root, label } of roots) {
        progress(
          `${repeats(`GET a random one of ${int(count)} stored carts${suffix(label)}`, rep)}: ${settings.warmupSec} + ${settings.durationSec} s`,
        );
        runs.get(label)!.push(await storedCartsRun(root, count));
      }
    }
    for (const { label } of roots) {
      const all = runs.get(label)!;
      stored.get(label)!.push({
        count,
        result: aggregate(all.map((run) => run.result)),
        seedMs: median(all.map((run) => run.seedMs)),
        fileMiB: all[0]!.fileMiB,
      });
    }
  }
  const rows: string[][] = [];
  for (const { label } of roots) {
    const entries = stored.get(label)!;
    const first = entries[0]!.result;
    for (const { count, result, seedMs, fileMiB } of entries) {
      rows.push([
        `${int(count)}${suffix(label)}`,
        fileMiB.toFixed(1),
        (seedMs / 1000).toFixed(1),
        int(result.rps),
        ms(result.p50),
        ms(result.p99),
        ms(result.mean),
        change(first.p50, result.p50),
        change(first.mean, result.mean),
        describeStatuses(result),
      ]);
    }
  }
  print(
    table(
      [
        'stored carts',
        'db MiB',
        'seed s',
        'req/s',
        'p50 ms',
        'p99 ms',
        'mean ms',
        'p50 vs first',
        'mean vs first',
        'non-2xx',
      ],
      rows,
    ),
  );
  const main = stored.get(roots[0]!.label)!;
  if (main.length > 1) {
    const first = main[0]!;
    const last = main[main.length - 1]!;
    targets.push({
      name: `GET latency flat (within 20%) from ${int(first.count)} to ${int(last.count)} stored carts`,
      value: `p50 ${change(first.result.p50, last.result.p50)}, mean ${change(first.result.mean, last.result.mean)}`,
      pass: Math.abs(last.result.p50 / first.result.p50 - 1) <= 0.2,
    });
  }

  print(
    `\n== GET cart by number of line items (production; ${int(settings.background)} other carts stored; one server, the three carts in turn) ==`,
  );
  const byLines = new Map<string, { lines: number; bytes: number; result: LoadResult }[]>();
  for (const { root, label } of roots) byLines.set(label, await lineItemsRuns(root));
  const lineRows: string[][] = [];
  for (const { label } of roots) {
    const entries = byLines.get(label)!;
    for (const { lines: count, bytes, result } of entries) {
      lineRows.push([
        `${count}${suffix(label)}`,
        int(bytes),
        int(result.rps),
        ms(result.p50),
        ms(result.p99),
        change(entries[0]!.result.p50, result.p50),
        describeStatuses(result),
      ]);
    }
  }
  print(table(['line items', 'body bytes', 'req/s', 'p50 ms', 'p99 ms', 'p50 vs 1 line', 'non-2xx'], lineRows));
  results['scaling'] = { stored: Object.fromEntries(stored), byLines: Object.fromEntries(byLines) };
}

// ---------------------------------------------------------------------------------------------------
// Profile: node --cpu-prof on the server child; only the samples of the measured window are analysed

async function profileSection(): Promise<void> {
  print(
    `\n== Profile: where the server's CPU time goes (production, node --cpu-prof, the ${settings.durationSec} s measured after the warm-up) ==`,
  );
  print(
    '   Percentages are of busy (non-idle) time. A middleware that calls next() has everything after it in its inclusive time;',
  );
  print(
    '   self time is the unambiguous figure. µs/req: CPU time per answered request (the profiler itself adds some).',
  );
  const summaries: Record<string, unknown> = {};
  for (const { root, label } of roots) {
    for (const op of ['get', 'create'] as const) {
      const dir = tempDir();
      const profileDir = settings.profileDir ?? join(dir, 'profiles');
      const databasePath = join(dir, 'cart.db');
      const { ids } = await seedDatabase(root, databasePath, {
        background: settings.background,
        carts: { probe: { count: 1, lines: 3 } },
      });
      const token = await benchToken(root);
      const path = cartPath(ids['probe']![0]!);
      const before = new Set(existsSync(profileDir) ? readdirSync(profileDir) : []);
      const server = await startReference({
        root,
        variant: 'production',
        databasePath,
        readyPath: path,
        token,
        cpuProfDir: profileDir,
        logLevel: settings.logLevel,
      });
      const auth = { authorization: `Bearer ${token}` };
      const body = JSON.stringify({ lineItems: lines(3) });
      const requests: () => Request[] =
        op === 'get'
          ? () => [{ method: 'GET', path, headers: auth }]
          : () => [
              { method: 'POST', path: cartsPath(), headers: { ...auth, 'content-type': 'application/json' }, body },
            ];
      progress(`profiling ${OP_LABEL[op]}${suffix(label)}: ${settings.warmupSec} + ${settings.durationSec} s`);
      let result: LoadResult;
      try {
        result = await load(loadOptions(server, requests));
      } finally {
        await server.stop(); // SIGTERM: the server shuts down, and Node writes the profile as it exits
      }
      const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile') && !before.has(name));
      if (!file) throw new Error(`the server wrote no .cpuprofile into ${profileDir}`);
      const summary = analyseProfile(join(profileDir, file), root, {
        startUs: result.windowUs.start,
        endUs: result.windowUs.end,
      });
      print(`\n${formatProfile(`${OP_LABEL[op]}${suffix(label)}`, summary, result.responses)}`);
      if (settings.profileDir) print(`  profile: ${join(profileDir, file)}`);
      summaries[`${op}${suffix(label)}`] = summary;
    }
  }
  results['profile'] = summaries;
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  installCleanup();
  const started = performance.now();
  const startLoad = loadavg()[0]!;
  print(`Partner Center cart API kit: benchmark${quick ? ' (--quick smoke run)' : ''}`);
  print(
    `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'}, load average ${startLoad.toFixed(2)} at start; server under test: ${settings.root}${settings.compare ? `, compared with ${settings.compare}` : ''}`,
  );
  if (settings.logLevel !== 'silent') print(`LOG_LEVEL=${settings.logLevel} on the reference server`);
  if (startLoad > cpus().length * 0.25)
    print(
      `NOTE: the machine is busy (load average ${startLoad.toFixed(2)} on ${cpus().length} CPUs): the figures are noisy; compare ratios, not absolutes.`,
    );
  if (sections.has('load')) await loadSection();
  if (sections.has('databases')) await databasesSection();
  if (sections.has('startup')) await startupSection();
  if (sections.has('generate')) await generateSection();
  if (sections.has('scaling')) await scalingSection();
  if (sections.has('profile')) await profileSection();
  if (targets.length > 0) {
    print('\n== Targets (same machine, same run) ==');
    print(
      table(
        ['target', 'measured', 'verdict'],
        targets.map(({ name, value, pass }) => [name, value, pass ? 'met' : 'NOT met']),
      ),
    );
  }
  print(
    `\nload average at the end: ${loadavg()[0]!.toFixed(2)}; the benchmark took ${Math.round((performance.now() - started) / 1000)} s`,
  );
  results['targets'] = targets;
  if (settings.json) writeFileSync(settings.json, JSON.stringify(results, null, 2));
}

try {
  await main();
} catch (error) {
  console.error(`\nbenchmark failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
} finally {
  killAll();
  removeTemp();
}

// One load run with autocannon's programmatic API: a warm-up (discarded), then a measured run with a
// fixed number of connections for a fixed time. Latencies are recorded here from autocannon's
// `response` events, at the microsecond resolution of process.hrtime (autocannon's own histogram
// rounds to whole milliseconds, too coarse for a server that answers in a fraction of one).
// Optionally, after the measured run, a fixed number of requests more measures the server's CPU time
// per request (from /proc/<pid>/stat), a figure that does not depend on how fast the load generator is.
import autocannon, { type Request, type Result } from 'autocannon';
import { cpuTimeUs, sampleMemory } from './processes.ts';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** The request sequence each connection loops over (autocannon's `requests`). */
  requests: () => Request[];
  /** The server process, for its peak RSS. */
  pid: number;
  /** Set by a request source that has run out (e.g. no fresh cart left to check out): the run stops there. */
  exhausted?: () => boolean;
  /** After the measured run, send this many requests more and measure the server's CPU time per request. */
  cpuRequests?: number;
  /**
   * Return the measured run's 2xx latencies (sorted, ms) too, to merge runs made at the same time
   * (`combineConcurrent`).
   */
  keepLatencies?: boolean;
}

/** The server's CPU time (user + system, all threads) over a fixed number of requests, sent after the measured run. */
export interface CpuResult {
  /** Responses received (the requests sent). */
  requests: number;
  non2xx: number;
  /** CPU time the server used while answering them, µs (clock-tick resolution: 10 ms at 100 ticks a second). */
  cpuUs: number;
  /** cpuUs / requests. */
  usPerRequest: number;
  seconds: number;
}

export interface LoadResult {
  /** 2xx responses per second over the measured run. */
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  responses: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  seconds: number;
  /** Peak RSS of the server process, KiB (VmHWM: since it started, so including start and warm-up). */
  peakRssKiB: number;
  /** True when the request source ran out before the time was up. */
  stoppedEarly: boolean;
  /** The measured run on the monotonic clock (process.hrtime, µs), to cut a server's CPU profile to it. */
  windowUs: { start: number; end: number };
  /** When `cpuRequests` was set (NaN figures without /proc). */
  cpu?: CpuResult;
  /** With `keepLatencies`: every 2xx latency of the measured run, sorted, ms. */
  latencies?: Float64Array;
}

interface Run {
  result: Result;
  stoppedEarly: boolean;
  seconds: number;
  windowUs: { start: number; end: number };
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** How long a run lasts: a number of seconds, or a number of requests. */
type Length = { durationSec: number } | { amount: number };

function run(options: LoadOptions, length: Length, onResponse?: (status: number, ms: number) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const startUs = nowUs();
    let stoppedEarly = false;
    let stoppedAt = 0;
    let stoppedAtUs = 0;
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...('amount' in length ? { amount: length.amount } : { duration: length.durationSec }),
        timeout: 30,
        requests: options.requests(),
      },
      (error, result) => {
        if (error) reject(error);
        else {
          resolve({
            result,
            stoppedEarly,
            seconds: ((stoppedAt || performance.now()) - started) / 1000,
            windowUs: { start: startUs, end: stoppedAtUs || nowUs() },
          });
        }
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (stoppedEarly) return;
      if (options.exhausted?.()) {
        // The source ran out: what answers from here on is not the measured operation any more.
        stoppedEarly = true;
        stoppedAt = performance.now();
        stoppedAtUs = nowUs();
        instance.stop();
        return;
      }
      onResponse?.(statusCode, responseTime);
    });
  });
}

/** Percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSec > 0) await run(options, { durationSec: options.warmupSec });
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let responses = 0;
  const statusCodes: Record<string, number> = {};
  const memory = sampleMemory(options.pid);
  const { result, stoppedEarly, seconds, windowUs } = await run(
    options,
    { durationSec: options.durationSec },
    (status, ms) => {
      responses++;
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      if (status < 200 || status > 299) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = ms;
    },
  );
  const peakRssKiB = memory.stop();
  const sorted = latencies.subarray(0, count).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  const cpu = options.cpuRequests && !stoppedEarly ? await cpuRun(options, options.cpuRequests) : undefined;
  return {
    rps: count / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: count > 0 ? sum / count : Number.NaN,
    responses,
    non2xx: responses - count,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    peakRssKiB,
    stoppedEarly,
    windowUs,
    ...(cpu ? { cpu } : {}),
    ...(options.keepLatencies ? { latencies: sorted } : {}),
  };
}

/** `requests` requests (autocannon's `amount`), with the server's CPU time read before and after. */
export async function cpuRun(options: LoadOptions, requests: number): Promise<CpuResult> {
  let responses = 0;
  let non2xx = 0;
  const before = cpuTimeUs(options.pid);
  const { seconds } = await run(options, { amount: requests }, (status) => {
    responses++;
    if (status < 200 || status > 299) non2xx++;
  });
  const cpuUs = cpuTimeUs(options.pid) - before;
  return { requests: responses, non2xx, cpuUs, usPerRequest: responses > 0 ? cpuUs / responses : Number.NaN, seconds };
}

const middle = (values: number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[at]! : (sorted[at - 1]! + sorted[at]!) / 2;
};

/**
 * Several runs of the same thing as one: medians of rates, latencies and CPU per request, the highest peak RSS, counts
 * summed.
 */
export function aggregate(runs: LoadResult[]): LoadResult {
  if (runs.length === 1) return runs[0]!;
  const cpuRuns = runs.flatMap((run) => (run.cpu ? [run.cpu] : []));
  const cpu: CpuResult | undefined =
    cpuRuns.length === 0
      ? undefined
      : {
          requests: cpuRuns.reduce((total, run) => total + run.requests, 0),
          non2xx: cpuRuns.reduce((total, run) => total + run.non2xx, 0),
          cpuUs: cpuRuns.reduce((total, run) => total + run.cpuUs, 0),
          usPerRequest: middle(cpuRuns.map((run) => run.usPerRequest)),
          seconds: cpuRuns.reduce((total, run) => total + run.seconds, 0),
        };
  const statusCodes: Record<string, number> = {};
  for (const run of runs)
    for (const [status, count] of Object.entries(run.statusCodes))
      statusCodes[status] = (statusCodes[status] ?? 0) + count;
  const sum = (pick: (run: LoadResult) => number): number => runs.reduce((total, run) => total + pick(run), 0);
  return {
    rps: middle(runs.map((run) => run.rps)),
    p50: middle(runs.map((run) => run.p50)),
    p99: middle(runs.map((run) => run.p99)),
    mean: middle(runs.map((run) => run.mean)),
    responses: sum((run) => run.responses),
    non2xx: sum((run) => run.non2xx),
    statusCodes,
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    seconds: sum((run) => run.seconds),
    peakRssKiB: Math.max(...runs.map((run) => run.peakRssKiB)),
    stoppedEarly: runs.some((run) => run.stoppedEarly),
    windowUs: runs[runs.length - 1]!.windowUs,
    ...(cpu ? { cpu } : {}),
  };
}

/**
 * Runs made at the same time against several servers (one autocannon each) as one: rates and counts
 * summed, p50/p99/mean over the merged latencies (every run needs `keepLatencies`), peak RSS summed
 * (the processes live side by side), CPU time summed over the requests summed.
 */
export function combineConcurrent(runs: LoadResult[]): LoadResult {
  if (runs.length === 1) {
    const { latencies: _latencies, ...only } = runs[0]!;
    return only;
  }
  const total = runs.reduce((length, run) => length + (run.latencies?.length ?? 0), 0);
  const merged = new Float64Array(total);
  let at = 0;
  for (const run of runs) {
    if (!run.latencies) throw new Error('combineConcurrent: a run without keepLatencies');
    merged.set(run.latencies, at);
    at += run.latencies.length;
  }
  merged.sort();
  let sum = 0;
  for (const value of merged) sum += value;
  const add = (pick: (run: LoadResult) => number): number => runs.reduce((all, run) => all + pick(run), 0);
  const statusCodes: Record<string, number> = {};
  for (const run of runs)
    for (const [status, count] of Object.entries(run.statusCodes))
      statusCodes[status] = (statusCodes[status] ?? 0) + count;
  const cpuRuns = runs.flatMap((run) => (run.cpu ? [run.cpu] : []));
  const cpu = combineCpu(cpuRuns);
  return {
    rps: add((run) => run.rps),
    p50: percentile(merged, 50),
    p99: percentile(merged, 99),
    mean: total > 0 ? sum / total : Number.NaN,
    responses: add((run) => run.responses),
    non2xx: add((run) => run.non2xx),
    statusCodes,
    errors: add((run) => run.errors),
    timeouts: add((run) => run.timeouts),
    seconds: Math.max(...runs.map((run) => run.seconds)),
    peakRssKiB: add((run) => run.peakRssKiB),
    stoppedEarly: runs.some((run) => run.stoppedEarly),
    windowUs: {
      start: Math.min(...runs.map((run) => run.windowUs.start)),
      end: Math.max(...runs.map((run) => run.windowUs.end)),
    },
    ...(cpu ? { cpu } : {}),
  };
}

/** CPU runs made at the same time against several servers: the CPU time of all of them over all their requests. */
export function combineCpu(runs: CpuResult[]): CpuResult | undefined {
  if (runs.length === 0) return undefined;
  const requests = runs.reduce((all, run) => all + run.requests, 0);
  const cpuUs = runs.reduce((all, run) => all + run.cpuUs, 0);
  return {
    requests,
    non2xx: runs.reduce((all, run) => all + run.non2xx, 0),
    cpuUs,
    usPerRequest: requests > 0 ? cpuUs / requests : Number.NaN,
    seconds: Math.max(...runs.map((run) => run.seconds)),
  };
}

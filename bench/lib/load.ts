// One load run with autocannon's programmatic API: a warm-up (discarded), then a measured run with a
// fixed number of connections for a fixed time. Latencies are recorded here from autocannon's
// `response` events, at the microsecond resolution of process.hrtime (autocannon's own histogram
// rounds to whole milliseconds, too coarse for a server that answers in a fraction of one).
import autocannon, { type Request, type Result } from 'autocannon';
import { sampleMemory } from './processes.ts';

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
}

interface Run {
  result: Result;
  stoppedEarly: boolean;
  seconds: number;
  windowUs: { start: number; end: number };
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

function run(options: LoadOptions, durationSec: number, onResponse?: (status: number, ms: number) => void): Promise<Run> {
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
        duration: durationSec,
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
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
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
  if (options.warmupSec > 0) await run(options, options.warmupSec);
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let responses = 0;
  const statusCodes: Record<string, number> = {};
  const memory = sampleMemory(options.pid);
  const { result, stoppedEarly, seconds, windowUs } = await run(options, options.durationSec, (status, ms) => {
    responses++;
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    if (status < 200 || status > 299) return;
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2);
      grown.set(latencies);
      latencies = grown;
    }
    latencies[count++] = ms;
  });
  const peakRssKiB = memory.stop();
  const sorted = latencies.subarray(0, count).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
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
  };
}

const middle = (values: number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const at = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[at]! : (sorted[at - 1]! + sorted[at]!) / 2;
};

/** Several runs of the same thing as one: medians of rates and latencies, the highest peak RSS, counts summed. */
export function aggregate(runs: LoadResult[]): LoadResult {
  if (runs.length === 1) return runs[0]!;
  const statusCodes: Record<string, number> = {};
  for (const run of runs) for (const [status, count] of Object.entries(run.statusCodes)) statusCodes[status] = (statusCodes[status] ?? 0) + count;
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
  };
}

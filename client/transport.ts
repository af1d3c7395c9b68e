// The transport under openapi-fetch: one logical call may take several attempts. Each attempt gets a
// fresh bearer token and its own timeout; network errors, timeouts, 429 (waiting what Retry-After
// says) and 5xx are retried with exponential backoff and full jitter, bounded by attempts and total
// time. Other 4xx are never retried. The request's headers, MS-RequestId included, are the same on
// every attempt, so a retried create or checkout is recognised as the same call.

export type TokenProvider = string | (() => string | Promise<string>);

export interface RetryPolicy {
  /** Attempts in all, the first included (default 4; 1 = no retry). */
  attempts?: number;
  /** First backoff delay in ms, doubled at each attempt (default 500). */
  baseDelayMs?: number;
  /** Largest single wait in ms, Retry-After included (default 30 000). */
  maxDelayMs?: number;
  /** No new attempt starts after this many ms since the first (default 60 000). */
  maxElapsedMs?: number;
}

export interface TransportOptions {
  token?: TokenProvider;
  fetch?: (request: Request) => Promise<Response>;
  /** Timeout of one attempt in ms (default 30 000; 0 = none). */
  timeoutMs?: number;
  retry?: RetryPolicy | false;
  /** Waits between attempts; replaceable in tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function createTransport(options: TransportOptions): (request: Request) => Promise<Response> {
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const policy = options.retry === false ? { attempts: 1 } : (options.retry ?? {});
  const attempts = Math.max(1, policy.attempts ?? 4);
  const baseDelayMs = policy.baseDelayMs ?? 500;
  const maxDelayMs = policy.maxDelayMs ?? 30_000;
  const maxElapsedMs = policy.maxElapsedMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  return async (original: Request) => {
    const started = Date.now();
    // Buffered once, so every attempt sends the same bytes.
    const body = original.body ? await original.arrayBuffer() : undefined;
    for (let attempt = 1; ; attempt++) {
      const headers = new Headers(original.headers);
      if (options.token !== undefined) {
        const token = typeof options.token === 'function' ? await options.token() : options.token;
        headers.set('Authorization', `Bearer ${token}`);
      }
      const signals = [original.signal, ...(timeoutMs > 0 ? [AbortSignal.timeout(timeoutMs)] : [])];
      const request = new Request(original.url, {
        method: original.method,
        headers,
        signal: AbortSignal.any(signals),
        ...(body ? { body } : {}),
      });
      const canRetry = () => attempt < attempts && Date.now() - started < maxElapsedMs;
      const backoff = () => Math.min(maxDelayMs, random() * baseDelayMs * 2 ** (attempt - 1));
      let response: Response;
      try {
        response = await fetchImpl(request);
      } catch (error) {
        const wait = backoff();
        // The caller gave up, or no attempt may start within the budget: the error is the answer.
        if (original.signal.aborted || !canRetry() || Date.now() - started + wait > maxElapsedMs) throw error;
        await sleep(wait, original.signal);
        continue;
      }
      if (!RETRYABLE_STATUS.has(response.status) || !canRetry()) return response;
      const wait = Math.min(maxDelayMs, retryAfterMs(response.headers.get('Retry-After')) ?? backoff());
      if (Date.now() - started + wait > maxElapsedMs) return response;
      await response.body?.cancel();
      await sleep(wait, original.signal);
    }
  };
}

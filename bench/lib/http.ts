// Single HTTP requests outside the load runs: recording the reference answer, checking the limit
// servers replay it, and polling a starting server until it answers.
import { request as httpRequest } from 'node:http';

export interface RawResponse {
  status: number;
  /** Header names as sent, with their values, in order. */
  headers: [string, string][];
  body: Buffer;
}

/** One request on a fresh connection (no keep-alive agent: every poll is what a first client would see). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let index = 0; index < res.rawHeaders.length; index += 2)
          headers.push([res.rawHeaders[index]!, res.rawHeaders[index + 1]!]);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.end(options.body);
  });
}

/**
 * Polls `url` every `intervalMs` until it answers 200; resolves with the time of that answer
 * (performance.now()). Fails after `timeoutMs`, or at once when `failed()` says the server is gone.
 */
export async function waitFor200(
  url: string,
  options: {
    headers?: Record<string, string>;
    timeoutMs?: number;
    intervalMs?: number;
    failed?: () => string | undefined;
  } = {},
): Promise<number> {
  const deadline = performance.now() + (options.timeoutMs ?? 30_000);
  let last: string;
  for (;;) {
    const failure = options.failed?.();
    if (failure) throw new Error(failure);
    try {
      const response = await request(url, { headers: options.headers ?? {} });
      if (response.status === 200) return performance.now();
      last = `HTTP ${response.status}: ${response.body.toString().slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 in time (last: ${last})`);
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}

// Cross-origin calls from a browser (CORS), with the `cors` package: a web application served from
// an allowed origin may call the sandbox. Preflight requests are answered here, before
// authentication (a browser sends them without the token), and answers expose the headers Partner
// Center's clients read.
import cors from 'cors';
import type { RequestHandler } from 'express';
import { SpecIndex } from '../../openapi/spec-index.ts';
import type { CorsOrigins } from '../config.ts';

/** The answer headers a browser page may read. */
export const EXPOSED_HEADERS = [
  'MS-RequestId',
  'MS-CorrelationId',
  'X-Locale',
  'ETag',
  'Retry-After',
  'Idempotent-Replayed',
  'Sandbox-Ignored-Properties',
  'WWW-Authenticate',
];

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a page served from `origin` may call the sandbox. */
export function originAllowed(origin: string, allowed: CorsOrigins): boolean {
  if (allowed === 'none') return false;
  if (allowed === '*') return true;
  if (allowed === 'loopback') {
    const url = URL.parse(origin);
    return url !== null && (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname);
  }
  return allowed.includes(origin);
}

/** What a preflight allows: every method of the operations served (`documents`), so a page can make each call. */
export function methodsOf(documents: readonly object[]): string[] {
  const methods = documents.flatMap((document) =>
    SpecIndex.of(document)
      .operations()
      .map((operation) => operation.method.toUpperCase()),
  );
  return [...new Set(methods)].sort();
}

export function crossOrigin(allowed: CorsOrigins, methods: readonly string[]): RequestHandler {
  return cors({
    origin: (origin, done) => done(null, origin !== undefined && originAllowed(origin, allowed)),
    methods: [...methods],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

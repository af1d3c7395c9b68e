// The documentation and the contract, served next to the API: the Redoc page at /docs, the bundled
// spec at /openapi.json, the hand-written source at /openapi.yaml, and /health, a readiness check
// (503 while the database cannot be reached). One lookup by exact path rather than a Router: every
// API request passes this middleware first.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RequestHandler } from 'express';

const root = resolve(import.meta.dirname, '..', '..');

export function docsRoutes(isReady: () => Promise<void>): RequestHandler {
  // Read once at start: the files change only with a new release of the kit.
  const docs = { type: 'html', body: readFileSync(join(root, 'generated', 'docs', 'index.html')) };
  const pages = new Map<string, { type: string; body: Buffer | object }>([
    ['/docs', docs],
    ['/docs/', docs],
    ['/openapi.json', { type: 'application/json', body: readFileSync(join(root, 'generated', 'openapi.json')) }],
    ['/openapi.yaml', { type: 'application/yaml', body: readFileSync(join(root, 'openapi', 'openapi.yaml')) }],
  ]);
  return (req, res, next) => {
    if (req.path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      isReady().then(
        () => res.json({ status: 'ok' }),
        () => res.status(503).setHeader('Retry-After', '2').json({ status: 'unavailable', reason: 'the database cannot be reached' }),
      );
      return;
    }
    const page = req.method === 'GET' || req.method === 'HEAD' ? pages.get(req.path) : undefined;
    if (!page) return next();
    res.type(page.type).send(page.body);
  };
}

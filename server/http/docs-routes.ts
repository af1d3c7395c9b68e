// The documentation and the contract, served next to the API: the Redoc page at /docs (where `/`
// leads), the bundled spec at /openapi.json, the hand-written source at /openapi.yaml, a favicon, and
// /health, a readiness check (503 while the database cannot be reached). One lookup by exact path
// rather than a Router: every API request passes this middleware first.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RequestHandler } from 'express';

const root = resolve(import.meta.dirname, '..', '..');

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f6cbd"/>' +
  '<path d="M7 10h3l3 10h10l2-7H12" fill="none" stroke="#fff" stroke-width="2.2" stroke-linejoin="round"/>' +
  '<circle cx="14" cy="24.5" r="1.8" fill="#fff"/><circle cx="22" cy="24.5" r="1.8" fill="#fff"/></svg>';

export function docsRoutes(isReady: () => Promise<void>): RequestHandler {
  // Read once at start: the files change only with a new release of the kit.
  const docs = { type: 'html', body: readFileSync(join(root, 'generated', 'docs', 'index.html')) };
  const pages = new Map<string, { type: string; body: Buffer | object }>([
    ['/docs', docs],
    ['/docs/', docs],
    ['/openapi.json', { type: 'application/json', body: readFileSync(join(root, 'generated', 'openapi.json')) }],
    ['/openapi.yaml', { type: 'application/yaml', body: readFileSync(join(root, 'openapi', 'openapi.yaml')) }],
    // The browser asks for it with every page; an icon drawn in SVG, so that the console shows no 404.
    ['/favicon.ico', { type: 'image/svg+xml', body: Buffer.from(FAVICON) }],
  ]);
  return (req, res, next) => {
    // The root leads a person who opens the sandbox in a browser to its documentation.
    if (req.path === '/' && (req.method === 'GET' || req.method === 'HEAD')) return res.redirect(302, '/docs');
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

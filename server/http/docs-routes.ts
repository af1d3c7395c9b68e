// The documentation and the contract, served next to the API: the Redoc page at /docs (where `/`
// leads), the try-it console at /try, the bundled spec at /openapi.json (and its canonical form, which
// the console shows, at /openapi.canonical.json), the hand-written source at
// /openapi.yaml, a favicon, and /health, a readiness check (503 while the database cannot be reached).
// One lookup by exact path, plus one prefix for Swagger UI's files, rather than a Router: every API
// request passes this middleware first.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import type { RequestHandler } from 'express';

const root = resolve(import.meta.dirname, '..', '..');

const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f6cbd"/>' +
  '<path d="M7 10h3l3 10h10l2-7H12" fill="none" stroke="#fff" stroke-width="2.2" stroke-linejoin="round"/>' +
  '<circle cx="14" cy="24.5" r="1.8" fill="#fff"/><circle cx="22" cy="24.5" r="1.8" fill="#fff"/></svg>';

/** Where the console's copy of Swagger UI is served from: the files of the swagger-ui-dist package. */
export const SWAGGER_UI_PREFIX = '/try/swagger-ui/';

/**
 * The console's policy (server/try-it/index.html): scripts, styles, images and fonts from the sandbox
 * only (Swagger UI's icons are `data:` images), and calls to the sandbox only, so a token typed into
 * it can be sent nowhere else; no forms, no frames, no plugins.
 */
export const TRY_IT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

const TRY_IT_HEADERS = {
  'Content-Security-Policy': TRY_IT_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** Content types of the files of swagger-ui-dist the prefix serves; any other file is not served. */
const SWAGGER_UI_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.map': 'application/json',
};

interface Page {
  type: string;
  body: Buffer | object;
  headers?: Record<string, string>;
}

/**
 * A page whose body is a file, read on its first request and kept (the files change only with a new release of the
 * kit).
 */
function filePage(path: string, type: string, headers?: Record<string, string>): () => Page {
  let page: Page | undefined;
  return () => (page ??= { type, body: readFileSync(path), ...(headers ? { headers } : {}) });
}

export function docsRoutes(isReady: () => Promise<void>): RequestHandler {
  // Nothing is read at start: the two documentation pages alone are over 5 MB, and the API needs none of it.
  const docs = filePage(join(root, 'generated', 'docs', 'index.html'), 'html');
  const tryIt = filePage(join(root, 'server', 'try-it', 'index.html'), 'html', TRY_IT_HEADERS);
  const favicon: Page = { type: 'image/svg+xml', body: Buffer.from(FAVICON) };
  const pages = new Map<string, () => Page>([
    ['/docs', docs],
    ['/docs/', docs],
    ['/try', tryIt],
    ['/try/', tryIt],
    [
      '/try/try-it.js',
      filePage(join(root, 'server', 'try-it', 'try-it.js'), 'text/javascript; charset=utf-8', TRY_IT_HEADERS),
    ],
    [
      '/try/try-it.css',
      filePage(join(root, 'server', 'try-it', 'try-it.css'), 'text/css; charset=utf-8', TRY_IT_HEADERS),
    ],
    ['/openapi.json', filePage(join(root, 'generated', 'openapi.json'), 'application/json')],
    ['/openapi.canonical.json', filePage(join(root, 'generated', 'openapi.canonical.json'), 'application/json')],
    ['/openapi.yaml', filePage(join(root, 'openapi', 'openapi.yaml'), 'application/yaml')],
    // The test controls' own document and page (openapi/sandbox-controls.yaml).
    ['/docs/controls', filePage(join(root, 'generated', 'docs', 'controls.html'), 'html')],
    ['/sandbox-controls.json', filePage(join(root, 'generated', 'sandbox-controls.json'), 'application/json')],
    ['/sandbox-controls.yaml', filePage(join(root, 'openapi', 'sandbox-controls.yaml'), 'application/yaml')],
    // The browser asks for it with every page; an icon drawn in SVG, so that the console shows no 404.
    ['/favicon.ico', () => favicon],
  ]);
  let swaggerUi: ((name: string) => Page | undefined) | undefined;
  return (req, res, next) => {
    // The root leads a person who opens the sandbox in a browser to its documentation.
    if (req.path === '/' && (req.method === 'GET' || req.method === 'HEAD')) return res.redirect(302, '/docs');
    if (req.path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) {
      isReady().then(
        () => res.json({ status: 'ok' }),
        () =>
          res
            .status(503)
            .setHeader('Retry-After', '2')
            .json({ status: 'unavailable', reason: 'the database cannot be reached' }),
      );
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const page =
      pages.get(req.path)?.() ??
      (req.path.startsWith(SWAGGER_UI_PREFIX)
        ? (swaggerUi ??= swaggerUiFiles())(req.path.slice(SWAGGER_UI_PREFIX.length))
        : undefined);
    if (!page) return next();
    if (page.headers) res.set(page.headers);
    res.type(page.type).send(page.body);
  };
}

/**
 * Swagger UI's files, by name: only the plain names the package's folder holds (no `/`, so no
 * path reaches outside it), with a type above, and not its demo page and initializer (they load the
 * Petstore example from the internet). The folder is listed on the first request for one of them, and
 * each file read on its first request and kept: most runs never open the console.
 */
function swaggerUiFiles(): (name: string) => Page | undefined {
  // The package's own way to find its folder (its main module would load the 1.7 MB bundle into Node).
  const folder = (createRequire(import.meta.url)('swagger-ui-dist/absolute-path.js') as () => string)();
  const excluded = new Set(['index.html', 'swagger-initializer.js']);
  const names = new Set(
    readdirSync(folder).filter((name) => SWAGGER_UI_TYPES[extname(name)] !== undefined && !excluded.has(name)),
  );
  const cache = new Map<string, Page>();
  return (name) => {
    if (!names.has(name)) return undefined;
    let page = cache.get(name);
    if (!page) {
      page = {
        type: SWAGGER_UI_TYPES[extname(name)]!,
        body: readFileSync(join(folder, name)),
        headers: TRY_IT_HEADERS,
      };
      cache.set(name, page);
    }
    return page;
  };
}

// The documentation and the contract, served next to the API: the Redoc page at /docs, the bundled
// spec at /openapi.json, the hand-written source at /openapi.yaml, and a health endpoint.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Router } from 'express';

const root = resolve(import.meta.dirname, '..');

export function docsRouter(): Router {
  // Read once at start: the files change only with a new release of the kit.
  const docsHtml = readFileSync(join(root, 'generated', 'docs', 'index.html'));
  const specJson = readFileSync(join(root, 'generated', 'openapi.json'));
  const specYaml = readFileSync(join(root, 'openapi', 'openapi.yaml'));
  const router = Router();
  router.get(['/docs', '/docs/'], (_req, res) => {
    res.type('html').send(docsHtml);
  });
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(specJson);
  });
  router.get('/openapi.yaml', (_req, res) => {
    res.type('application/yaml').send(specYaml);
  });
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}

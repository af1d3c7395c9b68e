// Builds the Express application; server/main.ts listens with it, tests use it on port 0.
import express, { type Express } from 'express';
import { docsRouter } from './docs-routes.ts';

export function createApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(docsRouter());
  app.use((req, res) => {
    res.status(404).json({ code: 404, description: `No route ${req.method} ${req.path}.`, data: [], source: 'PartnerCenterCartSandbox' });
  });
  return app;
}

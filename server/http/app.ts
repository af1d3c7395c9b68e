// Builds the Express application. server/main.ts listens with it; tests run it in process on port 0.
// Middleware order: request ids and logs, documentation, authentication, throttling, body parsing,
// the case-insensitive reading, validation against the spec, the handlers, and one error formatter.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Logger } from 'pino';
import type { Verifier } from './auth.ts';
import type { CartService } from './domain/carts.ts';
import { docsRouter } from './docs-routes.ts';
import { errorHandler } from './http/errors.ts';
import { cartApiRouter } from './http/handlers.ts';
import { RequestLog } from './http/idempotency.ts';
import { RateLimiter, rateLimit } from './http/rate-limit.ts';
import { requestContext } from './http/request-context.ts';
import { requestReader } from './http/request-reader.ts';
import type { UnknownPropertyPolicy } from './config.ts';

export interface AppOptions {
  service: CartService;
  verifier: Verifier;
  logger: Logger;
  bodyLimitBytes: number;
  /** Responses are validated against the spec unless in production. */
  validateResponses: boolean;
  /** Answers of writes with an MS-RequestId, replayed to retries (server/http/idempotency.ts). */
  requestLog: RequestLog;
  /** Requests a minute each partner may make; 0 or absent: no throttling. */
  rateLimitPerMinute?: number;
  /** Properties and query parameters the spec does not declare: ignored and named (default), or refused. */
  unknownProperties?: UnknownPropertyPolicy;
}

const bundledSpecPath = join(resolve(import.meta.dirname, '..'), 'generated', 'openapi.json');

export function createApp(options: AppOptions): Express {
  const spec = JSON.parse(readFileSync(bundledSpecPath, 'utf8'));
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestContext(options.logger));
  app.use(docsRouter());
  app.use('/v1', (req, res, next) => {
    options.verifier.verify(req.headers.authorization).then(
      (principal) => {
        res.locals['caller'] = { partnerId: principal.partnerTenantId, userId: principal.userId };
        next();
      },
      next,
    );
  });
  if (options.rateLimitPerMinute) app.use('/v1', rateLimit(new RateLimiter(options.rateLimitPerMinute)));
  // Not strict: checkout bodies are any JSON value (the SDKs send the string "success"); the schemas
  // of the other operations refuse a body that is not an object.
  app.use(express.json({ limit: options.bodyLimitBytes, type: 'application/json', strict: false }));
  app.use(requestReader(spec, options.unknownProperties ?? 'ignore'));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: structuredClone(spec),
      validateRequests: { allErrors: true },
      validateResponses: options.validateResponses ? { allErrors: true } : false,
      validateSecurity: false, // authentication is done above, with Partner Center's answers
      validateApiSpec: false, // `npm run lint` validates the spec; not again at every start
      validateFormats: true,
      // 'full', not the validator's default 'fast': fast mode lets hour 25 or 30 February pass as a
      // date-time, which the server would then store and answer (found by the fuzz suite).
      ajvFormats: { mode: 'full' },
    }),
  );
  app.use(cartApiRouter(options.service, options.requestLog));
  app.use(errorHandler(options.logger));
  return app;
}

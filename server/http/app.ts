// Builds the Express application; server/start.ts serves it. Middleware order: request ids and
// logs, cross-origin (CORS) preflights, documentation, authentication, throttling, body parsing, the validator's
// matching of the
// request to an operation of the spec, the reading of the request as Partner Center reads it, the
// validation against the spec, the handler of the operation, and one error formatter.
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Verifier } from '../auth.ts';
import type { CorsOrigins, UnknownPropertyPolicy } from '../config.ts';
import type { CartService } from '../domain/carts.ts';
import type { OrderService } from '../domain/orders.ts';
import type { ProductCatalog } from '../domain/products.ts';
import type { SandboxControls } from '../domain/controls.ts';
import { controlHandlers } from './control-handlers.ts';
import { forcedAnswers } from './forced-answers.ts';
import { journalRecorder, RequestJournal } from './journal.ts';
import type { Store } from '../store/store.ts';
import { authenticate } from './authenticate.ts';
import { crossOrigin, methodsOf } from './cross-origin.ts';
import { docsRoutes } from './docs-routes.ts';
import { errorHandler } from './errors.ts';
import { catalogHandlers } from './catalog-handlers.ts';
import { cartHandlers } from './cart-handlers.ts';
import { orderHandlers } from './order-handlers.ts';
import type { IdempotentWrites } from './idempotency.ts';
import './locals.ts';
import { lazyValidator } from './openapi-validator.ts';
import { operationDispatcher, type OperationHandlers } from './operations.ts';
import { RateLimiter, rateLimit } from './rate-limit.ts';
import { requestContext } from './request-context.ts';
import { requestReader } from './request-reader.ts';
import { rememberRoutePatterns } from './route-patterns.ts';
import { bundledSpec, controlsSpec } from './spec.ts';

export interface AppOptions {
  service: CartService;
  /** Orders after checkout: reading, provisioning status, activation links, cancelling. */
  orders: OrderService;
  /** Catalog discovery (products, SKUs, availabilities). */
  products: ProductCatalog;
  /** For /health: whether the database answers. */
  store: Store;
  verifier: Verifier;
  logger: Logger;
  bodyLimitBytes: number;
  /** Responses are validated against the spec unless in production. */
  validateResponses: boolean;
  /** Answers of writes with an MS-RequestId, replayed to retries (server/http/idempotency.ts). */
  idempotentWrites: IdempotentWrites;
  /** Requests a minute each partner may make; 0 or absent: no throttling. */
  rateLimitPerMinute?: number;
  /** Properties and query parameters the spec does not declare: ignored and named (default), or refused. */
  unknownProperties?: UnknownPropertyPolicy;
  /** Which web origins may call from a browser (default: pages served from this machine). */
  corsOrigins?: CorsOrigins;
  /** The test controls under /sandbox (absent: switched off, and /sandbox is an unknown route). */
  controls?: SandboxControls;
  /** Another spec than generated/openapi.json (tests check that a spec with an unserved operation fails). */
  spec?: object;
}

/** The application, and a way to build now what it otherwise builds on the first request that needs it. */
export interface SandboxApp extends Express {
  /**
   * Builds the API's validator now (it is built once, by this or by the first API request, whichever
   * comes first). The test controls' own is left to their first request: most runs never use them.
   */
  prepareValidators(): Promise<void>;
}

export function createApp(options: AppOptions): SandboxApp {
  rememberRoutePatterns();
  const spec = options.spec ?? bundledSpec();
  // Every operation of the spec, by operationId: a missing one fails the type check here.
  const handlers: OperationHandlers = {
    ...cartHandlers(options.service, options.idempotentWrites),
    ...orderHandlers(options.orders, options.idempotentWrites),
    ...catalogHandlers(options.products),
  };
  const dispatcher = operationDispatcher(spec as Parameters<typeof operationDispatcher>[0], handlers, {
    validatedResponses: options.validateResponses,
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestContext(options.logger));
  const journal = options.controls ? new RequestJournal(options.store) : undefined;
  if (journal) app.use('/v1', journalRecorder(journal));
  const served = options.controls ? [spec, controlsSpec()] : [spec];
  app.use(crossOrigin(options.corsOrigins ?? 'loopback', methodsOf(served)));
  app.use(docsRoutes(() => options.store.ping()));
  if (options.controls && journal) app.use('/sandbox', ...controlRoutes(options.controls, journal, options));
  app.use('/v1', authenticate(options.verifier));
  if (options.rateLimitPerMinute) app.use('/v1', rateLimit(new RateLimiter(options.rateLimitPerMinute)));
  // Not strict: checkout bodies are any JSON value (the SDKs send the string "success"); the schemas
  // of the other operations refuse a body that is not an object.
  app.use(express.json({ limit: options.bodyLimitBytes, type: 'application/json', strict: false }));
  const validator = lazyValidator(spec, {
    validateResponses: options.validateResponses,
    alreadyBundled: options.spec === undefined,
  });
  app.use(validator.stage('matching'));
  if (options.controls) app.use(forcedAnswers(options.controls.forced));
  app.use(requestReader(spec as Parameters<typeof requestReader>[0], options.unknownProperties ?? 'ignore'));
  app.use(validator.stage('validation'));
  app.use(dispatcher);
  app.use(errorHandler(options.logger));
  return Object.assign(app, { prepareValidators: () => validator.prepare() });
}

/**
 * The test controls (openapi/sandbox-controls.yaml) under /sandbox: the same authentication,
 * throttling, validation against their own document and dispatch by operationId as the API. Their
 * bodies are read strictly (no Partner Center tolerance: they are the kit's own). Their validator is
 * built on the first request under /sandbox.
 */
function controlRoutes(controls: SandboxControls, journal: RequestJournal, options: AppOptions): RequestHandler[] {
  const spec = controlsSpec();
  const validator = lazyValidator(spec, { validateResponses: options.validateResponses, alreadyBundled: true });
  return [
    authenticate(options.verifier),
    ...(options.rateLimitPerMinute ? [rateLimit(new RateLimiter(options.rateLimitPerMinute))] : []),
    express.json({ limit: options.bodyLimitBytes, type: 'application/json' }),
    validator.stage('all'),
    operationDispatcher(spec as Parameters<typeof operationDispatcher>[0], controlHandlers(controls, journal), {
      validatedResponses: options.validateResponses,
    }),
  ];
}

// express-openapi-validator, as the server uses it: built on first use rather than at start, with three
// pieces of its set-up that do nothing for this server left out (`trimSetUp`). Its set-up (loading some 200
// modules, bundling and preprocessing the spec, compiling schemas) costs more than the rest of a start
// together; building it once the server listens lets the server answer what needs no validator
// (GET /health, the documentation) at once, and everything else the same as before, only later.
import { createRequire } from 'node:module';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

type Parts = Record<'matching' | 'validation' | 'all', RequestHandler[]>;

/**
 * The validator's middleware for a spec, built on the first request that reaches it, or when
 * `prepare()` is called (server/run.ts does, shortly after listening), whichever comes first. A
 * request that comes before it is built waits for it, and is validated like every other. `stage`
 * gives the part of the chain before the request reader (the validator's matching of the request to
 * an operation, which the reader uses), the part after it (the validation), or all of it.
 */
export function lazyValidator(
  spec: object,
  options: {
    validateResponses: boolean;
    /**
     * The spec is one of generated/'s bundles, which bundling leaves as it is (a test checks it):
     * the validator's own bundling of it (json-schema-ref-parser, some 100 ms) is skipped.
     */
    alreadyBundled?: boolean;
  },
): { stage(part: keyof Parts): RequestHandler; prepare(): Promise<void> } {
  let built: Parts | undefined;
  let building: Promise<Parts> | undefined;
  const build = (): Promise<Parts> =>
    (building ??= import('express-openapi-validator').then((OpenApiValidator) => {
      trimSetUp();
      const all = OpenApiValidator.middleware({
        // The validator clones the document before it changes it.
        apiSpec: spec as never,
        validateRequests: { allErrors: true },
        validateResponses: options.validateResponses ? { allErrors: true } : false,
        validateSecurity: false, // authentication is done before, with Partner Center's answers
        validateApiSpec: false, // `npm run lint` validates the spec; not again at every start
        validateFormats: true,
        // 'full', not the validator's default 'fast': fast mode lets hour 25 or 30 February pass as a
        // date-time, which the server would then store and answer (found by the fuzz suite).
        ajvFormats: { mode: 'full' },
        $refParser: (options.alreadyBundled ? { mode: 'bundle', [AS_BUNDLED]: true } : { mode: 'bundle' }) as {
          mode: 'bundle';
        },
      });
      const [matching, validation] = splitAfterMatching(all);
      built = { matching, validation, all };
      return built;
    }));
  return {
    stage(part) {
      return (req, res, next) => {
        if (built) return runInTurn(built[part], req, res, next);
        build().then((parts) => runInTurn(parts[part], req, res, next), next);
      };
    },
    async prepare() {
      await build();
    },
  };
}

/**
 * Runs middleware in turn, as consecutive `app.use` would: the next on `next()`, `done` after the last or with an
 * error.
 */
function runInTurn(handlers: readonly RequestHandler[], req: Request, res: Response, done: NextFunction): void {
  let index = 0;
  const step = (error?: unknown): void => {
    if (error) return done(error);
    const handler = handlers[index++];
    if (!handler) return done();
    try {
      // Express 5 passes a rejected promise on as an error too.
      const result: unknown = handler(req, res, step);
      if (result instanceof Promise) result.catch((reason: unknown) => done(reason ?? new Error('Rejected promise')));
    } catch (thrown) {
      done(thrown);
    }
  };
  step();
}

/**
 * The validator's middleware, cut after the one that matches the request to an operation
 * (req.openapi): the reading of the request goes between matching and validating, so that it uses
 * the validator's match instead of matching the path a second time.
 */
function splitAfterMatching(middleware: RequestHandler[]): [RequestHandler[], RequestHandler[]] {
  const at = middleware.findIndex((handler) => handler.name === 'metadataMiddleware');
  if (at < 0)
    throw new Error(
      'express-openapi-validator no longer has its metadataMiddleware; review splitAfterMatching in server/http/openapi-validator.ts',
    );
  return [middleware.slice(0, at + 1), middleware.slice(at + 1)];
}

// ---------------------------------------------------------------------------------------------------
// Three pieces of the validator's set-up that do nothing for this server, left out. Each reaches into
// the package's own modules (CommonJS, so the same instances the validator uses) and is applied only
// when the package still has the shape it was written for (`trimmedSetUp()` says which were, and a
// test fails when one no longer is, to be reviewed on an upgrade). None changes what is validated.

/** Marks the `$refParser` option of a spec that bundling leaves as it is. */
const AS_BUNDLED = Symbol('already bundled');

interface SchemaValidatorModule {
  OpenAPISchemaValidator?: new (options: unknown) => { validate(document: unknown): unknown };
}
interface PreprocessorModule {
  SchemaPreprocessor?: { prototype: { resolveSchema?: (this: Preprocessor, schema: unknown) => unknown } };
}
interface FrameworkModule {
  OpenAPIFramework?: {
    prototype: { loadSpec?: (this: unknown, document: unknown, refParser?: Record<PropertyKey, unknown>) => unknown };
  };
}
interface Preprocessor {
  ajv?: { schemas?: Record<string, { schema?: unknown } | undefined> };
  resolvedSchemaCache?: Map<string, unknown>;
}

const trimmed = new Set<string>();

/** Which trims of the validator's set-up are in place (after the first build). */
export function trimmedSetUp(): string[] {
  return [...trimmed].sort();
}

function trimSetUp(): void {
  if (trimmed.size > 0) return;
  const load = createRequire(import.meta.url);
  // 1. The validator compiles the OpenAPI 3.1 meta-schema at every set-up, to check the spec against it,
  //    also when told not to check it (validateApiSpec: false): the compilation alone is some 100 ms per
  //    spec. Deferred to its first use, which with validateApiSpec false never comes.
  const schemaValidator = load(
    'express-openapi-validator/dist/framework/openapi.schema.validator.js',
  ) as SchemaValidatorModule;
  const Eager = schemaValidator.OpenAPISchemaValidator;
  if (typeof Eager === 'function' && typeof Eager.prototype.validate === 'function') {
    schemaValidator.OpenAPISchemaValidator = class DeferredSchemaValidator {
      readonly #options: unknown;
      #validator: InstanceType<typeof Eager> | undefined;
      constructor(options: unknown) {
        this.#options = options;
      }
      validate(document: unknown): unknown {
        this.#validator ??= new Eager(this.#options);
        return this.#validator.validate(document);
      }
    };
    trimmed.add('openapi-schema-validator-deferred');
  }
  // 2. To follow a `$ref` to a component schema, the spec's preprocessor asks its own Ajv instance for the
  //    compiled validator of that schema (ajv.getSchema), compiling every schema responses refer to, only
  //    to read back the schema object it was given (that Ajv instance validates nothing). The same object
  //    is taken from the instance's table of added schemas instead, without compiling; any other `$ref`
  //    goes the validator's own way.
  const preprocessor = load(
    'express-openapi-validator/dist/middlewares/parsers/schema.preprocessor.js',
  ) as PreprocessorModule;
  const proto = preprocessor.SchemaPreprocessor?.prototype;
  const resolveSchema = proto?.resolveSchema;
  if (proto && typeof resolveSchema === 'function') {
    proto.resolveSchema = function (this: Preprocessor, schema: unknown): unknown {
      const ref = (schema as { $ref?: unknown } | null | undefined)?.$ref;
      const cache = this.resolvedSchemaCache;
      if (typeof ref === 'string' && cache instanceof Map && !cache.has(ref)) {
        const added = this.ajv?.schemas?.[ref];
        if (added && added.schema !== undefined) cache.set(ref, added.schema);
      }
      return resolveSchema.call(this, schema);
    };
    trimmed.add('preprocessor-resolves-without-compiling');
  }
  // 3. The validator bundles every spec it is given (json-schema-ref-parser: crawling the whole document
  //    twice). generated/'s documents are bundles already, which bundling returns unchanged (a test
  //    checks that of both); given one (AS_BUNDLED), the validator takes it as it is.
  const framework = load('express-openapi-validator/dist/framework/index.js') as FrameworkModule;
  const frameworkProto = framework.OpenAPIFramework?.prototype;
  const loadSpec = frameworkProto?.loadSpec;
  if (frameworkProto && typeof loadSpec === 'function') {
    frameworkProto.loadSpec = function (document, refParser) {
      if (refParser?.[AS_BUNDLED] === true && typeof document === 'object' && document !== null)
        return Promise.resolve(document);
      return loadSpec.call(this, document, refParser);
    };
    trimmed.add('generated-bundle-taken-as-is');
  }
}

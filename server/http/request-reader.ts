// Applies the reading of canonical-input.ts to a request before validation: the body against the
// request-body schema of the operation the validator matched (req.openapi), the query against its
// declared parameters. What was ignored is named in the Sandbox-Ignored-Properties answer header,
// the request's log line and the data of any 400 answer (errors.ts), or, with
// UNKNOWN_PROPERTIES=refuse, refused with 400. A name that looks like a typo of a declared one also
// travels with the line it was sent in (MISSPELLINGS), so that a line error it causes says so.
import type { Request, RequestHandler } from 'express';
import type { UnknownPropertyPolicy } from '../config.ts';
import { MISSPELLINGS, type Misspelling } from '../domain/line-items.ts';
import { ApiError, Codes } from './errors.ts';
import { SpecIndex } from '../../openapi/spec-index.ts';
import {
  CaseInsensitiveReader,
  IGNORED_HEADER,
  printable,
  type IgnoredProperty,
  type SchemaNode,
} from './canonical-input.ts';
import { nearestName } from './nearest-name.ts';

interface Operation {
  body?: SchemaNode;
  /** The declared query parameters, by name. */
  query: Map<string, SchemaNode>;
  /** The path and query parameters of type integer, whose text must be digits (see integerSyntax). */
  integers: { in: 'path' | 'query'; name: string }[];
}

/** The text of an integer parameter: digits, optionally signed. */
const INTEGER_TEXT = /^[+-]?[0-9]+$/;

/**
 * The integer path and query parameters sent as something other than digits. The validator's type
 * coercion reads text as JavaScript does, so a blank (`lineitems/%20/...`) or `0x1` would pass as
 * a number; Partner Center refuses them.
 */
function integerSyntax(req: Request, operation: Operation): string[] {
  const pathParams =
    (req as Request & { openapi?: { pathParams?: Record<string, unknown> } }).openapi?.pathParams ?? {};
  const wrong: string[] = [];
  for (const parameter of operation.integers) {
    const raw = parameter.in === 'path' ? pathParams[parameter.name] : req.query[parameter.name];
    const values = Array.isArray(raw) ? raw : [raw];
    if (values.some((value) => typeof value === 'string' && !INTEGER_TEXT.test(value)))
      wrong.push(`${parameter.in}.${parameter.name}: must be integer`);
  }
  return wrong;
}

/** At most this many ignored names go into the answer header; the log line has them all. */
const HEADER_NAMES = 20;
/** Longer names are cut to this length in the header and in error data. */
const HEADER_NAME_LENGTH = 200;

const shortened = (name: string): string =>
  name.length > HEADER_NAME_LENGTH ? `${name.slice(0, HEADER_NAME_LENGTH)}...` : name;

/**
 * The entry of an error's `data` naming an ignored property, in the `<field>: <what>` form of every
 * entry: `body.lineItems[0].Quantitty: is not a property of this request and was ignored; did you
 * mean quantity?` (refused: without "and was ignored"). The format is documented in the spec's
 * `Error.data` and docs/sandbox-behaviour.md; clients may read it.
 */
function ignoredEntry(property: IgnoredProperty, policy: UnknownPropertyPolicy): string {
  const what =
    policy === 'refuse' ? 'is not a property of this request' : 'is not a property of this request and was ignored';
  return `${shortened(property.path)}: ${what}${property.suggestion ? `; did you mean ${property.suggestion}?` : ''}`;
}

/**
 * Records a likely misspelling on the object it was sent in, for the domain, which reads those of
 * cart lines (non-enumerable: never stored, answered, or part of the idempotency key).
 */
function remember(property: IgnoredProperty, readObject: Record<string, unknown>): void {
  if (!property.suggestion) return;
  const misspelling: Misspelling = { sent: property.name, meant: property.suggestion };
  const known = (readObject as { [MISSPELLINGS]?: Misspelling[] })[MISSPELLINGS];
  if (known) known.push(misspelling);
  else
    Object.defineProperty(readObject, MISSPELLINGS, {
      value: [misspelling],
      enumerable: false,
      writable: false,
      configurable: true,
    });
}

export function requestReader(spec: object, policy: UnknownPropertyPolicy): RequestHandler {
  const reader = new CaseInsensitiveReader(spec);
  const operations = operationsOf(spec);
  return (req, res, next) => {
    const operationId = (req as Request & { openapi?: { schema?: { operationId?: string } } }).openapi?.schema
      ?.operationId;
    const operation = operationId === undefined ? undefined : operations.get(operationId);
    if (!operation) return next();
    const ignored: IgnoredProperty[] = [];
    let repeated: string[] = [];
    if (operation.body && req.body !== undefined) {
      const reading = reader.read(req.body, operation.body, 'body', (property, readObject) => {
        ignored.push(property);
        remember(property, readObject);
      });
      repeated = reading.repeated;
      req.body = reading.value === null ? undefined : reading.value;
    }
    // Read even when the body is refused below, so that the refusal names what was ignored too.
    if (Object.keys(req.query).length > 0) ignored.push(...readQuery(req, operation, reader));
    const names = ignored.map((property) => property.path);
    const entries = ignored.map((property) => ignoredEntry(property, policy));
    if (ignored.length > 0) {
      res.locals.ignoredProperties = names;
      // Added to the data of any 400 answer to this request (errors.ts), the refusals below included.
      res.locals.ignoredEntries = entries;
      if (policy === 'ignore') {
        // Bounded, so that the answer's headers stay well within what clients accept (16 KiB in Node's).
        const shown = names.slice(0, HEADER_NAMES).map(shortened).join(', ');
        res.setHeader(
          IGNORED_HEADER,
          names.length > HEADER_NAMES ? `${shown} (+${names.length - HEADER_NAMES} more)` : shown,
        );
      }
    }
    const notIntegers = integerSyntax(req, operation);
    if (notIntegers.length > 0) {
      return next(
        new ApiError(
          400,
          Codes.invalidInput,
          `Invalid request input: ${notIntegers.length} field${notIntegers.length === 1 ? ' is' : 's are'} not valid.`,
          notIntegers,
        ),
      );
    }
    if (repeated.length > 0) {
      return next(
        new ApiError(
          400,
          Codes.invalidInput,
          'Invalid request input: a property is sent twice, under two spellings of its name; send it once.',
          repeated.map((path) => `${path}: is another spelling of a property already sent`),
        ),
      );
    }
    if (ignored.length > 0 && policy === 'refuse') {
      return next(
        new ApiError(
          400,
          Codes.invalidInput,
          `Invalid request input: ${ignored.length} propert${ignored.length === 1 ? 'y is' : 'ies are'} not part of this request (UNKNOWN_PROPERTIES=refuse; Partner Center ignores them).`,
          entries,
        ),
      );
    }
    next();
  };
}

/** Replaces req.query by its canonical reading (Express 5's req.query is a getter); returns the ignored parameters. */
function readQuery(req: Request, operation: Operation, reader: CaseInsensitiveReader): IgnoredProperty[] {
  const ignored: IgnoredProperty[] = [];
  const query: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.query)) {
    const schema = operation.query.get(name);
    if (!schema) {
      const suggestion = nearestName(name, operation.query.keys());
      ignored.push({ path: `query.${printable(name)}`, name: printable(name), ...(suggestion ? { suggestion } : {}) });
      continue;
    }
    const read = (text: unknown) => (typeof text === 'string' ? reader.readScalar(text, schema) : text);
    Object.defineProperty(query, name, {
      value: Array.isArray(value) ? value.map(read) : read(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  return ignored;
}

/** What the reading needs of each operation, by operationId. */
function operationsOf(spec: object): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  const index = SpecIndex.of(spec);
  for (const operation of index.operations()) {
    if (operation.operationId === undefined) continue;
    const query = new Map<string, SchemaNode>();
    const integers: Operation['integers'] = [];
    for (const { node: parameter } of operation.parameters) {
      const schema = parameter.schema as SchemaNode | undefined;
      if (parameter.in === 'query' && parameter.name && schema) query.set(parameter.name, schema);
      // Followed, so that a parameter whose schema is a shared component is checked too.
      const type = schema ? (index.deref(schema).node as { type?: unknown }).type : undefined;
      if ((parameter.in === 'path' || parameter.in === 'query') && parameter.name && type === 'integer') {
        integers.push({ in: parameter.in, name: parameter.name });
      }
    }
    const body = operation.bodySchema?.node as SchemaNode | undefined;
    operations.set(operation.operationId, { query, integers, ...(body ? { body } : {}) });
  }
  return operations;
}

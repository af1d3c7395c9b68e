// Applies the reading of canonical-input.ts to a request before validation: the body against the
// request-body schema of the operation the validator matched (req.openapi), the query against its
// declared parameters. What was
// ignored is named in the Sandbox-Ignored-Properties answer header and the request's log line, or,
// with UNKNOWN_PROPERTIES=refuse, refused with 400.
import type { Request, RequestHandler } from 'express';
import type { UnknownPropertyPolicy } from '../config.ts';
import { ApiError, Codes } from './errors.ts';
import { CaseInsensitiveReader, IGNORED_HEADER, printable, refResolver, type SchemaNode } from './canonical-input.ts';

interface Operation {
  body?: SchemaNode;
  /** The declared query parameters, by name. */
  query: Map<string, SchemaNode>;
}

interface ParameterObject {
  $ref?: string;
  name?: string;
  in?: string;
  schema?: SchemaNode;
}

/** At most this many ignored names go into the answer header; the log line has them all. */
const HEADER_NAMES = 20;
/** Longer names are cut to this length in the header. */
const HEADER_NAME_LENGTH = 200;

export function requestReader(spec: { paths: Record<string, Record<string, any>> }, policy: UnknownPropertyPolicy): RequestHandler {
  const reader = new CaseInsensitiveReader(spec);
  const operations = operationsOf(spec);
  return (req, res, next) => {
    const operationId = (req as Request & { openapi?: { schema?: { operationId?: string } } }).openapi?.schema?.operationId;
    const operation = operationId === undefined ? undefined : operations.get(operationId);
    if (!operation) return next();
    const ignored: string[] = [];
    if (operation.body && req.body !== undefined) {
      const reading = reader.read(req.body, operation.body);
      if (reading.repeated.length > 0) {
        return next(
          new ApiError(
            400,
            Codes.invalidInput,
            'Invalid request input: a property is sent twice, under two spellings of its name; send it once.',
            reading.repeated.map((path) => `${path}: is another spelling of a property already sent`),
          ),
        );
      }
      req.body = reading.value === null ? undefined : reading.value;
      ignored.push(...reading.ignored);
    }
    if (Object.keys(req.query).length > 0) ignored.push(...readQuery(req, operation, reader));
    if (ignored.length === 0) return next();
    res.locals.ignoredProperties = ignored;
    if (policy === 'refuse') {
      return next(
        new ApiError(
          400,
          Codes.invalidInput,
          `Invalid request input: ${ignored.length} propert${ignored.length === 1 ? 'y is' : 'ies are'} not part of this request (UNKNOWN_PROPERTIES=refuse; Partner Center ignores them).`,
          ignored.map((name) => `${name}: is not a property of this request`),
        ),
      );
    }
    // Bounded, so that the answer's headers stay well within what clients accept (16 KiB in Node's).
    const shown = ignored.slice(0, HEADER_NAMES).map((name) => (name.length > HEADER_NAME_LENGTH ? `${name.slice(0, HEADER_NAME_LENGTH)}...` : name)).join(', ');
    res.setHeader(IGNORED_HEADER, ignored.length > HEADER_NAMES ? `${shown} (+${ignored.length - HEADER_NAMES} more)` : shown);
    next();
  };
}

/** Replaces req.query by its canonical reading (Express 5's req.query is a getter); returns the ignored names. */
function readQuery(req: Request, operation: Operation, reader: CaseInsensitiveReader): string[] {
  const ignored: string[] = [];
  const query: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.query)) {
    const schema = operation.query.get(name);
    if (!schema) {
      ignored.push(`query.${printable(name)}`);
      continue;
    }
    const read = (text: unknown) => (typeof text === 'string' ? reader.readScalar(text, schema) : text);
    Object.defineProperty(query, name, { value: Array.isArray(value) ? value.map(read) : read(value), enumerable: true, writable: true, configurable: true });
  }
  Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  return ignored;
}

/** What the reading needs of each operation, by operationId. */
function operationsOf(spec: { paths: Record<string, Record<string, any>> }): Map<string, Operation> {
  const resolve = refResolver(spec) as (ref: string) => ParameterObject;
  const parameters = (list: ParameterObject[] | undefined): ParameterObject[] => (list ?? []).map((p) => (p.$ref ? resolve(p.$ref) : p));
  const operations = new Map<string, Operation>();
  for (const item of Object.values(spec.paths)) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete']) {
      const operation = item[method];
      if (!operation?.operationId) continue;
      const query = new Map<string, SchemaNode>();
      for (const parameter of [...parameters(item['parameters']), ...parameters(operation.parameters)]) {
        if (parameter.in === 'query' && parameter.name && parameter.schema) query.set(parameter.name, parameter.schema);
      }
      const body = operation.requestBody?.content?.['application/json']?.schema as SchemaNode | undefined;
      operations.set(operation.operationId, { query, ...(body ? { body } : {}) });
    }
  }
  return operations;
}

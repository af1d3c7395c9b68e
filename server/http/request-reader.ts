// Applies the reading of canonical-input.ts to a request before validation: the body against the
// request-body schema of the matched operation, the query against its declared parameters. What was
// ignored is named in the Sandbox-Ignored-Properties answer header and the request's log line, or,
// with UNKNOWN_PROPERTIES=refuse, refused with 400.
import type { Request, RequestHandler } from 'express';
import type { UnknownPropertyPolicy } from '../config.ts';
import { CartApiError, Codes } from '../domain/errors.ts';
import { CaseInsensitiveReader, printable, refResolver, type SchemaNode } from './canonical-input.ts';

interface Operation {
  method: string;
  pattern: RegExp;
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
export const IGNORED_HEADER = 'Sandbox-Ignored-Properties';

export function requestReader(spec: { paths: Record<string, Record<string, any>> }, policy: UnknownPropertyPolicy): RequestHandler {
  const reader = new CaseInsensitiveReader(spec);
  const operations = operationsOf(spec);
  return (req, res, next) => {
    const operation = operations.find((candidate) => candidate.method === req.method && candidate.pattern.test(req.path));
    if (!operation) return next();
    const ignored: string[] = [];
    if (operation.body && req.body !== undefined) {
      const reading = reader.read(req.body, operation.body);
      req.body = reading.value === null ? undefined : reading.value;
      ignored.push(...reading.ignored);
    }
    if (Object.keys(req.query).length > 0) ignored.push(...readQuery(req, operation, reader));
    if (ignored.length === 0) return next();
    res.locals['ignoredProperties'] = ignored;
    if (policy === 'refuse') {
      return next(
        new CartApiError(
          'invalid',
          Codes.invalidInput,
          `Invalid request input: ${ignored.length} propert${ignored.length === 1 ? 'y is' : 'ies are'} not part of this request (UNKNOWN_PROPERTIES=refuse; Partner Center ignores them).`,
          ignored.map((name) => `${name}: is not a property of this request`),
        ),
      );
    }
    const shown = ignored.slice(0, HEADER_NAMES).join(', ');
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

function operationsOf(spec: { paths: Record<string, Record<string, any>> }): Operation[] {
  const resolve = refResolver(spec) as (ref: string) => ParameterObject;
  const parameters = (list: ParameterObject[] | undefined): ParameterObject[] => (list ?? []).map((p) => (p.$ref ? resolve(p.$ref) : p));
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`, 'i');
    for (const method of ['get', 'put', 'post', 'patch', 'delete']) {
      const operation = item[method];
      if (!operation) continue;
      const query = new Map<string, SchemaNode>();
      for (const parameter of [...parameters(item['parameters']), ...parameters(operation.parameters)]) {
        if (parameter.in === 'query' && parameter.name && parameter.schema) query.set(parameter.name, parameter.schema);
      }
      const body = operation.requestBody?.content?.['application/json']?.schema as SchemaNode | undefined;
      operations.push({ method: method.toUpperCase(), pattern, query, ...(body ? { body } : {}) });
    }
  }
  return operations;
}

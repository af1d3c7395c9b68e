// Applies the case-insensitive reading (canonical-input.ts) to a request body before validation,
// using the request-body schema the spec declares for the matched operation.
import type { RequestHandler } from 'express';
import { CaseInsensitiveReader, type SchemaNode } from '../canonical-input.ts';

interface BodyRoute {
  method: string;
  pattern: RegExp;
  schema: SchemaNode;
}

export function bodyReader(spec: { paths: Record<string, Record<string, any>> }): RequestHandler {
  const reader = new CaseInsensitiveReader(spec);
  const routes: BodyRoute[] = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+').replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
    for (const [method, operation] of Object.entries(item)) {
      const schema = operation?.requestBody?.content?.['application/json']?.schema as SchemaNode | undefined;
      if (schema) routes.push({ method: method.toUpperCase(), pattern, schema });
    }
  }
  return (req, _res, next) => {
    if (req.body !== undefined && req.body !== null && typeof req.body === 'object') {
      const route = routes.find((candidate) => candidate.method === req.method && candidate.pattern.test(req.path));
      if (route) req.body = reader.read(req.body, route.schema);
    }
    next();
  };
}

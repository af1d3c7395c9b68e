// The classifier: whether a request, as it goes on the wire, is valid as the spec reads it (valid,
// invalid, or either where the spec does not decide), independent of how it was made, and the status
// the first defect calls for when that is certain. The oracle compares the server's answer with this
// verdict; validating against the document with ajv keeps it the ground truth even where the
// generators only approximate a schema.
import type { FlatSchema, Schema } from './flat-schema.ts';
import type { RouteMatch, SpecModel } from './spec-model.ts';

/** What goes on the wire. */
export interface WireRequest {
  method: string;
  /** Path and query, percent-encoded as sent. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string | undefined;
}

/** A validator of values against schemas of the document, by JSON Pointer (ajv, JSON Schema 2020-12). */
export interface PointerValidator {
  errors(pointer: string, value: unknown): unknown[];
}

export interface Verdict {
  /** `either`: the spec does not decide (e.g. an unknown query parameter, headers near the size limit). */
  verdict: 'valid' | 'invalid' | 'either';
  reasons: string[];
  /** The status the first defect calls for, when it is certain (431, 401, 413, 404, 405). */
  expectedStatus: number | undefined;
  route: RouteMatch;
  /** The body as the server reads it: parsed, read-only properties dropped (undefined without one). */
  body: unknown;
}

export interface ClassifyLimits {
  /** Node's limit on the request line and headers together (16 KiB). */
  headerBytes: number;
  bodyBytes: number;
  /** Whether the Authorization header's value authenticates. */
  authenticates(value: string | undefined): boolean;
}

/**
 * What fetch adds to every request (host, connection, accept, accept-language, sec-fetch-mode, user-agent,
 * accept-encoding, content-length).
 */
const FETCH_HEADER_BYTES = 320;

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type, ...parameters] = value.split(';').map((part) => part.trim());
  if (type?.toLowerCase() !== 'application/json') return false;
  return parameters.every((parameter) => {
    const [name, raw] = parameter.split('=').map((p) => p.trim());
    return name?.toLowerCase() !== 'charset' || raw?.replace(/^"|"$/g, '').toLowerCase() === 'utf-8';
  });
}

export function classify(
  model: SpecModel,
  validator: PointerValidator,
  request: WireRequest,
  limits: ClassifyLimits,
): Verdict {
  const defects: string[] = [];
  const doubts: string[] = [];
  let expectedStatus: number | undefined;
  const defect = (reason: string, status?: number): void => {
    defects.push(reason);
    if (status !== undefined) expectedStatus ??= status;
  };
  const url = new URL(request.path, 'http://127.0.0.1');
  const route = model.route(request.method, url.pathname);

  // Node reads the request line and headers first; past its limit it answers 431 before anything else.
  const headBytes =
    Buffer.byteLength(`${request.method} ${request.path} HTTP/1.1\r\n`, 'latin1') +
    Object.entries(request.headers).reduce(
      (sum, [name, value]) => sum + Buffer.byteLength(`${name}: ${value}\r\n`, 'latin1'),
      0,
    ) +
    FETCH_HEADER_BYTES;
  if (headBytes > limits.headerBytes + 1024)
    defect(`request line and headers of about ${headBytes} bytes, over ${limits.headerBytes}`, 431);
  else if (headBytes > limits.headerBytes - 2048)
    doubts.push(`request line and headers of about ${headBytes} bytes, near the ${limits.headerBytes} limit`);

  // Authentication comes first: for an operation that requires it, and (before routing) for any path
  // under the first segment that secured paths share (a 404 or 405 there needs a credential too).
  const firstSegment = url.pathname.split('/')[1] ?? '';
  const secured =
    route.kind === 'operation'
      ? route.operation.secured
      : firstSegment !== '' && model.operations.some((op) => op.secured && op.path.split('/')[1] === firstSegment);
  if (secured && !limits.authenticates(request.headers['authorization'])) defect('not authenticated', 401);

  // The body is read before routing: too large, or JSON that does not parse.
  const contentType = request.headers['content-type'];
  const hasBody = request.body !== undefined;
  let parsed: unknown;
  let parsedOk = false;
  if (hasBody) {
    if (isJsonContentType(contentType)) {
      // Only a JSON body is read before routing (another is refused for its media type later).
      if (Buffer.byteLength(request.body ?? '', 'utf8') > limits.bodyBytes)
        defect(`a body over ${limits.bodyBytes} bytes`, 413);
      if ((request.body ?? '') === '') {
        parsed = {}; // an empty JSON body reads as {}
        parsedOk = true;
      } else {
        try {
          parsed = JSON.parse(request.body ?? '');
          parsedOk = true;
        } catch {
          defect('a body that is not JSON', 400);
        }
      }
    }
  }

  if (route.kind === 'unknown-path') defect(`no path of the spec is ${url.pathname}`, 404);
  else if (route.kind === 'method-not-allowed') defect(`${route.path} has no ${request.method}`, 405);
  let body: unknown;
  if (route.kind === 'operation') {
    const { operation } = route;
    for (const parameter of operation.parameters) {
      let value: string | undefined;
      if (parameter.in === 'path') {
        value = route.params[parameter.name];
        if (value === undefined) {
          defect(`path parameter ${parameter.name} does not decode`);
          continue;
        }
      } else if (parameter.in === 'header') value = request.headers[parameter.name.toLowerCase()];
      else if (parameter.in === 'query') value = url.searchParams.get(parameter.name) ?? undefined;
      else continue;
      if (value === undefined) {
        if (parameter.required) defect(`${parameter.in} parameter ${parameter.name} is missing`);
        continue;
      }
      if (validator.errors(parameter.schemaPointer, coerceParameter(model, parameter.schema, value)).length > 0)
        defect(`${parameter.in} parameter ${parameter.name} = ${JSON.stringify(value).slice(0, 60)} breaks its schema`);
    }
    for (const name of url.searchParams.keys())
      if (!operation.parameters.some((p) => p.in === 'query' && p.name === name))
        doubts.push(`query parameter ${name} is not in the spec`);
    const requestBody = operation.requestBody;
    if (requestBody) {
      const media = requestBody.content.find((m) => isJsonContentType(m.mediaType));
      if (!hasBody) {
        if (requestBody.required) defect('the required body is missing');
      } else if ((contentType ?? '').trim() === '' && !requestBody.required) {
        // An unlabelled body where the body is optional: a server may ignore it (as no body) or refuse it.
        doubts.push('an optional body without a Content-Type');
      } else if (!isJsonContentType(contentType) || !media) {
        defect(`content type ${JSON.stringify(contentType ?? null)} is not one the operation takes`);
      } else if (parsedOk) {
        body = model.stripReadOnly(model.canonicalize(parsed, media.schema), media.schema);
        const errors = validator.errors(media.schemaPointer, body);
        if (errors.length > 0)
          defect(`the body breaks the schema (${errors.length} error${errors.length === 1 ? '' : 's'})`);
        // A schema that constrains nothing (checkout's) takes any JSON and means nothing by it.
        if (isUnconstrained(model.flatten(media.schema))) body = undefined;
      }
    } else if (hasBody && (request.body ?? '') !== '') doubts.push('a body the operation does not declare');
  }
  const verdict = defects.length > 0 ? 'invalid' : doubts.length > 0 ? 'either' : 'valid';
  return {
    verdict,
    reasons: [...defects, ...doubts],
    expectedStatus: defects.length > 0 ? expectedStatus : undefined,
    route,
    body,
  };
}

function isUnconstrained(flat: FlatSchema): boolean {
  return (
    !flat.never &&
    flat.types === undefined &&
    flat.enum === undefined &&
    !flat.hasConst &&
    Object.keys(flat.properties).length === 0 &&
    flat.additionalProperties === undefined &&
    flat.items === undefined &&
    flat.alternatives.length === 0
  );
}

/** A parameter's text as the value its schema types it (headers and paths travel as text). */
function coerceParameter(model: SpecModel, schema: Schema, value: string): unknown {
  const types = model.flatten(schema).types ?? [];
  if (types.includes('string')) return value;
  if ((types.includes('integer') || types.includes('number')) && value.trim() !== '' && !Number.isNaN(Number(value)))
    return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

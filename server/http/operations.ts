// Server stubs from the spec. Each operation of the spec is served by a handler named by its
// operationId; the handler's request (path and query parameters, headers, body) and its answer
// (status and body of each success response) are typed from the generated `operations`, so that:
// - an operation of the spec without a handler fails the type check (a property of OperationHandlers
//   is missing), and the start too (`operationDispatcher` names it);
// - a handler that answers a status or a body the spec does not allow fails the type check.
// No path is written here or in the handlers: express-openapi-validator matches the request to an
// operation of the spec (req.openapi), and the dispatcher calls that operation's handler.
import type { Request, RequestHandler, Response } from 'express';
import type { operations } from '../../generated/api-types.ts';
import { SpecIndex } from '../../openapi/spec-index.ts';
import type { Caller } from '../domain/carts.ts';
import { requestKeyOf, type RequestKey } from './idempotency.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : undefined;
type SuccessStatus = 200 | 201 | 202 | 204;
type Parameters<Op> = Op extends { parameters: infer P } ? P : never;
type Part<P, Where extends string> = P extends { [W in Where]?: infer Values } ? NonNullable<Values> : never;

/** The request body of an operation: required, optional (may be undefined), or none. */
type BodyOf<Op> = Op extends { requestBody: infer R }
  ? JsonOf<R>
  : Op extends { requestBody?: infer R }
    ? JsonOf<NonNullable<R>> | undefined
    : undefined;

/** A request as its handler gets it: validated against the spec and read as Partner Center reads it. */
export interface OperationRequest<Op> {
  caller: Caller;
  path: Part<Parameters<Op>, 'path'>;
  query: Part<Parameters<Op>, 'query'>;
  /** The headers the operation declares, under their declared names (`If-Match`, `MS-RequestId`, ...). */
  headers: Part<Parameters<Op>, 'header'>;
  body: BodyOf<Op>;
  /**
   * The idempotency key of this request (undefined without a client MS-RequestId); `body` as the operation reads it.
   */
  requestKey(body?: unknown): RequestKey | undefined;
}

/** An answer the spec allows for the operation: one of its success statuses, with that status's body. */
export type OperationAnswer<Op> = Op extends { responses: infer Responses }
  ? {
      [S in keyof Responses & SuccessStatus]: {
        status: S;
        body: JsonOf<Responses[S]>;
        etag?: string;
        replayed?: boolean;
      };
    }[keyof Responses & SuccessStatus]
  : never;

export type OperationHandler<Op> = (request: OperationRequest<Op>) => Promise<OperationAnswer<Op>>;

/** One handler for every operation of `Ops` (the generated `operations` by default), by operationId. */
export type HandlersOf<Ops> = { [Id in keyof Ops]: OperationHandler<Ops[Id]> };
export type OperationHandlers = HandlersOf<operations>;

/** Every operationId of the spec. */
export function operationIdsOf(spec: object): string[] {
  return [...operationsOf(spec).keys()];
}

/** Every operationId of the spec, with the names of the headers it declares. */
function operationsOf(spec: object): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const operation of SpecIndex.of(spec).operations()) {
    if (operation.operationId === undefined) continue;
    const headers = operation.parametersIn('header').map((parameter) => parameter.node.name);
    found.set(
      operation.operationId,
      headers.filter((name) => typeof name === 'string' && name !== ''),
    );
  }
  return found;
}

/**
 * The middleware that serves every operation: after the validator, it calls the handler of the
 * operation the request was matched to and sends its answer. Throws at once, naming them, when
 * operations of the spec have no handler.
 */
export function operationDispatcher<Ops = operations>(
  spec: object,
  served: HandlersOf<Ops>,
  { validatedResponses }: { validatedResponses: boolean },
): RequestHandler {
  // Indexed by the operationIds of `spec`, which may be another spec than the generated types' (tests).
  const handlers = served as unknown as Record<string, OperationHandler<unknown> | undefined>;
  const declared = operationsOf(spec);
  const missing = [...declared.keys()].filter((id) => typeof handlers[id] !== 'function');
  if (missing.length > 0)
    throw new Error(
      `the spec's operation${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ha${missing.length === 1 ? 's' : 've'} no handler in server/http/`,
    );
  return (req, res, next) => {
    const matched = (
      req as Request & { openapi?: { schema?: { operationId?: string }; pathParams?: Record<string, string> } }
    ).openapi;
    const operationId = matched?.schema?.operationId;
    const handler = operationId === undefined ? undefined : handlers[operationId];
    const caller = res.locals.caller;
    if (!handler || !caller) return next(new Error(`no handler for ${req.method} ${req.path}`));
    const headerNames = declared.get(operationId as string) ?? [];
    const request: OperationRequest<unknown> = {
      caller,
      // The validator's match (Express resets req.params for each layer it routes through).
      path: (matched?.pathParams ?? {}) as never,
      query: req.query as never,
      headers: Object.fromEntries(
        headerNames.flatMap((name) =>
          req.headers[name.toLowerCase()] === undefined ? [] : [[name, req.headers[name.toLowerCase()]]],
        ),
      ) as never,
      body: req.body as never,
      requestKey: (body: unknown = req.body ?? null) => requestKeyOf(req, res, body),
    };
    handler(request).then((answer) => send(res, answer as SentAnswer, validatedResponses), next);
  };
}

interface SentAnswer {
  status: number;
  body: unknown;
  etag?: string;
  replayed?: boolean;
}

/**
 * Sends an answer. When responses are validated, through Express's res.json, which the validator
 * hooks into; otherwise (production) written directly: one string, so Node sends the headers and the
 * body in one write, without Express's conversion of the body to a Buffer and back.
 */
function send(res: Response, answer: SentAnswer, validatedResponses: boolean): void {
  const self = (answer.body as { links?: { self?: { uri?: unknown } } } | undefined)?.links?.self?.uri;
  if (res.req.method !== 'GET' && typeof self === 'string') res.locals.wrote = self;
  // A forced "drop the answer": the write has committed (and its answer is recorded for a retry); the
  // client gets no answer, only a closed connection.
  if (res.locals.dropAnswer) {
    res.socket?.destroy();
    return;
  }
  if (answer.etag) res.setHeader('ETag', answer.etag);
  if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
  if (validatedResponses) {
    res.status(answer.status).json(answer.body);
    return;
  }
  const text = JSON.stringify(answer.body);
  res.statusCode = answer.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

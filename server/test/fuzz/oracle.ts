// The oracle: what an answer must be, given the spec's verdict on the request (classify.ts). The
// checks of a single answer are here; execute.ts adds those that need the server's state (digests,
// MS-RequestId retries, read-backs). For every request:
// - no 5xx, and an answer at all;
// - the answer fits the spec: a status the operation declares, a body valid against that status's
//   schema (ajv, JSON Schema 2020-12, over generated/openapi.json), declared headers valid. Requests
//   outside every operation (a path the spec does not have: 404; a method the path does not have: 405)
//   must be a 4xx with the error body the operations use for that status;
// - a request the spec calls invalid gets a 4xx (the exact one when certain: 431 for oversized
//   headers, 401 without authentication, 413 for an oversized body, 404/405 off the routes) and changes
//   nothing: a digest of every row of every table of the database, read through a second connection,
//   is the same before and after;
// - a request the spec calls valid is refused only by the API's rules (400, 404, 409, 412), never for
//   want of authentication, size or media type; and the test server has no rate limit, so no 429;
// - read-only values set in a body are not applied, and what a write answers is what a GET of the
//   resource's `links.self` then returns (so nothing was stored other than what was answered);
// - the MS-RequestId contract: a faithful retry of a successful write gets the same status and body
//   with `Idempotent-Replayed: true` and changes nothing; the same id on another request is 422 and
//   changes nothing (every other request gets a fresh id, so it is never taken for a retry);
// - after each batch, the server still answers a plain GET with 200.
// Where the spec does not decide (an unknown query parameter, headers within 2 KiB of Node's limit, an
// unlabelled body where the body is optional), the request is `either`: only the answer's fit with the
// spec and the absence of 5xx are checked.
import { isDeepStrictEqual } from 'node:util';
import { describeErrors } from '../../../openapi/test/spec.ts';
import type { Verdict, WireRequest } from './classify.ts';
import type { Reply, StoredWrite } from './epoch.ts';
import type { FuzzSession } from './fuzz-session.ts';
import { codePoints, type PathSegment } from './json-values.ts';
import type { SpecModel } from './spec-model.ts';
import type { RequestPlan } from './valid-requests.ts';

/** The oracle's judgement of one answer (violations go to `session.violate`). */
export function judge(
  session: FuzzSession,
  plan: RequestPlan,
  wire: WireRequest,
  verdict: Verdict,
  reply: Reply | Error,
  refusable: number[] = [],
): void {
  const where = `${plan.operation.operationId} ${plan.mutation}`;
  if (reply instanceof Error) {
    session.violate(
      `no answer: ${where}`,
      describeExchange(
        plan,
        wire,
        verdict,
        `no answer: ${reply.message} ${String((reply as { cause?: unknown }).cause ?? '')}`,
      ),
    );
    return;
  }
  const { status } = reply;
  if (status >= 500) {
    session.figures.serverErrors++;
    session.violate(`5xx: ${where} -> ${status}`, describeExchange(plan, wire, verdict, reply));
  }
  if (status === 429)
    session.violate(
      `throttled: ${where}`,
      describeExchange(plan, wire, verdict, reply, ['the test server has no rate limit, so no 429 may come']),
    );
  if (verdict.verdict === 'invalid' && status < 400)
    session.violate(`invalid request accepted: ${where} -> ${status}`, describeExchange(plan, wire, verdict, reply));
  if (verdict.expectedStatus !== undefined && status !== verdict.expectedStatus && status < 500)
    session.violate(
      `expected ${verdict.expectedStatus}: ${where} -> ${status}`,
      describeExchange(plan, wire, verdict, reply),
    );
  // A 403 with another code than the token's (800001) is a rule's refusal: cancelling by order what only a
  // subscription cancels (800077), or what only sandbox partners cancel (800019); the catalog's country (2030).
  const ruleForbids =
    status === 403 &&
    typeof (reply.body as { code?: unknown } | undefined)?.code === 'number' &&
    (reply.body as { code: number }).code !== 800001;
  if (
    verdict.verdict === 'valid' &&
    status >= 400 &&
    ![400, 404, 409, 412, ...refusable].includes(status) &&
    !ruleForbids
  ) {
    // A valid request may be refused by the rules (400, 403 but for the token, 404, 409, 412); not for want of
    // authentication, size or media type.
    session.violate(`valid request refused: ${where} -> ${status}`, describeExchange(plan, wire, verdict, reply));
  }
  const problems = contractProblems(session, verdict, reply);
  if (problems.length > 0) {
    session.figures.specViolations++;
    session.violate(`spec violation: ${where} -> ${status}`, describeExchange(plan, wire, verdict, reply, problems));
  }
}

function contractProblems(session: FuzzSession, verdict: Verdict, reply: Reply): string[] {
  const { status } = reply;
  const problems: string[] = [];
  if (verdict.route.kind !== 'operation') {
    if (status < 400 || status >= 500) problems.push(`a request outside every operation answered ${status}, not a 4xx`);
    const pointer = session.errorSchemaPointers.get(String(status)) ?? session.errorSchemaPointers.get('4XX');
    if (pointer) checkJsonBody(session, reply, pointer, problems);
    return problems;
  }
  const operation = verdict.route.operation;
  const response =
    operation.responses.get(String(status)) ??
    operation.responses.get(`${String(status)[0]}XX`) ??
    operation.responses.get('default');
  if (!response) {
    problems.push(`${operation.operationId} does not declare status ${status}`);
    return problems;
  }
  if (response.content.length > 0) {
    const contentType = (reply.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const media = response.content.find((m) => m.mediaType.toLowerCase() === contentType);
    if (!media) problems.push(`content type ${JSON.stringify(contentType)} is not declared for ${status}`);
    else checkJsonBody(session, reply, media.schemaPointer, problems);
  } else if (reply.text !== '') problems.push(`status ${status} declares no body, but one came`);
  for (const header of response.headers) {
    const value = reply.headers.get(header.name);
    if (value === null) {
      if (header.required) problems.push(`header ${header.name} is missing`);
      continue;
    }
    const types = session.model.flatten(header.schema).types ?? [];
    const typed =
      (types.includes('integer') || types.includes('number')) && !types.includes('string') ? Number(value) : value;
    const errors = session.responseValidator.errors(header.schemaPointer, typed);
    if (errors.length > 0) problems.push(`header ${header.name}: ${describeErrors(errors as never)}`);
  }
  return problems;
}

function checkJsonBody(session: FuzzSession, reply: Reply, pointer: string, problems: string[]): void {
  if (typeof reply.body === 'string' || reply.body === undefined) {
    problems.push(`the body is not JSON: ${JSON.stringify(reply.text.slice(0, 200))}`);
    return;
  }
  const errors = session.responseValidator.errors(pointer, reply.body);
  if (errors.length > 0) problems.push(`the body breaks ${pointer}:\n${describeErrors(errors as never)}`);
}

/**
 * Whether `wire` is a faithful retry of an earlier write: same method, path (case aside), If-Match and body as the
 * server reads it.
 */
export function sameRequest(earlier: StoredWrite, wire: WireRequest, verdict: Verdict): boolean {
  const path = (w: WireRequest) => new URL(w.path, 'http://127.0.0.1').pathname.toLowerCase().replace(/\/+$/, '');
  return (
    earlier.wire.method === wire.method &&
    path(earlier.wire) === path(wire) &&
    (earlier.wire.headers['if-match'] ?? null) === (wire.headers['if-match'] ?? null) &&
    isDeepStrictEqual(sortKeys(earlier.body ?? null), sortKeys(verdict.body ?? null))
  );
}

/** A copy with object keys sorted (JSON objects are unordered). */
function sortKeys(value: unknown, depth = 0): unknown {
  if (depth > 256) return value; // the deep-nesting mutation goes far deeper than any schema
  if (Array.isArray(value)) return value.map((item) => sortKeys(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v, depth + 1)]),
  );
}

/** For each status, the schema the operations' responses use for it (for answers given outside every operation). */
export function errorSchemas(model: SpecModel): Map<string, string> {
  const out = new Map<string, string>();
  for (const operation of model.operations)
    for (const [status, response] of operation.responses) {
      const media = response.content.find((m) => m.mediaType === 'application/json');
      if (!media || !/^4/.test(status)) continue;
      if (!out.has(status)) out.set(status, media.schemaPointer);
      if (!out.has('4XX')) out.set('4XX', media.schemaPointer);
    }
  return out;
}

/** A description of a leaf of an injected read-only value that came back unchanged, or undefined. */
export function appliedLeaf(injected: unknown, answer: unknown, path: PathSegment[]): string | undefined {
  let node: any = answer;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key];
  }
  if (node === undefined) return undefined;
  // Only values a server would not produce by itself tell: long strings, fractions, big numbers.
  const telling: { at: string; value: unknown; actual: unknown }[] = [];
  const walk = (value: unknown, actual: unknown, at: string): void => {
    if (
      typeof value === 'string'
        ? codePoints(value) >= 8
        : typeof value === 'number'
          ? !Number.isInteger(value) || Math.abs(value) > 1e6
          : false
    )
      telling.push({ at, value, actual });
    else if (value !== null && typeof value === 'object')
      for (const [key, child] of Object.entries(value))
        walk(
          child,
          actual !== null && typeof actual === 'object' ? (actual as Record<string, unknown>)[key] : undefined,
          `${at}.${key}`,
        );
  };
  walk(injected, node, path.join('.'));
  if (telling.length === 0 || !telling.every((t) => isDeepStrictEqual(t.value, t.actual))) return undefined;
  return `read-only ${telling.map((t) => `${t.at} = ${JSON.stringify(t.value)}`).join(', ')} came back as sent`;
}

export const clip = (text: string, length = 600): string =>
  text.length > length ? `${text.slice(0, length)}… (${text.length} characters)` : text;

/** The request, how it was made, the verdict and the answer, for a violation's message. */
export function describeExchange(
  plan: RequestPlan,
  wire: WireRequest,
  verdict: Verdict,
  reply: Reply | Error | string,
  problems: string[] = [],
): string {
  const headers = Object.fromEntries(
    Object.entries(wire.headers).map(([name, value]) => [
      name,
      name === 'authorization' ? value.replace(/[\w-]+\.[\w-]+\.[\w-]*/, '<token>') : clip(value, 120),
    ]),
  );
  const lines = [
    `  request: ${wire.method} ${clip(wire.path, 300)}`,
    `    headers: ${JSON.stringify(headers)}`,
    ...(wire.body !== undefined ? [`    body: ${clip(wire.body)}`] : []),
    `  made as: ${plan.operation.operationId}, mutation ${plan.mutation}${plan.detail ? ` (${clip(plan.detail, 300)})` : ''}`,
    `  the spec says: ${verdict.verdict}${verdict.reasons.length > 0 ? ` (${verdict.reasons.join('; ')})` : ''}`,
    typeof reply === 'string'
      ? `  answer: ${reply}`
      : reply instanceof Error
        ? `  answer: none (${reply.message})`
        : `  answer: ${reply.status} ${reply.headers.get('content-type') ?? ''} ${clip(reply.text)}`,
    ...problems.map((problem) => `  problem: ${clip(problem, 2000)}`),
  ];
  return lines.join('\n');
}

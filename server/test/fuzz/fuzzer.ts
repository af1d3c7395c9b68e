// The fuzz runner: requests made by spec-arbitraries.ts sent to an in-process reference server on a
// database file, each answer judged by the oracle, figures kept. Used by fuzz.test.ts (`npm test`) and
// by run.ts (`npm run fuzz`).
//
// The oracle, for every request:
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
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describeErrors, SpecValidator } from '../../../openapi/test/spec.ts';
import { DatabaseDigest } from '../db-digest.ts';
import { OTHER_PARTNER, PARTNER, TestServer, token } from '../harness.ts';
import {
  badHeaderValue,
  badPathValue,
  bodyMutation,
  classify,
  codePoints,
  CONTENT_TYPES,
  fillPath,
  malformedJson,
  PROBE_METHODS,
  serializeBody,
  SpecModel,
  validRequest,
  type OperationModel,
  type PathSegment,
  type RequestPlan,
  type Verdict,
  type WireRequest,
} from './spec-arbitraries.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
export const bundledSpecPath = join(root, 'generated', 'openapi.json');

/** Node's default limit on the request line and headers together. */
const HEADER_LIMIT_BYTES = 16 * 1024;
const BODY_LIMIT_BYTES = 1024 * 1024;

export interface FuzzOptions {
  seed: number;
  /** How many fuzzed requests to send (oracle requests — read-backs, liveness checks, set-up — come on top). */
  requests: number;
  /** Requests per fast-check run; each run ends with a liveness check. */
  batchSize?: number;
  /** A fresh server and database every so many requests, which keeps the database (and its digests) small. */
  epochRequests?: number;
  /** Stop at the first violation (the mocha suite), or go on and collect them all (`npm run fuzz`). */
  failFast?: boolean;
  /** Leave out the requests of known, reported server bugs (see KNOWN_BUGS). */
  skipKnownBugs?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface Violation {
  /** What kind of failure, where: groups repeats of one bug. */
  signature: string;
  message: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  /** Read-backs, liveness checks and set-up requests. */
  oracleRequests: number;
  durationMs: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  byMutation: Record<string, number>;
  byVerdict: Record<string, number>;
  /** `operation status` and `verdict status` pairs. */
  byOperationStatus: Record<string, number>;
  byVerdictStatus: Record<string, number>;
  serverErrors: number;
  specViolations: number;
  /** All violations (5xx, contract, state, oracle), the first of each signature kept in `violations`. */
  violationCount: number;
  violations: Violation[];
  violationsBySignature: Record<string, number>;
  skippedKnownBugs: Record<string, number>;
}

/**
 * Server bugs found by the fuzz, reported and not yet fixed. With `skipKnownBugs` their requests are
 * not sent, so the default run stays green while they are open. Each entry names the bug; remove it
 * once fixed.
 */
export const KNOWN_BUGS: { id: string; description: string; matches: (plan: RequestPlan, wire: WireRequest) => boolean }[] = [
  // None open. The first one found (impossible date-times such as hour 25 accepted, because the
  // validator checked formats in ajv-formats' "fast" mode) was fixed in server/app.ts.
];

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

class Figures {
  requests = 0;
  oracleRequests = 0;
  byOperation: Record<string, number> = {};
  byStatus: Record<string, number> = {};
  byMutation: Record<string, number> = {};
  byVerdict: Record<string, number> = {};
  byOperationStatus: Record<string, number> = {};
  byVerdictStatus: Record<string, number> = {};
  serverErrors = 0;
  specViolations = 0;
  violationCount = 0;
  violations: Violation[] = [];
  violationsBySignature: Record<string, number> = {};
  skippedKnownBugs: Record<string, number> = {};
}

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

class FuzzFailure extends Error {}

/** A drawn request: a plan, or a retry of an earlier write, or a plan reusing an earlier write's MS-RequestId. */
interface Drawn {
  plan: RequestPlan;
  requestIdFresh?: boolean;
  replayOf?: StoredWrite;
  reusedFrom?: StoredWrite;
}

/** A successful write and its answer, kept to retry it (same MS-RequestId) or to reuse its id. */
interface StoredWrite {
  wire: WireRequest;
  reply: Reply;
  /** The body as the server reads it (see classify). */
  body: unknown;
}

/** A copy with object keys sorted (JSON objects are unordered). */
function sortKeys(value: unknown, depth = 0): unknown {
  if (depth > 256) return value; // the deep-nesting mutation goes far deeper than any schema
  if (Array.isArray(value)) return value.map((item) => sortKeys(item, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sortKeys(v, depth + 1)]));
}

/** One server and database, with what the fuzz learnt from its answers. */
class Epoch {
  readonly server: TestServer;
  readonly digest: DatabaseDigest;
  readonly dir: string;
  readonly bindings: Record<string, string>[] = [];
  readonly representations = new Map<string, unknown>();
  lastDigest: string | undefined;
  /** Successful writes sent with an MS-RequestId, for retries. */
  readonly writes: StoredWrite[] = [];

  private constructor(dir: string, server: TestServer, digest: DatabaseDigest) {
    this.dir = dir;
    this.server = server;
    this.digest = digest;
  }

  static async start(): Promise<Epoch> {
    const dir = mkdtempSync(join(tmpdir(), 'cart-fuzz-'));
    const databasePath = join(dir, 'fuzz.db');
    const server = await new TestServer({ databasePath, bodyLimitBytes: BODY_LIMIT_BYTES }).start();
    return new Epoch(dir, server, new DatabaseDigest(databasePath));
  }

  async stop(): Promise<void> {
    this.digest.close();
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  rememberWrite(write: StoredWrite): void {
    this.writes.push(write);
    if (this.writes.length > 16) this.writes.shift();
  }

  remember(binding: Record<string, string>): void {
    const key = JSON.stringify(binding);
    const at = this.bindings.findIndex((b) => JSON.stringify(b) === key);
    if (at >= 0) this.bindings.splice(at, 1);
    this.bindings.push(binding);
    if (this.bindings.length > 64) this.bindings.shift();
  }
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = performance.now();
  const document = JSON.parse(readFileSync(bundledSpecPath, 'utf8'));
  const model = new SpecModel(document);
  const requestValidator = new SpecValidator(document);
  const responseValidator = new SpecValidator(document);
  const figures = new Figures();
  const batchSize = options.batchSize ?? 10;
  const epochRequests = Math.max(batchSize, options.epochRequests ?? 1000);
  const log = options.log ?? (() => {});
  const skipKnownBugs = options.skipKnownBugs === true;
  const tokens = { partner: await token(PARTNER), other: await token(OTHER_PARTNER) };
  const authenticates = (value: string | undefined): boolean => {
    const match = value === undefined ? null : /^\s*(\S+) +(\S+)\s*$/.exec(value);
    return !!match && match[1]!.toLowerCase() === 'bearer' && (match[2] === tokens.partner || match[2] === tokens.other);
  };
  const limits = { headerBytes: HEADER_LIMIT_BYTES, bodyBytes: BODY_LIMIT_BYTES, authenticates };
  const errorSchemaPointers = errorSchemas(model);
  const liveness = model.operations.filter((op) => op.method === 'GET').sort((a, b) => pathParams(a).length - pathParams(b).length)[0];

  const violate = (signature: string, message: string): void => {
    figures.violationCount++;
    bump(figures.violationsBySignature, signature);
    if (figures.violationsBySignature[signature] === 1) figures.violations.push({ signature, message });
    if (options.failFast) throw new FuzzFailure(`${signature}\n${message}`);
  };

  async function send(epoch: Epoch, wire: WireRequest): Promise<Reply | Error> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(wire.headers)) headers.set(name, value);
    const noBody = wire.method === 'GET' || wire.method === 'HEAD';
    const init: RequestInit = { method: wire.method, headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) };
    if (wire.body !== undefined && !noBody) init.body = wire.headers['content-type'] === undefined ? Buffer.from(wire.body) : wire.body;
    try {
      const response = await fetch(`${epoch.server.baseUrl}${wire.path}`, init);
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // left as text: the oracle says whether that is allowed
      }
      return { status: response.status, headers: response.headers, text, body };
    } catch (error) {
      return error as Error;
    }
  }

  function toWire(plan: RequestPlan, requestIdFresh: boolean): WireRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(plan.headers)) if (value !== null) headers[name.toLowerCase()] = value;
    if (!('authorization' in plan.headers)) headers['authorization'] = `Bearer ${tokens.partner}`;
    // A fresh MS-RequestId for every request: a reused one would be an idempotent replay.
    if (!('ms-requestid' in plan.headers) && requestIdFresh) headers['ms-requestid'] = randomUUID();
    let body: string | undefined;
    if (plan.body && plan.method !== 'GET' && plan.method !== 'HEAD') {
      body = serializeBody(model, plan.body, plan.operation.requestBody?.content[0]?.schema);
      if (plan.body.contentType !== null) headers['content-type'] = plan.body.contentType;
    }
    const path = fillPath(plan.operation.path, plan.pathParams) + (plan.query ? `?${plan.query}` : '');
    return { method: plan.method, path, headers, body };
  }

  /** The oracle's judgement of one answer (violations go to `violate`). */
  function judge(plan: RequestPlan, wire: WireRequest, verdict: Verdict, reply: Reply | Error, refusable: number[] = []): void {
    const where = `${plan.operation.operationId} ${plan.mutation}`;
    if (reply instanceof Error) {
      violate(`no answer: ${where}`, describe(plan, wire, verdict, `no answer: ${reply.message} ${String((reply as { cause?: unknown }).cause ?? '')}`));
      return;
    }
    const { status } = reply;
    if (status >= 500) {
      figures.serverErrors++;
      violate(`5xx: ${where} -> ${status}`, describe(plan, wire, verdict, reply));
    }
    if (status === 429) violate(`throttled: ${where}`, describe(plan, wire, verdict, reply, ['the test server has no rate limit, so no 429 may come']));
    if (verdict.verdict === 'invalid' && status < 400)
      violate(`invalid request accepted: ${where} -> ${status}`, describe(plan, wire, verdict, reply));
    if (verdict.expectedStatus !== undefined && status !== verdict.expectedStatus && status < 500)
      violate(`expected ${verdict.expectedStatus}: ${where} -> ${status}`, describe(plan, wire, verdict, reply));
    if (verdict.verdict === 'valid' && status >= 400 && ![400, 404, 409, 412, ...refusable].includes(status)) {
      // A valid request may be refused by the rules (400, 404, 409, 412); not for want of authentication, size or media type.
      violate(`valid request refused: ${where} -> ${status}`, describe(plan, wire, verdict, reply));
    }
    const problems = contractProblems(verdict, reply);
    if (problems.length > 0) {
      figures.specViolations++;
      violate(`spec violation: ${where} -> ${status}`, describe(plan, wire, verdict, reply, problems));
    }
  }

  function contractProblems(verdict: Verdict, reply: Reply): string[] {
    const { status } = reply;
    const problems: string[] = [];
    if (verdict.route.kind !== 'operation') {
      if (status < 400 || status >= 500) problems.push(`a request outside every operation answered ${status}, not a 4xx`);
      const pointer = errorSchemaPointers.get(String(status)) ?? errorSchemaPointers.get('4XX');
      if (pointer) checkJsonBody(reply, pointer, problems);
      return problems;
    }
    const operation = verdict.route.operation;
    const response = operation.responses.get(String(status)) ?? operation.responses.get(`${String(status)[0]}XX`) ?? operation.responses.get('default');
    if (!response) {
      problems.push(`${operation.operationId} does not declare status ${status}`);
      return problems;
    }
    if (response.content.length > 0) {
      const contentType = (reply.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      const media = response.content.find((m) => m.mediaType.toLowerCase() === contentType);
      if (!media) problems.push(`content type ${JSON.stringify(contentType)} is not declared for ${status}`);
      else checkJsonBody(reply, media.schemaPointer, problems);
    } else if (reply.text !== '') problems.push(`status ${status} declares no body, but one came`);
    for (const header of response.headers) {
      const value = reply.headers.get(header.name);
      if (value === null) {
        if (header.required) problems.push(`header ${header.name} is missing`);
        continue;
      }
      const types = model.flatten(header.schema).types ?? [];
      const typed = (types.includes('integer') || types.includes('number')) && !types.includes('string') ? Number(value) : value;
      const errors = responseValidator.errors(header.schemaPointer, typed);
      if (errors.length > 0) problems.push(`header ${header.name}: ${describeErrors(errors as never)}`);
    }
    return problems;
  }

  function checkJsonBody(reply: Reply, pointer: string, problems: string[]): void {
    if (typeof reply.body === 'string' || reply.body === undefined) {
      problems.push(`the body is not JSON: ${JSON.stringify(reply.text.slice(0, 200))}`);
      return;
    }
    const errors = responseValidator.errors(pointer, reply.body);
    if (errors.length > 0) problems.push(`the body breaks ${pointer}:\n${describeErrors(errors as never)}`);
  }

  /** Ids (path parameters) and representations from an answer's links, for later requests. */
  function harvest(epoch: Epoch, body: unknown): void {
    const visit = (node: unknown, depth: number): void => {
      if (depth > 12 || node === null || typeof node !== 'object') return;
      if (Array.isArray(node)) return node.forEach((item) => visit(item, depth + 1));
      const record = node as Record<string, any>;
      const self = record['links']?.self?.uri;
      if (typeof self === 'string') {
        const found = model.bindingsOf(self);
        if (found) {
          epoch.remember(found.params);
          const path = fillPath(found.template, Object.fromEntries(Object.entries(found.params).map(([k, v]) => [k, { value: v }])));
          epoch.representations.set(path, record);
          if (epoch.representations.size > 64) epoch.representations.delete(epoch.representations.keys().next().value!);
        }
      }
      for (const [key, value] of Object.entries(record)) {
        if (key === 'uri' && typeof value === 'string') {
          const found = model.bindingsOf(value);
          if (found) epoch.remember(found.params);
        } else visit(value, depth + 1);
      }
    };
    visit(body, 0);
  }

  async function oracleGet(epoch: Epoch, path: string, authorization: string): Promise<Reply | Error> {
    figures.oracleRequests++;
    return send(epoch, { method: 'GET', path, headers: { authorization, 'ms-requestid': randomUUID() }, body: undefined });
  }

  /** Sends one plan and judges it. */
  async function execute(epoch: Epoch, plan: RequestPlan, kind: 'fuzz' | 'setup', how: Drawn = { plan }): Promise<Reply | undefined> {
    const wire = how.replayOf ? how.replayOf.wire : toWire(plan, how.requestIdFresh ?? true);
    if (skipKnownBugs) {
      const bug = KNOWN_BUGS.find((b) => b.matches(plan, wire));
      if (bug) {
        bump(figures.skippedKnownBugs, bug.id);
        return undefined;
      }
    }
    const verdict = classify(model, requestValidator, wire, limits);
    // The MS-RequestId contract: a faithful retry of a recorded write gets the recorded answer and
    // does nothing again; the same id on another request is refused with 422 and does nothing.
    const earlier = how.replayOf ?? how.reusedFrom;
    const tokenOf = (w: WireRequest): string | undefined => /^\s*\S+ +(\S+)\s*$/.exec(w.headers['authorization'] ?? '')?.[1];
    const samePartner = earlier !== undefined && tokenOf(earlier.wire) === tokenOf(wire);
    const replay = earlier !== undefined && samePartner && verdict.verdict === 'valid' && sameRequest(earlier, wire, verdict) ? earlier : undefined;
    const refused = earlier !== undefined && samePartner && verdict.verdict === 'valid' && !replay;
    const unchanged = verdict.verdict === 'invalid' || replay !== undefined || refused;
    if (unchanged && epoch.lastDigest === undefined) epoch.lastDigest = epoch.digest.digest();
    const reply = await send(epoch, wire);
    if (kind === 'fuzz') {
      figures.requests++;
      const operation = verdict.route.kind === 'operation' ? verdict.route.operation.operationId : `(off route) ${plan.operation.operationId}`;
      const status = reply instanceof Error ? 'no answer' : String(reply.status);
      bump(figures.byOperation, operation);
      bump(figures.byStatus, status);
      bump(figures.byOperationStatus, `${operation} ${status}`);
      bump(figures.byVerdictStatus, `${verdict.verdict} ${status}`);
      bump(figures.byMutation, plan.mutation);
      bump(figures.byVerdict, verdict.verdict);
    } else figures.oracleRequests++;
    judge(plan, wire, verdict, reply, refused ? [422] : []);
    if (!(reply instanceof Error)) {
      if (replay) {
        const problems: string[] = [];
        if (reply.status !== replay.reply.status) problems.push(`status ${reply.status}, the first answer was ${replay.reply.status}`);
        if (!isDeepStrictEqual(reply.body, replay.reply.body)) problems.push(`a body other than the first answer's: ${clip(replay.reply.text)}`);
        if (reply.headers.get('idempotent-replayed') !== 'true') problems.push('no "Idempotent-Replayed: true"');
        if (problems.length > 0) violate(`retry with the same MS-RequestId not replayed: ${plan.operation.operationId}`, describe(plan, wire, verdict, reply, problems));
      } else if (refused && reply.status !== 422) {
        violate(`MS-RequestId reused for another request not refused: ${plan.operation.operationId} -> ${reply.status}`, describe(plan, wire, verdict, reply, [`the id was first used for ${earlier!.wire.method} ${earlier!.wire.path}`]));
      }
    }
    if (unchanged) {
      const after = epoch.digest.digest();
      if (after !== epoch.lastDigest) {
        const what = verdict.verdict === 'invalid' ? 'an invalid request' : replay ? 'a replayed request' : 'a request reusing an MS-RequestId';
        violate(`state changed by ${what}: ${plan.operation.operationId} ${plan.mutation}`, describe(plan, wire, verdict, reply));
      }
      epoch.lastDigest = after;
    } else epoch.lastDigest = undefined; // a valid request may change state
    if (reply instanceof Error || reply.status < 200 || reply.status >= 300) return reply instanceof Error ? undefined : reply;

    harvest(epoch, reply.body);
    if (replay || refused) return reply;
    // An unknown property is ignored, as Partner Center does, but never silently: the answer names it.
    if (plan.mutation === 'unknown-property' && !reply.headers.get('sandbox-ignored-properties')) {
      violate(`ignored property not named: ${plan.operation.operationId} ${plan.mutation}`, describe(plan, wire, verdict, reply, [`${plan.detail}, and no Sandbox-Ignored-Properties header`]));
    }
    if (wire.method !== 'GET' && wire.headers['ms-requestid'] !== undefined && verdict.verdict === 'valid') epoch.rememberWrite({ wire, reply, body: verdict.body });
    if (plan.injected.length > 0) {
      for (const { path, value } of plan.injected) {
        const applied = appliedLeaf(value, reply.body, path);
        if (applied) violate(`read-only value applied: ${plan.operation.operationId} ${path.join('.')}`, describe(plan, wire, verdict, reply, [applied]));
      }
    }
    if (plan.method !== 'GET' && verdict.route.kind === 'operation') await readBack(epoch, plan, wire, verdict, reply);
    return reply;
  }

  /** Whether `wire` is a faithful retry of an earlier write: same method, path (case aside), If-Match and body as the server reads it. */
  function sameRequest(earlier: StoredWrite, wire: WireRequest, verdict: Verdict): boolean {
    const path = (w: WireRequest) => new URL(w.path, 'http://127.0.0.1').pathname.toLowerCase().replace(/\/+$/, '');
    return (
      earlier.wire.method === wire.method &&
      path(earlier.wire) === path(wire) &&
      (earlier.wire.headers['if-match'] ?? null) === (wire.headers['if-match'] ?? null) &&
      isDeepStrictEqual(sortKeys(earlier.body ?? null), sortKeys(verdict.body ?? null))
    );
  }

  /** A write's answer is what a GET of its `links.self` returns. */
  async function readBack(epoch: Epoch, plan: RequestPlan, wire: WireRequest, verdict: Verdict, reply: Reply): Promise<void> {
    const self = (reply.body as { links?: { self?: { uri?: unknown } } } | undefined)?.links?.self?.uri;
    if (typeof self !== 'string') return;
    const found = model.bindingsOf(self);
    if (!found || !model.templates.find((t) => t.path === found.template)?.methods.has('GET')) return;
    const path = fillPath(found.template, Object.fromEntries(Object.entries(found.params).map(([k, v]) => [k, { value: v }])));
    const again = await oracleGet(epoch, path, wire.headers['authorization'] ?? '');
    if (again instanceof Error || again.status !== 200 || !isDeepStrictEqual(again.body, reply.body)) {
      violate(
        `read-back differs: ${plan.operation.operationId}`,
        describe(plan, wire, verdict, reply, [
          `GET ${path} answered ${again instanceof Error ? again.message : `${again.status} ${again.text.slice(0, 1500)}`}`,
        ]),
      );
    }
  }

  /** A valid request built from the spec's examples (parameter examples, the body's named examples), for setting up state. */
  function exampleRequest(epoch: Epoch, operation: OperationModel, round: number): RequestPlan | undefined {
    const params: RequestPlan['pathParams'] = {};
    const names = pathParams(operation).map((p) => p.name);
    const binding = [...epoch.bindings].reverse().find((b) => names.every((name) => b[name] !== undefined));
    for (const parameter of pathParams(operation)) {
      const value = binding?.[parameter.name] ?? parameter.example;
      if (typeof value !== 'string') return undefined;
      params[parameter.name] = { value };
    }
    const media = operation.requestBody?.content[0];
    const examples = media?.examples ?? [];
    const body = media && (operation.requestBody?.required || examples.length > 0) ? examples[round % Math.max(1, examples.length)] : undefined;
    if (operation.requestBody?.required && body === undefined) return undefined;
    return {
      operation,
      method: operation.method,
      pathParams: params,
      query: '',
      headers: {},
      body: body === undefined ? undefined : { kind: 'json', value: structuredClone(body), contentType: media!.mediaType },
      mutation: 'setup',
      detail: 'from the spec examples',
      injected: [],
    };
  }

  /** One fuzzed request: an operation, a valid request for it, and (mostly) one mutation. */
  function draw(g: fc.GeneratorValue, epoch: Epoch): Drawn {
    const drawn = drawPlan(g, epoch);
    // Now and then no MS-RequestId at all (the server makes one up); otherwise a fresh one.
    return { ...drawn, requestIdFresh: g(() => fc.nat(19)) !== 0 };
  }

  function drawPlan(g: fc.GeneratorValue, epoch: Epoch): Drawn {
    const operation = g(() => fc.constantFrom(...model.operations));
    const context = { bindings: [...epoch.bindings], representations: epoch.representations, runnerHeaders: ['ms-requestid', 'authorization'] };
    const plan = g(() => validRequest(model, operation, context));
    const media = operation.requestBody?.content[0];
    const params = pathParams(operation);
    const headerParams = operation.parameters.filter((p) => p.in === 'header');
    const template = model.templates.find((t) => t.path === operation.path)!;
    const otherMethods = PROBE_METHODS.filter((m) => !template.methods.has(m));
    const kinds: fc.WeightedArbitrary<string>[] = [{ arbitrary: fc.constant('none'), weight: 8 }];
    if (media) {
      kinds.push(
        { arbitrary: fc.constant('body'), weight: 12 },
        { arbitrary: fc.constant('case-variant'), weight: 1 },
        { arbitrary: fc.constant('content-type'), weight: 1 },
        { arbitrary: fc.constant('malformed-json'), weight: 1 },
      );
      if (operation.requestBody?.required) kinds.push({ arbitrary: fc.constant('missing-body'), weight: 1 });
    }
    if (headerParams.length > 0) kinds.push({ arbitrary: fc.constant('header'), weight: 1 });
    if (params.length > 0) kinds.push({ arbitrary: fc.constant('path-id'), weight: 3 });
    if (otherMethods.length > 0) kinds.push({ arbitrary: fc.constant('method'), weight: 1 });
    kinds.push({ arbitrary: fc.constant('huge-header'), weight: 1 }, { arbitrary: fc.constant('authorization'), weight: 1 }, { arbitrary: fc.constant('query'), weight: 1 });
    if (epoch.writes.length > 0) {
      kinds.push({ arbitrary: fc.constant('replay'), weight: 1 });
      if (operation.method !== 'GET') kinds.push({ arbitrary: fc.constant('reuse-id'), weight: 1 });
    }
    const kind = g(() => fc.oneof(...kinds));
    const as = (changed: RequestPlan): Drawn => ({ plan: changed });
    switch (kind) {
      case 'none':
        return as(plan);
      case 'replay': {
        // A faithful retry of an earlier successful write: the same request under the same MS-RequestId.
        const earlier = g(() => fc.constantFrom(...epoch.writes));
        const route = model.route(earlier.wire.method, new URL(earlier.wire.path, 'http://127.0.0.1').pathname);
        const of = route.kind === 'operation' ? route.operation : operation;
        return { plan: { ...plan, operation: of, method: earlier.wire.method, mutation: 'replay', detail: `retry of ${earlier.wire.method} ${earlier.wire.path}` }, replayOf: earlier };
      }
      case 'reuse-id': {
        // Another request under the MS-RequestId of an earlier successful write.
        const earlier = g(() => fc.constantFrom(...epoch.writes));
        const id = earlier.wire.headers['ms-requestid']!;
        return { plan: { ...plan, headers: { ...plan.headers, 'ms-requestid': id }, mutation: 'reuse-id', detail: `the MS-RequestId of ${earlier.wire.method} ${earlier.wire.path}` }, reusedFrom: earlier };
      }
      case 'body': {
        const base = plan.body?.kind === 'json' ? plan.body.value : {};
        const mutation = g(() => bodyMutation(model, base, media!.schema));
        const contentType = plan.body?.contentType ?? media!.mediaType;
        return as({
          ...plan,
          body: { kind: 'json', value: mutation.value, contentType },
          mutation: mutation.kind,
          detail: mutation.detail,
          injected: mutation.injected ?? [],
        });
      }
      case 'case-variant': {
        // Valid: the API reads property names and enumeration values without regard to case.
        const style = g(() => fc.constantFrom('pascal' as const, 'upper' as const));
        if (plan.body?.kind !== 'json') return as(plan);
        return as({ ...plan, body: { ...plan.body, caseVariant: style }, mutation: 'case-variant', detail: style });
      }
      case 'content-type': {
        const contentType = g(() => fc.constantFrom(...CONTENT_TYPES));
        const value = plan.body?.kind === 'json' ? plan.body.value : {};
        return as({ ...plan, body: { kind: 'json', value, contentType }, mutation: 'content-type', detail: `Content-Type ${JSON.stringify(contentType)}` });
      }
      case 'malformed-json': {
        const text = plan.body ? serializeBody(model, plan.body, media!.schema) : '{}';
        const broken = g(() => malformedJson(text));
        return as({ ...plan, body: { kind: 'raw', text: broken, contentType: media!.mediaType }, mutation: 'malformed-json', detail: JSON.stringify(broken.slice(0, 120)) });
      }
      case 'missing-body':
        return as({ ...plan, body: undefined, mutation: 'missing-body', detail: 'no body' });
      case 'header': {
        const parameter = g(() => fc.constantFrom(...headerParams));
        // A header the runner fills itself (MS-RequestId) gets only values its schema refuses: a valid
        // one would be an id reused across requests, which the server rightly answers 422.
        const managed = context.runnerHeaders.includes(parameter.name.toLowerCase());
        const value = g(() => badHeaderValue(model, parameter).filter((v) => !managed || requestValidator.errors(parameter.schemaPointer, v).length > 0));
        return as({ ...plan, headers: { ...plan.headers, [parameter.name.toLowerCase()]: value }, mutation: 'header', detail: `${parameter.name}: ${JSON.stringify(value.slice(0, 80))}` });
      }
      case 'path-id': {
        const parameter = g(() => fc.constantFrom(...params));
        const others = [...new Set(epoch.bindings.flatMap((b) => Object.entries(b).filter(([name]) => name !== parameter.name).map(([, v]) => v)))].slice(-8);
        const value = g(() => badPathValue(model, parameter, others));
        return as({ ...plan, pathParams: { ...plan.pathParams, [parameter.name]: value }, mutation: 'path-id', detail: `${parameter.name} = ${JSON.stringify(value.value.slice(0, 80))}${value.raw ? ' (raw)' : ''}` });
      }
      case 'method': {
        const method = g(() => fc.constantFrom(...otherMethods));
        return as({ ...plan, method, mutation: 'method', detail: method });
      }
      case 'huge-header': {
        const size = g(() => fc.constantFrom(1_000, 8_000, 12_000, 17_500, 40_000, 100_000));
        return as({ ...plan, headers: { ...plan.headers, 'x-fuzz-padding': 'p'.repeat(size) }, mutation: 'huge-header', detail: `a ${size}-byte header` });
      }
      case 'authorization': {
        const value = g(() =>
          fc.constantFrom<string | null>(
            null,
            '',
            'Bearer',
            'Bearer garbage',
            'Basic dXNlcjpwYXNz',
            'Bearer a.b.c',
            `bearer ${tokens.partner}`,
            `Bearer ${tokens.partner}x`,
            `Bearer ${tokens.other}`,
            tokens.partner,
            `Bearer ${tokens.partner.split('.').slice(0, 2).join('.')}.`,
          ),
        );
        const shown = value === null ? 'none' : value.replace(tokens.partner, '<partner token>').replace(tokens.other, '<other partner token>');
        return as({ ...plan, headers: { ...plan.headers, authorization: value }, mutation: 'authorization', detail: shown });
      }
      case 'query': {
        const query = g(() => fc.constantFrom('x=1', 'customerId=00000000-0000-4000-8000-000000000000', '__proto__[polluted]=1', 'a=%ZZ', '$filter=1', 'x=1&x=2'));
        return as({ ...plan, query, mutation: 'query', detail: query });
      }
      default:
        throw new Error(`unknown mutation kind ${kind}`);
    }
  }

  const requested = Math.max(0, options.requests);
  let epochIndex = 0;
  let failure: Error | undefined;
  while (figures.requests < requested && !failure) {
    const epoch = await Epoch.start();
    try {
      for (let round = 0; round < 2; round++)
        for (const operation of model.operations) {
          const plan = exampleRequest(epoch, operation, round);
          if (plan) await execute(epoch, plan, 'setup');
        }
      const target = Math.min(requested, figures.requests + epochRequests);
      const runs = Math.ceil((target - figures.requests) / batchSize);
      const property = fc.asyncProperty(fc.gen(), async (g) => {
        // A request left out as a known bug does not count: draw another (within reason).
        const goal = Math.min(target, figures.requests + batchSize);
        for (let attempt = 0; figures.requests < goal && attempt < batchSize * 10; attempt++) {
          const drawn = draw(g, epoch);
          await execute(epoch, drawn.plan, 'fuzz', drawn);
        }
        if (liveness) {
          const path = fillPath(liveness.path, Object.fromEntries(pathParams(liveness).map((p) => [p.name, { value: String(p.example) }])));
          const alive = await oracleGet(epoch, path, `Bearer ${tokens.partner}`);
          if (alive instanceof Error || alive.status !== 200) violate('server no longer answers', `GET ${path} -> ${alive instanceof Error ? alive.message : alive.status}`);
        }
      });
      const details = await fc.check(property, { seed: epochSeed(options.seed, epochIndex), numRuns: runs, endOnFailure: true });
      if (details.failed) {
        const cause = details.errorInstance;
        failure = cause instanceof Error ? cause : new Error(String(cause));
      }
    } finally {
      await epoch.stop();
    }
    log(`epoch ${epochIndex}: ${figures.requests} requests, ${figures.violationCount} violations`);
    epochIndex++;
  }
  const report: FuzzReport = { seed: options.seed, durationMs: Math.round(performance.now() - started), ...figures };
  if (failure) {
    const error = new Error(
      `fuzz failed (FUZZ_SEED=${options.seed} FUZZ_RUNS=${options.requests} FUZZ_KNOWN_BUGS=${skipKnownBugs ? 'skip' : 'include'}; ` +
        `after ${figures.requests} requests, in epoch ${epochIndex - 1}):\n${failure.message}`,
    );
    (error as Error & { report?: FuzzReport }).report = report;
    if (!(failure instanceof FuzzFailure)) error.stack = `${error.message}\n${failure.stack ?? ''}`;
    throw error;
  }
  return report;
}

/** The seed of one epoch: distinct for every (seed, epoch) pair, so that two seeds never share an epoch. */
function epochSeed(seed: number, epoch: number): number {
  let x = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  return (x ^ (x >>> 15)) | 0;
}

function pathParams(operation: OperationModel) {
  return operation.parameters.filter((p) => p.in === 'path');
}

/** For each status, the schema the operations' responses use for it (for answers given outside every operation). */
function errorSchemas(model: SpecModel): Map<string, string> {
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
function appliedLeaf(injected: unknown, answer: unknown, path: PathSegment[]): string | undefined {
  let node: any = answer;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key];
  }
  if (node === undefined) return undefined;
  // Only values a server would not produce by itself tell: long strings, fractions, big numbers.
  const telling: { at: string; value: unknown; actual: unknown }[] = [];
  const walk = (value: unknown, actual: unknown, at: string): void => {
    if (typeof value === 'string' ? codePoints(value) >= 8 : typeof value === 'number' ? !Number.isInteger(value) || Math.abs(value) > 1e6 : false)
      telling.push({ at, value, actual });
    else if (value !== null && typeof value === 'object')
      for (const [key, child] of Object.entries(value)) walk(child, actual !== null && typeof actual === 'object' ? (actual as Record<string, unknown>)[key] : undefined, `${at}.${key}`);
  };
  walk(injected, node, path.join('.'));
  if (telling.length === 0 || !telling.every((t) => isDeepStrictEqual(t.value, t.actual))) return undefined;
  return `read-only ${telling.map((t) => `${t.at} = ${JSON.stringify(t.value)}`).join(', ')} came back as sent`;
}

const clip = (text: string, length = 600): string => (text.length > length ? `${text.slice(0, length)}… (${text.length} characters)` : text);

function describe(plan: RequestPlan, wire: WireRequest, verdict: Verdict, reply: Reply | Error | string, problems: string[] = []): string {
  const headers = Object.fromEntries(
    Object.entries(wire.headers).map(([name, value]) => [name, name === 'authorization' ? value.replace(/[\w-]+\.[\w-]+\.[\w-]*/, '<token>') : clip(value, 120)]),
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

/** The figures as lines of text. */
export function formatReport(report: FuzzReport, options: { compact?: boolean } = {}): string {
  const sorted = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `${key} ${count}`)
      .join(', ');
  const lines = [
    `fuzz: seed ${report.seed}, ${report.requests} requests (+${report.oracleRequests} oracle and set-up requests) in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  by operation: ${sorted(report.byOperation)}`,
    `  by status: ${sorted(report.byStatus)}`,
    `  by mutation: ${sorted(report.byMutation)}`,
    `  by verdict of the spec: ${sorted(report.byVerdict)}`,
    ...(options.compact ? [] : [`  by operation and status: ${sorted(report.byOperationStatus)}`, `  by verdict and status: ${sorted(report.byVerdictStatus)}`]),
    `  5xx: ${report.serverErrors}, spec violations: ${report.specViolations}, all violations: ${report.violationCount}`,
  ];
  if (Object.keys(report.skippedKnownBugs).length > 0) lines.push(`  left out (known bugs): ${sorted(report.skippedKnownBugs)}`);
  for (const violation of report.violations) lines.push(`\n[${report.violationsBySignature[violation.signature]}×] ${violation.signature}\n${violation.message}`);
  return lines.join('\n');
}

// Sending one request plan and applying the oracle to it: the plan put on the wire (a token, a fresh
// MS-RequestId), the spec's verdict, the answer judged (oracle.ts), and the checks that need the
// server's state: the database digest unchanged by an invalid request, retries and reuses of an
// MS-RequestId, read-only values not applied, a write's answer read back. Ids and representations in
// the answers are harvested for later requests.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { classify, type Verdict, type WireRequest } from './classify.ts';
import type { Drawn } from './draw-request.ts';
import { send, type Epoch, type Reply } from './epoch.ts';
import { bump } from './fuzz-report.ts';
import type { FuzzSession } from './fuzz-session.ts';
import { appliedLeaf, clip, describeExchange, judge, sameRequest } from './oracle.ts';
import { fillPath } from './spec-model.ts';
import { serializeBody, type RequestPlan } from './valid-requests.ts';

/** Sends one plan and judges it. */
export async function execute(
  session: FuzzSession,
  epoch: Epoch,
  plan: RequestPlan,
  kind: 'fuzz' | 'setup',
  how: Drawn = { plan },
): Promise<Reply | undefined> {
  const wire = how.replayOf ? how.replayOf.wire : toWire(session, plan, how.requestIdFresh ?? true);
  if (session.skipKnownBugs) {
    const bug = session.knownBugs.find((b) => b.matches(plan, wire));
    if (bug) {
      bump(session.figures.skippedKnownBugs, bug.id);
      return undefined;
    }
  }
  const verdict = classify(session.model, session.requestValidator, wire, session.limits);
  // The MS-RequestId contract: a faithful retry of a recorded write gets the recorded answer and
  // does nothing again; the same id on another request is refused with 422 and does nothing.
  const earlier = how.replayOf ?? how.reusedFrom;
  const tokenOf = (w: WireRequest): string | undefined =>
    /^\s*\S+ +(\S+)\s*$/.exec(w.headers['authorization'] ?? '')?.[1];
  const samePartner = earlier !== undefined && tokenOf(earlier.wire) === tokenOf(wire);
  const replay =
    earlier !== undefined && samePartner && verdict.verdict === 'valid' && sameRequest(earlier, wire, verdict)
      ? earlier
      : undefined;
  const refused = earlier !== undefined && samePartner && verdict.verdict === 'valid' && !replay;
  const unchanged = verdict.verdict === 'invalid' || replay !== undefined || refused;
  if (unchanged && epoch.lastDigest === undefined) epoch.lastDigest = epoch.digest.digest();
  const reply = await send(epoch, wire);
  if (kind === 'fuzz') {
    session.figures.requests++;
    const operation =
      verdict.route.kind === 'operation'
        ? verdict.route.operation.operationId
        : `(off route) ${plan.operation.operationId}`;
    const status = reply instanceof Error ? 'no answer' : String(reply.status);
    bump(session.figures.byOperation, operation);
    bump(session.figures.byStatus, status);
    bump(session.figures.byOperationStatus, `${operation} ${status}`);
    bump(session.figures.byVerdictStatus, `${verdict.verdict} ${status}`);
    bump(session.figures.byMutation, plan.mutation);
    bump(session.figures.byVerdict, verdict.verdict);
  } else session.figures.oracleRequests++;
  judge(session, plan, wire, verdict, reply, refused ? [422] : []);
  if (!(reply instanceof Error)) {
    if (replay) {
      const problems: string[] = [];
      if (reply.status !== replay.reply.status)
        problems.push(`status ${reply.status}, the first answer was ${replay.reply.status}`);
      if (!isDeepStrictEqual(reply.body, replay.reply.body))
        problems.push(`a body other than the first answer's: ${clip(replay.reply.text)}`);
      if (reply.headers.get('idempotent-replayed') !== 'true') problems.push('no "Idempotent-Replayed: true"');
      if (problems.length > 0)
        session.violate(
          `retry with the same MS-RequestId not replayed: ${plan.operation.operationId}`,
          describeExchange(plan, wire, verdict, reply, problems),
        );
    } else if (refused && reply.status !== 422) {
      session.violate(
        `MS-RequestId reused for another request not refused: ${plan.operation.operationId} -> ${reply.status}`,
        describeExchange(plan, wire, verdict, reply, [
          `the id was first used for ${earlier!.wire.method} ${earlier!.wire.path}`,
        ]),
      );
    }
  }
  if (unchanged) {
    const after = epoch.digest.digest();
    if (after !== epoch.lastDigest) {
      const what =
        verdict.verdict === 'invalid'
          ? 'an invalid request'
          : replay
            ? 'a replayed request'
            : 'a request reusing an MS-RequestId';
      session.violate(
        `state changed by ${what}: ${plan.operation.operationId} ${plan.mutation}`,
        describeExchange(plan, wire, verdict, reply),
      );
    }
    epoch.lastDigest = after;
  } else epoch.lastDigest = undefined; // a valid request may change state
  if (reply instanceof Error || reply.status < 200 || reply.status >= 300)
    return reply instanceof Error ? undefined : reply;

  harvest(session, epoch, reply.body);
  if (replay || refused) return reply;
  // An unknown property is ignored, as Partner Center does, but never silently: the answer names it.
  if (plan.mutation === 'unknown-property' && !reply.headers.get('sandbox-ignored-properties')) {
    session.violate(
      `ignored property not named: ${plan.operation.operationId} ${plan.mutation}`,
      describeExchange(plan, wire, verdict, reply, [`${plan.detail}, and no Sandbox-Ignored-Properties header`]),
    );
  }
  if (wire.method !== 'GET' && wire.headers['ms-requestid'] !== undefined && verdict.verdict === 'valid')
    epoch.rememberWrite({ wire, reply, body: verdict.body });
  if (plan.injected.length > 0) {
    for (const { path, value } of plan.injected) {
      const applied = appliedLeaf(value, reply.body, path);
      if (applied)
        session.violate(
          `read-only value applied: ${plan.operation.operationId} ${path.join('.')}`,
          describeExchange(plan, wire, verdict, reply, [applied]),
        );
    }
  }
  if (plan.method !== 'GET' && verdict.route.kind === 'operation')
    await readBack(session, epoch, plan, wire, verdict, reply);
  return reply;
}

/**
 * The plan as it goes on the wire: the partner's token unless the plan sets one, a fresh MS-RequestId unless told
 * otherwise.
 */
function toWire(session: FuzzSession, plan: RequestPlan, requestIdFresh: boolean): WireRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(plan.headers)) if (value !== null) headers[name.toLowerCase()] = value;
  if (!('authorization' in plan.headers)) headers['authorization'] = `Bearer ${session.tokens.partner}`;
  // A fresh MS-RequestId for every request: a reused one would be an idempotent replay.
  if (!('ms-requestid' in plan.headers) && requestIdFresh) headers['ms-requestid'] = randomUUID();
  let body: string | undefined;
  if (plan.body && plan.method !== 'GET' && plan.method !== 'HEAD') {
    body = serializeBody(session.model, plan.body, plan.operation.requestBody?.content[0]?.schema);
    if (plan.body.contentType !== null) headers['content-type'] = plan.body.contentType;
  }
  const path = fillPath(plan.operation.path, plan.pathParams) + (plan.query ? `?${plan.query}` : '');
  return { method: plan.method, path, headers, body };
}

/** Ids (path parameters) and representations from an answer's links, for later requests. */
function harvest(session: FuzzSession, epoch: Epoch, body: unknown): void {
  const visit = (node: unknown, depth: number): void => {
    if (depth > 12 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((item) => visit(item, depth + 1));
    const record = node as Record<string, any>;
    const self = record['links']?.self?.uri;
    if (typeof self === 'string') {
      const found = session.model.bindingsOf(self);
      if (found) {
        epoch.remember(found.params);
        const path = fillPath(
          found.template,
          Object.fromEntries(Object.entries(found.params).map(([k, v]) => [k, { value: v }])),
        );
        epoch.representations.set(path, record);
        if (epoch.representations.size > 64) epoch.representations.delete(epoch.representations.keys().next().value!);
      }
    }
    for (const [key, value] of Object.entries(record)) {
      if (key === 'uri' && typeof value === 'string') {
        const found = session.model.bindingsOf(value);
        if (found) epoch.remember(found.params);
      } else visit(value, depth + 1);
    }
  };
  visit(body, 0);
}

/** A GET the oracle sends itself (a read-back, a liveness check), counted apart from the fuzzed requests. */
export async function oracleGet(
  session: FuzzSession,
  epoch: Epoch,
  path: string,
  authorization: string,
): Promise<Reply | Error> {
  session.figures.oracleRequests++;
  return send(epoch, {
    method: 'GET',
    path,
    headers: { authorization, 'ms-requestid': randomUUID() },
    body: undefined,
  });
}

/** A write's answer is what a GET of its `links.self` returns. */
async function readBack(
  session: FuzzSession,
  epoch: Epoch,
  plan: RequestPlan,
  wire: WireRequest,
  verdict: Verdict,
  reply: Reply,
): Promise<void> {
  const self = (reply.body as { links?: { self?: { uri?: unknown } } } | undefined)?.links?.self?.uri;
  if (typeof self !== 'string') return;
  const found = session.model.bindingsOf(self);
  if (!found || !session.model.templates.find((t) => t.path === found.template)?.methods.has('GET')) return;
  const path = fillPath(
    found.template,
    Object.fromEntries(Object.entries(found.params).map(([k, v]) => [k, { value: v }])),
  );
  const again = await oracleGet(session, epoch, path, wire.headers['authorization'] ?? '');
  if (again instanceof Error || again.status !== 200 || !isDeepStrictEqual(again.body, reply.body)) {
    session.violate(
      `read-back differs: ${plan.operation.operationId}`,
      describeExchange(plan, wire, verdict, reply, [
        `GET ${path} answered ${again instanceof Error ? again.message : `${again.status} ${again.text.slice(0, 1500)}`}`,
      ]),
    );
  }
}

// What the runner sends: the set-up requests built from the spec's examples, and each fuzzed request
// drawn by fast-check (an operation, a valid request for it, and mostly one mutation: of the body,
// the content type, a header, a path id, the method, the credential, the query; or a retry or reuse
// of an earlier write's MS-RequestId).
import fc from 'fast-check';
import type { Epoch, StoredWrite } from './epoch.ts';
import type { FuzzSession } from './fuzz-session.ts';
import {
  badHeaderValue,
  badPathValue,
  bodyMutation,
  CONTENT_TYPES,
  malformedJson,
  PROBE_METHODS,
} from './mutations.ts';
import { pathParams, type OperationModel } from './spec-model.ts';
import { serializeBody, validRequest, type RequestPlan } from './valid-requests.ts';

/** A drawn request: a plan, or a retry of an earlier write, or a plan reusing an earlier write's MS-RequestId. */
export interface Drawn {
  plan: RequestPlan;
  requestIdFresh?: boolean;
  replayOf?: StoredWrite;
  reusedFrom?: StoredWrite;
}

/**
 * A valid request built from the spec's examples (parameter examples, the body's named examples), for setting up state.
 */
export function exampleRequest(epoch: Epoch, operation: OperationModel, round: number): RequestPlan | undefined {
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
  const body =
    media && (operation.requestBody?.required || examples.length > 0)
      ? examples[round % Math.max(1, examples.length)]
      : undefined;
  if (operation.requestBody?.required && body === undefined) return undefined;
  return {
    operation,
    method: operation.method,
    pathParams: params,
    query: '',
    headers: {},
    body:
      body === undefined ? undefined : { kind: 'json', value: structuredClone(body), contentType: media!.mediaType },
    mutation: 'setup',
    detail: 'from the spec examples',
    injected: [],
  };
}

/** One fuzzed request: an operation, a valid request for it, and (mostly) one mutation. */
export function draw(session: FuzzSession, g: fc.GeneratorValue, epoch: Epoch): Drawn {
  const drawn = drawPlan(session, g, epoch);
  // Now and then no MS-RequestId at all (the server makes one up); otherwise a fresh one.
  return { ...drawn, requestIdFresh: g(() => fc.nat(19)) !== 0 };
}

function drawPlan(session: FuzzSession, g: fc.GeneratorValue, epoch: Epoch): Drawn {
  const operation = g(() => fc.constantFrom(...session.model.operations));
  const context = {
    bindings: [...epoch.bindings],
    representations: epoch.representations,
    runnerHeaders: ['ms-requestid', 'authorization'],
  };
  const plan = g(() => validRequest(session.model, operation, context));
  const media = operation.requestBody?.content[0];
  const params = pathParams(operation);
  const headerParams = operation.parameters.filter((p) => p.in === 'header');
  const template = session.model.templates.find((t) => t.path === operation.path)!;
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
  kinds.push(
    { arbitrary: fc.constant('huge-header'), weight: 1 },
    { arbitrary: fc.constant('authorization'), weight: 1 },
    { arbitrary: fc.constant('query'), weight: 1 },
  );
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
      const route = session.model.route(earlier.wire.method, new URL(earlier.wire.path, 'http://127.0.0.1').pathname);
      const of = route.kind === 'operation' ? route.operation : operation;
      return {
        plan: {
          ...plan,
          operation: of,
          method: earlier.wire.method,
          mutation: 'replay',
          detail: `retry of ${earlier.wire.method} ${earlier.wire.path}`,
        },
        replayOf: earlier,
      };
    }
    case 'reuse-id': {
      // Another request under the MS-RequestId of an earlier successful write.
      const earlier = g(() => fc.constantFrom(...epoch.writes));
      const id = earlier.wire.headers['ms-requestid']!;
      return {
        plan: {
          ...plan,
          headers: { ...plan.headers, 'ms-requestid': id },
          mutation: 'reuse-id',
          detail: `the MS-RequestId of ${earlier.wire.method} ${earlier.wire.path}`,
        },
        reusedFrom: earlier,
      };
    }
    case 'body': {
      const base = plan.body?.kind === 'json' ? plan.body.value : {};
      const mutation = g(() => bodyMutation(session.model, base, media!.schema));
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
      return as({
        ...plan,
        body: { kind: 'json', value, contentType },
        mutation: 'content-type',
        detail: `Content-Type ${JSON.stringify(contentType)}`,
      });
    }
    case 'malformed-json': {
      const text = plan.body ? serializeBody(session.model, plan.body, media!.schema) : '{}';
      const broken = g(() => malformedJson(text));
      return as({
        ...plan,
        body: { kind: 'raw', text: broken, contentType: media!.mediaType },
        mutation: 'malformed-json',
        detail: JSON.stringify(broken.slice(0, 120)),
      });
    }
    case 'missing-body':
      return as({ ...plan, body: undefined, mutation: 'missing-body', detail: 'no body' });
    case 'header': {
      const parameter = g(() => fc.constantFrom(...headerParams));
      // A header the runner fills itself (MS-RequestId) gets only values its schema refuses: a valid
      // one would be an id reused across requests, which the server rightly answers 422.
      const managed = context.runnerHeaders.includes(parameter.name.toLowerCase());
      const value = g(() =>
        badHeaderValue(session.model, parameter).filter(
          (v) => !managed || session.requestValidator.errors(parameter.schemaPointer, v).length > 0,
        ),
      );
      return as({
        ...plan,
        headers: { ...plan.headers, [parameter.name.toLowerCase()]: value },
        mutation: 'header',
        detail: `${parameter.name}: ${JSON.stringify(value.slice(0, 80))}`,
      });
    }
    case 'path-id': {
      const parameter = g(() => fc.constantFrom(...params));
      const others = [
        ...new Set(
          epoch.bindings.flatMap((b) =>
            Object.entries(b)
              .filter(([name]) => name !== parameter.name)
              .map(([, v]) => v),
          ),
        ),
      ].slice(-8);
      const value = g(() => badPathValue(session.model, parameter, others));
      return as({
        ...plan,
        pathParams: { ...plan.pathParams, [parameter.name]: value },
        mutation: 'path-id',
        detail: `${parameter.name} = ${JSON.stringify(value.value.slice(0, 80))}${value.raw ? ' (raw)' : ''}`,
      });
    }
    case 'method': {
      const method = g(() => fc.constantFrom(...otherMethods));
      return as({ ...plan, method, mutation: 'method', detail: method });
    }
    case 'huge-header': {
      const size = g(() => fc.constantFrom(1_000, 8_000, 12_000, 17_500, 40_000, 100_000));
      return as({
        ...plan,
        headers: { ...plan.headers, 'x-fuzz-padding': 'p'.repeat(size) },
        mutation: 'huge-header',
        detail: `a ${size}-byte header`,
      });
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
          `bearer ${session.tokens.partner}`,
          `Bearer ${session.tokens.partner}x`,
          `Bearer ${session.tokens.other}`,
          session.tokens.partner,
          `Bearer ${session.tokens.partner.split('.').slice(0, 2).join('.')}.`,
        ),
      );
      const shown =
        value === null
          ? 'none'
          : value
              .replace(session.tokens.partner, '<partner token>')
              .replace(session.tokens.other, '<other partner token>');
      return as({
        ...plan,
        headers: { ...plan.headers, authorization: value },
        mutation: 'authorization',
        detail: shown,
      });
    }
    case 'query': {
      const query = g(() =>
        fc.constantFrom(
          'x=1',
          'customerId=00000000-0000-4000-8000-000000000000',
          '__proto__[polluted]=1',
          'a=%ZZ',
          '$filter=1',
          'x=1&x=2',
        ),
      );
      return as({ ...plan, query, mutation: 'query', detail: query });
    }
    default:
      throw new Error(`unknown mutation kind ${kind}`);
  }
}

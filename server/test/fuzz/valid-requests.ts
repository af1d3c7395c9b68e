// Valid requests for an operation, as plans (what to send, before the runner puts it on the wire):
// path parameters from ids the server gave out, optional headers, and bodies drawn from the spec's
// examples, from the schema, or sent back from a GET (the documented GET-change-PUT flow). Also how a
// plan's JSON body is serialized (RawJson spliced in, property names respelled for a case variant).
// mutations.ts then breaks one thing in such a plan.
import fc from 'fast-check';
import type { Schema } from './flat-schema.ts';
import { defineData, jsonClone, RawJson, setAt, type PathSegment } from './json-values.ts';
import { fillPath, type MediaModel, type OperationModel, type PathParamValues, type SpecModel } from './spec-model.ts';

export type BodyPlan =
  | {
      kind: 'json';
      /** The body as the spec reads it (canonical property names); `caseVariant` respells it on the wire. */
      value: unknown;
      contentType: string | null;
      caseVariant?: 'pascal' | 'upper';
    }
  | { kind: 'raw'; text: string; contentType: string | null };

export interface RequestPlan {
  /** The operation the request was made for (a mutation may take it off the operation's route). */
  operation: OperationModel;
  method: string;
  /** Path parameter values; `raw` ones go into the path as they are, the others percent-encoded. */
  pathParams: PathParamValues;
  query: string;
  /** Header values by lower-case name; null: leave the header out. `authorization` absent: the runner's token. */
  headers: Record<string, string | null>;
  body: BodyPlan | undefined;
  /** The mutation applied ('none' for a valid request as generated). */
  mutation: string;
  detail: string;
  /** Read-only values set in the body (the server must not apply them). */
  injected: { path: PathSegment[]; value: unknown }[];
}

/** What a request generator may use from the server's state: ids seen in answers, and representations. */
export interface RequestContext {
  /** Path parameter values seen together in answers' links (e.g. a customer id with a cart id). */
  bindings: readonly Record<string, string>[];
  /** The last representation seen of a resource, by its path. */
  representations: ReadonlyMap<string, unknown>;
  /** Header parameters the runner fills itself (a fresh MS-RequestId per request). */
  runnerHeaders: readonly string[];
}

/** Sends a JSON value, splicing RawJson in and, for a case variant, respelling property names and enum values. */
export function serializeBody(model: SpecModel, body: BodyPlan, schema: Schema | undefined): string {
  if (body.kind === 'raw') return body.text;
  const value = body.caseVariant ? respell(model, body.value, schema, body.caseVariant) : body.value;
  const raws: string[] = [];
  const nonce = `RAWJSON${Math.random().toString(36).slice(2)}`;
  const text = JSON.stringify(value, (_key, v) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `${nonce}_${raws.length - 1}`;
    }
    return v;
  });
  if (raws.length === 0) return text ?? '';
  return (text ?? '').replace(
    new RegExp(`"${nonce}_(\\d+)"`, 'g'),
    (_, index: string) => raws[Number(index)] ?? 'null',
  );
}

/** The same value with declared property names and enumeration values in another case (the API reads both). */
function respell(model: SpecModel, value: unknown, schema: Schema | undefined, style: 'pascal' | 'upper'): unknown {
  const change = (text: string): string =>
    style === 'upper' ? text.toUpperCase() : text.charAt(0).toUpperCase() + text.slice(1);
  if (value instanceof RawJson) return value;
  const flat = model.flattenFor(schema, value);
  if (typeof value === 'string') {
    const enumValues = [
      ...(flat.enum ?? []),
      ...flat.alternatives.flat().flatMap((member) => model.flatten(member).enum ?? []),
    ];
    return enumValues.includes(value) ? change(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => respell(model, item, flat.items, style));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const declared = Object.hasOwn(flat.properties, key);
    const childSchema = model.childSchema(flat, value, key);
    defineData(out, declared ? change(key) : key, childSchema ? respell(model, child, childSchema, style) : child);
  }
  return out;
}

/** null most of the time; a value once in `1 + odds` draws. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, odds = 5): fc.Arbitrary<T | null> {
  return fc.oneof({ arbitrary: fc.constant(null), weight: odds }, { arbitrary, weight: 1 });
}

function jsonMedia(operation: OperationModel): MediaModel | undefined {
  return (
    operation.requestBody?.content.find((media) =>
      /^application\/(.+\+)?json$/i.test(media.mediaType.split(';')[0]!.trim()),
    ) ?? operation.requestBody?.content[0]
  );
}

/**
 * A valid request for `operation`: path parameters from ids the server gave out (or made up from
 * their schemas), optional headers from theirs, and a body drawn from the operation's own examples,
 * from its schema, or (when the same path has a GET answering the very schema the body takes) the
 * last representation read there, sent back whole with one writable value changed: the documented
 * GET-change-PUT flow.
 */
export function validRequest(
  model: SpecModel,
  operation: OperationModel,
  context: RequestContext,
): fc.Arbitrary<RequestPlan> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const names = pathParameters.map((p) => p.name);
  const fitting = context.bindings.filter((binding) => names.every((name) => binding[name] !== undefined));
  const madeUp = fc.record(
    Object.fromEntries(pathParameters.map((p) => [p.name, model.arbitrary(p.schema) as fc.Arbitrary<unknown>])),
  );
  const fromBindings =
    fitting.length > 0
      ? fc
          .tuple(
            fc.constantFrom(...fitting),
            fc.record(Object.fromEntries(pathParameters.map((p) => [p.name, rarely(model.arbitrary(p.schema))]))),
          )
          .map(([binding, overrides]) =>
            Object.fromEntries(names.map((name) => [name, overrides[name] ?? binding[name]])),
          )
      : madeUp;
  const params = fc
    .oneof({ arbitrary: fromBindings, weight: 4 }, { arbitrary: madeUp, weight: 1 })
    .map((values) =>
      Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value: String(value) }])),
    );

  const headerParameters = operation.parameters.filter(
    (p) => p.in === 'header' && !context.runnerHeaders.includes(p.name.toLowerCase()),
  );
  const headers = fc.record(
    Object.fromEntries(
      headerParameters.map((p) => [
        p.name.toLowerCase(),
        p.required
          ? model.arbitrary(p.schema, { headerSafe: true }).map(String)
          : rarely(model.arbitrary(p.schema, { headerSafe: true }).map(String), 2),
      ]),
    ),
  ) as fc.Arbitrary<Record<string, string | null>>;

  const media = jsonMedia(operation);
  let body: fc.Arbitrary<BodyPlan | undefined> = fc.constant(undefined);
  if (media) {
    const generated = model.arbitrary(media.schema);
    const choices: fc.WeightedArbitrary<unknown>[] = [{ arbitrary: generated, weight: 4 }];
    if (media.examples.length > 0)
      choices.push({ arbitrary: fc.constantFrom(...media.examples.map((e) => structuredClone(e))), weight: 2 });
    const asBody = fc
      .oneof(...choices)
      .map((value): BodyPlan => ({ kind: 'json', value, contentType: media.mediaType }));
    body = operation.requestBody?.required ? asBody : fc.option(asBody, { freq: 2, nil: undefined });
  }

  const base = fc.record({ pathParams: params, headers, body }).map((parts): RequestPlan => ({
    operation,
    method: operation.method,
    pathParams: parts.pathParams,
    query: '',
    headers: parts.headers,
    body: parts.body,
    mutation: 'none',
    detail: '',
    injected: [],
  }));

  const roundTrips = media ? roundTripSources(model, operation, media, context) : [];
  if (roundTrips.length === 0) return base;
  const roundTrip = fc.constantFrom(...roundTrips).chain(({ params: values, representation }) => {
    // Change one writable leaf of what was read; read-only values go back exactly as they came.
    const sites = model
      .sites(representation, media!.schema)
      .filter((site) => site.path.length > 0 && !underReadOnly(model, representation, media!.schema, site.path));
    const leaves = sites.filter((site) => site.value === null || typeof site.value !== 'object');
    const change =
      leaves.length > 0
        ? fc.option(
            fc.constantFrom(...leaves).chain((site) => model.arbitrary(site.schema).map((value) => ({ site, value }))),
          )
        : fc.constant(null);
    return fc.tuple(headers, change).map(([headerValues, changed]): RequestPlan => {
      const value = changed ? setAt(representation, changed.site.path, changed.value) : jsonClone(representation);
      return {
        operation,
        method: operation.method,
        pathParams: Object.fromEntries(Object.entries(values).map(([name, v]) => [name, { value: v }])),
        query: '',
        headers: headerValues,
        body: { kind: 'json', value, contentType: media!.mediaType },
        mutation: 'none',
        detail: changed ? `round trip, ${changed.site.path.join('.')} changed` : 'round trip, unchanged',
        injected: [],
      };
    });
  });
  return fc.oneof({ arbitrary: base, weight: 3 }, { arbitrary: roundTrip, weight: 1 });
}

/** Representations read from this operation's path by a GET whose 200 answer has the body's schema. */
function roundTripSources(
  model: SpecModel,
  operation: OperationModel,
  media: MediaModel,
  context: RequestContext,
): { params: Record<string, string>; representation: unknown }[] {
  const template = model.templates.find((t) => t.path === operation.path);
  const get = template?.methods.get('GET');
  const answer = get?.responses.get('200')?.content.find((m) => m.mediaType === media.mediaType);
  if (!answer || !sameSchema(model, answer.schema, media.schema)) return [];
  const out: { params: Record<string, string>; representation: unknown }[] = [];
  for (const binding of context.bindings) {
    const names = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
    if (!names.every((name) => binding[name] !== undefined)) continue;
    const params = Object.fromEntries(names.map((name) => [name, binding[name]!]));
    const representation = context.representations.get(
      fillPath(operation.path, Object.fromEntries(names.map((n) => [n, { value: params[n]! }]))),
    );
    if (representation !== undefined) out.push({ params, representation });
  }
  return out;
}

function sameSchema(model: SpecModel, a: Schema, b: Schema): boolean {
  return a === b || (typeof a.$ref === 'string' && a.$ref === b.$ref) || model.flatten(a) === model.flatten(b);
}

function underReadOnly(model: SpecModel, root: unknown, schema: Schema, path: PathSegment[]): boolean {
  let value: any = root;
  let current: Schema | undefined = schema;
  for (const key of path) {
    const flat = model.flattenFor(current, value);
    current = model.childSchema(flat, value, key);
    if (!current || model.isReadOnly(current)) return true;
    value = value?.[key];
  }
  return false;
}

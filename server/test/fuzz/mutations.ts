// The mutation layer: one thing broken in a valid request. Body mutations are schema-aware (a missing
// required property, a wrong type, an unknown property, a value out of range, an oversized string or
// array, an odd Unicode string, a `__proto__` or `constructor` key, deep nesting), or set a read-only
// property, which the API's documented GET-change-PUT flow makes valid (the value is ignored). The
// rest is raw material for the runner's other mutations: malformed JSON, wrong content types, bad
// path ids and header values, and methods a path does not have.
import fc from 'fast-check';
import { inferTypes, intersectTypes, typeAllows, type Schema } from './flat-schema.ts';
import { cloneWithRaw, codePoints, defineData, jsonClone, RawJson, setAt, type PathSegment } from './json-values.ts';
import type { ParameterModel, Site, SpecModel } from './spec-model.ts';
import { isHeaderSafe, MAX_DEPTH } from './value-arbitraries.ts';

/**
 * Methods the mutation layer tries on a path that does not declare them (HEAD and TRACE are left out: no body to
 * check).
 */
export const PROBE_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * Strings that stress text handling: lone surrogates, NUL, bidirectional controls, combining marks, emoji, case-folding
 * oddities.
 */
export const ODD_UNICODE = [
  '\uD800',
  '\uDFFF',
  '\uDBFF\uDBFF',
  '\u0000',
  '\u202E',
  '\u200F',
  '\u061C',
  'e\u0301',
  'a\u0300\u0301\u0302\u0303\u0304',
  '\uFEFF',
  '\uFFFE',
  '\uFFFF',
  '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}',
  '\u{1F1EB}\u{1F1F7}',
  '\u{1D54F}',
  '\u200B',
  '\u00A0',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u0130',
  '\u0131',
  '\u00DF',
  '\u212A',
  '\uFB00',
  '\u007F',
  '\u001B[31m',
  '\\',
  '"',
  '</script>',
  '%00',
  '${jndi:ldap://x}',
  "' OR '1'='1",
  '\u0000\u0000\u0000',
  '\u{10FFFF}',
  '\uFDD0',
];

const oddString: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { arbitrary: fc.constantFrom(...ODD_UNICODE), weight: 3 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 3 }), weight: 1 },
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((parts) => parts.join(''));

/** Property names that JavaScript objects treat specially. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'isPrototypeOf',
];

const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, '', 'text', [], {}, { a: 1 }, [1, 'two']),
  fc.jsonValue({ maxDepth: 2 }),
);

const WRONG_TYPED: unknown[] = [null, true, false, 0, 42, -7, 4.5, '', 'text', '1', 'true', [], [1], {}, { a: 1 }];

export interface BodyMutation {
  kind: string;
  value: unknown;
  detail: string;
  injected?: { path: PathSegment[]; value: unknown }[];
}

const describePath = (path: PathSegment[]): string => (path.length === 0 ? 'body' : `body.${path.join('.')}`);

/**
 * One schema-aware change to a valid body. Every kind is offered where the schema gives it a place:
 * a required property to remove, a type to break, a closed object to add to, a read-only property to
 * set, a bound to cross, a string to make odd, an object to give a prototype key, or any node to nest
 * deeply.
 */
export function bodyMutation(model: SpecModel, value: unknown, schema: Schema): fc.Arbitrary<BodyMutation> {
  const sites = model.sites(value, schema);
  const objects = sites.filter(
    (site) => site.value !== null && typeof site.value === 'object' && !Array.isArray(site.value),
  );
  const choices: fc.WeightedArbitrary<BodyMutation>[] = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<BodyMutation> | undefined): void => {
    if (arbitrary) choices.push({ arbitrary, weight });
  };

  const removable = objects.flatMap((site) =>
    site.flat.required
      .filter((name) => Object.hasOwn(site.value as object, name) && !model.isReadOnly(site.flat.properties[name]))
      .map((name) => ({ site, name })),
  );
  if (removable.length > 0)
    add(
      3,
      fc.constantFrom(...removable).map(({ site, name }) => ({
        kind: 'missing-required',
        value: setAt(value, [...site.path, name], undefined),
        detail: `${describePath(site.path)} without ${name}`,
      })),
    );

  const typed = sites.filter((site) => (site.flat.types ?? []).length > 0 || site.flat.alternatives.length > 0);
  if (typed.length > 0)
    add(
      3,
      fc
        .tuple(fc.constantFrom(...typed), fc.constantFrom(...WRONG_TYPED))
        .filter(
          ([site, wrong]) =>
            !typeAllows(
              model.flatten(site.schema).alternatives.length > 0 ? allowedTypes(model, site.schema) : site.flat.types,
              wrong,
            ),
        )
        .map(([site, wrong]) => ({
          kind: 'wrong-type',
          value: setAt(value, site.path, wrong),
          detail: `${describePath(site.path)} = ${JSON.stringify(wrong)}`,
        })),
    );

  const closed = objects.filter((site) => site.flat.additionalProperties === false);
  if (closed.length > 0) {
    const names = fc.oneof(
      fc.constantFrom('extra', 'colour', 'lineItem', 'Id2', '$type', '@odata.type', 'x'),
      fc.string({ minLength: 1, maxLength: 12 }),
    );
    add(
      3,
      fc
        .tuple(fc.constantFrom(...closed), names, anyJson)
        // null is the same as absent, so a null extra is no unknown property (that is the null-property mutation's).
        .filter(
          ([site, name, extra]) =>
            extra !== null &&
            !Object.keys(site.flat.properties).some((declared) => declared.toLowerCase() === name.toLowerCase()),
        )
        .map(([site, name, extra]) => ({
          kind: 'unknown-property',
          value: setAt(value, [...site.path, name], extra),
          detail: `${describePath(site.path)}.${name} added`,
        })),
    );
  }

  // null is the same as absent (the .NET SDK writes every unset property as null): valid unless the property is
  // required.
  const present = objects.flatMap((site) => Object.keys(site.value as object).map((name) => ({ site, name })));
  if (present.length > 0)
    add(
      2,
      fc.constantFrom(...present).map(({ site, name }) => ({
        kind: 'null-property',
        value: setAt(value, [...site.path, name], null),
        detail: `${describePath(site.path)}.${name} = null`,
      })),
    );

  const withReadOnly = objects.flatMap((site) =>
    Object.entries(site.flat.properties)
      .filter(([, s]) => model.isReadOnly(s))
      .map(([name, s]) => ({ site, name, schema: s })),
  );
  if (withReadOnly.length > 0)
    add(
      3,
      fc.constantFrom(...withReadOnly).chain(({ site, name, schema: propertySchema }) =>
        model.arbitrary(propertySchema, { noExamples: true }).map((injected) => ({
          kind: 'read-only-set',
          value: setAt(value, [...site.path, name], injected),
          detail: `${describePath(site.path)}.${name} = ${JSON.stringify(injected)?.slice(0, 80)}`,
          injected: [{ path: [...site.path, name], value: injected }],
        })),
      ),
    );

  const bounded = sites.flatMap((site) => boundViolations(model, site).map((violation) => ({ site, ...violation })));
  for (const kind of ['out-of-range', 'oversized', 'undersized'] as const) {
    const ofKind = bounded.filter((b) => b.kind === kind);
    if (ofKind.length > 0)
      add(
        kind === 'oversized' ? 2 : 3,
        fc.constantFrom(...ofKind).chain((b) =>
          b.arbitrary.map((broken) => ({
            kind,
            value: setAt(value, b.site.path, broken),
            detail: `${describePath(b.site.path)}: ${b.what}`,
          })),
        ),
      );
  }

  const strings = sites.filter((site) => typeof site.value === 'string' || (site.flat.types ?? []).includes('string'));
  if (strings.length > 0)
    add(
      3,
      fc
        .tuple(fc.constantFrom(...strings), oddString, fc.constantFrom('replace', 'prefix', 'suffix'))
        .map(([site, odd, how]) => {
          const original = typeof site.value === 'string' ? site.value : '';
          const text = how === 'replace' ? odd : how === 'prefix' ? odd + original : original + odd;
          return {
            kind: 'odd-unicode',
            value: setAt(value, site.path, text),
            detail: `${describePath(site.path)} = ${JSON.stringify(text)}`,
          };
        }),
    );
  if (objects.length > 0) {
    add(
      1,
      fc.tuple(fc.constantFrom(...objects), oddString, anyJson).map(([site, name, extra]) => ({
        kind: 'odd-unicode',
        value: setAt(value, [...site.path, name], extra),
        detail: `${describePath(site.path)}[${JSON.stringify(name)}] added`,
      })),
    );
    add(
      3,
      fc
        .tuple(
          fc.constantFrom(...objects),
          fc.constantFrom(...PROTOTYPE_KEYS),
          fc.constantFrom<unknown>({}, { polluted: true }, 'x', 1, null, [], { isAdmin: true, toString: 'x' }),
        )
        .map(([site, name, extra]) => ({
          kind: 'prototype-key',
          value: setAt(value, [...site.path, name], extra),
          detail: `${describePath(site.path)}.${name} = ${JSON.stringify(extra)}`,
        })),
    );
  }

  add(
    1,
    fc
      .tuple(fc.constantFrom(...sites), fc.constantFrom(65, 1000, 10_000, 100_000), fc.boolean())
      .map(([site, depth, arrays]) => ({
        kind: 'deep-nesting',
        value: setAt(
          value,
          site.path,
          new RawJson(
            arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
          ),
        ),
        detail: `${describePath(site.path)} nested ${depth} deep in ${arrays ? 'arrays' : 'objects'}`,
      })),
  );
  return fc.oneof(...choices);
}

function allowedTypes(model: SpecModel, schema: Schema): string[] | undefined {
  const flat = model.flatten(schema);
  if (flat.alternatives.length === 0) return flat.types;
  const out = new Set<string>();
  for (const group of flat.alternatives)
    for (const member of group)
      for (const type of intersectTypes(flat.types, model.flatten(member).types ?? inferTypes(model.flatten(member))))
        out.add(type);
  return [...out];
}

/** Values that break one bound of the site's schema: numbers, lengths, sizes, enumerations, patterns, formats. */
function boundViolations(
  model: SpecModel,
  site: Site,
): { kind: 'out-of-range' | 'oversized' | 'undersized'; what: string; arbitrary: fc.Arbitrary<unknown> }[] {
  const { flat, value } = site;
  const out: { kind: 'out-of-range' | 'oversized' | 'undersized'; what: string; arbitrary: fc.Arbitrary<unknown> }[] =
    [];
  const numeric = (flat.types ?? []).some((t) => t === 'integer' || t === 'number');
  if (numeric) {
    const low = flat.exclusiveMinimum ?? flat.minimum;
    const high = flat.exclusiveMaximum ?? flat.maximum;
    if (low !== undefined)
      out.push({
        kind: 'out-of-range',
        what: `below ${low}`,
        arbitrary: fc
          .constantFrom(low - 1, low - 0.5, -1e21, Number.MIN_SAFE_INTEGER - 2)
          .filter((n) => n < low || (flat.exclusiveMinimum !== undefined && n <= low)),
      });
    if (high !== undefined)
      out.push({
        kind: 'out-of-range',
        what: `above ${high}`,
        arbitrary: fc
          .constantFrom(high + 1, high + 0.5, 1e21, 1.7976931348623157e308, Number.MAX_SAFE_INTEGER + 2)
          .filter((n) => n > high),
      });
    if ((flat.types ?? []).includes('integer') && !(flat.types ?? []).includes('number'))
      out.push({ kind: 'out-of-range', what: 'not whole', arbitrary: fc.constantFrom(1.5, 0.1, 1e-7) });
  }
  const stringy = typeof value === 'string' || (flat.types ?? []).includes('string');
  if (stringy) {
    const original = typeof value === 'string' && value.length > 0 ? value : 'a';
    const last = [...original].at(-1) ?? 'a';
    if (flat.maxLength !== undefined) {
      const max = flat.maxLength;
      out.push({
        kind: 'oversized',
        what: `longer than ${max}`,
        arbitrary: fc
          .constantFrom(max + 1, max * 4 + 3, 200_000, 1_200_000)
          .map((length) => original + last.repeat(Math.max(1, length - codePoints(original)))),
      });
    } else {
      out.push({
        kind: 'oversized',
        what: 'a very long string',
        arbitrary: fc.constantFrom(100_000, 1_200_000).map((length) => original + last.repeat(length)),
      });
    }
    if (flat.minLength !== undefined && flat.minLength > 0)
      out.push({
        kind: 'undersized',
        what: `shorter than ${flat.minLength}`,
        arbitrary: fc.constant([...original].slice(0, flat.minLength - 1).join('')),
      });
    if (flat.patterns.length > 0) {
      const patterns = flat.patterns.map((p) => new RegExp(p, 'u'));
      out.push({
        kind: 'out-of-range',
        what: `not matching ${flat.patterns.join(' and ')}`,
        arbitrary: fc
          .oneof(
            fc.constantFrom(
              ` ${original}`,
              `${original}\n`,
              `${original} `,
              '',
              ':',
              '-x',
              `${original}\u00e9`,
              `${original}/..`,
              `${original}*`,
            ),
            fc.string({ maxLength: 12 }),
          )
          .filter((text) => patterns.some((p) => !p.test(text))),
      });
    }
    if (flat.format === 'uuid') {
      out.push({
        kind: 'out-of-range',
        what: 'not a uuid',
        arbitrary: fc
          .uuid()
          .chain((u) =>
            fc.constantFrom(
              'not-a-uuid',
              u.slice(1),
              `${u}a`,
              u.replace(/-/g, ''),
              `{${u}}`,
              `${u.slice(0, -1)}g`,
              ` ${u}`,
              '',
            ),
          ),
      });
    }
    if (flat.format === 'date-time') {
      out.push({
        kind: 'out-of-range',
        what: 'not a date-time',
        arbitrary: fc.constantFrom(
          '2026-13-01T00:00:00Z',
          '2026-02-30T10:00:00Z',
          'yesterday',
          '2026-01-01',
          '2026-01-01T25:00:00Z',
          '2026-01-01T10:00:00',
          '',
          '1700000000',
        ),
      });
    }
  }
  if (flat.enum) {
    const known = flat.enum.map((v) => (typeof v === 'string' ? v.toLowerCase() : JSON.stringify(v)));
    const sample = flat.enum.find((v) => typeof v === 'string') as string | undefined;
    out.push({
      kind: 'out-of-range',
      what: 'not in the enumeration',
      arbitrary: fc
        .oneof(
          fc.constantFrom<unknown>('weekly', '', 'unknown_value', `${sample ?? 'x'}_x`, ` ${sample ?? 'x'}`, 99999),
          fc.string({ maxLength: 10 }),
        )
        .filter((v) => !known.includes(typeof v === 'string' ? v.toLowerCase() : JSON.stringify(v))),
    });
  }
  if (flat.hasConst)
    out.push({
      kind: 'out-of-range',
      what: 'not the constant',
      arbitrary: fc
        .constantFrom<unknown>('other', 0, null)
        .filter((v) => JSON.stringify(v) !== JSON.stringify(flat.const)),
    });
  if (Array.isArray(value) || (flat.types ?? []).includes('array')) {
    const items = Array.isArray(value) && value.length > 0 ? value : [];
    if (flat.maxItems !== undefined) {
      const max = flat.maxItems;
      const item = flat.items ? model.arbitrary(flat.items, { depth: MAX_DEPTH }) : anyJson;
      out.push({
        kind: 'oversized',
        what: `more than ${max} items`,
        arbitrary: fc
          .tuple(item, fc.constantFrom(max + 1, max + 7))
          .map(([extra, length]) =>
            Array.from({ length }, (_, i) => jsonClone(items.length > 0 ? items[i % items.length] : extra)),
          ),
      });
    }
    if (flat.minItems !== undefined && flat.minItems > 0)
      out.push({
        kind: 'undersized',
        what: `fewer than ${flat.minItems} items`,
        arbitrary: fc.constant(items.slice(0, flat.minItems - 1)),
      });
  }
  if ((value !== null && typeof value === 'object' && !Array.isArray(value)) || (flat.types ?? []).includes('object')) {
    const base =
      value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    if (flat.maxProperties !== undefined) {
      const max = flat.maxProperties;
      const extraValue =
        typeof flat.additionalProperties === 'object'
          ? model.arbitrary(flat.additionalProperties, { depth: MAX_DEPTH })
          : anyJson;
      out.push({
        kind: 'oversized',
        what: `more than ${max} properties`,
        arbitrary: fc.array(extraValue, { minLength: max + 1, maxLength: max + 3 }).map((values) => {
          const grown = cloneWithRaw(base) as Record<string, unknown>;
          values.forEach((v, i) => defineData(grown, `k${i}`, v));
          return grown;
        }),
      });
    }
    if (flat.minProperties !== undefined && flat.minProperties > 0)
      out.push({ kind: 'undersized', what: `fewer than ${flat.minProperties} properties`, arbitrary: fc.constant({}) });
  }
  return out;
}

/**
 * Corruptions of JSON text: truncated, trailing commas, comments, single quotes, bare words, wrong top-level values.
 */
export function malformedJson(text: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: 0, max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut)),
    fc.constantFrom(
      `${text},`,
      `${text}}`,
      text.replace(/\}$/, ',}'),
      text.replace(/"/g, "'"),
      `// comment\n${text}`,
      `${text}\u0000`,
      text.replace(/:/, ': NaN, "x":'),
      '{"a":undefined}',
      '{a:1}',
      '{"a":1e99999}',
      '"just a string"',
      '42',
      'null',
      'true',
      '[',
      '{"a":"\\ud800"}',
      '{"a":"\\x41"}',
      '\u00ef\u00bb\u00bf{}',
    ),
  );
}

/** Content types other than the JSON the spec declares (and two spellings of it that are still JSON). */
export const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'application/octet-stream',
  'text/json',
  'application/jsonx',
  'Application/JSON',
  'application/json; charset=UTF-8',
  '',
  null,
];

/**
 * Path parameter values that are not ids, or are ids in unusual spellings. `raw` ones are put into the path unencoded.
 */
export function badPathValue(
  model: SpecModel,
  parameter: ParameterModel,
  others: readonly string[],
): fc.Arbitrary<{ value: string; raw?: boolean }> {
  const plain = fc.oneof(
    fc.constantFrom(
      'not-a-guid',
      ' ',
      'null',
      'undefined',
      '0',
      '-1',
      "' OR '1'='1",
      '<script>alert(1)</script>',
      '../../etc/passwd',
      'a/b',
      'a?b=c',
      'a#b',
      'a;b',
      '*',
      '$',
      '~',
    ),
    fc
      .uuid()
      .chain((u) =>
        fc.constantFrom(
          u.toUpperCase(),
          `urn:uuid:${u}`,
          `{${u}}`,
          u.replace(/-/g, ''),
          `${u} `,
          `${u}\u0000`,
          `${u}/checkout`,
        ),
      ),
    fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
    fc.constantFrom(65, 200, 20_000).map((length) => 'a'.repeat(length)),
    oddString.filter((text) => text.length > 0 && isWellFormed(text)),
    model.arbitrary(parameter.schema).map(String),
    ...(others.length > 0 ? [fc.constantFrom(...others)] : []),
  );
  return fc.oneof(
    { arbitrary: plain.map((value) => ({ value })), weight: 5 },
    {
      arbitrary: fc
        .constantFrom('', '.', '..', '%', '%zz', '%2e%2e', '%ED%A0%80', '%00', '%2F', '%20', 'a%2fb', '%E2%80%AE')
        .map((value) => ({ value, raw: true })),
      weight: 2,
    },
  );
}

function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** Header values that break the header's schema, or stretch what HTTP carries (Latin-1, edge cases). */
export function badHeaderValue(model: SpecModel, parameter: ParameterModel): fc.Arbitrary<string> {
  const flat = model.flatten(parameter.schema);
  const candidates: fc.Arbitrary<string>[] = [
    fc.constantFrom('has a space', 'caf\u00e9', '\u00ff\u00fe', 'a,b', '"quoted"', '*', '-', '{}', 'null'),
  ];
  if (flat.maxLength !== undefined)
    candidates.push(fc.constantFrom(flat.maxLength + 1, flat.maxLength * 2).map((length) => 'x'.repeat(length)));
  candidates.push(model.arbitrary(parameter.schema, { headerSafe: true }).map((v) => `${String(v)} \u00e9`));
  return fc.oneof(...candidates).filter(isHeaderSafe);
}

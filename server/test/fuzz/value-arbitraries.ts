// Arbitraries of values valid against a schema of the document, in the request direction (read-only
// properties left out, as a client leaves them out), built from the flattened schema keywords. One
// ValueArbitraries belongs to each SpecModel (which reaches it through `model.arbitrary()`), and
// caches an arbitrary per schema node, so that recursive schemas are built lazily, level by level.
import fc from 'fast-check';
import { absorbSchema, cloneFlat, inferTypes, typeAllows, type FlatSchema, type Schema } from './flat-schema.ts';
import { codePoints, defineData } from './json-values.ts';
import type { SpecModel } from './spec-model.ts';

export interface ArbitraryOptions {
  depth?: number;
  /** Strings an HTTP header can carry. */
  headerSafe?: boolean;
  /** Never the spec's `examples` (for values that must not happen to equal what a server produces). */
  noExamples?: boolean;
}

/** Deeper than this, optional properties are left out and arrays keep their minimum size. */
export const MAX_DEPTH = 4;

export class ValueArbitraries {
  readonly #model: SpecModel;
  readonly #arbitraries = new WeakMap<object, Map<string, fc.Arbitrary<unknown>>>();

  constructor(model: SpecModel) {
    this.#model = model;
  }

  /** See SpecModel.arbitrary. */
  arbitrary(schema: Schema | undefined, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
    const node = schema ?? {};
    const depth = options.depth ?? 0;
    const key = `${Math.min(depth, MAX_DEPTH + 1)}:${options.headerSafe ? 'h' : ''}:${options.noExamples ? 'n' : ''}`;
    let byKey = this.#arbitraries.get(node);
    if (!byKey) this.#arbitraries.set(node, (byKey = new Map()));
    let arbitrary = byKey.get(key);
    if (!arbitrary) {
      // Recursive schemas (a line item's add-ons are line items) are built lazily, one level at a time.
      let built: fc.Arbitrary<unknown> | undefined;
      arbitrary = fc
        .constant(null)
        .chain(() => (built ??= this.#build(this.#model.flatten(node), { ...options, depth })));
      byKey.set(key, arbitrary);
    }
    return arbitrary;
  }

  #build(flat: FlatSchema, options: ArbitraryOptions & { depth: number }): fc.Arbitrary<unknown> {
    const headerSafe = options.headerSafe === true;
    if (flat.alternatives.length > 0) {
      const base = cloneFlat(flat);
      base.alternatives = [];
      const [group, ...rest] = flat.alternatives;
      base.alternatives = rest;
      return fc.oneof(
        ...(group ?? []).map((member) => {
          const combined = cloneFlat(base);
          absorbSchema(combined, member, (pointer) => this.#model.index.resolve(pointer));
          return this.#build(combined, options);
        }),
      );
    }
    if (flat.hasConst) return fc.constant(flat.const);
    if (flat.enum) return fc.constantFrom(...flat.enum);
    const types = flat.types ?? inferTypes(flat);
    const built = types.map((type) => this.#ofType(type, flat, options));
    const base = built.length === 1 ? built[0]! : fc.oneof(...built);
    const examples = flat.examples.filter(
      (example) => typeAllows(types, example) && (!headerSafe || typeof example !== 'string' || isHeaderSafe(example)),
    );
    if (examples.length === 0 || options.noExamples) return base;
    return fc.oneof({ arbitrary: fc.constantFrom(...examples), weight: 2 }, { arbitrary: base, weight: 3 });
  }

  #ofType(type: string, flat: FlatSchema, options: ArbitraryOptions & { depth: number }): fc.Arbitrary<unknown> {
    const headerSafe = options.headerSafe === true;
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return integerArbitrary(flat);
      case 'number':
        return numberArbitrary(flat);
      case 'string':
        return stringArbitrary(flat, headerSafe);
      case 'array':
        return this.#array(flat, options);
      case 'object':
        return this.#object(flat, options);
      default:
        throw new Error(`unsupported schema type ${type}`);
    }
  }

  #array(flat: FlatSchema, options: ArbitraryOptions & { depth: number }): fc.Arbitrary<unknown[]> {
    const depth = options.depth;
    const item = this.arbitrary(flat.items, { ...options, depth: depth + 1 });
    const minLength = flat.minItems ?? 0;
    const cap = depth >= MAX_DEPTH ? minLength : Math.max(minLength, depth === 0 ? 4 : 2);
    const maxLength = Math.min(flat.maxItems ?? cap, cap);
    return flat.uniqueItems
      ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
      : fc.array(item, { minLength, maxLength });
  }

  #object(flat: FlatSchema, options: ArbitraryOptions & { depth: number }): fc.Arbitrary<Record<string, unknown>> {
    const depth = options.depth;
    const declared = Object.entries(flat.properties).filter(([, schema]) => !this.#model.isReadOnly(schema));
    const required = declared.filter(([name]) => flat.required.includes(name)).map(([name]) => name);
    const present = depth >= MAX_DEPTH ? declared.filter(([name]) => required.includes(name)) : declared;
    const record = fc.record(
      Object.fromEntries(
        present.map(([name, schema]) => [name, this.arbitrary(schema, { ...options, depth: depth + 1 })]),
      ),
      {
        requiredKeys: required,
      },
    ) as fc.Arbitrary<Record<string, unknown>>;
    const additional = flat.additionalProperties;
    const maxProperties = flat.maxProperties ?? Number.POSITIVE_INFINITY;
    if (typeof additional !== 'object' || depth >= MAX_DEPTH)
      return maxProperties === Number.POSITIVE_INFINITY
        ? record
        : record.filter((v) => Object.keys(v).length <= maxProperties);
    const declaredNames = new Set(Object.keys(flat.properties).map((name) => name.toLowerCase()));
    const keys = (
      flat.propertyNames ? (this.arbitrary(flat.propertyNames) as fc.Arbitrary<string>) : fc.string({ maxLength: 16 })
    ).filter((name) => typeof name === 'string' && !declaredNames.has(name.toLowerCase()));
    const extra = fc.uniqueArray(fc.tuple(keys, this.arbitrary(additional, { ...options, depth: depth + 1 })), {
      maxLength: Math.min(3, maxProperties),
      selector: ([name]) => name,
    });
    return fc.tuple(record, extra).map(([base, pairs]) => {
      const out: Record<string, unknown> = { ...base };
      for (const [name, value] of pairs) {
        if (Object.keys(out).length >= maxProperties) break;
        defineData(out, name, value);
      }
      return out;
    });
  }
}

function integerArbitrary(flat: FlatSchema): fc.Arbitrary<number> {
  let min = flat.minimum ?? -(2 ** 31);
  let max = flat.maximum ?? 2 ** 31 - 1;
  if (flat.exclusiveMinimum !== undefined) min = Math.max(min, Math.floor(flat.exclusiveMinimum) + 1);
  if (flat.exclusiveMaximum !== undefined) max = Math.min(max, Math.ceil(flat.exclusiveMaximum) - 1);
  min = Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER);
  max = Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER);
  const step = flat.multipleOf;
  if (step && Number.isInteger(step))
    return fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((k) => k * step);
  return fc.integer({ min, max });
}

function numberArbitrary(flat: FlatSchema): fc.Arbitrary<number> {
  const min = flat.exclusiveMinimum ?? flat.minimum;
  const max = flat.exclusiveMaximum ?? flat.maximum;
  return fc
    .double({
      noNaN: true,
      noDefaultInfinity: true,
      ...(min !== undefined ? { min, minExcluded: flat.exclusiveMinimum !== undefined } : { min: -1e12 }),
      ...(max !== undefined ? { max, maxExcluded: flat.exclusiveMaximum !== undefined } : { max: 1e12 }),
    })
    .map((n) => (Object.is(n, -0) ? 0 : n));
}

const LATIN1_VISIBLE = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((c) => c !== 0x7f && (c < 0x80 || c >= 0xa0))
  .map((c) => String.fromCharCode(c));

/** What fetch and Node can carry in a header value: Latin-1, no control characters, no edge whitespace. */
export function isHeaderSafe(text: string): boolean {
  return /^[\x21-\x7e\xa0-\xff]([\x20-\x7e\xa0-\xff]*[\x21-\x7e\xa0-\xff])?$/.test(text) || text === '';
}

const dateTimeArbitrary = fc
  .tuple(
    fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('Z', '+00:00', '+05:30', '-08:00', 'z'),
  )
  .map(([date, zone]) => {
    const iso = date.toISOString();
    if (zone === 'Z') return iso;
    // The same wall-clock digits with another offset: still a valid RFC 3339 date-time.
    return `${iso.slice(0, -1)}${zone}`;
  });

function stringArbitrary(flat: FlatSchema, headerSafe: boolean): fc.Arbitrary<string> {
  const minLength = flat.minLength ?? 0;
  const maxLength = flat.maxLength ?? Number.POSITIVE_INFINITY;
  let patterns = flat.patterns.map((pattern) => new RegExp(pattern, 'u'));
  let base: fc.Arbitrary<string> | undefined;
  if (flat.format === 'uuid') base = fc.uuid();
  else if (flat.format === 'date-time') base = dateTimeArbitrary;
  else if (flat.format === 'date') base = dateTimeArbitrary.map((text) => text.slice(0, 10));
  else if (patterns.length > 0) {
    try {
      base = fc.stringMatching(patterns[0]!, { maxLength: Math.min(maxLength, Math.max(minLength, 64)) });
    } catch {
      // A pattern fast-check cannot generate from (a look-around, a back-reference): plain strings,
      // which may not match; the classification, not the generator, says what is valid.
      patterns = [];
    }
  }
  const fits = (text: string): boolean => {
    const length = codePoints(text);
    return (
      length >= minLength &&
      length <= maxLength &&
      patterns.every((pattern) => pattern.test(text)) &&
      (!headerSafe || isHeaderSafe(text))
    );
  };
  if (base) return base.filter(fits);
  const size = Math.min(maxLength, Math.max(minLength, 24));
  const text = headerSafe
    ? fc.string({ unit: LATIN1_VISIBLE, minLength, maxLength: size })
    : fc.oneof(
        fc.string({ unit: 'grapheme-ascii', minLength, maxLength: size }),
        fc.string({ unit: 'binary', minLength, maxLength: size }),
        fc.string({ unit: 'grapheme', minLength, maxLength: size }),
      );
  return text.filter(fits);
}

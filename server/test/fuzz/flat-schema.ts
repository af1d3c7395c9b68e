// A JSON Schema flattened: `$ref` and `allOf` merged into one set of keywords (anyOf/oneOf kept as
// alternatives), so that the generators, the mutations and the classifier read one shape instead of
// walking references. SpecModel caches these per schema node; this file only knows how to merge.
import { jsonType } from './json-values.ts';

export type Schema = Record<string, any>;

/** Everything a schema says once `$ref` and `allOf` are merged (anyOf/oneOf stay alternatives). */
export interface FlatSchema {
  never: boolean;
  types: string[] | undefined;
  enum: unknown[] | undefined;
  hasConst: boolean;
  const: unknown;
  properties: Record<string, Schema>;
  required: string[];
  additionalProperties: Schema | boolean | undefined;
  propertyNames: Schema | undefined;
  items: Schema | undefined;
  minimum: number | undefined;
  maximum: number | undefined;
  exclusiveMinimum: number | undefined;
  exclusiveMaximum: number | undefined;
  multipleOf: number | undefined;
  minLength: number | undefined;
  maxLength: number | undefined;
  patterns: string[];
  format: string | undefined;
  minItems: number | undefined;
  maxItems: number | undefined;
  uniqueItems: boolean;
  minProperties: number | undefined;
  maxProperties: number | undefined;
  readOnly: boolean;
  writeOnly: boolean;
  /** Each anyOf/oneOf met: one of its members applies on top of the rest. */
  alternatives: Schema[][];
  examples: unknown[];
}

export function emptyFlat(): FlatSchema {
  return {
    never: false,
    types: undefined,
    enum: undefined,
    hasConst: false,
    const: undefined,
    properties: {},
    required: [],
    additionalProperties: undefined,
    propertyNames: undefined,
    items: undefined,
    minimum: undefined,
    maximum: undefined,
    exclusiveMinimum: undefined,
    exclusiveMaximum: undefined,
    multipleOf: undefined,
    minLength: undefined,
    maxLength: undefined,
    patterns: [],
    format: undefined,
    minItems: undefined,
    maxItems: undefined,
    uniqueItems: false,
    minProperties: undefined,
    maxProperties: undefined,
    readOnly: false,
    writeOnly: false,
    alternatives: [],
    examples: [],
  };
}

export function cloneFlat(flat: FlatSchema): FlatSchema {
  return {
    ...flat,
    types: flat.types && [...flat.types],
    enum: flat.enum && [...flat.enum],
    properties: { ...flat.properties },
    required: [...flat.required],
    patterns: [...flat.patterns],
    alternatives: [...flat.alternatives],
    examples: [...flat.examples],
  };
}

const tighterMin = (a: number | undefined, b: unknown): number | undefined =>
  typeof b === 'number' ? (a === undefined ? b : Math.max(a, b)) : a;
const tighterMax = (a: number | undefined, b: unknown): number | undefined =>
  typeof b === 'number' ? (a === undefined ? b : Math.min(a, b)) : a;

export function typeAllows(types: string[] | undefined, value: unknown): boolean {
  if (!types) return true;
  const type = jsonType(value);
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

export function intersectTypes(a: string[] | undefined, b: string[]): string[] {
  if (!a) return [...b];
  const out = new Set<string>();
  for (const type of a) {
    if (b.includes(type)) out.add(type);
    else if (type === 'number' && b.includes('integer')) out.add('integer');
    else if (type === 'integer' && b.includes('number')) out.add('integer');
  }
  return [...out];
}

/** The types a schema without `type` implies by its other keywords (any type when none tells). */
export function inferTypes(flat: FlatSchema): string[] {
  if (
    Object.keys(flat.properties).length > 0 ||
    flat.additionalProperties !== undefined ||
    flat.maxProperties !== undefined
  )
    return ['object'];
  if (flat.items !== undefined || flat.minItems !== undefined || flat.maxItems !== undefined) return ['array'];
  if (
    flat.patterns.length > 0 ||
    flat.format !== undefined ||
    flat.minLength !== undefined ||
    flat.maxLength !== undefined
  )
    return ['string'];
  if (flat.minimum !== undefined || flat.maximum !== undefined) return ['number'];
  return ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object'];
}

/**
 * Merges the keywords of `schema` (its `$ref`, resolved by `resolvePointer`, and its `allOf` members
 * first) into `flat`. `stack` breaks reference cycles.
 */
export function absorbSchema(
  flat: FlatSchema,
  schema: Schema | boolean,
  resolvePointer: (pointer: string) => any,
  stack: Set<object> = new Set(),
): void {
  if (schema === true) return;
  if (schema === false) {
    flat.never = true;
    return;
  }
  if (stack.has(schema)) return;
  stack.add(schema);
  if (typeof schema.$ref === 'string') absorbSchema(flat, resolvePointer(schema.$ref), resolvePointer, stack);
  for (const member of schema.allOf ?? []) absorbSchema(flat, member, resolvePointer, stack);
  if (schema.type !== undefined)
    flat.types = intersectTypes(flat.types, Array.isArray(schema.type) ? schema.type : [schema.type]);
  if (Array.isArray(schema.enum))
    flat.enum = flat.enum
      ? flat.enum.filter((v) => schema.enum.some((w: unknown) => JSON.stringify(w) === JSON.stringify(v)))
      : [...schema.enum];
  if ('const' in schema) {
    flat.hasConst = true;
    flat.const = schema.const;
  }
  for (const [name, property] of Object.entries<Schema>(schema.properties ?? {})) {
    const existing = flat.properties[name];
    flat.properties[name] = existing ? { allOf: [existing, property] } : property;
  }
  for (const name of schema.required ?? []) if (!flat.required.includes(name)) flat.required.push(name);
  if (schema.additionalProperties !== undefined) {
    if (schema.additionalProperties === false || flat.additionalProperties === false) flat.additionalProperties = false;
    else flat.additionalProperties ??= schema.additionalProperties;
  }
  if (schema.propertyNames !== undefined) flat.propertyNames ??= schema.propertyNames;
  if (schema.items !== undefined) flat.items = flat.items ? { allOf: [flat.items, schema.items] } : schema.items;
  flat.minimum = tighterMin(flat.minimum, schema.minimum);
  flat.maximum = tighterMax(flat.maximum, schema.maximum);
  flat.exclusiveMinimum = tighterMin(flat.exclusiveMinimum, schema.exclusiveMinimum);
  flat.exclusiveMaximum = tighterMax(flat.exclusiveMaximum, schema.exclusiveMaximum);
  if (typeof schema.multipleOf === 'number') flat.multipleOf = schema.multipleOf;
  flat.minLength = tighterMin(flat.minLength, schema.minLength);
  flat.maxLength = tighterMax(flat.maxLength, schema.maxLength);
  if (typeof schema.pattern === 'string' && !flat.patterns.includes(schema.pattern)) flat.patterns.push(schema.pattern);
  if (typeof schema.format === 'string') flat.format ??= schema.format;
  flat.minItems = tighterMin(flat.minItems, schema.minItems);
  flat.maxItems = tighterMax(flat.maxItems, schema.maxItems);
  if (schema.uniqueItems === true) flat.uniqueItems = true;
  flat.minProperties = tighterMin(flat.minProperties, schema.minProperties);
  flat.maxProperties = tighterMax(flat.maxProperties, schema.maxProperties);
  // What the service manages (x-server-managed) is read-only for a client: it may be sent back, and is ignored.
  if (schema.readOnly === true || schema['x-server-managed'] === true) flat.readOnly = true;
  if (schema.writeOnly === true) flat.writeOnly = true;
  for (const keyword of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(schema[keyword])) flat.alternatives.push(schema[keyword]);
  if (Array.isArray(schema.examples)) flat.examples.push(...schema.examples);
  if (schema.example !== undefined) flat.examples.push(schema.example);
  stack.delete(schema);
}

// fast-check arbitraries derived from the OpenAPI document itself (generated/openapi.json): nothing in
// here knows a schema of this API by name. It reads operations, parameters, request bodies and
// responses from the document, and turns JSON Schema keywords ($ref, allOf, anyOf/oneOf, enum, const,
// type, minimum/maximum, minLength/maxLength, pattern, format uuid/date-time, minItems/maxItems,
// minProperties/maxProperties, propertyNames, required, additionalProperties, readOnly) into:
//
// - arbitraries of valid values, in the request direction: read-only properties are left out, as a
//   client leaves them out;
// - a mutation layer that breaks one thing in a valid request (a missing required property, a wrong
//   type, an unknown property, a value out of range, an oversized string or array, an odd Unicode
//   string, a `__proto__` or `constructor` key, deep nesting, a wrong content type, malformed JSON, a
//   bad header, huge headers, a bad path id, a method the path does not have), or that sets a read-only
//   property, which the API's documented GET-change-PUT flow makes valid (the value is ignored);
// - an independent classification of a request as the spec reads it (valid, invalid, or either), which
//   the oracle compares with the server's answer.
//
// Generation is best effort and classification is the ground truth: a keyword the generators do not
// know (`not`, `if`, `patternProperties`, an unusual format...) may make a "valid" value invalid, and
// the classification (ajv over the same document) then says so, so the oracle never blames the server
// for the generator's approximation.
import fc from 'fast-check';

export type Schema = Record<string, any>;
export type PathSegment = string | number;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** Methods the mutation layer tries on a path that does not declare them (HEAD and TRACE are left out: no body to check). */
export const PROBE_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'] as const;

// ---------------------------------------------------------------------------------------------------
// The document: operations, parameters, bodies and responses, with JSON Pointers to their schemas.
// ---------------------------------------------------------------------------------------------------

export interface ParameterModel {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Schema;
  /** JSON Pointer to the schema in the document (for an ajv validator of the document). */
  schemaPointer: string;
  /** The parameter's `example` (or its schema's first `examples` value). */
  example: unknown;
}

export interface MediaModel {
  mediaType: string;
  schema: Schema;
  schemaPointer: string;
  /** The named examples of this media type (the `value` of each, references resolved). */
  examples: unknown[];
}

export interface HeaderModel {
  name: string;
  required: boolean;
  schema: Schema;
  schemaPointer: string;
}

export interface ResponseModel {
  status: string;
  content: MediaModel[];
  headers: HeaderModel[];
}

export interface OperationModel {
  operationId: string;
  /** Upper case. */
  method: string;
  /** The path template, e.g. `/v1/customers/{customerId}/carts`. */
  path: string;
  parameters: ParameterModel[];
  requestBody: { required: boolean; content: MediaModel[] } | undefined;
  responses: Map<string, ResponseModel>;
  /** Whether a credential is required: the operation's `security`, else the document's. */
  secured: boolean;
}

export type RouteMatch =
  | { kind: 'operation'; operation: OperationModel; params: Record<string, string | undefined> }
  | { kind: 'unknown-path' }
  | { kind: 'method-not-allowed'; path: string };

/**
 * The parameters of `segments` read against a template's segments (`{name}` matches one non-empty
 * segment, percent-decoded), or undefined when they do not fit. A segment that does not decode fits
 * with an undefined value when `lenient` (a router would match and then refuse it), else not at all.
 */
function matchSegments(template: string[], segments: string[], lenient: boolean): Record<string, string | undefined> | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string | undefined> = {};
  for (const [index, expected] of template.entries()) {
    const actual = segments[index] ?? '';
    const name = /^\{(.+)\}$/.exec(expected)?.[1];
    if (name === undefined) {
      if (expected !== actual) return undefined;
      continue;
    }
    if (actual === '') return undefined;
    try {
      params[name] = decodeURIComponent(actual);
    } catch {
      if (!lenient) return undefined;
      params[name] = undefined;
    }
  }
  return params;
}

/** A `security` requirement list asks for a credential unless it is empty or allows `{}` (anonymous). */
function isSecured(security: unknown): boolean {
  return Array.isArray(security) && security.length > 0 && !security.some((requirement) => requirement && typeof requirement === 'object' && Object.keys(requirement).length === 0);
}

export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

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

function emptyFlat(): FlatSchema {
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

function cloneFlat(flat: FlatSchema): FlatSchema {
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

const tighterMin = (a: number | undefined, b: unknown): number | undefined => (typeof b === 'number' ? (a === undefined ? b : Math.max(a, b)) : a);
const tighterMax = (a: number | undefined, b: unknown): number | undefined => (typeof b === 'number' ? (a === undefined ? b : Math.min(a, b)) : a);

/** The JSON type of a value, as JSON Schema names it ('integer' for whole numbers). */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeAllows(types: string[] | undefined, value: unknown): boolean {
  if (!types) return true;
  const type = jsonType(value);
  return types.includes(type) || (type === 'integer' && types.includes('number'));
}

function intersectTypes(a: string[] | undefined, b: string[]): string[] {
  if (!a) return [...b];
  const out = new Set<string>();
  for (const type of a) {
    if (b.includes(type)) out.add(type);
    else if (type === 'number' && b.includes('integer')) out.add('integer');
    else if (type === 'integer' && b.includes('number')) out.add('integer');
  }
  return [...out];
}

export const codePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/**
 * The OpenAPI document as the fuzz reads it: its operations (with JSON Pointers to every schema, for
 * an ajv validator of the same document), routing by its path templates, schemas flattened, and
 * arbitraries of valid values.
 */
export class SpecModel {
  readonly document: Schema;
  readonly operations: OperationModel[];
  readonly #flat = new WeakMap<object, FlatSchema>();
  readonly #arbitraries = new WeakMap<object, Map<string, fc.Arbitrary<unknown>>>();
  readonly #templates: { path: string; segments: string[]; methods: Map<string, OperationModel> }[] = [];

  constructor(document: Schema) {
    this.document = document;
    this.operations = [];
    for (const [path, item] of Object.entries<Schema>(document.paths ?? {})) {
      const pathPointer = `#/paths/${pointerSegment(path)}`;
      const shared = (item.parameters ?? []).map((parameter: Schema, index: number) => this.#parameter(parameter, `${pathPointer}/parameters/${index}`));
      const methods = new Map<string, OperationModel>();
      for (const method of METHODS) {
        const operation = item[method] as Schema | undefined;
        if (!operation) continue;
        const opPointer = `${pathPointer}/${method}`;
        const own: ParameterModel[] = (operation.parameters ?? []).map((parameter: Schema, index: number) => this.#parameter(parameter, `${opPointer}/parameters/${index}`));
        // An operation's parameter overrides a path-level one of the same name and location.
        const parameters = [...shared.filter((p: ParameterModel) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
        const model: OperationModel = {
          operationId: operation.operationId ?? `${method} ${path}`,
          method: method.toUpperCase(),
          path,
          parameters,
          requestBody: this.#requestBody(operation.requestBody, `${opPointer}/requestBody`),
          secured: isSecured(operation.security ?? document.security),
          responses: new Map(
            Object.entries<Schema>(operation.responses ?? {}).map(([status, response]) => [
              status,
              this.#response(status, response, `${opPointer}/responses/${pointerSegment(status)}`),
            ]),
          ),
        };
        methods.set(model.method, model);
        this.operations.push(model);
      }
      this.#templates.push({ path, segments: path.split('/').slice(1), methods });
    }
  }

  // -- references --------------------------------------------------------------------------------

  /** The node a local `$ref` points to. */
  resolvePointer(pointer: string): any {
    if (!pointer.startsWith('#')) throw new Error(`only local references are supported, not ${pointer}`);
    let node: any = this.document;
    for (const raw of pointer.slice(1).split('/').slice(1)) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = node?.[key];
      if (node === undefined) throw new Error(`unresolved reference ${pointer}`);
    }
    return node;
  }

  /** Follows `$ref`s (of parameters, responses, request bodies, examples) to the node and its pointer. */
  deref(node: Schema, pointer: string): { node: Schema; pointer: string } {
    const seen = new Set<string>();
    while (node && typeof node.$ref === 'string') {
      if (seen.has(node.$ref)) throw new Error(`reference cycle at ${node.$ref}`);
      seen.add(node.$ref);
      pointer = node.$ref;
      node = this.resolvePointer(node.$ref);
    }
    return { node, pointer };
  }

  #parameter(raw: Schema, pointer: string): ParameterModel {
    const { node, pointer: at } = this.deref(raw, pointer);
    return {
      name: node.name,
      in: node.in,
      required: node.required === true || node.in === 'path',
      schema: node.schema ?? {},
      schemaPointer: `${at}/schema`,
      example: node.example ?? node.schema?.examples?.[0] ?? node.schema?.example,
    };
  }

  #media(content: Schema | undefined, pointer: string): MediaModel[] {
    return Object.entries<Schema>(content ?? {}).map(([mediaType, media]) => ({
      mediaType,
      schema: media.schema ?? {},
      schemaPointer: `${pointer}/${pointerSegment(mediaType)}/schema`,
      examples: [
        ...(media.example !== undefined ? [media.example] : []),
        ...Object.entries<Schema>(media.examples ?? {}).map(([name, example]) => this.deref(example, `${pointer}/${pointerSegment(mediaType)}/examples/${pointerSegment(name)}`).node.value),
      ].filter((value) => value !== undefined),
    }));
  }

  #requestBody(raw: Schema | undefined, pointer: string): OperationModel['requestBody'] {
    if (!raw) return undefined;
    const { node, pointer: at } = this.deref(raw, pointer);
    return { required: node.required === true, content: this.#media(node.content, `${at}/content`) };
  }

  #response(status: string, raw: Schema, pointer: string): ResponseModel {
    const { node, pointer: at } = this.deref(raw, pointer);
    const headers = Object.entries<Schema>(node.headers ?? {}).map(([name, header]) => {
      const resolved = this.deref(header, `${at}/headers/${pointerSegment(name)}`);
      return { name, required: resolved.node.required === true, schema: resolved.node.schema ?? {}, schemaPointer: `${resolved.pointer}/schema` };
    });
    return { status, content: this.#media(node.content, `${at}/content`), headers };
  }

  // -- routing -----------------------------------------------------------------------------------

  /**
   * Which operation a request reaches, the way a router reads the spec's path templates: the
   * (already normalised) path split into segments, a `{parameter}` segment matching any non-empty
   * segment, then percent-decoded (a segment that does not decode leaves the parameter undefined).
   * One trailing slash is tolerated.
   */
  route(method: string, pathname: string): RouteMatch {
    const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
    const segments = trimmed.split('/').slice(1);
    for (const template of this.#templates) {
      const params = matchSegments(template.segments, segments, true);
      if (!params) continue;
      const operation = template.methods.get(method.toUpperCase());
      return operation ? { kind: 'operation', operation, params } : { kind: 'method-not-allowed', path: template.path };
    }
    return { kind: 'unknown-path' };
  }

  /** The path parameters a URI (or its tail: links may leave out a base path such as `/v1`) carries, and the template it fits. */
  bindingsOf(uri: string): { template: string; params: Record<string, string> } | undefined {
    const segments = (uri.split(/[?#]/)[0] ?? '').split('/').slice(1);
    for (const template of this.#templates) {
      for (let skip = 0; skip < template.segments.length; skip++) {
        // Only literal leading segments (a base path) may be left out.
        if (template.segments.slice(0, skip).some((segment) => segment.startsWith('{'))) break;
        const params = matchSegments(template.segments.slice(skip), segments, false);
        if (params && Object.keys(params).length > 0) return { template: template.path, params: params as Record<string, string> };
      }
    }
    return undefined;
  }

  /** The paths of the document as templates, with the operations of each. */
  get templates(): readonly { path: string; methods: ReadonlyMap<string, OperationModel> }[] {
    return this.#templates;
  }

  // -- schemas -----------------------------------------------------------------------------------

  /** The schema with `$ref` and `allOf` merged into one set of keywords (cached per schema node). */
  flatten(schema: Schema | boolean | undefined): FlatSchema {
    if (schema === undefined || schema === true) return emptyFlat();
    if (schema === false) return { ...emptyFlat(), never: true };
    const cached = this.#flat.get(schema);
    if (cached) return cached;
    const flat = emptyFlat();
    this.#absorb(flat, schema, new Set());
    this.#flat.set(schema, flat);
    return flat;
  }

  #absorb(flat: FlatSchema, schema: Schema | boolean, stack: Set<object>): void {
    if (schema === true) return;
    if (schema === false) {
      flat.never = true;
      return;
    }
    if (stack.has(schema)) return;
    stack.add(schema);
    if (typeof schema.$ref === 'string') this.#absorb(flat, this.resolvePointer(schema.$ref), stack);
    for (const member of schema.allOf ?? []) this.#absorb(flat, member, stack);
    if (schema.type !== undefined) flat.types = intersectTypes(flat.types, Array.isArray(schema.type) ? schema.type : [schema.type]);
    if (Array.isArray(schema.enum)) flat.enum = flat.enum ? flat.enum.filter((v) => schema.enum.some((w: unknown) => JSON.stringify(w) === JSON.stringify(v))) : [...schema.enum];
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
    for (const keyword of ['anyOf', 'oneOf'] as const) if (Array.isArray(schema[keyword])) flat.alternatives.push(schema[keyword]);
    if (Array.isArray(schema.examples)) flat.examples.push(...schema.examples);
    if (schema.example !== undefined) flat.examples.push(schema.example);
    stack.delete(schema);
  }

  /** The flat schema with, for each anyOf/oneOf, the member that fits `value`'s JSON type (the first when none does). */
  flattenFor(schema: Schema | undefined, value: unknown): FlatSchema {
    const flat = this.flatten(schema);
    if (flat.alternatives.length === 0) return flat;
    const out = cloneFlat(flat);
    out.alternatives = [];
    for (const group of flat.alternatives) {
      const chosen = group.find((member) => typeAllows(this.flatten(member).types ?? inferTypes(this.flatten(member)), value)) ?? group[0];
      if (chosen) this.#absorb(out, chosen, new Set());
    }
    return out;
  }

  isReadOnly(schema: Schema | undefined): boolean {
    return this.flatten(schema).readOnly;
  }

  /** The schema of a child of `value` (a property or an item), or undefined when the schema says nothing of it. */
  childSchema(flat: FlatSchema, value: unknown, key: PathSegment): Schema | undefined {
    if (Array.isArray(value)) return typeof key === 'number' ? flat.items : undefined;
    if (value === null || typeof value !== 'object') return undefined;
    if (typeof key !== 'string') return undefined;
    if (Object.hasOwn(flat.properties, key)) return flat.properties[key];
    return typeof flat.additionalProperties === 'object' ? flat.additionalProperties : undefined;
  }

  /** `value` without the read-only properties its schema declares (what a server that ignores them reads). */
  stripReadOnly(value: unknown, schema: Schema | undefined): unknown {
    const flat = this.flattenFor(schema, value);
    if (Array.isArray(value)) return flat.items ? value.map((item) => this.stripReadOnly(item, flat.items)) : value;
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const declared = Object.hasOwn(flat.properties, key) ? flat.properties[key] : undefined;
      if (declared && this.isReadOnly(declared)) continue;
      const childSchema = this.childSchema(flat, value, key);
      defineData(out, key, childSchema ? this.stripReadOnly(child, childSchema) : child);
    }
    return out;
  }

  /**
   * `value` read as the spec's introduction says the API reads input: property names matched to the
   * declared ones without regard to case, enumeration values to the listed ones without regard to
   * case and underscores (`OneTime` is `one_time`), a property whose value is null left out, and a
   * property that a closed object (declared properties, no others) does not declare left out too.
   * A second spelling of a property already read stays as it is (and so breaks the schema).
   */
  canonicalize(value: unknown, schema: Schema | undefined, depth = 0): unknown {
    if (depth > 64) return value;
    const flat = this.flattenFor(schema, value);
    if (typeof value === 'string') {
      const values = [...(flat.enum ?? []), ...flat.alternatives.flat().flatMap((member) => this.flatten(member).enum ?? [])].filter((v): v is string => typeof v === 'string');
      if (values.includes(value)) return value;
      const fold = (text: string) => text.toLowerCase().replace(/[_\s-]/g, '');
      return values.find((candidate) => fold(candidate) === fold(value)) ?? value;
    }
    if (Array.isArray(value)) return flat.items ? value.map((item) => this.canonicalize(item, flat.items, depth + 1)) : value;
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    const closed = flat.additionalProperties === false && Object.keys(flat.properties).length > 0;
    for (const [key, child] of Object.entries(value)) {
      if (child === null) continue;
      const declared = Object.keys(flat.properties).find((name) => name.toLowerCase() === key.toLowerCase());
      if (declared === undefined && closed) continue;
      const name = declared !== undefined && !Object.hasOwn(out, declared) ? declared : key;
      const childSchema = name === declared ? flat.properties[name] : name === key && declared === undefined ? this.childSchema(flat, value, key) : undefined;
      defineData(out, name, childSchema ? this.canonicalize(child, childSchema, depth + 1) : child);
    }
    return out;
  }

  /** Every node of `value` the schema describes, with its path and schema (the root first). */
  sites(value: unknown, schema: Schema | undefined, path: PathSegment[] = [], out: Site[] = []): Site[] {
    const flat = this.flattenFor(schema, value);
    out.push({ path, schema: schema ?? {}, flat, value });
    if (Array.isArray(value)) {
      if (flat.items) value.forEach((item, index) => this.sites(item, flat.items, [...path, index], out));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childSchema = this.childSchema(flat, value, key);
        if (childSchema) this.sites(child, childSchema, [...path, key], out);
      }
    }
    return out;
  }

  // -- valid values ------------------------------------------------------------------------------

  /**
   * An arbitrary of values valid against `schema`, as a client sends them: read-only properties are
   * left out, optional ones are sometimes present, sizes are kept small (the mutation layer makes the
   * big ones), and values the spec gives as `examples` are drawn often, so that requests also reach
   * what the server knows (a real catalog item, say). `headerSafe` keeps strings to what an HTTP
   * header can carry.
   */
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
      arbitrary = fc.constant(null).chain(() => (built ??= this.#build(this.flatten(node), { ...options, depth })));
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
          this.#absorb(combined, member, new Set());
          return this.#build(combined, options);
        }),
      );
    }
    if (flat.hasConst) return fc.constant(flat.const);
    if (flat.enum) return fc.constantFrom(...flat.enum);
    const types = flat.types ?? inferTypes(flat);
    const built = types.map((type) => this.#ofType(type, flat, options));
    const base = built.length === 1 ? built[0]! : fc.oneof(...built);
    const examples = flat.examples.filter((example) => typeAllows(types, example) && (!headerSafe || typeof example !== 'string' || isHeaderSafe(example)));
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
    return flat.uniqueItems ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) }) : fc.array(item, { minLength, maxLength });
  }

  #object(flat: FlatSchema, options: ArbitraryOptions & { depth: number }): fc.Arbitrary<Record<string, unknown>> {
    const depth = options.depth;
    const declared = Object.entries(flat.properties).filter(([, schema]) => !this.isReadOnly(schema));
    const required = declared.filter(([name]) => flat.required.includes(name)).map(([name]) => name);
    const present = depth >= MAX_DEPTH ? declared.filter(([name]) => required.includes(name)) : declared;
    const record = fc.record(Object.fromEntries(present.map(([name, schema]) => [name, this.arbitrary(schema, { ...options, depth: depth + 1 })])), {
      requiredKeys: required,
    }) as fc.Arbitrary<Record<string, unknown>>;
    const additional = flat.additionalProperties;
    const maxProperties = flat.maxProperties ?? Number.POSITIVE_INFINITY;
    if (typeof additional !== 'object' || depth >= MAX_DEPTH) return maxProperties === Number.POSITIVE_INFINITY ? record : record.filter((v) => Object.keys(v).length <= maxProperties);
    const declaredNames = new Set(Object.keys(flat.properties).map((name) => name.toLowerCase()));
    const keys = (flat.propertyNames ? (this.arbitrary(flat.propertyNames) as fc.Arbitrary<string>) : fc.string({ maxLength: 16 })).filter(
      (name) => typeof name === 'string' && !declaredNames.has(name.toLowerCase()),
    );
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

export interface ArbitraryOptions {
  depth?: number;
  /** Strings an HTTP header can carry. */
  headerSafe?: boolean;
  /** Never the spec's `examples` (for values that must not happen to equal what a server produces). */
  noExamples?: boolean;
}

export interface Site {
  path: PathSegment[];
  schema: Schema;
  flat: FlatSchema;
  value: unknown;
}

/** Deeper than this, optional properties are left out and arrays keep their minimum size. */
const MAX_DEPTH = 4;

function inferTypes(flat: FlatSchema): string[] {
  if (Object.keys(flat.properties).length > 0 || flat.additionalProperties !== undefined || flat.maxProperties !== undefined) return ['object'];
  if (flat.items !== undefined || flat.minItems !== undefined || flat.maxItems !== undefined) return ['array'];
  if (flat.patterns.length > 0 || flat.format !== undefined || flat.minLength !== undefined || flat.maxLength !== undefined) return ['string'];
  if (flat.minimum !== undefined || flat.maximum !== undefined) return ['number'];
  return ['null', 'boolean', 'integer', 'number', 'string', 'array', 'object'];
}

/** Sets an own, enumerable data property, even one named `__proto__`. */
export function defineData(target: Record<string, unknown> | unknown[], key: PathSegment, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function integerArbitrary(flat: FlatSchema): fc.Arbitrary<number> {
  let min = flat.minimum ?? -(2 ** 31);
  let max = flat.maximum ?? 2 ** 31 - 1;
  if (flat.exclusiveMinimum !== undefined) min = Math.max(min, Math.floor(flat.exclusiveMinimum) + 1);
  if (flat.exclusiveMaximum !== undefined) max = Math.min(max, Math.ceil(flat.exclusiveMaximum) - 1);
  min = Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER);
  max = Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER);
  const step = flat.multipleOf;
  if (step && Number.isInteger(step)) return fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((k) => k * step);
  return fc.integer({ min, max });
}

function numberArbitrary(flat: FlatSchema): fc.Arbitrary<number> {
  const min = flat.exclusiveMinimum ?? flat.minimum;
  const max = flat.exclusiveMaximum ?? flat.maximum;
  return fc.double({
    noNaN: true,
    noDefaultInfinity: true,
    ...(min !== undefined ? { min, minExcluded: flat.exclusiveMinimum !== undefined } : { min: -1e12 }),
    ...(max !== undefined ? { max, maxExcluded: flat.exclusiveMaximum !== undefined } : { max: 1e12 }),
  }).map((n) => (Object.is(n, -0) ? 0 : n));
}

const LATIN1_VISIBLE = fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f && (c < 0x80 || c >= 0xa0)).map((c) => String.fromCharCode(c));

/** What fetch and Node can carry in a header value: Latin-1, no control characters, no edge whitespace. */
export function isHeaderSafe(text: string): boolean {
  return /^[\x21-\x7e\xa0-\xff]([\x20-\x7e\xa0-\xff]*[\x21-\x7e\xa0-\xff])?$/.test(text) || text === '';
}

const dateTimeArbitrary = fc
  .tuple(fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T23:59:59Z'), noInvalidDate: true }), fc.constantFrom('Z', '+00:00', '+05:30', '-08:00', 'z'))
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
    return length >= minLength && length <= maxLength && patterns.every((pattern) => pattern.test(text)) && (!headerSafe || isHeaderSafe(text));
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

// ---------------------------------------------------------------------------------------------------
// Requests: valid ones for an operation, then the mutation layer.
// ---------------------------------------------------------------------------------------------------

/** JSON text inserted as it is where the value stands (deep nesting that JSON.stringify could not build). */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

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
  pathParams: Record<string, { value: string; raw?: boolean }>;
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

export function fillPath(template: string, params: RequestPlan['pathParams']): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const param = params[name];
    if (!param) return `{${name}}`;
    return param.raw ? param.value : encodeURIComponent(param.value);
  });
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
  return (text ?? '').replace(new RegExp(`"${nonce}_(\\d+)"`, 'g'), (_, index: string) => raws[Number(index)] ?? 'null');
}

/** The same value with declared property names and enumeration values in another case (the API reads both). */
function respell(model: SpecModel, value: unknown, schema: Schema | undefined, style: 'pascal' | 'upper'): unknown {
  const change = (text: string): string => (style === 'upper' ? text.toUpperCase() : text.charAt(0).toUpperCase() + text.slice(1));
  if (value instanceof RawJson) return value;
  const flat = model.flattenFor(schema, value);
  if (typeof value === 'string') {
    const enumValues = [...(flat.enum ?? []), ...flat.alternatives.flat().flatMap((member) => model.flatten(member).enum ?? [])];
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
  return operation.requestBody?.content.find((media) => /^application\/(.+\+)?json$/i.test(media.mediaType.split(';')[0]!.trim())) ?? operation.requestBody?.content[0];
}

/**
 * A valid request for `operation`: path parameters from ids the server gave out (or made up from
 * their schemas), optional headers from theirs, and a body drawn from the operation's own examples,
 * from its schema, or (when the same path has a GET answering the very schema the body takes) the
 * last representation read there, sent back whole with one writable value changed: the documented
 * GET-change-PUT flow.
 */
export function validRequest(model: SpecModel, operation: OperationModel, context: RequestContext): fc.Arbitrary<RequestPlan> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const names = pathParameters.map((p) => p.name);
  const fitting = context.bindings.filter((binding) => names.every((name) => binding[name] !== undefined));
  const madeUp = fc.record(Object.fromEntries(pathParameters.map((p) => [p.name, model.arbitrary(p.schema) as fc.Arbitrary<unknown>])));
  const fromBindings =
    fitting.length > 0
      ? fc.tuple(fc.constantFrom(...fitting), fc.record(Object.fromEntries(pathParameters.map((p) => [p.name, rarely(model.arbitrary(p.schema))])))).map(
          ([binding, overrides]) => Object.fromEntries(names.map((name) => [name, overrides[name] ?? binding[name]])),
        )
      : madeUp;
  const params = fc
    .oneof({ arbitrary: fromBindings, weight: 4 }, { arbitrary: madeUp, weight: 1 })
    .map((values) => Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value: String(value) }])));

  const headerParameters = operation.parameters.filter((p) => p.in === 'header' && !context.runnerHeaders.includes(p.name.toLowerCase()));
  const headers = fc.record(
    Object.fromEntries(
      headerParameters.map((p) => [
        p.name.toLowerCase(),
        p.required ? model.arbitrary(p.schema, { headerSafe: true }).map(String) : rarely(model.arbitrary(p.schema, { headerSafe: true }).map(String), 2),
      ]),
    ),
  ) as fc.Arbitrary<Record<string, string | null>>;

  const media = jsonMedia(operation);
  let body: fc.Arbitrary<BodyPlan | undefined> = fc.constant(undefined);
  if (media) {
    const generated = model.arbitrary(media.schema);
    const choices: fc.WeightedArbitrary<unknown>[] = [{ arbitrary: generated, weight: 4 }];
    if (media.examples.length > 0) choices.push({ arbitrary: fc.constantFrom(...media.examples.map((e) => structuredClone(e))), weight: 2 });
    const asBody = fc.oneof(...choices).map((value): BodyPlan => ({ kind: 'json', value, contentType: media.mediaType }));
    body = operation.requestBody?.required ? asBody : fc.option(asBody, { freq: 2, nil: undefined });
  }

  const base = fc.record({ pathParams: params, headers, body }).map(
    (parts): RequestPlan => ({
      operation,
      method: operation.method,
      pathParams: parts.pathParams,
      query: '',
      headers: parts.headers,
      body: parts.body,
      mutation: 'none',
      detail: '',
      injected: [],
    }),
  );

  const roundTrips = media ? roundTripSources(model, operation, media, context) : [];
  if (roundTrips.length === 0) return base;
  const roundTrip = fc.constantFrom(...roundTrips).chain(({ params: values, representation }) => {
    // Change one writable leaf of what was read; read-only values go back exactly as they came.
    const sites = model.sites(representation, media!.schema).filter((site) => site.path.length > 0 && !underReadOnly(model, representation, media!.schema, site.path));
    const leaves = sites.filter((site) => site.value === null || typeof site.value !== 'object');
    const change = leaves.length > 0 ? fc.option(fc.constantFrom(...leaves).chain((site) => model.arbitrary(site.schema).map((value) => ({ site, value })))) : fc.constant(null);
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
function roundTripSources(model: SpecModel, operation: OperationModel, media: MediaModel, context: RequestContext): { params: Record<string, string>; representation: unknown }[] {
  const template = model.templates.find((t) => t.path === operation.path);
  const get = template?.methods.get('GET');
  const answer = get?.responses.get('200')?.content.find((m) => m.mediaType === media.mediaType);
  if (!answer || !sameSchema(model, answer.schema, media.schema)) return [];
  const out: { params: Record<string, string>; representation: unknown }[] = [];
  for (const binding of context.bindings) {
    const names = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
    if (!names.every((name) => binding[name] !== undefined)) continue;
    const params = Object.fromEntries(names.map((name) => [name, binding[name]!]));
    const representation = context.representations.get(fillPath(operation.path, Object.fromEntries(names.map((n) => [n, { value: params[n]! }]))));
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

export function jsonClone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A copy of `root` with the value at `path` replaced (own properties, `__proto__` included); undefined deletes it. */
export function setAt(root: unknown, path: PathSegment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = cloneWithRaw(root);
  let node: any = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  const last = path[path.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else defineData(node, last, value);
  return copy;
}

function cloneWithRaw(value: unknown): unknown {
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map(cloneWithRaw);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) defineData(out, key, cloneWithRaw(child));
  return out;
}

// -- the mutation layer ----------------------------------------------------------------------------

/** Strings that stress text handling: lone surrogates, NUL, bidirectional controls, combining marks, emoji, case-folding oddities. */
export const ODD_UNICODE = [
  '\uD800', '\uDFFF', '\uDBFF\uDBFF', '\u0000', '\u202E', '\u200F', '\u061C', 'e\u0301', 'a\u0300\u0301\u0302\u0303\u0304',
  '\uFEFF', '\uFFFE', '\uFFFF', '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}', '\u{1F1EB}\u{1F1F7}', '\u{1D54F}', '\u200B',
  '\u00A0', '\u2028', '\u2029', '\u0085', '\u0130', '\u0131', '\u00DF', '\u212A', '\uFB00', '\u007F', '\u001B[31m', '\\', '"',
  '</script>', '%00', '${jndi:ldap://x}', "' OR '1'='1", '\u0000\u0000\u0000', '\u{10FFFF}', '\uFDD0',
];

const oddString: fc.Arbitrary<string> = fc
  .array(fc.oneof({ arbitrary: fc.constantFrom(...ODD_UNICODE), weight: 3 }, { arbitrary: fc.string({ unit: 'binary', maxLength: 3 }), weight: 1 }), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));

/** Property names that JavaScript objects treat specially. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', '__defineGetter__', 'hasOwnProperty', 'toString', 'valueOf', 'isPrototypeOf'];

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
  const objects = sites.filter((site) => site.value !== null && typeof site.value === 'object' && !Array.isArray(site.value));
  const choices: fc.WeightedArbitrary<BodyMutation>[] = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<BodyMutation> | undefined): void => {
    if (arbitrary) choices.push({ arbitrary, weight });
  };

  const removable = objects.flatMap((site) =>
    site.flat.required.filter((name) => Object.hasOwn(site.value as object, name) && !model.isReadOnly(site.flat.properties[name])).map((name) => ({ site, name })),
  );
  if (removable.length > 0)
    add(3, fc.constantFrom(...removable).map(({ site, name }) => ({ kind: 'missing-required', value: setAt(value, [...site.path, name], undefined), detail: `${describePath(site.path)} without ${name}` })));

  const typed = sites.filter((site) => (site.flat.types ?? []).length > 0 || site.flat.alternatives.length > 0);
  if (typed.length > 0)
    add(
      3,
      fc
        .tuple(fc.constantFrom(...typed), fc.constantFrom(...WRONG_TYPED))
        .filter(([site, wrong]) => !typeAllows(model.flatten(site.schema).alternatives.length > 0 ? allowedTypes(model, site.schema) : site.flat.types, wrong))
        .map(([site, wrong]) => ({ kind: 'wrong-type', value: setAt(value, site.path, wrong), detail: `${describePath(site.path)} = ${JSON.stringify(wrong)}` })),
    );

  const closed = objects.filter((site) => site.flat.additionalProperties === false);
  if (closed.length > 0) {
    const names = fc.oneof(fc.constantFrom('extra', 'colour', 'lineItem', 'Id2', '$type', '@odata.type', 'x'), fc.string({ minLength: 1, maxLength: 12 }));
    add(
      3,
      fc
        .tuple(fc.constantFrom(...closed), names, anyJson)
        // null is the same as absent, so a null extra is no unknown property (that is the null-property mutation's).
        .filter(([site, name, extra]) => extra !== null && !Object.keys(site.flat.properties).some((declared) => declared.toLowerCase() === name.toLowerCase()))
        .map(([site, name, extra]) => ({ kind: 'unknown-property', value: setAt(value, [...site.path, name], extra), detail: `${describePath(site.path)}.${name} added` })),
    );
  }

  // null is the same as absent (the .NET SDK writes every unset property as null): valid unless the property is required.
  const present = objects.flatMap((site) => Object.keys(site.value as object).map((name) => ({ site, name })));
  if (present.length > 0)
    add(2, fc.constantFrom(...present).map(({ site, name }) => ({ kind: 'null-property', value: setAt(value, [...site.path, name], null), detail: `${describePath(site.path)}.${name} = null` })));

  const withReadOnly = objects.flatMap((site) => Object.entries(site.flat.properties).filter(([, s]) => model.isReadOnly(s)).map(([name, s]) => ({ site, name, schema: s })));
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
        fc.constantFrom(...ofKind).chain((b) => b.arbitrary.map((broken) => ({ kind, value: setAt(value, b.site.path, broken), detail: `${describePath(b.site.path)}: ${b.what}` }))),
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
          return { kind: 'odd-unicode', value: setAt(value, site.path, text), detail: `${describePath(site.path)} = ${JSON.stringify(text)}` };
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
        .tuple(fc.constantFrom(...objects), fc.constantFrom(...PROTOTYPE_KEYS), fc.constantFrom<unknown>({}, { polluted: true }, 'x', 1, null, [], { isAdmin: true, toString: 'x' }))
        .map(([site, name, extra]) => ({ kind: 'prototype-key', value: setAt(value, [...site.path, name], extra), detail: `${describePath(site.path)}.${name} = ${JSON.stringify(extra)}` })),
    );
  }

  add(
    1,
    fc.tuple(fc.constantFrom(...sites), fc.constantFrom(65, 1000, 10_000, 100_000), fc.boolean()).map(([site, depth, arrays]) => ({
      kind: 'deep-nesting',
      value: setAt(value, site.path, new RawJson(arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
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
    for (const member of group) for (const type of intersectTypes(flat.types, model.flatten(member).types ?? inferTypes(model.flatten(member)))) out.add(type);
  return [...out];
}

/** Values that break one bound of the site's schema: numbers, lengths, sizes, enumerations, patterns, formats. */
function boundViolations(model: SpecModel, site: Site): { kind: 'out-of-range' | 'oversized' | 'undersized'; what: string; arbitrary: fc.Arbitrary<unknown> }[] {
  const { flat, value } = site;
  const out: { kind: 'out-of-range' | 'oversized' | 'undersized'; what: string; arbitrary: fc.Arbitrary<unknown> }[] = [];
  const numeric = (flat.types ?? []).some((t) => t === 'integer' || t === 'number');
  if (numeric) {
    const low = flat.exclusiveMinimum ?? flat.minimum;
    const high = flat.exclusiveMaximum ?? flat.maximum;
    if (low !== undefined) out.push({ kind: 'out-of-range', what: `below ${low}`, arbitrary: fc.constantFrom(low - 1, low - 0.5, -1e21, Number.MIN_SAFE_INTEGER - 2).filter((n) => n < low || (flat.exclusiveMinimum !== undefined && n <= low)) });
    if (high !== undefined) out.push({ kind: 'out-of-range', what: `above ${high}`, arbitrary: fc.constantFrom(high + 1, high + 0.5, 1e21, 1.7976931348623157e308, Number.MAX_SAFE_INTEGER + 2).filter((n) => n > high) });
    if ((flat.types ?? []).includes('integer') && !(flat.types ?? []).includes('number')) out.push({ kind: 'out-of-range', what: 'not whole', arbitrary: fc.constantFrom(1.5, 0.1, 1e-7) });
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
        arbitrary: fc.constantFrom(max + 1, max * 4 + 3, 200_000, 1_200_000).map((length) => original + last.repeat(Math.max(1, length - codePoints(original)))),
      });
    } else {
      out.push({ kind: 'oversized', what: 'a very long string', arbitrary: fc.constantFrom(100_000, 1_200_000).map((length) => original + last.repeat(length)) });
    }
    if (flat.minLength !== undefined && flat.minLength > 0) out.push({ kind: 'undersized', what: `shorter than ${flat.minLength}`, arbitrary: fc.constant([...original].slice(0, flat.minLength - 1).join('')) });
    if (flat.patterns.length > 0) {
      const patterns = flat.patterns.map((p) => new RegExp(p, 'u'));
      out.push({
        kind: 'out-of-range',
        what: `not matching ${flat.patterns.join(' and ')}`,
        arbitrary: fc
          .oneof(fc.constantFrom(` ${original}`, `${original}\n`, `${original} `, '', ':', '-x', `${original}\u00e9`, `${original}/..`, `${original}*`), fc.string({ maxLength: 12 }))
          .filter((text) => patterns.some((p) => !p.test(text))),
      });
    }
    if (flat.format === 'uuid') {
      out.push({
        kind: 'out-of-range',
        what: 'not a uuid',
        arbitrary: fc.uuid().chain((u) => fc.constantFrom('not-a-uuid', u.slice(1), `${u}a`, u.replace(/-/g, ''), `{${u}}`, `${u.slice(0, -1)}g`, ` ${u}`, '')),
      });
    }
    if (flat.format === 'date-time') {
      out.push({
        kind: 'out-of-range',
        what: 'not a date-time',
        arbitrary: fc.constantFrom('2026-13-01T00:00:00Z', '2026-02-30T10:00:00Z', 'yesterday', '2026-01-01', '2026-01-01T25:00:00Z', '2026-01-01T10:00:00', '', '1700000000'),
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
        .oneof(fc.constantFrom<unknown>('weekly', '', 'unknown_value', `${sample ?? 'x'}_x`, ` ${sample ?? 'x'}`, 99999), fc.string({ maxLength: 10 }))
        .filter((v) => !known.includes(typeof v === 'string' ? v.toLowerCase() : JSON.stringify(v))),
    });
  }
  if (flat.hasConst) out.push({ kind: 'out-of-range', what: 'not the constant', arbitrary: fc.constantFrom<unknown>('other', 0, null).filter((v) => JSON.stringify(v) !== JSON.stringify(flat.const)) });
  if (Array.isArray(value) || (flat.types ?? []).includes('array')) {
    const items = Array.isArray(value) && value.length > 0 ? value : [];
    if (flat.maxItems !== undefined) {
      const max = flat.maxItems;
      const item = flat.items ? model.arbitrary(flat.items, { depth: MAX_DEPTH }) : anyJson;
      out.push({
        kind: 'oversized',
        what: `more than ${max} items`,
        arbitrary: fc.tuple(item, fc.constantFrom(max + 1, max + 7)).map(([extra, length]) => Array.from({ length }, (_, i) => jsonClone(items.length > 0 ? items[i % items.length] : extra))),
      });
    }
    if (flat.minItems !== undefined && flat.minItems > 0) out.push({ kind: 'undersized', what: `fewer than ${flat.minItems} items`, arbitrary: fc.constant(items.slice(0, flat.minItems - 1)) });
  }
  if ((value !== null && typeof value === 'object' && !Array.isArray(value)) || (flat.types ?? []).includes('object')) {
    const base = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
    if (flat.maxProperties !== undefined) {
      const max = flat.maxProperties;
      const extraValue = typeof flat.additionalProperties === 'object' ? model.arbitrary(flat.additionalProperties, { depth: MAX_DEPTH }) : anyJson;
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
    if (flat.minProperties !== undefined && flat.minProperties > 0) out.push({ kind: 'undersized', what: `fewer than ${flat.minProperties} properties`, arbitrary: fc.constant({}) });
  }
  return out;
}

/** Corruptions of JSON text: truncated, trailing commas, comments, single quotes, bare words, wrong top-level values. */
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

/** Path parameter values that are not ids, or are ids in unusual spellings. `raw` ones are put into the path unencoded. */
export function badPathValue(model: SpecModel, parameter: ParameterModel, others: readonly string[]): fc.Arbitrary<{ value: string; raw?: boolean }> {
  const plain = fc.oneof(
    fc.constantFrom('not-a-guid', ' ', 'null', 'undefined', '0', '-1', "' OR '1'='1", '<script>alert(1)</script>', '../../etc/passwd', 'a/b', 'a?b=c', 'a#b', 'a;b', '*', '$', '~'),
    fc.uuid().chain((u) => fc.constantFrom(u.toUpperCase(), `urn:uuid:${u}`, `{${u}}`, u.replace(/-/g, ''), `${u} `, `${u}\u0000`, `${u}/checkout`)),
    fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
    fc.constantFrom(65, 200, 20_000).map((length) => 'a'.repeat(length)),
    oddString.filter((text) => text.length > 0 && isWellFormed(text)),
    model.arbitrary(parameter.schema).map(String),
    ...(others.length > 0 ? [fc.constantFrom(...others)] : []),
  );
  return fc.oneof(
    { arbitrary: plain.map((value) => ({ value })), weight: 5 },
    { arbitrary: fc.constantFrom('', '.', '..', '%', '%zz', '%2e%2e', '%ED%A0%80', '%00', '%2F', '%20', 'a%2fb', '%E2%80%AE').map((value) => ({ value, raw: true })), weight: 2 },
  );
}

function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** Header values that break the header's schema, or stretch what HTTP carries (Latin-1, edge cases). */
export function badHeaderValue(model: SpecModel, parameter: ParameterModel): fc.Arbitrary<string> {
  const flat = model.flatten(parameter.schema);
  const candidates: fc.Arbitrary<string>[] = [fc.constantFrom('has a space', 'caf\u00e9', '\u00ff\u00fe', 'a,b', '"quoted"', '*', '-', '{}', 'null')];
  if (flat.maxLength !== undefined) candidates.push(fc.constantFrom(flat.maxLength + 1, flat.maxLength * 2).map((length) => 'x'.repeat(length)));
  candidates.push(model.arbitrary(parameter.schema, { headerSafe: true }).map((v) => `${String(v)} \u00e9`));
  return fc.oneof(...candidates).filter(isHeaderSafe);
}

// ---------------------------------------------------------------------------------------------------
// Classification: is a request valid as the spec reads it? Independent of how it was made.
// ---------------------------------------------------------------------------------------------------

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

/** What fetch adds to every request (host, connection, accept, accept-language, sec-fetch-mode, user-agent, accept-encoding, content-length). */
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

export function classify(model: SpecModel, validator: PointerValidator, request: WireRequest, limits: ClassifyLimits): Verdict {
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
    Object.entries(request.headers).reduce((sum, [name, value]) => sum + Buffer.byteLength(`${name}: ${value}\r\n`, 'latin1'), 0) +
    FETCH_HEADER_BYTES;
  if (headBytes > limits.headerBytes + 1024) defect(`request line and headers of about ${headBytes} bytes, over ${limits.headerBytes}`, 431);
  else if (headBytes > limits.headerBytes - 2048) doubts.push(`request line and headers of about ${headBytes} bytes, near the ${limits.headerBytes} limit`);

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
      if (Buffer.byteLength(request.body ?? '', 'utf8') > limits.bodyBytes) defect(`a body over ${limits.bodyBytes} bytes`, 413);
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
      if (!operation.parameters.some((p) => p.in === 'query' && p.name === name)) doubts.push(`query parameter ${name} is not in the spec`);
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
        if (errors.length > 0) defect(`the body breaks the schema (${errors.length} error${errors.length === 1 ? '' : 's'})`);
        // A schema that constrains nothing (checkout's) takes any JSON and means nothing by it.
        if (isUnconstrained(model.flatten(media.schema))) body = undefined;
      }
    } else if (hasBody && (request.body ?? '') !== '') doubts.push('a body the operation does not declare');
  }
  const verdict = defects.length > 0 ? 'invalid' : doubts.length > 0 ? 'either' : 'valid';
  return { verdict, reasons: [...defects, ...doubts], expectedStatus: defects.length > 0 ? expectedStatus : undefined, route, body };
}

function isUnconstrained(flat: FlatSchema): boolean {
  return !flat.never && flat.types === undefined && flat.enum === undefined && !flat.hasConst && Object.keys(flat.properties).length === 0 &&
    flat.additionalProperties === undefined && flat.items === undefined && flat.alternatives.length === 0;
}

/** A parameter's text as the value its schema types it (headers and paths travel as text). */
function coerceParameter(model: SpecModel, schema: Schema, value: string): unknown {
  const types = model.flatten(schema).types ?? [];
  if (types.includes('string')) return value;
  if ((types.includes('integer') || types.includes('number')) && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

// The OpenAPI document (generated/openapi.json) as the fuzz reads it, knowing no schema of this API
// by name: its operations, parameters, request bodies and responses with JSON Pointers to their
// schemas (for an ajv validator of the same document), routing by its path templates, schemas
// flattened (flat-schema.ts), and values read the way the API reads them (case-insensitive names,
// nulls left out, read-only properties ignored). The arbitraries of valid values are built by
// value-arbitraries.ts and reached through `arbitrary()`.
//
// The rest of the fuzz suite, by concern: valid-requests.ts makes valid requests for an operation,
// mutations.ts breaks one thing in them, classify.ts says independently whether a request is valid as
// the spec reads it, and the runner (fuzzer.ts) sends them and judges the answers (oracle.ts).
// Generation is best effort and classification is the ground truth: a keyword the generators do not
// know (`not`, `if`, `patternProperties`, an unusual format...) may make a "valid" value invalid, and
// the classification (ajv over the same document) then says so, so the oracle never blames the server
// for the generator's approximation.
import fc from 'fast-check';
import {
  absorbSchema,
  cloneFlat,
  emptyFlat,
  inferTypes,
  typeAllows,
  type FlatSchema,
  type Schema,
} from './flat-schema.ts';
import { defineData, type PathSegment } from './json-values.ts';
import { ValueArbitraries, type ArbitraryOptions } from './value-arbitraries.ts';
import { pointerSegment, SpecIndex, type SpecOperation } from '../../../openapi/spec-index.ts';

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
function matchSegments(
  template: string[],
  segments: string[],
  lenient: boolean,
): Record<string, string | undefined> | undefined {
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
  return (
    Array.isArray(security) &&
    security.length > 0 &&
    !security.some(
      (requirement) => requirement && typeof requirement === 'object' && Object.keys(requirement).length === 0,
    )
  );
}

/** Path parameter values by name; `raw` ones go into the path as they are, the others percent-encoded. */
export type PathParamValues = Record<string, { value: string; raw?: boolean }>;

/** A path template with its parameters filled in. */
export function fillPath(template: string, params: PathParamValues): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const param = params[name];
    if (!param) return `{${name}}`;
    return param.raw ? param.value : encodeURIComponent(param.value);
  });
}

export function pathParams(operation: OperationModel): ParameterModel[] {
  return operation.parameters.filter((p) => p.in === 'path');
}

/** A path template of the document, with its operations by (upper-case) method. */
interface Template {
  path: string;
  segments: string[];
  methods: Map<string, OperationModel>;
}

/** A node of a value together with the schema that describes it (see SpecModel.sites). */
export interface Site {
  path: PathSegment[];
  schema: Schema;
  flat: FlatSchema;
  value: unknown;
}

/**
 * The OpenAPI document as the fuzz reads it: its operations (with JSON Pointers to every schema, for
 * an ajv validator of the same document), routing by its path templates, schemas flattened, and
 * arbitraries of valid values.
 */
export class SpecModel {
  readonly document: Schema;
  readonly operations: OperationModel[];
  readonly #flat = new WeakMap<object, FlatSchema>();
  readonly #values = new ValueArbitraries(this);
  readonly #templates: Template[] = [];

  /** The document's index: its references and operations. */
  readonly index: SpecIndex;

  constructor(document: Schema) {
    this.document = document;
    this.index = new SpecIndex(document);
    this.operations = [];
    // Every path is a template, with operations or without (a router still knows the path).
    const templates = new Map<string, Template>(
      Object.keys(document.paths ?? {}).map((path) => [
        path,
        { path, segments: path.split('/').slice(1), methods: new Map() },
      ]),
    );
    for (const operation of this.index.operations()) {
      const model = this.#operation(operation);
      templates.get(operation.path)?.methods.set(model.method, model);
      this.operations.push(model);
    }
    this.#templates.push(...templates.values());
  }

  // -- the operations ----------------------------------------------------------------------------

  #operation(operation: SpecOperation): OperationModel {
    return {
      operationId: operation.operationId ?? `${operation.method} ${operation.path}`,
      method: operation.method.toUpperCase(),
      path: operation.path,
      parameters: operation.parameters.map((parameter) => this.#parameter(parameter.node, parameter.pointer)),
      requestBody: operation.requestBody && {
        required: operation.requestBody.node.required === true,
        content: this.#media(operation.requestBody.node.content, `${operation.requestBody.pointer}/content`),
      },
      secured: isSecured(operation.security),
      responses: new Map(
        [...operation.responses].map(([status, response]) => [
          status,
          this.#response(status, response.node, response.pointer),
        ]),
      ),
    };
  }

  #parameter(node: Schema, at: string): ParameterModel {
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
        ...Object.entries<Schema>(media.examples ?? {}).map(
          ([name, example]) =>
            this.index.deref<Schema>(
              example,
              `${pointer}/${pointerSegment(mediaType)}/examples/${pointerSegment(name)}`,
            ).node.value,
        ),
      ].filter((value) => value !== undefined),
    }));
  }

  #response(status: string, node: Schema, at: string): ResponseModel {
    const headers = Object.entries<Schema>(node.headers ?? {}).map(([name, header]) => {
      const resolved = this.index.deref<Schema>(header, `${at}/headers/${pointerSegment(name)}`);
      return {
        name,
        required: resolved.node.required === true,
        schema: resolved.node.schema ?? {},
        schemaPointer: `${resolved.pointer}/schema`,
      };
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

  /**
   * The path parameters a URI (or its tail: links may leave out a base path such as `/v1`) carries, and the template it
   * fits.
   */
  bindingsOf(uri: string): { template: string; params: Record<string, string> } | undefined {
    const segments = (uri.split(/[?#]/)[0] ?? '').split('/').slice(1);
    for (const template of this.#templates) {
      for (let skip = 0; skip < template.segments.length; skip++) {
        // Only literal leading segments (a base path) may be left out.
        if (template.segments.slice(0, skip).some((segment) => segment.startsWith('{'))) break;
        const params = matchSegments(template.segments.slice(skip), segments, false);
        if (params && Object.keys(params).length > 0)
          return { template: template.path, params: params as Record<string, string> };
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
    absorbSchema(flat, schema, (pointer) => this.index.resolve(pointer));
    this.#flat.set(schema, flat);
    return flat;
  }

  /**
   * The flat schema with, for each anyOf/oneOf, the member that fits `value`'s JSON type (the first when none does).
   */
  flattenFor(schema: Schema | undefined, value: unknown): FlatSchema {
    const flat = this.flatten(schema);
    if (flat.alternatives.length === 0) return flat;
    const out = cloneFlat(flat);
    out.alternatives = [];
    for (const group of flat.alternatives) {
      const chosen =
        group.find((member) => typeAllows(this.flatten(member).types ?? inferTypes(this.flatten(member)), value)) ??
        group[0];
      if (chosen) absorbSchema(out, chosen, (pointer) => this.index.resolve(pointer));
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
      const values = [
        ...(flat.enum ?? []),
        ...flat.alternatives.flat().flatMap((member) => this.flatten(member).enum ?? []),
      ].filter((v): v is string => typeof v === 'string');
      if (values.includes(value)) return value;
      const fold = (text: string) => text.toLowerCase().replace(/[_\s-]/g, '');
      return values.find((candidate) => fold(candidate) === fold(value)) ?? value;
    }
    if (Array.isArray(value))
      return flat.items ? value.map((item) => this.canonicalize(item, flat.items, depth + 1)) : value;
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    const closed = flat.additionalProperties === false && Object.keys(flat.properties).length > 0;
    for (const [key, child] of Object.entries(value)) {
      if (child === null) continue;
      const declared = Object.keys(flat.properties).find((name) => name.toLowerCase() === key.toLowerCase());
      if (declared === undefined && closed) continue;
      const name = declared !== undefined && !Object.hasOwn(out, declared) ? declared : key;
      const childSchema =
        name === declared
          ? flat.properties[name]
          : name === key && declared === undefined
            ? this.childSchema(flat, value, key)
            : undefined;
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
    return this.#values.arbitrary(schema, options);
  }
}

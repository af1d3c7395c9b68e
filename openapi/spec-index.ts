// One reading of an OpenAPI 3.1 document for everything that walks it (the server, scripts/ and the
// tests): local `$ref`s resolved to the node and its JSON Pointer, and the operations with their
// merged parameters, request body and responses. It has no dependency, so that the sandbox package
// (sandbox/build.mjs) can ship it as it is.
//
// A library was considered: @redocly/openapi-core (already installed) and json-schema-ref-parser
// resolve and bundle, but neither answers "the parameters of this operation, path-level ones
// merged", nor keeps the pointer of each node, which the ajv-based tests need; the resolving itself
// is a dozen lines.
//
// Only local references (`#/...`) are followed: every document here is a bundle or a single file.
// Pointers are not percent-decoded (no reference in these documents is percent-encoded).

/** The operations a Path Item may hold (OpenAPI 3.1 "Path Item Object"), in its order. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type JsonObject = { [key: string]: unknown };
/** A JSON Schema node (3.1 allows `true`/`false` as schemas too; none of these documents uses one). */
export type SchemaObject = JsonObject;

export type ParameterLocation = 'path' | 'query' | 'header' | 'cookie';

export interface ParameterObject extends JsonObject {
  name: string;
  in: ParameterLocation;
  required?: boolean;
  schema?: SchemaObject;
}

export interface MediaTypeObject extends JsonObject {
  schema?: SchemaObject;
  example?: unknown;
  examples?: Record<string, unknown>;
}

export interface RequestBodyObject extends JsonObject {
  required?: boolean;
  content?: Record<string, MediaTypeObject>;
}

export interface ResponseObject extends JsonObject {
  headers?: Record<string, unknown>;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject extends JsonObject {
  operationId?: string;
  tags?: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
  security?: JsonObject[];
}

/** A node with its place in the document: a JSON Pointer as a URI fragment (`#/components/...`). */
export interface Resolved<T = JsonObject> {
  node: T;
  pointer: string;
}

/** A `$ref` that leads nowhere, or round in a circle, or out of the document. */
export class SpecReferenceError extends Error {
  override name = 'SpecReferenceError';
  /** The reference (or pointer) that could not be followed. */
  readonly ref: string;

  constructor(ref: string, message: string) {
    super(message);
    this.ref = ref;
  }
}

/** Escapes one segment of a JSON Pointer (RFC 6901): `~` as `~0`, `/` as `~1`. */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The pointer, as a URI fragment, of the node reached through `segments` from the root. */
export function pointerTo(...segments: (string | number)[]): string {
  return `#${segments.map((segment) => `/${pointerSegment(segment)}`).join('')}`;
}

/** The unescaped segments of a local pointer (`#/a~1b/c` is `['a/b', 'c']`). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '#') return [];
  if (!pointer.startsWith('#/'))
    throw new SpecReferenceError(pointer, `only local $refs are supported, not ${pointer}`);
  // ~1 first, then ~0: `~01` is `~1`, not `/` (RFC 6901, section 4).
  return pointer
    .slice(2)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null;

const refOf = (node: unknown): string | undefined =>
  isObject(node) && typeof node['$ref'] === 'string' ? node['$ref'] : undefined;

/** One operation of the document; what it refers to is resolved when first read, then kept. */
export class SpecOperation {
  readonly operationId: string | undefined;
  readonly method: HttpMethod;
  /** The path template, e.g. `/v1/customers/{customerId}/carts`. */
  readonly path: string;
  /** Where the operation object is (`#/paths/~1v1~1.../get`). */
  readonly pointer: string;
  readonly node: OperationObject;
  readonly pathItem: Resolved;
  readonly #index: SpecIndex;
  #parameters: readonly Resolved<ParameterObject>[] | undefined;
  #requestBody: { value: Resolved<RequestBodyObject> | undefined } | undefined;
  #responses: ReadonlyMap<string, Resolved<ResponseObject>> | undefined;

  constructor(index: SpecIndex, path: string, pathItem: Resolved, method: HttpMethod) {
    this.#index = index;
    this.path = path;
    this.pathItem = pathItem;
    this.method = method;
    this.pointer = `${pathItem.pointer}/${method}`;
    this.node = pathItem.node[method] as OperationObject;
    this.operationId = typeof this.node.operationId === 'string' ? this.node.operationId : undefined;
  }

  get tags(): readonly string[] {
    return Array.isArray(this.node.tags) ? this.node.tags.filter((tag) => typeof tag === 'string') : [];
  }

  /**
   * The path item's parameters and the operation's, resolved. An operation's parameter overrides
   * the path item's of the same `name` and `in`, taking its place in the list.
   */
  get parameters(): readonly Resolved<ParameterObject>[] {
    if (this.#parameters) return this.#parameters;
    const merged = new Map<string, Resolved<ParameterObject>>();
    const lists: [unknown, string][] = [
      [this.pathItem.node['parameters'], `${this.pathItem.pointer}/parameters`],
      [this.node.parameters, `${this.pointer}/parameters`],
    ];
    for (const [list, at] of lists) {
      if (!Array.isArray(list)) continue;
      list.forEach((raw, i) => {
        const parameter = this.#index.deref<ParameterObject>(raw, `${at}/${i}`);
        merged.set(`${parameter.node.in}\u0000${parameter.node.name}`, parameter);
      });
    }
    this.#parameters = [...merged.values()];
    return this.#parameters;
  }

  /** The parameters in one location (`query`, `header`...), in the order of `parameters`. */
  parametersIn(location: ParameterLocation): Resolved<ParameterObject>[] {
    return this.parameters.filter((parameter) => parameter.node.in === location);
  }

  /** The request body object, resolved; undefined when the operation takes none. */
  get requestBody(): Resolved<RequestBodyObject> | undefined {
    if (!this.#requestBody) {
      const raw = this.node.requestBody;
      const value =
        raw === undefined ? undefined : this.#index.deref<RequestBodyObject>(raw, `${this.pointer}/requestBody`);
      this.#requestBody = { value };
    }
    return this.#requestBody.value;
  }

  /**
   * The schema of the request body's `application/json` content, as written (a `$ref` in it is left
   * for the schema's reader to follow), and where it is.
   */
  get bodySchema(): Resolved<SchemaObject> | undefined {
    const body = this.requestBody;
    const schema = body?.node.content?.['application/json']?.schema;
    if (!body || !isObject(schema)) return undefined;
    return { node: schema, pointer: `${body.pointer}/content/application~1json/schema` };
  }

  /** The response objects by status (`200`, `4XX`, `default`), resolved, in the document's order. */
  get responses(): ReadonlyMap<string, Resolved<ResponseObject>> {
    if (this.#responses) return this.#responses;
    const responses = new Map<string, Resolved<ResponseObject>>();
    for (const [status, raw] of Object.entries(this.node.responses ?? {})) {
      responses.set(
        status,
        this.#index.deref<ResponseObject>(raw, `${this.pointer}/responses/${pointerSegment(status)}`),
      );
    }
    this.#responses = responses;
    return responses;
  }

  /** The security requirements that apply: the operation's, else the document's. */
  get security(): readonly JsonObject[] | undefined {
    const security = this.node.security ?? (this.#index.document as { security?: unknown }).security;
    return Array.isArray(security) ? security : undefined;
  }
}

const indexes = new WeakMap<object, SpecIndex>();

/** An index of one parsed OpenAPI document; the document is read, never changed. */
export class SpecIndex {
  readonly document: object;
  #operations: readonly SpecOperation[] | undefined;
  #byId: ReadonlyMap<string, SpecOperation> | undefined;

  constructor(document: object) {
    this.document = document;
  }

  /**
   * The index of `document`, made once and kept for as long as the document lives: the server's
   * parts share one. A document changed after it was indexed needs `new SpecIndex(document)`.
   */
  static of(document: object): SpecIndex {
    let index = indexes.get(document);
    if (!index) {
      index = new SpecIndex(document);
      indexes.set(document, index);
    }
    return index;
  }

  /** The node at a local pointer (`#/components/schemas/Cart`); throws when there is none. */
  resolve(pointer: string): unknown {
    const found = this.#walk(pointer);
    if (found.missing !== undefined) {
      throw new SpecReferenceError(pointer, `dangling $ref ${pointer}: there is no "${found.missing}" in ${found.at}`);
    }
    return found.node;
  }

  /** The node at a local pointer, or undefined when there is none. */
  find(pointer: string): unknown {
    const found = this.#walk(pointer);
    return found.missing === undefined ? found.node : undefined;
  }

  /**
   * Follows `$ref`s from `node` (through chains of them) to a node that is not one, and says where
   * that is: the last reference followed, else `at`, where `node` itself is (also named in errors).
   * Throws a SpecReferenceError for a dangling reference, a cycle, or a reference out of the document.
   */
  deref<T = JsonObject>(node: unknown, at: string): Resolved<T>;
  deref<T = JsonObject>(node: unknown): { node: T; pointer: string | undefined };
  deref<T = JsonObject>(node: unknown, at?: string): { node: T; pointer: string | undefined } {
    let current = node;
    let pointer = at;
    const followed: string[] = [];
    for (let ref = refOf(current); ref !== undefined; ref = refOf(current)) {
      if (followed.includes(ref)) throw new SpecReferenceError(ref, `$ref cycle: ${[...followed, ref].join(' -> ')}`);
      followed.push(ref);
      const found = this.#walk(ref);
      if (found.missing !== undefined) {
        const where = pointer === undefined ? '' : ` (at ${pointer})`;
        throw new SpecReferenceError(
          ref,
          `dangling $ref ${ref}${where}: there is no "${found.missing}" in ${found.at}`,
        );
      }
      current = found.node;
      pointer = ref;
    }
    return { node: current as T, pointer };
  }

  /** `deref`, with undefined instead of an error, for documents that may be broken. */
  tryDeref<T = JsonObject>(node: unknown, at?: string): { node: T; pointer: string | undefined } | undefined {
    try {
      return this.deref<T>(node, at as string);
    } catch (error) {
      if (error instanceof SpecReferenceError) return undefined;
      throw error;
    }
  }

  /** A component schema by name, where it is (not followed if it is itself a `$ref`). */
  schema(name: string): Resolved<SchemaObject> {
    const pointer = pointerTo('components', 'schemas', name);
    const node = this.resolve(pointer);
    if (!isObject(node)) throw new SpecReferenceError(pointer, `${pointer} is not a schema object`);
    return { node, pointer };
  }

  /** Every operation, path by path in the document's order, and in each path item's order. */
  operations(): readonly SpecOperation[] {
    if (this.#operations) return this.#operations;
    const operations: SpecOperation[] = [];
    const paths = (this.document as { paths?: unknown }).paths;
    for (const [path, raw] of Object.entries(isObject(paths) ? paths : {})) {
      if (!isObject(raw)) continue;
      const item = this.deref(raw, pointerTo('paths', path));
      for (const key of Object.keys(item.node)) {
        const method = HTTP_METHODS.find((candidate) => candidate === key);
        if (method && isObject(item.node[method])) operations.push(new SpecOperation(this, path, item, method));
      }
    }
    this.#operations = operations;
    return operations;
  }

  /** The operation with this operationId (the first, should two share it). */
  operation(operationId: string): SpecOperation | undefined {
    if (!this.#byId) {
      const byId = new Map<string, SpecOperation>();
      for (const operation of this.operations()) {
        if (operation.operationId !== undefined && !byId.has(operation.operationId))
          byId.set(operation.operationId, operation);
      }
      this.#byId = byId;
    }
    return this.#byId.get(operationId);
  }

  /** The node at `pointer`, or the first segment missing and where it was looked for. */
  #walk(pointer: string): { node: unknown; missing?: string; at?: string } {
    let node: unknown = this.document;
    let at = '#';
    for (const segment of pointerSegments(pointer)) {
      // Own properties only: `constructor` or `__proto__` in a pointer must not reach Object's.
      if (!isObject(node) || !Object.hasOwn(node, segment)) return { node: undefined, missing: segment, at };
      node = node[segment];
      at += `/${pointerSegment(segment)}`;
    }
    return { node };
  }
}

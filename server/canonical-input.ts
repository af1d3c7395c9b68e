// Reads a request body the way Partner Center reads it, before it is validated against the spec:
// property names and enumeration values are matched without regard to case (the published examples
// and the .NET SDK send "LineItems", "BillingCycle": "Monthly"), and read-only properties, which the
// documented GET-change-PUT flow sends back, are dropped because the service never applies them.
// Everything else is left as it is, so that the validator still reports unknown properties and bad
// values under the names the client sent.

/** A JSON Schema node of the bundled spec (only what this walk reads). */
export interface SchemaNode {
  $ref?: string;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  enum?: unknown[];
  readOnly?: boolean;
}

/** Resolves local `$ref`s (`#/components/schemas/Cart`) against the bundled spec document. */
export function refResolver(document: unknown): (ref: string) => SchemaNode {
  return (ref) => {
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, not ${ref}`);
    let node: unknown = document;
    for (const segment of ref.slice(2).split('/')) {
      const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
    if (node === undefined || node === null || typeof node !== 'object') throw new Error(`unresolved $ref ${ref}`);
    return node as SchemaNode;
  };
}

interface Shape {
  properties: Map<string, { name: string; schema: SchemaNode; readOnly: boolean }>; // lower-cased name -> declared
  additionalProperties?: SchemaNode;
  items: SchemaNode[];
  enumValues: string[];
}

const MAX_DEPTH = 64; // deeper input is left untouched; the validator and body limits deal with it

export class CaseInsensitiveReader {
  readonly #resolve: (ref: string) => SchemaNode;
  readonly #shapes = new WeakMap<SchemaNode, Shape>();

  constructor(document: unknown) {
    this.#resolve = refResolver(document);
  }

  /** Returns a canonical copy of `value` read against `schema` (a node of the bundled spec). */
  read(value: unknown, schema: SchemaNode): unknown {
    return this.#read(value, schema, 0);
  }

  #read(value: unknown, schema: SchemaNode, depth: number): unknown {
    if (depth > MAX_DEPTH) return value;
    const shape = this.#shape(schema);
    if (typeof value === 'string') {
      if (shape.enumValues.length === 0 || shape.enumValues.includes(value)) return value;
      const lower = value.toLowerCase();
      return shape.enumValues.find((candidate) => candidate.toLowerCase() === lower) ?? value;
    }
    if (Array.isArray(value)) {
      if (shape.items.length === 0) return value;
      return value.map((item) => shape.items.reduce<unknown>((acc, items) => this.#read(acc, items, depth + 1), item));
    }
    if (value === null || typeof value !== 'object') return value;

    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const declared = shape.properties.get(key.toLowerCase());
      if (declared?.readOnly) continue;
      let name = key;
      let childSchema: SchemaNode | undefined = shape.additionalProperties;
      if (declared && !Object.hasOwn(out, declared.name)) {
        name = declared.name;
        childSchema = declared.schema;
      } else if (declared) {
        childSchema = undefined; // a second spelling of a property already read: left for the validator to reject
      }
      // defineProperty, not assignment: a "__proto__" key must stay a plain property.
      Object.defineProperty(out, name, {
        value: childSchema ? this.#read(child, childSchema, depth + 1) : child,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  /** Everything a schema node says about properties, items and enum values, with refs and combinators merged. */
  #shape(schema: SchemaNode): Shape {
    const cached = this.#shapes.get(schema);
    if (cached) return cached;
    const shape: Shape = { properties: new Map(), items: [], enumValues: [] };
    this.#shapes.set(schema, shape);
    const visit = (node: SchemaNode, seen: Set<SchemaNode>): void => {
      if (seen.has(node)) return;
      seen.add(node);
      if (node.$ref) visit(this.#resolve(node.$ref), seen);
      for (const member of [...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? [])]) visit(member, seen);
      for (const [name, propertySchema] of Object.entries(node.properties ?? {})) {
        const key = name.toLowerCase();
        if (!shape.properties.has(key))
          shape.properties.set(key, { name, schema: propertySchema, readOnly: isReadOnly(propertySchema, this.#resolve) });
      }
      if (node.additionalProperties && typeof node.additionalProperties === 'object')
        shape.additionalProperties ??= node.additionalProperties;
      if (node.items) shape.items.push(node.items);
      for (const candidate of node.enum ?? []) if (typeof candidate === 'string') shape.enumValues.push(candidate);
    };
    visit(schema, new Set());
    return shape;
  }
}

function isReadOnly(schema: SchemaNode, resolve: (ref: string) => SchemaNode): boolean {
  if (schema.readOnly === true) return true;
  return schema.$ref !== undefined && resolve(schema.$ref).readOnly === true;
}

// Reads a request the way Partner Center reads it, before it is validated against the spec:
// - property names and enumeration values are matched without regard to case, and enumeration
//   values also without regard to underscores, spaces and hyphens (the published examples and the
//   .NET SDK send "LineItems", "BillingCycle": "Monthly", "billingType=OneTime" for one_time);
// - `null` is the same as absent, at any depth (the .NET SDK writes every unset property as null);
// - the properties the service manages (`x-server-managed` in the spec: ids, timestamps, status,
//   links, prices, ...) are dropped: the documented GET-change-PUT flow sends them back, and the
//   service never applies them;
// - a property no schema declares is dropped and reported (Partner Center ignores what it does not
//   use; the caller names each one in an answer header, or refuses the request in strict mode),
//   with the declared property of that object it is nearest to, when it looks like a typo of one;
// - a property sent twice under two spellings (`lineItems` and `LineItems`) is reported as such, for
//   the caller to refuse: which of the two was meant cannot be known.
// Wrong types and values are left as they are, for the validator to report under the names sent.
// It reads the canonical form of the spec (server/http/spec.ts), whose request objects list their
// properties and leave others unmentioned: an object schema with properties and no schema for
// other names declares its whole set.

import { SpecIndex } from '../../openapi/spec-index.ts';
import { nearestName } from './nearest-name.ts';

/** The answer header that names what the reading ignored (declared in the spec). */
export const IGNORED_HEADER = 'Sandbox-Ignored-Properties';

/** A JSON Schema node of the bundled spec (only what this walk reads). */
export interface SchemaNode {
  $ref?: string;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  enum?: unknown[];
  'x-server-managed'?: boolean;
}

/** What the reading made of a value: its canonical form, and the paths of the properties it ignored. */
export interface Reading {
  value: unknown;
  ignored: string[];
  /** Properties sent again under another spelling of a name already read, as `path` of the second. */
  repeated: string[];
}

/** A property the reading ignored: its path, its name as sent (printable) and the declared name it likely misspells. */
export interface IgnoredProperty {
  path: string;
  name: string;
  /** The declared property of the same object nearest to `name` (nearest-name.ts), when one is close. */
  suggestion?: string;
}

/** Told of each ignored property and of the object (as read) it was sent in. */
export type IgnoredListener = (property: IgnoredProperty, readObject: Record<string, unknown>) => void;

/** What one reading collects as it walks. */
interface Found {
  ignored: string[];
  repeated: string[];
  onIgnored: IgnoredListener | undefined;
}

interface Shape {
  properties: Map<string, { name: string; schema: SchemaNode; serverManaged: boolean }>; // lower-cased name -> declared
  /** The declared names a client may send (not the service's own): what an ignored name may be a typo of. */
  sendable: string[];
  /** The schema of undeclared properties (a map such as provisioningContext), if they are allowed. */
  additionalProperties?: SchemaNode;
  /** Declares properties and allows no others: an undeclared property is ignored and reported. */
  closed: boolean;
  items: SchemaNode[];
  /** Declared enumeration values by their folded form. */
  enumValues: Map<string, string>;
  boolean: boolean;
}

const MAX_DEPTH = 64; // deeper input is left untouched; the validator and body limits deal with it

/**
 * The form in which enumeration values are compared: `OneTime`, `one_time` and `ONETIME` are one.
 * Only ASCII letters change case, so that the spec's pattern for other spellings (`OtherSpelling`:
 * letters, digits, `_`, `-` and white space) covers every spelling read as a value.
 */
export function foldEnumValue(value: string): string {
  return value.replace(/[A-Z]/g, (letter) => letter.toLowerCase()).replace(/[_\s-]/g, '');
}

export class CaseInsensitiveReader {
  readonly #index: SpecIndex;
  readonly #shapes = new WeakMap<SchemaNode, Shape>();

  /** `document`: the spec the schemas given to `read` are nodes of, which their `$ref`s point into. */
  constructor(document: object) {
    this.#index = SpecIndex.of(document);
  }

  /**
   * Reads `value` against `schema` (a node of the bundled spec); `path` names its place in ignored
   * paths. `onIgnored`, when given, is also told of each ignored property, with the declared name it
   * likely misspells.
   */
  read(value: unknown, schema: SchemaNode, path = 'body', onIgnored?: IgnoredListener): Reading {
    const ignored: string[] = [];
    const repeated: string[] = [];
    return { value: this.#read(value, schema, path, { ignored, repeated, onIgnored }, 0), ignored, repeated };
  }

  /**
   * A scalar (a query parameter) read against its schema: enumeration values and booleans matched without regard to
   * case.
   */
  readScalar(value: string, schema: SchemaNode): string {
    const shape = this.#shape(schema);
    if (shape.boolean) return /^(?:true|false)$/i.test(value) ? value.toLowerCase() : value;
    return shape.enumValues.get(foldEnumValue(value)) ?? value;
  }

  #read(value: unknown, schema: SchemaNode, path: string, found: Found, depth: number): unknown {
    if (depth > MAX_DEPTH) return value;
    const shape = this.#shape(schema);
    if (typeof value === 'string') return shape.enumValues.get(foldEnumValue(value)) ?? value;
    if (Array.isArray(value)) {
      if (shape.items.length === 0) return value;
      return value.map((item, index) =>
        shape.items.reduce<unknown>(
          (acc, items) => this.#read(acc, items, `${path}[${index}]`, found, depth + 1),
          item,
        ),
      );
    }
    if (value === null || typeof value !== 'object') return value;

    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (child === null) continue;
      const declared = shape.properties.get(key.toLowerCase());
      if (declared?.serverManaged) continue;
      let name = key;
      let childSchema: SchemaNode | undefined = shape.additionalProperties;
      if (declared && !Object.hasOwn(out, declared.name)) {
        name = declared.name;
        childSchema = declared.schema;
      } else if (declared) {
        found.repeated.push(`${path}.${printable(key)}`);
        continue;
      } else if (shape.closed) {
        found.ignored.push(`${path}.${printable(key)}`);
        if (found.onIgnored) {
          const suggestion = nearestName(key, shape.sendable);
          found.onIgnored(
            { path: `${path}.${printable(key)}`, name: printable(key), ...(suggestion ? { suggestion } : {}) },
            out,
          );
        }
        continue;
      }
      // defineProperty, not assignment: a "__proto__" key must stay a plain property.
      Object.defineProperty(out, name, {
        value: childSchema ? this.#read(child, childSchema, `${path}.${printable(name)}`, found, depth + 1) : child,
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
    const shape: Shape = {
      properties: new Map(),
      sendable: [],
      closed: false,
      items: [],
      enumValues: new Map(),
      boolean: false,
    };
    this.#shapes.set(schema, shape);
    const visit = (node: SchemaNode, seen: Set<SchemaNode>): void => {
      if (seen.has(node)) return;
      seen.add(node);
      if (node.$ref) {
        const target = this.#index.resolve(node.$ref);
        // A boolean schema (3.1) says nothing of properties or values.
        if (typeof target === 'object' && target !== null) visit(target as SchemaNode, seen);
      }
      for (const member of [...(node.allOf ?? []), ...(node.anyOf ?? []), ...(node.oneOf ?? [])]) visit(member, seen);
      for (const [name, propertySchema] of Object.entries(node.properties ?? {})) {
        const key = name.toLowerCase();
        if (shape.properties.has(key)) continue;
        const serverManaged = propertySchema['x-server-managed'] === true;
        shape.properties.set(key, { name, schema: propertySchema, serverManaged });
        if (!serverManaged) shape.sendable.push(name);
      }
      if (node.properties && (node.additionalProperties === undefined || node.additionalProperties === false))
        shape.closed = true;
      if (node.additionalProperties && typeof node.additionalProperties === 'object')
        shape.additionalProperties ??= node.additionalProperties;
      if (node.items) shape.items.push(node.items);
      if (node.type === 'boolean') shape.boolean = true;
      for (const candidate of node.enum ?? []) {
        if (typeof candidate === 'string' && !shape.enumValues.has(foldEnumValue(candidate)))
          shape.enumValues.set(foldEnumValue(candidate), candidate);
      }
    };
    visit(schema, new Set());
    return shape;
  }
}

/** A property name as it may appear in a header and a log line: printable ASCII, the rest percent-encoded. */
export function printable(name: string): string {
  // toWellFormed: a lone surrogate (valid in JSON, not in UTF-8) would make encodeURIComponent throw.
  return /^[\x21-\x7E]*$/.test(name) && !name.includes('%') ? name : encodeURIComponent(name.toWellFormed());
}

// Small helpers on JSON values shared by the generators, the mutations and the runner: JSON types as
// JSON Schema names them, string lengths in code points, copies and edits that keep `__proto__` as an
// own property, and RawJson (text spliced into a body as it is, for nesting JSON.stringify cannot build).
export type PathSegment = string | number;

/** JSON text inserted as it is where the value stands (deep nesting that JSON.stringify could not build). */
export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** The JSON type of a value, as JSON Schema names it ('integer' for whole numbers). */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

export const codePoints = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};

/** Sets an own, enumerable data property, even one named `__proto__`. */
export function defineData(target: Record<string, unknown> | unknown[], key: PathSegment, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
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

/** A deep copy that keeps RawJson values as they are and `__proto__` keys as own properties. */
export function cloneWithRaw(value: unknown): unknown {
  if (value instanceof RawJson) return value;
  if (Array.isArray(value)) return value.map(cloneWithRaw);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) defineData(out, key, cloneWithRaw(child));
  return out;
}

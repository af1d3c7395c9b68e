// The bundled spec (generated/openapi.json) and its canonical form (generated/openapi.canonical.json).
//
// The contract says how Partner Center reads requests, so that any validating tool accepts what the
// service accepts: other spellings of names and values are alternatives marked `x-tolerated-spelling`
// (PascalCase names, `Monthly`, `True`). A client should send the canonical spelling, so the canonical
// form leaves those alternatives out: the generated types, the documentation page and the sandbox's
// own validation (which runs after the request was read into that spelling) work from it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The contract as tools download it, tolerated spellings included (served at /openapi.json). */
export const bundledSpecPath = join(resolve(import.meta.dirname, '..', '..'), 'generated', 'openapi.json');
/** Its canonical form (`canonicalSpec`, written by scripts/generate.ts; served at /openapi.canonical.json). */
export const canonicalSpecPath = join(resolve(import.meta.dirname, '..', '..'), 'generated', 'openapi.canonical.json');

/** The extension that marks an alternative as a tolerated spelling of another. */
export const TOLERATED = 'x-tolerated-spelling';

type Node = Record<string, unknown>;

let cached: object | undefined;

/** The canonical form of the contract: what the server validates, reads and dispatches with. */
export function bundledSpec(): object {
  cached ??= JSON.parse(readFileSync(canonicalSpecPath, 'utf8')) as object;
  return cached;
}

/**
 * The document without its tolerated spellings: every `anyOf`/`oneOf` member marked
 * `x-tolerated-spelling` (or a reference to a schema so marked) is left out, and so is `null` in what
 * requests carry (the service reads it as absent); an alternative left alone takes the place of its
 * `anyOf`; an `if`/`then`/`else` whose `then` is marked (the rules for names in another case) gives
 * way to its `else`; and the marked component schemas are dropped. The input is not changed.
 */
export function canonicalSpec<T extends object>(document: T): T {
  const schemas = ((document as Node)['components'] as Node | undefined)?.['schemas'] as
    Record<string, Node> | undefined;
  const requestSchemas = schemasOfRequests(document as Node);
  const isTolerated = (member: unknown, inRequest: boolean): boolean => {
    if (!isNode(member)) return false;
    if (member[TOLERATED] === true) return true;
    if (inRequest && member['type'] === 'null') return true;
    const ref = member['$ref'];
    return (
      typeof ref === 'string' && ref.startsWith(SCHEMAS) && schemas?.[ref.slice(SCHEMAS.length)]?.[TOLERATED] === true
    );
  };
  const canonical = (value: unknown, inRequest: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => canonical(item, inRequest));
    if (!isNode(value)) return value;
    let node: Node = {};
    for (const [key, child] of Object.entries(value))
      node[key] = canonical(child, inRequest || key === 'requestBody' || key === 'parameters');
    if (inRequest && Array.isArray(node['type']) && node['type'].includes('null')) {
      const types = (node['type'] as string[]).filter((type) => type !== 'null');
      node['type'] = types.length === 1 ? types[0] : types;
    }
    for (const key of ['anyOf', 'oneOf'] as const) {
      const members = node[key];
      if (!Array.isArray(members) || !members.some((member) => isTolerated(member, inRequest))) continue;
      const kept = members.filter((member) => !isTolerated(member, inRequest));
      delete node[key];
      if (kept.length > 1) node[key] = kept;
      else if (kept.length === 1) node = merge(node, kept[0] as Node);
    }
    // "If the names are spelt otherwise, then these rules, else the canonical ones": the canonical ones.
    if (isNode(node['then']) && node['then'][TOLERATED] === true) {
      const otherwise = node['else'];
      delete node['if'];
      delete node['then'];
      delete node['else'];
      if (isNode(otherwise)) node = merge(node, otherwise);
    }
    return node;
  };
  const result: Node = {};
  for (const [key, child] of Object.entries(document)) {
    if (key !== 'components' || !isNode(child)) {
      result[key] = canonical(child, false);
      continue;
    }
    const components: Node = {};
    for (const [kind, members] of Object.entries(child)) {
      if (kind !== 'schemas' || !isNode(members)) {
        components[kind] = canonical(members, kind === 'parameters' || kind === 'requestBodies');
        continue;
      }
      const kept: Node = {};
      for (const [name, schema] of Object.entries(members)) {
        if (isNode(schema) && schema[TOLERATED] === true) continue;
        kept[name] = canonical(schema, requestSchemas.has(name));
      }
      components[kind] = kept;
    }
    result[key] = components;
  }
  return result as T;
}

const SCHEMAS = '#/components/schemas/';

/** The component schemas that request bodies and parameters use, directly or through others. */
function schemasOfRequests(document: Node): Set<string> {
  const schemas = ((document['components'] as Node | undefined)?.['schemas'] ?? {}) as Record<string, unknown>;
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isNode(value)) return;
    const ref = value['$ref'];
    if (typeof ref === 'string' && ref.startsWith(SCHEMAS)) {
      const name = ref.slice(SCHEMAS.length);
      if (!found.has(name)) {
        found.add(name);
        visit(schemas[name]);
      }
    }
    Object.values(value).forEach(visit);
  };
  const requestParts = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(requestParts);
    if (!isNode(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'requestBody' || key === 'parameters') visit(child);
      else if (key !== 'components') requestParts(child);
    }
  };
  requestParts(document['paths']);
  const components = (document['components'] ?? {}) as Node;
  visit(components['parameters']);
  visit(components['requestBodies']);
  return found;
}

/** `member` merged into `parent`: a reference keeps the parent's own keywords beside it through `allOf`. */
function merge(parent: Node, member: Node): Node {
  if (typeof member['$ref'] === 'string' && Object.keys(parent).length > 0) {
    return { ...parent, allOf: [...((parent['allOf'] as unknown[] | undefined) ?? []), member] };
  }
  const merged: Node = { ...parent };
  for (const [key, value] of Object.entries(member)) {
    if (key === 'required' && Array.isArray(merged['required']))
      merged['required'] = [...new Set([...(merged['required'] as string[]), ...(value as string[])])];
    else if (key in merged && JSON.stringify(merged[key]) !== JSON.stringify(value))
      throw new Error(`canonicalSpec: cannot merge "${key}" of an alternative into its parent`);
    else merged[key] = value;
  }
  return merged;
}

function isNode(value: unknown): value is Node {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export const controlsSpecPath = join(resolve(import.meta.dirname, '..', '..'), 'generated', 'sandbox-controls.json');

/** The test controls' bundled document (generated/sandbox-controls.json). */
export function controlsSpec(): object {
  return JSON.parse(readFileSync(controlsSpecPath, 'utf8')) as object;
}

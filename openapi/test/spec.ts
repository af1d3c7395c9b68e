// The spec as tests read it: the hand-written YAML, and a plain JSON Schema 2020-12 validator (ajv)
// over its schemas, with no OpenAPI semantics at all (no readOnly/writeOnly rules): requests and
// answers have schemas of their own, so what a plain validator says is what every tool says.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SpecIndex } from '../spec-index.ts';

export { pointerSegment } from '../spec-index.ts';

export const root = resolve(import.meta.dirname, '..', '..');
export const specPath = join(root, 'openapi', 'openapi.yaml');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function loadSpec(path = specPath): Record<string, any> {
  return parse(readFileSync(path, 'utf8')) as Record<string, any>;
}

const SCHEMA_BASE = 'https://cart-kit.local/schemas/';

export class SpecValidator {
  readonly #ajv: Ajv2020;
  readonly #spec: Record<string, any>;
  readonly #index: SpecIndex;
  readonly #compiled = new Map<string, ReturnType<Ajv2020['compile']>>();

  constructor(spec: Record<string, any>) {
    // Strict, but for `strictRequired` (off in ajv's defaults too): the alternatives for names in
    // another case (`if`/`then`/`else`) require names that their branch leaves to the object around it.
    this.#ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
    addFormats(this.#ajv);
    this.#ajv.addVocabulary(['x-enumDescriptions', 'x-enum-varnames', 'x-server-managed', 'x-tolerated-spelling']);
    // The OpenAPI document is not a JSON Schema: each component schema is registered on its own,
    // and references between them are rewritten to those schemas' ids.
    this.#spec = rewriteRefs(spec);
    this.#index = new SpecIndex(this.#spec);
    for (const [name, schema] of Object.entries<any>(this.#spec.components.schemas)) {
      this.#ajv.addSchema({ ...schema, $id: `${SCHEMA_BASE}${name}` });
    }
  }

  /** The errors of `value` against the schema at `pointer` (e.g. `#/components/schemas/Cart`); [] when valid. */
  errors(pointer: string, value: unknown): ErrorObject[] {
    let validate = this.#compiled.get(pointer);
    if (!validate) {
      const node = this.#index.find(pointer);
      if (node === undefined) throw new Error(`no schema at ${pointer}`);
      validate = this.#ajv.compile(structuredClone(node as object));
      this.#compiled.set(pointer, validate);
    }
    return validate(value) ? [] : [...(validate.errors ?? [])];
  }
}

function rewriteRefs(node: any): any {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
        ? `${SCHEMA_BASE}${value.slice('#/components/schemas/'.length)}`
        : rewriteRefs(value);
  }
  return out;
}

export function describeErrors(errors: ErrorObject[]): string {
  return errors
    .map((error) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`)
    .join('\n');
}

// The bundled spec (generated/openapi.json), read once: the validator, the request reader and the
// dispatcher all work from it.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const bundledSpecPath = join(resolve(import.meta.dirname, '..', '..'), 'generated', 'openapi.json');

let cached: object | undefined;

export function bundledSpec(): object {
  cached ??= JSON.parse(readFileSync(bundledSpecPath, 'utf8')) as object;
  return cached;
}

export const controlsSpecPath = join(resolve(import.meta.dirname, '..', '..'), 'generated', 'sandbox-controls.json');

/** The test controls' bundled document (generated/sandbox-controls.json). */
export function controlsSpec(): object {
  return JSON.parse(readFileSync(controlsSpecPath, 'utf8')) as object;
}

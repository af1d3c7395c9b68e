// The server stubs follow the spec: an operation added to the spec without a handler fails the type
// check, naming it, and fails the start, naming it; no route path is written in server/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import pino from 'pino';
import { stringify } from 'yaml';
import { loadSpec } from '../../openapi/test/spec.ts';
import { bundledSpec } from '../http/spec.ts';
import { startServer } from '../start.ts';
import { testConfig } from './harness.ts';
import { useTemporaryDirectory } from './hooks.ts';

const root = resolve(import.meta.dirname, '..', '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** The spec with one more operation, `deleteOrder` (DELETE on the order), that the server does not serve. */
function withDeleteOrder(spec: Record<string, any>): Record<string, any> {
  const copy = structuredClone(spec);
  const orderPath = copy.paths['/v1/customers/{customerId}/orders/{orderId}'];
  orderPath.delete = { ...structuredClone(orderPath.get), operationId: 'deleteOrder', summary: 'Delete an order' };
  return copy;
}

describe('server stubs from the spec', function () {
  this.timeout(60_000);
  const temporary = useTemporaryDirectory('cart-kit-stubs');

  it('an operation added to the spec without a handler fails the type check, naming it', () => {
    const dir = temporary.path;
    const specFile = join(dir, 'openapi.yaml');
    writeFileSync(specFile, stringify(withDeleteOrder(loadSpec())));
    const generated = spawnSync(bin('openapi-typescript'), [specFile, '--output', join(dir, 'api-types.ts')], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(generated.status, 0, generated.stderr);
    const module = (file: string) => relative(dir, join(root, 'server', 'http', file));
    writeFileSync(
      join(dir, 'check.ts'),
      `import type { operations } from './api-types.ts';
import type { cartHandlers } from '${module('cart-handlers.ts')}';
import type { orderHandlers } from '${module('order-handlers.ts')}';
import type { catalogHandlers } from '${module('catalog-handlers.ts')}';
import type { HandlersOf } from '${module('operations.ts')}';
type Served = ReturnType<typeof cartHandlers> & ReturnType<typeof orderHandlers> & ReturnType<typeof catalogHandlers>;
export const served: HandlersOf<operations> = null as unknown as Served;
`,
    );
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { ...tsconfig.compilerOptions, typeRoots: [join(root, 'node_modules', '@types')] },
        files: ['check.ts'],
      }),
    );
    const compiled = spawnSync(bin('tsc'), ['-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8' });
    assert.notEqual(compiled.status, 0, 'the type check must fail');
    assert.match(compiled.stdout, /check\.ts.*Property 'deleteOrder' is missing/s, compiled.stdout);
  });

  it('and fails the start, naming it', async () => {
    await assert.rejects(
      startServer(testConfig(), {
        logger: pino({ level: 'silent' }),
        spec: withDeleteOrder(bundledSpec() as Record<string, any>),
      }),
      /the spec's operation deleteOrder has no handler/,
    );
  });

  it('no route path is written in server/ outside generated/', () => {
    const files = (readdirSync(join(root, 'server'), { recursive: true }) as string[]).filter(
      (file) => file.endsWith('.ts') && !file.includes('test'),
    );
    const routed = files.filter((file) =>
      /['"`]\/v1\/customers|\/customers\/:customerId|\/carts\/:cartId/.test(
        readFileSync(join(root, 'server', file), 'utf8'),
      ),
    );
    assert.deepEqual(routed, []);
  });
});

// The client as another project uses it: built into JavaScript and declarations (npm run build),
// installed as a package, and a consumer compiled against that package alone, then run against
// the reference server. A consumer that misuses the helpers must fail to compile.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PARTNER, runNode, TestServer, token } from '../../server/test/harness.ts';

const root = resolve(import.meta.dirname, '..', '..');
const tsc = join(root, 'node_modules', '.bin', 'tsc');

const consumerTsconfig = {
  compilerOptions: { target: 'es2023', module: 'nodenext', moduleResolution: 'nodenext', strict: true, types: [], lib: ['es2023', 'dom'], outDir: 'out', skipLibCheck: false },
  include: ['*.ts'],
};

describe('the client package', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-package-'));
    const pkg = join(dir, 'consumer', 'node_modules', '@partner-center-cart-kit', 'client');
    const build = spawnSync(tsc, ['-p', join(root, 'client', 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stdout + build.stderr);
    cpSync(join(root, 'client', 'package.json'), join(pkg, 'package.json'));
    // The package's one dependency, as npm would install it next to it.
    for (const dependency of ['openapi-fetch', 'openapi-typescript-helpers']) {
      symlinkSync(join(root, 'node_modules', dependency), join(dir, 'consumer', 'node_modules', dependency), 'dir');
    }
    writeFileSync(join(dir, 'consumer', 'package.json'), JSON.stringify({ type: 'module', private: true }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function compile(name: string, source: string): { status: number | null; output: string } {
    const project = join(dir, name);
    mkdirSync(project, { recursive: true });
    cpSync(join(dir, 'consumer', 'node_modules'), join(project, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(consumerTsconfig));
    writeFileSync(join(project, 'main.ts'), source);
    const result = spawnSync(tsc, ['-p', project], { encoding: 'utf8' });
    return { status: result.status, output: result.stdout + result.stderr };
  }

  it('a consumer compiled against the built package alone creates a cart, checks it out and reads its orders', async () => {
    const server = await new TestServer().start();
    try {
      const source = `import { createCartClient, unwrap, type Order } from '@partner-center-cart-kit/client';
const api = createCartClient({ baseUrl: ${JSON.stringify(server.baseUrl)}, token: ${JSON.stringify(await token(PARTNER))} });
const customerId = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';
const cart = unwrap(await api.createCart(customerId, { lineItems: [{ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 3, billingCycle: 'monthly', termDuration: 'P1M' }] }));
const result = unwrap(await api.checkoutCart(customerId, cart.id));
const orders: Order[] = unwrap(await api.listOrders(customerId, { include_price: true })).items;
console.log(JSON.stringify({ status: cart.status, ordered: result.orders.length, listed: orders.length, total: orders[0]?.totalPrice }));
`;
      const compiled = compile('consumer-ok', source);
      assert.equal(compiled.status, 0, compiled.output);
      const run = await runNode([join(dir, 'consumer-ok', 'out', 'main.js')], { cwd: join(dir, 'consumer-ok') });
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { status: 'Active', ordered: 1, listed: 1, total: 109.44 });
    } finally {
      await server.stop();
    }
  });

  it('npm pack builds the package first, so the tarball holds the compiled client, its README and license field', () => {
    const npm = process.env['npm_execpath'] ? [process.execPath, process.env['npm_execpath']] : ['npm'];
    const packed = spawnSync(npm[0]!, [...npm.slice(1), 'pack', '--dry-run', '--json'], { cwd: join(root, 'client'), encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { files: { path: string }[] }[];
    const files = (report?.files ?? []).map((file) => file.path);
    for (const expected of ['package.json', 'README.md', 'dist/client/index.js', 'dist/client/index.d.ts']) assert.ok(files.includes(expected), `${expected} in ${files.join(', ')}`);
    assert.equal(JSON.parse(readFileSync(join(root, 'client', 'package.json'), 'utf8')).license, 'MIT');
  });

  it('a consumer that misuses the helpers fails to compile, naming the mistakes', () => {
    const source = `import { createCartClient } from '@partner-center-cart-kit/client';
const api = createCartClient();
export const wrongBody = api.createCart('d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d', { lineItems: [{ catalogItemId: 'X', quantity: 'three', billingCycle: 'monthly' }] });
export const missingArgument = api.getCart('d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d');
export const misspelt = api.updateCart('c', 'd', { lineItems: [], partnerOnRecordAttestationAcepted: true });
`;
    const compiled = compile('consumer-wrong', source);
    assert.notEqual(compiled.status, 0);
    assert.match(compiled.output, /main\.ts\(3,.*'string' is not assignable to type 'number'/);
    assert.match(compiled.output, /main\.ts\(4,.*Expected 2 arguments, but got 1/);
    assert.match(compiled.output, /main\.ts\(5,.*'partnerOnRecordAttestationAcepted' does not exist/);
  });
});

// The README's client example is run as it is written, against the reference server.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PARTNER, runNode, TestServer, token } from '../../server/test/harness.ts';

const root = resolve(import.meta.dirname, '..', '..');

describe('the README client example', () => {
  it('runs against the reference server and prints what it says', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /<!-- The block below is run by client\/test\/readme-example\.test\.ts[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'the marked ts block is missing from README.md');
    const server = await new TestServer().start();
    // Written at the repository root, so its `./client/index.ts` import resolves as in the README.
    const file = join(root, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, block);
    try {
      const env = { ...process.env, BASE_URL: server.baseUrl, TOKEN: await token(PARTNER) };
      const child = await runNode(['--disable-warning=ExperimentalWarning', file], { cwd: root, env });
      assert.equal(child.status, 0, child.stderr);
      assert.match(child.stdout, /^ordered 1 order\(s\); the customer has 1$/m);
      assert.match(child.stdout, /^404 800008: Cart 00000000-0000-4000-8000-000000000000 was not found/m);
    } finally {
      rmSync(file, { force: true });
      await server.stop();
    }
  });
});

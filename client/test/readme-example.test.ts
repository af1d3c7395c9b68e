// The README's client example is run as it is written, against the reference server.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runNode, SECRET, TestServer } from '../../server/test/harness.ts';

const root = resolve(import.meta.dirname, '..', '..');

describe('the README client example', () => {
  it('runs as the README says (a token from npm run -s token) against the reference server, and prints what it says', async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = /<!-- The block below is run by client\/test\/readme-example\.test\.ts[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'the marked ts block is missing from README.md');
    const server = await new TestServer().start();
    // Written at the repository root, so its `./client/index.ts` import resolves as in the README.
    const file = join(root, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, block);
    try {
      // As the README says: TOKEN=$(npm run -s token), here for the test server's secret.
      const npm = process.env['npm_execpath'] ? [process.execPath, process.env['npm_execpath']] : ['npm'];
      const minted = spawnSync(npm[0]!, [...npm.slice(1), 'run', '-s', 'token'], { cwd: root, env: { ...process.env, JWT_SECRET: SECRET }, encoding: 'utf8' });
      assert.equal(minted.status, 0, minted.stderr);
      const env = { ...process.env, BASE_URL: server.baseUrl, TOKEN: minted.stdout.trim() };
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

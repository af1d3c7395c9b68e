// The README's client example ("Using the client") is run as it is written, against the reference server.
import assert from 'node:assert/strict';
import { SECRET, TestServer } from '../../server/test/harness.ts';
import { readmeBlock, runAtRoot, tokenAsReadmeSays } from './readme-blocks.ts';

describe('the README client example', () => {
  it('runs as the README says (a token from npm run -s token) against the reference server, and prints what it says', async () => {
    const block = readmeBlock('The block below is run by client/test/readme-example.test.ts', 'ts');
    const server = await new TestServer().start();
    try {
      // As the README says: TOKEN=$(npm run -s token), here for the test server's secret.
      const token = tokenAsReadmeSays({ JWT_SECRET: SECRET });
      const child = await runAtRoot('client', block, { BASE_URL: server.baseUrl, TOKEN: token });
      assert.equal(child.status, 0, child.stderr);
      assert.match(child.stdout, /^ordered 1 order\(s\); the customer has 1$/m);
      assert.match(child.stdout, /^404 800008: Cart 00000000-0000-4000-8000-000000000000 was not found/m);
    } finally {
      await server.stop();
    }
  });
});

// The README's first purchase ("Your first purchase, in five minutes"), done as a newcomer does it:
// server/main.ts started as `npm start` starts it (no JWT_SECRET, so the development secret beside
// the database; the default PROVISIONING_DELAY), a token from `npm run -s token`, then the README's
// script. What it prints must be what the README shows, ids aside, and the cart and the order it
// names are read back: the cart ordered, the order completed with the subscription it printed.
// Every TypeScript block of the README also compiles against the client with the project's options.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import ts from 'typescript';
import { useTemporaryDirectory } from '../../server/test/hooks.ts';
import { ServerProcess } from '../../server/test/server-process.ts';
import { diagnosticsOf } from '../../openapi/test/in-memory-program.ts';
import { readmeBlock, readmeBlocks, root, runAtRoot, tokenAsReadmeSays } from './readme-blocks.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** An order id as the sandbox makes them: 12 hexadecimal digits. */
const ORDER_ID = '[0-9a-f]{12}';

/** A line the README shows, as a pattern: its ids (GUIDs, order ids) stand for any id of their kind. */
function shapeOf(line: string): RegExp {
  const parts = line.split(new RegExp(`(${UUID}|\\b${ORDER_ID}\\b)`));
  const pattern = parts.map((part, index) =>
    index % 2 === 0 ? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : part.includes('-') ? UUID : ORDER_ID,
  );
  return new RegExp(`^${pattern.join('')}$`);
}

async function getJson(url: string, token: string): Promise<any> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(response.status, 200, `GET ${url}: ${await response.clone().text()}`);
  return response.json();
}

describe('the README first purchase', function () {
  this.timeout(60_000);
  const temporary = useTemporaryDirectory('cart-kit-first-purchase');

  it('runs after npm start as the README says (a token from npm run -s token), prints what the README shows, and leaves the order provisioned', async () => {
    const script = readmeBlock('The block below is run by client/test/first-purchase.test.ts', 'ts');
    const shown = readmeBlock('What the block above prints', 'text').trimEnd().split('\n');
    const customerId = /const customerId = '([0-9a-f-]{36})'/.exec(script)?.[1];
    assert.ok(customerId, 'the script names its customer');

    const databasePath = join(temporary.path, 'partner-center-sandbox.db');
    // As `npm start` runs: no JWT_SECRET (the development secret), provisioning after the default delay.
    const server = await ServerProcess.start({
      databasePath,
      env: { JWT_SECRET: undefined, PROVISIONING_DELAY: undefined },
    });
    try {
      // npm run -s token finds the development secret beside the database (data/dev-jwt-secret for npm start).
      const token = tokenAsReadmeSays({ JWT_SECRET: undefined, DATABASE_PATH: databasePath });
      const child = await runAtRoot('first-purchase', script, { BASE_URL: server.baseUrl, TOKEN: token });
      assert.equal(child.status, 0, child.stderr);
      const printed = child.stdout.trimEnd().split('\n');
      assert.equal(
        printed.length,
        shown.length,
        `the script printed:\n${child.stdout}\nthe README shows:\n${shown.join('\n')}`,
      );
      printed.forEach((line, index) =>
        assert.match(line, shapeOf(shown[index]!), `line ${index + 1} is not as the README shows it`),
      );

      const [cartLine = '', pendingLine = '', completedLine = ''] = printed;
      const cartId = /^cart (\S+):/.exec(cartLine)?.[1];
      const orderId = /^order (\S+): pending$/.exec(pendingLine)?.[1];
      const [, completedId, subscriptionId] = /^order (\S+): completed, subscription (\S+)$/.exec(completedLine) ?? [];
      assert.ok(cartId && orderId && subscriptionId);
      assert.equal(completedId, orderId, 'the order waited for is the order checked out');

      const api = `${server.baseUrl}/v1/customers/${customerId}`;
      const cart = await getJson(`${api}/carts/${cartId}`, token);
      assert.equal(cart.status, 'Ordered');
      const order = await getJson(`${api}/orders/${orderId}`, token);
      assert.equal(order.status, 'completed');
      assert.deepEqual(
        order.lineItems.map((line: { subscriptionId?: string }) => line.subscriptionId),
        [subscriptionId],
      );
      const provisioning = await getJson(`${api}/orders/${orderId}/provisioningstatus`, token);
      assert.deepEqual(
        provisioning.items.map((line: { status: string }) => line.status),
        ['Fulfilled'],
      );
    } finally {
      await server.stop('SIGTERM');
    }
  });

  it("every TypeScript block of the README compiles against the client, with the project's compiler options", () => {
    const blocks = readmeBlocks('ts');
    assert.ok(blocks.length >= 2, 'the README has its two examples');
    // As the README says to save them: at the root of the repository (hence `./client/index.ts`).
    const files = new Map(blocks.map((block, index) => [join(root, `.readme-example-block-${index + 1}.ts`), block]));
    const problems = diagnosticsOf(files, root)
      .filter((diagnostic) => diagnostic.file && files.has(diagnostic.file.fileName))
      .map((diagnostic) => {
        const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        const block = [...files.keys()].indexOf(diagnostic.file!.fileName) + 1;
        return `README ts block ${block}, line ${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      });
    assert.deepEqual(problems, []);
  });
});

// The try-it console (/try, server/try-it/) in a real browser: headless Chromium (./browser.ts) opens it
// from the reference server, records every request and fails on any that would leave the machine,
// checks that it lists every operation of the spec, authorizes with a token and reads a cart through
// it, as a person would. It writes screenshots to test-output/ and prints their paths. The three tests
// in the console share one load of it (opened by the first that needs it), in the order they are
// written: what they do in it (reading, authorizing, one call) is what one visit does.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Request } from 'playwright-core';
import { TRY_IT_CSP } from '../../server/http/docs-routes.ts';
import { CUSTOMER, PARTNER, TestServer, cartsPath, e5Line, token } from '../../server/test/harness.ts';
import { SpecIndex } from '../spec-index.ts';
import { launchBrowser, leavesTheMachine, recordRequests, type Browser } from './browser.ts';
import { root } from './spec.ts';

const outputDir = join(root, 'test-output');
const bundled = JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8')) as Record<string, any>;

/** Every operation of the bundled spec, with its tag (Swagger UI groups operations by their first tag). */
function operations(): { operationId: string; tag: string; method: string; path: string }[] {
  return SpecIndex.of(bundled)
    .operations()
    .map((operation) => ({
      operationId: operation.operationId!,
      tag: operation.tags[0]!,
      method: operation.method,
      path: operation.path,
    }));
}

describe('the try-it console (/try) in a browser', function () {
  this.timeout(60_000);

  let browser: Browser;
  let server: TestServer;
  let requests: string[] = [];

  before(async () => {
    // Both set, whichever fails, so that after() stops what did start (a browser left running would keep mocha
    // from exiting).
    const [launched, started] = await Promise.allSettled([launchBrowser(), new TestServer().start()]);
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'fulfilled') server = started.value;
    for (const outcome of [launched, started]) if (outcome.status === 'rejected') throw outcome.reason;
    requests = await recordRequests(browser);
    mkdirSync(outputDir, { recursive: true });
  });

  after(async () => {
    await Promise.all([browser?.close(), server?.stop()]);
  });

  /** The one load of the console the tests share, and where its requests start in `requests`. */
  let shared: Promise<{ page: Page; errors: string[]; firstRequest: number }> | undefined;
  function consolePage(): Promise<{ page: Page; errors: string[]; firstRequest: number }> {
    shared ??= (async () => {
      const firstRequest = requests.length;
      return { ...(await openConsole()), firstRequest };
    })();
    return shared;
  }

  /** Opens the console in a new tab, with its console errors, once Swagger UI shows the operations. */
  async function openConsole(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) =>
      errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
    );
    const answer = await page.goto(`${server.baseUrl}/try`);
    assert.equal(answer?.status(), 200);
    assert.equal(answer?.headers()['content-security-policy'], TRY_IT_CSP);
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });
    return { page, errors };
  }

  it('loads from the sandbox alone, Swagger UI included, with no console error and no request leaving the machine', async () => {
    const { page, errors, firstRequest } = await consolePage();
    await page.waitForLoadState('networkidle');
    const asked = requests.slice(firstRequest);
    assert.deepEqual(asked.filter(leavesTheMachine), []);
    // Everything comes from the sandbox itself: the page, its script and style, Swagger UI, the spec.
    for (const url of asked) assert.ok(url.startsWith(`${server.baseUrl}/`), `${url} is not the sandbox's`);
    for (const path of [
      '/try',
      '/try/try-it.js',
      '/try/swagger-ui/swagger-ui-bundle.js',
      '/try/swagger-ui/swagger-ui.css',
      '/openapi.canonical.json',
    ]) {
      assert.ok(asked.includes(`${server.baseUrl}${path}`), `the console loads ${path}`);
    }
    // The policy lets it call the sandbox only: a token typed into it cannot be sent anywhere else.
    assert.match(TRY_IT_CSP, /connect-src 'self';/);
    assert.match(TRY_IT_CSP, /default-src 'none';/);
    assert.doesNotMatch(TRY_IT_CSP, /unsafe-(inline|eval)/);
    // The only server is the sandbox that served the page, and there is no validator badge.
    assert.deepEqual(await page.locator('.servers select option').allInnerTexts(), [
      `${server.baseUrl} - This sandbox`,
    ]);
    assert.equal(await page.locator('.validator-badge, img[alt*="validator" i]').count(), 0);
    // And the reference documentation and the test controls' page are one click away.
    assert.equal(await page.getByRole('link', { name: 'Reference documentation' }).getAttribute('href'), '/docs');
    assert.equal(
      await page.getByRole('link', { name: 'Sandbox test controls' }).getAttribute('href'),
      '/docs/controls',
    );
    assert.deepEqual(errors, []);
    const screenshot = join(outputDir, 'try-it.png');
    await page.screenshot({ path: screenshot });
    console.log(`      screenshot of /try: ${screenshot}`);
  });

  it('lists every operation of the spec, under its tag', async () => {
    const { page, errors } = await consolePage();
    const expected = operations();
    assert.ok(expected.length >= 6, `only ${expected.length} operations in generated/openapi.json`);
    for (const { operationId, tag, method, path } of expected) {
      const block = page.locator(`[id="operations-${tag}-${operationId}"]`);
      await block.waitFor({ timeout: 5_000 }).catch(() => {
        throw new Error(`${operationId} is not listed under ${tag}`);
      });
      assert.equal((await block.locator('.opblock-summary-method').innerText()).toLowerCase(), method);
      assert.equal(
        (await block.locator('.opblock-summary-path').getAttribute('data-path')) ??
          (await block.locator('.opblock-summary-path').innerText()),
        path,
      );
    }
    assert.equal(await page.locator('.opblock').count(), expected.length);
    assert.deepEqual(errors, []);
  });

  it('gets a cart: authorized with a token, the call goes to the sandbox and shows 200 and the cart', async () => {
    const created = await server.call('POST', cartsPath(), { body: { lineItems: [e5Line(2)] } });
    assert.equal(created.status, 201);
    const cartId = created.body.id as string;
    const bearer = await token(PARTNER);

    // The last test in the console: it closes it.
    const { page, errors } = await consolePage();
    shared = undefined;
    // Authorize: the bearer scheme's dialog.
    await page.locator('.scheme-container .authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.locator('input').first().fill(bearer);
    await dialog.getByRole('button', { name: 'Apply credentials' }).click();
    await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor(); // the dialog now offers "Logout"
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The operation, its parameters (try-it-out is on from the start), and Execute.
    const block = page.locator('[id="operations-Carts-getCart"]');
    await block.locator('.opblock-summary').click();
    await block.locator('tr[data-param-name="customerId"] input').fill(CUSTOMER);
    await block.locator('tr[data-param-name="cartId"] input').fill(cartId);
    // The idempotency key starts empty (try-it.js), so that each call gets a new one from the sandbox.
    assert.equal(await block.locator('tr[data-param-name="MS-RequestId"] input').inputValue(), '');
    const sent = page.waitForRequest((request: Request) => request.url().includes(`/carts/${cartId}`));
    await block.getByRole('button', { name: 'Execute' }).click();
    const request = await sent;
    assert.equal(request.url(), `${server.baseUrl}/v1/customers/${CUSTOMER}/carts/${cartId}`);
    assert.equal(request.method(), 'GET');
    assert.equal(await request.headerValue('authorization'), `Bearer ${bearer}`);

    const live = block.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: 10_000 });
    assert.equal((await live.first().locator('.response-col_status').innerText()).trim(), '200');
    const body = await live.first().locator('.response-col_description pre').first().innerText();
    assert.equal(JSON.parse(body).id, cartId);
    assert.equal(JSON.parse(body).lineItems[0].quantity, 2);

    assert.deepEqual(requests.filter(leavesTheMachine), []);
    assert.deepEqual(errors, []);
    await block.scrollIntoViewIfNeeded();
    const screenshot = join(outputDir, 'try-it-get-cart.png');
    await page.screenshot({ path: screenshot, fullPage: false });
    console.log(`      screenshot of a GET cart from /try: ${screenshot}`);
    await page.close();
  });

  it('serves Swagger UI files by plain name only, and not the package demo page or its initializer', async () => {
    const get = (path: string) => fetch(`${server.baseUrl}${path}`);
    assert.equal((await get('/try/swagger-ui/swagger-ui-bundle.js')).status, 200);
    assert.match((await get('/try/swagger-ui/swagger-ui.css')).headers.get('content-type') ?? '', /^text\/css/);
    for (const path of [
      '/try/swagger-ui/index.html',
      '/try/swagger-ui/swagger-initializer.js',
      '/try/swagger-ui/package.json',
      '/try/swagger-ui/../package.json',
      '/try/swagger-ui/%2e%2e/package.json',
      '/try/swagger-ui/..%2f..%2fpackage.json',
      '/try/swagger-ui/',
    ]) {
      const answer = await get(path);
      assert.equal(answer.status, 404, `${path} answered ${answer.status}`);
    }
  });
});

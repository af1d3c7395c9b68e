// The documentation page (generated/docs/index.html) in a real browser: headless Chromium (found as
// ./browser.ts says) opens it from the reference server at /docs and as a file, records every request
// it makes and fails on any that would leave the machine, and reads what a person would read. It writes
// screenshots to test-output/ and prints their paths.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { makeDocsOffline } from '../../scripts/generate.ts';
import { TestServer } from '../../server/test/harness.ts';
import { launchBrowser, type Browser } from './browser.ts';
import { root } from './spec.ts';

const docsFile = join(root, 'generated', 'docs', 'index.html');
const outputDir = join(root, 'test-output');
const bundled = JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8')) as Record<string, any>;

interface Operation {
  operationId: string;
  summary: string;
  tag: string;
}

/** Every operation of the bundled spec, as the documentation should list it. */
function operations(): Operation[] {
  const methods = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);
  return Object.values<Record<string, any>>(bundled['paths']).flatMap((item) =>
    Object.entries(item)
      .filter(([method]) => methods.has(method))
      .map(([, operation]) => ({ operationId: operation.operationId, summary: operation.summary, tag: operation.tags[0] })),
  );
}

/** Whether a request would leave the machine: anything but loopback, `data:`, `blob:`, the page's own file. */
function leavesTheMachine(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (['data:', 'blob:', 'about:', 'file:'].includes(protocol)) return false;
  return !['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

describe('the documentation page in a browser', function () {
  // Launching takes a second or two; unpacking @sparticuz/chromium on a machine's first run a few more.
  this.timeout(60_000);

  let browser: Browser;
  let server: TestServer;
  /** Every URL any page of the browser asked for, in order. */
  const requests: string[] = [];

  before(async () => {
    [browser, server] = await Promise.all([launchBrowser(), new TestServer().start()]);
    browser.context.on('request', (request) => requests.push(request.url()));
    // Nothing may go out, even if the page asks: such a request is aborted here, and the tests fail on it.
    await browser.context.route('**/*', (route) => (leavesTheMachine(route.request().url()) ? route.abort('blockedbyclient') : route.fallback()));
    mkdirSync(outputDir, { recursive: true });
  });

  after(async () => {
    await Promise.all([browser?.close(), server?.stop()]);
  });

  /** Opens `url` in a new tab, with its console errors, and waits until Redoc has taken over the page. */
  async function open(url: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) => errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
    await page.goto(url);
    // The page arrives rendered; Redoc's script then hydrates it. Its sidebar badge is added only once
    // that is done, so its appearance says the page is live (and its source must be inside the page).
    const badge = page.locator('img[alt="redocly logo"]');
    await badge.waitFor({ timeout: 10_000 });
    assert.match((await badge.getAttribute('src')) ?? '', /^data:/);
    return { page, errors };
  }

  function external(): string[] {
    return requests.filter(leavesTheMachine);
  }

  /** The navigation group of a tag, expanded. */
  async function expandGroup(page: Page, name: string): Promise<Locator> {
    const group = page
      .locator('[data-component-name="Menu/Menu"] .menu-item-type-group')
      .filter({ has: page.locator('[data-testid="menu-item-label"]').getByText(name, { exact: true }) })
      .first();
    await group.locator('a').first().click();
    return group;
  }

  it('/docs loads from the reference server with no console error and no request leaving the machine', async () => {
    const before = requests.length;
    const { page, errors } = await open(`${server.baseUrl}/docs`);
    await page.getByRole('heading', { name: bundled['info'].title }).first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(errors, []);
    assert.deepEqual(external(), []);
    // What it asked for: the page itself, and nothing else from the server.
    assert.deepEqual(requests.slice(before).filter((url) => url.startsWith('http')), [`${server.baseUrl}/docs`]);
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(policy ?? '', /default-src 'none'/);

    // Once the search box says "Search" rather than "Loading...", Redoc has built its search index.
    await page.getByTestId('search-trigger').getByText(/^Search/).waitFor();
    const screenshot = join(outputDir, 'docs.png');
    await page.screenshot({ path: screenshot });
    console.log(`      screenshot of /docs: ${screenshot}`);
    await page.close();
  });

  it('lists every operation of the spec in the navigation, under its tag', async () => {
    const { page, errors } = await open(`${server.baseUrl}/docs`);
    const expected = operations();
    assert.ok(expected.length >= 6, `only ${expected.length} operations in generated/openapi.json`);
    for (const tag of new Set(expected.map((operation) => operation.tag))) {
      const group = await expandGroup(page, tag);
      for (const operation of expected.filter((candidate) => candidate.tag === tag)) {
        await group.getByText(operation.summary, { exact: true }).waitFor({ timeout: 5_000 }).catch(() => {
          throw new Error(`${operation.operationId} ("${operation.summary}") is not in the navigation under ${tag}`);
        });
      }
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('finds the checkout operation by searching "checkout", and goes to it', async () => {
    const { page, errors } = await open(`${server.baseUrl}/docs`);
    const checkout = operations().find((operation) => operation.operationId === 'checkoutCart');
    assert.ok(checkout, 'checkoutCart is in the spec');
    await page.getByTestId('search-trigger').click();
    await page.getByPlaceholder('Search docs...').fill('checkout');
    const result = page.locator('[data-component-name="Search/SearchItem"]').filter({ hasText: checkout.summary }).first();
    await result.waitFor({ timeout: 5_000 });
    await result.click();
    await page.getByRole('heading', { name: checkout.summary }).first().waitFor({ timeout: 5_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows the CartLineItem schema with its properties, enumeration values and examples', async () => {
    const { page, errors } = await open(`${server.baseUrl}/docs`);
    const schemas = bundled['components'].schemas;
    const group = await expandGroup(page, 'Schemas');
    await group.getByText('CartLineItem', { exact: true }).click();
    const section = page.locator('[data-item-kind="schema"]').filter({ has: page.locator('h2', { hasText: /^CartLineItem$/ }) });
    await section.waitFor();
    await section.scrollIntoViewIfNeeded();
    // Redoc routes in the fragment, so the address of a section stays under /docs (reloads, bookmarks).
    assert.ok(page.url().startsWith(`${server.baseUrl}/docs#`), page.url());
    const text = await section.innerText();

    for (const property of Object.keys(schemas.CartLineItem.properties)) {
      assert.match(text, new RegExp(`\\b${property}\\b`), `property ${property}`);
    }
    for (const [value, description] of Object.entries<string>(schemas.BillingCycle['x-enumDescriptions'])) {
      assert.ok(schemas.BillingCycle.enum.includes(value));
      assert.ok(text.includes(value) && text.includes(description), `billingCycle value ${value}: ${description}`);
    }
    const example = schemas.CartLineItem.properties.catalogItemId.examples[0] as string;
    assert.ok(text.includes(example), `the example catalogItemId ${example}`);

    const screenshot = join(outputDir, 'docs-cart-line-item.png');
    await page.screenshot({ path: screenshot });
    console.log(`      screenshot of the CartLineItem schema: ${screenshot}`);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows the error code tables of ErrorCode, CartErrorCode and OrderErrorCode in the introduction', async () => {
    const { page, errors } = await open(`${server.baseUrl}/docs`);
    // Each table is a `{% schemaDefinition %}` under a heading of the introduction (info.description).
    const tables = { ErrorCode: 'request-error-codes', CartErrorCode: 'line-error-codes', OrderErrorCode: 'order-error-codes' };
    for (const [name, slug] of Object.entries(tables)) {
      const text = await page.locator(`[data-section-id="/section/${slug}"]`).innerText();
      for (const [code, description] of Object.entries<string>(bundled['components'].schemas[name]['x-enumDescriptions'])) {
        const plain = description.replace(/`/g, '');
        assert.ok(text.includes(code) && text.includes(plain), `${name} ${code} under /section/${slug}: ${plain}`);
      }
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('renders generated/docs/index.html opened as a file, with every network request blocked', async () => {
    await browser.context.setOffline(true);
    try {
      const before = requests.length;
      const { page, errors } = await open(pathToFileURL(docsFile).href);
      await page.getByRole('heading', { name: bundled['info'].title }).first().waitFor();
      const tags = bundled['tags'].map((tag: { name: string }) => tag.name) as string[];
      for (const tag of [...tags, 'Schemas']) {
        await page.locator('[data-testid="menu-item-label"]').getByText(tag, { exact: true }).waitFor();
      }
      await expandGroup(page, tags[0]!);
      await page.waitForLoadState('networkidle');
      assert.deepEqual(errors, []);
      assert.deepEqual(requests.slice(before).filter((url) => !url.startsWith('file:')), []);
      await page.close();
    } finally {
      await browser.context.setOffline(false);
    }
  });
});

describe('the offline rewrite of the documentation page (makeDocsOffline)', () => {
  const page = (script: string, telemetry = true) =>
    `<html><body><script type="module">${script}\nconst __redoc_options = {"skipBundle":true,"disableTelemetry":${telemetry}};</script></body></html>`;
  const redocScript =
    'a=`https://cdn.redoc.ly/redoc/logo-mini-full.svg`;b=`https://cdn.redoc.ly/redoc/logo-mini.svg`;' +
    'c={"font-awesome":`https://cdn.redocly.com/icons/fa/7.0.0`,code:`https://cdn.redocly.com/icons/code/5.24.0`};';

  it('replaces every remote URL Redoc has hard-coded by something inside the page', () => {
    const offline = makeDocsOffline(page(redocScript));
    assert.doesNotMatch(offline, /https?:\/\//);
    assert.match(offline, /a=`data:image\/svg\+xml,/);
    assert.match(offline, /"font-awesome":`data:,`/);
  });

  it('refuses a page whose Redoc no longer has those URLs, or that would send telemetry', () => {
    assert.throws(() => makeDocsOffline(page('a=1;')), /no longer in the page/);
    assert.throws(() => makeDocsOffline(page(redocScript, false)), /telemetry/);
    assert.throws(() => makeDocsOffline(page(`${redocScript}d="https://fonts.googleapis.com/css?family=Inter";`)), /still loads from outside: https:\/\/fonts\.googleapis\.com/);
  });

  it('has left no URL of a CDN, a font host or telemetry in the committed page', () => {
    const html = readFileSync(docsFile, 'utf8');
    assert.doesNotMatch(html, /cdn\.redoc\.ly|cdn\.redocly\.com|fonts\.googleapis\.com|fonts\.gstatic\.com/);
    assert.match(html, /const __redoc_options = \{[^\n]*"disableTelemetry":true/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  });
});

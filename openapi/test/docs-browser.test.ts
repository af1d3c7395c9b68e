// The documentation page (generated/docs/index.html) in a real browser: headless Chromium (found as
// ./browser.ts says) opens it from the reference server at /docs and as a file, records every request
// it makes and fails on any that would leave the machine, and reads what a person would read: every
// operation, search, schemas, error code tables, code samples, and none of the flaws the page once had
// (literal backticks, examples cut off at the edge of their box, a stray example box beside an error
// code table, anchors with apostrophes, `errorCode: 0` in an example). It writes screenshots to
// test-output/ and prints their paths.
//
// Loading the 2.8 MB page costs Chromium a few seconds of CPU each time, so the tests that only read
// the page or move about inside it (navigation, search, the language of a code sample) share one
// load of /docs, in the order they are written; the test of the links between the pages goes last
// on it, as it leaves the page. Opened as a file, the page is loaded once, offline.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { makeDocsOffline } from '../../scripts/generate.ts';
import { TestServer } from '../../server/test/harness.ts';
import { LANGUAGES } from '../../scripts/code-samples.ts';
import { SpecIndex } from '../spec-index.ts';
import { launchBrowser, leavesTheMachine, recordRequests, type Browser } from './browser.ts';
import { root } from './spec.ts';

const docsFile = join(root, 'generated', 'docs', 'index.html');
const outputDir = join(root, 'test-output');
const bundled = JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8')) as Record<string, any>;

interface Operation {
  operationId: string;
  summary: string;
  tag: string;
  method: string;
  path: string;
}

/** Every operation of the bundled spec, as the documentation should list it. */
function operations(): Operation[] {
  return SpecIndex.of(bundled)
    .operations()
    .map((operation) => ({
      operationId: operation.operationId!,
      summary: operation.node['summary'] as string,
      tag: operation.tags[0]!,
      method: operation.method,
      path: operation.path,
    }));
}

function operation(operationId: string): Operation {
  const found = operations().find((candidate) => candidate.operationId === operationId);
  assert.ok(found, `${operationId} is in the spec`);
  return found;
}

/**
 * What sticks out of the example boxes of the page as it is shown (the column of panels beside the
 * text, and the code blocks of the text): an element whose content is wider than its box and cut off or
 * scrolled (a label shortened with an ellipsis is meant to be), or an element reaching past the edge.
 */
function overflowingExamples(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const describe = (element: Element) =>
      `<${element.tagName.toLowerCase()}> "${(element.textContent ?? '').trim().slice(0, 60)}"`;
    /** Inside an element between it and the box that clips it (that element is checked itself). */
    const clipped = (element: Element, box: Element) => {
      for (let at = element.parentElement; at && at !== box; at = at.parentElement)
        if (getComputedStyle(at).overflowX !== 'visible') return true;
      return false;
    };
    const boxes = [
      ...Array.from(document.querySelectorAll('[data-testid="right-panel"]')),
      ...Array.from(document.querySelectorAll('[data-component-name="Markdown/Markdown"] pre')),
    ];
    for (const box of boxes) {
      const edge = box.getBoundingClientRect();
      if (edge.width === 0) continue; // not shown
      for (const element of [box, ...Array.from(box.querySelectorAll('*'))]) {
        const rect = element.getBoundingClientRect();
        if (rect.width === 0 || rect.height === 0) continue;
        const style = getComputedStyle(element);
        if (
          style.overflowX !== 'visible' &&
          style.textOverflow !== 'ellipsis' &&
          element.scrollWidth > element.clientWidth + 1
        ) {
          found.push(`${describe(element)} is ${element.scrollWidth}px wide in a ${element.clientWidth}px box`);
        } else if (rect.right > edge.right + 1 && !clipped(element, box)) {
          found.push(`${describe(element)} reaches ${Math.round(rect.right - edge.right)}px past its panel`);
        }
      }
    }
    return found;
  });
}

describe('the documentation page in a browser', function () {
  // Launching takes a second or two; unpacking @sparticuz/chromium on a machine's first run a few more.
  this.timeout(60_000);

  let browser: Browser;
  let server: TestServer;
  /** Every URL any page of the browser asked for, in order (nothing that would leave the machine is sent). */
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

  /** The one load of /docs the tests below share (opened by the first that needs it); where its requests start. */
  let shared: Promise<{ page: Page; errors: string[]; firstRequest: number }> | undefined;
  function docsPage(): Promise<{ page: Page; errors: string[]; firstRequest: number }> {
    shared ??= (async () => {
      const firstRequest = requests.length;
      return { ...(await open(`${server.baseUrl}/docs`)), firstRequest };
    })();
    return shared;
  }

  /** Opens `url` in a new tab, with its console errors, and waits until Redoc has taken over the page. */
  async function open(url: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) =>
      errors.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
    );
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

  /** The navigation group of a tag. */
  function navigationGroup(page: Page, name: string): Locator {
    return page
      .locator('[data-component-name="Menu/Menu"] .menu-item-type-group')
      .filter({ has: page.locator('[data-testid="menu-item-label"]').getByText(name, { exact: true }) })
      .first();
  }

  /** The navigation group of a tag, expanded by a click on it. */
  async function expandGroup(page: Page, name: string): Promise<Locator> {
    const group = navigationGroup(page, name);
    await group.locator('a').first().click();
    return group;
  }

  /**
   * Goes to an operation through the navigation (its group clicked open unless it is open already, as a reader
   * would), and waits for its request panel.
   */
  async function openOperation(page: Page, operation: Operation): Promise<void> {
    const group = navigationGroup(page, operation.tag);
    const item = group.getByText(operation.summary, { exact: true });
    if (!(await item.isVisible())) await group.locator('a').first().click();
    await item.click();
    // The heading's name starts with its deep link's label ("link to ..."), then the summary.
    const summary = operation.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    await page
      .getByRole('heading', { name: new RegExp(`(^|\\s)${summary}$`) })
      .first()
      .waitFor({ timeout: 5_000 });
    await requestPanel(page, operation).waitFor({ timeout: 5_000 });
  }

  /**
   * Shows the introduction (info.description, with the error code tables), as a reader gets back to
   * it: through the title at the top of the navigation. Redoc shows one part of the page at a time, so
   * on the shared page it may be hidden behind what an earlier test went to.
   */
  async function showIntroduction(page: Page): Promise<void> {
    await page
      .locator('[data-component-name="Menu/Menu"]')
      .getByRole('link', { name: bundled['info'].title, exact: true })
      .click();
    // Shown again, the introduction has its box a moment before its text is rendered (innerText is empty).
    await page.waitForFunction(
      (ids) =>
        ids.every(
          (id) => ((document.querySelector(`[data-section-id="${id}"]`) as HTMLElement | null)?.innerText ?? '') !== '',
        ),
      ['/section/request-error-codes', '/section/line-error-codes', '/section/order-error-codes'],
      { timeout: 5_000 },
    );
  }

  /** The panel beside an operation with its code samples (the one naming its method and path). */
  function requestPanel(page: Page, operation: Operation): Locator {
    return page
      .locator('[data-testid="right-panel"] [data-component-name="Panel/Panel"]')
      .filter({ hasText: operation.path })
      .filter({ has: page.getByTestId('source-code') })
      .first();
  }

  it('/docs loads from the reference server with no console error and no request leaving the machine', async () => {
    const { page, errors, firstRequest } = await docsPage();
    await page.getByRole('heading', { name: bundled['info'].title }).first().waitFor();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(errors, []);
    assert.deepEqual(external(), []);
    // What it asked for: the page itself, and nothing else from the server.
    assert.deepEqual(
      requests.slice(firstRequest).filter((url) => url.startsWith('http')),
      [`${server.baseUrl}/docs`],
    );
    const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(policy ?? '', /default-src 'none'/);

    // Once the search box says "Search" rather than "Loading...", Redoc has built its search index.
    await page
      .getByTestId('search-trigger')
      .getByText(/^Search/)
      .waitFor();
    const screenshot = join(outputDir, 'docs.png');
    await page.screenshot({ path: screenshot });
    console.log(`      screenshot of /docs: ${screenshot}`);
  });

  it('lists every operation of the spec in the navigation, under its tag', async () => {
    const { page, errors } = await docsPage();
    const expected = operations();
    assert.ok(expected.length >= 6, `only ${expected.length} operations in generated/openapi.json`);
    for (const tag of new Set(expected.map((operation) => operation.tag))) {
      const group = await expandGroup(page, tag);
      for (const operation of expected.filter((candidate) => candidate.tag === tag)) {
        await group
          .getByText(operation.summary, { exact: true })
          .waitFor({ timeout: 5_000 })
          .catch(() => {
            throw new Error(`${operation.operationId} ("${operation.summary}") is not in the navigation under ${tag}`);
          });
      }
    }
    assert.deepEqual(errors, []);
  });

  it('finds the checkout operation by searching "checkout", and goes to it', async () => {
    const { page, errors } = await docsPage();
    const checkout = operations().find((operation) => operation.operationId === 'checkoutCart');
    assert.ok(checkout, 'checkoutCart is in the spec');
    await page.getByTestId('search-trigger').click();
    await page.getByPlaceholder('Search docs...').fill('checkout');
    const result = page
      .locator('[data-component-name="Search/SearchItem"]')
      .filter({ hasText: checkout.summary })
      .first();
    await result.waitFor({ timeout: 5_000 });
    await result.click();
    await page.getByRole('heading', { name: checkout.summary }).first().waitFor({ timeout: 5_000 });
    assert.deepEqual(errors, []);
  });

  it('shows the CartLineItem schema with its properties, enumeration values and examples', async () => {
    const { page, errors } = await docsPage();
    const schemas = bundled['components'].schemas;
    const group = await expandGroup(page, 'Schemas');
    await group.getByText('CartLineItem', { exact: true }).click();
    const section = page
      .locator('[data-item-kind="schema"]')
      .filter({ has: page.locator('h2', { hasText: /^CartLineItem$/ }) });
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

    // The example beside the schema: a line's error carries a real line error code, not the
    // enumeration's first value, 0 (Unknown), that Redoc would take for want of an example.
    const panel = (
      await section.getByTestId('right-panel').filter({ hasText: '"catalogItemId"' }).first().innerText()
    ).replace(/\s+/g, ' ');
    const codes = [...panel.matchAll(/"errorCode": (-?\d+)/g)].map((match) => Number(match[1]));
    assert.ok(codes.length > 0, `the CartLineItem example shows an errorCode: ${panel}`);
    for (const code of codes) {
      assert.ok(
        code !== 0 && schemas.CartErrorCode.enum.includes(code),
        `errorCode ${code} in the CartLineItem example is a line error code other than 0`,
      );
    }

    const screenshot = join(outputDir, 'docs-cart-line-item.png');
    await page.screenshot({ path: screenshot });
    console.log(`      screenshot of the CartLineItem schema: ${screenshot}`);
    assert.deepEqual(errors, []);
  });

  it('shows the error code tables of ErrorCode, CartErrorCode and OrderErrorCode in the introduction', async () => {
    const { page, errors } = await docsPage();
    await showIntroduction(page);
    // Each table is a `{% schemaDefinition %}` under a heading of the introduction (info.description).
    const tables = {
      ErrorCode: 'request-error-codes',
      CartErrorCode: 'line-error-codes',
      OrderErrorCode: 'order-error-codes',
    };
    for (const [name, slug] of Object.entries(tables)) {
      const text = await page.locator(`[data-section-id="/section/${slug}"]`).innerText();
      for (const [code, description] of Object.entries<string>(
        bundled['components'].schemas[name]['x-enumDescriptions'],
      )) {
        const plain = description.replace(/`/g, '');
        assert.ok(text.includes(code) && text.includes(plain), `${name} ${code} under /section/${slug}: ${plain}`);
      }
      // A table, and no example box of its own beside it: Redoc would show a lone value ("0" for the
      // line error codes) squeezed over the table.
      const section = page.locator(`[data-section-id="/section/${slug}"]`);
      assert.equal(
        await section.getByTestId('schema-definition').count(),
        1,
        `one schema definition under /section/${slug}`,
      );
      for (const panel of await section.getByTestId('right-panel').all()) {
        assert.equal(
          await panel.isVisible(),
          false,
          `an example box is shown beside the ${name} table: "${await panel.innerText()}"`,
        );
      }
      for (const value of await section.locator('[data-testid="json-viewer"], [data-testid="source-code"]').all()) {
        assert.equal(
          await value.isVisible(),
          false,
          `an example is shown beside the ${name} table: "${await value.innerText()}"`,
        );
      }
      const [table, definition] = await Promise.all([
        section.locator('table').first().boundingBox(),
        section.getByTestId('schema-definition').boundingBox(),
      ]);
      assert.ok(
        table && definition && table.width >= definition.width - 1,
        `the ${name} table takes the whole width (${table?.width} of ${definition?.width}px)`,
      );
    }
    assert.deepEqual(errors, []);
  });

  interface Walk {
    /** A literal backtick in the text, where it was seen. */
    backticks: string[];
    /** What sticks out of an example box (`overflowingExamples`), where. */
    overflows: string[];
    /** Every section id, element id and relative link of the pages seen. */
    anchors: Set<string>;
    errors: string[];
  }
  let walk: Promise<Walk> | undefined;

  /**
   * Reads, once for the three tests below, the introduction and the page of every operation (Redoc
   * renders an operation's panels only when it is shown), and every answer of createCart (the error
   * answers share their examples with every other operation).
   */
  function walkThePages(): Promise<Walk> {
    walk ??= (async () => {
      const { page, errors } = await docsPage();
      const found: Walk = { backticks: [], overflows: [], anchors: new Set(), errors };
      const read = async (where: string) => {
        const { text, anchors } = await page.evaluate(() => {
          // The text as a reader sees it, but for code samples and code blocks (where a backtick is code).
          const copy = document.body.cloneNode(true) as HTMLElement;
          copy.querySelectorAll('script, style, pre, code').forEach((element) => element.remove());
          return {
            text: copy.textContent ?? '',
            anchors: [
              ...Array.from(document.querySelectorAll('[data-section-id]')).map(
                (element) => element.getAttribute('data-section-id') ?? '',
              ),
              ...Array.from(document.querySelectorAll('[id]')).map((element) => element.id),
              ...Array.from(document.querySelectorAll('a[href]'))
                .map((element) => element.getAttribute('href') ?? '')
                .filter((href) => !/^[a-z]+:/.test(href)),
            ],
          };
        });
        for (const match of text.matchAll(/`/g))
          found.backticks.push(`${where}: "...${text.slice(Math.max(0, match.index - 50), match.index + 50)}..."`);
        found.overflows.push(...(await overflowingExamples(page)).map((problem) => `${where}: ${problem}`));
        for (const anchor of [...anchors, new URL(page.url()).hash]) found.anchors.add(anchor);
      };
      await showIntroduction(page);
      await read('the introduction');
      for (const candidate of operations()) {
        await openOperation(page, candidate);
        await read(candidate.operationId);
      }
      await openOperation(page, operation('createCart'));
      // The answers' tabs are above their schemas, in the text column; the example beside follows them.
      const answers = page
        .getByRole('tablist')
        .filter({ visible: true })
        .filter({ has: page.getByRole('tab', { name: '201', exact: true }) })
        .first();
      await answers.waitFor({ timeout: 5_000 });
      const tabs = await answers.getByRole('tab').all();
      assert.ok(tabs.length >= 5, 'createCart shows its answers as tabs');
      for (const tab of tabs) {
        const status = (await tab.innerText()).trim();
        await tab.click();
        await read(`createCart, answer ${status}`);
        if (status === '400') {
          const screenshot = join(outputDir, 'docs-error-example.png');
          await page
            .locator('.panel-response-samples')
            .filter({ visible: true })
            .first()
            .screenshot({ path: screenshot });
          console.log(`      screenshot of the 400 example: ${screenshot}`);
        }
      }
      return found;
    })();
    return walk;
  }

  it('shows no literal backticks: every Markdown text, server label and title is rendered', async () => {
    const { backticks, errors } = await walkThePages();
    assert.deepEqual(backticks, []);
    // The server labels are plain text in Redoc: none of the spec's may contain Markdown.
    for (const { description } of bundled['servers'] as { description?: string }[])
      assert.doesNotMatch(description ?? '', /`/);
    assert.deepEqual(errors, []);
  });

  it('cuts no example off at the edge of its box: no example panel or code block overflows', async () => {
    const { overflows, errors } = await walkThePages();
    assert.deepEqual(overflows, []);
    assert.deepEqual(errors, []);
  });

  it('has no anchor with an apostrophe or a quote (headings become anchors, as Redoc spells them)', async () => {
    const { anchors, errors } = await walkThePages();
    // The sections of the introduction (one per heading) and the operations are among them.
    assert.ok(
      [...anchors].some((anchor) => anchor.startsWith('/section/')),
      'the introduction has section anchors',
    );
    assert.ok(
      [...anchors].some((anchor) => /createcart/i.test(anchor)),
      'the operations have anchors',
    );
    // An apostrophe (a heading "Microsoft's tables" once gave one) is escaped differently by browsers,
    // link checkers and Markdown renderers, and breaks a link written by hand or in a CSS selector.
    const bad = [...anchors].filter((anchor) => /['"`’]|%27|%22/.test(anchor));
    assert.deepEqual(bad, []);
    assert.deepEqual(errors, []);
  });

  it('shows code samples beside every operation: curl and TypeScript, and C# and PowerShell where the SDKs have the call', async () => {
    const { page, errors } = await docsPage();
    // Every operation has them (openapi/test/code-samples.test.ts checks the samples themselves); shown here for two.
    for (const [operationId, expected] of [
      [
        'createCart',
        {
          curl: 'curl -X POST',
          typescript: 'api.createCart(',
          csharp: '.Carts.Create(cart)',
          powershell: 'New-PartnerCustomerCart',
        },
      ],
      [
        'getCart',
        {
          curl: "curl 'http://localhost:3000/v1/customers/",
          typescript: 'api.getCart(',
          csharp: '.Carts.ById(',
          powershell: 'Get-PartnerCustomerCart',
        },
      ],
    ] as const) {
      const candidate = operation(operationId);
      await openOperation(page, candidate);
      const panel = requestPanel(page, candidate);
      for (const [language, text] of Object.entries(expected) as [keyof typeof LANGUAGES, string][]) {
        const { label } = LANGUAGES[language];
        // The language menu is the panel header's last dropdown; it names the language shown.
        const menu = panel.locator('[data-component-name="Panel/PanelHeader"] [data-testid="dropdown"]').last();
        if (!(await menu.getByRole('button').innerText()).includes(label)) {
          await menu.getByRole('button').click();
          // The menu opens in a layer of its own, outside the panel.
          await page.getByRole('menuitem').filter({ hasText: label }).first().click();
        }
        await panel
          .getByTestId('source-code')
          .filter({ hasText: text })
          .first()
          .waitFor({ timeout: 5_000 })
          .catch(() => {
            throw new Error(`${operationId}: the ${label} sample does not show ${text}`);
          });
        if (operationId === 'createCart' && language === 'typescript') {
          const screenshot = join(outputDir, 'docs-code-sample.png');
          await panel.screenshot({ path: screenshot });
          console.log(`      screenshot of the TypeScript sample of createCart: ${screenshot}`);
        }
      }
    }
    assert.deepEqual(errors, []);
  });

  it('links /docs, /docs/controls and /try both ways', async () => {
    const controlsTitle = 'Partner Center Cart Sandbox Controls';
    // The last test on the shared page: it leaves it.
    const { page, errors } = await docsPage();
    shared = undefined;
    assert.equal(await page.locator('#try-it-link').getAttribute('href'), '/try');
    // The link to the page shown is hidden; the other two are there to click.
    assert.equal(await page.locator('#api-docs-link').isVisible(), false);
    await page.getByRole('link', { name: 'Sandbox test controls' }).click();
    await page.waitForURL(`${server.baseUrl}/docs/controls`);
    await page.getByRole('heading', { name: controlsTitle }).first().waitFor();
    assert.equal(await page.locator('#controls-link').isVisible(), false);
    await page.getByRole('link', { name: 'Try it: the sandbox console' }).click();
    await page.waitForURL(`${server.baseUrl}/try`);
    await page.locator('#swagger-ui .opblock').first().waitFor();
    await page.getByRole('link', { name: 'Sandbox test controls' }).click();
    await page.waitForURL(`${server.baseUrl}/docs/controls`);
    await page.getByRole('link', { name: 'API reference' }).click();
    await page.waitForURL(`${server.baseUrl}/docs`);
    await page.getByRole('heading', { name: bundled['info'].title }).first().waitFor();
    await page.close();
    assert.deepEqual(errors, []);
  });

  it('renders generated/docs/index.html opened as a file, with every network request blocked, and links it to controls.html and the local sandbox', async () => {
    const controlsTitle = 'Partner Center Cart Sandbox Controls';
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
      assert.deepEqual(
        requests.slice(before).filter((url) => !url.startsWith('file:')),
        [],
      );

      // Opened as files, the pages link to each other, and the console to the local sandbox.
      assert.equal(await page.locator('#try-it-link').getAttribute('href'), 'http://localhost:3000/try');
      await page.getByRole('link', { name: 'Sandbox test controls' }).click();
      await page.waitForURL(pathToFileURL(join(root, 'generated', 'docs', 'controls.html')).href);
      await page.getByRole('heading', { name: controlsTitle }).first().waitFor();
      assert.equal(await page.locator('#api-docs-link').getAttribute('href'), 'index.html');
      assert.equal(await page.locator('#try-it-link').getAttribute('href'), 'http://localhost:3000/try');
      assert.deepEqual(errors, []);
      assert.deepEqual(
        requests.slice(before).filter((url) => !url.startsWith('file:')),
        [],
      );
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
    assert.throws(
      () => makeDocsOffline(page(`${redocScript}d="https://fonts.googleapis.com/css?family=Inter";`)),
      /still loads from outside: https:\/\/fonts\.googleapis\.com/,
    );
  });

  it('has left no URL of a CDN, a font host or telemetry in the committed page', () => {
    const html = readFileSync(docsFile, 'utf8');
    assert.doesNotMatch(html, /cdn\.redoc\.ly|cdn\.redocly\.com|fonts\.googleapis\.com|fonts\.gstatic\.com/);
    assert.match(html, /const __redoc_options = \{[^\n]*"disableTelemetry":true/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  });
});

// A headless Chromium for the browser tests, found without downloading anything outside npm:
//
//   1. the `CHROME_PATH` environment variable, when set (an error if it names no file);
//   2. a Chromium or Chrome installed on the system, at the usual places;
//   3. the `@sparticuz/chromium` npm package (a dev dependency): a Linux x64 Chromium packed inside
//      the package, unpacked into the temporary folder on first use (a few seconds, once per machine).
//
// playwright-core drives it; it downloads no browser of its own.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** No sandbox (containers, root), no GPU, and none of Chrome's own calls home. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const SYSTEM_BROWSERS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export interface FoundBrowser {
  executablePath: string;
  /** Where it was found: `CHROME_PATH`, `system` or `@sparticuz/chromium`. */
  source: string;
}

export async function findBrowser(env: NodeJS.ProcessEnv = process.env): Promise<FoundBrowser> {
  const fromEnv = env['CHROME_PATH']?.trim();
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv}: no such file`);
    return { executablePath: fromEnv, source: 'CHROME_PATH' };
  }
  const installed = SYSTEM_BROWSERS.find((path) => existsSync(path));
  if (installed) return { executablePath: installed, source: 'system' };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `No Chromium found: set CHROME_PATH to a Chromium or Chrome (@sparticuz/chromium runs on Linux x64 only, this is ${process.platform} ${process.arch})`,
    );
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  return { executablePath: await packaged.executablePath(), source: '@sparticuz/chromium' };
}

export interface Browser {
  context: BrowserContext;
  found: FoundBrowser;
  close(): Promise<void>;
}

/** Whether a request would leave the machine: anything but loopback, `data:`, `blob:`, `about:`, a `file:`. */
export function leavesTheMachine(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (['data:', 'blob:', 'about:', 'file:'].includes(protocol)) return false;
  return !['127.0.0.1', 'localhost', '[::1]'].includes(hostname);
}

/**
 * Records every URL any page of the browser asks for (in order, into the array returned), and aborts
 * every request that would leave the machine, so that nothing goes out even if a page asks: the tests
 * then fail on the recorded URL.
 */
export async function recordRequests(browser: Browser): Promise<string[]> {
  const requests: string[] = [];
  browser.context.on('request', (request) => requests.push(request.url()));
  await browser.context.route('**/*', (route) =>
    leavesTheMachine(route.request().url()) ? route.abort('blockedbyclient') : route.fallback(),
  );
  return requests;
}

/** Launches the browser headless with a fresh profile, removed again by `close()`. */
export async function launchBrowser(options: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const found = await findBrowser();
  const profile = mkdtempSync(join(tmpdir(), 'cart-kit-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: found.executablePath,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      viewport: options.viewport ?? { width: 1400, height: 1000 },
    });
    return {
      context,
      found,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(
      `Chromium (${found.source}: ${found.executablePath}) did not start: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

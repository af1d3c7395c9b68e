// Derives everything in generated/ from openapi/openapi.yaml.
//
//   node scripts/generate.ts           regenerate generated/
//   node scripts/generate.ts --check   regenerate into a temporary folder and fail, naming the files,
//                                      when generated/ differs from what the spec produces (CI runs this)
//   --spec FILE, --generated DIR       another spec or output folder than openapi/openapi.yaml, generated/
//
// The tools run as their own CLIs (the ones a person would run by hand), with the project's Node.
// Two bundles: openapi.json, the contract with its tolerated spellings (what to validate traffic
// with), and openapi.canonical.json, the same without them (server/http/spec.ts), from which the
// types and the documentation page are made. The page also gets code samples on every operation
// (scripts/code-samples.ts) and, after Redocly, `makeDocsOffline` (below).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, cpSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { addCodeSamples } from './code-samples.ts';
import { canonicalSpec } from '../server/http/spec.ts';

const root = resolve(import.meta.dirname, '..');
/** `--spec FILE` and `--generated DIR` point the script elsewhere (the tests check a changed copy). */
function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? process.argv[index + 1] : undefined;
  return value ? resolve(value) : fallback;
}
const spec = option('--spec', join(root, 'openapi', 'openapi.yaml'));
/** The sandbox's own test controls: a document of their own, through the same steps. */
const controlsSpec = join(root, 'openapi', 'sandbox-controls.yaml');
const generatedDir = option('--generated', join(root, 'generated'));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/**
 * Remote URLs that Redoc 3 (inlined into the page by `--inlineBundle`) has hard-coded, with what replaces
 * each. No Redoc option and no page template reaches them: they are literals inside Redoc's own script.
 * - The "API docs by Redocly" badge at the foot of the sidebar is an `<img>` from cdn.redoc.ly, shown on
 *   every page view: a request to Redocly each time someone reads the docs, failing offline. The same
 *   wording is kept, drawn by an SVG inside the page.
 * - Redoc's icon packs (Font Awesome, code icons) are CSS masks loaded from cdn.redocly.com. This page
 *   shows none of them; their base becomes an empty `data:` URL, so one would be blank and fetch nothing.
 * Each pattern must be found (a new Redoc that drops or renames one fails the generation, to be reviewed
 * here), and afterwards no URL of those CDNs may be left. The browser test (openapi/test/docs-browser.test.ts)
 * checks the result: no request leaves the machine. The page template (scripts/docs-page.hbs) adds a
 * Content Security Policy so that a reader's browser refuses any remote load a later Redoc would add.
 */
const OFFLINE_REPLACEMENTS: readonly { what: string; pattern: RegExp; replacement: string }[] = [
  {
    what: 'the Redocly badge with its name (expanded sidebar)',
    pattern: /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini-full\.svg/g,
    replacement: svgDataUrl(
      '<svg xmlns="http://www.w3.org/2000/svg" width="56" height="16" viewBox="0 0 56 16">' +
        '<text x="0" y="12.5" font-family="sans-serif" font-size="12" font-weight="700" fill="#5d4ecb">Redocly</text></svg>',
    ),
  },
  {
    what: 'the Redocly badge without its name (collapsed sidebar)',
    pattern: /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini\.svg/g,
    replacement: svgDataUrl(
      '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">' +
        '<rect width="16" height="16" rx="3" fill="#5d4ecb"/>' +
        '<text x="8" y="12" text-anchor="middle" font-family="sans-serif" font-size="11" font-weight="700" fill="#fff">R</text></svg>',
    ),
  },
  {
    what: 'the base URLs of the icon packs',
    pattern: /https:\/\/cdn\.redocly\.com\/icons\/[a-z-]+\/[0-9.]+/g,
    replacement: 'data:,',
  },
];

/** Hosts whose URLs must not be left in the page after `makeDocsOffline`. */
const FORBIDDEN_HOSTS =
  /https?:\/\/(?:cdn\.redoc\.ly|cdn\.redocly\.com|fonts\.googleapis\.com|fonts\.gstatic\.com)[^\s"'`)]*/g;

function svgDataUrl(svg: string): string {
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** The page as Redocly wrote it, with every remote load Redoc would make replaced (see above). */
export function makeDocsOffline(html: string): string {
  let result = html;
  for (const { what, pattern, replacement } of OFFLINE_REPLACEMENTS) {
    if (result.search(pattern) < 0) {
      throw new Error(
        `makeDocsOffline: ${what} (${pattern}) is no longer in the page Redocly built; review OFFLINE_REPLACEMENTS in scripts/generate.ts`,
      );
    }
    result = result.replace(pattern, replacement);
  }
  // Redoc's own usage reports (to otel.cloud.redocly.com, a URL the script keeps) are off when the page's
  // options say so, which `telemetry: off` in redocly.yaml makes build-docs write.
  if (!/const __redoc_options = \{[^\n]*"disableTelemetry":true[,}]/.test(result)) {
    throw new Error('makeDocsOffline: the page would send Redoc telemetry; keep `telemetry: off` in redocly.yaml');
  }
  const left = [...new Set(result.match(FORBIDDEN_HOSTS) ?? [])];
  if (left.length > 0) {
    throw new Error(
      `makeDocsOffline: the page still loads from outside: ${left.join(', ')}; add them to OFFLINE_REPLACEMENTS in scripts/generate.ts`,
    );
  }
  return result;
}

/**
 * The source of the documentation page: the canonical form of the bundle (the spelling a client
 * should send; the page's introduction says what else is read), with `x-codeSamples` on every
 * operation, as a file in `scratch`.
 */
function docsSource(outDir: string, scratch: string): string {
  const canonical = JSON.parse(readFileSync(join(outDir, 'openapi.canonical.json'), 'utf8')) as object;
  const file = join(scratch, 'openapi-with-code-samples.json');
  writeFileSync(file, `${JSON.stringify(addCodeSamples(canonical), null, 2)}\n`);
  return file;
}

/**
 * The derived artifacts, in this order, each written by one command into `outDir` (with `scratch`, a
 * temporary folder for intermediate files), or made by `derive` from the artifacts before it; then,
 * for some, rewritten by `postprocess`.
 */
const artifacts: {
  file: string;
  command?: (outFile: string, outDir: string, scratch: string) => [string, string[]];
  derive?: (outDir: string) => string;
  postprocess?: (content: string) => string;
}[] = [
  {
    // The bundled spec as JSON: what a consumer or a tool downloads (served at /openapi.json), with the
    // tolerated spellings, so that a validating proxy accepts what Partner Center accepts.
    file: 'openapi.json',
    command: (out) => [bin('redocly'), ['bundle', spec, '--output', out, '--ext', 'json']],
  },
  {
    // The canonical form of that bundle (server/http/spec.ts): requests in the one spelling a client
    // should send. What the sandbox validates with, what the types and the documentation page are made
    // from, and what to generate a client from (served at /openapi.canonical.json).
    file: 'openapi.canonical.json',
    derive: (outDir) =>
      `${JSON.stringify(canonicalSpec(JSON.parse(readFileSync(join(outDir, 'openapi.json'), 'utf8')) as object), null, 2)}\n`,
  },
  {
    // TypeScript types of every path, operation and schema, from the canonical form (so `billingCycle`
    // is the union of its values rather than `string`, and `lineItems` is required). Requests have
    // schemas of their own (CartRequest, ...), so no read/write markers are needed: the types are those
    // any user gets with the default flags from that form (openapi/test/portability.test.ts checks
    // such a client), plus two additions the server and client use: `--root-types` (SchemaCart, ...)
    // and `--enum-values` (arrays of every enumeration's values, billingCycleValues, ...), so that no
    // list of values is written by hand.
    file: 'api-types.ts',
    command: (out, outDir) => [
      bin('openapi-typescript'),
      [join(outDir, 'openapi.canonical.json'), '--output', out, '--root-types', '--enum-values'],
    ],
  },
  {
    // The catalog's validator, compiled ahead of time (Ajv's standalone code) from
    // server/catalog/catalog.schema.json and the enumerations of the api-types.ts above, so that a start
    // does not compile it (server/catalog/load-catalog.ts compiles it itself when the schema has changed
    // since). A .ts file, so that the sandbox package's build compiles it with the rest.
    file: 'catalog-validator.ts',
    command: (out, outDir) => [
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        join(root, 'server', 'catalog', 'generate-validator.ts'),
        join(outDir, 'api-types.ts'),
        out,
      ],
    ],
  },
  {
    // The documentation page (served at /docs, and readable as a file): the bundle with code samples
    // (`docsSource`), Redoc inlined (`--inlineBundle`; without it the page loads Redoc from Redocly's
    // CDN), Redoc's options from the `openapi:` part of redocly.yaml, this kit's page template, then
    // the offline rewrite.
    file: 'docs/index.html',
    command: (out, outDir, scratch) => [
      bin('redocly'),
      [
        'build-docs',
        docsSource(outDir, scratch),
        '--output',
        out,
        '--inlineBundle',
        '--title',
        'Partner Center Cart API',
        '--template',
        join(root, 'scripts', 'docs-page.hbs'),
      ],
    ],
    postprocess: makeDocsOffline,
  },
  {
    // The test controls' types (server/http/control-handlers.ts is typed from them) and bundle (served
    // at /sandbox-controls.json), and their page (/docs/controls), without code samples.
    file: 'sandbox-controls-types.ts',
    command: (out) => [bin('openapi-typescript'), [controlsSpec, '--output', out, '--root-types', '--enum-values']],
  },
  {
    file: 'sandbox-controls.json',
    command: (out) => [bin('redocly'), ['bundle', controlsSpec, '--output', out, '--ext', 'json']],
  },
  {
    file: 'docs/controls.html',
    command: (out) => [
      bin('redocly'),
      [
        'build-docs',
        controlsSpec,
        '--output',
        out,
        '--inlineBundle',
        '--title',
        'Partner Center Cart Sandbox Controls',
        '--template',
        join(root, 'scripts', 'docs-page.hbs'),
      ],
    ],
    postprocess: makeDocsOffline,
  },
];

function generateInto(outDir: string): void {
  const scratch = mkdtempSync(join(tmpdir(), 'cart-kit-scratch-'));
  try {
    for (const artifact of artifacts) {
      const outFile = join(outDir, artifact.file);
      mkdirSync(join(outFile, '..'), { recursive: true });
      if (artifact.derive) writeFileSync(outFile, artifact.derive(outDir));
      if (artifact.command) {
        const [command, args] = artifact.command(outFile, outDir, scratch);
        try {
          execFileSync(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
        } catch (error) {
          const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
          throw new Error(`generating ${artifact.file} failed:\n${stderr}`, { cause: error });
        }
      }
      if (artifact.postprocess) writeFileSync(outFile, artifact.postprocess(readFileSync(outFile, 'utf8')));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Files that differ between the committed folder and a fresh generation, with the reason. */
function compare(committedDir: string, freshDir: string): string[] {
  const problems: string[] = [];
  const committed = new Set(listFiles(committedDir));
  for (const file of listFiles(freshDir)) {
    if (!committed.has(file)) problems.push(`generated/${file}: missing (run npm run generate)`);
    else if (!readFileSync(join(committedDir, file)).equals(readFileSync(join(freshDir, file))))
      problems.push(`generated/${file}: differs from what openapi/openapi.yaml produces (run npm run generate)`);
    committed.delete(file);
  }
  for (const file of committed) problems.push(`generated/${file}: not produced by the spec any more (delete it)`);
  return problems;
}

// Run as a script (`npm run generate`); imported (by a test), it only exports `makeDocsOffline`.
if (import.meta.main) main();

function main(): void {
  const check = process.argv.includes('--check');
  const fresh = mkdtempSync(join(tmpdir(), 'cart-kit-generated-'));
  try {
    generateInto(fresh);
    if (check) {
      const problems = compare(generatedDir, fresh);
      if (problems.length > 0) {
        console.error(`generated/ does not match the spec:\n  ${problems.join('\n  ')}`);
        process.exitCode = 1;
      } else {
        console.log(`generated/ matches openapi/openapi.yaml (${artifacts.length} files).`);
      }
    } else {
      rmSync(generatedDir, { recursive: true, force: true });
      cpSync(fresh, generatedDir, { recursive: true });
      console.log(`generated/: ${listFiles(generatedDir).join(', ')}`);
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

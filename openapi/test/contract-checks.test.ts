// A spec change that breaks the contract must fail `npm run lint` or the drift check, with a message
// that names the place. Each case changes a copy of the spec and runs the same command CI runs. The
// lint cases are linted together, one run of `redocly lint` per configuration (it reports each file
// on its own; starting it costs more than linting one more file).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';
import { canonicalSpec } from '../../server/http/spec.ts';
import { loadSpec, root } from './spec.ts';

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer: string; source?: { ref: string }; start?: { line: number } }[];
}

let workDir: string;
before(() => {
  workDir = mkdtempSync(join(tmpdir(), 'cart-kit-contract-'));
});
after(() => rmSync(workDir, { recursive: true, force: true }));

function writeChangedSpec(change: (spec: Record<string, any>) => void): string {
  const spec = loadSpec();
  change(spec);
  const file = join(workDir, `openapi-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(spec));
  return file;
}

/** The canonical form of a (changed) spec, and a configuration that is redocly.yaml with the rule it turns off on. */
function canonicalWithRequiredRule(change: (spec: Record<string, any>) => void = () => {}): {
  file: string;
  config: string;
} {
  const file = join(workDir, `canonical-${Math.random().toString(36).slice(2)}.yaml`);
  const spec = loadSpec();
  change(spec);
  writeFileSync(file, stringify(canonicalSpec(spec)));
  const config = join(workDir, 'redocly-required.yaml');
  const main = readFileSync(join(root, 'redocly.yaml'), 'utf8');
  writeFileSync(
    config,
    main.replace(
      /^ {2}no-required-schema-properties-undefined: off$/m,
      '  no-required-schema-properties-undefined: error',
    ),
  );
  assert.notEqual(readFileSync(config, 'utf8'), main, 'redocly.yaml still turns the rule off');
  return { file, config };
}

/** One run of `redocly lint` over several files with one configuration: what it reports for each, in their order. */
function lintTogether(files: string[], config: string): { status: number; problems: LintProblem[] }[] {
  const result = spawnSync(
    join(root, 'node_modules', '.bin', 'redocly'),
    ['lint', ...files, '--config', config, '--format=json'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  // One JSON report per file, one after the other.
  const reports: { totals: { errors: number }; problems: LintProblem[] }[] = [];
  const decoder = result.stdout.trim();
  for (let at = 0; at < decoder.length;) {
    const end = nextJsonEnd(decoder, at);
    reports.push(JSON.parse(decoder.slice(at, end)));
    at = end;
    while (at < decoder.length && /\s/.test(decoder[at]!)) at++;
  }
  assert.equal(reports.length, files.length, `one report per file:\n${result.stdout}\n${result.stderr}`);
  reports.forEach((report, index) => {
    for (const problem of report.problems) {
      const ref = problem.location[0]?.source?.ref;
      if (ref) assert.ok(ref.endsWith(basename(files[index]!)), `a problem of ${ref} in the report of ${files[index]}`);
    }
  });
  // The command fails when a file has an error: what each file's status below says it would do alone.
  assert.equal(
    result.status !== 0,
    reports.some((report) => report.totals.errors > 0),
    `redocly lint exited ${result.status}:\n${result.stderr}`,
  );
  return reports.map((report) => ({ status: report.totals.errors > 0 ? 1 : 0, problems: report.problems }));
}

/** Where the JSON value starting at `start` ends (its closing brace, plus one). */
function nextJsonEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let at = start; at < text.length; at++) {
    const char = text[at];
    if (inString) {
      if (char === '\\') at++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return at + 1;
    }
  }
  throw new Error(`unterminated JSON from redocly lint: ${text.slice(start, start + 200)}`);
}

describe('contract checks catch a broken spec', function () {
  this.timeout(60_000);

  /** The changed specs the lint tests below look at, by name: the file and the configuration to lint it with. */
  const lintCases: Record<string, () => { file: string; config: string }> = {
    canonical: () => canonicalWithRequiredRule(),
    'misspelt required name': () =>
      canonicalWithRequiredRule((spec) => {
        spec.components.schemas.CartLineItemRequest.else.required = ['catalogItemId', 'quantity', 'billingCylce'];
      }),
    'example that does not fit': () => ({
      file: writeChangedSpec((spec) => {
        spec.components.examples.CartNewCommerce.value.lineItems[0].quantity = 0;
      }),
      config: join(root, 'redocly.yaml'),
    }),
    'dangling $ref': () => ({
      file: writeChangedSpec((spec) => {
        spec.components.schemas.CartLineItem.properties.pricing.allOf[0].$ref = '#/components/schemas/Pricng';
      }),
      config: join(root, 'redocly.yaml'),
    }),
    'no error responses': () => ({
      file: writeChangedSpec((spec) => {
        const responses = spec.paths['/v1/customers/{customerId}/orders/{orderId}'].get.responses;
        for (const status of Object.keys(responses)) if (status.startsWith('4')) delete responses[status];
      }),
      config: join(root, 'redocly.yaml'),
    }),
    'schema without a description': () => ({
      file: writeChangedSpec((spec) => {
        delete spec.components.schemas.Pricing.description;
      }),
      config: join(root, 'redocly.yaml'),
    }),
  };
  let linted: Map<string, { status: number; problems: LintProblem[] }> | undefined;
  /** What `redocly lint` says of one of the cases (all of them are linted on first use). */
  function lint(name: keyof typeof lintCases): { status: number; problems: LintProblem[] } {
    if (!linted) {
      linted = new Map();
      const made = Object.entries(lintCases).map(([caseName, make]) => ({ caseName, ...make() }));
      for (const config of new Set(made.map((entry) => entry.config))) {
        const group = made.filter((entry) => entry.config === config);
        lintTogether(
          group.map((entry) => entry.file),
          config,
        ).forEach((result, index) => linted!.set(group[index]!.caseName, result));
      }
    }
    const result = linted.get(name);
    assert.ok(result, `no lint case ${name}`);
    return result;
  }

  it('in the canonical form, every required property is declared beside it', () => {
    const { status, problems } = lint('canonical');
    assert.deepEqual(problems, []);
    assert.equal(status, 0);
  });

  it('a misspelt required name fails that check, naming it', () => {
    const { status, problems } = lint('misspelt required name');
    assert.notEqual(status, 0);
    assert.ok(
      problems.some((p) => p.ruleId === 'no-required-schema-properties-undefined' && /billingCylce/.test(p.message)),
      JSON.stringify(problems, null, 2),
    );
  });

  it('an example that does not fit its schema fails lint at that example', () => {
    const { status, problems } = lint('example that does not fit');
    assert.notEqual(status, 0);
    const problem = problems.find((p) => p.ruleId === 'no-invalid-media-type-examples');
    assert.ok(problem, JSON.stringify(problems, null, 2));
    assert.match(problem.message, /quantity/);
    assert.match(problem.location[0]?.pointer ?? '', /CartNewCommerce/);
  });

  it('a dangling $ref fails lint at the reference', () => {
    const { status, problems } = lint('dangling $ref');
    assert.notEqual(status, 0);
    const problem = problems.find((p) => p.ruleId === 'no-unresolved-refs');
    assert.ok(problem, JSON.stringify(problems, null, 2));
    assert.equal(problem.location[0]?.pointer, '#/components/schemas/CartLineItem/properties/pricing/allOf/0');
  });

  it('an operation without error responses fails lint at that operation', () => {
    const { status, problems } = lint('no error responses');
    assert.notEqual(status, 0);
    const problem = problems.find((p) => p.ruleId === 'operation-4xx-response');
    assert.ok(problem, JSON.stringify(problems, null, 2));
    assert.match(problem.location[0]?.pointer ?? '', /orders~1\{orderId\}\/get\/responses/);
  });

  it('a schema without a description fails lint (house style)', () => {
    const { problems } = lint('schema without a description');
    assert.ok(
      problems.some((p) => p.ruleId === 'rule/schema-description' && p.location[0]?.pointer.includes('Pricing')),
      JSON.stringify(problems, null, 2),
    );
  });

  it('a changed spec that was not regenerated fails the drift check, naming the stale files', () => {
    const file = writeChangedSpec((spec) => {
      spec.components.schemas.Cart.properties.lineItems.description = 'The items to buy, changed.';
    });
    const result = spawnSync(
      join(root, 'node_modules', '.bin', 'node'),
      [join(root, 'scripts', 'generate.ts'), '--check', '--spec', file],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    assert.equal(result.status, 1, result.stdout + result.stderr);
    for (const stale of ['generated/api-types.ts', 'generated/openapi.json', 'generated/docs/index.html']) {
      assert.ok(result.stderr.includes(`${stale}: differs`), result.stderr);
    }
  });
});

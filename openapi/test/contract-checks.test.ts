// A spec change that breaks the contract must fail `npm run lint` or the drift check, with a message
// that names the place. Each case changes a copy of the spec and runs the same command CI runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { canonicalSpec } from '../../server/http/spec.ts';
import { loadSpec, root } from './spec.ts';

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer: string; start?: { line: number } }[];
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

function lint(file: string, config = join(root, 'redocly.yaml')): { status: number | null; problems: LintProblem[] } {
  const result = spawnSync(
    join(root, 'node_modules', '.bin', 'redocly'),
    ['lint', file, '--config', config, '--format=json'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return { status: result.status, problems: (JSON.parse(result.stdout) as { problems: LintProblem[] }).problems };
}

describe('contract checks catch a broken spec', function () {
  this.timeout(60_000);

  it('in the canonical form, every required property is declared beside it', () => {
    const { file, config } = canonicalWithRequiredRule();
    const { status, problems } = lint(file, config);
    assert.deepEqual(problems, []);
    assert.equal(status, 0);
  });

  it('a misspelt required name fails that check, naming it', () => {
    const { file, config } = canonicalWithRequiredRule((spec) => {
      spec.components.schemas.CartLineItemRequest.else.required = ['catalogItemId', 'quantity', 'billingCylce'];
    });
    const { status, problems } = lint(file, config);
    assert.notEqual(status, 0);
    assert.ok(
      problems.some((p) => p.ruleId === 'no-required-schema-properties-undefined' && /billingCylce/.test(p.message)),
      JSON.stringify(problems, null, 2),
    );
  });

  it('an example that does not fit its schema fails lint at that example', () => {
    const file = writeChangedSpec((spec) => {
      spec.components.examples.CartNewCommerce.value.lineItems[0].quantity = 0;
    });
    const { status, problems } = lint(file);
    assert.notEqual(status, 0);
    const problem = problems.find((p) => p.ruleId === 'no-invalid-media-type-examples');
    assert.ok(problem, JSON.stringify(problems, null, 2));
    assert.match(problem.message, /quantity/);
    assert.match(problem.location[0]?.pointer ?? '', /CartNewCommerce/);
  });

  it('a dangling $ref fails lint at the reference', () => {
    const file = writeChangedSpec((spec) => {
      spec.components.schemas.CartLineItem.properties.pricing.allOf[0].$ref = '#/components/schemas/Pricng';
    });
    const { status, problems } = lint(file);
    assert.notEqual(status, 0);
    const problem = problems.find((p) => p.ruleId === 'no-unresolved-refs');
    assert.ok(problem, JSON.stringify(problems, null, 2));
    assert.equal(problem.location[0]?.pointer, '#/components/schemas/CartLineItem/properties/pricing/allOf/0');
  });

  it('an operation without error responses fails lint at that operation', () => {
    const file = writeChangedSpec((spec) => {
      const responses = spec.paths['/v1/customers/{customerId}/orders/{orderId}'].get.responses;
      for (const status of Object.keys(responses)) if (status.startsWith('4')) delete responses[status];
    });
    const { status, problems } = lint(file);
    assert.notEqual(status, 0);
    const problem = problems.find((p) => p.ruleId === 'operation-4xx-response');
    assert.ok(problem, JSON.stringify(problems, null, 2));
    assert.match(problem.location[0]?.pointer ?? '', /orders~1\{orderId\}\/get\/responses/);
  });

  it('a schema without a description fails lint (house style)', () => {
    const file = writeChangedSpec((spec) => {
      delete spec.components.schemas.Pricing.description;
    });
    const { problems } = lint(file);
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

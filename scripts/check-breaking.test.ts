// The breaking-change check (scripts/check-breaking.ts) on changed copies of the released contract,
// written to a temporary folder, and on the real spec as it stands.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { checkFiles, compareVersions, findBaseline, formatReport, parseVersion } from './check-breaking.ts';

const root = resolve(import.meta.dirname, '..');
const released = join(root, 'openapi', 'released', 'openapi-1.0.0.yaml');
const releasedText = readFileSync(released, 'utf8');
/** The released contract, parsed once: each check below changes a copy of it (parsing it again costs some 100 ms). */
const releasedDoc = parse(releasedText) as Record<string, any>;
// The changelog as it stood at the baseline's release: the real one without the sections of later
// versions, so that the copies below decide for themselves which version sections exist.
const changelogText = readFileSync(join(root, 'CHANGELOG.md'), 'utf8').replace(
  /^## \[(?!1\.0\.0\])[^\n]*\n[\s\S]*?(?=^## \[1\.0\.0\])/m,
  '',
);

type Doc = Record<string, any>;
type Mutation = (doc: Doc) => void;

const ORDER = '/v1/customers/{customerId}/orders/{orderId}';
const schemas = (doc: Doc) => doc.components.schemas;

const removeGetOrder: Mutation = (doc) => {
  delete doc.paths[ORDER].get;
};
const dropAnnualBilling: Mutation = (doc) => {
  schemas(doc).BillingCycle.enum = schemas(doc).BillingCycle.enum.filter((v: string) => v !== 'annual');
};
const requireFriendlyName: Mutation = (doc) => {
  schemas(doc).CartLineItemRequest.required.push('friendlyName');
};
const bumpTo =
  (version: string): Mutation =>
  (doc) => {
    doc.info.version = version;
  };

/** A changelog with a section for `version` above the baseline's, as a release would add it. */
function changelogWith(version: string, names: string[] = []): string {
  const named = names
    .map((name) => `- **Changed (breaking):** \`${name}\`: what broke, and what clients do now.\n`)
    .join('');
  const section = `## [${version}] - 2026-01-01\n\n### Contract\n${named}- **Added:** something new.\n\n`;
  return changelogText.replace(/^## \[1\.0\.0\]/m, (heading) => `${section}${heading}`);
}

describe('check-breaking', function () {
  this.timeout(60_000);
  let dir: string;
  let releasedDir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-breaking-'));
    releasedDir = join(dir, 'released');
    mkdirSync(releasedDir);
    writeFileSync(join(releasedDir, 'openapi-1.0.0.yaml'), releasedText);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let count = 0;
  /** The released contract with `mutations` applied, written as a new spec file; the check on it. */
  function check(mutations: Mutation[], changelog = changelogText) {
    const doc = structuredClone(releasedDoc) as Doc;
    for (const mutate of mutations) mutate(doc);
    const spec = join(dir, `openapi-${++count}.yaml`);
    const changelogFile = join(dir, `CHANGELOG-${count}.md`);
    writeFileSync(spec, stringify(doc));
    writeFileSync(changelogFile, changelog);
    const result = checkFiles({ spec, changelog: changelogFile, releasedDir });
    return { ...result, report: formatReport(result, result.names), spec, changelogFile };
  }

  it('fails when an operation is removed, naming it and saying what to do', () => {
    const result = check([removeGetOrder]);
    assert.equal(result.ok, false);
    const problem = result.problems.join('\n');
    assert.match(problem, /operation GET \/v1\/customers\/\{customerId\}\/orders\/\{orderId\} \(getOrder\) removed/);
    assert.match(problem, /\/paths\/~1v1~1customers~1\{customerId\}~1orders~1\{orderId\}\/get/);
    assert.match(problem, /bump info\.version to 2\.0\.0 and add a `## \[2\.0\.0\]` section/);
  });

  it('fails when an enumeration value is dropped, naming the value and the field', () => {
    const result = check([dropAnnualBilling]);
    assert.equal(result.ok, false);
    assert.match(
      result.problems.join('\n'),
      /enum value "annual" removed from `lineItems\[\]\.billingCycle`: "annual" → \(none\)/,
    );
  });

  it('fails when a request property is made required, naming it', () => {
    const result = check([requireFriendlyName]);
    assert.equal(result.ok, false);
    const problem = result.problems.join('\n');
    assert.match(problem, /property `friendlyName` of `lineItems\[\]` made required/);
    assert.match(problem, /POST \/v1\/customers\/\{customerId\}\/carts request body/);
  });

  for (const [name, mutation, named] of [
    ['an operation removed', removeGetOrder, ['getOrder']],
    // BillingCycle is the schema of a line's billingCycle and of the billingType query parameter.
    ['an enumeration value dropped', dropAnnualBilling, ['billingCycle', 'billingType']],
    ['a request property made required', requireFriendlyName, ['friendlyName']],
  ] as const) {
    it(`passes ${name} with info.version 2.0.0 and a 2.0.0 changelog section that names it`, () => {
      const result = check([mutation, bumpTo('2.0.0')], changelogWith('2.0.0', [...named]));
      assert.deepEqual(result.problems, []);
      assert.ok(
        result.changes.some((c) => c.type === 'breaking'),
        'the breaking change is still seen',
      );
    });
    it(`fails ${name} under an already-bumped major whose section does not name it, saying the name to give`, () => {
      const result = check([mutation, bumpTo('2.0.0')], changelogWith('2.0.0', ['somethingElse']));
      assert.equal(result.ok, false);
      const problem = result.problems.join('\n');
      assert.match(problem, /not named in the `## \[2\.0\.0\]` section/);
      for (const name of named) assert.match(problem, new RegExp(`name it there as \`${name}\``));
    });
  }

  it('names every breaking change in its default report, not only a count', () => {
    const result = check(
      [removeGetOrder, dropAnnualBilling, bumpTo('2.0.0')],
      changelogWith('2.0.0', ['getOrder', 'billingCycle', 'billingType']),
    );
    assert.equal(result.ok, true, result.problems.join('\n'));
    assert.match(result.report, /Breaking \(each named in the changelog section of its major version\):/);
    assert.match(
      result.report,
      /operation GET \/v1\/customers\/\{customerId\}\/orders\/\{orderId\} \(getOrder\) removed/,
    );
    assert.match(result.report, /enum value "annual" removed/);
  });

  it('the real spec with getOrder removed fails, though 2.0.0 is already unreleased with its section', () => {
    const doc = parse(readFileSync(join(root, 'openapi', 'openapi.yaml'), 'utf8')) as Doc;
    removeGetOrder(doc);
    const spec = join(dir, 'real-without-getorder.yaml');
    writeFileSync(spec, stringify(doc));
    const result = checkFiles({ spec, releasedDir });
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /name it there as `getOrder`/);
  });

  it('fails a major bump without a changelog section for it', () => {
    const result = check([removeGetOrder, bumpTo('2.0.0')]);
    assert.equal(result.ok, false);
    assert.match(
      result.problems.join('\n'),
      /2\.0\.0 is a major bump over 1\.0\.0, but .* has no `## \[2\.0\.0\]` section/,
    );
  });

  it('fails a minor bump that breaks, and a changelog section does not excuse it', () => {
    const result = check([removeGetOrder, bumpTo('1.1.0')], changelogWith('1.1.0'));
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /info\.version 1\.1\.0 is not a major bump/);
  });

  it('passes a new optional request property and a new operation without a bump', () => {
    const result = check([
      (doc) => {
        schemas(doc).CartLineItemRequest.properties.promotionCode = { type: 'string', description: 'A promotion.' };
      },
      (doc) => {
        doc.paths['/v1/customers/{customerId}/carts'].get = {
          operationId: 'listCarts',
          tags: ['Carts'],
          summary: 'List carts',
          responses: { '200': { description: 'The carts.' } },
        };
      },
    ]);
    assert.deepEqual(result.problems, []);
    const nonBreaking = result.changes.filter((c) => c.type === 'non-breaking').map((c) => c.what);
    assert.ok(
      nonBreaking.some((w) => w.includes('property `promotionCode` added')),
      nonBreaking.join('\n'),
    );
    assert.ok(
      nonBreaking.some((w) => w.includes('(listCarts) added')),
      nonBreaking.join('\n'),
    );
  });

  it('passes a new enumeration value and a new property in responses without a bump', () => {
    const result = check([
      (doc) => schemas(doc).OrderStatus.enum.push('on_hold'),
      (doc) => {
        schemas(doc).Order.properties.purchaseOrderNumber = { type: 'string' };
      },
    ]);
    assert.deepEqual(result.problems, []);
    const whats = result.changes.map((c) => `${c.type} ${c.what}`);
    assert.ok(whats.includes('non-breaking enum value "on_hold" added to `status`'), whats.join('\n'));
    assert.ok(
      whats.some((w) => w.startsWith('non-breaking property `purchaseOrderNumber` added')),
      whats.join('\n'),
    );
  });

  it('fails when a response property is removed, even an optional one', () => {
    const result = check([(doc) => delete schemas(doc).Order.properties.currencySymbol]);
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /property `currencySymbol` removed from the body/);
  });

  it('judges error responses (shared `$ref` responses) as responses', () => {
    // The library judges a schema reached through components/responses with the request rules, where
    // dropping a required property is harmless; for the reader of an error it is not.
    const result = check([
      (doc) => {
        delete schemas(doc).Error.properties.source;
        schemas(doc).Error.required = schemas(doc).Error.required.filter((p: string) => p !== 'source');
      },
    ]);
    assert.equal(result.ok, false);
    const problem = result.problems.join('\n');
    assert.match(problem, /property `source` of the body no longer required/);
    assert.match(problem, /POST \/v1\/customers\/\{customerId\}\/carts response 400/);
  });

  it('fails a version lower than the released one', () => {
    const result = check([bumpTo('0.9.0')]);
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /info\.version 0\.9\.0 is lower than the released 1\.0\.0/);
  });

  it('fails an info.version that is not semver', () => {
    const result = check([bumpTo('1.1')]);
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /info\.version "1\.1" is not a semantic version/);
  });

  it('runs as a command: exit 1 and the change on stderr, exit 0 when fine', async () => {
    const run = promisify(execFile);
    const script = join(root, 'scripts', 'check-breaking.ts');
    const failing = check([removeGetOrder]);
    const args = (spec: string, changelog: string) => [
      script,
      '--spec',
      spec,
      '--baseline',
      released,
      '--changelog',
      changelog,
    ];
    const error = await run(process.execPath, args(failing.spec, failing.changelogFile)).then(
      () => assert.fail('the command passed a removed operation'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(error.code, 1);
    assert.match(error.stderr, /\(getOrder\) removed/);
    const passing = check([bumpTo('1.0.1')]);
    const { stdout } = await run(process.execPath, args(passing.spec, passing.changelogFile));
    assert.match(stdout, /^OK: /m);
  });

  it('takes the highest semver file in the released folder as the baseline', () => {
    const folder = join(dir, 'several');
    mkdirSync(folder);
    for (const name of ['openapi-1.9.0.yaml', 'openapi-1.10.0.yaml', 'openapi-1.10.0-rc.1.yaml', 'README.md'])
      writeFileSync(join(folder, name), '');
    assert.equal(findBaseline(folder)?.version.text, '1.10.0');
    const [rc, final] = [parseVersion('1.10.0-rc.1'), parseVersion('1.10.0')];
    assert.ok(rc && final && compareVersions(rc, final) < 0, 'a pre-release is lower than its release');
  });
});

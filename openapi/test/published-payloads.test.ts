// The payloads Microsoft publishes (reference appendix, made valid JSON in fixtures/published) must be
// valid under this description as they are, requests included (PascalCase names, "Monthly", `null`,
// service-managed values sent back): a plain JSON Schema validator reads them with no step first. The
// sandbox's reading of them names no property it would ignore.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaseInsensitiveReader } from '../../server/http/canonical-input.ts';
import { canonicalSpec } from '../../server/http/spec.ts';
import { describeErrors, loadSpec, SpecValidator } from './spec.ts';

interface Fixture {
  id: string;
  file: string | null;
  direction: 'request' | 'response';
  schema: string | null;
  repairs?: string[];
}

const fixturesDir = join(import.meta.dirname, 'fixtures', 'published');
const fixtures = (JSON.parse(readFileSync(join(fixturesDir, 'index.json'), 'utf8')) as Fixture[]).filter(
  (fixture): fixture is Fixture & { file: string; schema: string } => fixture.file !== null && fixture.schema !== null,
);
const spec = loadSpec();
const requests = new SpecValidator(spec);
const responses = requests;
const canonicalForm = canonicalSpec(spec);
const canonical = new SpecValidator(canonicalForm);
const reader = new CaseInsensitiveReader(canonicalForm);
const load = (file: string): unknown => JSON.parse(readFileSync(join(fixturesDir, file), 'utf8'));

describe('published payloads', () => {
  it('include every request and response example of the reference appendix', () => {
    assert.equal(fixtures.filter((f) => f.direction === 'request').length, 7);
    assert.equal(fixtures.filter((f) => f.direction === 'response').length, 11);
  });

  for (const fixture of fixtures) {
    const pointer = `#/components/schemas/${fixture.schema}`;
    if (fixture.direction === 'response') {
      it(`${fixture.id} (${fixture.file}) is a valid ${fixture.schema}`, () => {
        const errors = responses.errors(pointer, load(fixture.file));
        assert.deepEqual(errors, [], describeErrors(errors));
      });
    } else {
      it(`${fixture.id} (${fixture.file}) is a valid ${fixture.schema} as published`, () => {
        const errors = requests.errors(pointer, load(fixture.file));
        assert.deepEqual(errors, [], describeErrors(errors));
      });
      it(`${fixture.id} (${fixture.file}) is read by the sandbox with nothing ignored, into a valid canonical ${fixture.schema}`, () => {
        const { value, ignored, repeated } = reader.read(load(fixture.file), { $ref: pointer });
        assert.deepEqual(
          [ignored, repeated],
          [[], []],
          'every property of a published request is one the spec declares',
        );
        const errors = canonical.errors(pointer, value);
        assert.deepEqual(errors, [], describeErrors(errors));
      });
    }
  }

  it('the contract still refuses what the service refuses in a published request: a quantity of 0, in either case', () => {
    for (const file of ['a1-create-cart-nce.request.json', 'a3-create-cart-nce-minimal.request.json']) {
      const body = load(file) as Record<string, any>;
      const lines = body['lineItems'] ?? body['LineItems'];
      if ('quantity' in lines[0]) lines[0].quantity = 0;
      else lines[0].Quantity = 0;
      assert.ok(
        requests.errors('#/components/schemas/CartRequest', body).some((error) => error.keyword === 'minimum'),
        file,
      );
    }
  });
});

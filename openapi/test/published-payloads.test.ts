// The payloads Microsoft publishes (reference appendix, made valid JSON in fixtures/published) must be
// valid under this description: answers as they are, requests after the case-insensitive reading the
// server applies (PascalCase names, "Monthly", read-only values dropped).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CaseInsensitiveReader } from '../../server/http/canonical-input.ts';
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
const reader = new CaseInsensitiveReader(spec);
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
      it(`${fixture.id} (${fixture.file}) is a valid ${fixture.schema} request once read case-insensitively`, () => {
        const { value: canonical, ignored } = reader.read(load(fixture.file), { $ref: pointer });
        assert.deepEqual(ignored, [], 'every property of a published request is one the spec declares');
        const errors = requests.errors(pointer, canonical);
        assert.deepEqual(errors, [], describeErrors(errors));
      });
    }
  }

  it('the PascalCase request of the .NET SDK is not valid without that reading', () => {
    const pascal = fixtures.find((f) => f.id === 'A3-request');
    assert.ok(pascal);
    const errors = requests.errors('#/components/schemas/CartRequest', load(pascal.file));
    assert.ok(errors.some((error) => error.keyword === 'additionalProperties' && error.params.additionalProperty === 'LineItems'));
  });
});

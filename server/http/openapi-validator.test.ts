import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { lazyValidator, trimmedSetUp } from './openapi-validator.ts';
import { bundledSpec, controlsSpec } from './spec.ts';

describe('express-openapi-validator as the server sets it up', () => {
  it('still has the shape the three trims of its set-up were written for (review them on an upgrade)', async () => {
    await lazyValidator(structuredClone(controlsSpec()), { validateResponses: true, alreadyBundled: true }).prepare();
    assert.deepEqual(trimmedSetUp(), [
      'generated-bundle-taken-as-is',
      'openapi-schema-validator-deferred',
      'preprocessor-resolves-without-compiling',
    ]);
  });

  it("is given generated/'s bundles as they are: bundling them again changes nothing", async () => {
    const refParser = createRequire(import.meta.url)('@apidevtools/json-schema-ref-parser') as {
      bundle(document: object): Promise<object>;
    };
    for (const spec of [bundledSpec(), controlsSpec()]) {
      assert.deepEqual(await refParser.bundle(structuredClone(spec)), spec);
    }
  });
});

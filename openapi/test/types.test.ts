// The generated types match the spec, and the typed client rejects wrong calls at compile time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { root } from './spec.ts';

/** Type-checks `source` as a file of the repository (same compiler options) and returns its diagnostics. */
function typeCheck(source: string): string[] {
  const dir = mkdtempSync(join(root, 'openapi', 'test', 'types', '.tmp-'));
  try {
    const file = join(dir, 'check.ts');
    writeFileSync(file, source);
    const config = ts.getParsedCommandLineOfConfigFile(
      join(root, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
      },
    );
    assert.ok(config);
    const program = ts.createProgram([file], config.options);
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === file)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const header = `import createClient from 'openapi-fetch';\nimport type { operations, paths } from '../../../../generated/api-types.ts';\n`;

describe('generated TypeScript types', function () {
  this.timeout(60_000);

  it('make a call with a wrong body, a wrong path or a missing parameter fail to compile', () => {
    const source = `${header}
const client = createClient<paths>({ baseUrl: 'http://localhost:3000' });
const customerId = 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d';
export const wrongBody = client.POST('/v1/customers/{customerId}/carts', {
  params: { path: { customerId } },
  body: { lineItems: [{ catalogItemId: 'X', quantity: 1, billingCycle: 'fortnightly' }] },
});
export const wrongPath = client.GET('/v1/customers/{customerId}/basket', { params: { path: { customerId } } });
export const missingParameter = client.GET('/v1/customers/{customerId}/orders/{orderId}', { params: { path: { customerId } } });
`;
    const diagnostics = typeCheck(source);
    assert.equal(diagnostics.length, 3, diagnostics.join('\n---\n'));
    assert.match(diagnostics[0] ?? '', /fortnightly/);
    assert.match(diagnostics[1] ?? '', /basket/);
    assert.match(diagnostics[2] ?? '', /orderId/);
  });
});

// The contract is read unmodified by the tools its users run: Spectral's OpenAPI ruleset, a plain
// YAML reader (map keys are strings, as the OpenAPI Specification requires), generators with their
// default flags, and plain JSON Schema validators (examples.test.ts, published-payloads.test.ts).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isScalar, parseDocument, visit, LineCounter } from 'yaml';
import { loadSpec, root, specPath } from './spec.ts';

const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** Every map key of a YAML text that is not a string, as `line N: key (type)`. */
function nonStringKeys(text: string): string[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const found: string[] = [];
  visit(document, {
    Map(_key, node) {
      if (!isMap(node)) return;
      for (const pair of node.items) {
        if (isScalar(pair.key) && typeof pair.key.value !== 'string') {
          const line = pair.key.range ? lineCounter.linePos(pair.key.range[0]).line : '?';
          found.push(`line ${line}: ${String(pair.key.value)} (${typeof pair.key.value})`);
        }
      }
    },
  });
  return found;
}

/** Runs a command in the repository to its end, without blocking the process meanwhile. */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, failed) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', failed);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

function spectral(file: string): {
  status: number | null;
  results: { code: string; message: string; severity: number; path: string[] }[];
} {
  const result = spawnSync(
    bin('spectral'),
    ['lint', file, '--ruleset', join(root, '.spectral.yaml'), '--format', 'json', '--quiet'],
    { cwd: root, encoding: 'utf8' },
  );
  return { status: result.status, results: result.stdout.trim() ? JSON.parse(result.stdout) : [] };
}

describe('a contract every tool reads', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cart-kit-portability-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has only string map keys', () => {
    assert.deepEqual(nonStringKeys(readFileSync(specPath, 'utf8')), []);
  });

  it('the key check names the line of a key that is not a string', () => {
    assert.deepEqual(nonStringKeys('a:\n  x-enumDescriptions:\n    10001: Unknown item.\n    "10002": Quota.\n'), [
      'line 3: 10001 (number)',
    ]);
  });

  it('Spectral does fail a spec an OpenAPI parser cannot read (an unquoted integer key)', () => {
    const file = join(dir, 'integer-key.yaml');
    writeFileSync(
      file,
      readFileSync(specPath, 'utf8').replace(
        "        '10001': CatalogItemIdIsNotValid.",
        '        10001: CatalogItemIdIsNotValid.',
      ),
    );
    const { status, results } = spectral(file);
    assert.notEqual(status, 0);
    assert.ok(
      results.some((r) => r.code === 'parser' && /must be a string/.test(r.message)),
      JSON.stringify(results.slice(0, 3)),
    );
  });

  it('no schema refers to itself (generators and mock servers then need no recursion)', () => {
    const schemas = loadSpec().components.schemas as Record<string, unknown>;
    const refsOf = (node: unknown): string[] =>
      node === null || typeof node !== 'object'
        ? []
        : Object.entries(node).flatMap(([key, child]) =>
            key === '$ref' && typeof child === 'string' ? [child] : refsOf(child),
          );
    const selfReferring = Object.entries(schemas).filter(([name, schema]) =>
      refsOf(schema).includes(`#/components/schemas/${name}`),
    );
    assert.deepEqual(
      selfReferring.map(([name]) => name),
      [],
    );
  });

  it('add-on schemas are the line schemas without addonItems, property for property', () => {
    const schemas = loadSpec().components.schemas;
    for (const [line, addon] of [
      ['CartLineItem', 'CartAddonLineItem'],
      ['CartLineItemRequest', 'CartAddonLineItemRequest'],
    ] as const) {
      const { addonItems, ...rest } = schemas[line].properties;
      assert.ok(addonItems, `${line} has addonItems`);
      assert.deepEqual(schemas[addon].properties, rest, `${addon} has drifted from ${line}`);
      for (const keyword of ['required', 'if', 'then', 'else'])
        assert.deepEqual(schemas[addon][keyword], schemas[line][keyword], `${addon}.${keyword}`);
    }
  });

  // Two sources a user may generate from: the canonical form (generated/openapi.canonical.json, the
  // one the README recommends for clients) and the contract itself, whose tolerated spellings make
  // enumerations plain strings and required names optional for a generator.
  describe('a client generated by openapi-typescript with its default flags, used with openapi-fetch', () => {
    const consumer = (api: string, body: string) => `import createClient from 'openapi-fetch';
import type { paths } from './${api}.ts';
const client = createClient<paths>({ baseUrl: 'http://localhost:3000' });
export const call = client.POST('/v1/customers/{customerId}/carts', {
  params: { path: { customerId: 'd6bf25b7-e0a8-4f2d-a31b-97b55cfc774d' } },
  body: ${body},
});
`;
    const line = (extra: string) => `{ lineItems: [{ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', ${extra} }] }`;
    /** The consumers of the tests below, each a module of its own (file name: the key), and the types it imports. */
    const consumers: Record<string, { api: 'canonical' | 'contract'; body: string }> = {
      'only-lines': { api: 'canonical', body: line(`quantity: 5, billingCycle: 'monthly'`) },
      misspelt: { api: 'canonical', body: line(`quantitty: 5, billingCycle: 'monthly'`) },
      weekly: { api: 'canonical', body: line(`quantity: 5, billingCycle: 'weekly'`) },
      'no-quantity': { api: 'canonical', body: line(`billingCycle: 'monthly'`) },
      'contract-lines': { api: 'contract', body: line(`quantity: 5, billingCycle: 'Monthly', termDuration: null`) },
    };

    /**
     * Every consumer type-checked by one run of tsc (one program: the TypeScript library and
     * openapi-fetch's types are read once, not once per consumer); its errors, by file name.
     */
    let checked: Map<string, string[]> | undefined;
    function typeCheck(): Map<string, string[]> {
      if (checked) return checked;
      const files = Object.entries(consumers).map(([name, { api, body }]) => {
        writeFileSync(join(dir, `${name}.ts`), consumer(api, body));
        return join(dir, `${name}.ts`);
      });
      const tsconfig = {
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          types: [],
          typeRoots: [join(root, 'node_modules', '@types')],
          baseUrl: root,
          paths: { 'openapi-fetch': [join(root, 'node_modules', 'openapi-fetch')] },
        },
        files,
      };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
      // cwd: the folder, so that tsc names the files as `only-lines.ts`, ...
      const result = spawnSync(bin('tsc'), ['-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], {
        cwd: dir,
        encoding: 'utf8',
      });
      const errors = new Map<string, string[]>();
      let last: string | undefined;
      for (const text of (result.stdout + result.stderr).split('\n')) {
        const file = /^(\S[^(]*)\(\d+,\d+\): error /.exec(text)?.[1];
        if (file) {
          errors.set(file, [...(errors.get(file) ?? []), text]);
          last = file;
        } else if (last !== undefined && /^\s/.test(text)) {
          const list = errors.get(last)!;
          list[list.length - 1] += `\n${text}`;
        } else if (text.trim() !== '') {
          // What names no file (a refused option, a crash) counts against every consumer.
          errors.set('', [...(errors.get('') ?? []), text]);
          last = undefined;
        }
      }
      // tsc fails exactly when it reports an error: the parse above has seen them all.
      assert.equal(
        result.status === 0,
        errors.size === 0,
        `tsc exited ${result.status}: ${result.stdout}${result.stderr}`,
      );
      checked = errors;
      return errors;
    }

    /** What compiling one consumer would say: its errors, those of the types it imports, and any naming no file. */
    function compile(name: string): { status: number; output: string } {
      const errors = typeCheck();
      const found = [`${name}.ts`, `${consumers[name]!.api}.ts`, ''].flatMap((file) => errors.get(file) ?? []);
      return { status: found.length === 0 ? 0 : 1, output: found.join('\n') };
    }

    before(async () => {
      // The two generations at once (two processes); each must succeed.
      await Promise.all(
        (
          [
            [join(root, 'generated', 'openapi.canonical.json'), 'canonical'],
            [specPath, 'contract'],
          ] as const
        ).map(async ([source, api]) => {
          const generated = await run(bin('openapi-typescript'), [source, '--output', join(dir, `${api}.ts`)]);
          assert.equal(generated.status, 0, generated.stderr);
        }),
      );
    });

    it('from the canonical form: type-checks a createCart call that sends only lineItems', () => {
      const { status, output } = compile('only-lines');
      assert.equal(status, 0, output);
    });

    it('from the canonical form: fails to compile a misspelt property, naming it', () => {
      const { status, output } = compile('misspelt');
      assert.notEqual(status, 0);
      assert.match(output, /'quantitty' does not exist/);
    });

    it('from the canonical form: fails to compile a value outside an enumeration, and a missing required property', () => {
      const weekly = compile('weekly');
      assert.notEqual(weekly.status, 0);
      assert.match(weekly.output, /'"weekly"' is not assignable/);
      const noQuantity = compile('no-quantity');
      assert.notEqual(noQuantity.status, 0);
      assert.match(noQuantity.output, /'quantity' is missing/);
    });

    it('from the contract itself: type-checks the same call, and a value in another spelling', () => {
      const { status, output } = compile('contract-lines');
      assert.equal(status, 0, output);
    });
  });
});

// The code samples of the documentation page (scripts/code-samples.ts), checked without a browser:
// - every operation of the bundled spec gets a curl and a TypeScript sample, and the page carries them;
// - every curl sample names an operation of the spec (method, path, query, headers, a body that fits its
//   schema) and, sent as written (with a token for $TOKEN) to a reference server, is accepted: answered
//   by the operation's handler, not refused as malformed, unauthorized or unknown;
// - every TypeScript sample compiles against the kit's client (client/index.ts), with the project's
//   compiler options, through the TypeScript compiler API;
// - the SDK table names only operations of the spec, and its samples are written for the values of the
//   spec's examples; the tab labels are those redocly.yaml lists.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { parse } from 'yaml';
import {
  addCodeSamples,
  CLIENT_IMPORT,
  LANGUAGES,
  operationViews,
  SANDBOX_URL,
  SDK_SAMPLES,
  type CodeSample,
} from '../../scripts/code-samples.ts';
import { PARTNER, TestServer, token } from '../../server/test/harness.ts';
import { diagnosticsOf } from './in-memory-program.ts';
import { describeErrors, root, SpecValidator } from './spec.ts';

const bundled = JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8')) as Record<string, any>;
const withSamples = addCodeSamples(bundled) as Record<string, any>;
const views = operationViews(bundled);

function samplesOf(path: string, method: string): CodeSample[] {
  return withSamples['paths'][path][method]['x-codeSamples'] as CodeSample[];
}

function sample(path: string, method: string, language: keyof typeof LANGUAGES): string | undefined {
  return samplesOf(path, method).find((candidate) => candidate.label === LANGUAGES[language].label)?.source;
}

/** A command line split into words as a POSIX shell would (quotes, `'\''`, line continuations). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  const text = command.replace(/\\\n/g, ' ');
  let word = '';
  let inWord = false;
  for (let at = 0; at < text.length;) {
    const char = text[at]!;
    if (char === "'") {
      const end = text.indexOf("'", at + 1);
      assert.ok(end > at, `unclosed quote in ${command}`);
      word += text.slice(at + 1, end);
      at = end + 1;
      inWord = true;
    } else if (char === '"') {
      let end = at + 1;
      for (; text[end] !== '"'; end++) {
        assert.ok(end < text.length, `unclosed double quote in ${command}`);
        if (text[end] === '\\') end++;
        word += text[end];
      }
      at = end + 1;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      at++;
    } else {
      word += char;
      inWord = true;
      at++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

interface CurlRequest {
  method: string;
  url: URL;
  headers: [string, string][];
  body: string | undefined;
}

/** What a curl sample sends: only the options the samples use are understood; anything else fails. */
function parseCurl(source: string): CurlRequest {
  const [command, ...words] = shellWords(source);
  assert.equal(command, 'curl');
  let method = 'GET';
  let url: URL | undefined;
  const headers: [string, string][] = [];
  let body: string | undefined;
  for (let at = 0; at < words.length; at++) {
    const word = words[at]!;
    if (word === '-X') method = words[++at]!;
    else if (word === '-H') {
      const header = words[++at]!;
      const colon = header.indexOf(':');
      headers.push([header.slice(0, colon).trim(), header.slice(colon + 1).trim()]);
    } else if (word === '-d') body = words[++at];
    else if (!word.startsWith('-') && !url) url = new URL(word);
    else assert.fail(`curl sample: unexpected word ${word}`);
  }
  assert.ok(url, 'curl sample: no URL');
  if (body !== undefined && method === 'GET') method = 'POST'; // what curl does with -d
  return { method, url, headers, body };
}

describe('the code samples of the documentation page (scripts/code-samples.ts)', function () {
  this.timeout(60_000);

  it('gives every operation of the bundled spec a curl and a TypeScript sample, and the page carries them', () => {
    assert.ok(views.length >= 6, `only ${views.length} operations`);
    const page = readFileSync(join(root, 'generated', 'docs', 'index.html'), 'utf8');
    for (const view of views) {
      const samples = samplesOf(view.path, view.method);
      assert.ok(sample(view.path, view.method, 'curl')?.startsWith('curl'), `${view.operationId} has a curl sample`);
      assert.ok(
        sample(view.path, view.method, 'typescript')?.includes('createCartClient('),
        `${view.operationId} has a TypeScript sample`,
      );
      for (const { lang, label, source } of samples)
        assert.ok(lang && label && source.trim(), `${view.operationId}: a sample without lang, label or source`);
      // The page embeds the spec it renders as JSON, with `<` escaped.
      const embedded = `"x-codeSamples":${JSON.stringify(samples).replace(/</g, '\\u003c')}`;
      assert.ok(
        page.includes(embedded),
        `generated/docs/index.html does not carry the samples of ${view.operationId} (run npm run generate)`,
      );
    }
    // The bundle itself stays without samples: it is the contract, what the server and tools read.
    assert.doesNotMatch(JSON.stringify(bundled), /x-codeSamples/);
  });

  it('writes curl samples that name an operation of the spec: method, path, query, headers and a body that fits its schema', () => {
    const validator = new SpecValidator(bundled);
    for (const view of views) {
      const { method, url, headers, body } = parseCurl(sample(view.path, view.method, 'curl')!);
      assert.equal(method, view.method.toUpperCase(), `${view.operationId}: method`);
      assert.equal(url.origin, SANDBOX_URL);
      // The path is the operation's template with a value for each parameter, and matches no other path of the spec.
      const matching = views.filter(
        (candidate) => candidate.method === view.method && templateRegex(candidate.path).test(url.pathname),
      );
      assert.deepEqual(
        matching.map((candidate) => candidate.operationId),
        [view.operationId],
        `${view.operationId}: ${url.pathname}`,
      );
      for (const name of url.searchParams.keys())
        assert.ok(
          view.queryParameters.some((parameter) => parameter.name === name),
          `${view.operationId}: query ${name} is not declared`,
        );
      for (const parameter of view.queryParameters.filter((candidate) => candidate.required))
        assert.ok(url.searchParams.has(parameter.name), `${view.operationId}: required query ${parameter.name}`);
      const names = headers.map(([name]) => name.toLowerCase());
      assert.ok(
        headers.some(([name, value]) => name === 'Authorization' && value === 'Bearer $TOKEN'),
        `${view.operationId}: Authorization: Bearer $TOKEN`,
      );
      assert.ok(
        names.includes('ms-requestid') && names.includes('ms-correlationid'),
        `${view.operationId}: MS-RequestId and MS-CorrelationId`,
      );
      for (const name of names) {
        assert.ok(
          ['authorization', 'content-type'].includes(name) ||
            view.headerParameters.some((parameter) => parameter.name.toLowerCase() === name),
          `${view.operationId}: header ${name} is not declared`,
        );
      }
      if (view.body?.required) assert.ok(body !== undefined, `${view.operationId}: the request body is required`);
      if (body !== undefined) {
        assert.deepEqual(
          JSON.parse(body),
          view.body?.example,
          `${view.operationId}: the body is the first named request example`,
        );
        const operation = bundled['paths'][view.path][view.method];
        const schema = operation.requestBody.content['application/json'].schema as { $ref?: string };
        if (schema.$ref) {
          const errors = validator.errors(schema.$ref, JSON.parse(body));
          assert.deepEqual(
            errors,
            [],
            `${view.operationId}: the body does not fit ${schema.$ref}:\n${describeErrors(errors)}`,
          );
        }
      }
    }
  });

  it('writes curl samples that a reference server accepts as they are written, and the cart ones succeed in turn', async () => {
    const server = await new TestServer().start();
    try {
      const bearer = await token(PARTNER);
      // Once the create sample has made a cart, the samples naming the example cart id are sent for it.
      let cart: { example: string; id: string } | undefined;
      for (const view of views) {
        const { method, url, headers, body } = parseCurl(sample(view.path, view.method, 'curl')!);
        const forCart = cart !== undefined && view.pathParameters.some((parameter) => parameter.name === 'cartId');
        const path = forCart ? url.pathname.replace(cart!.example, cart!.id) : url.pathname;
        const answer = await fetch(`${server.baseUrl}${path}${url.search}`, {
          method,
          headers: headers.map(
            ([name, value]) =>
              [name, value.replace('$TOKEN', bearer).replace('$(uuidgen)', randomUUID())] as [string, string],
          ),
          ...(body === undefined ? {} : { body }),
        });
        const text = await answer.text();
        const where = `${view.operationId}: ${method} ${url.pathname}${url.search} answered ${answer.status} ${text.slice(0, 300)}`;
        // Answered by the operation: not refused as malformed (400), unauthorized (401, 403), an unknown
        // route (404 with code 404), a wrong method (405), a wrong media type (415) or a reused request
        // id (422); a 404 for an example id that names nothing in a fresh sandbox is an answer.
        assert.ok(answer.status < 500 && ![400, 401, 403, 405, 415, 422].includes(answer.status), where);
        if (answer.status === 404) assert.notEqual(JSON.parse(text).code, 404, where);
        if (view.operationId === 'createCart') {
          assert.equal(answer.status, 201, where);
          const example = views
            .flatMap((candidate) => candidate.pathParameters)
            .find((parameter) => parameter.name === 'cartId')?.example;
          if (typeof example === 'string') cart = { example, id: JSON.parse(text).id };
        }
        if (forCart)
          assert.ok(answer.status >= 200 && answer.status < 300, `${where} (for the cart the create sample made)`);
      }
      assert.ok(cart, 'the create sample made a cart');
    } finally {
      await server.stop();
    }
  });

  it('writes TypeScript samples that compile against the client, and the check would see a wrong one', () => {
    const files = new Map<string, string>(
      views.map((view) => [
        join(root, `.code-sample-${view.operationId}.ts`),
        sample(view.path, view.method, 'typescript')!,
      ]),
    );
    // A sample with a mistake, to show that the check sees one: a cart id that is a number.
    const wrong = join(root, '.code-sample-wrong.ts');
    files.set(
      wrong,
      `import { createCartClient } from '${CLIENT_IMPORT}';\nawait createCartClient().getCart('customer', 42);\n`,
    );
    for (const source of files.values()) assert.ok(source.includes(`from '${CLIENT_IMPORT}'`));

    const problems = new Map<string, string[]>();
    for (const diagnostic of diagnosticsOf(files, root)) {
      const file = diagnostic.file?.fileName;
      if (!file || !files.has(file)) continue;
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      problems.set(file, [
        ...(problems.get(file) ?? []),
        `line ${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
      ]);
    }
    assert.ok(
      problems.get(wrong)?.some((problem) => /not assignable to parameter of type 'string'/.test(problem)),
      `the wrong sample compiled: ${problems.get(wrong)}`,
    );
    problems.delete(wrong);
    const report = [...problems].map(([file, list]) => `${file}:\n${files.get(file)}\n  ${list.join('\n  ')}`);
    assert.deepEqual(report, []);
    assert.equal(dirname(wrong), root); // the samples import the client from the root, as README's example does
  });

  it('keeps the SDK table to operations of the spec, with samples for the values of its examples', () => {
    const operationIds = new Set(views.map((view) => view.operationId));
    assert.deepEqual(
      Object.keys(SDK_SAMPLES).filter((operationId) => !operationIds.has(operationId)),
      [],
      'SDK_SAMPLES names operations the spec does not have',
    );
    for (const view of views) {
      const entry = SDK_SAMPLES[view.operationId];
      const csharp = sample(view.path, view.method, 'csharp');
      const powershell = sample(view.path, view.method, 'powershell');
      assert.equal(csharp !== undefined, entry?.csharp !== undefined, `${view.operationId}: C# sample`);
      assert.equal(powershell !== undefined, entry?.powershell !== undefined, `${view.operationId}: PowerShell sample`);
      // Each sample uses the operation's example values, e.g. the customer of its path.
      for (const parameter of view.pathParameters) {
        for (const [language, source] of [
          ['C#', csharp],
          ['PowerShell', powershell],
        ] as const) {
          if (source !== undefined)
            assert.ok(
              source.includes(String(parameter.example)),
              `${view.operationId}: the ${language} sample does not use ${parameter.name} ${parameter.example}`,
            );
        }
      }
      if (csharp !== undefined)
        assert.match(
          csharp,
          /partnerOperations\.(Customers|Products)\./,
          `${view.operationId}: C# starts from partnerOperations`,
        );
      if (powershell !== undefined)
        assert.match(
          powershell,
          /^(Get|New|Set|Submit)-Partner[A-Za-z]+ /m,
          `${view.operationId}: PowerShell calls a cmdlet`,
        );
    }
  });

  it('labels the samples as redocly.yaml lists the tabs, so that Redoc shows every language', () => {
    const config = parse(readFileSync(join(root, 'redocly.yaml'), 'utf8')) as {
      openapi: { codeSamples: { languages: { lang: string; label: string }[] } };
    };
    const labels = config.openapi.codeSamples.languages.map((language) => language.label);
    for (const { label } of Object.values(LANGUAGES))
      assert.ok(labels.includes(label), `redocly.yaml has no code sample tab labelled ${label}`);
  });
});

/** A regular expression matching the paths of an OpenAPI path template. */
function templateRegex(template: string): RegExp {
  const pattern = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${pattern}$`);
}

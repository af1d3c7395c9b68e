// Every example the spec shows a reader must be true: each one validates against its own schema with
// an independent JSON Schema 2020-12 validator, and every operation and error response has named examples.
import assert from 'node:assert/strict';
import { pointerSegment, SpecIndex, type MediaTypeObject } from '../spec-index.ts';
import { describeErrors, loadSpec, SpecValidator } from './spec.ts';

type Direction = 'request' | 'response';
const spec = loadSpec();
const index = new SpecIndex(spec);
const validator = new SpecValidator(spec);

const deref = (node: unknown): any => index.deref(node).node;

/** Every schema node of components/schemas that carries `examples`, with its JSON pointer. */
function schemaNodesWithExamples(): { pointer: string; examples: unknown[] }[] {
  const found: { pointer: string; examples: unknown[] }[] = [];
  const visit = (node: any, pointer: string): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    if (Array.isArray(node.examples)) found.push({ pointer, examples: node.examples });
    for (const [key, child] of Object.entries(node)) {
      if (key === 'examples' || key.startsWith('x-')) continue;
      if (Array.isArray(child)) child.forEach((item, index) => visit(item, `${pointer}/${key}/${index}`));
      else visit(child, `${pointer}/${pointerSegment(key)}`);
    }
  };
  for (const [name, schema] of Object.entries(spec.components.schemas)) visit(schema, `#/components/schemas/${name}`);
  return found;
}

/** Every media type of every operation's request body and responses, with the direction it travels in. */
function mediaTypes(): { where: string; direction: Direction; schemaPointer: string; examples: Record<string, any> }[] {
  const found: { where: string; direction: Direction; schemaPointer: string; examples: Record<string, any> }[] = [];
  const add = (
    where: string,
    direction: Direction,
    at: string,
    content: Record<string, MediaTypeObject> | undefined,
  ): void => {
    for (const [mediaType, media] of Object.entries(content ?? {})) {
      const schemaPointer = `${at}/content/${pointerSegment(mediaType)}/schema`;
      found.push({ where: `${where} ${mediaType}`, direction, schemaPointer, examples: media.examples ?? {} });
    }
  };
  for (const operation of index.operations()) {
    const name = `${operation.operationId} (${operation.method.toUpperCase()} ${operation.path})`;
    const body = operation.requestBody;
    if (body) add(`${name} request`, 'request', body.pointer, body.node.content);
    for (const [status, response] of operation.responses)
      add(`${name} response ${status}`, 'response', response.pointer, response.node.content);
  }
  return found;
}

describe('spec examples', () => {
  describe('schema examples validate against their schema', () => {
    const nodes = schemaNodesWithExamples();
    it('finds schema examples to check', () => assert.ok(nodes.length > 40, `only ${nodes.length} found`));
    for (const { pointer, examples } of nodes) {
      it(pointer, () => {
        examples.forEach((example, index) => {
          const errors = validator.errors(pointer, example);
          assert.deepEqual(errors, [], `example ${index} of ${pointer}:\n${describeErrors(errors)}`);
        });
      });
    }
  });

  describe('parameter and header examples validate against their schema', () => {
    // Tools fill headers from examples: a fixed idempotency key or entity tag would make every call
    // they send after the first fail (422, 412), so these two have none, and say why.
    const withoutExample = new Set(['msRequestId', 'ifMatch']);
    for (const name of withoutExample) {
      it(`parameter ${name} has no example, on purpose`, () => {
        assert.equal(spec.components.parameters[name].example, undefined);
        assert.equal(spec.components.parameters[name].examples, undefined);
        assert.match(spec.components.parameters[name].description, /No example is given on purpose/);
      });
    }
    for (const [name, parameter] of Object.entries<any>(spec.components.parameters)) {
      if (withoutExample.has(name)) continue;
      it(`parameter ${name}`, () => {
        assert.ok(parameter.example !== undefined, `parameter ${name} has no example`);
        const errors = validator.errors(`#/components/parameters/${name}/schema`, parameter.example);
        assert.deepEqual(errors, [], describeErrors(errors));
      });
    }
    for (const [name, header] of Object.entries<any>(spec.components.headers)) {
      it(`header ${name}`, () => {
        assert.ok(header.example !== undefined, `header ${name} has no example`);
        const errors = validator.errors(`#/components/headers/${pointerSegment(name)}/schema`, header.example);
        assert.deepEqual(errors, [], describeErrors(errors));
      });
    }
  });

  describe('operation examples validate against the schema of their request or response', () => {
    for (const { where, schemaPointer, examples } of mediaTypes()) {
      it(where, () => {
        assert.ok(Object.keys(examples).length > 0, `${where} has no named example`);
        for (const [exampleName, exampleOrRef] of Object.entries(examples)) {
          const example = deref(exampleOrRef);
          assert.ok(example.summary, `${where} example ${exampleName} has no summary`);
          const errors = validator.errors(schemaPointer, example.value);
          assert.deepEqual(errors, [], `${where} example ${exampleName}:\n${describeErrors(errors)}`);
        }
      });
    }
  });

  it('every cart answer of getCart, createCart and updateCart is a valid updateCart body as it is (GET, change, PUT)', () => {
    const answers = mediaTypes().filter((media) =>
      /^(getCart|createCart|updateCart) .* response 20[01] /.test(media.where),
    );
    assert.ok(answers.length >= 4, answers.map((a) => a.where).join(', '));
    const putBody = index.operation('updateCart')?.bodySchema?.pointer;
    assert.ok(putBody, 'updateCart takes a JSON body');
    for (const { where, examples } of answers) {
      for (const [name, example] of Object.entries(examples)) {
        const errors = validator.errors(putBody, deref(example).value);
        assert.deepEqual(errors, [], `${where} example ${name} as an update:\n${describeErrors(errors)}`);
      }
    }
  });

  it('every operation has a request example when it takes a body, and every response a named example', () => {
    const missing = mediaTypes()
      .filter((media) => Object.keys(media.examples).length === 0)
      .map((media) => media.where);
    assert.deepEqual(missing, []);
  });

  it('the validator used here does reject an example that breaks its schema', () => {
    // Not 'weekly': another spelling of a value is checked only for its characters (OtherSpelling).
    const bad = { lineItems: [{ catalogItemId: 'CFQ7TTC0LF8S:0001:CFQ7TTC0N81H', quantity: 0, billingCycle: 5 }] };
    const fields = validator.errors('#/components/schemas/CartRequest', bad).map((error) => error.instancePath);
    assert.ok(fields.includes('/lineItems/0/quantity'), fields.join(', '));
    assert.ok(fields.includes('/lineItems/0/billingCycle'), fields.join(', '));
  });
});

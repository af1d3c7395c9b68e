// The contract accepts every spelling the sandbox reads (server/http/canonical-input.ts), and its
// canonical form (server/http/spec.ts) is the contract without them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CaseInsensitiveReader, foldEnumValue } from '../../server/http/canonical-input.ts';
import { canonicalSpec, TOLERATED } from '../../server/http/spec.ts';
import { describeErrors, loadSpec, root, SpecValidator } from './spec.ts';

const spec = loadSpec();
const contract = new SpecValidator(spec);
const canonicalForm = canonicalSpec(spec);
const canonical = new SpecValidator(canonicalForm);
const reader = new CaseInsensitiveReader(canonicalForm);
const schemas = spec.components.schemas as Record<string, any>;

/** Any spelling of `value` that the sandbox reads as it: each ASCII letter in either case, separators anywhere. */
const spellingOf = (value: string): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: value.length, maxLength: value.length }),
      fc.array(fc.constantFrom('', '', '', '_', '-', ' '), {
        minLength: value.length + 1,
        maxLength: value.length + 1,
      }),
    )
    .map(([upper, separators]) => {
      const letters = [...value.replace(/[_\s-]/g, '')].map((letter, index) =>
        upper[index] ? letter.toUpperCase() : letter.toLowerCase(),
      );
      return letters.map((letter, index) => `${separators[index]}${letter}`).join('') + separators[letters.length];
    });

/** Where requests carry enumeration values: a body that puts `spelling` there, and the schema it is read with. */
const places: { name: string; values: string[]; body: (spelling: string) => unknown; schema: string }[] = [
  {
    name: 'a line billingCycle',
    values: schemas['BillingCycle'].enum,
    schema: 'CartRequest',
    body: (v) => ({ lineItems: [{ catalogItemId: 'A:1:B', quantity: 1, billingCycle: v }] }),
  },
  {
    name: 'a line termDuration',
    values: schemas['TermDuration'].enum,
    schema: 'CartRequest',
    body: (v) => ({ lineItems: [{ catalogItemId: 'A:1:B', quantity: 1, billingCycle: 'monthly', termDuration: v }] }),
  },
  {
    name: 'a participant key',
    values: schemas['ParticipantKey'].enum,
    schema: 'CartRequest',
    body: (v) => ({
      lineItems: [
        { catalogItemId: 'A:1:B', quantity: 1, billingCycle: 'monthly', participants: [{ key: v, value: '1' }] },
      ],
    }),
  },
  {
    name: 'a renewal term',
    values: ['P1M', 'P1Y'],
    schema: 'CartRequest',
    body: (v) => ({
      lineItems: [{ catalogItemId: 'A:1:B', quantity: 1, billingCycle: 'monthly', renewsTo: { termDuration: v } }],
    }),
  },
  { name: 'an order status', values: ['cancelled'], schema: 'OrderUpdateRequest', body: (v) => ({ status: v }) },
];
const queryEnums = ['targetView', 'targetSegment', 'reservationScope', 'billingType'];

describe('tolerated spellings', () => {
  it('every spelling of an enumeration value that the sandbox reads, the contract accepts, and the reading gives the canonical value', () => {
    for (const place of places) {
      for (const value of place.values) {
        fc.assert(
          fc.property(spellingOf(value), (spelling) => {
            assert.equal(foldEnumValue(spelling), foldEnumValue(value));
            const body = place.body(spelling);
            const errors = contract.errors(`#/components/schemas/${place.schema}`, body);
            assert.deepEqual(errors, [], `${place.name} ${JSON.stringify(spelling)}: ${describeErrors(errors)}`);
            const read = reader.read(body, { $ref: `#/components/schemas/${place.schema}` });
            assert.deepEqual(
              read.value,
              place.body(value),
              `${place.name} ${JSON.stringify(spelling)} is read as ${value}`,
            );
          }),
          { numRuns: 40, seed: 19 },
        );
      }
    }
    for (const parameter of queryEnums) {
      const schema = spec.components.parameters[parameter].schema;
      const values: string[] = schemas[schema.anyOf[0].$ref.split('/').pop()].enum;
      const read = canonicalForm.components.parameters[parameter].schema;
      for (const value of values) {
        fc.assert(
          fc.property(spellingOf(value), (spelling) => {
            assert.deepEqual(
              contract.errors(`#/components/parameters/${parameter}/schema`, spelling),
              [],
              `${parameter}=${spelling}`,
            );
            assert.equal(reader.readScalar(spelling, read), value);
          }),
          { numRuns: 20, seed: 19 },
        );
      }
    }
  });

  it('query booleans in any case: the contract accepts them and the reading makes them true and false', () => {
    for (const parameter of ['includePrice', 'includeSystemPurchases']) {
      const schema = canonicalForm.components.parameters[parameter].schema;
      for (const [spelling, value] of [
        ['True', 'true'],
        ['FALSE', 'false'],
        ['tRuE', 'true'],
        ['false', 'false'],
      ]) {
        assert.deepEqual(contract.errors(`#/components/parameters/${parameter}/schema`, spelling), [], spelling);
        assert.equal(reader.readScalar(spelling!, schema), value);
      }
      assert.notDeepEqual(contract.errors(`#/components/parameters/${parameter}/schema`, 'yes'), []);
    }
  });

  it('null is accepted wherever the sandbox reads it as absent, and refused for a required property', () => {
    const nulls = {
      lineItems: [
        {
          catalogItemId: 'A:1:B',
          quantity: 1,
          billingCycle: 'monthly',
          id: null,
          friendlyName: null,
          termDuration: null,
          participants: null,
          provisioningContext: null,
          addonItems: null,
          renewsTo: null,
          promotionId: null,
          customTermEndDate: null,
          attestationAccepted: null,
          currencyCode: null,
          purchaseSystem: null,
        },
      ],
      partnerOnRecordAttestationAccepted: null,
    };
    assert.deepEqual(contract.errors('#/components/schemas/CartRequest', nulls), []);
    assert.deepEqual(reader.read(nulls, { $ref: '#/components/schemas/CartRequest' }).value, {
      lineItems: [{ catalogItemId: 'A:1:B', quantity: 1, billingCycle: 'monthly' }],
    });
    assert.notDeepEqual(
      contract.errors('#/components/schemas/CartRequest', {
        lineItems: [{ catalogItemId: 'A:1:B', quantity: null, billingCycle: 'monthly' }],
      }),
      [],
    );
  });

  it('the .NET SDK create body validates as it is', () => {
    const body = JSON.parse(
      readFileSync(join(root, 'openapi', 'test', 'fixtures', 'sdk', 'dotnet-create-cart.request.json'), 'utf8'),
    );
    assert.deepEqual(contract.errors('#/components/schemas/CartRequest', body), []);
  });

  it('the rules for names in PascalCase require the canonical names so spelt, with the same schemas', () => {
    const withBranches = Object.entries(schemas).filter(([, schema]) => schema.then?.[TOLERATED] === true);
    assert.deepEqual(withBranches.map(([name]) => name).sort(), [
      'CartAddonLineItemRequest',
      'CartLineItemRequest',
      'CartRequest',
      'OrderLineItemUpdateRequest',
      'OrderUpdateRequest',
      'ParticipantRequest',
    ]);
    const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
    const bare = (schema: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(schema).filter(([key]) => key !== 'description' && key !== 'examples'));
    for (const [name, schema] of withBranches) {
      const required: string[] = schema.else.required;
      assert.deepEqual(schema.then.required, required.map(pascal), name);
      const condition = schema.if.anyOf ? schema.if.anyOf.map((member: any) => member.required[0]) : schema.if.required;
      assert.deepEqual(condition, required.map(pascal), `${name}: the rules apply when any of those names is sent`);
      for (const property of required)
        assert.deepEqual(
          schema.then.properties[pascal(property)],
          bare(schema.properties[property]),
          `${name}.${pascal(property)}`,
        );
    }
  });

  it('the canonical form has no tolerated spelling left, and refuses what a client should not send', () => {
    // Keys and references, not prose: the descriptions may well name the extension.
    const json = JSON.stringify({ paths: canonicalForm.paths, components: canonicalForm.components });
    assert.doesNotMatch(
      json,
      /"x-tolerated-spelling":|schemas\/(?:OtherSpelling|BooleanSpelling)"|"type":"null"|,"null"\]|"null",/,
    );
    assert.match(
      JSON.stringify({ paths: spec.paths, components: spec.components }),
      /"x-tolerated-spelling":/,
      'the contract itself has them',
    );
    assert.deepEqual(canonicalForm.components.schemas.CartRequest.required, ['lineItems']);
    assert.deepEqual(canonicalForm.components.parameters.includePrice.schema, { default: false, type: 'boolean' });
    assert.notDeepEqual(
      canonical.errors('#/components/schemas/CartRequest', {
        LineItems: [{ CatalogItemId: 'A:1:B', Quantity: 1, BillingCycle: 'monthly' }],
      }),
      [],
    );
    assert.notDeepEqual(
      canonical.errors('#/components/schemas/CartRequest', {
        lineItems: [{ catalogItemId: 'A:1:B', quantity: 1, billingCycle: 'Monthly' }],
      }),
      [],
    );
    assert.deepEqual(
      canonical.errors('#/components/schemas/CartRequest', {
        lineItems: [{ catalogItemId: 'A:1:B', quantity: 1, billingCycle: 'monthly' }],
      }),
      [],
    );
  });

  it('canonicalSpec: drops marked alternatives, keeps the rest, gives way to else, and leaves null in answers alone', () => {
    const document = {
      paths: {
        '/x': {
          post: {
            requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/In' } } } },
            responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Out' } } } } },
          },
        },
      },
      components: {
        schemas: {
          Spelling: { [TOLERATED]: true, type: 'string' },
          In: {
            type: 'object',
            if: { required: ['A'] },
            then: { [TOLERATED]: true, required: ['A'] },
            else: { required: ['a'] },
            properties: {
              a: { anyOf: [{ enum: ['x'] }, { $ref: '#/components/schemas/Spelling' }] },
              b: { type: ['string', 'null'] },
              c: { description: 'kept', anyOf: [{ $ref: '#/components/schemas/Part' }, { type: 'null' }] },
            },
          },
          Part: { type: 'object', properties: { f: { type: ['integer', 'null'] } } },
          Out: {
            type: 'object',
            properties: { d: { type: ['string', 'null'] }, e: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
          },
        },
      },
    };
    const before = structuredClone(document);
    assert.deepEqual(canonicalSpec(document).components.schemas, {
      In: {
        type: 'object',
        required: ['a'],
        properties: {
          a: { enum: ['x'] },
          b: { type: 'string' },
          c: { description: 'kept', allOf: [{ $ref: '#/components/schemas/Part' }] },
        },
      },
      Part: { type: 'object', properties: { f: { type: 'integer' } } },
      Out: {
        type: 'object',
        properties: { d: { type: ['string', 'null'] }, e: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
      },
    });
    assert.deepEqual(document, before, 'the input is not changed');
  });
});

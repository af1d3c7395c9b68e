// The spec index (openapi/spec-index.ts) on small documents made for each rule, and on the real spec:
// every operation the contract declares is found with its method and path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pointerSegment, pointerSegments, pointerTo, SpecIndex, SpecReferenceError } from '../spec-index.ts';
import { loadSpec, root } from './spec.ts';

const ok = { '200': { $ref: '#/components/responses/Ok' } };

/** A document whose references chain: a parameter through two aliases, a response through one. */
function chained(): Record<string, any> {
  return {
    openapi: '3.1.0',
    security: [{ bearer: [] }],
    paths: {
      '/items/{itemId}': {
        parameters: [
          { $ref: '#/components/parameters/itemId' },
          { name: 'limit', in: 'query', schema: { type: 'integer' } },
          { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
        ],
        get: {
          operationId: 'getItem',
          tags: ['Items'],
          // Overrides the path item's `limit` (same name and location), not its header of another name.
          parameters: [
            { name: 'limit', in: 'query', required: true, schema: { type: 'string' } },
            { name: 'limit', in: 'header' },
          ],
          responses: ok,
        },
        put: {
          operationId: 'putItem',
          security: [],
          requestBody: { $ref: '#/components/requestBodies/Item' },
          responses: { ...ok, default: { description: 'Error' } },
        },
        summary: 'not an operation',
      },
    },
    components: {
      parameters: {
        itemId: { $ref: '#/components/parameters/itemIdAlias' },
        itemIdAlias: { name: 'itemId', in: 'path', required: true, schema: { type: 'integer' } },
      },
      requestBodies: {
        Item: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } },
      },
      responses: { Ok: { $ref: '#/components/responses/Plain' }, Plain: { description: 'OK' } },
      schemas: { Item: { type: 'object' }, 'a/b~c': { type: 'string' } },
    },
  };
}

describe('the spec index', () => {
  describe('references', () => {
    it('follows a chain of $refs to the node, and says where that node is', () => {
      const index = new SpecIndex(chained());
      const resolved = index.deref(
        { $ref: '#/components/parameters/itemId' },
        '#/paths/~1items~1{itemId}/parameters/0',
      );
      assert.equal(resolved.pointer, '#/components/parameters/itemIdAlias');
      assert.equal((resolved.node as { name: string }).name, 'itemId');
    });

    it('answers a node that is not a reference as it is, at the place given', () => {
      const index = new SpecIndex(chained());
      const node = { type: 'string' };
      assert.deepEqual(index.deref(node, '#/x'), { node, pointer: '#/x' });
      assert.deepEqual(index.deref(node), { node, pointer: undefined });
    });

    it('resolves a pointer, and escaped segments in it', () => {
      const index = new SpecIndex(chained());
      assert.deepEqual(index.resolve('#/components/schemas/a~1b~0c'), { type: 'string' });
      assert.equal(index.resolve('#/paths/~1items~1{itemId}/parameters/1/name'), 'limit');
      assert.equal(index.resolve('#'), index.document);
    });

    it('names a dangling $ref, where it was met and the segment missing', () => {
      const index = new SpecIndex(chained());
      assert.throws(
        () => index.deref({ $ref: '#/components/schemas/Itme' }, '#/paths/~1items/get/responses/200'),
        (error: unknown) =>
          error instanceof SpecReferenceError &&
          error.ref === '#/components/schemas/Itme' &&
          /dangling \$ref #\/components\/schemas\/Itme \(at #\/paths\/~1items\/get\/responses\/200\)/.test(
            error.message,
          ) &&
          /no "Itme" in #\/components\/schemas/.test(error.message),
      );
      assert.throws(
        () => index.resolve('#/components/nothing/here'),
        /dangling \$ref #\/components\/nothing\/here: there is no "nothing" in #\/components/,
      );
      assert.equal(index.find('#/components/nothing/here'), undefined);
      assert.equal(index.tryDeref({ $ref: '#/components/schemas/Itme' }), undefined);
    });

    it('does not reach properties every object inherits', () => {
      const index = new SpecIndex(chained());
      assert.equal(index.find('#/components/constructor'), undefined);
      assert.equal(index.find('#/components/__proto__'), undefined);
    });

    it('stops at a cycle, naming it, instead of running forever', () => {
      const document = {
        components: { schemas: { A: { $ref: '#/components/schemas/B' }, B: { $ref: '#/components/schemas/A' } } },
      };
      const index = new SpecIndex(document);
      assert.throws(
        () => index.deref({ $ref: '#/components/schemas/A' }),
        /\$ref cycle: #\/components\/schemas\/A -> #\/components\/schemas\/B -> #\/components\/schemas\/A/,
      );
      assert.equal(index.tryDeref({ $ref: '#/components/schemas/A' }), undefined);
    });

    it('refuses references out of the document', () => {
      const index = new SpecIndex(chained());
      assert.throws(
        () => index.deref({ $ref: 'common.yaml#/components/schemas/Item' }),
        /only local \$refs are supported, not common\.yaml/,
      );
    });

    it('finds a component schema by name, escaping it', () => {
      const index = new SpecIndex(chained());
      assert.deepEqual(index.schema('a/b~c'), { node: { type: 'string' }, pointer: '#/components/schemas/a~1b~0c' });
      assert.throws(() => index.schema('Nope'), SpecReferenceError);
    });
  });

  describe('pointers', () => {
    it('escapes ~ before / (RFC 6901), and reads them back', () => {
      assert.equal(pointerSegment('/v1/{id}'), '~1v1~1{id}');
      assert.equal(pointerSegment('a~/b'), 'a~0~1b');
      assert.equal(pointerSegment('~1'), '~01');
      assert.equal(pointerSegment(3), '3');
      assert.deepEqual(pointerSegments('#/a~01/~1b'), ['a~1', '/b']);
      assert.deepEqual(pointerSegments('#'), []);
      assert.equal(pointerTo('paths', '/items/{itemId}', 'get'), '#/paths/~1items~1{itemId}/get');
      for (const key of ['application/json', '~0', 'a~b/c', ''])
        assert.deepEqual(pointerSegments(pointerTo(key)), [key]);
    });
  });

  describe('operations', () => {
    it('lists the operations of each path item, and nothing else it holds', () => {
      const index = new SpecIndex(chained());
      const listed = index
        .operations()
        .map((operation) => [operation.operationId, operation.method, operation.path, operation.pointer]);
      assert.deepEqual(listed, [
        ['getItem', 'get', '/items/{itemId}', '#/paths/~1items~1{itemId}/get'],
        ['putItem', 'put', '/items/{itemId}', '#/paths/~1items~1{itemId}/put'],
      ]);
      assert.equal(index.operation('putItem'), index.operations()[1]);
      assert.equal(index.operation('deleteItem'), undefined);
      assert.equal(index.operations(), index.operations(), 'computed once');
    });

    it('merges path-level and operation-level parameters, the operation overriding by name and location', () => {
      const getItem = new SpecIndex(chained()).operation('getItem')!;
      assert.deepEqual(
        getItem.parameters.map(({ node, pointer }) => [node.in, node.name, node.schema?.['type'], pointer]),
        [
          ['path', 'itemId', 'integer', '#/components/parameters/itemIdAlias'],
          ['query', 'limit', 'string', '#/paths/~1items~1{itemId}/get/parameters/0'],
          ['header', 'X-Trace', 'string', '#/paths/~1items~1{itemId}/parameters/2'],
          ['header', 'limit', undefined, '#/paths/~1items~1{itemId}/get/parameters/1'],
        ],
      );
      assert.deepEqual(
        getItem.parametersIn('header').map(({ node }) => node.name),
        ['X-Trace', 'limit'],
      );
      assert.equal(getItem.parameters, getItem.parameters, 'computed once');
    });

    it('resolves the request body and its responses, and finds the JSON schema of the body', () => {
      const index = new SpecIndex(chained());
      const putItem = index.operation('putItem')!;
      assert.equal(putItem.requestBody?.pointer, '#/components/requestBodies/Item');
      assert.equal(putItem.requestBody?.node.required, true);
      assert.deepEqual(putItem.bodySchema, {
        node: { $ref: '#/components/schemas/Item' },
        pointer: '#/components/requestBodies/Item/content/application~1json/schema',
      });
      assert.deepEqual([...putItem.responses.keys()], ['200', 'default']);
      assert.deepEqual(putItem.responses.get('200'), {
        node: { description: 'OK' },
        pointer: '#/components/responses/Plain',
      });
      assert.equal(putItem.responses.get('default')?.pointer, '#/paths/~1items~1{itemId}/put/responses/default');
      assert.equal(index.operation('getItem')?.requestBody, undefined);
      assert.equal(index.operation('getItem')?.bodySchema, undefined);
    });

    it('takes tags and security from the operation, else the document', () => {
      const index = new SpecIndex(chained());
      assert.deepEqual(index.operation('getItem')?.tags, ['Items']);
      assert.deepEqual(index.operation('putItem')?.tags, []);
      assert.deepEqual(index.operation('getItem')?.security, [{ bearer: [] }]);
      assert.deepEqual(index.operation('putItem')?.security, []);
    });

    it('reads a path item given by reference, with pointers into the referenced one', () => {
      const document = {
        paths: { '/a': { $ref: '#/components/pathItems/A' } },
        components: { pathItems: { A: { get: { operationId: 'getA', responses: {} } } } },
      };
      const [operation] = new SpecIndex(document).operations();
      assert.equal(operation?.operationId, 'getA');
      assert.equal(operation?.pointer, '#/components/pathItems/A/get');
    });

    it('fails on a dangling parameter reference when the parameters are read, naming it', () => {
      const document = chained();
      document['paths']['/items/{itemId}'].get.parameters.push({ $ref: '#/components/parameters/sort' });
      const index = new SpecIndex(document);
      assert.equal(index.operations().length, 2, 'listing the operations reads no parameter');
      assert.throws(
        () => index.operation('getItem')!.parameters,
        /dangling \$ref #\/components\/parameters\/sort \(at #\/paths\/~1items~1\{itemId\}\/get\/parameters\/2\)/,
      );
    });

    it('keeps one index per document', () => {
      const document = chained();
      assert.equal(SpecIndex.of(document), SpecIndex.of(document));
      assert.notEqual(SpecIndex.of(document), SpecIndex.of(chained()));
    });
  });

  describe('the real spec', () => {
    // Written out, so that an operation lost by the index (or by the spec) is seen here.
    const expected: [string, string, string][] = [
      ['listProducts', 'get', '/v1/products'],
      ['getProduct', 'get', '/v1/products/{productId}'],
      ['listSkus', 'get', '/v1/products/{productId}/skus'],
      ['getSku', 'get', '/v1/products/{productId}/skus/{skuId}'],
      ['listAvailabilities', 'get', '/v1/products/{productId}/skus/{skuId}/availabilities'],
      ['getAvailability', 'get', '/v1/products/{productId}/skus/{skuId}/availabilities/{availabilityId}'],
      ['createCart', 'post', '/v1/customers/{customerId}/carts'],
      ['getCart', 'get', '/v1/customers/{customerId}/carts/{cartId}'],
      ['updateCart', 'put', '/v1/customers/{customerId}/carts/{cartId}'],
      ['checkoutCart', 'post', '/v1/customers/{customerId}/carts/{cartId}/checkout'],
      ['listOrders', 'get', '/v1/customers/{customerId}/orders'],
      ['getOrder', 'get', '/v1/customers/{customerId}/orders/{orderId}'],
      ['updateOrder', 'patch', '/v1/customers/{customerId}/orders/{orderId}'],
      ['getOrderProvisioningStatus', 'get', '/v1/customers/{customerId}/orders/{orderId}/provisioningstatus'],
      [
        'listOrderLineItemActivationLinks',
        'get',
        '/v1/customers/{customerId}/orders/{orderId}/lineitems/{lineItemNumber}/activationlinks',
      ],
    ];
    const documents: [string, object][] = [
      ['openapi/openapi.yaml', loadSpec()],
      ['generated/openapi.json', JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8')) as object],
      [
        'generated/openapi.canonical.json',
        JSON.parse(readFileSync(join(root, 'generated', 'openapi.canonical.json'), 'utf8')) as object,
      ],
    ];

    for (const [name, document] of documents) {
      it(`${name}: every operation, with its method and path`, () => {
        const index = new SpecIndex(document);
        assert.deepEqual(
          index.operations().map((operation) => [operation.operationId, operation.method, operation.path]),
          expected,
        );
        for (const [operationId, method, path] of expected) {
          assert.deepEqual([index.operation(operationId)?.method, index.operation(operationId)?.path], [method, path]);
        }
      });

      it(`${name}: every reference of every operation resolves, and every path parameter is declared`, () => {
        const index = new SpecIndex(document);
        for (const operation of index.operations()) {
          const declared = operation
            .parametersIn('path')
            .map(({ node }) => node.name)
            .sort();
          const inPath = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
          assert.deepEqual(declared, inPath, operation.operationId);
          assert.ok(operation.responses.size > 0, operation.operationId);
          if (operation.bodySchema) assert.ok(index.find(operation.bodySchema.pointer) === operation.bodySchema.node);
          for (const { pointer } of [...operation.parameters, ...operation.responses.values()])
            assert.notEqual(index.find(pointer), undefined);
        }
      });
    }
  });
});

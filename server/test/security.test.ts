// The security matrix over HTTP, for every operation of the spec (the list is read from
// generated/openapi.json, not written here):
// - another partner, holding a real token, gets 404 for every cart and order of PARTNER's (on the same
//   customer id), exactly as for ids that never existed, and changes nothing; it sees none of PARTNER's
//   orders, cannot replay PARTNER's recorded answers by reusing an MS-RequestId, and what it creates
//   stays invisible to PARTNER;
// - every kind of bad credential (missing, malformed, expired, not yet valid, badly signed, signed with
//   another secret or algorithm, unsigned, in another scheme) gets 401 with Partner Center's error body
//   and WWW-Authenticate, and a valid token with an unusable tenant claim 403, as the spec says; none
//   changes anything.
// server/auth.test.ts covers the verifier itself; this is the same ground as a client meets it.
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomUUID, sign as rsaSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeErrors, SpecValidator } from '../../openapi/test/spec.ts';
import { DatabaseDigest } from './db-digest.ts';
import { canonicalSpecPath } from '../http/spec.ts';
import { fillPath, SpecModel, type OperationModel } from './fuzz/spec-model.ts';
import { CUSTOMER, OTHER_PARTNER, PARTNER, SECRET, TestServer, token, USER, type Reply } from './harness.ts';

const document = JSON.parse(readFileSync(canonicalSpecPath, 'utf8'));
const model = new SpecModel(document);
const responses = new SpecValidator(document);
// The operations on a partner's own resources (its customers' carts and orders); the catalog is the
// same for every partner, so another partner reading it is no leak (catalog.test.ts checks it needs a token).
const operations = model.operations.filter((op) => op.path.startsWith('/v1/customers/'));

/**
 * Path parameters every customer path has (the customer: the caller's choice); the others name resources the server
 * issued.
 */
const scopeParams = new Set(
  model.templates
    .filter((t) => t.path.startsWith('/v1/customers/'))
    .map((t) => [...t.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!))
    .reduce((common, names) => common.filter((name) => names.includes(name))),
);
const pathParamsOf = (operation: OperationModel) => operation.parameters.filter((p) => p.in === 'path');
const resourceParamsOf = (operation: OperationModel) => pathParamsOf(operation).filter((p) => !scopeParams.has(p.name));

const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  tid: PARTNER,
  oid: USER,
  iat: now(),
  exp: now() + 600,
  ...extra,
});

/** A JWT built by hand, so that every header, claim and signature can be wrong on purpose. */
function jwt(header: Record<string, unknown>, payload: unknown, signer: (input: string) => string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${signer(input)}`;
}
const hmac = (algorithm: 'sha256' | 'sha512', secret: string) => (input: string) =>
  createHmac(algorithm, secret).update(input).digest('base64url');
const hs256 = (payload: unknown, header: Record<string, unknown> = {}) =>
  jwt({ alg: 'HS256', typ: 'JWT', ...header }, payload, hmac('sha256', SECRET));

describe('security over HTTP', function () {
  this.timeout(60_000);
  let server: TestServer;
  let digest: DatabaseDigest;
  let dir: string;
  /** Path parameter values of PARTNER's carts and orders, from the links of its answers. */
  const bindings: Record<string, string>[] = [];
  /** Requests PARTNER made with an MS-RequestId of its own, and their (recorded) answers, by operationId. */
  const recordedWrites = new Map<string, { path: string; body: unknown; requestId: string; answer: Reply }>();
  let recorded: { path: string; body: unknown; requestId: string; answer: Reply };

  const call = (
    method: string,
    path: string,
    options: { authorization?: string | null; body?: unknown; requestId?: string } = {},
  ) =>
    server.call(method, path, {
      ...(options.body !== undefined ? { body: options.body } : {}),
      headers: {
        'ms-requestid': options.requestId ?? randomUUID(),
        ...(options.authorization !== undefined ? { authorization: options.authorization } : {}),
      },
    });

  const harvest = (body: unknown): void => {
    const visit = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'uri' && typeof value === 'string') {
          const found = model.bindingsOf(value);
          if (found && !bindings.some((b) => JSON.stringify(b) === JSON.stringify(found.params)))
            bindings.push(found.params);
        } else visit(value);
      }
    };
    visit(body);
  };

  /** A body for the operation: its first named example (or none when the body is optional and has none). */
  const exampleBody = (operation: OperationModel): unknown => operation.requestBody?.content[0]?.examples[0];

  /** PARTNER's ids for the operation's path parameters: customer and resources, from one binding that has them all. */
  const partnerIds = (operation: OperationModel): Record<string, string> => {
    const names = pathParamsOf(operation).map((p) => p.name);
    const binding = bindings.find((b) => names.every((name) => b[name] !== undefined));
    assert.ok(binding, `no resource of PARTNER's has ${names.join(', ')}`);
    return Object.fromEntries(names.map((name) => [name, binding[name]!]));
  };
  const pathWith = (operation: OperationModel, ids: Record<string, string>): string =>
    fillPath(operation.path, Object.fromEntries(Object.entries(ids).map(([name, value]) => [name, { value }])));
  const partnerPath = (operation: OperationModel): string => pathWith(operation, partnerIds(operation));
  /** The operation on PARTNER's customer (for those whose only path parameter is the customer). */
  const customerPath = (operation: OperationModel): string =>
    pathWith(operation, Object.fromEntries(pathParamsOf(operation).map((p) => [p.name, CUSTOMER])));
  const anyPath = (operation: OperationModel): string =>
    resourceParamsOf(operation).length > 0 ? partnerPath(operation) : customerPath(operation);

  /** Everything PARTNER can read: each of its resources through each GET operation. */
  const partnerView = async (): Promise<string> => {
    const reads: unknown[] = [];
    for (const operation of operations.filter((op) => op.method === 'GET')) {
      const names = pathParamsOf(operation).map((p) => p.name);
      for (const binding of bindings.filter((b) => names.every((name) => b[name] !== undefined))) {
        const path = fillPath(
          operation.path,
          Object.fromEntries(names.map((name) => [name, { value: binding[name]! }])),
        );
        const reply = await call('GET', path);
        reads.push([path, reply.status, reply.body]);
      }
    }
    return JSON.stringify(reads);
  };

  function assertAnswerFitsSpec(operation: OperationModel, reply: Reply): void {
    const response = operation.responses.get(String(reply.status));
    assert.ok(response, `${operation.operationId} does not declare ${reply.status}`);
    const media = response.content.find((m) => m.mediaType === 'application/json');
    assert.ok(media, `${operation.operationId} ${reply.status} declares no JSON body`);
    const errors = responses.errors(media.schemaPointer, reply.body);
    assert.deepEqual(errors, [], describeErrors(errors));
  }

  function assertErrorBody(reply: Reply, status: number): void {
    assert.equal(reply.status, status, JSON.stringify(reply.body));
    assert.equal(typeof reply.body?.code, 'number');
    assert.equal(typeof reply.body?.description, 'string');
    assert.ok(Array.isArray(reply.body?.data));
    assert.equal(reply.body?.source, 'PartnerCenterCartSandbox');
  }

  /** Runs `request`, asserting that the database is the same, row for row, before and after. */
  async function unchanged<T>(request: () => Promise<T>): Promise<T> {
    const before = digest.digest();
    const result = await request();
    assert.equal(digest.digest(), before, 'the request changed the database');
    return result;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cart-security-'));
    const databasePath = join(dir, 'security.db');
    server = await new TestServer({ databasePath }).start();
    digest = new DatabaseDigest(databasePath);
    // PARTNER's state, made from the spec's own examples: each write once, as soon as the ids it needs
    // exist (a cart is created, updated and checked out into orders); then one more cart, left active.
    const pending = operations.filter((op) => op.method !== 'GET');
    for (let pass = 0; pass < operations.length && pending.length > 0; pass++) {
      for (const operation of [...pending]) {
        if (resourceParamsOf(operation).some((p) => !bindings.some((b) => b[p.name] !== undefined))) continue;
        pending.splice(pending.indexOf(operation), 1);
        const path = anyPath(operation);
        const body = exampleBody(operation);
        const requestId = randomUUID();
        const reply = await call(operation.method, path, { body, requestId });
        // Cancelling the example cart's new-commerce order is refused (800063, per subscription only): still
        // a request of PARTNER's that another partner must never see answered.
        const refusedByRule =
          operation.operationId === 'updateOrder' && reply.status >= 400 && reply.status < 500 && reply.status !== 404;
        assert.ok(
          (reply.status >= 200 && reply.status < 300) || refusedByRule,
          `${operation.operationId}: ${reply.status} ${JSON.stringify(reply.body)}`,
        );
        recordedWrites.set(operation.operationId, { path, body, requestId, answer: reply });
        harvest(reply.body);
      }
    }
    // One more resource made under an MS-RequestId of PARTNER's own, whose answer is now recorded.
    const create = operations.find((op) => op.method === 'POST' && resourceParamsOf(op).length === 0)!;
    const body = exampleBody(create);
    const cartsPath = customerPath(create);
    const requestId = randomUUID();
    const answer = await call('POST', cartsPath, { body, requestId });
    assert.equal(answer.status, 201);
    harvest(answer.body);
    recorded = { path: cartsPath, body, requestId, answer };
    // Order lines are named by their number, which only a marketplace line's link carries: line 0 of each order.
    for (const binding of [...bindings])
      if (binding['orderId'] !== undefined && binding['lineItemNumber'] === undefined)
        bindings.push({ ...binding, lineItemNumber: '0' });
    for (const name of new Set(operations.flatMap((op) => resourceParamsOf(op).map((p) => p.name))))
      assert.ok(
        bindings.some((b) => b[name] !== undefined),
        `the set-up made no resource with a ${name}`,
      );
  });

  after(async () => {
    digest.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("another partner's resources (OTHER_PARTNER's own valid token, the same customer id)", () => {
    let other: string;
    before(async () => {
      other = `Bearer ${await token(OTHER_PARTNER)}`;
    });

    for (const operation of operations.filter((op) => resourceParamsOf(op).length > 0)) {
      it(`${operation.operationId}: PARTNER's ids are 404, exactly like ids that never existed, and nothing changes`, async () => {
        const body = exampleBody(operation);
        const ids = partnerIds(operation);
        const foreign = await unchanged(() =>
          call(operation.method, pathWith(operation, ids), { authorization: other, body }),
        );
        assertErrorBody(foreign, 404);
        assertAnswerFitsSpec(operation, foreign);

        // The same ids in upper case (a GUID's other spelling) are not a way in either.
        const upperIds = Object.fromEntries(
          Object.entries(ids).map(([name, value]) => [name, scopeParams.has(name) ? value : value.toUpperCase()]),
        );
        const upper = await unchanged(() =>
          call(operation.method, pathWith(operation, upperIds), { authorization: other, body }),
        );
        assert.equal(upper.status, 404, JSON.stringify(upper.body));

        // Indistinguishable from a missing resource: same status and code, same text but for the id.
        const missingIds = Object.fromEntries(
          pathParamsOf(operation).map((p) => [
            p.name,
            scopeParams.has(p.name)
              ? CUSTOMER
              : p.schema.format === 'uuid'
                ? randomUUID()
                : p.schema.type === 'integer'
                  ? '1000'
                  : `missing${Date.now()}`,
          ]),
        );
        const missing = await unchanged(() =>
          call(operation.method, pathWith(operation, missingIds), { authorization: other, body }),
        );
        assertErrorBody(missing, 404);
        assert.equal(foreign.body.code, missing.body.code);
        const mask = (reply: Reply, values: Record<string, string>) =>
          resourceParamsOf(operation)
            .filter((p) => p.schema.type !== 'integer') // a line number is a position, which a missing order's message does not name
            .reduce((text: string, p) => text.split(values[p.name]!).join('<id>'), String(reply.body.description));
        assert.equal(mask(foreign, ids), mask(missing, missingIds));
        assert.ok(!JSON.stringify(foreign.body).includes(PARTNER), "the answer names PARTNER's tenant");
      });
    }

    for (const operation of operations.filter((op) => resourceParamsOf(op).length === 0)) {
      if (operation.method === 'GET') {
        it(`${operation.operationId}: on PARTNER's customer, shows none of PARTNER's resources and changes nothing`, async () => {
          const reply = await unchanged(() => call('GET', customerPath(operation), { authorization: other }));
          assert.equal(reply.status, 200, JSON.stringify(reply.body));
          assertAnswerFitsSpec(operation, reply);
          const text = JSON.stringify(reply.body);
          for (const binding of bindings)
            // Line numbers (0, 1, ...) are positions, not ids the server issued: every order has them.
            for (const [name, value] of Object.entries(binding))
              if (!scopeParams.has(name) && !/^\d+$/.test(value))
                assert.ok(!text.includes(value), `${operation.operationId} shows PARTNER's ${name} ${value}`);
        });
      } else {
        it(`${operation.operationId}: on PARTNER's customer, makes OTHER_PARTNER's own resource, invisible to PARTNER, and PARTNER's view is unchanged`, async () => {
          const before = await partnerView();
          const reply = await call(operation.method, customerPath(operation), {
            authorization: other,
            body: exampleBody(operation),
          });
          assert.ok(reply.status >= 200 && reply.status < 300, JSON.stringify(reply.body));
          assertAnswerFitsSpec(operation, reply);
          const self = model.bindingsOf(reply.body?.links?.self?.uri ?? '');
          assert.ok(self, 'the answer links to what it made');
          const getOperation = model.templates.find((t) => t.path === self.template)?.methods.get('GET');
          assert.ok(getOperation);
          const path = fillPath(
            self.template,
            Object.fromEntries(Object.entries(self.params).map(([k, v]) => [k, { value: v }])),
          );
          assert.equal((await call('GET', path)).status, 404, "PARTNER sees OTHER_PARTNER's resource");
          assert.equal((await call('GET', path, { authorization: other })).status, 200);
          assert.equal(await partnerView(), before, "PARTNER's resources changed");
        });
      }
    }

    it("reusing PARTNER's MS-RequestId does not replay PARTNER's recorded answer to another partner", async () => {
      // The very request PARTNER made, same path, body and MS-RequestId, with OTHER_PARTNER's token.
      const reply = await call('POST', recorded.path, {
        authorization: other,
        body: recorded.body,
        requestId: recorded.requestId,
      });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      assert.equal(reply.headers.get('idempotent-replayed'), null);
      assert.notEqual(reply.body.id, recorded.answer.body.id);
      assert.ok(!JSON.stringify(reply.body).includes(recorded.answer.body.id), "the answer carries PARTNER's cart id");
      // And PARTNER's own retry still gets its own answer.
      const retry = await call('POST', recorded.path, { body: recorded.body, requestId: recorded.requestId });
      assert.equal(retry.status, 201);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.deepEqual(retry.body, recorded.answer.body);
    });

    for (const operation of operations.filter((op) => op.method !== 'GET' && resourceParamsOf(op).length > 0)) {
      it(`${operation.operationId}: PARTNER's very request, MS-RequestId included, is 404 for another partner, not PARTNER's recorded answer`, async () => {
        const write = recordedWrites.get(operation.operationId);
        assert.ok(write, `the set-up made no ${operation.operationId}`);
        const reply = await unchanged(() =>
          call(operation.method, write.path, { authorization: other, body: write.body, requestId: write.requestId }),
        );
        assertErrorBody(reply, 404);
        assert.equal(reply.headers.get('idempotent-replayed'), null);
      });
    }

    for (const [name, tid] of [
      ["PARTNER's tenant id in upper case", PARTNER.toUpperCase()],
      ["PARTNER's tenant id with a space before it", ` ${PARTNER}`],
      ['a tenant id that is not a GUID', 'contoso'],
    ] as const) {
      it(`a token whose tid is ${name} is another tenant: 404 on PARTNER's resources, nothing changes`, async () => {
        // server/auth.ts accepts any non-empty tid of at most 64 characters and compares it exactly:
        // such a caller is a tenant of its own, and must fail closed.
        const authorization = `Bearer ${hs256(claims({ tid }))}`;
        for (const operation of operations.filter((op) => resourceParamsOf(op).length > 0)) {
          const reply = await unchanged(() =>
            call(operation.method, partnerPath(operation), { authorization, body: exampleBody(operation) }),
          );
          assertErrorBody(reply, 404);
        }
      });
    }
  });

  describe("bad credentials: 401 (403 for a valid token naming no partner tenant), Partner Center's error body, nothing changed, for every operation", () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs256 = (input: string) => rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url');
    const valid = () => hs256(claims());
    /**
     * [what, Authorization header (null: none), whether the token is valid but names no usable partner tenant (403)]
     */
    const cases: [string, () => string | null, boolean?][] = [
      ['no Authorization header', () => null],
      ['an empty Authorization header', () => ''],
      ['"Bearer" and nothing else', () => 'Bearer'],
      ['a garbage token', () => 'Bearer not-a-token'],
      ['three empty segments', () => 'Bearer ..'],
      ['a.b.c', () => 'Bearer a.b.c'],
      ['an 8 KB garbage token', () => `Bearer ${'x'.repeat(8 * 1024)}`],
      ['a valid token in the Basic scheme', () => `Basic ${valid()}`],
      ['a Basic credential', () => `Basic ${Buffer.from('user:password').toString('base64')}`],
      ['a valid token in a made-up scheme', () => `Token ${valid()}`],
      ['a valid token with no scheme', () => valid()],
      ['a valid token followed by another word', () => `Bearer ${valid()} extra`],
      ['two bearer tokens', () => `Bearer ${valid()}, Bearer ${valid()}`],
      ['an expired token', () => `Bearer ${hs256(claims({ exp: now() - 3600 }))}`],
      ['a token not valid yet (nbf)', () => `Bearer ${hs256(claims({ nbf: now() + 3600 }))}`],
      ['a token without exp', () => `Bearer ${hs256({ tid: PARTNER, oid: USER })}`],
      [
        'a token whose signature was changed',
        () => {
          const [header, payload, signature] = valid().split('.');
          return `Bearer ${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
        },
      ],
      [
        'a token whose payload was changed after signing',
        () => {
          const [header, , signature] = valid().split('.');
          return `Bearer ${header}.${b64url(claims({ tid: OTHER_PARTNER }))}.${signature}`;
        },
      ],
      [
        'a token signed with another secret',
        () =>
          `Bearer ${jwt({ alg: 'HS256', typ: 'JWT' }, claims(), hmac('sha256', 'another-secret-another-secret-0123456789'))}`,
      ],
      ['an unsigned token (alg none)', () => `Bearer ${jwt({ alg: 'none', typ: 'JWT' }, claims(), () => '')}`],
      [
        'an unsigned token (alg None) with a signature',
        () => `Bearer ${jwt({ alg: 'None', typ: 'JWT' }, claims(), hmac('sha256', SECRET))}`,
      ],
      [
        "an HS512 token signed with the server's secret",
        () => `Bearer ${jwt({ alg: 'HS512', typ: 'JWT' }, claims(), hmac('sha512', SECRET))}`,
      ],
      ['an RS256 token', () => `Bearer ${jwt({ alg: 'RS256', typ: 'JWT' }, claims(), rs256)}`],
      [
        "an RS256 header over an HMAC signature with the server's secret",
        () => `Bearer ${jwt({ alg: 'RS256', typ: 'JWT' }, claims(), hmac('sha256', SECRET))}`,
      ],
      [
        'an unknown critical header parameter',
        () => `Bearer ${hs256(claims(), { crit: ['x-must-understand'], 'x-must-understand': true })}`,
      ],
      [
        'a payload that is not a JSON object',
        () => `Bearer ${jwt({ alg: 'HS256', typ: 'JWT' }, '["not","claims"]', hmac('sha256', SECRET))}`,
      ],
      ['tid as a number', () => `Bearer ${hs256(claims({ tid: 42 }))}`, true],
      ['tid as an array', () => `Bearer ${hs256(claims({ tid: [PARTNER] }))}`, true],
      ['tid as an object', () => `Bearer ${hs256(claims({ tid: { id: PARTNER } }))}`, true],
      ['tid null', () => `Bearer ${hs256(claims({ tid: null }))}`, true],
      ['tid empty', () => `Bearer ${hs256(claims({ tid: '' }))}`, true],
      ['tid blank', () => `Bearer ${hs256(claims({ tid: '   ' }))}`, true],
      ['tid longer than 64 characters', () => `Bearer ${hs256(claims({ tid: `${PARTNER}-${'x'.repeat(40)}` }))}`, true],
      ['tid with a control character', () => `Bearer ${hs256(claims({ tid: `${PARTNER}\n` }))}`, true],
      ['no tid', () => `Bearer ${hs256({ oid: USER, exp: now() + 600 })}`, true],
      ['oid as a number', () => `Bearer ${hs256(claims({ oid: 7 }))}`],
    ];

    for (const [what, authorization, noTenant] of cases) {
      it(what, async () => {
        const header = authorization();
        for (const operation of operations) {
          const reply = await unchanged(() =>
            call(operation.method, anyPath(operation), { authorization: header, body: exampleBody(operation) }),
          );
          // A valid token without a usable tid is authenticated but names no partner tenant: the spec's 403.
          const status = noTenant ? 403 : 401;
          assertErrorBody(reply, status);
          assert.equal(reply.body.code, 800001, JSON.stringify(reply.body));
          assertAnswerFitsSpec(operation, reply);
          if (status === 401)
            assert.match(
              reply.headers.get('www-authenticate') ?? '',
              /^Bearer\b/,
              `${operation.operationId}: no WWW-Authenticate`,
            );
          let echoed = JSON.stringify(reply.body);
          reply.headers.forEach((value) => (echoed += ` ${value}`));
          const secretPart = header?.split(/[ ,]+/).find((part) => part.length > 20);
          if (secretPart) assert.ok(!echoed.includes(secretPart), `${operation.operationId} echoes the credential`);
          assert.ok(!echoed.includes(SECRET), 'the answer contains the secret');
        }
      });
    }

    it('the same requests with a valid token do get through (the cases above fail for their credential alone)', async () => {
      const authorization = `Bearer ${valid()}`;
      for (const operation of operations.filter((op) => op.method === 'GET')) {
        const reply = await call('GET', anyPath(operation), { authorization });
        assert.equal(reply.status, 200, `${operation.operationId}: ${JSON.stringify(reply.body)}`);
      }
    });
  });
});

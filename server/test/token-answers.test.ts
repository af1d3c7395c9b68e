// What a client is told about its bearer token, over HTTP: the clock tolerance on expiry (a token
// a few seconds past its `exp` still works), the answer for a token beyond it (when it expired, and
// how to mint a new one), and the answer for `Authorization: Bearer ` with no token after it.
// server/auth.test.ts covers the verifier itself; security.test.ts every operation.
import assert from 'node:assert/strict';
import { CLOCK_TOLERANCE_SECONDS } from '../auth.ts';
import { assertErrorBody, useTestServer } from './hooks.ts';
import { ordersPath, PARTNER, token } from './harness.ts';

/** The `exp` claim of a token, in seconds since the epoch. */
const expOf = (jwt: string): number =>
  (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number }).exp;

describe('what a client is told about its token', function () {
  this.timeout(20_000);
  const server = useTestServer({}, { once: true });
  const withToken = (authorization: string) => server.call('GET', ordersPath(), { headers: { authorization } });

  it(`a token that expired 3 seconds ago still works: ${CLOCK_TOLERANCE_SECONDS} seconds of clock skew are tolerated`, async () => {
    const reply = await withToken(`Bearer ${await token(PARTNER, undefined, '-3s')}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  });

  it('a token beyond the tolerance is 401, saying when it expired, the tolerance, and how to mint a new one', async () => {
    const expired = await token(PARTNER, undefined, '-10s');
    const reply = await withToken(`Bearer ${expired}`);
    assert.equal(reply.status, 401);
    assertErrorBody(reply.body, 800001);
    const at = new Date(expOf(expired) * 1000).toISOString();
    const description: string = reply.body.description;
    assert.ok(description.startsWith(`The access token expired at ${at}, `), description);
    const ago = Number(/, (\d+) seconds ago/.exec(description)?.[1]);
    assert.ok(ago >= 10 && ago < 20, `${ago} seconds ago in: ${description}`);
    assert.match(description, new RegExp(`accepted up to ${CLOCK_TOLERANCE_SECONDS} seconds past their "exp"`));
    assert.match(description, /mint a new one \(npm run -s token/);
  });

  it('"Authorization: Bearer " with nothing after it is 401 saying that the token is empty', async () => {
    // What `curl -H "Authorization: Bearer $TOKEN"` sends when TOKEN is not set.
    for (const header of ['Bearer ', 'Bearer', 'bearer   ']) {
      const reply = await withToken(header);
      assert.equal(reply.status, 401, header);
      assertErrorBody(reply.body, 800001);
      assert.match(reply.body.description, /^The bearer token is empty: /, header);
      assert.doesNotMatch(reply.body.description, /must have the form/);
    }
  });

  it('a header that is not "Bearer <token>" still gets the form message', async () => {
    const reply = await withToken('Basic dXNlcjpwYXNz');
    assert.equal(reply.status, 401);
    assert.match(reply.body.description, /must have the form "Bearer <token>"/);
  });
});

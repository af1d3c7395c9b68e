// The HS256 verifier (the bearer-token rules every verifier shares), mintToken and randomSecret, and
// scripts/token.ts with a secret. The key set verifier (JWKS_URL) and scripts/token.ts --key:
// auth-keys.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { AuthError, createHs256Verifier, mintToken, randomSecret } from './auth.ts';
import { assertFails, b64, now, OTHER_SECRET, SECRET, TENANT, USER, verifier } from './auth.fixtures.ts';

const key = new TextEncoder().encode(SECRET);

/** Signs `claims` with HS256 and SECRET exactly as given (no claims added), whatever their types. */
function sign(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

describe('auth: HS256 verifier', () => {
  it('accepts a minted token and returns the principal', async () => {
    const token = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER });
    assert.deepEqual(await verifier.verify(`Bearer ${token}`), { partnerTenantId: TENANT, userId: USER });
  });

  it('accepts the scheme in any case and surrounding whitespace', async () => {
    const token = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER });
    for (const header of [`bearer ${token}`, `BEARER ${token}`, `  Bearer   ${token}  `]) {
      assert.equal((await verifier.verify(header)).partnerTenantId, TENANT);
    }
  });

  it('prefers oid over sub, then sub, then the tenant id', async () => {
    const exp = now() + 600;
    assert.deepEqual(
      await verifier.verify(`Bearer ${await sign({ tid: TENANT, oid: 'the-oid', sub: 'the-sub', exp })}`),
      {
        partnerTenantId: TENANT,
        userId: 'the-oid',
      },
    );
    assert.equal(
      (await verifier.verify(`Bearer ${await sign({ tid: TENANT, sub: 'the-sub', exp })}`)).userId,
      'the-sub',
    );
    assert.equal((await verifier.verify(`Bearer ${await sign({ tid: TENANT, exp })}`)).userId, TENANT);
  });

  it('accepts a token that expired within the 5 second clock tolerance', async () => {
    const token = await sign({ tid: TENANT, exp: now() - 2 });
    assert.equal((await verifier.verify(`Bearer ${token}`)).partnerTenantId, TENANT);
  });

  it('missing: no header or an empty one', async () => {
    await assertFails(undefined, 'missing');
    await assertFails('', 'missing');
    await assertFails('   ', 'missing');
  });

  it('malformed: any other scheme or shape', async () => {
    const token = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER });
    await assertFails('Basic xyz', 'malformed');
    await assertFails(`Basic ${token}`, 'malformed');
    await assertFails('Bearer', 'malformed');
    await assertFails('Bearer ', 'malformed');
    await assertFails(token, 'malformed');
    await assertFails(`Bearer ${token} extra`, 'malformed');
    await assertFails(`Bearer\t${token}`, 'malformed');
  });

  it('invalid: a garbage token', async () => {
    await assertFails('Bearer garbage', 'invalid');
    await assertFails('Bearer a.b.c', 'invalid');
    await assertFails(`Bearer ${b64({ alg: 'HS256' })}.${b64({ tid: TENANT })}`, 'invalid');
  });

  it('invalid: signed with another secret', async () => {
    const token = await mintToken({ secret: OTHER_SECRET, tenantId: TENANT, userId: USER });
    const error = await assertFails(`Bearer ${token}`, 'invalid');
    assert.match(error.message, /signature/);
  });

  it('invalid: a tampered payload', async () => {
    const token = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER });
    const [header, , signature] = token.split('.');
    const forged = `${header}.${b64({ tid: 'someone-else', exp: now() + 600 })}.${signature}`;
    await assertFails(`Bearer ${forged}`, 'invalid');
  });

  it('expired: exp in the past', async () => {
    const token = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER, expiresIn: '-1h' });
    const error = await assertFails(`Bearer ${token}`, 'expired');
    assert.match(error.message, /expired/);
    await assertFails(`Bearer ${await sign({ tid: TENANT, exp: now() - 10 })}`, 'expired');
  });

  it('invalid: alg none', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ tid: TENANT, oid: USER, exp: now() + 600 })}.`;
    await assertFails(`Bearer ${token}`, 'invalid');
  });

  it('invalid: an RS256 token, even one whose key is public', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await new SignJWT({ tid: TENANT, oid: USER })
      .setProtectedHeader({ alg: 'RS256' })
      .setExpirationTime('1h')
      .sign(privateKey);
    const error = await assertFails(`Bearer ${token}`, 'invalid');
    assert.match(error.message, /HS256/);
  });

  it('invalid: no exp', async () => {
    const error = await assertFails(`Bearer ${await sign({ tid: TENANT, oid: USER })}`, 'invalid');
    assert.match(error.message, /exp/);
  });

  it('invalid: nbf in the future', async () => {
    await assertFails(`Bearer ${await sign({ tid: TENANT, exp: now() + 600, nbf: now() + 300 })}`, 'invalid');
  });

  it('no-tenant: tid absent, not a string, empty or too long', async () => {
    const exp = now() + 600;
    const error = await assertFails(`Bearer ${await sign({ oid: USER, exp })}`, 'no-tenant');
    assert.match(error.message, /tid/);
    for (const tid of [42, { id: TENANT }, [TENANT], null, true, '', '   ', 'x'.repeat(65), 'a\nb']) {
      await assertFails(`Bearer ${await sign({ tid, oid: USER, exp })}`, 'no-tenant');
    }
    assert.equal(
      (await verifier.verify(`Bearer ${await sign({ tid: 't'.repeat(64), exp })}`)).partnerTenantId,
      't'.repeat(64),
    );
  });

  it('invalid: oid or sub that is not a usable string', async () => {
    const exp = now() + 600;
    for (const oid of [42, { id: USER }, '', 'x'.repeat(257)]) {
      const error = await assertFails(`Bearer ${await sign({ tid: TENANT, oid, exp })}`, 'invalid');
      assert.match(error.message, /"oid"/);
    }
    await assertFails(`Bearer ${await sign({ tid: TENANT, oid: 7, sub: 'the-sub', exp })}`, 'invalid');
    await assertFails(`Bearer ${await sign({ tid: TENANT, sub: 7, exp })}`, 'invalid');
  });

  it('remembers a verified token until it expires, and never a refused one', async () => {
    let clock = new Date();
    const cached = createHs256Verifier(SECRET, { now: () => clock, cacheSize: 2 });
    const token = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER, expiresIn: '60s' });
    assert.deepEqual(await cached.verify(`Bearer ${token}`), { partnerTenantId: TENANT, userId: USER });
    assert.deepEqual(await cached.verify(`Bearer ${token}`), { partnerTenantId: TENANT, userId: USER });
    clock = new Date(clock.getTime() + 66_000); // past exp and the 5 s tolerance
    await assert.rejects(
      cached.verify(`Bearer ${token}`),
      (error: unknown) => error instanceof AuthError && error.failure === 'expired',
    );

    // A tampered copy of a remembered token is verified on its own, and refused.
    clock = new Date();
    const fresh = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER });
    await cached.verify(`Bearer ${fresh}`);
    const [header, payload, signature] = fresh.split('.');
    const forged = `${header}.${b64({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), tid: 'someone-else' })}.${signature}`;
    await assert.rejects(cached.verify(`Bearer ${forged}`), AuthError);
    await assert.rejects(cached.verify(`Bearer ${forged}`), AuthError, 'a refusal is not remembered as an acceptance');
  });

  it('refuses a secret shorter than 32 characters', () => {
    assert.throws(() => createHs256Verifier('short'), RangeError);
    assert.doesNotThrow(() => createHs256Verifier('x'.repeat(32)));
  });
});

describe('auth: mintToken and randomSecret', () => {
  it('mints tid, oid, iat and exp (default 1 hour), and iss when asked', async () => {
    const before = now();
    const token = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER, issuer: 'urn:sandbox' });
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    assert.deepEqual(header, { alg: 'HS256', typ: 'JWT' });
    assert.equal(payload.tid, TENANT);
    assert.equal(payload.oid, USER);
    assert.equal(payload.iss, 'urn:sandbox');
    assert.ok(payload.iat >= before && payload.iat <= now());
    assert.equal(payload.exp - payload.iat, 3600);
  });

  it('honours expiresIn and refuses bad input', async () => {
    const token = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER, expiresIn: '8h' });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    assert.equal(payload.exp - payload.iat, 8 * 3600);
    await assert.rejects(mintToken({ secret: SECRET, tenantId: TENANT, userId: USER, expiresIn: 'soon' }), TypeError);
    await assert.rejects(mintToken({ secret: 'short', tenantId: TENANT, userId: USER }), RangeError);
    await assert.rejects(mintToken({ secret: SECRET, tenantId: '', userId: USER }), RangeError);
    await assert.rejects(mintToken({ secret: SECRET, tenantId: 'x'.repeat(65), userId: USER }), RangeError);
    await assert.rejects(mintToken({ secret: SECRET, tenantId: TENANT, userId: '' }), RangeError);
  });

  it('randomSecret: 32 random bytes, base64url, usable as a key', async () => {
    const secret = randomSecret();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(secret, 'base64url').length, 32);
    assert.notEqual(secret, randomSecret());
    const token = await mintToken({ secret, tenantId: TENANT, userId: USER });
    assert.equal((await createHs256Verifier(secret).verify(`Bearer ${token}`)).userId, USER);
  });
});

describe('scripts/token.ts', function () {
  this.timeout(30000);
  const script = join(import.meta.dirname, '..', 'scripts', 'token.ts');
  const run = (args: string[], env: Record<string, string | undefined> = {}) => {
    const { JWT_SECRET: _ignored, ...inherited } = process.env;
    return spawnSync(process.execPath, [script, ...args], { env: { ...inherited, ...env }, encoding: 'utf8' });
  };

  it('prints only a token the verifier accepts, with the demo defaults, and a hint on stderr', async () => {
    const result = run([], { JWT_SECRET: SECRET });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    const principal = await verifier.verify(`Bearer ${result.stdout.trim()}`);
    assert.deepEqual(principal, { partnerTenantId: TENANT, userId: USER });
    const payload = JSON.parse(Buffer.from(result.stdout.split('.')[1] ?? '', 'base64url').toString());
    assert.equal(payload.exp - payload.iat, 8 * 3600);
  });

  it('takes --tenant, --user, --expires and --secret', async () => {
    const result = run(['--tenant', 'tenant-a', '--user', 'user-b', '--expires', '30m', '--secret', OTHER_SECRET], {
      JWT_SECRET: SECRET,
    });
    assert.equal(result.status, 0, result.stderr);
    const token = result.stdout.trim();
    await assertFails(`Bearer ${token}`, 'invalid'); // signed with --secret, not JWT_SECRET
    const principal = await createHs256Verifier(OTHER_SECRET).verify(`Bearer ${token}`);
    assert.deepEqual(principal, { partnerTenantId: 'tenant-a', userId: 'user-b' });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString());
    assert.equal(payload.exp - payload.iat, 30 * 60);
  });

  it('exits 2 with a clear message without a secret, and on bad usage', () => {
    // No secret anywhere: none given, none in the environment, no development secret next to the database.
    const none = run([], { DATABASE_PATH: join(tmpdir(), `no-such-folder-${process.pid}`, 'sandbox.db') });
    assert.equal(none.status, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /pass --secret, set JWT_SECRET .* start the server once without JWT_SECRET/);
    const short = run(['--secret', 'short']);
    assert.equal(short.status, 2);
    assert.match(short.stderr, /at least 32/);
    const unknown = run(['--bogus'], { JWT_SECRET: SECRET });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Usage:/);
    const expires = run(['--expires', 'soon'], { JWT_SECRET: SECRET });
    assert.equal(expires.status, 2);
    assert.match(expires.stderr, /--expires "soon"/);
    assert.equal(expires.stdout, '');
  });

  it('--help prints usage on stdout', () => {
    const result = run(['--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^Usage: npm run -s token/);
    assert.match(result.stdout, /--tenant/);
  });
});

// The key set verifier (JWKS_URL): asymmetric tokens checked against a JSON Web Key Set file or
// https URL (server/auth-keys.ts) under the same claims rules, with JWT_SECRET as well or alone,
// and scripts/token.ts --key. The key set file's own checks at start: config.test.ts (JWKS_URL).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportJWK, exportPKCS8, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { KeySetError } from './auth-keys.ts';
import { AuthError, createVerifier, mintToken } from './auth.ts';
import type { Verifier } from './auth.ts';
import { assertFails, b64, now, OTHER_SECRET, SECRET, TENANT, USER } from './auth.fixtures.ts';

describe('auth: key set verifier (JWKS_URL)', () => {
  let dir: string;
  let jwksFile: string;
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
  let other: { publicKey: CryptoKey; privateKey: CryptoKey };
  let keySet: Verifier;
  let rsaJwk: JWK;

  /** Signs `claims` exactly as given with `key`, `alg` and `kid`. */
  const signWith = (
    key: CryptoKey,
    alg: string,
    kid: string | undefined,
    claims: Record<string, unknown>,
  ): Promise<string> =>
    new SignJWT(claims as JWTPayload)
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid === undefined ? {} : { kid }) })
      .sign(key);
  const rs256 = (options: { tenantId?: string; expiresIn?: string; kid?: string } = {}): Promise<string> =>
    mintToken({
      privateKey: rsa.privateKey,
      alg: 'RS256',
      kid: options.kid ?? 'rsa-1',
      tenantId: options.tenantId ?? TENANT,
      userId: USER,
      expiresIn: options.expiresIn ?? '1h',
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'auth-test-'));
    rsa = await generateKeyPair('RS256', { extractable: true });
    ec = await generateKeyPair('ES256', { extractable: true });
    other = await generateKeyPair('RS256', { extractable: true });
    rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
    jwksFile = join(dir, 'jwks.json');
    writeFileSync(
      jwksFile,
      JSON.stringify({ keys: [rsaJwk, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', use: 'sig' }] }),
    );
    keySet = createVerifier({ jwksUrl: jwksFile });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts an RS256 token signed with a key of the set and returns the principal', async () => {
    assert.deepEqual(await keySet.verify(`Bearer ${await rs256()}`), { partnerTenantId: TENANT, userId: USER });
  });

  it('accepts an ES256 token, and the key set given as a file: URL', async () => {
    const token = await signWith(ec.privateKey, 'ES256', 'ec-1', { tid: TENANT, sub: 'the-sub', exp: now() + 600 });
    assert.deepEqual(await keySet.verify(`Bearer ${token}`), { partnerTenantId: TENANT, userId: 'the-sub' });
    const byUrl = createVerifier({ jwksUrl: pathToFileURL(jwksFile).href });
    assert.equal((await byUrl.verify(`Bearer ${await rs256()}`)).partnerTenantId, TENANT);
  });

  it('invalid: signed by another key under a known kid', async () => {
    const token = await signWith(other.privateKey, 'RS256', 'rsa-1', { tid: TENANT, oid: USER, exp: now() + 600 });
    const error = await assertFails(`Bearer ${token}`, 'invalid', keySet);
    assert.match(error.message, /signature/);
  });

  it('invalid: a kid the key set does not hold', async () => {
    const token = await signWith(other.privateKey, 'RS256', 'unknown-kid', {
      tid: TENANT,
      oid: USER,
      exp: now() + 600,
    });
    const error = await assertFails(`Bearer ${token}`, 'invalid', keySet);
    assert.match(error.message, /key the server does not know/);
    // A known kid with an algorithm its key is not for (rsa-1 says RS256) does not match either.
    const pss = await generateKeyPair('PS256');
    const mismatch = await assertFails(
      `Bearer ${await signWith(pss.privateKey, 'PS256', 'rsa-1', { tid: TENANT, exp: now() + 600 })}`,
      'invalid',
      keySet,
    );
    assert.match(mismatch.message, /key the server does not know/);
  });

  it('expired: exp in the past, beyond the clock tolerance', async () => {
    const error = await assertFails(`Bearer ${await rs256({ expiresIn: '-1h' })}`, 'expired', keySet);
    assert.match(error.message, /expired/);
    assert.equal(
      (
        await keySet.verify(
          `Bearer ${await signWith(rsa.privateKey, 'RS256', 'rsa-1', { tid: TENANT, exp: now() - 2 })}`,
        )
      ).userId,
      TENANT,
    );
  });

  it('invalid: alg none, and HS256 when no JWT_SECRET is configured', async () => {
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: 'rsa-1' })}.${b64({ tid: TENANT, oid: USER, exp: now() + 600 })}.`;
    const error = await assertFails(`Bearer ${none}`, 'invalid', keySet);
    assert.match(error.message, /accepted algorithm \(RS256, .*ES256/);
    const hs256 = await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER });
    const refused = await assertFails(`Bearer ${hs256}`, 'invalid', keySet);
    assert.doesNotMatch(refused.message, /HS256/);
  });

  it('the same claims rules: tid, oid/sub, exp, nbf', async () => {
    const exp = now() + 600;
    const sign = (claims: Record<string, unknown>): Promise<string> =>
      signWith(rsa.privateKey, 'RS256', 'rsa-1', claims);
    await assertFails(`Bearer ${await sign({ oid: USER, exp })}`, 'no-tenant', keySet);
    await assertFails(`Bearer ${await sign({ tid: 'x'.repeat(65), exp })}`, 'no-tenant', keySet);
    const noExp = await assertFails(`Bearer ${await sign({ tid: TENANT, oid: USER })}`, 'invalid', keySet);
    assert.match(noExp.message, /exp/);
    await assertFails(`Bearer ${await sign({ tid: TENANT, exp, nbf: now() + 300 })}`, 'invalid', keySet);
    await assertFails(`Bearer ${await sign({ tid: TENANT, oid: 42, exp })}`, 'invalid', keySet);
    await assertFails(undefined, 'missing', keySet);
    await assertFails('Basic abc', 'malformed', keySet);
    await assertFails('Bearer garbage', 'invalid', keySet);
  });

  it('a token without kid: the one key of its type, or each of several in turn', async () => {
    const second = await generateKeyPair('RS256', { extractable: true });
    const file = join(dir, 'no-kids.json');
    writeFileSync(file, JSON.stringify({ keys: [await exportJWK(rsa.publicKey), await exportJWK(second.publicKey)] }));
    const noKids = createVerifier({ jwksUrl: file });
    const claims = { tid: TENANT, oid: USER, exp: now() + 600 };
    assert.equal(
      (await noKids.verify(`Bearer ${await signWith(second.privateKey, 'RS256', undefined, claims)}`)).userId,
      USER,
    );
    assert.equal(
      (await noKids.verify(`Bearer ${await signWith(rsa.privateKey, 'RS256', undefined, claims)}`)).userId,
      USER,
    );
    const error = await assertFails(
      `Bearer ${await signWith(other.privateKey, 'RS256', undefined, claims)}`,
      'invalid',
      noKids,
    );
    assert.match(error.message, /signature/);
    await assertFails(
      `Bearer ${await signWith(second.privateKey, 'RS256', undefined, { tid: TENANT, exp: now() - 60 })}`,
      'expired',
      noKids,
    );
    // ES256 without kid: the set's only EC key.
    assert.equal(
      (await keySet.verify(`Bearer ${await signWith(ec.privateKey, 'ES256', undefined, claims)}`)).userId,
      USER,
    );
  });

  it('remembers a verified token until it expires', async () => {
    let clock = new Date();
    const cached = createVerifier({ jwksUrl: jwksFile }, { now: () => clock, cacheSize: 2 });
    const token = await rs256({ expiresIn: '60s' });
    assert.deepEqual(await cached.verify(`Bearer ${token}`), { partnerTenantId: TENANT, userId: USER });
    assert.deepEqual(await cached.verify(`Bearer ${token}`), { partnerTenantId: TENANT, userId: USER });
    clock = new Date(clock.getTime() + 66_000);
    await assert.rejects(
      cached.verify(`Bearer ${token}`),
      (error: unknown) => error instanceof AuthError && error.failure === 'expired',
    );
  });

  it('with JWT_SECRET as well: either kind of token, picked by alg, with no algorithm confusion', async () => {
    const both = createVerifier({ jwtSecret: SECRET, jwksUrl: jwksFile });
    assert.equal(
      (await both.verify(`Bearer ${await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER })}`)).userId,
      USER,
    );
    assert.equal((await both.verify(`Bearer ${await rs256()}`)).userId, USER);
    await assertFails(
      `Bearer ${await mintToken({ secret: OTHER_SECRET, tenantId: TENANT, userId: USER })}`,
      'invalid',
      both,
    );
    await assertFails(`Bearer ${await rs256({ kid: 'unknown-kid' })}`, 'invalid', both);
    // An HS256 token whose "secret" is the public key (PEM or JWK text): verified with JWT_SECRET, so refused.
    const pem = createPublicKey({ key: rsaJwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    for (const text of [String(pem), JSON.stringify(rsaJwk)]) {
      const forged = await new SignJWT({ tid: TENANT, exp: now() + 600 })
        .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
        .sign(new TextEncoder().encode(text));
      const error = await assertFails(`Bearer ${forged}`, 'invalid', both);
      assert.match(error.message, /signature/);
    }
    const none = `${b64({ alg: 'none' })}.${b64({ tid: TENANT, exp: now() + 600 })}.`;
    const error = await assertFails(`Bearer ${none}`, 'invalid', both);
    assert.match(error.message, /accepted algorithm \(HS256, RS256/);
  });

  it('createVerifier: the secret alone is the HS256 verifier; nothing, or a short secret, is refused', async () => {
    const hs = createVerifier({ jwtSecret: SECRET });
    assert.equal(
      (await hs.verify(`Bearer ${await mintToken({ secret: SECRET, tenantId: TENANT, userId: USER })}`)).userId,
      USER,
    );
    const error = await assertFails(`Bearer ${await rs256()}`, 'invalid', hs);
    assert.match(error.message, /\(HS256\)/);
    assert.throws(() => createVerifier({}), RangeError);
    assert.throws(() => createVerifier({ jwtSecret: undefined, jwksUrl: undefined }), RangeError);
    assert.throws(() => createVerifier({ jwtSecret: 'short', jwksUrl: jwksFile }), RangeError);
  });

  it('createVerifier: a bad key set is one line naming JWKS_URL and the file', () => {
    const missing = join(dir, 'missing.json');
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, 'not json');
    const notASet = join(dir, 'not-a-set.json');
    writeFileSync(notASet, JSON.stringify(rsaJwk));
    for (const [jwksUrl, pattern] of [
      [missing, /^JWKS_URL=".*missing\.json": no such key set file \(.*missing\.json\)$/],
      [notJson, /^JWKS_URL=".*not-json\.json": the key set file .*not-json\.json is not JSON$/],
      [notASet, /^JWKS_URL=".*not-a-set\.json": the key set file .*not-a-set\.json is not a JSON Web Key Set/],
      ['http://keys.example.test/jwks', /^JWKS_URL="http:\/\/keys\.example\.test\/jwks": expected an https URL/],
    ] as const) {
      assert.throws(
        () => createVerifier({ jwksUrl }),
        (error: unknown) => {
          assert.ok(error instanceof KeySetError, String(error));
          assert.match(error.message, pattern);
          assert.ok(!error.message.includes('\n'));
          return true;
        },
      );
    }
  });

  it('an https key set is fetched when a token needs it; one that cannot be fetched is a KeySetError, not an AuthError', async () => {
    // Built without the network; port 1 on the loopback refuses at once.
    const remote = createVerifier({ jwksUrl: 'https://127.0.0.1:1/jwks.json' });
    await assert.rejects(remote.verify(`Bearer ${await rs256()}`), (error: unknown) => {
      assert.ok(error instanceof KeySetError, String(error));
      assert.match(error.message, /^The key set https:\/\/127\.0\.0\.1:1\/jwks\.json cannot be used to verify tokens/);
      return true;
    });
    // Token problems found before the key set is needed stay AuthErrors.
    await assertFails('Bearer garbage', 'invalid', remote);
    await assertFails(`Bearer ${b64({ alg: 'none' })}.${b64({ tid: TENANT, exp: now() + 600 })}.`, 'invalid', remote);
  });

  it('mintToken: signs with a private key, alg and kid; refuses an algorithm a key set does not verify', async () => {
    const token = await rs256();
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString());
    assert.deepEqual(header, { alg: 'RS256', typ: 'JWT', kid: 'rsa-1' });
    await assert.rejects(
      mintToken({ privateKey: rsa.privateKey, alg: 'HS256', tenantId: TENANT, userId: USER }),
      RangeError,
    );
    await assert.rejects(
      mintToken({ privateKey: rsa.privateKey, alg: 'none', tenantId: TENANT, userId: USER }),
      RangeError,
    );
  });

  describe('scripts/token.ts --key', function () {
    this.timeout(30000);
    const script = join(import.meta.dirname, '..', 'scripts', 'token.ts');
    const run = (args: string[]) => {
      const { JWT_SECRET: _ignored, ...inherited } = process.env;
      return spawnSync(process.execPath, [script, ...args], { env: inherited, encoding: 'utf8' });
    };

    it('mints from a PEM key, and --jwks prints the key set that verifies it', async () => {
      const pem = join(dir, 'key.pem');
      writeFileSync(pem, await exportPKCS8(rsa.privateKey));
      const jwks = run(['--key', pem, '--kid', 'from-pem', '--jwks']);
      assert.equal(jwks.status, 0, jwks.stderr);
      const set = JSON.parse(jwks.stdout) as { keys: JWK[] };
      assert.equal(set.keys.length, 1);
      assert.equal(set.keys[0]?.kid, 'from-pem');
      assert.equal(set.keys[0]?.alg, 'RS256');
      assert.equal(set.keys[0]?.d, undefined, 'only the public key');
      const file = join(dir, 'from-script.json');
      writeFileSync(file, jwks.stdout);
      const result = run(['--key', pem, '--kid', 'from-pem', '--tenant', 'tenant-a']);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      assert.equal(
        (await createVerifier({ jwksUrl: file }).verify(`Bearer ${result.stdout.trim()}`)).partnerTenantId,
        'tenant-a',
      );
    });

    it('mints from a private JWK, taking its alg and kid', async () => {
      const file = join(dir, 'ec-private.json');
      writeFileSync(file, JSON.stringify({ ...(await exportJWK(ec.privateKey)), kid: 'ec-1' }));
      const result = run(['--key', file]);
      assert.equal(result.status, 0, result.stderr);
      const header = JSON.parse(Buffer.from(result.stdout.split('.')[0] ?? '', 'base64url').toString());
      assert.deepEqual(header, { alg: 'ES256', typ: 'JWT', kid: 'ec-1' });
      assert.equal((await keySet.verify(`Bearer ${result.stdout.trim()}`)).partnerTenantId, TENANT);
    });

    it('exits 2 on a file that is not a private key, and on --key with --secret', () => {
      const bad = run(['--key', jwksFile]);
      assert.equal(bad.status, 2);
      assert.equal(bad.stdout, '');
      assert.match(bad.stderr, /is not a private key/);
      const missing = run(['--key', join(dir, 'nope.pem')]);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /cannot read --key/);
      const both = run(['--key', jwksFile, '--secret', SECRET]);
      assert.equal(both.status, 2);
      assert.match(both.stderr, /not both/);
      const jwksAlone = run(['--jwks', '--secret', SECRET]);
      assert.equal(jwksAlone.status, 2);
      assert.match(jwksAlone.stderr, /go with --key/);
    });
  });
});

// loadConfig, variable by variable: the values each accepts, and those it refuses with a one-line
// problem that never shows a secret; every problem reported at once. The table itself and the
// docs/configuration.md: config-table.test.ts; the duration and size syntaxes: config-values.test.ts.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { ConfigError, DEFAULTS, loadConfig } from './config.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SECRET = 'x'.repeat(32);

/** The ConfigError loadConfig throws for `env`. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail(`loadConfig(${JSON.stringify(env)}) did not throw`);
}

describe('config: loadConfig valid values', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('PORT: 0..65535, trimmed', () => {
    assert.equal(loadConfig({ PORT: '8080' }).port, 8080);
    assert.equal(loadConfig({ PORT: '0' }).port, 0);
    assert.equal(loadConfig({ PORT: '65535' }).port, 65535);
    assert.equal(loadConfig({ PORT: ' 4000 ' }).port, 4000);
  });

  it('HOST: names and addresses', () => {
    for (const host of ['0.0.0.0', '127.0.0.1', '::', '::1', 'api.example.test', 'fe80::1%eth0']) {
      assert.equal(loadConfig({ HOST: host }).host, host);
    }
  });

  it('DATABASE_PATH: absolute, relative (resolved against the working directory) or :memory:', () => {
    assert.equal(loadConfig({ DATABASE_PATH: ':memory:' }).databasePath, ':memory:');
    assert.equal(loadConfig({ DATABASE_PATH: join(dir, 'a.db') }).databasePath, join(dir, 'a.db'));
    assert.equal(loadConfig({ DATABASE_PATH: 'tmp/b.db' }).databasePath, resolve(process.cwd(), 'tmp/b.db'));
  });

  it('CATALOG_PATH: an existing file, made absolute', () => {
    const file = join(dir, 'catalog.json');
    writeFileSync(file, '{}');
    assert.equal(loadConfig({ CATALOG_PATH: file }).catalogPath, file);
    assert.equal(loadConfig({ CATALOG_PATH: DEFAULTS.catalogPath }).catalogPath, DEFAULTS.catalogPath);
  });

  it('CART_TTL: ISO 8601 durations and numbers with units, up to 365 days', () => {
    assert.equal(loadConfig({ CART_TTL: 'P7D' }).cartTtlMs, 7 * DAY);
    assert.equal(loadConfig({ CART_TTL: 'PT15M' }).cartTtlMs, 15 * MINUTE);
    assert.equal(loadConfig({ CART_TTL: 'PT30S' }).cartTtlMs, 30 * SECOND);
    assert.equal(loadConfig({ CART_TTL: 'P1DT12H' }).cartTtlMs, 36 * HOUR);
    assert.equal(loadConfig({ CART_TTL: '500ms' }).cartTtlMs, 500);
    assert.equal(loadConfig({ CART_TTL: '30s' }).cartTtlMs, 30 * SECOND);
    assert.equal(loadConfig({ CART_TTL: '15m' }).cartTtlMs, 15 * MINUTE);
    assert.equal(loadConfig({ CART_TTL: '2h' }).cartTtlMs, 2 * HOUR);
    assert.equal(loadConfig({ CART_TTL: '7d' }).cartTtlMs, 7 * DAY);
    assert.equal(loadConfig({ CART_TTL: '365d' }).cartTtlMs, 365 * DAY);
    assert.equal(loadConfig({ CART_TTL: 'P365D' }).cartTtlMs, 365 * DAY);
    assert.equal(loadConfig({ CART_TTL: '1ms' }).cartTtlMs, 1);
  });

  it('JWT_SECRET: 32 characters or more, used verbatim', () => {
    assert.equal(loadConfig({ JWT_SECRET: SECRET }).jwtSecret, SECRET);
    const spaced = ` ${'y'.repeat(40)} `;
    assert.equal(loadConfig({ JWT_SECRET: spaced }).jwtSecret, spaced);
  });

  it('JWKS_URL: an https URL, as it is (nothing is fetched)', () => {
    const url = 'https://login.microsoftonline.com/common/discovery/v2.0/keys';
    assert.equal(loadConfig({ JWKS_URL: url }).jwksUrl, url);
    assert.equal(
      loadConfig({ JWKS_URL: 'https://keys.example.test:8443/jwks.json' }).jwksUrl,
      'https://keys.example.test:8443/jwks.json',
    );
  });

  it('JWKS_URL: a key set file, as a path (absolute or relative) or a file: URL, made a file: URL', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const ec = await generateKeyPair('ES256', { extractable: true });
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    const keys = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' },
      { ...(await exportJWK(ed.publicKey)), kid: 'ed-1' },
      { ...(await exportJWK(rsa.publicKey)), kid: 'enc-1', use: 'enc' }, // ignored, not refused
    ];
    const file = join(dir, 'jwks.json');
    writeFileSync(file, JSON.stringify({ keys }));
    const url = pathToFileURL(file).href;
    assert.equal(loadConfig({ JWKS_URL: file }).jwksUrl, url);
    assert.equal(loadConfig({ JWKS_URL: ` ${url} ` }).jwksUrl, url);
    assert.equal(loadConfig({ JWKS_URL: relative(process.cwd(), file) }).jwksUrl, url);
  });

  it('LOG_LEVEL: every pino level, case-insensitive', () => {
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const) {
      assert.equal(loadConfig({ LOG_LEVEL: level }).logLevel, level);
    }
    assert.equal(loadConfig({ LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
  });

  it('NODE_ENV: production only when exactly "production"', () => {
    assert.equal(loadConfig({ NODE_ENV: 'production' }).production, true);
    assert.equal(loadConfig({ NODE_ENV: 'development' }).production, false);
    assert.equal(loadConfig({ NODE_ENV: 'test' }).production, false);
    assert.equal(loadConfig({ NODE_ENV: 'Production' }).production, false);
  });

  it('BODY_LIMIT: byte counts and kb/mb sizes from 1 KiB to 16 MiB', () => {
    assert.equal(loadConfig({ BODY_LIMIT: '100kb' }).bodyLimitBytes, 102400);
    assert.equal(loadConfig({ BODY_LIMIT: '1mb' }).bodyLimitBytes, 1048576);
    assert.equal(loadConfig({ BODY_LIMIT: '1024' }).bodyLimitBytes, 1024);
    assert.equal(loadConfig({ BODY_LIMIT: '16mb' }).bodyLimitBytes, 16 * 1048576);
    assert.equal(loadConfig({ BODY_LIMIT: '1KB' }).bodyLimitBytes, 1024);
  });

  it('REQUEST_TIMEOUT: the duration syntax, up to 1 hour', () => {
    assert.equal(loadConfig({ REQUEST_TIMEOUT: '10s' }).requestTimeoutMs, 10 * SECOND);
    assert.equal(loadConfig({ REQUEST_TIMEOUT: 'PT2M' }).requestTimeoutMs, 2 * MINUTE);
    assert.equal(loadConfig({ REQUEST_TIMEOUT: '1h' }).requestTimeoutMs, HOUR);
  });

  it('IDEMPOTENCY_TTL: the duration syntax, up to 30 days', () => {
    assert.equal(loadConfig({ IDEMPOTENCY_TTL: '1h' }).idempotencyTtlMs, HOUR);
    assert.equal(loadConfig({ IDEMPOTENCY_TTL: 'P30D' }).idempotencyTtlMs, 30 * DAY);
  });

  it('RATE_LIMIT_PER_MINUTE: 0 (off) up to a million', () => {
    assert.equal(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute, 0);
    assert.equal(loadConfig({ RATE_LIMIT_PER_MINUTE: '500' }).rateLimitPerMinute, 500);
    assert.equal(loadConfig({ RATE_LIMIT_PER_MINUTE: ' 1000000 ' }).rateLimitPerMinute, 1_000_000);
  });

  it('PROVISIONING_DELAY: 2 s unset, 0 for at once, the duration syntax up to 1 day', () => {
    assert.equal(loadConfig({}).provisioningDelayMs, 2 * SECOND);
    assert.equal(loadConfig({ PROVISIONING_DELAY: '0' }).provisioningDelayMs, 0);
    assert.equal(loadConfig({ PROVISIONING_DELAY: 'PT0S' }).provisioningDelayMs, 0);
    assert.equal(loadConfig({ PROVISIONING_DELAY: '0s' }).provisioningDelayMs, 0);
    assert.equal(loadConfig({ PROVISIONING_DELAY: '15m' }).provisioningDelayMs, 15 * MINUTE);
    assert.equal(loadConfig({ PROVISIONING_DELAY: 'P1D' }).provisioningDelayMs, DAY);
  });

  it('SANDBOX_PROFILE: production unset, or integration, any case', () => {
    assert.equal(loadConfig({}).sandboxProfile, 'production');
    assert.equal(loadConfig({ SANDBOX_PROFILE: 'Integration' }).sandboxProfile, 'integration');
    assert.equal(loadConfig({ SANDBOX_PROFILE: 'production' }).sandboxProfile, 'production');
  });

  it('SANDBOX_CONTROLS: on unset, on or off in any case', () => {
    assert.equal(loadConfig({}).sandboxControls, true);
    assert.equal(loadConfig({ SANDBOX_CONTROLS: 'OFF' }).sandboxControls, false);
    assert.equal(loadConfig({ SANDBOX_CONTROLS: 'on' }).sandboxControls, true);
  });
});

describe('config: loadConfig invalid values', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const rejects = (env: Record<string, string>, ...expected: RegExp[]): void => {
    const error = configError(env);
    for (const pattern of expected) assert.match(error.message, pattern);
  };

  it('PORT', () => {
    for (const value of ['abc', '-1', '65536', '3000.5', '1e3', '0x50', '99999999']) {
      rejects(
        { PORT: value },
        new RegExp(`^PORT=${JSON.stringify(value).replace(/[.+]/g, '\\$&')}: expected an integer from 0 to 65535`),
      );
    }
  });

  it('HOST', () => {
    rejects({ HOST: 'local host' }, /^HOST="local host": expected a host name or IP address/);
    rejects({ HOST: 'http://x/' }, /^HOST="http:\/\/x\/": /);
  });

  it('DATABASE_PATH naming a directory', () => {
    rejects({ DATABASE_PATH: dir }, /^DATABASE_PATH=".*": is a directory/);
  });

  it('CATALOG_PATH that does not exist or is not a file', () => {
    rejects({ CATALOG_PATH: join(dir, 'missing.json') }, /^CATALOG_PATH=".*missing\.json": no such file/);
    rejects({ CATALOG_PATH: dir }, /^CATALOG_PATH=".*": is not a file/);
  });

  it('CART_TTL malformed, out of range, or in years/months', () => {
    rejects(
      { CART_TTL: 'abc' },
      /^CART_TTL="abc": expected an ISO 8601 duration \(P7D, PT15M\) or a number with a unit \(30s, 15m, 7d\)$/,
    );
    rejects({ CART_TTL: '30' }, /^CART_TTL="30": expected an ISO 8601 duration/);
    rejects({ CART_TTL: '0s' }, /^CART_TTL="0s": must be more than 0 and at most 365 days$/);
    rejects({ CART_TTL: 'PT0S' }, /^CART_TTL="PT0S": must be more than 0/);
    rejects({ CART_TTL: '366d' }, /^CART_TTL="366d": must be more than 0 and at most 365 days$/);
    rejects({ CART_TTL: 'P1Y' }, /^CART_TTL="P1Y": years and months have no fixed length/);
    rejects({ CART_TTL: 'P1M' }, /^CART_TTL="P1M": years and months have no fixed length/);
  });

  it('PROVISIONING_DELAY malformed or over a day; SANDBOX_PROFILE not a profile', () => {
    rejects({ PROVISIONING_DELAY: '-1s' }, /^PROVISIONING_DELAY="-1s": expected an ISO 8601 duration/);
    rejects({ PROVISIONING_DELAY: '2d' }, /^PROVISIONING_DELAY="2d": must be at most 1 day \(0: none\)$/);
    rejects({ SANDBOX_PROFILE: 'sandbox' }, /^SANDBOX_PROFILE="sandbox": expected production or integration$/);
    rejects({ SANDBOX_CONTROLS: 'yes' }, /^SANDBOX_CONTROLS="yes": expected on or off$/);
  });

  it('JWT_SECRET shorter than 32 characters, without echoing it', () => {
    const short = 'hunter2-but-longer';
    const error = configError({ JWT_SECRET: short });
    assert.match(error.message, /^JWT_SECRET \(18 characters, value not shown\): must be at least 32 characters/);
    assert.ok(!error.message.includes(short), 'the secret must not appear in the message');
    configError({ JWT_SECRET: 'x'.repeat(31) });
  });

  it('JWKS_URL with a scheme other than https: and file:', () => {
    rejects(
      { JWKS_URL: 'http://login.example.test/keys' },
      /^JWKS_URL="http:\/\/login\.example\.test\/keys": expected an https URL .*plain http is refused/,
    );
    rejects(
      { JWKS_URL: 'ftp://x' },
      /^JWKS_URL="ftp:\/\/x": expected an https URL \(https:\/\/login\.microsoftonline\.com\/common\/discovery\/v2\.0\/keys\), a file: URL or the path of a JWKS file$/,
    );
    rejects({ JWKS_URL: 'https://' }, /^JWKS_URL="https:\/\/": expected an https URL/);
    rejects(
      { JWKS_URL: 'file://some-host/keys.json' },
      /^JWKS_URL="file:\/\/some-host\/keys\.json": expected an https URL .*names a file on this machine/,
    );
  });

  it('JWKS_URL naming a file that does not exist, or a directory', () => {
    const missing = join(dir, 'missing-jwks.json');
    rejects(
      { JWKS_URL: missing },
      new RegExp(`^JWKS_URL=".*missing-jwks\\.json": no such key set file \\(${missing.replace(/[.]/g, '\\.')}\\)$`),
    );
    rejects(
      { JWKS_URL: pathToFileURL(missing).href },
      /^JWKS_URL="file:.*missing-jwks\.json": no such key set file \(.*missing-jwks\.json\)$/,
    );
    rejects({ JWKS_URL: 'not a url' }, /^JWKS_URL="not a url": no such key set file \(.*not a url\)$/);
    rejects({ JWKS_URL: dir }, /^JWKS_URL=".*": .* is not a file; expected a JSON Web Key Set file$/);
  });

  it('JWKS_URL naming a file that is not JSON, without quoting it', () => {
    const file = join(dir, 'key.pem');
    writeFileSync(file, '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n');
    const error = configError({ JWKS_URL: file });
    assert.match(error.message, /^JWKS_URL=".*key\.pem": the key set file .*key\.pem is not JSON$/);
    assert.ok(!error.message.includes('MIIE'), 'the file content must not appear in the message');
  });

  it('JWKS_URL naming a JSON file that is not a key set of public signature keys', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = await exportJWK(rsa.publicKey);
    const privateJwk = await exportJWK(rsa.privateKey);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const cases: [unknown, RegExp][] = [
      [{}, /is not a JSON Web Key Set: expected \{"keys": \[\.\.\.\]\} with at least one key$/],
      [[], /is not a JSON Web Key Set/],
      [null, /is not a JSON Web Key Set/],
      [{ keys: [] }, /is not a JSON Web Key Set/],
      [{ keys: {} }, /is not a JSON Web Key Set/],
      [publicJwk, /is not a JSON Web Key Set/], // one key, not a set
      [{ keys: ['x'] }, /: key 0 is not a JSON object$/],
      [
        { keys: [publicJwk, { ...privateJwk, kid: 'k2' }] },
        /: key 1 \(kid "k2"\) is a private key \("d"\); publish only public keys$/,
      ],
      [
        { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
        /: key 0 is a secret key; a key set holds public keys \(HS256 tokens use JWT_SECRET\)$/,
      ],
      [{ keys: [{ kty: 'XYZ' }] }, /: key 0 has "kty" "XYZ"; expected RSA, EC or OKP$/],
      [{ keys: [{ kty: 'RSA', e: 'AQAB' }] }, /: key 0 is not a valid RSA public key$/],
      [{ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] }, /: key 0 is not a valid EC public key$/],
      [{ keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] }, /: key 0 is not a valid OKP public key$/],
      [
        { keys: [{ kty: 'EC', crv: 'secp256k1', x: 'a', y: 'b' }] },
        /: key 0 has "crv" "secp256k1"; expected P-256, P-384, P-521$/,
      ],
      [{ keys: [{ kty: 'OKP', crv: 'X25519', x: 'a' }] }, /: key 0 has "crv" "X25519"; expected Ed25519$/],
      [{ keys: [{ ...publicJwk, use: 'enc' }] }, /: no key is for signatures/],
      [{ keys: [{ ...publicJwk, alg: 'RSA-OAEP' }] }, /: no key is for signatures/],
      [{ keys: [small] }, /: key 0 is an RSA key of 1024 bits; at least 2048 are needed$/],
    ];
    for (const [json, pattern] of cases) {
      const file = join(dir, 'not-a-key-set.json');
      writeFileSync(file, JSON.stringify(json));
      const error = configError({ JWKS_URL: file });
      assert.match(
        error.message,
        /^JWKS_URL=".*not-a-key-set\.json": the key set file .*not-a-key-set\.json/,
        JSON.stringify(json),
      );
      assert.match(error.message, pattern, JSON.stringify(json));
      assert.equal(error.problems.length, 1);
      assert.ok(!error.message.includes(String(privateJwk.d)), 'the private key must not appear in the message');
    }
  });

  it('LOG_LEVEL', () => {
    rejects(
      { LOG_LEVEL: 'verbose' },
      /^LOG_LEVEL="verbose": expected one of fatal, error, warn, info, debug, trace, silent$/,
    );
  });

  it('BODY_LIMIT malformed or out of range', () => {
    rejects({ BODY_LIMIT: 'big' }, /^BODY_LIMIT="big": expected a byte count or a size with a unit/);
    rejects({ BODY_LIMIT: '1gb' }, /^BODY_LIMIT="1gb": expected a byte count/);
    rejects({ BODY_LIMIT: '1023' }, /^BODY_LIMIT="1023": must be from 1kb \(1024 bytes\) to 16mb \(16777216 bytes\)$/);
    rejects({ BODY_LIMIT: '17mb' }, /^BODY_LIMIT="17mb": must be from 1kb/);
  });

  it('REQUEST_TIMEOUT malformed or out of range', () => {
    rejects({ REQUEST_TIMEOUT: 'soon' }, /^REQUEST_TIMEOUT="soon": expected an ISO 8601 duration/);
    rejects({ REQUEST_TIMEOUT: '0ms' }, /^REQUEST_TIMEOUT="0ms": must be more than 0 and at most 1 hour$/);
    rejects({ REQUEST_TIMEOUT: '2h' }, /^REQUEST_TIMEOUT="2h": must be more than 0 and at most 1 hour$/);
  });

  it('IDEMPOTENCY_TTL malformed or out of range', () => {
    rejects({ IDEMPOTENCY_TTL: 'forever' }, /^IDEMPOTENCY_TTL="forever": expected an ISO 8601 duration/);
    rejects({ IDEMPOTENCY_TTL: '31d' }, /^IDEMPOTENCY_TTL="31d": must be more than 0 and at most 30 days$/);
  });

  it('RATE_LIMIT_PER_MINUTE that is not an integer in range', () => {
    for (const value of ['-1', '1.5', 'lots', '1000001', '1e3']) {
      rejects(
        { RATE_LIMIT_PER_MINUTE: value },
        new RegExp(
          `^RATE_LIMIT_PER_MINUTE=${JSON.stringify(value).replace(/[.+]/g, '\\$&')}: expected an integer from 0 \\(no throttling\\) to 1000000$`,
        ),
      );
    }
  });

  it('keeps a bad value on one line of the message', () => {
    const error = configError({ LOG_LEVEL: 'a\nb' });
    assert.equal(error.message, 'LOG_LEVEL="a\\nb": expected one of fatal, error, warn, info, debug, trace, silent');
  });

  it('reports every bad variable at once, one per line', () => {
    const error = configError({
      PORT: 'abc',
      CART_TTL: 'abc',
      JWT_SECRET: 'short',
      LOG_LEVEL: 'loud',
      BODY_LIMIT: '0',
      REQUEST_TIMEOUT: '-1s',
      JWKS_URL: 'ftp://x',
      HOST: 'a b',
    });
    assert.equal(error.name, 'ConfigError');
    assert.ok(error instanceof Error);
    const lines = error.message.split('\n');
    assert.equal(lines.length, 8);
    assert.deepEqual(error.problems, lines);
    assert.deepEqual(
      lines.map((line) => /^[A-Z_]+/.exec(line)?.[0]),
      ['PORT', 'HOST', 'CART_TTL', 'JWT_SECRET', 'JWKS_URL', 'LOG_LEVEL', 'BODY_LIMIT', 'REQUEST_TIMEOUT'],
    );
    assert.equal(
      lines[2],
      'CART_TTL="abc": expected an ISO 8601 duration (P7D, PT15M) or a number with a unit (30s, 15m, 7d)',
    );
  });
});

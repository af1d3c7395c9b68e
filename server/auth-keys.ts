/**
 * JSON Web Key Sets for the bearer-token verifier (server/auth.ts): where `JWKS_URL` points, reading
 * and checking a local key set file, and the key resolver `createVerifier` verifies asymmetric
 * tokens with. Apart from the verifier because config.ts checks a JWKS_URL file at start with the
 * same rules, and because the rules for a usable key set are a concern of their own.
 *
 * A local file is read once, at start; an https key set is fetched by jose when a token first needs
 * it (and fetched again for an unknown `kid`). Every problem is a `KeySetError`: the server's fault,
 * not the caller's, with a one-line message that never quotes the file's content.
 */
import { createPublicKey } from 'node:crypto';
import type { JsonWebKey as NodeJsonWebKey, KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createLocalJWKSet, createRemoteJWKSet, errors } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, JWTVerifyGetKey } from 'jose';

/**
 * A JSON Web Key Set that cannot be used: at start (`JWKS_URL` names no readable file, or one that
 * is not a key set), or while verifying (the https key set cannot be fetched). Not an AuthError:
 * the fault is the server's, not the caller's. The message is one line.
 */
export class KeySetError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeySetError';
  }
}

/** The algorithms of tokens verified against a key set: every asymmetric JWS algorithm jose verifies. */
export const KEY_SET_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);
/** Shortest RSA modulus jose accepts for RS and PS algorithms. */
const MIN_RSA_BITS = 2048;
/** The curves jose verifies signatures with, by key type. */
const SIGNATURE_CURVES: Record<string, readonly string[]> = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['Ed25519'] };

/** Where a key set is: a local file (a path or `file:` URL) or an https URL. */
export type KeySetLocation = { kind: 'file'; path: string; url: string } | { kind: 'https'; url: string };

const JWKS_URL_HINT =
  'expected an https URL (https://login.microsoftonline.com/common/discovery/v2.0/keys), a file: URL or the path of a JWKS file';

/**
 * Reads a JWKS_URL value: an `https:` URL, a `file:` URL, or a path (relative paths resolve against
 * the working directory); `url` is then the https URL or the file's `file:` URL. Other schemes,
 * `http:` included, are refused. Throws a KeySetError saying why (without the variable's name).
 */
export function keySetLocation(text: string): KeySetLocation {
  // A scheme has two characters or more, so that a Windows path (C:\keys.json) stays a path.
  if (/^[a-z][a-z\d+.-]+:/i.test(text)) {
    const url = URL.parse(text);
    if (url?.protocol === 'https:' && url.hostname !== '') return { kind: 'https', url: url.href };
    if (url?.protocol === 'file:') {
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch {
        throw new KeySetError(`${JWKS_URL_HINT}; a file: URL names a file on this machine (file:///path/to/jwks.json)`);
      }
      return { kind: 'file', path, url: pathToFileURL(path).href };
    }
    throw new KeySetError(
      url?.protocol === 'http:'
        ? `${JWKS_URL_HINT}; plain http is refused: keys fetched without TLS could be anyone's`
        : JWKS_URL_HINT,
    );
  }
  const path = resolve(text);
  return { kind: 'file', path, url: pathToFileURL(path).href };
}

const describeKey = (index: number, jwk: { kid?: unknown }): string =>
  `key ${index}${typeof jwk.kid === 'string' ? ` (kid ${JSON.stringify(jwk.kid.slice(0, 64))})` : ''}`;

/**
 * Reads and checks a local JSON Web Key Set file: JSON, `{ "keys": [...] }` with at least one key,
 * every key a public RSA (2048 bits or more), EC (P-256, P-384, P-521) or OKP (Ed25519) key that
 * Node can import, and at least one of them usable for signatures. Throws a KeySetError naming the
 * file, one line, that never quotes the file's content.
 */
export function readKeySetFile(path: string): JSONWebKeySet {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) throw new KeySetError(`no such key set file (${path})`);
  if (!stat.isFile()) throw new KeySetError(`${path} is not a file; expected a JSON Web Key Set file`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new KeySetError(
      `cannot read the key set file ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeySetError(`the key set file ${path} is not JSON`);
  }
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !Array.isArray(keys) || keys.length === 0) {
    throw new KeySetError(
      `the key set file ${path} is not a JSON Web Key Set: expected {"keys": [...]} with at least one key`,
    );
  }
  const problem = (why: string): KeySetError => new KeySetError(`the key set file ${path}: ${why}`);
  keys.forEach((jwk: unknown, index) => {
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))
      throw problem(`key ${index} is not a JSON object`);
    const { kty, crv, d } = jwk as JWK;
    const key = describeKey(index, jwk);
    if (kty === 'oct')
      throw problem(`${key} is a secret key; a key set holds public keys (HS256 tokens use JWT_SECRET)`);
    if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP')
      throw problem(`${key} has "kty" ${JSON.stringify(kty)}; expected RSA, EC or OKP`);
    if (d !== undefined) throw problem(`${key} is a private key ("d"); publish only public keys`);
    const curves = SIGNATURE_CURVES[kty];
    if (curves && !curves.includes(crv ?? ''))
      throw problem(`${key} has "crv" ${JSON.stringify(crv)}; expected ${curves.join(', ')}`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: jwk as NodeJsonWebKey, format: 'jwk' });
    } catch {
      throw problem(`${key} is not a valid ${kty} public key`);
    }
    const bits = publicKey.asymmetricKeyDetails?.modulusLength;
    if (kty === 'RSA' && (bits ?? 0) < MIN_RSA_BITS)
      throw problem(`${key} is an RSA key of ${bits} bits; at least ${MIN_RSA_BITS} are needed`);
  });
  const usable = (keys as JWK[]).some(
    ({ use, alg, key_ops: ops }) =>
      (use === undefined || use === 'sig') &&
      (alg === undefined || KEY_SET_ALGORITHMS.includes(alg)) &&
      (ops === undefined || ops.includes('verify')),
  );
  if (!usable)
    throw problem(`no key is for signatures ("use": "sig", an "alg" among ${KEY_SET_ALGORITHMS.join(', ')})`);
  return json as JSONWebKeySet;
}

/**
 * The key resolver for a JWKS_URL value: a local file is read now, once; an https key set is
 * fetched by jose when a token first needs it, kept 10 minutes, fetched again for an unknown `kid`
 * (at most every 30 seconds), each fetch given 5 seconds. Start-up problems throw a KeySetError
 * naming the variable and the file; a fetch that fails while verifying rejects with a KeySetError.
 */
export function keySetResolver(jwksUrl: string): JWTVerifyGetKey {
  let keySet: JWTVerifyGetKey<CryptoKey>;
  let where: string;
  try {
    const location = keySetLocation(jwksUrl);
    keySet =
      location.kind === 'https'
        ? createRemoteJWKSet(new URL(location.url))
        : createLocalJWKSet(readKeySetFile(location.path));
    where = location.kind === 'https' ? location.url : location.path;
  } catch (error) {
    if (!(error instanceof KeySetError || error instanceof errors.JOSEError)) throw error;
    throw new KeySetError(`JWKS_URL=${JSON.stringify(jwksUrl)}: ${error.message}`, { cause: error });
  }
  return async (header, token) => {
    try {
      return await keySet(header, token);
    } catch (error) {
      // The token's problems (an unknown kid, several candidate keys) are the token's; the rest is the key set's.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      const why = error instanceof Error ? error.message : String(error);
      throw new KeySetError(`The key set ${where} cannot be used to verify tokens: ${why}`, { cause: error });
    }
  };
}

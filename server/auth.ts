/**
 * Bearer-token authentication for the reference server: verifying tokens, and minting them.
 *
 * Partner Center authenticates callers with Azure AD (Microsoft Entra ID) access tokens. The
 * sandbox verifies two kinds of JWT, which carry the same claims the real service reads:
 *
 * - HS256 tokens signed with a shared secret (`JWT_SECRET`, minted by `npm run token`);
 * - tokens signed with an asymmetric key (RS256 as Azure AD's, also RS384/512, PS256/384/512,
 *   ES256/384/512 and EdDSA) whose public key is in a JSON Web Key Set (`JWKS_URL`): a local file,
 *   read once at start, or an https URL that jose fetches (and fetches again for an unknown `kid`).
 *   Reading and checking key sets is server/auth-keys.ts.
 *
 * When both are configured, either kind is accepted: the token's `alg` header picks the key (HS256
 * the secret, any other accepted algorithm the key set), so one is never tried after the other and
 * the secret never verifies an asymmetric token, nor a public key an HS256 one (no algorithm
 * confusion). `createVerifier` builds the verifier from the configuration.
 *
 * The claims rules are the same for both:
 * - `tid`: the partner's tenant id; required, a non-empty string of at most 64 characters;
 * - `oid` (else `sub`, else the tenant id): the calling user; a string when present;
 * - `exp`: required (Azure AD tokens always carry one), checked with 5 seconds of clock tolerance
 *   (a token is still accepted up to 5 s after its `exp`, so that a client whose clock is a little
 *   behind the server's is not refused; the refusal says when the token expired);
 *   `nbf`, when present, is checked too.
 * `iss` and `aud` are not checked (no variable configures them yet).
 *
 * `Verifier.verify` resolves to the principal or rejects with an `AuthError` whose `failure` says
 * why; a key set that cannot be fetched or used rejects with a `KeySetError` (server/auth-keys.ts)
 * instead (the server's fault, not the token's). Messages are written for people and never contain
 * the token or the secret.
 *
 * `mintToken` signs tokens under the same rules. It stays in this file: bench/lib/fixtures.ts loads
 * it from server/auth.ts of whichever tree it measures.
 */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions, KeyInput } from 'jose';
import { KEY_SET_ALGORITHMS, keySetResolver } from './auth-keys.ts';

export interface Principal {
  partnerTenantId: string;
  userId: string;
}

/**
 * - `missing`: no Authorization header (or an empty one);
 * - `malformed`: the header is not `Bearer <token>`, or the token after `Bearer` is empty;
 * - `invalid`: not a JWT, bad signature, an algorithm the verifier does not accept, a key the key
 *   set does not hold (unknown `kid`), no `exp`, not yet valid (`nbf`), or an `oid`/`sub` claim
 *   that is not a usable string;
 * - `expired`: `exp` has passed (beyond the clock tolerance);
 * - `no-tenant`: the `tid` claim is absent, not a string, empty, or longer than 64 characters.
 */
export type AuthFailure = 'missing' | 'malformed' | 'invalid' | 'expired' | 'no-tenant';

export class AuthError extends Error {
  readonly failure: AuthFailure;

  constructor(failure: AuthFailure, message: string) {
    super(message);
    this.name = 'AuthError';
    this.failure = failure;
  }
}

export interface Verifier {
  /** Resolves to the caller, or rejects with an AuthError (or a KeySetError: see createVerifier). */
  verify(authorization: string | undefined): Promise<Principal>;
}

export interface VerifierOptions {
  /** How many verified tokens to remember until they expire (default 10 000; 0 remembers none). */
  cacheSize?: number;
  /** The clock `exp` and `nbf` are checked against (default the system clock). */
  now?: () => Date;
}

/** Shortest accepted HS256 secret, in characters (also enforced by config's JWT_SECRET check). */
export const MIN_SECRET_LENGTH = 32;
/** Longest accepted `tid` claim. */
export const MAX_TENANT_ID_LENGTH = 64;
/** Longest accepted `oid`/`sub` claim. */
export const MAX_USER_ID_LENGTH = 256;
/** Clock skew tolerated on `exp` and `nbf`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** The algorithm of tokens signed with `JWT_SECRET`. */
export const SECRET_ALGORITHM = 'HS256';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

function secretKey(secret: string): Uint8Array {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new RangeError(`The HS256 secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  return new TextEncoder().encode(secret);
}

/** Splits `Bearer <token>` (scheme case-insensitive); throws AuthError 'missing' or 'malformed'. */
function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') {
    throw new AuthError('missing', 'Authentication required: send an "Authorization: Bearer <token>" header');
  }
  // `Bearer $TOKEN` with TOKEN unset: the header is the scheme alone (HTTP drops the trailing space).
  if (/^\s*bearer\s*$/i.test(authorization)) {
    throw new AuthError(
      'malformed',
      'The bearer token is empty: the Authorization header is "Bearer" with nothing after it (a variable such as $TOKEN that is not set?); send "Authorization: Bearer <token>" with a token, from npm run -s token for the sandbox',
    );
  }
  const match = /^\s*(\S+) +(\S+)\s*$/.exec(authorization);
  if (!match || match[1]?.toLowerCase() !== 'bearer' || match[2] === undefined) {
    throw new AuthError('malformed', 'The Authorization header must have the form "Bearer <token>"');
  }
  return match[2];
}

/** The refusal of a token whose `exp` (seconds since the epoch) is more than the tolerance behind `now`. */
export function expiredMessage(exp: number | undefined, now: Date): string {
  const tolerance = `tokens are accepted up to ${CLOCK_TOLERANCE_SECONDS} seconds past their "exp", for clock skew`;
  const mint = 'mint a new one (npm run -s token for the sandbox)';
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return `The access token has expired (${tolerance}); ${mint}`;
  const ago = Math.max(0, Math.round(now.getTime() / 1000 - exp));
  return `The access token expired at ${new Date(exp * 1000).toISOString()}, ${ago} second${ago === 1 ? '' : 's'} ago (${tolerance}); ${mint}`;
}

/** Maps a jose verification error to an AuthError; anything that is not a jose error is rethrown. */
function fromJoseError(error: unknown, algorithms: readonly string[], now: Date): AuthError {
  if (error instanceof errors.JWTExpired) {
    return new AuthError('expired', expiredMessage(error.payload['exp'], now));
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp' && error.reason === 'missing') {
      return new AuthError('invalid', 'The access token has no expiry ("exp" claim); tokens must expire');
    }
    if (error.claim === 'nbf') {
      return new AuthError('invalid', 'The access token is not valid yet ("nbf" claim is in the future)');
    }
    return new AuthError('invalid', `The access token's "${error.claim}" claim is not valid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new AuthError(
      'invalid',
      `The access token is not signed with an accepted algorithm (${algorithms.join(', ')})`,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthError(
      'invalid',
      'The access token is signed with a key the server does not know (no key of the key set matches its "kid")',
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError(
      'invalid',
      'The access token signature is not valid: it was signed with another secret or key than this server verifies with (a token minted for another server, or before JWT_SECRET changed); mint a new one with npm run token',
    );
  }
  if (error instanceof errors.JOSEError) {
    return new AuthError('invalid', 'The access token is not a well-formed signed JWT');
  }
  throw error;
}

/** Reads the principal out of verified claims; throws AuthError 'no-tenant' or 'invalid'. */
export function principalFromClaims(payload: JWTPayload): Principal {
  const { tid } = payload;
  if (
    typeof tid !== 'string' ||
    tid.trim() === '' ||
    tid.length > MAX_TENANT_ID_LENGTH ||
    CONTROL_CHARACTERS.test(tid)
  ) {
    throw new AuthError(
      'no-tenant',
      `The access token has no usable partner tenant: the "tid" claim must be a non-empty string of at most ${MAX_TENANT_ID_LENGTH} characters`,
    );
  }
  for (const claim of ['oid', 'sub'] as const) {
    const value = payload[claim];
    if (value === undefined) continue;
    if (
      typeof value !== 'string' ||
      value.trim() === '' ||
      value.length > MAX_USER_ID_LENGTH ||
      CONTROL_CHARACTERS.test(value)
    ) {
      throw new AuthError(
        'invalid',
        `The access token's "${claim}" claim must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters`,
      );
    }
    return { partnerTenantId: tid, userId: value };
  }
  return { partnerTenantId: tid, userId: tid };
}

/**
 * Verifies `token` with `key` (a key or a key resolver), as jose's documentation says to: when
 * several keys of a key set fit a token (no `kid`, or a shared one), each is tried in turn.
 */
async function verifyJwt(
  token: string,
  key: Uint8Array | JWTVerifyGetKey,
  options: JWTVerifyOptions,
): Promise<JWTPayload> {
  try {
    return (await (typeof key === 'function' ? jwtVerify(token, key, options) : jwtVerify(token, key, options)))
      .payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const candidate of error) {
      try {
        return (await jwtVerify(token, candidate, options)).payload;
      } catch (inner) {
        if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/** The verifier behind every configuration: `key` checks the signature, the rest is common. */
function createJwtVerifier(
  key: Uint8Array | JWTVerifyGetKey,
  algorithms: readonly string[],
  options: VerifierOptions,
): Verifier {
  const now = options.now ?? (() => new Date());
  // Tokens already verified, by their exact text, until they expire: a client sends the same token on
  // every call, and the signature check (an asynchronous WebCrypto job in jose) is most of what a GET
  // costs. Only the expiry can change the verdict for the same bytes, so it is checked again on every
  // hit. (A key removed from a key set therefore stops being accepted when its tokens expire.)
  const cacheSize = options.cacheSize ?? 10_000;
  const verified = new Map<string, { principal: Principal; exp: number }>();
  return {
    async verify(authorization) {
      const token = bearerToken(authorization);
      const hit = verified.get(token);
      if (hit && now().getTime() / 1000 <= hit.exp + CLOCK_TOLERANCE_SECONDS) return hit.principal;
      verified.delete(token);
      let payload: JWTPayload;
      const currentDate = now();
      try {
        payload = await verifyJwt(token, key, {
          algorithms: [...algorithms],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp'],
          currentDate,
        });
      } catch (error) {
        throw fromJoseError(error, algorithms, currentDate);
      }
      const principal = principalFromClaims(payload);
      if (cacheSize > 0 && typeof payload.exp === 'number') {
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!); // the oldest entry
        verified.set(token, { principal, exp: payload.exp });
      }
      return principal;
    },
  };
}

/** A verifier for sandbox tokens signed with a shared HS256 secret (at least 32 characters). */
export function createHs256Verifier(secret: string, options: VerifierOptions = {}): Verifier {
  return createJwtVerifier(secretKey(secret), [SECRET_ALGORITHM], options);
}

/**
 * Builds the verifier the configuration asks for (`Config`'s `jwtSecret` and `jwksUrl` fit as they are):
 * - `jwtSecret` only: HS256 tokens signed with it (as `createHs256Verifier`);
 * - `jwksUrl` only: tokens signed with a key of that key set (KEY_SET_ALGORITHMS);
 * - both: either, chosen by the token's `alg` (HS256: the secret; any other: the key set).
 * A local key set file is read here, synchronously, once: a bad one throws a KeySetError whose
 * one-line message names JWKS_URL and the file. Neither setting: a RangeError, as is a short secret.
 */
export function createVerifier(
  settings: { jwtSecret?: string | undefined; jwksUrl?: string | undefined },
  options: VerifierOptions = {},
): Verifier {
  const { jwtSecret, jwksUrl } = settings;
  if (jwksUrl === undefined) {
    if (jwtSecret === undefined) throw new RangeError('A verifier needs a JWT_SECRET, a JWKS_URL or both');
    return createHs256Verifier(jwtSecret, options);
  }
  const keySet = keySetResolver(jwksUrl);
  if (jwtSecret === undefined) return createJwtVerifier(keySet, KEY_SET_ALGORITHMS, options);
  const secret = secretKey(jwtSecret);
  return createJwtVerifier(
    async (header, token) => (header.alg === SECRET_ALGORITHM ? secret : keySet(header, token)),
    [SECRET_ALGORITHM, ...KEY_SET_ALGORITHMS],
    options,
  );
}

/** What signs a minted token: the HS256 secret, or a private key with its algorithm (and `kid`). */
export type SigningKey =
  { secret: string } | { privateKey: CryptoKey | KeyObject | JWK; alg: string; kid?: string | undefined };

/**
 * Mints a token the reference server accepts: claims `tid`, `oid`, `iat`, `exp` (and `iss` when
 * `issuer` is given), signed with HS256 and `secret`, or with `privateKey` and `alg` (one of
 * KEY_SET_ALGORITHMS; `kid` goes in the header when given, so that a key set can find the key).
 * `expiresIn` is a jose time span ('1h', '30m', '8 hours', '-1h' for an already expired token),
 * default '1h'.
 */
export async function mintToken(
  options: SigningKey & { tenantId: string; userId: string; expiresIn?: string; issuer?: string },
): Promise<string> {
  const { tenantId, userId, expiresIn = '1h', issuer } = options;
  let key: KeyInput;
  let header: { alg: string; typ: 'JWT'; kid?: string };
  if ('secret' in options) {
    key = secretKey(options.secret);
    header = { alg: SECRET_ALGORITHM, typ: 'JWT' };
  } else {
    if (!KEY_SET_ALGORITHMS.includes(options.alg)) {
      throw new RangeError(`The algorithm must be one of ${KEY_SET_ALGORITHMS.join(', ')}`);
    }
    key = options.privateKey;
    header = { alg: options.alg, typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) };
  }
  if (tenantId.trim() === '' || tenantId.length > MAX_TENANT_ID_LENGTH || CONTROL_CHARACTERS.test(tenantId)) {
    throw new RangeError(`The tenant id must be a non-empty string of at most ${MAX_TENANT_ID_LENGTH} characters`);
  }
  if (userId.trim() === '' || userId.length > MAX_USER_ID_LENGTH || CONTROL_CHARACTERS.test(userId)) {
    throw new RangeError(`The user id must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters`);
  }
  const jwt = new SignJWT({ tid: tenantId, oid: userId })
    .setProtectedHeader(header)
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (issuer !== undefined) jwt.setIssuer(issuer);
  return jwt.sign(key);
}

/** A fresh secret for JWT_SECRET: 32 random bytes, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

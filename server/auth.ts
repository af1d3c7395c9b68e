/**
 * Bearer-token authentication for the reference server.
 *
 * Partner Center authenticates callers with Azure AD (Microsoft Entra ID) access tokens. The
 * sandbox accepts HS256 JWTs signed with a shared secret (`JWT_SECRET`, minted by
 * `npm run token`) that carry the same claims the real service reads:
 *
 * - `tid`: the partner's tenant id; required, a non-empty string of at most 64 characters;
 * - `oid` (else `sub`, else the tenant id): the calling user; a string when present;
 * - `exp`: required (Azure AD tokens always carry one), checked with 5 seconds of clock tolerance;
 *   `nbf`, when present, is checked too.
 *
 * `Verifier.verify` resolves to the principal or rejects with an `AuthError` whose `failure` says
 * why. Messages are written for people and never contain the token or the secret.
 */
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { JWTPayload } from 'jose';

export interface Principal {
  partnerTenantId: string;
  userId: string;
}

/**
 * - `missing`: no Authorization header (or an empty one);
 * - `malformed`: the header is not `Bearer <token>`;
 * - `invalid`: not a JWT, bad signature, algorithm other than HS256, no `exp`, not yet valid (`nbf`),
 *   or an `oid`/`sub` claim that is not a usable string;
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
  /** Resolves to the caller, or rejects with an AuthError. */
  verify(authorization: string | undefined): Promise<Principal>;
}

/** Shortest accepted HS256 secret, in characters (also enforced by config's JWT_SECRET check). */
export const MIN_SECRET_LENGTH = 32;
/** Longest accepted `tid` claim. */
export const MAX_TENANT_ID_LENGTH = 64;
/** Longest accepted `oid`/`sub` claim. */
export const MAX_USER_ID_LENGTH = 256;
/** Clock skew tolerated on `exp` and `nbf`, in seconds. */
export const CLOCK_TOLERANCE_SECONDS = 5;

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
  const match = /^\s*(\S+) +(\S+)\s*$/.exec(authorization);
  if (!match || match[1]?.toLowerCase() !== 'bearer' || match[2] === undefined) {
    throw new AuthError('malformed', 'The Authorization header must have the form "Bearer <token>"');
  }
  return match[2];
}

/** Maps a jose verification error to an AuthError; anything that is not a jose error is rethrown. */
function fromJoseError(error: unknown): AuthError {
  if (error instanceof errors.JWTExpired) {
    return new AuthError('expired', 'The access token has expired; request a new one');
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
    return new AuthError('invalid', 'The access token is not signed with an accepted algorithm (HS256)');
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthError('invalid', 'The access token signature is not valid');
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
    typeof tid !== 'string' || tid.trim() === '' || tid.length > MAX_TENANT_ID_LENGTH || CONTROL_CHARACTERS.test(tid)
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
      typeof value !== 'string' || value.trim() === '' || value.length > MAX_USER_ID_LENGTH || CONTROL_CHARACTERS.test(value)
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
 * A verifier for sandbox tokens signed with a shared HS256 secret.
 *
 * Real Azure AD tokens (RS256, keys published at `JWKS_URL`) would plug in here as a second
 * implementation of the same `Verifier` interface: build the key set once with
 * `createRemoteJWKSet(new URL(config.jwksUrl))` and call
 * `jwtVerify(token, jwks, { algorithms: ['RS256'], issuer, audience, clockTolerance, requiredClaims: ['exp'] })`,
 * reusing `bearerToken`, `fromJoseError` (plus the JWKS errors) and `principalFromClaims`.
 */
export function createHs256Verifier(secret: string, options: { cacheSize?: number; now?: () => Date } = {}): Verifier {
  const key = secretKey(secret);
  const now = options.now ?? (() => new Date());
  // Tokens already verified, by their exact text, until they expire: a client sends the same token on
  // every call, and the HMAC (an asynchronous WebCrypto job in jose) is most of what a GET costs.
  // Only the expiry can change the verdict for the same bytes, so it is checked again on every hit.
  const cacheSize = options.cacheSize ?? 10_000;
  const verified = new Map<string, { principal: Principal; exp: number }>();
  return {
    async verify(authorization) {
      const token = bearerToken(authorization);
      const hit = verified.get(token);
      if (hit && now().getTime() / 1000 <= hit.exp + CLOCK_TOLERANCE_SECONDS) return hit.principal;
      verified.delete(token);
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp'],
          currentDate: now(),
        }));
      } catch (error) {
        throw fromJoseError(error);
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

/**
 * Mints an HS256 token the reference server accepts: claims `tid`, `oid`, `iat`, `exp` (and `iss`
 * when `issuer` is given). `expiresIn` is a jose time span ('1h', '30m', '8 hours', '-1h' for an
 * already expired token), default '1h'.
 */
export async function mintToken(options: {
  secret: string;
  tenantId: string;
  userId: string;
  expiresIn?: string;
  issuer?: string;
}): Promise<string> {
  const { secret, tenantId, userId, expiresIn = '1h', issuer } = options;
  const key = secretKey(secret);
  if (tenantId.trim() === '' || tenantId.length > MAX_TENANT_ID_LENGTH || CONTROL_CHARACTERS.test(tenantId)) {
    throw new RangeError(`The tenant id must be a non-empty string of at most ${MAX_TENANT_ID_LENGTH} characters`);
  }
  if (userId.trim() === '' || userId.length > MAX_USER_ID_LENGTH || CONTROL_CHARACTERS.test(userId)) {
    throw new RangeError(`The user id must be a non-empty string of at most ${MAX_USER_ID_LENGTH} characters`);
  }
  const jwt = new SignJWT({ tid: tenantId, oid: userId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(expiresIn);
  if (issuer !== undefined) jwt.setIssuer(issuer);
  return jwt.sign(key);
}

/** A fresh secret for JWT_SECRET: 32 random bytes, base64url (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

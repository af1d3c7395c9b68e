// What the auth tests share (server/auth.test.ts, server/auth-keys.test.ts): the demo tenant and
// user, two HS256 secrets and the verifier of the first, and assertFails, which also checks that a
// refusal's message leaks neither the token nor the secret. Not a test file itself.
import assert from 'node:assert/strict';
import { AuthError, createHs256Verifier } from './auth.ts';
import type { AuthFailure, Verifier } from './auth.ts';

export const SECRET = 'sandbox-secret-0123456789abcdef-0123456789';
export const OTHER_SECRET = 'another-secret-0123456789abcdef-0123456789';
export const TENANT = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
export const USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';
/** The HS256 verifier of SECRET: the one assertFails uses unless given another. */
export const verifier = createHs256Verifier(SECRET);

export const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
export const now = (): number => Math.floor(Date.now() / 1000);

/** Asserts that verifying `authorization` fails with `failure`, and that the message leaks nothing. */
export async function assertFails(
  authorization: string | undefined,
  failure: AuthFailure,
  by: Verifier = verifier,
): Promise<AuthError> {
  try {
    await by.verify(authorization);
  } catch (error) {
    assert.ok(error instanceof AuthError, `expected an AuthError, got ${String(error)}`);
    assert.equal(error.failure, failure, error.message);
    assert.equal(error.name, 'AuthError');
    assert.ok(error.message.length > 0);
    assert.ok(!error.message.includes(SECRET), 'the message must not contain the secret');
    const token = authorization?.split(' ').at(-1);
    if (token && token.length > 8) assert.ok(!error.message.includes(token), 'the message must not contain the token');
    return error;
  }
  assert.fail(`verify(${JSON.stringify(authorization)}) did not throw`);
}

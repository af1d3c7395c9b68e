// The development secret: what `npm start` signs and verifies bearer tokens with when neither
// JWT_SECRET nor JWKS_URL is set. It is made once, kept in the folder of the SQLite database (data/
// by default) and read again at every start, so that tokens stay valid across restarts and
// `npm run token` mints tokens the running server accepts. Only for a sandbox that listens on this
// machine alone: main.ts refuses it for any other HOST.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where the development secret is kept: beside the database file; for `:memory:`, in `data/` under the
 * working directory (the repository's root for `npm start`; never inside an installed package).
 */
export function devSecretPath(databasePath: string): string {
  return join(databasePath === ':memory:' ? join(process.cwd(), 'data') : dirname(databasePath), 'dev-jwt-secret');
}

/** The development secret, if one was made. */
export function readDevSecret(databasePath: string): string | undefined {
  try {
    const secret = readFileSync(devSecretPath(databasePath), 'utf8').trim();
    return secret.length > 0 ? secret : undefined;
  } catch {
    return undefined;
  }
}

/** The development secret, made (readable by its owner only) if there is none yet. */
export function readOrMakeDevSecret(databasePath: string): string {
  const existing = readDevSecret(databasePath);
  if (existing) return existing;
  const path = devSecretPath(databasePath);
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return secret;
}

/** Whether HOST listens on this machine only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

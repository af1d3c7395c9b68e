/**
 * `npm run token -- [--tenant ID] [--user ID] [--expires 8h] [--secret S | --key FILE [--alg A] [--kid K] [--jwks]]`
 *
 * Mints a bearer token the reference server accepts: HS256 with --secret, else JWT_SECRET, else
 * the development secret that `npm start` made without JWT_SECRET (server/dev-secret.ts, next to the
 * database); or, with --key, signed with a private key for a server whose JWKS_URL holds its public
 * key (--jwks prints that key set instead of a token). Only the token (or key set) goes to stdout, so
 * `TOKEN=$(npm run -s token)` works; a one-line hint goes to stderr.
 * Exit codes: 0 success, 2 bad usage (unknown option, no secret, bad value).
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { KEY_SET_ALGORITHMS } from '../server/auth-keys.ts';
import { MIN_SECRET_LENGTH, mintToken } from '../server/auth.ts';
import type { SigningKey } from '../server/auth.ts';
import { DEFAULTS } from '../server/config.ts';
import { readDevSecret } from '../server/dev-secret.ts';

/** Demo partner tenant used throughout the sandbox examples. */
const DEFAULT_TENANT = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
const DEFAULT_USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';
const DEFAULT_EXPIRES = '8h';

const USAGE = `Usage: npm run -s token -- [options]

Mints a bearer token for the Partner Center sandbox server and prints it on stdout: HS256 with
the secret the server verifies with, or signed with a private key whose public key is in the
server's JWKS_URL. With no option at all it works against \`npm start\` as it is: it signs with
the development secret the server made (see --secret).

Options:
  --tenant ID     partner tenant id, the "tid" claim (default ${DEFAULT_TENANT})
  --user ID       user object id, the "oid" claim (default ${DEFAULT_USER})
  --expires SPAN  lifetime as a jose time span: 30m, 8h, 2d, "90 minutes" (default ${DEFAULT_EXPIRES})
  --secret S      signing secret, at least ${MIN_SECRET_LENGTH} characters (default: the JWT_SECRET environment
                  variable, better than --secret as command lines are visible to other processes;
                  without either, the development secret \`npm start\` made when it ran without
                  JWT_SECRET: dev-jwt-secret in the folder of DATABASE_PATH, data/ by default)
  --key FILE      sign with this private key instead: a JWK (JSON with "d") or a PEM file
  --alg ALG       the key's algorithm: ${KEY_SET_ALGORITHMS.join(', ')}
                  (default: the JWK's "alg", else RS256, PS256, ES256/384/512 or EdDSA by key type)
  --kid KID       the "kid" header, naming the key in the key set (default: the JWK's "kid")
  --jwks          print the public JSON Web Key Set of --key (for JWKS_URL) instead of a token
  -h, --help      show this help

Against \`npm start\` without JWT_SECRET (the development secret; set the same DATABASE_PATH if
the server has one):
  TOKEN=$(npm run -s token)
  curl -H "Authorization: Bearer $TOKEN" http://localhost:3000/v1/customers/<any customer GUID>/orders

Against a server run with JWT_SECRET, the same JWT_SECRET:
  export JWT_SECRET=$(node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))")
  npm start    # in another terminal, with this JWT_SECRET
  TOKEN=$(npm run -s token)

With a key pair instead (the server needs no secret, and no network):
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem
  npm run -s token -- --key key.pem --kid k1 --jwks > jwks.json
  JWKS_URL=jwks.json npm start
  TOKEN=$(npm run -s token -- --key key.pem --kid k1)
`;

/** The algorithm a private key signs with by default: its JWK "alg", else the usual one for its type. */
function defaultAlgorithm(key: KeyObject, jwkAlg: unknown): string | undefined {
  if (typeof jwkAlg === 'string') return jwkAlg;
  const curves: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
      return 'EdDSA';
    case 'ec':
      return curves[key.asymmetricKeyDetails?.namedCurve ?? ''];
    default:
      return undefined;
  }
}

/** Reads --key: a private JWK or PEM key; returns the signing key, or the problem as text. */
function readPrivateKey(
  file: string,
  alg: string | undefined,
  kid: string | undefined,
): { privateKey: KeyObject; alg: string; kid: string | undefined } | string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return `cannot read --key ${JSON.stringify(file)} (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  let privateKey: KeyObject;
  let jwk: { alg?: unknown; kid?: unknown } = {};
  try {
    if (text.trimStart().startsWith('{')) {
      jwk = JSON.parse(text) as typeof jwk;
      privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } else privateKey = createPrivateKey(text);
  } catch {
    return `--key ${JSON.stringify(file)} is not a private key (a JWK with "d", or a PEM private key)`;
  }
  const algorithm = alg ?? defaultAlgorithm(privateKey, jwk.alg);
  if (algorithm === undefined || !KEY_SET_ALGORITHMS.includes(algorithm)) {
    return `no usable algorithm for --key ${JSON.stringify(file)}: pass --alg, one of ${KEY_SET_ALGORITHMS.join(', ')}`;
  }
  return { privateKey, alg: algorithm, kid: kid ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined) };
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        tenant: { type: 'string' },
        user: { type: 'string' },
        expires: { type: 'string' },
        secret: { type: 'string' },
        key: { type: 'string' },
        alg: { type: 'string' },
        kid: { type: 'string' },
        jwks: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }

  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  let signingKey: SigningKey;
  if (values.key !== undefined) {
    if (values.secret !== undefined) {
      process.stderr.write('token: pass --secret or --key, not both\n');
      return 2;
    }
    const key = readPrivateKey(values.key, values.alg, values.kid);
    if (typeof key === 'string') {
      process.stderr.write(`token: ${key}\n`);
      return 2;
    }
    if (values.jwks) {
      const jwk = {
        ...createPublicKey(key.privateKey).export({ format: 'jwk' }),
        ...(key.kid === undefined ? {} : { kid: key.kid }),
        alg: key.alg,
        use: 'sig',
      };
      process.stdout.write(`${JSON.stringify({ keys: [jwk] }, null, 2)}\n`);
      return 0;
    }
    signingKey = key;
  } else {
    if (values.jwks || values.alg !== undefined || values.kid !== undefined) {
      process.stderr.write('token: --jwks, --alg and --kid go with --key\n');
      return 2;
    }
    // The secret is used verbatim, as the server's config does; empty counts as unset.
    // Without either, the development secret `npm start` uses when it has no JWT_SECRET (server/dev-secret.ts).
    const databasePath = env['DATABASE_PATH']?.trim() ? resolve(env['DATABASE_PATH'].trim()) : DEFAULTS.databasePath;
    const secret = [values.secret, env['JWT_SECRET'], readDevSecret(databasePath)].find(
      (value) => value !== undefined && value.trim() !== '',
    );
    if (secret === undefined) {
      process.stderr.write(
        'token: no signing secret: pass --secret, set JWT_SECRET to the value the server runs with, start the server once without JWT_SECRET (it makes its development secret), or sign with --key\n',
      );
      return 2;
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      process.stderr.write(
        `token: the secret has ${secret.length} characters; it must have at least ${MIN_SECRET_LENGTH} (the server refuses shorter ones)\n`,
      );
      return 2;
    }
    signingKey = { secret };
  }

  const tenantId = values.tenant ?? DEFAULT_TENANT;
  const userId = values.user ?? DEFAULT_USER;
  const expiresIn = values.expires ?? DEFAULT_EXPIRES;
  let token: string;
  try {
    token = await mintToken({ ...signingKey, tenantId, userId, expiresIn });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = /time period/i.test(message) ? ` (--expires ${JSON.stringify(expiresIn)}; try 30m, 8h, 2d)` : '';
    process.stderr.write(`token: ${message}${hint}\n`);
    return 2;
  }

  const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
  const until = exp === undefined ? '' : `, expires ${new Date(exp * 1000).toISOString()}`;
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `token: tenant ${tenantId}, user ${userId}${until}; send it as "Authorization: Bearer <token>"\n`,
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2), process.env);

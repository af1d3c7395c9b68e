/**
 * `npm run token -- [--tenant ID] [--user ID] [--expires 8h] [--secret S]`
 *
 * Mints a bearer token the reference server accepts. Only the token goes to stdout, so
 * `TOKEN=$(npm run -s token)` works; a one-line hint goes to stderr.
 * Exit codes: 0 success, 2 bad usage (unknown option, no secret, bad value).
 */
import { parseArgs } from 'node:util';
import { MIN_SECRET_LENGTH, mintToken } from '../server/auth.ts';

/** Demo partner tenant used throughout the sandbox examples. */
const DEFAULT_TENANT = '5f4c2b1a-9d3e-4f60-8a7b-1c2d3e4f5a6b';
const DEFAULT_USER = '2713ccd7-ea3b-470a-9cfb-451d5d0482cc';
const DEFAULT_EXPIRES = '8h';

const USAGE = `Usage: npm run -s token -- [options]

Mints an HS256 bearer token for the Partner Center sandbox server and prints it on stdout.

Options:
  --tenant ID     partner tenant id, the "tid" claim (default ${DEFAULT_TENANT})
  --user ID       user object id, the "oid" claim (default ${DEFAULT_USER})
  --expires SPAN  lifetime as a jose time span: 30m, 8h, 2d, "90 minutes" (default ${DEFAULT_EXPIRES})
  --secret S      signing secret, at least ${MIN_SECRET_LENGTH} characters (default: the JWT_SECRET
                  environment variable; prefer it, command lines are visible to other processes)
  -h, --help      show this help

The server must run with the same JWT_SECRET. Example:
  export JWT_SECRET=$(node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))")
  TOKEN=$(npm run -s token)
  curl -H "Authorization: Bearer $TOKEN" http://localhost:3000/...
`;

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

  // The secret is used verbatim, as the server's config does; empty counts as unset.
  const secret = [values.secret, env['JWT_SECRET']].find((value) => value !== undefined && value.trim() !== '');
  if (secret === undefined) {
    process.stderr.write(
      'token: no signing secret: pass --secret or set JWT_SECRET to the value the server runs with\n',
    );
    return 2;
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    process.stderr.write(
      `token: the secret has ${secret.length} characters; it must have at least ${MIN_SECRET_LENGTH} (the server refuses shorter ones)\n`,
    );
    return 2;
  }

  const tenantId = values.tenant ?? DEFAULT_TENANT;
  const userId = values.user ?? DEFAULT_USER;
  const expiresIn = values.expires ?? DEFAULT_EXPIRES;
  let token: string;
  try {
    token = await mintToken({ secret, tenantId, userId, expiresIn });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = /time period/i.test(message) ? ` (--expires ${JSON.stringify(expiresIn)}; try 30m, 8h, 2d)` : '';
    process.stderr.write(`token: ${message}${hint}\n`);
    return 2;
  }

  const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: number };
  const until = exp === undefined ? '' : `, expires ${new Date(exp * 1000).toISOString()}`;
  process.stdout.write(`${token}\n`);
  process.stderr.write(`token: tenant ${tenantId}, user ${userId}${until}; send it as "Authorization: Bearer <token>"\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2), process.env);

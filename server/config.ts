/**
 * Reference-server configuration, read once from environment variables by `loadConfig`.
 *
 * Every variable is one entry of `VARIABLES` below: its name, its default as shown to people, its
 * description and its parser (the parsers of durations, sizes, integers and choices are in
 * server/config-values.ts). `loadConfig` is derived from that table, and the table under
 * "Environment variables" in docs/configuration.md is a copy of it that server/config-table.test.ts
 * keeps identical (the test prints the table to paste, from `configurationTable()`, when they
 * differ). Add or change a variable there.
 *
 * Empty or whitespace-only values count as unset; other values are trimmed, except secret ones
 * (`JWT_SECRET`), which are used exactly as given and never echoed in an error message. Every
 * invalid variable is reported at once, one per line, in a single `ConfigError`.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KeySetError, keySetLocation, readKeySetFile } from './auth-keys.ts';
import { MIN_SECRET_LENGTH } from './auth.ts';
import {
  DAY,
  duration,
  durationOrZero,
  HOUR,
  integer,
  KIB,
  MIB,
  oneOf,
  parseByteSize,
  Problem,
  SECOND,
} from './config-values.ts';
import { SANDBOX_PROFILES, type SandboxProfile } from './domain/sandbox-profile.ts';
import { DEFAULT_CATALOG_PATH } from './catalog/load-catalog.ts';
import { ConfigError } from './start-errors.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** PORT, default 3000, 0..65535 (0 = any free port). */
  port: number;
  /** HOST, default 'localhost'. */
  host: string;
  /** DATABASE_PATH: an absolute path, or ':memory:'. */
  databasePath: string;
  /** DATABASE_URL: a postgres:// URL; when set, PostgreSQL is the store instead of DATABASE_PATH's SQLite. */
  databaseUrl: string | undefined;
  /** DATABASE_POOL_SIZE: the most connections to PostgreSQL this instance opens, default 10. */
  databasePoolSize: number;
  /** CATALOG_PATH: an absolute path to the catalog JSON. */
  catalogPath: string;
  /** CART_TTL in milliseconds, default 7 days. */
  cartTtlMs: number;
  /** JWT_SECRET: the HS256 key for bearer tokens, at least 32 characters; undefined when unset. */
  jwtSecret: string | undefined;
  /**
   * JWKS_URL: the key set asymmetric bearer tokens are verified against, an https: or file: URL (a path becomes a file:
   * URL); undefined when unset.
   */
  jwksUrl: string | undefined;
  /** LOG_LEVEL, default 'info'. */
  logLevel: LogLevel;
  /** NODE_ENV === 'production'. */
  production: boolean;
  /** BODY_LIMIT in bytes, default 1 MiB. */
  bodyLimitBytes: number;
  /** REQUEST_TIMEOUT in milliseconds, default 30 s. */
  requestTimeoutMs: number;
  /** IDEMPOTENCY_TTL in milliseconds, default 24 hours. */
  idempotencyTtlMs: number;
  /** RATE_LIMIT_PER_MINUTE, default 6000; 0 turns throttling off. */
  rateLimitPerMinute: number;
  /**
   * UNKNOWN_PROPERTIES, default 'ignore': what to do with request properties and query parameters the spec does not
   * declare.
   */
  unknownProperties: UnknownPropertyPolicy;
  /** CORS_ORIGINS, default 'loopback': which web origins may call the sandbox from a browser. */
  corsOrigins: CorsOrigins;
  /** PROVISIONING_DELAY in milliseconds, default 2 s: how long after checkout an order is provisioned (0: at once). */
  provisioningDelayMs: number;
  /** SANDBOX_PROFILE, default 'production': the partner the sandbox plays. */
  sandboxProfile: SandboxProfile;
  /** SANDBOX_CONTROLS, default true: the test controls under /sandbox (openapi/sandbox-controls.yaml). */
  sandboxControls: boolean;
}

/**
 * `loopback`: pages served from this machine (localhost, 127.0.0.1, [::1], any port); `none`; `*`; or a list of
 * origins.
 */
export type CorsOrigins = 'loopback' | 'none' | '*' | readonly string[];

/** `ignore`: as Partner Center, but named in the answer; `refuse`: a strict sandbox answers 400. */
export type UnknownPropertyPolicy = 'ignore' | 'refuse';
export const UNKNOWN_PROPERTY_POLICIES: readonly UnknownPropertyPolicy[] = ['ignore', 'refuse'];

const REPO_ROOT = resolve(import.meta.dirname, '..');

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The values `loadConfig` uses for unset variables (jwtSecret/jwksUrl default to undefined). */
export const DEFAULTS: Readonly<Omit<Config, 'jwtSecret' | 'jwksUrl' | 'databaseUrl' | 'production'>> = Object.freeze({
  port: 3000,
  host: 'localhost',
  databasePath: join(REPO_ROOT, 'data', 'partner-center-sandbox.db'),
  databasePoolSize: 10,
  catalogPath: DEFAULT_CATALOG_PATH,
  cartTtlMs: 7 * DAY,
  logLevel: 'info',
  bodyLimitBytes: MIB,
  requestTimeoutMs: 30 * SECOND,
  idempotencyTtlMs: DAY,
  rateLimitPerMinute: 6000,
  unknownProperties: 'ignore',
  corsOrigins: 'loopback',
  provisioningDelayMs: 2 * SECOND,
  sandboxProfile: 'production',
  sandboxControls: true,
});

/** Bounds enforced by `loadConfig` (inclusive maxima; durations must be more than 0). */
export const LIMITS: Readonly<
  Record<
    | 'maxCartTtlMs'
    | 'maxRequestTimeoutMs'
    | 'minBodyLimitBytes'
    | 'maxBodyLimitBytes'
    | 'maxIdempotencyTtlMs'
    | 'maxRateLimitPerMinute'
    | 'maxProvisioningDelayMs',
    number
  >
> = Object.freeze({
  maxProvisioningDelayMs: DAY,
  maxCartTtlMs: 365 * DAY,
  maxIdempotencyTtlMs: 30 * DAY,
  maxRateLimitPerMinute: 1_000_000,
  maxRequestTimeoutMs: HOUR,
  minBodyLimitBytes: KIB,
  maxBodyLimitBytes: 16 * MIB,
});

export { ConfigError };

/** Quotes a value for an error message: JSON-escaped (one problem stays one line) and bounded. */
function quote(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
}

/** One environment variable: everything the server, its error messages and docs/configuration.md say about it. */
export interface Variable<K extends keyof Config = keyof Config> {
  /** The environment variable's name. */
  readonly name: string;
  /** The default as shown to people: the "Default" column of docs/configuration.md (markdown). */
  readonly default: string;
  /** What it does and what it accepts: the "Meaning" column of docs/configuration.md (markdown, one line). */
  readonly description: string;
  /** The Config field it sets. */
  readonly field: K;
  /** The field's value when the variable is unset (or empty). */
  readonly unset: Config[K];
  /** Used exactly as given (not trimmed) and never shown in a message. */
  readonly secret?: boolean;
  /** The set, trimmed (unless secret) value to the field's value, or the Problem with it. */
  readonly parse: (text: string) => Config[K] | Problem;
}

/** Keeps each entry's field and parser typed together. */
function variable<K extends keyof Config>(entry: Variable<K>): Variable<K> {
  return entry;
}

const TABLE = [
  variable({
    name: 'PORT',
    default: '`3000`',
    description: 'Port to listen on, an integer from 0 to 65535 (`0`: any free port).',
    field: 'port',
    unset: DEFAULTS.port,
    parse: integer(5, 65535, 'expected an integer from 0 to 65535 (0 picks any free port)'),
  }),
  variable({
    name: 'HOST',
    default: '`localhost`',
    description: 'Address to listen on, a host name or IP address (`0.0.0.0` or `::` to accept other machines).',
    field: 'host',
    unset: DEFAULTS.host,
    // A light sanity check only; the listener reports addresses that do not resolve.
    parse: (text) =>
      text.length <= 253 && /^[A-Za-z0-9._:%[\]-]+$/.test(text)
        ? text
        : new Problem('expected a host name or IP address (localhost, 127.0.0.1, 0.0.0.0, ::)'),
  }),
  variable({
    name: 'DATABASE_PATH',
    default: '`data/partner-center-sandbox.db`',
    description:
      'The SQLite file (the default is in the repository; a relative path resolves against the working directory), or `:memory:` for a throwaway store.',
    field: 'databasePath',
    unset: DEFAULTS.databasePath,
    parse: (text) => {
      if (text === ':memory:') return text;
      const absolute = resolve(text);
      return statSync(absolute, { throwIfNoEntry: false })?.isDirectory()
        ? new Problem('is a directory; expected a database file path or :memory:')
        : absolute;
    },
  }),
  variable({
    name: 'DATABASE_URL',
    default: '—',
    description:
      'A PostgreSQL database, `postgres://user:password@host:5432/database`: several sandbox instances share it (see "Several instances on one PostgreSQL"). Unset: the SQLite file. The password is never shown.',
    field: 'databaseUrl',
    unset: undefined,
    secret: true,
    parse: (text) => {
      const url = URL.parse(text);
      if (!url || !['postgres:', 'postgresql:'].includes(url.protocol))
        return new Problem('expected a postgres:// URL (postgres://user:password@host:5432/database)');
      if (!url.hostname) return new Problem('the URL names no host');
      return text;
    },
  }),
  variable({
    name: 'DATABASE_POOL_SIZE',
    default: '`10`',
    description: 'With `DATABASE_URL`: the most connections this instance opens to PostgreSQL, 1 to 1000.',
    field: 'databasePoolSize',
    unset: DEFAULTS.databasePoolSize,
    parse: (text) => {
      const value = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
      return value >= 1 && value <= 1000 ? value : new Problem('expected an integer from 1 to 1000');
    },
  }),
  variable({
    name: 'CATALOG_PATH',
    default: '`server/catalog/catalog.json`',
    description: 'The catalog to sell from, an existing JSON file.',
    field: 'catalogPath',
    unset: DEFAULTS.catalogPath,
    parse: (text) => {
      const absolute = resolve(text);
      const stat = statSync(absolute, { throwIfNoEntry: false });
      if (stat === undefined) return new Problem(`no such file (${absolute})`);
      if (!stat.isFile()) return new Problem('is not a file; expected the catalog JSON file');
      return absolute;
    },
  }),
  variable({
    name: 'CART_TTL',
    default: '`P7D`',
    description:
      'Cart lifetime: ISO 8601 (`PT15M`, `P1DT12H`; no years or months) or `500ms`, `30s`, `15m`, `2h`, `7d`; at most 365 days. Shorter values let tests see expiry.',
    field: 'cartTtlMs',
    unset: DEFAULTS.cartTtlMs,
    parse: duration(LIMITS.maxCartTtlMs),
  }),
  variable({
    name: 'JWT_SECRET',
    default: 'the development secret',
    description:
      'HS256 secret for bearer tokens (`npm run token` mints them), at least 32 characters, used exactly as given and never shown. Unset (and no `JWKS_URL`): a development secret, made once in the folder of the database (`data/dev-jwt-secret`) and kept across restarts, which `npm run token` uses too; refused when `HOST` is not loopback.',
    field: 'jwtSecret',
    unset: undefined,
    secret: true,
    parse: (text) =>
      text.length >= MIN_SECRET_LENGTH
        ? text
        : new Problem(
            `must be at least ${MIN_SECRET_LENGTH} characters for an HS256 key; generate one with: ` +
              `node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`,
          ),
  }),
  variable({
    name: 'JWKS_URL',
    default: '—',
    description:
      "The JSON Web Key Set that asymmetric bearer tokens (RS256 as Azure AD's, also RS384/512, PS256/384/512, ES256/384/512, EdDSA) are verified against: a JWKS file, as a path or `file:` URL, read once at start (public keys only; a sandbox never needs the network), or an `https:` URL the server calls out to (cached 10 minutes, fetched again for an unknown `kid`), e.g. Azure AD's `https://login.microsoftonline.com/common/discovery/v2.0/keys`. `http:` is refused. With `JWT_SECRET` as well, both kinds of token are accepted, told apart by their `alg`.",
    field: 'jwksUrl',
    unset: undefined,
    parse: (text) => {
      try {
        const location = keySetLocation(text);
        if (location.kind === 'file') readKeySetFile(location.path);
        return location.url;
      } catch (error) {
        if (error instanceof KeySetError) return new Problem(error.message);
        throw error;
      }
    },
  }),
  variable({
    name: 'LOG_LEVEL',
    default: '`info`',
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` (any case).',
    field: 'logLevel',
    unset: DEFAULTS.logLevel,
    parse: oneOf(LOG_LEVELS, `expected one of ${LOG_LEVELS.join(', ')}`),
  }),
  variable({
    name: 'NODE_ENV',
    default: '—',
    description: '`production` turns response validation off; any other value is development.',
    field: 'production',
    unset: false,
    parse: (text) => text === 'production',
  }),
  variable({
    name: 'BODY_LIMIT',
    default: '`1mb`',
    description: 'Largest request body (`413` above): a byte count or `100kb`, `1mb` (1024-based), from 1kb to 16mb.',
    field: 'bodyLimitBytes',
    unset: DEFAULTS.bodyLimitBytes,
    parse: (text) => {
      const bytes = parseByteSize(text);
      if (bytes === undefined) return new Problem('expected a byte count or a size with a unit (102400, 100kb, 1mb)');
      if (bytes < LIMITS.minBodyLimitBytes || bytes > LIMITS.maxBodyLimitBytes) {
        return new Problem(
          `must be from 1kb (${LIMITS.minBodyLimitBytes} bytes) to 16mb (${LIMITS.maxBodyLimitBytes} bytes)`,
        );
      }
      return bytes;
    },
  }),
  variable({
    name: 'REQUEST_TIMEOUT',
    default: '`30s`',
    description: 'How long a request may take to arrive: a duration as for `CART_TTL`, at most 1 hour.',
    field: 'requestTimeoutMs',
    unset: DEFAULTS.requestTimeoutMs,
    parse: duration(LIMITS.maxRequestTimeoutMs),
  }),
  variable({
    name: 'IDEMPOTENCY_TTL',
    default: '`24h`',
    description:
      'How long the answer of a write with an `MS-RequestId` is kept for its retries: a duration as for `CART_TTL`, at most 30 days.',
    field: 'idempotencyTtlMs',
    unset: DEFAULTS.idempotencyTtlMs,
    parse: duration(LIMITS.maxIdempotencyTtlMs),
  }),
  variable({
    name: 'RATE_LIMIT_PER_MINUTE',
    default: '`6000`',
    description:
      "Requests a minute per partner, in bursts of up to a minute's worth; `429` above. `0` turns throttling off; at most 1000000. Partner Center itself documents 500 a minute per tenant for orders.",
    field: 'rateLimitPerMinute',
    unset: DEFAULTS.rateLimitPerMinute,
    parse: integer(
      7,
      LIMITS.maxRateLimitPerMinute,
      `expected an integer from 0 (no throttling) to ${LIMITS.maxRateLimitPerMinute}`,
    ),
  }),
  variable({
    name: 'UNKNOWN_PROPERTIES',
    default: '`ignore`',
    description:
      'What to do with a request property or query parameter the spec does not declare: `ignore` it as Partner Center does (and name it in the `Sandbox-Ignored-Properties` answer header and the log line), or `refuse` it with `400` naming each, for a strict sandbox.',
    field: 'unknownProperties',
    unset: DEFAULTS.unknownProperties,
    parse: oneOf(UNKNOWN_PROPERTY_POLICIES, `expected ${UNKNOWN_PROPERTY_POLICIES.join(' or ')}`),
  }),
  variable({
    name: 'CORS_ORIGINS',
    default: '`loopback`',
    description:
      'Which web pages may call the sandbox from a browser (CORS): `loopback` (pages served from this machine: `localhost`, `127.0.0.1`, `[::1]`, any port), `none`, `*` (any origin; tokens are sent by the page, not by cookies), or origins separated by commas (`https://portal.example.com,http://localhost:5173`). Preflight requests are answered before authentication.',
    field: 'corsOrigins',
    unset: DEFAULTS.corsOrigins,
    parse: (text) => {
      if (text === 'loopback' || text === 'none' || text === '*') return text;
      const origins = text
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== '');
      const bad = origins.find((origin) => URL.parse(origin)?.origin !== origin);
      return origins.length > 0 && bad === undefined
        ? origins
        : new Problem(
            `expected loopback, none, * or origins separated by commas (https://portal.example.com)${bad ? `; ${bad} is not an origin` : ''}`,
          );
    },
  }),
  variable({
    name: 'PROVISIONING_DELAY',
    default: '`2s`',
    description:
      'How long after checkout an order is provisioned: until then it is `pending`, without subscription ids, and its lines `PrefulfillmentPending`; then `completed`. A duration as for `CART_TTL`, at most 1 day, or `0` to provision at once. Partner Center takes up to 15 minutes.',
    field: 'provisioningDelayMs',
    unset: DEFAULTS.provisioningDelayMs,
    parse: durationOrZero(LIMITS.maxProvisioningDelayMs),
  }),
  variable({
    name: 'SANDBOX_PROFILE',
    default: '`production`',
    description:
      "The partner the sandbox plays: `production`, a production partner (no sandbox limits; only software orders can be cancelled, within their window), or `integration`, an integration-sandbox account with Microsoft's documented limits (75 customers, 5 subscriptions per customer, 25 licences per subscription, 2 reserved VM instances per customer, offers it cannot buy, purchase-order flows) and its cancellation rules.",
    field: 'sandboxProfile',
    unset: DEFAULTS.sandboxProfile,
    parse: oneOf(SANDBOX_PROFILES, `expected ${SANDBOX_PROFILES.join(' or ')}`),
  }),
  variable({
    name: 'SANDBOX_CONTROLS',
    default: '`on`',
    description:
      "The test controls under `/sandbox` (each partner's virtual clock and reset; described by `openapi/sandbox-controls.yaml`): `on`, or `off` for a deployment that must not have them (their paths then answer `404` like any unknown route, and every partner is on the machine's clock).",
    field: 'sandboxControls',
    unset: DEFAULTS.sandboxControls,
    parse: (text) => {
      const choice = oneOf(['on', 'off'] as const, 'expected on or off')(text);
      return choice instanceof Problem ? choice : choice === 'on';
    },
  }),
] as const;

/** Every variable the server reads, in the order they are documented and reported. */
export const VARIABLES: readonly Variable[] = TABLE;

// Every Config field is set by a variable: a field without one fails the type check here.
type FieldWithoutVariable = Exclude<keyof Config, (typeof TABLE)[number]['field']>;
const EVERY_FIELD_HAS_A_VARIABLE: [FieldWithoutVariable] extends [never] ? true : FieldWithoutVariable = true;
void EVERY_FIELD_HAS_A_VARIABLE;

/** Reads configuration from `env` (default `process.env`); throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const config: Partial<Record<keyof Config, unknown>> = {};
  for (const { name, field, unset, secret = false, parse } of VARIABLES) {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      config[field] = unset;
      continue;
    }
    const text = secret ? value : value.trim();
    const parsed = parse(text);
    if (parsed instanceof Problem) {
      problems.push(
        secret
          ? `${name} (${text.length} characters, value not shown): ${parsed.why}`
          : `${name}=${quote(text)}: ${parsed.why}`,
      );
      config[field] = unset;
    } else {
      config[field] = parsed;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as Config;
}

/** The table of docs/configuration.md, rendered from VARIABLES (what config-table.test.ts compares it with). */
export function configurationTable(): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  return [
    '| Variable | Default | Meaning |',
    '| --- | --- | --- |',
    ...VARIABLES.map((entry) => `| \`${entry.name}\` | ${cell(entry.default)} | ${cell(entry.description)} |`),
  ].join('\n');
}

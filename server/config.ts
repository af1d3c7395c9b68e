/**
 * Reference-server configuration, read once from environment variables by `loadConfig`.
 *
 * | Variable          | Default                                    | Accepted values                                                       |
 * |-------------------|--------------------------------------------|-----------------------------------------------------------------------|
 * | `PORT`            | `3000`                                     | integer 0..65535 (0 = any free port)                                  |
 * | `HOST`            | `localhost`                                | host name or IP address (`0.0.0.0` / `::` to listen on every address) |
 * | `DATABASE_PATH`   | `<repo>/data/partner-center-sandbox.db`    | file path (relative paths resolve against the working directory) or `:memory:` |
 * | `CATALOG_PATH`    | `<repo>/server/catalog/catalog.json`       | path to an existing file                                              |
 * | `CART_TTL`        | `7d`                                       | duration (see below), more than 0 and at most 365 days                |
 * | `JWT_SECRET`      | unset                                      | at least 32 characters (HS256 key strength); used verbatim            |
 * | `JWKS_URL`        | unset                                      | https URL; reserved for verifying real Azure AD tokens, not used yet  |
 * | `LOG_LEVEL`       | `info`                                     | fatal, error, warn, info, debug, trace, silent (case-insensitive)     |
 * | `NODE_ENV`        | -                                          | `production` sets `production: true`; anything else is development    |
 * | `BODY_LIMIT`      | `1mb` (1048576 bytes)                      | byte count or `<n>b` / `<n>kb` / `<n>mb` (1024-based), 1kb..16mb      |
 * | `REQUEST_TIMEOUT` | `30s`                                      | duration, more than 0 and at most 1 hour                              |
 * | `IDEMPOTENCY_TTL` | `24h`                                      | duration, more than 0 and at most 30 days: how long a write's answer is kept for retries with its MS-RequestId |
 * | `RATE_LIMIT_PER_MINUTE` | `6000`                               | integer 0..1000000: requests a minute per partner (0 = no throttling) |
 * | `UNKNOWN_PROPERTIES` | `ignore`                                | `ignore` (as Partner Center: named in Sandbox-Ignored-Properties) or `refuse` (400) |
 *
 * Durations are an ISO 8601 duration built from weeks, days, hours, minutes and seconds
 * (`P7D`, `PT15M`, `PT30S`, `P1DT12H`, `PT0.5S`; years and months are refused because they have
 * no fixed length) or a number with a unit: `500ms`, `30s`, `15m`, `2h`, `7d` (decimals allowed,
 * e.g. `1.5h`). A bare number is refused: its unit would be a guess.
 *
 * Empty or whitespace-only values count as unset; other values are trimmed (except `JWT_SECRET`,
 * which is used exactly as given). Every invalid variable is reported at once, one per line, in a
 * single `ConfigError`. `JWT_SECRET`'s value is never echoed in an error message.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MIN_SECRET_LENGTH } from './auth.ts';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** PORT, default 3000, 0..65535 (0 = any free port). */
  port: number;
  /** HOST, default 'localhost'. */
  host: string;
  /** DATABASE_PATH: an absolute path, or ':memory:'. */
  databasePath: string;
  /** CATALOG_PATH: an absolute path to the catalog JSON. */
  catalogPath: string;
  /** CART_TTL in milliseconds, default 7 days. */
  cartTtlMs: number;
  /** JWT_SECRET: the HS256 key for bearer tokens, at least 32 characters; undefined when unset. */
  jwtSecret: string | undefined;
  /** JWKS_URL: reserved for verifying real Azure AD tokens later; an https URL when set. */
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
  /** UNKNOWN_PROPERTIES, default 'ignore': what to do with request properties and query parameters the spec does not declare. */
  unknownProperties: UnknownPropertyPolicy;
}

/** `ignore`: as Partner Center, but named in the answer; `refuse`: a strict sandbox answers 400. */
export type UnknownPropertyPolicy = 'ignore' | 'refuse';
export const UNKNOWN_PROPERTY_POLICIES: readonly UnknownPropertyPolicy[] = ['ignore', 'refuse'];

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const KIB = 1024;
const MIB = 1024 * KIB;

const REPO_ROOT = resolve(import.meta.dirname, '..');

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The values `loadConfig` uses for unset variables (jwtSecret/jwksUrl default to undefined). */
export const DEFAULTS: Readonly<Omit<Config, 'jwtSecret' | 'jwksUrl' | 'production'>> = Object.freeze({
  port: 3000,
  host: 'localhost',
  databasePath: join(REPO_ROOT, 'data', 'partner-center-sandbox.db'),
  catalogPath: join(REPO_ROOT, 'server', 'catalog', 'catalog.json'),
  cartTtlMs: 7 * DAY,
  logLevel: 'info',
  bodyLimitBytes: MIB,
  requestTimeoutMs: 30 * SECOND,
  idempotencyTtlMs: DAY,
  rateLimitPerMinute: 6000,
  unknownProperties: 'ignore',
});

/** Bounds enforced by `loadConfig` (inclusive maxima; durations must be more than 0). */
export const LIMITS: Readonly<
  Record<'maxCartTtlMs' | 'maxRequestTimeoutMs' | 'minBodyLimitBytes' | 'maxBodyLimitBytes' | 'maxIdempotencyTtlMs' | 'maxRateLimitPerMinute', number>
> = Object.freeze({
  maxCartTtlMs: 365 * DAY,
  maxIdempotencyTtlMs: 30 * DAY,
  maxRateLimitPerMinute: 1_000_000,
  maxRequestTimeoutMs: HOUR,
  minBodyLimitBytes: KIB,
  maxBodyLimitBytes: 16 * MIB,
});

/** Thrown by `loadConfig`; `message` holds one line per invalid variable, also in `problems`. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const NUMBER = String.raw`\d+(?:[.,]\d+)?`;
const ISO_DURATION = new RegExp(
  `^P(?:(${NUMBER})W)?(?:(${NUMBER})D)?(?:T(?:(${NUMBER})H)?(?:(${NUMBER})M)?(?:(${NUMBER})S)?)?$`,
  'i',
);
const UNIT_DURATION = /^(\d+(?:\.\d+)?) ?(ms|s|m|h|d)$/;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/**
 * Parses a duration into whole milliseconds (rounded): an ISO 8601 duration made of weeks, days,
 * hours, minutes and seconds (`P7D`, `PT15M`, `P1DT12H`), or a number with a unit (`500ms`,
 * `30s`, `15m`, `2h`, `7d`). Returns undefined when the text is malformed; zero is well formed
 * (range checks are the caller's business).
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  let ms: number;
  const iso = ISO_DURATION.exec(trimmed);
  if (iso) {
    const [, weeks, days, hours, minutes, seconds] = iso;
    const parts: [string | undefined, number][] = [
      [weeks, WEEK], [days, DAY], [hours, HOUR], [minutes, MINUTE], [seconds, SECOND],
    ];
    if (parts.every(([value]) => value === undefined)) return undefined; // "P", "PT"
    if (/T$/i.test(trimmed)) return undefined; // "P1DT": a time designator with no time
    ms = parts.reduce((sum, [value, unit]) => sum + (value === undefined ? 0 : Number(value.replace(',', '.')) * unit), 0);
  } else {
    const unit = UNIT_DURATION.exec(trimmed);
    if (!unit) return undefined;
    ms = Number(unit[1]) * (DURATION_UNITS[unit[2] ?? ''] ?? Number.NaN);
  }
  ms = Math.round(ms);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: KIB, mb: MIB };

/** Parses a byte size: a plain byte count, or `<n>b`, `<n>kb`, `<n>mb` (1024-based, case-insensitive). */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?) ?(b|kb|mb)?$/i.exec(text.trim());
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * (BYTE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? Number.NaN));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const DURATION_HINT = 'expected an ISO 8601 duration (P7D, PT15M) or a number with a unit (30s, 15m, 7d)';

/** Quotes a value for an error message: JSON-escaped (one problem stays one line) and bounded. */
function quote(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
}

function formatDuration(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY} days`;
  if (ms % HOUR === 0) return `${ms / HOUR} hour${ms === HOUR ? '' : 's'}`;
  return `${ms} ms`;
}

/** Reads configuration from `env` (default `process.env`); throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const read = (name: string): string | undefined => raw(name)?.trim();
  const bad = (name: string, value: string, why: string): void => {
    problems.push(`${name}=${quote(value)}: ${why}`);
  };

  const duration = (name: string, fallback: number, max: number): number => {
    const text = read(name);
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms === undefined) {
      bad(name, text, /^P(?:[\d.,]+[WD])*[\d.,]+[YM]/i.test(text)
        ? 'years and months have no fixed length; use days or weeks (P365D, P4W) or a number with a unit (7d)'
        : DURATION_HINT);
      return fallback;
    }
    if (ms <= 0 || ms > max) {
      bad(name, text, `must be more than 0 and at most ${formatDuration(max)}`);
      return fallback;
    }
    return ms;
  };

  // PORT
  let port = DEFAULTS.port;
  const portText = read('PORT');
  if (portText !== undefined) {
    const value = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (Number.isInteger(value) && value <= 65535) port = value;
    else bad('PORT', portText, 'expected an integer from 0 to 65535 (0 picks any free port)');
  }

  // HOST: a light sanity check only; the listener reports addresses that do not resolve.
  let host = DEFAULTS.host;
  const hostText = read('HOST');
  if (hostText !== undefined) {
    if (hostText.length <= 253 && /^[A-Za-z0-9._:%[\]-]+$/.test(hostText)) host = hostText;
    else bad('HOST', hostText, 'expected a host name or IP address (localhost, 127.0.0.1, 0.0.0.0, ::)');
  }

  // DATABASE_PATH
  let databasePath = DEFAULTS.databasePath;
  const databaseText = read('DATABASE_PATH');
  if (databaseText !== undefined) {
    if (databaseText === ':memory:') databasePath = databaseText;
    else {
      const absolute = resolve(databaseText);
      if (statSync(absolute, { throwIfNoEntry: false })?.isDirectory()) {
        bad('DATABASE_PATH', databaseText, 'is a directory; expected a database file path or :memory:');
      } else databasePath = absolute;
    }
  }

  // CATALOG_PATH
  let catalogPath = DEFAULTS.catalogPath;
  const catalogText = read('CATALOG_PATH');
  if (catalogText !== undefined) {
    const absolute = resolve(catalogText);
    const stat = statSync(absolute, { throwIfNoEntry: false });
    if (stat === undefined) bad('CATALOG_PATH', catalogText, `no such file (${absolute})`);
    else if (!stat.isFile()) bad('CATALOG_PATH', catalogText, 'is not a file; expected the catalog JSON file');
    else catalogPath = absolute;
  }

  const cartTtlMs = duration('CART_TTL', DEFAULTS.cartTtlMs, LIMITS.maxCartTtlMs);

  // JWT_SECRET: used verbatim (the token script does the same) and never echoed.
  let jwtSecret = raw('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `JWT_SECRET (${jwtSecret.length} characters, value not shown): must be at least ${MIN_SECRET_LENGTH} characters ` +
        `for an HS256 key; generate one with: node -e "console.log(require('node:crypto').randomBytes(32).toString('base64url'))"`,
    );
    jwtSecret = undefined;
  }

  // JWKS_URL
  let jwksUrl: string | undefined;
  const jwksText = read('JWKS_URL');
  if (jwksText !== undefined) {
    const url = URL.parse(jwksText);
    if (url?.protocol === 'https:' && url.hostname !== '') jwksUrl = url.href;
    else bad('JWKS_URL', jwksText, 'expected an https URL (https://login.microsoftonline.com/common/discovery/v2.0/keys)');
  }

  // LOG_LEVEL
  let logLevel = DEFAULTS.logLevel;
  const levelText = read('LOG_LEVEL');
  if (levelText !== undefined) {
    const level = LOG_LEVELS.find((candidate) => candidate === levelText.toLowerCase());
    if (level) logLevel = level;
    else bad('LOG_LEVEL', levelText, `expected one of ${LOG_LEVELS.join(', ')}`);
  }

  // BODY_LIMIT
  let bodyLimitBytes = DEFAULTS.bodyLimitBytes;
  const bodyText = read('BODY_LIMIT');
  if (bodyText !== undefined) {
    const bytes = parseByteSize(bodyText);
    if (bytes === undefined) bad('BODY_LIMIT', bodyText, 'expected a byte count or a size with a unit (102400, 100kb, 1mb)');
    else if (bytes < LIMITS.minBodyLimitBytes || bytes > LIMITS.maxBodyLimitBytes) {
      bad('BODY_LIMIT', bodyText, `must be from 1kb (${LIMITS.minBodyLimitBytes} bytes) to 16mb (${LIMITS.maxBodyLimitBytes} bytes)`);
    } else bodyLimitBytes = bytes;
  }

  const requestTimeoutMs = duration('REQUEST_TIMEOUT', DEFAULTS.requestTimeoutMs, LIMITS.maxRequestTimeoutMs);
  const idempotencyTtlMs = duration('IDEMPOTENCY_TTL', DEFAULTS.idempotencyTtlMs, LIMITS.maxIdempotencyTtlMs);

  // RATE_LIMIT_PER_MINUTE
  let rateLimitPerMinute = DEFAULTS.rateLimitPerMinute;
  const rateText = read('RATE_LIMIT_PER_MINUTE');
  if (rateText !== undefined) {
    const value = /^\d{1,7}$/.test(rateText) ? Number(rateText) : Number.NaN;
    if (Number.isInteger(value) && value <= LIMITS.maxRateLimitPerMinute) rateLimitPerMinute = value;
    else bad('RATE_LIMIT_PER_MINUTE', rateText, `expected an integer from 0 (no throttling) to ${LIMITS.maxRateLimitPerMinute}`);
  }

  // UNKNOWN_PROPERTIES
  let unknownProperties = DEFAULTS.unknownProperties;
  const unknownText = read('UNKNOWN_PROPERTIES');
  if (unknownText !== undefined) {
    const policy = UNKNOWN_PROPERTY_POLICIES.find((candidate) => candidate === unknownText.toLowerCase());
    if (policy) unknownProperties = policy;
    else bad('UNKNOWN_PROPERTIES', unknownText, `expected ${UNKNOWN_PROPERTY_POLICIES.join(' or ')}`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  return {
    port,
    host,
    databasePath,
    catalogPath,
    cartTtlMs,
    jwtSecret,
    jwksUrl,
    logLevel,
    production: read('NODE_ENV') === 'production',
    bodyLimitBytes,
    requestTimeoutMs,
    idempotencyTtlMs,
    rateLimitPerMinute,
    unknownProperties,
  };
}

// Idempotent writes by MS-RequestId. A write that carried an MS-RequestId records its answer in the
// same database transaction as the write itself, so a retry either finds the answer or finds nothing
// written: there is no moment where one exists without the other, not even across a crash. Retries
// of the same request get the recorded answer; the same id on another request is refused (422).
// Only successes are recorded: a failed write changed nothing, so running its retry again is safe.
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { ApiError, Codes } from './errors.ts';
import type { Store } from '../store/store.ts';

/** What a write answers. */
export interface WriteAnswer {
  status: number;
  body: unknown;
  etag?: string;
}

/** Who sent which request under which id. */
export interface RequestKey {
  partnerId: string;
  requestId: string;
  /** Method, path, body and preconditions, hashed: equal for a faithful retry, different otherwise. */
  fingerprint: string;
  /** For the error message: `POST /v1/...`. */
  summary: string;
}

export interface IdempotencyOptions {
  store: Store;
  /** How long an answer is kept, in milliseconds; after that the id may be used again. */
  ttlMs: number;
  /** The partner's time in ms (its virtual clock, with the test controls); the machine's by default. */
  now?: (partnerId: string) => Promise<number>;
}

/** Expired records are deleted at most this often, in the course of a write. */
const PURGE_INTERVAL_MS = 60_000;

/** Runs the writes of the API once per MS-RequestId, replaying the recorded answer to a retry. */
export class IdempotentWrites {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #now: (partnerId: string) => Promise<number>;
  #lastPurge = 0;

  constructor(options: IdempotencyOptions) {
    this.#store = options.store;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? (async () => Date.now());
  }

  /**
   * Runs `write` once per request key: the first call writes and records its answer, a faithful retry
   * gets that answer back (`replayed`), and a different request with the same id fails with 422.
   * Without a key (the client sent no MS-RequestId), the write simply runs.
   */
  async run<A extends WriteAnswer>(
    key: RequestKey | undefined,
    write: () => Promise<A>,
  ): Promise<A & { replayed: boolean }> {
    if (!key) return { ...(await write()), replayed: false };
    return this.#store.transaction(async () => {
      const now = await this.#now(key.partnerId);
      await this.#purgeExpired(Date.now());
      const recorded = await this.#store.findRecordedRequest(key.partnerId, key.requestId, now - this.#ttlMs);
      if (recorded) {
        if (recorded.fingerprint !== key.fingerprint) {
          throw new ApiError(
            422,
            Codes.requestIdReused,
            `MS-RequestId ${key.requestId} was already used for a different request (${key.summary}); send a new MS-RequestId for a new request.`,
          );
        }
        // The recorded answer is one `write` gave for this very request, so it has the answer's type.
        return {
          status: recorded.status,
          body: JSON.parse(recorded.body),
          ...(recorded.etag ? { etag: recorded.etag } : {}),
          replayed: true,
        } as unknown as A & { replayed: boolean };
      }
      const answer = await write();
      if (answer.status >= 200 && answer.status < 300) {
        await this.#store.recordRequest(key.partnerId, key.requestId, {
          fingerprint: key.fingerprint,
          status: answer.status,
          body: JSON.stringify(answer.body),
          ...(answer.etag ? { etag: answer.etag } : {}),
          recordedAt: now,
        });
      }
      return { ...answer, replayed: false };
    });
  }

  /** Purged on the machine's clock: a partner whose clock is ahead keeps its answers a little longer, never less. */
  async #purgeExpired(now: number): Promise<void> {
    if (now - this.#lastPurge < PURGE_INTERVAL_MS) return;
    this.#lastPurge = now;
    await this.#store.forgetRequestsBefore(now - this.#ttlMs);
  }
}

/**
 * The key of a write request, or undefined when the client sent no MS-RequestId of its own (one the
 * server made up can never come again). The path is compared without regard to case, as ids are;
 * `body` is the body as the operation reads it (null for one it ignores).
 */
export function requestKeyOf(req: Request, res: Response, body: unknown = req.body ?? null): RequestKey | undefined {
  const requestId = res.locals.clientRequestId;
  const partnerId = res.locals.caller?.partnerId;
  if (!requestId || !partnerId) return undefined;
  const path = req.path.toLowerCase().replace(/\/+$/, '');
  const ifMatch = req.headers['if-match'] ?? null;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([req.method, path, ifMatch, canonicalJson(body)]))
    .digest('base64url');
  return { partnerId, requestId, fingerprint, summary: `${req.method} ${req.path}` };
}

/** JSON with object keys sorted, so that a retry that orders its properties differently still matches. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, child]) => `${JSON.stringify(name)}:${canonicalJson(child)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

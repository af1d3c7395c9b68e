// The request journal of the test controls: for each partner, its recent requests to the API and
// what happened to them (matched operation, status, error details, ignored properties, replay, forced
// rule, what was written), to answer "why did I get this?". Kept by this instance, bounded in count
// per partner and in age.
import type { Request, RequestHandler, Response } from 'express';
import type { components } from '../../generated/sandbox-controls-types.ts';

export type JournalEntry = components['schemas']['JournalEntry'];

export interface JournalOptions {
  /** Entries kept per partner (the oldest go first). */
  perPartner?: number;
  /** How long an entry is kept, in ms. */
  maxAgeMs?: number;
}

export class RequestJournal {
  readonly #entries = new Map<string, JournalEntry[]>();
  readonly #perPartner: number;
  readonly #maxAgeMs: number;

  constructor(options: JournalOptions = {}) {
    this.#perPartner = options.perPartner ?? 1000;
    this.#maxAgeMs = options.maxAgeMs ?? 60 * 60 * 1000;
  }

  add(partnerId: string, entry: JournalEntry): void {
    const entries = this.#entries.get(partnerId) ?? [];
    entries.push(entry);
    if (entries.length > this.#perPartner) entries.splice(0, entries.length - this.#perPartner);
    this.#entries.set(partnerId, entries);
  }

  /** Newest first, within the age limit, optionally by MS-RequestId or MS-CorrelationId. */
  find(partnerId: string, query: { requestId?: string; correlationId?: string; limit?: number }): JournalEntry[] {
    const since = Date.now() - this.#maxAgeMs;
    const kept = (this.#entries.get(partnerId) ?? []).filter((entry) => Date.parse(entry.at) >= since);
    this.#entries.set(partnerId, kept);
    return kept
      .filter((entry) => (query.requestId === undefined || entry.requestId === query.requestId) && (query.correlationId === undefined || entry.correlationId === query.correlationId))
      .reverse()
      .slice(0, query.limit ?? 50);
  }

  clear(partnerId: string): void {
    this.#entries.delete(partnerId);
  }
}

/** Records each request of a known partner when its answer is sent or its connection closes. */
export function journalRecorder(journal: RequestJournal): RequestHandler {
  return (req, res, next) => {
    let recorded = false;
    const record = () => {
      const partnerId = res.locals.caller?.partnerId;
      if (recorded || !partnerId) return;
      recorded = true;
      const operationId = (req as Request & { openapi?: { schema?: { operationId?: string } } }).openapi?.schema?.operationId;
      journal.add(partnerId, {
        at: new Date().toISOString(),
        method: req.method,
        path: req.originalUrl.split('?')[0] ?? req.path,
        ...(operationId ? { operationId } : {}),
        status: res.writableFinished ? res.statusCode : 0,
        requestId: String(res.getHeader('MS-RequestId') ?? ''),
        correlationId: String(res.getHeader('MS-CorrelationId') ?? ''),
        replayed: res.getHeader('Idempotent-Replayed') === 'true',
        ignoredProperties: res.locals.ignoredProperties ?? [],
        errorDetails: res.locals.errorDetails ?? [],
        ...(res.locals.forcedRule ? { forcedRule: res.locals.forcedRule } : {}),
        ...(res.locals.throttling ? { throttling: throttlingAnswered(res) } : {}),
        ...(res.locals.wrote ? { wrote: res.locals.wrote } : {}),
      });
    };
    res.on('finish', record);
    res.on('close', record);
    next();
  };
}

/**
 * The throttling state as the answer told it. The limiter records the wait it chose (0 when it let the
 * request through), but a forced `429` is answered after it, with a `Retry-After` of its own: the
 * journal says what the client was told, the answer's `Retry-After`.
 */
function throttlingAnswered(res: Response): NonNullable<Response['locals']['throttling']> {
  const state = res.locals.throttling!;
  const told = res.statusCode === 429 && res.headersSent ? Number(res.getHeader('Retry-After')) : Number.NaN;
  return Number.isInteger(told) && told >= 0 ? { ...state, retryAfterSeconds: told } : state;
}

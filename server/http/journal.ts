// The request journal of the test controls: for each partner, its recent requests to the API and
// what happened to them (matched operation, status, error details, ignored properties, replay, forced
// rule, what was written, which instance served it), to answer "why did I get this?". Kept in the
// store, so that every instance on one database writes to and reads one journal; bounded in count per
// partner and in age.
//
// An entry is written before its answer leaves (res.end waits for it), so that a client reading the
// journal right after an answer, through any instance, finds it. That costs the answer one statement
// (PostgreSQL: one round trip, to a table that is not written ahead to disk; SQLite: one insert, not
// synced at once). A request left unanswered (a forced reset, timeout or dropped answer) is written
// when its connection closes.
import { hostname } from 'node:os';
import type { Request, RequestHandler, Response } from 'express';
import type { JournalEntry, Store } from '../store/store.ts';

export type { JournalEntry };

export interface JournalOptions {
  /** Entries kept per partner (the oldest go first). */
  perPartner?: number;
  /** How long an entry is kept, in ms. */
  maxAgeMs?: number;
}

/** An answer waits at most this long for its entry: a database that does not answer delays nothing for longer. */
const WRITE_WAIT_MS = 2000;
/** Every this many entries a partner adds through this instance, its journal is trimmed to its bounds. */
const TRIM_EVERY = 50;

/** Servers made in this process so far, to tell apart several in one process (tests). */
let serversInProcess = 0;

export class RequestJournal {
  readonly #store: Store;
  readonly #perPartner: number;
  readonly #maxAgeMs: number;
  /** Which instance served a request: the host and the process, as an operator finds them. */
  readonly instance: string;
  /** Entries added through this instance, per partner since its last trim. */
  readonly #sinceTrim = new Map<string, number>();

  constructor(store: Store, options: JournalOptions = {}) {
    this.#store = store;
    this.#perPartner = options.perPartner ?? 1000;
    this.#maxAgeMs = options.maxAgeMs ?? 60 * 60 * 1000;
    serversInProcess += 1;
    this.instance = `${hostname()}:${process.pid}${serversInProcess > 1 ? `/${serversInProcess}` : ''}`;
  }

  /**
   * Adds an entry; resolves once it is written, or after WRITE_WAIT_MS, and never rejects: the journal
   * explains answers, and failing to write it must not fail or hold one.
   */
  add(partnerId: string, entry: Omit<JournalEntry, 'instance'>): Promise<void> {
    const written = this.#store
      .addJournalEntry(partnerId, { ...entry, instance: this.instance })
      .catch(() => undefined);
    if (this.#sinceTrim.size > 10_000) this.#sinceTrim.clear(); // a bound on what is counted, not on the journal
    const added = (this.#sinceTrim.get(partnerId) ?? 0) + 1;
    if (added >= TRIM_EVERY) {
      this.#sinceTrim.delete(partnerId);
      void written
        .then(() => this.#store.trimJournal(partnerId, this.#perPartner, Date.now() - this.#maxAgeMs))
        .catch(() => undefined);
    } else {
      this.#sinceTrim.set(partnerId, added);
    }
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, WRITE_WAIT_MS)));
    return Promise.race([written, waited]).finally(() => clearTimeout(timer));
  }

  /**
   * Newest first, among the partner's last entries and within the age limit, optionally by MS-RequestId or
   * MS-CorrelationId.
   */
  find(
    partnerId: string,
    query: { requestId?: string; correlationId?: string; limit?: number },
  ): Promise<JournalEntry[]> {
    return this.#store.journalEntries(partnerId, {
      window: this.#perPartner,
      since: Date.now() - this.#maxAgeMs,
      ...(query.requestId === undefined ? {} : { requestId: query.requestId }),
      ...(query.correlationId === undefined ? {} : { correlationId: query.correlationId }),
      limit: query.limit ?? 50,
    });
  }
}

/** Records each request of a known partner just before its answer is sent, or when its connection closes unanswered. */
export function journalRecorder(journal: RequestJournal): RequestHandler {
  return (req, res, next) => {
    let recorded = false;
    const entry = (answered: boolean): Omit<JournalEntry, 'instance'> => {
      const operationId = (req as Request & { openapi?: { schema?: { operationId?: string } } }).openapi?.schema
        ?.operationId;
      return {
        at: new Date().toISOString(),
        method: req.method,
        path: req.originalUrl.split('?')[0] ?? req.path,
        ...(operationId ? { operationId } : {}),
        status: answered ? res.statusCode : 0,
        requestId: String(res.getHeader('MS-RequestId') ?? ''),
        correlationId: String(res.getHeader('MS-CorrelationId') ?? ''),
        replayed: res.getHeader('Idempotent-Replayed') === 'true',
        ignoredProperties: res.locals.ignoredProperties ?? [],
        errorDetails: res.locals.errorDetails ?? [],
        ...(res.locals.forcedRule ? { forcedRule: res.locals.forcedRule } : {}),
        ...(res.locals.throttling ? { throttling: throttlingAnswered(res, answered) } : {}),
        ...(res.locals.wrote ? { wrote: res.locals.wrote } : {}),
      };
    };
    const end = res.end;
    // Every answer ends here (res.send and res.json call it): the status and headers are final.
    res.end = function (this: Response, ...args: unknown[]) {
      const partnerId = res.locals.caller?.partnerId;
      if (recorded || !partnerId) return end.apply(this, args as never);
      recorded = true;
      void journal.add(partnerId, entry(true)).then(() => end.apply(this, args as never));
      return this;
    } as Response['end'];
    res.on('close', () => {
      const partnerId = res.locals.caller?.partnerId;
      if (recorded || !partnerId) return;
      recorded = true;
      void journal.add(partnerId, entry(false));
    });
    next();
  };
}

/**
 * The throttling state as the answer told it. The limiter records the wait it chose (0 when it let the
 * request through), but a forced `429` is answered after it, with a `Retry-After` of its own: the
 * journal says what the client was told, the answer's `Retry-After`.
 */
function throttlingAnswered(res: Response, answered: boolean): NonNullable<Response['locals']['throttling']> {
  const state = res.locals.throttling!;
  const told = answered && res.statusCode === 429 ? Number(res.getHeader('Retry-After')) : Number.NaN;
  return Number.isInteger(told) && told >= 0 ? { ...state, retryAfterSeconds: told } : state;
}

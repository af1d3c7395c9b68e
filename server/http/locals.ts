// What the middleware leaves for later ones on `res.locals`, typed once for the whole server.
import type { Caller } from '../domain/carts.ts';

declare global {
  namespace Express {
    interface Locals {
      /** The verified caller; set by authenticate.ts on every /v1 request. */
      caller?: Caller;
      /** The MS-RequestId the client sent (absent when the server made one up): the idempotency key. */
      clientRequestId?: string;
      /** What the request reader ignored (request-reader.ts), for the answer header and the log line. */
      ignoredProperties?: string[];
      /** The same, each as an entry of an error's `data` (request-reader.ts), for any 400 answer (errors.ts). */
      ignoredEntries?: string[];
      /** A forced-answer rule said to drop this answer once the write committed (forced-answers.ts). */
      dropAnswer?: boolean;
      /** The id of the forced-answer rule applied to this request, for the log line and the journal. */
      forcedRule?: string;
      /** For the journal: an error's description and data, and the `self` link of what a write answered. */
      errorDetails?: string[];
      /** For the journal: the partner's throttling state as this request found it (rate-limit.ts). */
      throttling?: { limitPerMinute: number; remaining: number; retryAfterSeconds: number };
      wrote?: string;
    }
  }
}

export {};

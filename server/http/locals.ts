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
    }
  }
}

export {};

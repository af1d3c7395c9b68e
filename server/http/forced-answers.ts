// Applies the test controls' forced answers to a request of the Partner Center API, once the
// validator has matched it to an operation: a rule of the caller's (server/domain/forced-rules.ts,
// kept in the store), or, for this request alone, a `Prefer: code=<status>` header as mock servers
// take it. A forced status answers before anything is read or written; `dropAnswer` lets the write
// commit and closes the connection instead of answering (server/http/operations.ts).
import type { Request, RequestHandler } from 'express';
import { forcedEffectStatusValues } from '../../generated/sandbox-controls-types.ts';
import type { ForcedRules, ForcedEffect } from '../domain/forced-rules.ts';
import { ApiError, Codes } from './errors.ts';
import { ThrottledError } from './rate-limit.ts';

/** A request left unanswered (`timeout`) is closed after this long, so that nothing is held forever. */
const TIMEOUT_CLOSE_MS = 5 * 60_000;
type ForcedStatus = NonNullable<ForcedEffect['status']>;
/** The statuses `Prefer: code=` may ask for: those a rule may force (the controls' document). */
const PREFERRED_STATUSES: ReadonlySet<number> = new Set(forcedEffectStatusValues);

export function forcedAnswers(forced: ForcedRules): RequestHandler {
  return (req, res, next) => {
    const caller = res.locals.caller;
    const matched = (
      req as Request & { openapi?: { schema?: { operationId?: string }; pathParams?: Record<string, string> } }
    ).openapi;
    const operationId = matched?.schema?.operationId;
    if (!caller || !operationId) return next();
    const apply = (effect: ForcedEffect, ruleName: string): void => {
      res.locals.forcedRule = ruleName;
      switch (effect.type) {
        case 'status':
          return next(forcedError(effect));
        case 'latency':
          setTimeout(next, effect.ms ?? 0);
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'timeout':
          setTimeout(() => req.socket.destroy(), TIMEOUT_CLOSE_MS).unref();
          return;
        case 'dropAnswer':
          res.locals.dropAnswer = true;
          return next();
      }
    };
    const preferred = preferredStatus(req.get('prefer'));
    if (preferred) return apply({ type: 'status', status: preferred }, `Prefer: code=${preferred}`);
    // The rules are in the store, shared by every instance; a store that cannot answer fails the call
    // as any read of it would (503, or 409 when locked too long).
    forced
      .take(caller.partnerId, operationId, matched?.pathParams?.['customerId'])
      .then((taken) => (taken ? apply(taken.effect, taken.rule.id) : next()), next);
  };
}

/** `Prefer: code=429` (among other preferences, any case): a status the rules can force, else none. */
function preferredStatus(header: string | undefined): ForcedStatus | undefined {
  const code = Number(/(?:^|[,;\s])code=(\d{3})(?:$|[,;\s])/i.exec(header ?? '')?.[1]);
  return PREFERRED_STATUSES.has(code) ? (code as ForcedStatus) : undefined;
}

function forcedError(effect: ForcedEffect): Error {
  const why = 'forced by a sandbox test rule; nothing was changed';
  switch (effect.status) {
    case 429:
      return new ThrottledError(effect.retryAfterSeconds ?? 1);
    case 503:
      return new ApiError(
        503,
        503,
        `The service is temporarily unavailable (${why}). Retry after the seconds in Retry-After with the same MS-RequestId.`,
        [],
        effect.retryAfterSeconds ?? 1,
      );
    case 409:
      return new ApiError(
        409,
        Codes.cartBeingProcessed,
        `The cart is being processed by another request (${why}). Retry shortly with the same MS-RequestId.`,
      );
    default:
      return new ApiError(
        500,
        Codes.serviceException,
        `Unexpected service error (${why}). Retry the call with the same MS-RequestId.`,
      );
  }
}

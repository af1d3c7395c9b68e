// Authentication as a middleware: every /v1 call carries a bearer token, verified before anything
// else is read; the caller it names is left on res.locals for the rest of the request.
import type { RequestHandler } from 'express';
import type { Verifier } from '../auth.ts';

export function authenticate(verifier: Verifier): RequestHandler {
  return (req, res, next) => {
    verifier.verify(req.headers.authorization).then((principal) => {
      res.locals.caller = { partnerId: principal.partnerTenantId, userId: principal.userId };
      next();
    }, next);
  };
}

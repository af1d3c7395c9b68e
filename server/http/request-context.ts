// Partner Center's request headers: MS-RequestId and MS-CorrelationId echoed on every response (made
// up when absent), X-Locale echoed when sent; and one structured log line per request.
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

const PRINTABLE = /^[\x21-\x7E]{1,128}$/;

/** A header value to echo, or a new id when it is missing or not something we can safely echo. */
function idFrom(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value[0] : value;
  return text && PRINTABLE.test(text) ? text : randomUUID();
}

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = idFrom(req.headers['ms-requestid']);
    // Only an id the client chose can come again; the request log keys idempotent writes on it.
    if (requestId === req.headers['ms-requestid']) res.locals.clientRequestId = requestId;
    const correlationId = idFrom(req.headers['ms-correlationid']);
    res.setHeader('MS-RequestId', requestId);
    res.setHeader('MS-CorrelationId', correlationId);
    const locale = req.headers['x-locale'];
    if (typeof locale === 'string' && /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/.test(locale) && locale.length <= 35)
      res.setHeader('X-Locale', locale);
    res.on('finish', () => {
      logger.info(
        {
          method: req.method,
          // As the client sent it: under a mount (app.use('/sandbox', ...)) Express strips the prefix
          // from req.path until the request leaves it, and a control's answer is sent from inside.
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          requestId,
          correlationId,
          partnerId: res.locals.caller?.partnerId,
          ...(res.locals.ignoredProperties ? { ignoredProperties: res.locals.ignoredProperties } : {}),
          ...(res.locals.forcedRule ? { forcedRule: res.locals.forcedRule } : {}),
        },
        'request',
      );
    });
    next();
  };
}

// The HTTP server around the Express app, shared by `npm start` and the tests. Node answers some
// broken requests itself, before Express sees them (headers too large, a malformed request line, a
// request that took too long to arrive); those answers get Partner Center's error body too.
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { Express } from 'express';
import { ApiError, Codes, errorBody } from './errors.ts';

export interface HttpServerOptions {
  /** How long a client may take to send a whole request, in milliseconds. */
  requestTimeoutMs?: number;
}

/** What Node's HTTP parser refused, as the failure to answer with. */
function failureOf(error: NodeJS.ErrnoException): ApiError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 431, 'The request headers are larger than the server accepts (16 KiB in all).');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(408, 408, 'The request did not arrive in time.');
    default:
      return new ApiError(400, Codes.invalidInput, 'The request is not valid HTTP.');
  }
}

export function createHttpServer(app: Express, options: HttpServerOptions = {}): Server {
  const server = createServer(
    { ...(options.requestTimeoutMs ? { requestTimeout: options.requestTimeoutMs } : {}) },
    app,
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const failure = failureOf(error);
    const status = failure.status;
    const body = JSON.stringify(errorBody(failure));
    // The request's own ids could not be read, so the answer carries ids made up for it, as every answer does.
    const ids = `MS-RequestId: ${randomUUID()}\r\nMS-CorrelationId: ${randomUUID()}\r\n`;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${ids}Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

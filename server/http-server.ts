// The HTTP server around the Express app, shared by `npm start` and the tests. Node answers some
// broken requests itself, before Express sees them (headers too large, a malformed request line, a
// request that took too long to arrive); those answers get Partner Center's error body too.
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { ERROR_SOURCE } from './http/errors.ts';

export interface HttpServerOptions {
  /** How long a client may take to send a whole request, in milliseconds. */
  requestTimeoutMs?: number;
}

const CLIENT_ERRORS: Record<string, { status: number; reason: string; description: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, reason: 'Request Header Fields Too Large', description: 'The request headers are larger than the server accepts (16 KiB in all).' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', description: 'The request did not arrive in time.' },
};

export function createHttpServer(app: Express, options: HttpServerOptions = {}): Server {
  const server = createServer({ ...(options.requestTimeoutMs ? { requestTimeout: options.requestTimeoutMs } : {}) }, app);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const known = CLIENT_ERRORS[error.code ?? ''];
    const { status, reason, description } = known ?? { status: 400, reason: 'Bad Request', description: 'The request is not valid HTTP.' };
    const body = JSON.stringify({ code: status, description, data: [], source: ERROR_SOURCE });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

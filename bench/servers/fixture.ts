// The recorded answer of the reference server's GET cart that the limit servers replay: status,
// headers (without the ones Node's HTTP server adds itself: Date, Connection, Keep-Alive) and body.
import { readFileSync } from 'node:fs';

export interface RecordedResponse {
  status: number;
  /** [name, value] in the order the reference server sent them. */
  headers: [string, string][];
  /** The body, base64. */
  body: string;
}

/** Headers Node's HTTP server writes on its own; not replayed. */
export const NODE_OWN_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

export function readFixture(path: string | undefined): { status: number; headers: [string, string][]; body: Buffer } {
  if (!path)
    throw new Error('usage: node <limit server> <recorded response JSON> (PORT and HOST from the environment)');
  const recorded = JSON.parse(readFileSync(path, 'utf8')) as RecordedResponse;
  return { status: recorded.status, headers: recorded.headers, body: Buffer.from(recorded.body, 'base64') };
}

export function listenAddress(): { port: number; host: string } {
  return { port: Number(process.env['PORT'] ?? 0), host: process.env['HOST'] ?? '127.0.0.1' };
}

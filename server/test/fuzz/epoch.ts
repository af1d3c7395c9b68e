// One epoch of the fuzz: a fresh in-process reference server on its own database file, a digest of
// that file read through a second connection, and what the fuzz learnt from the server's answers (ids,
// representations, successful writes to retry). Also how a request goes on the wire to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseDigest } from '../db-digest.ts';
import { TestServer } from '../harness.ts';
import type { WireRequest } from './classify.ts';

/** Node's default limit on the request line and headers together. */
export const HEADER_LIMIT_BYTES = 16 * 1024;
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

/** A successful write and its answer, kept to retry it (same MS-RequestId) or to reuse its id. */
export interface StoredWrite {
  wire: WireRequest;
  reply: Reply;
  /** The body as the server reads it (see classify). */
  body: unknown;
}

/** One server and database, with what the fuzz learnt from its answers. */
export class Epoch {
  readonly server: TestServer;
  readonly digest: DatabaseDigest;
  readonly dir: string;
  readonly bindings: Record<string, string>[] = [];
  readonly representations = new Map<string, unknown>();
  lastDigest: string | undefined;
  /** Successful writes sent with an MS-RequestId, for retries. */
  readonly writes: StoredWrite[] = [];

  private constructor(dir: string, server: TestServer, digest: DatabaseDigest) {
    this.dir = dir;
    this.server = server;
    this.digest = digest;
  }

  static async start(): Promise<Epoch> {
    const dir = mkdtempSync(join(tmpdir(), 'cart-fuzz-'));
    const databasePath = join(dir, 'fuzz.db');
    const server = await new TestServer({ databasePath, bodyLimitBytes: BODY_LIMIT_BYTES }).start();
    return new Epoch(dir, server, new DatabaseDigest(databasePath));
  }

  async stop(): Promise<void> {
    this.digest.close();
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  rememberWrite(write: StoredWrite): void {
    this.writes.push(write);
    if (this.writes.length > 16) this.writes.shift();
  }

  remember(binding: Record<string, string>): void {
    const key = JSON.stringify(binding);
    const at = this.bindings.findIndex((b) => JSON.stringify(b) === key);
    if (at >= 0) this.bindings.splice(at, 1);
    this.bindings.push(binding);
    if (this.bindings.length > 64) this.bindings.shift();
  }
}

/** Sends one request to the epoch's server; an Error when no answer came. */
export async function send(epoch: Epoch, wire: WireRequest): Promise<Reply | Error> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(wire.headers)) headers.set(name, value);
  const noBody = wire.method === 'GET' || wire.method === 'HEAD';
  const init: RequestInit = { method: wire.method, headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) };
  if (wire.body !== undefined && !noBody)
    init.body = wire.headers['content-type'] === undefined ? Buffer.from(wire.body) : wire.body;
  try {
    const response = await fetch(`${epoch.server.baseUrl}${wire.path}`, init);
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // left as text: the oracle says whether that is allowed
    }
    return { status: response.status, headers: response.headers, text, body };
  } catch (error) {
    return error as Error;
  }
}

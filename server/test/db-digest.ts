// A digest of everything a SQLite database file holds, read through a second connection of its own:
// every table listed in sqlite_master (whatever tables the store has today or adds later), every row,
// the schema itself and PRAGMA user_version. Tests take one before and after a request that must not
// change anything; equal digests mean nothing was committed in between. The test controls' request
// journal is left out of the rows: it records every request by design (server/http/journal.ts), and
// is what happened to requests, not the state a request may change.
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';

/** Tables whose rows are no part of the state the digest compares. */
const NOT_STATE: ReadonlySet<string> = new Set(['sandbox_journal']);

export class DatabaseDigest {
  readonly #db: DatabaseSync;

  /** Opens `path` read-only; the server's own connection keeps writing (WAL lets both work at once). */
  constructor(path: string) {
    this.#db = new DatabaseSync(path, { readOnly: true });
  }

  /** A SHA-256 over the schema and every row of every table, independent of row order. */
  digest(): string {
    const hash = createHash('sha256');
    const version = this.#db.prepare('PRAGMA user_version').get() as { user_version: number };
    hash.update(`user_version=${version.user_version}\n`);
    const objects = this.#db
      .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
      .all() as {
      type: string;
      name: string;
      sql: string | null;
    }[];
    for (const object of objects) hash.update(`schema ${JSON.stringify(object)}\n`);
    for (const { name } of objects.filter((object) => object.type === 'table' && !NOT_STATE.has(object.name))) {
      const rows = this.#db.prepare(`SELECT * FROM "${name.replace(/"/g, '""')}"`).all();
      // Sorted, so that a different scan order of the same rows cannot change the digest.
      const lines = rows.map((row) => JSON.stringify(row, cellReplacer)).sort();
      hash.update(`table ${name} ${lines.length}\n`);
      for (const line of lines) hash.update(`${line}\n`);
    }
    return hash.digest('hex');
  }

  /** The number of rows of each table (for messages). */
  counts(): Record<string, number> {
    const tables = this.#db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        Number((this.#db.prepare(`SELECT COUNT(*) AS n FROM "${name.replace(/"/g, '""')}"`).get() as { n: number }).n),
      ]),
    );
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** Cells as JSON: blobs as hex, big integers as decimal text, and the type kept apart from the value. */
function cellReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { blob: Buffer.from(value).toString('hex') };
  if (typeof value === 'bigint') return { bigint: value.toString() };
  return value;
}

/** The number of rows of one table of the database file, read through a connection of its own. */
export function countRows(path: string, table: string): number {
  const digest = new DatabaseDigest(path);
  try {
    const count = digest.counts()[table];
    if (count === undefined) throw new Error(`no table ${table} in ${path}`); // a renamed table must not read as empty
    return count;
  } finally {
    digest.close();
  }
}

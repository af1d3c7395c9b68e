// Databases of an earlier schema, for the tests that a store upgrades one and keeps what it had: the
// first migrations of each store applied by hand, rows written as that schema held them, then the
// check that the store left the database at its current schema.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import * as postgres from '../store/postgres.ts';
import * as sqlite from '../store/sqlite.ts';
import { freshDatabaseUrl } from './postgres.ts';

/** A SQLite file in `dir` at schema `version`, with what `fill` writes; closed, for a store to open. */
export function oldSqliteFile(dir: string, version: number, fill: (db: DatabaseSync) => void): string {
  const path = join(dir, `v${version}.db`);
  const db = new DatabaseSync(path);
  try {
    db.exec(`${sqlite.MIGRATIONS.slice(0, version).join(';\n')}; PRAGMA user_version = ${version};`);
    fill(db);
  } finally {
    db.close();
  }
  return path;
}

/** The SQLite file is at the current schema and intact; `more` looks at it further before it is closed. */
export function assertSqliteCurrent(path: string, more: (db: DatabaseSync) => void = () => undefined): void {
  const db = new DatabaseSync(path);
  try {
    const { user_version } = db.prepare('PRAGMA user_version').get() as { user_version: number };
    assert.equal(Number(user_version), sqlite.SCHEMA_VERSION);
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    more(db);
  } finally {
    db.close();
  }
}

/** A new database of the test PostgreSQL at schema `version`, with what `fill` writes; its URL. */
export async function oldPostgresDatabase(
  version: number,
  fill: (client: pg.Client) => Promise<void>,
): Promise<string> {
  const url = await freshDatabaseUrl();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(postgres.MIGRATIONS.slice(0, version).join(';\n'));
    await client.query(
      'CREATE TABLE schema_version (one boolean PRIMARY KEY DEFAULT true CHECK (one), version integer NOT NULL)',
    );
    await client.query('INSERT INTO schema_version (version) VALUES ($1)', [version]);
    await fill(client);
  } finally {
    await client.end();
  }
  return url;
}

/** The PostgreSQL database is at the current schema. */
export async function assertPostgresCurrent(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    assert.deepEqual((await client.query('SELECT version FROM schema_version')).rows, [
      { version: postgres.SCHEMA_VERSION },
    ]);
  } finally {
    await client.end();
  }
}

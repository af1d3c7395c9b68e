// The store contract (store-contract.ts) on the embedded SQLite store, in memory and on a file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from './sqlite.ts';
import { describeStoreContract } from './store-contract.ts';

describeStoreContract('SQLite in memory', async () => new SqliteStore(':memory:'));

describe('on a file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  describeStoreContract('SQLite on a file', async () => new SqliteStore(join(dir, `store-${n++}.db`)));
});

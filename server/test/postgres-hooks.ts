// Mocha root hooks, loaded by .mocharc.json ("require"): when every test has run (in a parallel run,
// after each file of a worker), the test PostgreSQL (server/test/postgres.ts) this process started,
// if any, is stopped and its data removed; a worker's connection to the shared one is closed.
import { stopTestPostgres } from './postgres.ts';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopTestPostgres();
  },
};

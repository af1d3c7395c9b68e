// Mocha root hooks, loaded by .mocharc.json ("require"): when every test has run, the test run's
// PostgreSQL (server/test/postgres.ts), if a test started one, is stopped and its data removed.
import { stopTestPostgres } from './postgres.ts';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopTestPostgres();
  },
};

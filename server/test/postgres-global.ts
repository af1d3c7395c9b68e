// Mocha global fixtures for a parallel run (.mocharc.json loads this file): the test PostgreSQL is
// started once, in mocha's main process, before the worker processes are forked, and they share it
// (server/test/postgres.ts); it is stopped when every worker is done. Runs of single files without
// the configuration start one on first use instead (postgres-hooks.ts stops it).
import { startSharedTestPostgres, stopTestPostgres } from './postgres.ts';

export async function mochaGlobalSetup(): Promise<void> {
  await startSharedTestPostgres();
}

export async function mochaGlobalTeardown(): Promise<void> {
  await stopTestPostgres();
}

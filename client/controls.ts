// A typed client of the kit sandbox's test controls (openapi/sandbox-controls.yaml): the calling
// partner's virtual clock, forced answers, request journal, reset and snapshots. Not Partner Center's:
// only the sandbox answers these.
import createClient from 'openapi-fetch';
import type {
  operations,
  paths,
  SchemaSandboxClock as SandboxClock,
  SchemaResetResult as ResetResult,
  SchemaForcedRule as ForcedRule,
  SchemaJournalEntry as JournalEntry,
  SchemaSandboxSnapshot as SandboxSnapshot,
  SchemaForcedRuleRequest,
} from '../generated/sandbox-controls-types.ts';
import { createTransport, type TokenProvider } from './transport.ts';

export type { SandboxClock, ResetResult, ForcedRule, JournalEntry, SandboxSnapshot };

/** Which entries of the journal: by `MS-RequestId`, by `MS-CorrelationId`, how many (default 50). */
export type JournalQuery = NonNullable<operations['listSandboxJournal']['parameters']['query']>;
/** `times` has a default (1), so it may be left out. */
export type ForcedRuleRequest = Omit<SchemaForcedRuleRequest, 'times'> & { times?: number };

export interface SandboxControlsOptions {
  /** The sandbox, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** The same bearer token as the API calls: the controls act on its partner. */
  token?: TokenProvider;
  fetch?: (request: Request) => Promise<Response>;
}

export function createSandboxControls(options: SandboxControlsOptions) {
  const client = createClient<paths, 'application/json'>({
    baseUrl: options.baseUrl,
    fetch: createTransport({
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      retry: false,
    }),
  });
  return {
    getClock: () => client.GET('/sandbox/clock'),
    /** Moves the partner's clock forward: `P8D`, `PT15M`, `30s`, `8d`, ... */
    advanceClock: (by: string) => client.POST('/sandbox/clock/advance', { body: { by } }),
    /** Sets the partner's clock to a later time (an earlier one is refused: the clock moves forward only). */
    setClock: (now: Date | string) =>
      client.PUT('/sandbox/clock', { body: { now: typeof now === 'string' ? now : now.toISOString() } }),
    /**
     * Forces the answers of the partner's next calls of an operation (a status, a latency, a reset, a timeout, a
     * dropped answer).
     */
    createRule: (rule: ForcedRuleRequest) => client.POST('/sandbox/rules', { body: { times: 1, ...rule } }),
    listRules: () => client.GET('/sandbox/rules'),
    deleteRules: () => client.DELETE('/sandbox/rules'),
    /**
     * What happened to the partner's recent requests, newest first: the operation matched, the status,
     * the error's details, ignored properties, replay, throttling, the forced rule, what was written.
     * `listJournal({ requestId })` explains one call (the MS-RequestId its answer echoed).
     */
    listJournal: (query: JournalQuery = {}) => client.GET('/sandbox/journal', { params: { query } }),
    /** Deletes the partner's carts, orders, seats, recorded answers, rules, journal and clock; its snapshots stay. */
    reset: () => client.POST('/sandbox/reset'),
    /**
     * Saves the partner's carts, orders, seats, recorded answers and clock under `name` (1 to 64 letters,
     * digits, `.`, `_`, `-`), replacing its snapshot of that name: `201` when new, `200` when replaced.
     * At most 20 per partner.
     */
    saveSnapshot: (name: string) => client.PUT('/sandbox/snapshots/{name}', { params: { path: { name } } }),
    /** The partner's snapshots, by name. */
    listSnapshots: () => client.GET('/sandbox/snapshots'),
    /**
     * Puts the partner's carts, orders, seats, recorded answers and clock back as saved under `name`
     * (`404` for a name it never saved); its rules and journal stay as they are.
     */
    restoreSnapshot: (name: string) => client.POST('/sandbox/snapshots/{name}/restore', { params: { path: { name } } }),
    deleteSnapshot: (name: string) => client.DELETE('/sandbox/snapshots/{name}', { params: { path: { name } } }),
  };
}

// The thin handlers of the sandbox's test controls, typed from their own document
// (generated/sandbox-controls-types.ts): a missing one, or an answer that document does not allow,
// fails the type check.
import type { operations as ControlOperations } from '../../generated/sandbox-controls-types.ts';
import { parseDuration } from '../config-values.ts';
import type { SandboxControls } from '../domain/controls.ts';
import { DomainError } from '../domain/errors.ts';
import type { RequestJournal } from './journal.ts';
import type { HandlersOf } from './operations.ts';

export type ControlHandlers = HandlersOf<ControlOperations>;

export function controlHandlers(controls: SandboxControls, journal: RequestJournal): ControlHandlers {
  return {
    async listSandboxJournal({ caller, query }) {
      const items = await journal.find(caller.partnerId, {
        ...(query.requestId ? { requestId: query.requestId } : {}),
        ...(query.correlationId ? { correlationId: query.correlationId } : {}),
        ...(query.limit ? { limit: query.limit } : {}),
      });
      return { status: 200, body: { totalCount: items.length, items } };
    },

    async getSandboxClock({ caller }) {
      return { status: 200, body: await controls.clock(caller.partnerId) };
    },

    async setSandboxClock({ caller, body }) {
      return { status: 200, body: await controls.setClock(caller.partnerId, new Date(body.now)) };
    },

    async advanceSandboxClock({ caller, body }) {
      const ms = parseDuration(body.by);
      if (ms === undefined) {
        throw new DomainError('invalid-input', 'Invalid request input: 1 field is not valid.', [
          'body.by: expected an ISO 8601 duration without years or months (P8D, PT15M) or a number with a unit (30s, 15m, 8d)',
        ]);
      }
      return { status: 200, body: await controls.advanceClock(caller.partnerId, ms) };
    },

    async createSandboxRule({ caller, body }) {
      return { status: 201, body: await controls.addRule(caller.partnerId, body) };
    },

    async listSandboxRules({ caller }) {
      const items = await controls.rules(caller.partnerId);
      return { status: 200, body: { totalCount: items.length, items } };
    },

    async deleteSandboxRules({ caller }) {
      await controls.clearRules(caller.partnerId);
      return { status: 204, body: undefined };
    },

    async resetSandbox({ caller }) {
      // The rules and the journal go with the rest, in the store's one transaction; the snapshots stay.
      return { status: 200, body: await controls.reset(caller.partnerId) };
    },

    async saveSandboxSnapshot({ caller, path }) {
      const { snapshot, replaced } = await controls.saveSnapshot(caller.partnerId, path.name);
      return replaced ? { status: 200, body: snapshot } : { status: 201, body: snapshot };
    },

    async listSandboxSnapshots({ caller }) {
      const items = await controls.snapshots(caller.partnerId);
      return { status: 200, body: { totalCount: items.length, items } };
    },

    async restoreSandboxSnapshot({ caller, path }) {
      return { status: 200, body: await controls.restoreSnapshot(caller.partnerId, path.name) };
    },

    async deleteSandboxSnapshot({ caller, path }) {
      await controls.deleteSnapshot(caller.partnerId, path.name);
      return { status: 204, body: undefined };
    },
  };
}

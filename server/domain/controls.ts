// The sandbox's test controls (openapi/sandbox-controls.yaml): each partner's virtual clock, its
// forced-answer rules, the reset of its state and its snapshots, all kept in the store (so every
// instance on one database agrees). Every control acts on the calling partner alone. Knows nothing of
// HTTP.
import type { SchemaSandboxSnapshot as SandboxSnapshot } from '../../generated/sandbox-controls-types.ts';
import type { PartnerReset, SnapshotSummary, Store } from '../store/store.ts';
import type { VirtualClocks } from './clock.ts';
import type { ForcedRules, ForcedRule, ForcedRuleRequest } from './forced-rules.ts';
import { DomainError } from './errors.ts';

/** The longest step the clock takes at once: ten years, far beyond every lifetime the sandbox knows. */
export const MAX_CLOCK_STEP_MS = 3650 * 24 * 60 * 60 * 1000;

/** The most snapshots a partner keeps at once. */
export const MAX_SNAPSHOTS_PER_PARTNER = 20;

export type { SandboxSnapshot };

export interface ClockReading {
  now: string;
  realNow: string;
  offsetMs: number;
}

export class SandboxControls {
  readonly #store: Store;
  readonly #clocks: VirtualClocks;
  readonly forced: ForcedRules;

  constructor(store: Store, clocks: VirtualClocks, forced: ForcedRules) {
    this.#store = store;
    this.#clocks = clocks;
    this.forced = forced;
  }

  addRule(partnerId: string, request: ForcedRuleRequest): Promise<ForcedRule> {
    return this.forced.add(partnerId, request);
  }

  rules(partnerId: string): Promise<ForcedRule[]> {
    return this.forced.list(partnerId);
  }

  clearRules(partnerId: string): Promise<void> {
    return this.forced.clear(partnerId);
  }

  async clock(partnerId: string): Promise<ClockReading> {
    const { now, realNow, offsetMs } = await this.#clocks.read(partnerId);
    return { now: now.toISOString(), realNow: realNow.toISOString(), offsetMs };
  }

  async advanceClock(partnerId: string, byMs: number): Promise<ClockReading> {
    if (!(byMs > 0 && byMs <= MAX_CLOCK_STEP_MS)) {
      throw new DomainError(
        'invalid-input',
        'Invalid request input: the clock moves forward by more than 0 and at most 3650 days at a time.',
        ['body.by: must be more than 0 and at most 3650 days'],
      );
    }
    await this.#clocks.advance(partnerId, byMs);
    return this.clock(partnerId);
  }

  /** Sets the clock; a time earlier than the partner's now is refused (the clock moves forward only). */
  async setClock(partnerId: string, time: Date): Promise<ClockReading> {
    if (!(await this.#clocks.set(partnerId, time))) {
      const { now } = await this.#clocks.read(partnerId);
      throw new DomainError(
        'invalid-input',
        `Invalid request input: the clock moves forward only; the partner's time is ${now.toISOString()}.`,
        [`body.now: must not be earlier than ${now.toISOString()}`],
      );
    }
    return this.clock(partnerId);
  }

  /** The partner's stored state, its rules and its journal included, in one transaction; its snapshots stay. */
  reset(partnerId: string): Promise<PartnerReset> {
    return this.#store.resetPartner(partnerId);
  }

  /**
   * Saves the partner's carts, orders, seats, recorded answers and clock under `name` (the spec's
   * pattern has checked it), replacing its snapshot of that name; `replaced` says whether there was one.
   * A new name beyond MAX_SNAPSHOTS_PER_PARTNER is refused, as a rule beyond the rules' cap is.
   */
  async saveSnapshot(partnerId: string, name: string): Promise<{ snapshot: SandboxSnapshot; replaced: boolean }> {
    const { realNow } = await this.#clocks.read(partnerId);
    const saved = await this.#store.saveSnapshot(partnerId, name, realNow.getTime(), MAX_SNAPSHOTS_PER_PARTNER);
    if (!saved) {
      throw new DomainError(
        'invalid-input',
        `Invalid request input: a partner keeps at most ${MAX_SNAPSHOTS_PER_PARTNER} snapshots; delete one first, or save under a name already used.`,
        [`path.name: at most ${MAX_SNAPSHOTS_PER_PARTNER} snapshots per partner`],
      );
    }
    return { snapshot: shown(saved.snapshot), replaced: saved.replaced };
  }

  /** The partner's snapshots, by name. */
  async snapshots(partnerId: string): Promise<SandboxSnapshot[]> {
    return (await this.#store.listSnapshots(partnerId)).map(shown);
  }

  /**
   * Puts the partner's carts, orders, seats, recorded answers and clock offset back as the snapshot
   * has them, in one transaction; its rules and journal stay as they are.
   */
  async restoreSnapshot(partnerId: string, name: string): Promise<SandboxSnapshot> {
    const restored = await this.#store.restoreSnapshot(partnerId, name);
    if (!restored) throw notFound(name);
    return shown(restored);
  }

  async deleteSnapshot(partnerId: string, name: string): Promise<void> {
    if (!(await this.#store.deleteSnapshot(partnerId, name))) throw notFound(name);
  }
}

/** A snapshot as the controls show it: the partner's time when saved, rather than its clock's offset. */
function shown(snapshot: SnapshotSummary): SandboxSnapshot {
  return {
    name: snapshot.name,
    savedAt: new Date(snapshot.savedAt).toISOString(),
    clock: new Date(snapshot.savedAt + snapshot.clockOffsetMs).toISOString(),
    carts: snapshot.carts,
    orders: snapshot.orders,
  };
}

function notFound(name: string): DomainError {
  return new DomainError('snapshot-not-found', `The partner has no snapshot named ${name}.`);
}

// The sandbox's test controls (openapi/sandbox-controls.yaml): each partner's virtual clock, its
// forced-answer rules and the reset of its state, all kept in the store (so every instance on one
// database agrees). Every control acts on the calling partner alone. Knows nothing of HTTP.
import type { PartnerReset, Store } from '../store/store.ts';
import type { VirtualClocks } from './clock.ts';
import type { ForcedRules, ForcedRule, ForcedRuleRequest } from './forced-rules.ts';
import { DomainError } from './errors.ts';

/** The longest step the clock takes at once: ten years, far beyond every lifetime the sandbox knows. */
export const MAX_CLOCK_STEP_MS = 3650 * 24 * 60 * 60 * 1000;

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

  /** The partner's stored state, its rules and its journal included, in one transaction. */
  reset(partnerId: string): Promise<PartnerReset> {
    return this.#store.resetPartner(partnerId);
  }
}

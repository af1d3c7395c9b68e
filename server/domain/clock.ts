// The one source of time of the domain: cart expiry, provisioning, cancellation windows and recorded
// answers all read it, so that a test can drive time instead of waiting for it.
//
// `Clock` is the machine's time (or a test's). `PartnerClock` is time as one partner sees it: with the
// test controls on, each partner has a virtual clock, kept in the store as an offset from the machine's
// time, so that every instance on one database agrees and a restart keeps it. It only moves forward.
import type { Store } from '../store/store.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface PartnerClock {
  now(partnerId: string): Promise<Date>;
}

/** Every partner on the base clock (the test controls are off: no clock can move). */
export function sharedClock(base: Clock): PartnerClock {
  return { now: async () => base.now() };
}

/** Each partner's virtual clock: the base clock plus the partner's stored offset. */
export class VirtualClocks implements PartnerClock {
  readonly #store: Store;
  readonly #base: Clock;

  constructor(store: Store, base: Clock = systemClock) {
    this.#store = store;
    this.#base = base;
  }

  async now(partnerId: string): Promise<Date> {
    return new Date(this.#base.now().getTime() + (await this.#store.clockOffset(partnerId)));
  }

  /** The partner's time and how far it is ahead of the base clock. */
  async read(partnerId: string): Promise<{ now: Date; realNow: Date; offsetMs: number }> {
    const realNow = this.#base.now();
    const offsetMs = await this.#store.clockOffset(partnerId);
    return { now: new Date(realNow.getTime() + offsetMs), realNow, offsetMs };
  }

  /** Moves the partner's clock forward by `ms` (more than 0). */
  async advance(partnerId: string, ms: number): Promise<void> {
    await this.#store.advanceClockOffset(partnerId, ms);
  }

  /**
   * Sets the partner's clock to `time`, which may not be earlier than the partner's time now: what is
   * stored (cart expiry, provisioning times, recorded answers) was written on that clock, and a clock
   * going back would make it lie in the future. Returns false, changing nothing, when `time` is earlier.
   */
  async set(partnerId: string, time: Date): Promise<boolean> {
    const offset = time.getTime() - this.#base.now().getTime();
    // A partner whose clock never moved has offset 0, so a time before real time is earlier too.
    return offset >= 0 && this.#store.raiseClockOffset(partnerId, offset);
  }
}

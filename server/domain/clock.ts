// The one source of time of the domain: cart expiry, timestamps and everything time-based read it, so
// that a test (or, later, a per-partner virtual clock) can drive time instead of waiting for it.
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

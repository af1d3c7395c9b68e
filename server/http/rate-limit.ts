// Per-partner throttling, as Partner Center throttles per tenant: a token bucket for each partner
// that holds a minute's worth of requests and refills continuously. An empty bucket answers 429 with
// Retry-After and Partner Center's throttling body (server/http/errors.ts writes it).
import type { RequestHandler } from 'express';

/** Thrown for a throttled call; the error formatter turns it into the 429 answer. */
export class ThrottledError extends Error {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super(`Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.`);
    this.name = 'ThrottledError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets of partners idle long enough to be full again are dropped once there are this many. */
const SWEEP_ABOVE = 10_000;

export class RateLimiter {
  readonly #capacity: number;
  readonly #refillPerMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  /** `perMinute` requests a minute per partner, in bursts of up to a minute's worth. */
  constructor(perMinute: number, now: () => number = Date.now) {
    this.#capacity = perMinute;
    this.#refillPerMs = perMinute / 60_000;
    this.#now = now;
  }

  /** Requests a minute, and how many the partner may still send at once (after its last take). */
  state(partnerId: string): { limitPerMinute: number; remaining: number } {
    return {
      limitPerMinute: this.#capacity,
      remaining: Math.floor(this.#buckets.get(partnerId)?.tokens ?? this.#capacity),
    };
  }

  /** Takes one request from the partner's bucket; returns 0 when allowed, else the seconds to wait. */
  take(partnerId: string): number {
    const now = this.#now();
    const bucket = this.#buckets.get(partnerId) ?? { tokens: this.#capacity, updatedAt: now };
    bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.updatedAt) * this.#refillPerMs);
    bucket.updatedAt = now;
    if (!this.#buckets.has(partnerId)) {
      if (this.#buckets.size >= SWEEP_ABOVE) this.#sweep(now);
      this.#buckets.set(partnerId, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#refillPerMs / 1000));
  }

  #sweep(now: number): void {
    for (const [partnerId, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * this.#refillPerMs >= this.#capacity)
        this.#buckets.delete(partnerId);
    }
  }
}

/** Express middleware: throttles the authenticated partner (res.locals.caller). */
export function rateLimit(limiter: RateLimiter): RequestHandler {
  return (_req, res, next) => {
    const partnerId = res.locals.caller?.partnerId;
    const wait = partnerId ? limiter.take(partnerId) : 0;
    if (partnerId) res.locals.throttling = { ...limiter.state(partnerId), retryAfterSeconds: wait };
    next(wait > 0 ? new ThrottledError(wait) : undefined);
  };
}

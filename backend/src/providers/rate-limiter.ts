import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A token bucket: up to `perSecond` calls a second with bursts of at most `burst`.
 * `pauseFor` honours a server's Retry-After: nobody gets a token until it has passed.
 * A rate of 0 turns the limit off; pauses still apply.
 */
export class RateLimiter {
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number = Math.max(1, perSecond),
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.refilledAt = now();
  }

  /** Milliseconds until a token is free, taking it if it is free now. */
  tryTake(): number {
    const now = this.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    if (this.perSecond <= 0) return 0;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }

  /** Waits for a token; rejects when `signal` aborts first. */
  async take(signal?: AbortSignal): Promise<void> {
    for (let wait = this.tryTake(); wait > 0; wait = this.tryTake()) {
      await sleep(wait, undefined, { signal });
    }
  }

  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}

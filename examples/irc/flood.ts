/**
 * The per-client flood limit: a token bucket over received lines.
 */

/**
 * A token bucket: holds up to `burst` tokens, refilled at `perSecond`
 * tokens a second; each line takes one. A client may send `burst` lines at
 * once, then `perSecond` lines a second for as long as it likes.
 */
/** The default clock, one function for every bucket (not a closure apiece). */
function monotonicNow(): number {
  return performance.now();
}

export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /**
   * @param burst most tokens held (lines accepted at once), at least 1
   * @param perSecond tokens added per second, more than 0
   * @param now the clock in milliseconds (tests may pass their own)
   */
  constructor(burst: number, perSecond: number, now: () => number = monotonicNow) {
    if (!(burst >= 1)) throw new RangeError(`burst must be a number >= 1, got ${String(burst)}`);
    if (!(perSecond > 0)) throw new RangeError(`perSecond must be a number > 0, got ${String(perSecond)}`);
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes one token; false (and nothing taken) when the bucket is empty. */
  take(): boolean {
    const now = this.#now();
    const tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (tokens < 1) {
      this.#tokens = tokens;
      return false;
    }
    this.#tokens = tokens - 1;
    return true;
  }
}

/**
 * Server-side PING/PONG: find out that a quiet client is gone.
 */

/** What a {@link KeepAlive} does and when. */
export interface KeepAliveOptions {
  /** Milliseconds of silence from the client before it is sent a PING. */
  interval: number;
  /** Milliseconds it then has to send anything (its PONG) before it is dropped. */
  timeout: number;
  /** Sends the PING. */
  ping(): void;
  /** Drops the client: it did not answer in time. */
  expire(): void;
}

/**
 * Watches a client's traffic. {@link touch} is called for every line it
 * sends (it costs one clock read); a single timer wakes up at most once per
 * interval, pings a client that has been silent for the whole interval, and
 * expires it if it is still silent `timeout` ms after the PING.
 */
export class KeepAlive {
  readonly #options: KeepAliveOptions;
  #timer: NodeJS.Timeout | null = null;
  #lastSeen = 0;
  /** When the unanswered PING was sent, or -1. */
  #pingedAt = -1;

  /** @param options intervals and actions, see {@link KeepAliveOptions} */
  constructor(options: KeepAliveOptions) {
    this.#options = options;
  }

  /** Starts watching (the client counts as just seen). */
  start(): void {
    this.#lastSeen = performance.now();
    this.#schedule(this.#options.interval);
  }

  /** The client sent something. */
  touch(): void {
    this.#lastSeen = performance.now();
  }

  /** Stops watching; idempotent. */
  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => this.#wake(), Math.max(1, delay));
    this.#timer.unref();
  }

  #wake(): void {
    this.#timer = null;
    const now = performance.now();
    const { interval, timeout } = this.#options;
    if (this.#pingedAt >= 0) {
      if (this.#lastSeen <= this.#pingedAt) {
        this.#options.expire();
        return;
      }
      this.#pingedAt = -1;
    }
    const quiet = now - this.#lastSeen;
    if (quiet < interval) {
      this.#schedule(interval - quiet);
      return;
    }
    this.#pingedAt = now;
    this.#options.ping();
    this.#schedule(timeout);
  }
}

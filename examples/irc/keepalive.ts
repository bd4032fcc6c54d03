/**
 * Server-side PING/PONG: find out that a quiet client is gone.
 */

/**
 * What a {@link KeepAlive} watches for and acts on: the connection itself,
 * so that a watched connection costs no closures or options object of its
 * own (a server holds tens of thousands of them).
 */
export interface KeepAliveOwner {
  /** Milliseconds of silence from the client before it is sent a PING. */
  readonly pingInterval: number;
  /** Milliseconds it then has to send anything (its PONG) before it is dropped. */
  readonly pingTimeout: number;
  /** Sends the PING. */
  keepAlivePing(): void;
  /** Drops the client: it did not answer in time. */
  keepAliveExpired(): void;
}

/**
 * Watches a client's traffic. {@link touch} is called for every line it
 * sends (it costs one clock read); a single timer wakes up at most once per
 * interval, pings a client that has been silent for the whole interval, and
 * expires it if it is still silent `timeout` ms after the PING.
 */
export class KeepAlive {
  readonly #owner: KeepAliveOwner;
  #timer: NodeJS.Timeout | null = null;
  #lastSeen = 0;
  /** When the unanswered PING was sent, or -1. */
  #pingedAt = -1;

  /** @param owner intervals and actions, see {@link KeepAliveOwner} */
  constructor(owner: KeepAliveOwner) {
    this.#owner = owner;
  }

  /** Starts watching (the client counts as just seen). */
  start(): void {
    this.#lastSeen = performance.now();
    this.#schedule(this.#owner.pingInterval);
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
    const owner = this.#owner;
    const interval = owner.pingInterval;
    if (this.#pingedAt >= 0) {
      if (this.#lastSeen <= this.#pingedAt) {
        owner.keepAliveExpired();
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
    owner.keepAlivePing();
    this.#schedule(owner.pingTimeout);
  }
}

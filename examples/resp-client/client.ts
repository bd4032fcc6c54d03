/**
 * RespClient: a Redis (RESP2) client on a declarative protocol. Commands
 * issued in one tick leave in one write (the channel joins what is pushed
 * in a tick), replies are matched to commands in order, and a dropped
 * connection is re-established with backoff while new commands wait in a
 * bounded queue.
 */

import { EventEmitter } from "eventemitter3";
import { connect } from "@asynchat/core";
import { type CommandArgument, type EncodedCommand, encodeCommand } from "./encode";
import { type ReplyValue, ReplyError, RespClientError, RespClientErrorCode } from "./errors";
import { type ResolvedOptions, type RespClientOptions, resolveOptions } from "./options";
import { ReplyReader } from "./reply-reader";

/** Events of a {@link RespClient}. */
export interface RespClientEvents {
  /** A connection is established (the first, and each reconnection). */
  connect: [];
  /** The connection dropped; the client will try again after `delay` ms (attempt `attempt`). */
  reconnecting: [info: { attempt: number; delay: number; error: Error | null }];
  /** A connection failed or dropped with this error (informational: the client deals with it). */
  error: [error: Error];
  /** The client is closed for good: after `close()`, or after giving up reconnecting. */
  close: [];
}

/** A command waiting for its reply. */
interface Pending {
  resolve: (value: ReplyValue) => void;
  reject: (error: Error) => void;
}

/** A command issued while reconnecting, to be sent once connected. */
interface Queued extends Pending {
  encoded: EncodedCommand;
}

const OPEN = 0;
const RECONNECTING = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * A Redis client. `await RespClient.connect({ port, host })`, then
 * `await client.command("SET", "key", "value")`.
 *
 * - Replies: simple string → `string`, bulk string → `Buffer` (or `null`),
 *   integer → `number`, array → array (nested as sent, a null array →
 *   `null`); an error reply rejects with a {@link ReplyError} carrying the
 *   server's text (inside an array it is an element instead).
 * - Pipelining is automatic: the commands issued in one tick are gathered
 *   and pushed as one string (or one Buffer when some argument is bytes),
 *   so they leave in one write; replies are matched to them in order.
 * - When the connection drops, every command sent on it whose reply had
 *   not arrived is rejected with `ERR_CONNECTION_LOST` (it may or may not
 *   have run; it is not sent again). The client reconnects with backoff
 *   (`reconnect` option); commands issued meanwhile wait, at most
 *   `maxQueue` of them (then `ERR_QUEUE_FULL`), and are sent in order once
 *   connected. After `maxAttempts` failed attempts the waiting commands are
 *   rejected with `ERR_CONNECTION_FAILED` and the client closes.
 * - `close()` lets the replies in flight arrive, then closes; `destroy()`
 *   closes at once and rejects them with `ERR_CLIENT_CLOSED`.
 */
export class RespClient extends EventEmitter<RespClientEvents> {
  readonly #options: ResolvedOptions;
  #reader: ReplyReader | null = null;
  #state = OPEN;
  /** Commands sent on the current connection, oldest first (from `#head`). */
  #inFlight: Pending[] = [];
  #head = 0;
  /** Commands issued while reconnecting. */
  #queue: Queued[] = [];
  /** This tick's commands, not yet pushed: all text so far, or pieces once bytes came. */
  #batchText = "";
  #batchPieces: Array<string | Uint8Array> | null = null;
  #flushQueued = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed: Promise<void>;
  #markClosed!: () => void;

  private constructor(options: ResolvedOptions) {
    super();
    this.#options = options;
    this.#closed = new Promise((resolve) => (this.#markClosed = resolve));
  }

  /**
   * Connects to a Redis server (or anything speaking RESP2) and resolves
   * with the client once connected; rejects if that first connection fails.
   */
  static async connect(options: RespClientOptions): Promise<RespClient> {
    const client = new RespClient(resolveOptions(options));
    await client.#open();
    return client;
  }

  /** Commands sent whose replies have not arrived yet. */
  get inFlight(): number {
    return this.#inFlight.length - this.#head;
  }

  /** Commands waiting for a reconnection. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Whether the client is connected now. */
  get connected(): boolean {
    return this.#state === OPEN && this.#reader !== null;
  }

  /**
   * Sends a command; resolves with its reply, or rejects with a
   * {@link ReplyError} (the server's error reply) or a `RespClientError`.
   * Arguments: strings (UTF-8), finite numbers, or bytes.
   */
  command(...args: CommandArgument[]): Promise<ReplyValue> {
    let encoded: EncodedCommand;
    try {
      if (args.length === 0) throw Object.assign(new TypeError("A command needs at least its name"), { code: "ERR_INVALID_ARG_VALUE" });
      encoded = encodeCommand(args);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<ReplyValue>((resolve, reject) => {
      if (this.#state === OPEN && this.#reader !== null) {
        this.#send(encoded);
        this.#inFlight.push({ resolve, reject });
        return;
      }
      if (this.#state === RECONNECTING) {
        if (this.#queue.length >= this.#options.maxQueue) {
          reject(new RespClientError(RespClientErrorCode.QUEUE_FULL, `${this.#queue.length} commands already wait for the reconnection (maxQueue)`));
          return;
        }
        this.#queue.push({ resolve, reject, encoded });
        return;
      }
      reject(new RespClientError(RespClientErrorCode.CLIENT_CLOSED, "The client is closed or closing"));
    });
  }

  /**
   * Closes the client: no new commands; the replies in flight still arrive
   * (and settle their commands), then the connection is closed. Commands
   * waiting for a reconnection are rejected with `ERR_CLIENT_CLOSED`.
   * Resolves once closed.
   */
  close(): Promise<void> {
    if (this.#state === CLOSED || this.#state === CLOSING) return this.#closed;
    const reader = this.#state === OPEN ? this.#reader : null;
    this.#state = CLOSING;
    this.#stopTimer();
    this.#rejectQueue(RespClientErrorCode.CLIENT_CLOSED, "The client was closed before the reconnection");
    if (reader === null) this.#finish();
    else if (this.inFlight === 0) reader.closeWhenDone();
    return this.#closed;
  }

  /** Closes at once: commands in flight or waiting are rejected with `ERR_CLIENT_CLOSED`. */
  destroy(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSING;
    this.#stopTimer();
    this.#rejectQueue(RespClientErrorCode.CLIENT_CLOSED, "The client was destroyed");
    this.#rejectInFlight(RespClientErrorCode.CLIENT_CLOSED, "The client was destroyed before the reply arrived");
    const reader = this.#reader;
    if (reader === null) this.#finish();
    else reader.destroy();
  }

  /** A reply arrived: it settles the oldest command in flight. */
  #reply(value: ReplyValue): void {
    const pending = this.#inFlight[this.#head];
    if (pending === undefined) {
      this.#reader?.destroy(); // a reply nobody asked for: the stream is out of step
      return;
    }
    this.#inFlight[this.#head] = undefined as unknown as Pending;
    if (++this.#head === this.#inFlight.length) {
      this.#inFlight = [];
      this.#head = 0;
      if (this.#state === CLOSING) this.#reader?.closeWhenDone();
    } else if (this.#head >= 4096 && this.#head * 2 >= this.#inFlight.length) {
      this.#inFlight = this.#inFlight.slice(this.#head);
      this.#head = 0;
    }
    if (value instanceof ReplyError) pending.reject(value);
    else pending.resolve(value);
  }

  /** Adds a command to this tick's batch, which leaves as one push (one write) at the end of the tick. */
  #send(encoded: EncodedCommand): void {
    if (typeof encoded === "string") {
      if (this.#batchPieces === null) this.#batchText += encoded;
      else this.#batchPieces.push(encoded);
    } else {
      if (this.#batchPieces === null) {
        this.#batchPieces = this.#batchText.length > 0 ? [this.#batchText] : [];
        this.#batchText = "";
      }
      for (const piece of encoded) this.#batchPieces.push(piece);
    }
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flush);
    }
  }

  /** Pushes the tick's batch as one string, or (with bytes among it) one Buffer. */
  readonly #flush = (): void => {
    this.#flushQueued = false;
    const reader = this.#reader;
    const text = this.#batchText;
    const pieces = this.#batchPieces;
    this.#batchText = "";
    this.#batchPieces = null;
    if (reader === null) return; // dropped meanwhile: its commands were rejected with it
    if (pieces === null) {
      if (text.length > 0) reader.push(text);
      return;
    }
    reader.push(Buffer.concat(pieces.map((piece) => (typeof piece === "string" ? Buffer.from(piece, "utf8") : piece))));
  };

  async #open(): Promise<void> {
    const { port, host, connectTimeout } = this.#options;
    const sink = { reply: (value: ReplyValue): void => this.#reply(value) };
    const reader = await connect((socket) => new ReplyReader(socket, sink), { port, host, timeout: connectTimeout });
    if (this.#state === CLOSING || this.#state === CLOSED) {
      reader.destroy();
      return;
    }
    this.#reader = reader;
    this.#state = OPEN;
    this.#attempt = 0;
    let failure: Error | null = null;
    reader.on("error", (error) => {
      failure = error;
      this.emit("error", error);
    });
    reader.once("close", () => this.#dropped(reader, failure));
    const queue = this.#queue;
    this.#queue = [];
    for (const { encoded, resolve, reject } of queue) {
      this.#send(encoded);
      this.#inFlight.push({ resolve, reject });
    }
    this.emit("connect");
  }

  /** The connection closed: settle what was on it, then reconnect or finish. */
  #dropped(reader: ReplyReader, failure: Error | null): void {
    if (this.#reader !== reader) return;
    this.#reader = null;
    this.#batchText = "";
    this.#batchPieces = null;
    const why = failure === null ? "the connection closed" : `the connection failed: ${failure.message}`;
    this.#rejectInFlight(RespClientErrorCode.CONNECTION_LOST, `The reply did not arrive: ${why}`, failure);
    if (this.#state !== OPEN || this.#options.reconnect === false) {
      this.#finish();
      return;
    }
    this.#state = RECONNECTING;
    this.#schedule(failure);
  }

  #schedule(error: Error | null): void {
    const reconnect = this.#options.reconnect;
    if (reconnect === false) return;
    if (this.#attempt >= reconnect.maxAttempts) {
      this.#rejectQueue(RespClientErrorCode.CONNECTION_FAILED, `Could not reconnect after ${this.#attempt} attempts${error ? `: ${error.message}` : ""}`);
      this.#finish();
      return;
    }
    const delay = Math.min(reconnect.maxDelay, reconnect.initialDelay * 2 ** this.#attempt);
    this.#attempt++;
    this.emit("reconnecting", { attempt: this.#attempt, delay, error });
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#open().catch((failure: Error) => {
        if (this.#state !== RECONNECTING) return;
        this.emit("error", failure);
        this.#schedule(failure);
      });
    }, delay);
  }

  #rejectInFlight(code: RespClientErrorCode, message: string, cause?: Error | null): void {
    const pending = this.#inFlight;
    const head = this.#head;
    this.#inFlight = [];
    this.#head = 0;
    for (let i = head; i < pending.length; i++) pending[i]!.reject(new RespClientError(code, message, cause ? { cause } : undefined));
  }

  #rejectQueue(code: RespClientErrorCode, message: string): void {
    const queue = this.#queue;
    this.#queue = [];
    for (const { reject } of queue) reject(new RespClientError(code, message));
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #finish(): void {
    if (this.#state === CLOSED) return;
    this.#state = CLOSED;
    this.#stopTimer();
    this.#markClosed();
    this.emit("close");
  }
}

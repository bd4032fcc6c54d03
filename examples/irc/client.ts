/**
 * A client as the network sees it: who it is, where it is, and a way to send
 * it lines. It knows nothing about sockets; its connection is a
 * {@link Transport}.
 */

import type { Channel } from "./channel";
import { MAX_LINE_CONTENT, formatMessage } from "./message";

/** What a client's connection offers it: an `AsyncChat` is one. */
export interface Transport {
  /** Queue output. */
  push(data: string | Uint8Array): void;
  /**
   * Sends a last line after everything queued, then ends the connection
   * gracefully: half-closes it once the line has left and drops whatever the
   * peer still sends until it closes too (a lingering close, so a peer that
   * is still sending gets the line instead of a reset). {@link close} ends it
   * at once.
   */
  hangUp(lastLine: string): void;
  /** Close now, dropping queued output. */
  close(): void;
  /** Bytes queued and not yet taken by the peer. */
  readonly queuedOutput: number;
  /** Whether it is closing or closed (nothing more can be queued). */
  readonly closing: boolean;
}

/** How a {@link Client} is made. */
export interface ClientOptions {
  /** Its address, shown in its prefix. */
  host: string;
  /** The source of numerics sent to it. */
  serverName: string;
  /** Bytes of unsent output past which `onSendQueueExceeded` is called (once). */
  maxSendQueue: number;
  /**
   * Milliseconds {@link Client.disconnect} waits for the last output (the
   * ERROR line) to leave before it closes anyway: a peer that has stopped
   * reading must not keep its connection open.
   */
  closeTimeout: number;
  /** Drops the client; called after the send that passed the limit has returned. */
  onSendQueueExceeded(client: Client): void;
  /** Its id, unique on the network (default: one made here). */
  id?: string;
  /** The node it is connected to, for a client of another server of the network (default: null, this one). */
  node?: string | null;
  /** While `muted` is true nothing is sent to it (a network replaying another server's changes). */
  gate?: { readonly muted: boolean };
}

let lastId = 0;

/** What {@link Client.channels} is for a client on no channel yet: one shared empty set. */
const NO_CHANNELS: ReadonlySet<Channel> = new Set();

/** One connection's user: nickname, ident, channels, and its output. */
export class Client {
  /** The nickname as the client chose it, or null before NICK. */
  nick: string | null = null;
  /** The user name from USER (prefixed `~`: it is not checked with ident), or null before USER. */
  username: string | null = null;
  /** The real name from USER. */
  realname = "";
  /** What PASS said, or null. */
  password: string | null = null;
  /** Whether registration has completed (001 was sent). */
  registered = false;
  /** The away message (AWAY), or null when it is here. */
  away: string | null = null;
  /** User mode `+i`: hidden from WHO by mask to those who share no channel with it. */
  invisible = false;
  /** A `CAP LS`/`CAP REQ` holds registration back until `CAP END`. */
  capNegotiating = false;
  /** The channels it is on; made on its first JOIN (most of a big server's clients sit on none while they register). */
  #channels: Set<Channel> | null = null;
  /** Whether it has left the network (QUIT, error or closed connection): nothing more is sent to it. */
  gone = false;

  readonly #transport: Transport;
  readonly #serverName: string;
  readonly #maxSendQueue: number;
  readonly #closeTimeout: number;
  readonly #onSendQueueExceeded: (client: Client) => void;
  #overflowing = false;

  /** Its address, shown in its prefix. */
  readonly host: string;
  /** Its id, unique on the network. */
  readonly id: string;
  /** The node of the network it is connected to, or null for this server. */
  readonly node: string | null;
  readonly #gate: { readonly muted: boolean } | null;

  /**
   * @param transport its connection
   * @param options who it is and its output limits, see {@link ClientOptions}
   */
  constructor(transport: Transport, options: ClientOptions) {
    this.#transport = transport;
    this.host = options.host;
    this.#serverName = options.serverName;
    this.#maxSendQueue = options.maxSendQueue;
    this.#closeTimeout = options.closeTimeout;
    this.#onSendQueueExceeded = options.onSendQueueExceeded;
    this.id = options.id ?? `c${++lastId}`;
    this.node = options.node ?? null;
    this.#gate = options.gate ?? null;
  }

  /** The channels it is on (the network changes them through {@link entered} and {@link left}). */
  get channels(): ReadonlySet<Channel> {
    return this.#channels ?? NO_CHANNELS;
  }

  /** Records that it is on `channel` (the network's JOIN). */
  entered(channel: Channel): void {
    (this.#channels ??= new Set()).add(channel);
  }

  /** Records that it is no longer on `channel` (the network's PART, KICK, QUIT). */
  left(channel: Channel): void {
    this.#channels?.delete(channel);
  }

  /** `nick!user@host`, the source of what it says. */
  get prefix(): string {
    return `${this.nick ?? "*"}!${this.username ?? "*"}@${this.host}`;
  }

  /** The server it is connected to (WHOIS 312, WHO): this one's name, or another node's. */
  get server(): string {
    return this.#serverName;
  }

  /** The server numerics sent to it come from. */
  get serverName(): string {
    return this.#serverName;
  }

  /** Its nickname, or `*` before it has one (the first parameter of numerics). */
  get name(): string {
    return this.nick ?? "*";
  }

  /**
   * Sends a formatted line (see `formatMessage`), or the same bytes shared
   * between many clients. Nothing is sent once it is gone; a client whose
   * unread output passes the send queue limit is dropped.
   */
  send(line: string | Uint8Array): void {
    if (this.gone || this.#overflowing || this.#gate?.muted === true) return;
    this.#transport.push(line);
    if (this.#transport.queuedOutput > this.#maxSendQueue) {
      this.#overflowing = true;
      // Not now: the sender may be walking a channel's member list.
      queueMicrotask(() => this.#onSendQueueExceeded(this));
    }
  }

  /**
   * Sends a numeric reply from the server, `:server code nick params... :text`:
   * the last argument is its text, always written as a trailing parameter.
   */
  reply(code: string, ...params: string[]): void {
    const text = params.pop();
    this.send(formatMessage(this.#serverName, code, [this.name, ...params], text));
  }

  /** Sends a numeric reply made only of words, `:server code nick words...` (e.g. 324 `#chan +nt`). */
  replyWords(code: string, ...params: string[]): void {
    this.send(formatMessage(this.#serverName, code, [this.name, ...params]));
  }

  /**
   * Sends a numeric whose last parameter is a space-separated list (353
   * names, 319 channels), on as many lines as it takes to keep each within
   * the line length.
   */
  replyList(code: string, params: readonly string[], items: readonly string[]): void {
    const head = `:${this.#serverName} ${code} ${this.name} ${params.join(" ")} :`;
    const room = MAX_LINE_CONTENT - Buffer.byteLength(head);
    let list = "";
    let bytes = 0;
    for (const item of items) {
      const size = Buffer.byteLength(item);
      if (bytes > 0 && bytes + 1 + size > room) {
        this.reply(code, ...params, list);
        list = "";
        bytes = 0;
      }
      list = bytes === 0 ? item : `${list} ${item}`;
      bytes += bytes === 0 ? size : size + 1;
    }
    if (bytes > 0) this.reply(code, ...params, list);
  }

  /**
   * Sends `ERROR :Closing Link: ...` after what is queued and hangs up (see
   * {@link Transport.hangUp}); the connection is closed when the peer closes
   * its side, or after `closeTimeout` ms at the latest. With `flush` false
   * it closes at once, dropping queued output.
   */
  disconnect(reason: string, flush = true): void {
    const transport = this.#transport;
    if (transport.closing || !flush) {
      transport.close();
      return;
    }
    transport.hangUp(formatMessage(null, "ERROR", [], `Closing Link: ${this.host} (${reason})`));
    setTimeout(() => transport.close(), this.#closeTimeout).unref();
  }
}

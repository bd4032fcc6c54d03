/**
 * One client connection as a declarative protocol: two states, both reading
 * lines ended by CR LF or a bare LF. `registering` becomes `registered` once
 * NICK and USER have been accepted. Every line counts against the flood
 * limit and as a sign of life for the keep-alive. A line of more than 510
 * bytes is answered 417; input that passes the receive queue without a line
 * ending is an "Excess Flood": the framing layer stops gathering it at that
 * limit (its `maxLength`), and the client is disconnected.
 */

import type { Duplex } from "node:stream";
import { type FrameRejection, Protocol, onClose, onConnect, onOverflow, onTerminator } from "@asynchat/decorators";
import { Client } from "./client";
import { type CommandContext, dispatch } from "./commands";
import { TokenBucket } from "./flood";
import { KeepAlive, type KeepAliveOwner } from "./keepalive";
import { MAX_LINE_CONTENT, formatMessage, parseMessage } from "./message";
import type { Network } from "./network";
import { Numeric } from "./numerics";

/** Lines end with CR LF, or with a bare LF as many clients send. */
export const LINE_ENDINGS: readonly string[] = Object.freeze(["\r\n", "\n"]);

/** Output queued for a client past which its input pauses until it reads (its flood of commands cannot grow our memory). */
const OUTPUT_HIGH_WATER_MARK = 64 * 1024;

/** Bytes a hung-up client may still send (read and dropped) before reading from it stops. */
const LINGER_BYTES = 256 * 1024;

/** Whether a line passes 510 bytes of UTF-8 (one UTF-16 unit is at most 3 bytes, so short lines need no count). */
function isTooLong(line: string): boolean {
  return line.length * 3 > MAX_LINE_CONTENT && Buffer.byteLength(line, "utf8") > MAX_LINE_CONTENT;
}

/** How a client is shown in prefixes: its IP address (no reverse lookup), made safe for the middle of a line. */
function hostOf(address: string | undefined): string {
  if (address === undefined) return "unknown";
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  // IPv6 "::1" would read as a trailing parameter: servers write it "0::1".
  return v4.startsWith(":") ? `0${v4}` : v4;
}

/** An IRC client connection: reads its lines, carries out its commands, keeps it honest. */
export class IrcConnection extends Protocol implements KeepAliveOwner {
  /** The user behind this connection. */
  readonly client: Client;
  readonly #network: Network;
  readonly #context: CommandContext;
  readonly #flood: TokenBucket;
  readonly #keepAlive: KeepAlive;
  #registrationTimer: NodeJS.Timeout | null = null;
  /** Bytes still read (and dropped) from a client that is hanging up; Infinity until then. */
  #lingerLeft = Infinity;

  /**
   * @param socket the accepted connection
   * @param network the server's shared state; the client joins it now
   */
  constructor(socket: Duplex, network: Network) {
    // The receive queue is the frame limit: a partial line is never held past it.
    super(socket, { outputHighWaterMark: OUTPUT_HIGH_WATER_MARK, maxLength: network.settings.maxReceiveQueue });
    const settings = network.settings;
    this.#network = network;
    this.client = new Client(this, {
      host: hostOf(this.remoteAddress), // the PROXY header's client when the server takes them
      serverName: settings.serverName,
      maxSendQueue: settings.maxSendQueue,
      closeTimeout: settings.closeTimeout,
      onSendQueueExceeded: network.dropOverflowing,
      gate: network.gate,
    });
    this.#context = { client: this.client, network };
    this.#flood = new TokenBucket(settings.floodBurst, settings.floodRate);
    this.#keepAlive = new KeepAlive(this);
    network.add(this.client);
  }

  /** {@inheritDoc KeepAliveOwner.pingInterval} */
  get pingInterval(): number {
    return this.#network.settings.pingInterval;
  }

  /** {@inheritDoc KeepAliveOwner.pingTimeout} */
  get pingTimeout(): number {
    return this.#network.settings.pingTimeout;
  }

  /** {@inheritDoc KeepAliveOwner.keepAlivePing} */
  keepAlivePing(): void {
    this.client.send(formatMessage(null, "PING", [], this.#network.settings.serverName));
  }

  /** {@inheritDoc KeepAliveOwner.keepAliveExpired} */
  keepAliveExpired(): void {
    this.#network.quit(this.client, `Ping timeout: ${this.pingTimeout / 1000} seconds`);
  }

  /** Starts the keep-alive and the registration deadline. */
  @onConnect
  started(): void {
    this.#keepAlive.start();
    this.#registrationTimer = setTimeout(() => {
      if (!this.client.registered) this.#network.quit(this.client, "Registration timed out");
    }, this.#network.settings.registrationTimeout);
    this.#registrationTimer.unref();
  }

  /** Before registration: only PASS, NICK, USER, CAP, PING, PONG and QUIT are carried out (451 for others). */
  @onTerminator(LINE_ENDINGS, { encoding: "utf8", next: ["registered"] })
  registering(line: string): "registered" | undefined | Promise<"registered" | undefined> {
    const pending = this.#handle(line);
    // A nickname being claimed network-wide: the next line waits for the answer.
    if (pending !== undefined) return pending.then(() => this.#afterRegistering());
    return this.#afterRegistering();
  }

  /** After registration: every command. */
  @onTerminator(LINE_ENDINGS, { encoding: "utf8", next: [] })
  registered(line: string): void | Promise<void> {
    return this.#handle(line);
  }

  #afterRegistering(): "registered" | undefined {
    if (!this.client.registered) return undefined;
    this.#stopRegistrationTimer();
    return "registered";
  }

  /**
   * The receive queue overflowed: more than `maxReceiveQueue` bytes arrived
   * without a line ending. The framing layer has dropped them and drops the
   * rest as it comes; the client is told "Excess Flood" and disconnected,
   * as ircds do when a client's recvq fills.
   */
  @onOverflow
  receiveQueueExceeded(_error: FrameRejection): void {
    this.#network.quit(this.client, "Excess Flood");
  }

  /** The connection is gone, whatever the reason: its peers see it quit, timers stop. */
  @onClose
  disconnected(): void {
    this.#keepAlive.stop();
    this.#stopRegistrationTimer();
    this.#network.quit(this.client, "Connection closed", false);
  }

  /**
   * The {@link Transport} end of a disconnect: `lastLine` (the ERROR line) is
   * sent after everything queued; once it has been handed to the socket the
   * connection is half-closed. Input is still read and dropped, so the
   * peer's own close is seen at once, but only {@link LINGER_BYTES} of it:
   * past that reading stops, and a peer that goes on sending is held back by
   * its own full buffers until the client's `closeTimeout` calls
   * {@link close}. Closing outright while the peer is still sending would
   * answer its next bytes with a reset, which makes its system throw away the
   * ERROR line unread.
   */
  hangUp(lastLine: string): void {
    if (this.#lingerLeft !== Infinity || this.closing) return;
    this.#lingerLeft = LINGER_BYTES;
    this.push(lastLine);
    this.socket?.on("data", (chunk: Buffer) => {
      this.#lingerLeft -= chunk.length;
      if (this.#lingerLeft <= 0) this.updateReading();
    });
    const finish = (): void => {
      const socket = this.socket;
      if (this.closed || socket === null || !socket.writable) return;
      // Output still in the FIFO (the socket was full): wait until it has all been handed over.
      if (this.queuedOutput > socket.writableLength) this.once("drain", finish);
      else socket.end();
    };
    // Pushes leave in a microtask; by the next turn of the loop the line is in the socket (or waiting for room).
    setImmediate(finish);
  }

  /** False once a hung-up client has sent its {@link LINGER_BYTES}: nothing more is read from it. */
  override readable(): boolean {
    return this.#lingerLeft > 0 && super.readable();
  }

  #handle(line: string): void | Promise<void> {
    // A client that is gone (hanging up) has its remaining input dropped.
    if (this.client.gone || !this.#accept()) return;
    if (isTooLong(line)) {
      this.client.reply(Numeric.ERR_INPUTTOOLONG, "Input line was too long");
      return;
    }
    const message = parseMessage(line);
    if (message === null) return;
    this.#network.actor = this.client;
    try {
      return dispatch(this.#context, message);
    } finally {
      this.#network.actor = null;
    }
  }

  /** Counts a line: a sign of life, and a token from the flood bucket (none left: "Excess Flood", disconnect). */
  #accept(): boolean {
    this.#keepAlive.touch();
    if (this.#flood.take()) return true;
    this.#network.quit(this.client, "Excess Flood");
    return false;
  }

  #stopRegistrationTimer(): void {
    if (this.#registrationTimer !== null) clearTimeout(this.#registrationTimer);
    this.#registrationTimer = null;
  }
}

/**
 * One client connection as a declarative protocol: two states, both reading
 * lines of at most 510 bytes ended by CR LF or a bare LF. `registering`
 * becomes `registered` once NICK and USER have been accepted. Every line
 * counts against the flood limit and as a sign of life for the keep-alive.
 */

import type { Duplex } from "node:stream";
import { type FrameRejection, Protocol, onClose, onConnect, onOverflow, onTerminator } from "@asynchat/decorators";
import { Client } from "./client";
import { type CommandContext, dispatch } from "./commands";
import { TokenBucket } from "./flood";
import { KeepAlive } from "./keepalive";
import { MAX_LINE_CONTENT, formatMessage, parseMessage } from "./message";
import type { Network } from "./network";
import { Numeric } from "./numerics";

/** Lines end with CR LF, or with a bare LF as many clients send. */
export const LINE_ENDINGS: readonly string[] = Object.freeze(["\r\n", "\n"]);

/** Output queued for a client past which its input pauses until it reads (its flood of commands cannot grow our memory). */
const OUTPUT_HIGH_WATER_MARK = 64 * 1024;

/** How a client is shown in prefixes: its IP address (no reverse lookup), made safe for the middle of a line. */
function hostOf(address: string | undefined): string {
  if (address === undefined) return "unknown";
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  // IPv6 "::1" would read as a trailing parameter: servers write it "0::1".
  return v4.startsWith(":") ? `0${v4}` : v4;
}

/** An IRC client connection: reads its lines, carries out its commands, keeps it honest. */
export class IrcConnection extends Protocol {
  /** The user behind this connection. */
  readonly client: Client;
  readonly #network: Network;
  readonly #context: CommandContext;
  readonly #flood: TokenBucket;
  readonly #keepAlive: KeepAlive;
  #registrationTimer: NodeJS.Timeout | null = null;

  /**
   * @param socket the accepted connection
   * @param network the server's shared state; the client joins it now
   */
  constructor(socket: Duplex, network: Network) {
    super(socket, { outputHighWaterMark: OUTPUT_HIGH_WATER_MARK });
    const settings = network.settings;
    this.#network = network;
    this.client = new Client(this, {
      host: hostOf(this.remoteAddress), // the PROXY header's client when the server takes them
      serverName: settings.serverName,
      maxSendQueue: settings.maxSendQueue,
      closeTimeout: settings.closeTimeout,
      onSendQueueExceeded: (client) => network.quit(client, "Max SendQ exceeded", false),
    });
    this.#context = { client: this.client, network };
    this.#flood = new TokenBucket(settings.floodBurst, settings.floodRate);
    this.#keepAlive = new KeepAlive({
      interval: settings.pingInterval,
      timeout: settings.pingTimeout,
      ping: () => this.client.send(formatMessage(null, "PING", [], settings.serverName)),
      expire: () => network.quit(this.client, `Ping timeout: ${settings.pingTimeout / 1000} seconds`),
    });
    network.add(this.client);
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
  @onTerminator(LINE_ENDINGS, { encoding: "utf8", maxLength: MAX_LINE_CONTENT, next: ["registered"] })
  registering(line: string): "registered" | undefined {
    this.#handle(line);
    if (!this.client.registered) return undefined;
    this.#stopRegistrationTimer();
    return "registered";
  }

  /** After registration: every command. */
  @onTerminator(LINE_ENDINGS, { encoding: "utf8", maxLength: MAX_LINE_CONTENT, next: [] })
  registered(line: string): void {
    this.#handle(line);
  }

  /**
   * A line passed 510 bytes: the framing layer drops it as it arrives
   * (nothing of it is buffered); the client is told 417 and carries on in
   * the same state. It still counts against the flood limit.
   */
  @onOverflow
  lineTooLong(_error: FrameRejection): void {
    if (this.#accept()) this.client.reply(Numeric.ERR_INPUTTOOLONG, "Input line was too long");
  }

  /** The connection is gone, whatever the reason: its peers see it quit, timers stop. */
  @onClose
  disconnected(): void {
    this.#keepAlive.stop();
    this.#stopRegistrationTimer();
    this.#network.quit(this.client, "Connection closed", false);
  }

  #handle(line: string): void {
    if (!this.#accept()) return;
    const message = parseMessage(line);
    if (message !== null) dispatch(this.#context, message);
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

/**
 * A channel's STARTTLS upgrade: the pending upgrade (queued behind the
 * plaintext reply, then handshaking), the plaintext that arrived with or
 * after the STARTTLS command, and the swap of the channel's socket for the
 * TLS one once the handshake is done.
 */

import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { STARTTLS_MARKER } from "../producers/output-fifo";
import { kBind, kClosed, kEmitClose, kFail, kShutDown, kSwapSocket, kUnbind } from "./internal";
import type { Outbound } from "./outbound";
import { PlaintextAfterStartTlsError, type StartTlsOptions, TlsUpgradeError, upgradeToTls } from "./tls-upgrade";

/** A TLS upgrade under way: queued until the plaintext before it is written, then handshaking. */
interface PendingUpgrade {
  options: StartTlsOptions;
  /** Input that arrived with or before the STARTTLS command. */
  early: Buffer[];
  /** Input that arrived after it. */
  late: Buffer[];
  resolve(socket: TLSSocket): void;
  reject(error: Error): void;
}

/** What the upgrade calls on its channel. */
export interface UpgradeOwner {
  handleWrite(): void;
  updateReading(): void;
  [kFail](error: unknown): void;
  [kClosed](): boolean;
  [kBind](socket: Duplex): void;
  [kUnbind](socket: Duplex): void;
  [kSwapSocket](socket: Duplex): void;
  [kShutDown](): void;
  [kEmitClose](): void;
}

function isClosed(socket: Duplex): boolean {
  return (socket as Duplex & { closed?: boolean }).closed === true;
}

/** The STARTTLS state of one channel. Final: one instance per channel, made with it. */
export class TlsUpgrader {
  readonly #owner: UpgradeOwner;
  readonly #outbound: Outbound;
  #pending: PendingUpgrade | null = null;

  constructor(owner: UpgradeOwner, outbound: Outbound) {
    this.#owner = owner;
    this.#outbound = outbound;
  }

  /** Whether an upgrade is under way (input is held, reading paused). */
  get active(): boolean {
    return this.#pending !== null;
  }

  /**
   * Starts an upgrade: `early` is the input already received (it arrived with
   * the STARTTLS command), the socket pauses, and the handshake waits for the
   * output queued before it. The caller has checked the channel is open and
   * that no upgrade runs.
   */
  begin(options: StartTlsOptions, socket: Duplex, early: Buffer[]): Promise<TLSSocket> {
    const upgraded = new Promise<TLSSocket>((resolve, reject) => {
      this.#pending = { options, early, late: [], resolve, reject };
      socket.pause();
      this.#outbound.pushItem(STARTTLS_MARKER);
    });
    // A failure is also reported through handleError and the error event: a caller that does not
    // await the promise must not get an unhandled rejection.
    upgraded.catch(() => undefined);
    return upgraded;
  }

  /** Input that arrived during the upgrade: it belongs to the TLS stream (or is an injection attempt). */
  holdLate(data: Uint8Array): void {
    this.#pending!.late.push(Buffer.from(data));
  }

  #end(): void {
    this.#pending = null;
    this.#outbound.handshaking = false;
  }

  /** The channel closed: an upgrade that had not got to its handshake will never start; settle it. */
  abort(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#end();
    // (Once the handshake runs, its own failure path settles it; a second reject is a no-op.)
    pending.reject(new TlsUpgradeError("TLS upgrade failed: the channel closed before the handshake finished"));
  }

  /** The plaintext before the STARTTLS marker has been handed to the socket: wait for it to leave, then handshake. */
  handshake(socket: Duplex): void {
    const upgrade = this.#pending!;
    const owner = this.#owner;
    this.#outbound.handshaking = true;
    socket.write(Buffer.alloc(0), () => {
      if (this.#pending !== upgrade || owner[kClosed]()) return;
      const policy = upgrade.options.plaintextLeftover ?? "reject";
      const earlyBytes = upgrade.early.reduce((n, b) => n + b.length, 0);
      if (earlyBytes > 0 && policy === "reject") {
        this.#end();
        const error = new PlaintextAfterStartTlsError(earlyBytes);
        upgrade.reject(error);
        owner[kFail](error);
        return;
      }
      // Whatever the socket read after the STARTTLS command belongs to the TLS stream.
      const replay = policy === "tls" ? [...upgrade.early, ...upgrade.late] : [...upgrade.late];
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) replay.push(chunk);
      owner[kUnbind](socket);
      let upgraded: ReturnType<typeof upgradeToTls>;
      try {
        upgraded = upgradeToTls(socket, replay, upgrade.options);
      } catch (error) {
        this.#end();
        const failure = new TlsUpgradeError(`TLS upgrade failed: ${(error as Error).message}`, error);
        upgrade.reject(failure);
        owner[kBind](socket);
        owner[kFail](failure);
        return;
      }
      owner[kSwapSocket](upgraded.socket);
      // Until the handshake is done the TLS socket has none of the channel's listeners: a channel
      // closed meanwhile (close(), a timeout) learns here that its socket is gone.
      upgraded.socket.once("close", () => {
        if (owner[kClosed]()) owner[kEmitClose]();
      });
      upgraded.ready.then(
        (tlsSocket) => {
          this.#end();
          if (owner[kClosed]()) {
            tlsSocket.destroy();
            if (isClosed(tlsSocket)) owner[kEmitClose]();
            return;
          }
          owner[kBind](tlsSocket);
          upgrade.resolve(tlsSocket);
          owner.handleWrite();
          owner.updateReading();
        },
        (error: Error) => {
          this.#end();
          upgrade.reject(error);
          if (owner[kClosed]()) {
            if (isClosed(upgraded.socket)) owner[kEmitClose]();
            return;
          }
          owner[kFail](error);
          owner[kShutDown]();
          queueMicrotask(() => owner[kEmitClose]());
        },
      );
    });
  }
}

/**
 * A channel's STARTTLS upgrade: the pending upgrade (queued behind the
 * plaintext reply, then handshaking), the plaintext that arrived with or
 * after the STARTTLS command, and the swap of the channel's socket for the
 * TLS one once the handshake is done.
 */

import type { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import { STARTTLS_MARKER } from "../producers/output-fifo";
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

/** What the upgrade calls on the channel's life cycle. */
export interface UpgradeOwner {
  /** Whether the channel has closed. */
  readonly closed: boolean;
  /** The upgrade is over (done or failed): input is no longer held for it. */
  upgradeEnded(): void;
  /** Binds the channel to a socket that is already connected (the TLS one, or the plain one after a failure). */
  bind(socket: Duplex, connected: true): void;
  /** Takes the channel's listeners off a socket (before wrapping it in TLS). */
  unbind(socket: Duplex): void;
  /** The channel now writes to this socket (the TLS socket, before its handshake is done). */
  swapSocket(socket: Duplex): void;
  /** Fails the channel (handleError, the `error` event). */
  fail(error: unknown): void;
  /** Closes the channel's insides at once. */
  shutDown(): void;
  /** Emits `close` once. */
  emitClose(): void;
  /** Output and input move again: handleWrite, then updateReading. */
  resume(): void;
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
    this.#owner.upgradeEnded();
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
      if (this.#pending !== upgrade || owner.closed) return;
      const policy = upgrade.options.plaintextLeftover ?? "reject";
      const earlyBytes = upgrade.early.reduce((n, b) => n + b.length, 0);
      if (earlyBytes > 0 && policy === "reject") {
        this.#end();
        const error = new PlaintextAfterStartTlsError(earlyBytes);
        upgrade.reject(error);
        owner.fail(error);
        return;
      }
      // Whatever the socket read after the STARTTLS command belongs to the TLS stream.
      const replay = policy === "tls" ? [...upgrade.early, ...upgrade.late] : [...upgrade.late];
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) replay.push(chunk);
      owner.unbind(socket);
      let upgraded: ReturnType<typeof upgradeToTls>;
      try {
        upgraded = upgradeToTls(socket, replay, upgrade.options);
      } catch (error) {
        this.#end();
        const failure = new TlsUpgradeError(`TLS upgrade failed: ${(error as Error).message}`, error);
        upgrade.reject(failure);
        owner.bind(socket, true);
        owner.fail(failure);
        return;
      }
      owner.swapSocket(upgraded.socket);
      // Until the handshake is done the TLS socket has none of the channel's listeners: a channel
      // closed meanwhile (close(), a timeout) learns here that its socket is gone.
      upgraded.socket.once("close", () => {
        if (owner.closed) owner.emitClose();
      });
      upgraded.ready.then(
        (tlsSocket) => {
          this.#end();
          if (owner.closed) {
            tlsSocket.destroy();
            if (isClosed(tlsSocket)) owner.emitClose();
            return;
          }
          owner.bind(tlsSocket, true);
          upgrade.resolve(tlsSocket);
          owner.resume();
        },
        (error: Error) => {
          this.#end();
          upgrade.reject(error);
          if (owner.closed) {
            if (isClosed(upgraded.socket)) owner.emitClose();
            return;
          }
          owner.fail(error);
          owner.shutDown();
          queueMicrotask(() => owner.emitClose());
        },
      );
    });
  }
}

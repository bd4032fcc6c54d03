/**
 * Turning a connected plaintext socket into a TLS one in the middle of a
 * conversation (STARTTLS), as server or client.
 */

import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { AsyncChatError, ErrorCode } from "../errors";

/** What to do with plaintext that arrived after the STARTTLS command and before the handshake. */
export type PlaintextLeftoverPolicy = "reject" | "discard" | "tls";

/** Options of `AsyncChat.startTls`: those of `tls.TLSSocket` / `tls.connect`, plus the following. */
export interface StartTlsOptions extends tls.TLSSocketOptions, Pick<tls.ConnectionOptions, "servername" | "checkServerIdentity"> {
  /** Act as the TLS server (the side that answered STARTTLS) or the client. Required. */
  isServer: boolean;
  /**
   * Bytes that arrived in plaintext after the STARTTLS command, before the
   * handshake: `"reject"` (default; the SMTP/IMAP rule against command
   * injection, CVE-2011-0411) fails the channel with
   * `ERR_PLAINTEXT_AFTER_STARTTLS`; `"discard"` drops them; `"tls"` hands
   * them to TLS, for protocols whose clients pipeline the ClientHello.
   */
  plaintextLeftover?: PlaintextLeftoverPolicy;
  /** Milliseconds the handshake may take. Default 10,000. */
  handshakeTimeout?: number;
}

/** Plaintext arrived after STARTTLS and the policy rejects it. */
export class PlaintextAfterStartTlsError extends AsyncChatError {
  /** How many plaintext bytes were waiting. */
  readonly length: number;

  constructor(length: number) {
    super(ErrorCode.PLAINTEXT_AFTER_STARTTLS, `${length} bytes of plaintext arrived after STARTTLS, before the TLS handshake`);
    this.length = length;
  }
}

/** The TLS upgrade failed: handshake error or timeout. `cause` holds the underlying error. */
export class TlsUpgradeError extends AsyncChatError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.TLS_UPGRADE_FAILED, message, cause === undefined ? undefined : { cause });
  }
}

/**
 * A Duplex over `socket` that first yields `replay`: what was read from the
 * socket before the upgrade but belongs to the TLS stream.
 */
function replayingDuplex(socket: Duplex, replay: Buffer[]): Duplex {
  const wrapper: Duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  for (const chunk of replay) wrapper.push(chunk);
  socket.on("data", (data: Buffer) => {
    if (!wrapper.push(data)) socket.pause();
  });
  socket.on("end", () => wrapper.push(null));
  socket.on("error", (error) => wrapper.destroy(error));
  socket.on("close", () => wrapper.destroy());
  return wrapper;
}

/**
 * Wraps `socket` in TLS and resolves with the TLS socket once the handshake
 * is done. `replay` are bytes already read from `socket` that belong to the
 * TLS stream. Rejects with {@link TlsUpgradeError} (the TLS socket is then
 * destroyed).
 */
export function upgradeToTls(socket: Duplex, replay: Buffer[], options: StartTlsOptions): { socket: tls.TLSSocket; ready: Promise<tls.TLSSocket> } {
  const { isServer, plaintextLeftover: _policy, handshakeTimeout = 10_000, ...tlsOptions } = options;
  const carrier = replay.length > 0 ? replayingDuplex(socket, replay) : socket;
  let tlsSocket: tls.TLSSocket;
  if (isServer) {
    const secureContext = tlsOptions.secureContext ?? tls.createSecureContext(tlsOptions);
    tlsSocket = new tls.TLSSocket(carrier, { ...tlsOptions, secureContext, isServer: true });
  } else {
    tlsSocket = tls.connect({ ...tlsOptions, socket: carrier });
  }
  // Errors of the plaintext socket now surface through the TLS socket; keep a stray one from crashing.
  socket.on("error", () => undefined);
  const ready = new Promise<tls.TLSSocket>((resolve, reject) => {
    let settled = false;
    const secureEvent = isServer ? "secure" : "secureConnect";
    const finish = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tlsSocket.off(secureEvent, succeed);
      tlsSocket.off("close", closed);
      if (error === null) {
        tlsSocket.off("error", fail);
        resolve(tlsSocket);
        return;
      }
      // Keep listening for errors: the socket is being destroyed and may still report one.
      reject(new TlsUpgradeError(`TLS upgrade failed: ${error.message}`, error));
      tlsSocket.destroy();
    };
    const succeed = (): void => finish(null);
    const fail = (error: Error): void => finish(error);
    const closed = (): void => finish(new Error("the connection closed during the handshake"));
    const timer = setTimeout(() => finish(new Error(`handshake not done after ${handshakeTimeout} ms`)), handshakeTimeout);
    timer.unref();
    tlsSocket.once(secureEvent, succeed);
    tlsSocket.on("error", fail);
    tlsSocket.once("close", closed);
  });
  return { socket: tlsSocket, ready };
}

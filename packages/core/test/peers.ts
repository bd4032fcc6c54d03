/**
 * Peers for the tests over real sockets: a text reader for raw sockets, the
 * self-signed localhost certificate, and the two ends of a TLS handshake
 * started by hand on a socket that has been talking plaintext.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { waitUntil } from "./helpers";

/** The fixture key and certificate, for localhost and 127.0.0.1. */
export const key = readFileSync(path.join(__dirname, "fixtures/localhost-key.pem"));
export const cert = readFileSync(path.join(__dirname, "fixtures/localhost-cert.pem"));

/** Client options that trust the fixture certificate and check the name in it. */
export const trustFixture: tls.ConnectionOptions = { ca: cert, servername: "localhost" };

/** Accumulates everything a socket delivers, as latin1 text. */
export class TextReader {
  text = "";
  ended = false;
  closed = false;
  error: Error | null = null;
  readonly #onData = (data: Buffer | string): void => {
    this.text += typeof data === "string" ? data : data.toString("latin1");
  };

  constructor(readonly socket: Duplex) {
    socket.on("data", this.#onData);
    socket.on("end", () => (this.ended = true));
    socket.on("close", () => (this.closed = true));
    socket.on("error", (error: Error) => (this.error = error));
  }

  /** Waits until the text received so far contains `expected`. */
  async until(expected: string, timeout = 5000): Promise<string> {
    await waitUntil(() => this.text.includes(expected), `${JSON.stringify(expected)} arrives (got ${JSON.stringify(this.text.slice(-200))})`, timeout);
    return this.text;
  }

  /** Waits until the peer has ended the connection (or it has closed). */
  async untilEnd(timeout = 5000): Promise<string> {
    await waitUntil(() => this.ended || this.closed, "the connection ends", timeout);
    return this.text;
  }

  /** Stops reading (the socket is about to be handed to TLS); returns what was read. */
  detach(): string {
    this.socket.off("data", this.#onData);
    this.socket.pause();
    return this.text;
  }
}

/**
 * Reads plaintext from `socket` until it ends with `last`, then stops
 * reading, so that TLS can take the socket over. Resolves with everything
 * read (more than `last` if the peer sent more in plaintext).
 */
export async function readPlaintext(socket: Duplex, last: string): Promise<string> {
  const reader = new TextReader(socket);
  await reader.until(last);
  return reader.detach();
}

/** Settles once a TLS socket's handshake is done, or rejects with its error. */
function handshake(secure: tls.TLSSocket, event: "secureConnect" | "secure"): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => reject(error);
    secure.once("error", fail);
    secure.once("close", () => reject(new Error("closed during the handshake")));
    secure.once(event, () => {
      secure.off("error", fail);
      resolve(secure);
    });
  });
}

/** One end of a TLS connection started by hand, read from the start so that an early end is noticed. */
export interface TlsEnd {
  socket: tls.TLSSocket;
  /** What arrives over TLS. */
  reader: TextReader;
  /** Resolves once the handshake is done; rejects if it fails or the connection ends first. */
  ready: Promise<tls.TLSSocket>;
}

/** Starts the client side of TLS on `socket` (which has stopped reading plaintext). */
export function tlsClientOn(socket: Duplex, options: tls.ConnectionOptions = trustFixture): TlsEnd {
  const secure = tls.connect({ ...options, socket });
  return { socket: secure, ready: handshake(secure, "secureConnect"), reader: new TextReader(secure) };
}

/** Starts the server side of TLS with the fixture certificate on `socket`. */
export function tlsServerOn(socket: Duplex): TlsEnd {
  const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: tls.createSecureContext({ key, cert }) });
  return { socket: secure, ready: handshake(secure, "secure"), reader: new TextReader(secure) };
}

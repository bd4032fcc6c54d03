/**
 * The accept path of a server with the PROXY protocol on: before a
 * connection becomes a channel (and before its TLS handshake), check that it
 * comes from a trusted source, read its header within a deadline, record the
 * client it names, and hand the socket on with the bytes after the header.
 */

import type * as net from "node:net";
import { invalidArgType, invalidArgValue } from "../errors";
import { ProxyHeaderError } from "../proxy/errors";
import type { ProxyHeader } from "../proxy/header";
import { ProxyHeaderParser } from "../proxy/parser";
import { TrustedSources } from "../proxy/trusted-sources";
import { DEFAULT_V2_MAX_LENGTH } from "../proxy/v2";
import { setProxiedPeer } from "./remote-peer";

/** The `proxyProtocol` option of a {@link ChatServer}, when given as an object. */
export interface ProxyProtocolOptions {
  /**
   * Addresses and CIDR ranges (IPv4, IPv6) of the balancers allowed to
   * connect; a connection from anywhere else is refused (closed at once).
   * Default: loopback (`127.0.0.0/8`, `::1`).
   */
  trustedSources?: readonly string[];
  /** Milliseconds from accept to a complete header; a slower connection is closed. Default 5,000. */
  headerTimeout?: number;
  /** The largest v2 length field (addresses and TLVs) accepted. Default 2048; at most 65535. */
  maxV2Length?: number;
}

/** The header deadline when none is set: 5 seconds. */
export const DEFAULT_PROXY_HEADER_TIMEOUT = 5000;

/** What the acceptor does with a socket once its header is read, or why it dropped one. */
export interface ProxyAcceptorHandlers {
  /**
   * The header is read and the client it names (if any) recorded for
   * `socket`, which is paused; `rest` are the bytes that came after the
   * header, the start of the connection's own data (possibly empty).
   */
  accepted(socket: net.Socket, header: ProxyHeader, rest: Buffer): void;
  /** The connection was dropped (destroyed without a reply) for `error`. */
  rejected(socket: net.Socket, error: ProxyHeaderError): void;
}

/** Reads PROXY headers off accepted sockets; see the module comment. */
export class ProxyAcceptor {
  readonly #trusted: TrustedSources;
  readonly #timeout: number;
  readonly #maxV2Length: number;
  readonly #handlers: ProxyAcceptorHandlers;
  /** Sockets whose header is still being read. */
  readonly #pending = new Set<net.Socket>();

  /**
   * @param options `true` for the defaults, or {@link ProxyProtocolOptions}
   *   (validated here: a bad entry throws `ERR_INVALID_ARG_*` naming it)
   */
  constructor(options: true | ProxyProtocolOptions, handlers: ProxyAcceptorHandlers) {
    if (options !== true && (typeof options !== "object" || options === null)) {
      throw invalidArgType("options.proxyProtocol", "true or an object", options);
    }
    const given = options === true ? {} : options;
    this.#trusted = new TrustedSources(given.trustedSources);
    const timeout = given.headerTimeout ?? DEFAULT_PROXY_HEADER_TIMEOUT;
    if (typeof timeout !== "number" || !(timeout > 0) || !Number.isFinite(timeout)) {
      throw invalidArgValue("options.proxyProtocol.headerTimeout", "must be a finite number > 0", timeout);
    }
    this.#timeout = timeout;
    this.#maxV2Length = given.maxV2Length ?? DEFAULT_V2_MAX_LENGTH;
    new ProxyHeaderParser({ maxV2Length: this.#maxV2Length }); // validates it now, not per connection
    this.#handlers = handlers;
  }

  /** How many connections are still sending their header. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Drops every connection whose header has not arrived (the server is closing). */
  destroyPending(): void {
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
  }

  /** Takes a freshly accepted raw socket: refuse it, or read its header, then hand it on. */
  accept(socket: net.Socket): void {
    socket.on("error", ignore);
    if (socket.remoteAddress === undefined) {
      // Reset by the peer before it could be looked at (e.g. a balancer's health check that gave up): nothing to read.
      socket.destroy();
      return;
    }
    if (!this.#trusted.has(socket.remoteAddress)) {
      this.#reject(socket, new ProxyHeaderError("untrusted", `Connection from ${socket.remoteAddress}, which is not a trusted PROXY protocol source`, socket.remoteAddress));
      return;
    }
    this.#pending.add(socket);
    const parser = new ProxyHeaderParser({ maxV2Length: this.#maxV2Length });
    const finish = (): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onClose);
      socket.off("error", ignore);
      this.#pending.delete(socket);
    };
    const onData = (chunk: Buffer): void => {
      let done;
      try {
        done = parser.push(chunk);
      } catch (error) {
        finish();
        this.#reject(socket, error as ProxyHeaderError);
        return;
      }
      if (done === null) return;
      socket.pause();
      finish();
      if (done.header.source !== null) setProxiedPeer(socket, done.header.source);
      this.#handlers.accepted(socket, done.header, done.rest);
    };
    const onEnd = (): void => {
      finish();
      this.#reject(socket, new ProxyHeaderError("malformed", "The connection ended before its PROXY protocol header was complete", parser.buffered));
    };
    const onClose = (): void => finish();
    const timer = setTimeout(() => {
      finish();
      this.#reject(socket, new ProxyHeaderError("timeout", `No complete PROXY protocol header within ${this.#timeout} ms`, parser.buffered));
    }, this.#timeout);
    timer.unref();
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", onClose);
  }

  #reject(socket: net.Socket, error: ProxyHeaderError): void {
    socket.on("error", ignore);
    socket.destroy();
    this.#handlers.rejected(socket, error);
  }
}

function ignore(): void {}

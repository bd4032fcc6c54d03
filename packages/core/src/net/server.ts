/**
 * asyncore's listening dispatcher: a server that makes one channel per
 * accepted connection, keeps the set of live channels, and closes either
 * gracefully or at once.
 */

import * as net from "node:net";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import EventEmitter from "eventemitter3";
import type { AsyncChat } from "../channel/async-chat";
import { type ServerRoute, type UnhandledErrorReporter, isReporter, setServerRoute } from "../channel/failure-report";
import { AT_LEAST_ONE, AT_LEAST_ZERO, checkLimit } from "../channel/limits";
import type { AsyncChatOptions } from "../channel/options";
import { asError, invalidArgType } from "../errors";
import { upgradeToTls } from "../channel/tls-upgrade";
import type { ProxyHeaderError } from "../proxy/errors";
import { type ChannelFactory, makeChannel, validateChannelFactory } from "./channel-factory";
import { ProxyAcceptor, type ProxyProtocolOptions } from "./proxy-acceptor";
import { proxiedPeerOf, setProxiedPeer } from "./remote-peer";

/** Options of a {@link ChatServer}. */
export interface ChatServerOptions<C = any> {
  /** Options for each channel made from a channel class (a factory function sets its own). */
  channelOptions?: AsyncChatOptions;
  /**
   * Most connections held at once; a connection beyond it is refused: sent
   * `refuseMessage` (if any) and closed, and `refused` is emitted. Default
   * {@link DEFAULT_MAX_CONNECTIONS} (10,000).
   */
  maxConnections?: number;
  /** What a refused connection is told before it is closed, e.g. `"421 Too many connections\r\n"`. */
  refuseMessage?: string | Uint8Array;
  /** Listen with TLS from the first byte (`key`, `cert`, ...); for STARTTLS use `channel.startTls` instead. */
  tls?: tls.TlsOptions;
  /** Milliseconds a TLS client has to complete its handshake. Default 10,000. */
  tlsHandshakeTimeout?: number;
  /** Milliseconds `close()` waits for channels to finish before destroying them. Default 10,000. */
  closeTimeout?: number;
  /** Disable Nagle's algorithm on accepted sockets (replies leave at once). Default true. */
  noDelay?: boolean;
  /**
   * Milliseconds without traffic after which an accepted channel fails with
   * `ERR_IDLE_TIMEOUT` and closes, for channels that set no `idleTimeout`
   * of their own (theirs is 0). Default 600,000 (10 minutes), so a dead peer
   * does not hold a connection for ever; 0 leaves such channels without one.
   */
  idleTimeout?: number;
  /**
   * Where a channel's failure goes when it is a bug nobody handled (an
   * exception from user code or the library, with no `error` listener on the
   * channel, no `channelError` listener here and no `handleError` override
   * that takes it): `"stderr"` (default) prints it once, with the channel's
   * class, the peer and the stack; a function receives it instead;
   * `"ignore"` drops it. Expected traffic (resets, limits, timeouts, failed
   * handshakes) is never reported. The channel closes either way.
   */
  unhandledErrors?: UnhandledErrorReporter<C>;
  /**
   * Require a PROXY protocol header (v1 or v2, HAProxy's specification) at
   * the start of every connection, read before anything else (before the
   * TLS handshake on a TLS listener): the channel's `remoteAddress` and
   * `remotePort` become the client's. Only trusted sources may connect
   * (loopback unless `trustedSources` says otherwise); a missing, malformed,
   * over-long or late header closes the connection without a reply and
   * emits `proxyError`. `true` for the defaults, or {@link ProxyProtocolOptions}.
   */
  proxyProtocol?: boolean | ProxyProtocolOptions;
}

/** The connection limit of a {@link ChatServer} given no `maxConnections`: 10,000. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/** The idle timeout {@link ChatServer} gives accepted channels that have none: 10 minutes. */
export const DEFAULT_SERVER_IDLE_TIMEOUT = 600_000;

/** Options of {@link ChatServer.close}. */
export interface CloseOptions {
  /**
   * `true` (default): stop accepting, let every channel write what is queued
   * (`closeWhenDone`), resolve when all are closed, destroying those still
   * open after `timeout` ms. `false`: destroy every channel at once.
   */
  graceful?: boolean;
  /** Overrides the server's `closeTimeout` for this call. */
  timeout?: number;
}

/** The events of a {@link ChatServer}. */
export interface ChatServerEvents<C> {
  /** The server accepts connections at this address. */
  listening: [address: net.AddressInfo];
  /** A channel was made for a new connection. */
  connection: [channel: C];
  /** A channel failed (it deals with its own failure; this is for logging). */
  channelError: [error: Error, channel: C];
  /** A connection was refused because `maxConnections` were open. */
  refused: [socket: Duplex];
  /** The listening socket failed, or a channel could not be made. */
  error: [error: Error];
  /** The server is closed and every channel with it. */
  close: [];
  /** With `proxyProtocol`: a connection was dropped before it became a channel (untrusted, bad, late header). */
  proxyError: [error: ProxyHeaderError, socket: net.Socket];
}

/**
 * A listening server that makes one channel per accepted connection.
 *
 * ```ts
 * const server = new ChatServer(EchoChannel);
 * const { port } = await server.listen(7000, "127.0.0.1");
 * // ...
 * await server.close(); // graceful
 * ```
 */
export class ChatServer<C extends AsyncChat<any> = AsyncChat> extends EventEmitter<ChatServerEvents<C>> {
  readonly #factory: ChannelFactory<C>;
  readonly #options: ChatServerOptions<C>;
  readonly #reporter: UnhandledErrorReporter<C>;
  readonly #server: net.Server;
  readonly #channels = new Set<C>();
  readonly #maxConnections: number;
  readonly #idleTimeout: number;
  #closing: Promise<void> | null = null;
  readonly #proxy: ProxyAcceptor | null = null;
  /**
   * What each channel gets, made once per server rather than per connection:
   * the calls its `close` and `error` make here (no listeners per channel),
   * and where its unhandled failures go.
   */
  readonly #route: ServerRoute;

  /**
   * @param channel a subclass of AsyncChat (made as `new channel(socket, options.channelOptions)`)
   *   or a function `(socket) => channel`
   * @param options see {@link ChatServerOptions}
   */
  constructor(channel: ChannelFactory<C>, options: ChatServerOptions<C> = {}) {
    super();
    validateChannelFactory(channel);
    this.#factory = channel;
    this.#options = options;
    this.#maxConnections = checkLimit("options.maxConnections", options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, AT_LEAST_ONE);
    this.#idleTimeout = checkLimit("options.idleTimeout", options.idleTimeout ?? DEFAULT_SERVER_IDLE_TIMEOUT, AT_LEAST_ZERO);
    if (options.closeTimeout !== undefined) checkLimit("options.closeTimeout", options.closeTimeout, AT_LEAST_ZERO);
    if (options.tlsHandshakeTimeout !== undefined) checkLimit("options.tlsHandshakeTimeout", options.tlsHandshakeTimeout, AT_LEAST_ZERO);
    const reporter = options.unhandledErrors ?? "stderr";
    if (!isReporter(reporter)) throw invalidArgType("options.unhandledErrors", '"stderr", "ignore" or a function', reporter);
    this.#reporter = reporter;
    const channels = this.#channels;
    this.#route = {
      failed: (error: Error, channel: C) => this.#emit("channelError", error, channel),
      closed: (channel: C) => channels.delete(channel),
      heard: () => this.listenerCount("channelError") > 0,
      reporter,
    };
    const onSocket = (socket: net.Socket): void => this.#accept(socket);
    if (options.proxyProtocol !== undefined && options.proxyProtocol !== false) {
      // The header comes before TLS: listen in plaintext, read it, then start TLS (#acceptProxied).
      const proxy = new ProxyAcceptor(options.proxyProtocol, {
        accepted: (socket, _header, rest) => this.#acceptProxied(socket, rest),
        rejected: (socket, error) => this.#emit("proxyError", error, socket),
      });
      this.#proxy = proxy;
      this.#server = net.createServer({ allowHalfOpen: true }, (socket) => (this.#closing === null ? proxy.accept(socket) : socket.destroy()));
    } else if (options.tls !== undefined) {
      this.#server = tls.createServer(
        // Not allowHalfOpen here: a peer that ends its side during the handshake must be dropped,
        // not kept half-open until the handshake timeout. #accept allows it once the handshake is done.
        { ...options.tls, handshakeTimeout: options.tlsHandshakeTimeout ?? 10_000 } as tls.TlsOptions,
        onSocket,
      );
      // Node reports a failed or timed-out handshake here but does not drop the connection
      // (after a handshake timeout, or a half-closed peer with allowHalfOpen, it stays open):
      // drop it, so tlsHandshakeTimeout holds and close() is not kept waiting for it.
      this.#server.on("tlsClientError", (_error, socket) => socket.destroy());
    } else {
      this.#server = net.createServer({ allowHalfOpen: true }, onSocket);
    }
    this.#server.on("error", (error) => this.#emit("error", error));
  }

  /** The live channels. */
  get channels(): ReadonlySet<C> {
    return this.#channels;
  }

  /** The address the server listens on, or null before `listen` resolves. */
  get address(): net.AddressInfo | null {
    const address = this.#server.address();
    return typeof address === "object" ? address : null;
  }

  /** Whether the server is accepting connections. */
  get listening(): boolean {
    return this.#server.listening;
  }

  /**
   * Starts accepting connections on `host:port` (port 0 picks a free one).
   * Resolves with the bound address once listening.
   */
  listen(port = 0, host = "127.0.0.1"): Promise<net.AddressInfo> {
    if (typeof port !== "number") throw invalidArgType("port", "a number", port);
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.#server.once("error", onError);
      this.#server.listen(port, host, () => {
        this.#server.off("error", onError);
        const address = this.address!;
        this.#emit("listening", address);
        resolve(address);
      });
    });
  }

  /**
   * Stops accepting connections; the live channels carry on until
   * {@link close}. Under `node:cluster` this takes the worker out of the
   * primary's round robin, so a rolling restart can let the connections it
   * already accepted send their first request before it closes them.
   */
  stopListening(): void {
    if (this.#server.listening) this.#server.close();
  }

  /**
   * Closes the server. Gracefully by default: stop accepting, let each
   * channel finish writing what is queued, resolve when all are closed
   * (channels still open after the timeout are destroyed). With
   * `{ graceful: false }` every channel is destroyed at once.
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closing !== null) {
      if (options.graceful === false) for (const channel of this.#channels) channel.destroy();
      return this.#closing;
    }
    const graceful = options.graceful ?? true;
    const timeout = options.timeout ?? this.#options.closeTimeout ?? 10_000;
    this.#proxy?.destroyPending();
    this.#closing = new Promise<void>((resolve) => {
      const listenerClosed = new Promise<void>((done) => {
        if (this.#server.listening) this.#server.close(() => done());
        else done();
      });
      const channelsClosed = Promise.all(
        [...this.#channels].map(
          (channel) =>
            new Promise<void>((done) => {
              if (channel.closed && !this.#channels.has(channel)) return done();
              channel.once("close", () => done());
              if (graceful) channel.closeWhenDone();
              else channel.destroy();
            }),
        ),
      );
      const timer = setTimeout(() => {
        for (const channel of this.#channels) channel.destroy();
      }, timeout);
      timer.unref();
      void Promise.all([listenerClosed, channelsClosed]).then(() => {
        clearTimeout(timer);
        this.#emit("close");
        resolve();
      });
    });
    return this.#closing;
  }

  #emit<K extends keyof ChatServerEvents<C>>(event: K, ...args: ChatServerEvents<C>[K]): void {
    (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
  }

  #accept(socket: net.Socket): void {
    if (this.#closing !== null) {
      socket.destroy();
      return;
    }
    if (this.#channels.size >= this.#maxConnections) {
      this.#refuse(socket);
      return;
    }
    if (this.#options.noDelay ?? true) socket.setNoDelay(true);
    // As for plaintext connections: the peer's end is handled by the channel (handleEndOfInput).
    if (!socket.allowHalfOpen) socket.allowHalfOpen = true;
    let channel: C;
    try {
      channel = makeChannel(this.#factory, socket, this.#options.channelOptions);
    } catch (error) {
      socket.destroy();
      this.#emit("error", asError(error));
      return;
    }
    if (channel.idleTimeout === 0 && this.#idleTimeout > 0) channel.idleTimeout = this.#idleTimeout;
    this.#channels.add(channel);
    setServerRoute(channel, this.#route);
    this.#emit("connection", channel);
  }

  /** A connection whose PROXY header has been read: on to TLS, or straight to a channel. */
  #acceptProxied(socket: net.Socket, rest: Buffer): void {
    const tlsOptions = this.#options.tls;
    if (tlsOptions === undefined) {
      if (rest.length > 0) socket.unshift(rest);
      // Flowing again from the next tick, once the channel listens for data.
      socket.resume();
      this.#accept(socket);
      return;
    }
    const handshakeTimeout = this.#options.tlsHandshakeTimeout ?? 10_000;
    const { socket: secure, ready } = upgradeToTls(socket, rest.length > 0 ? [rest] : [], { ...tlsOptions, isServer: true, handshakeTimeout });
    const client = proxiedPeerOf(socket);
    if (client !== undefined) setProxiedPeer(secure, client);
    ready.then(
      () => this.#accept(secure as unknown as net.Socket),
      () => socket.destroy(),
    );
  }

  #refuse(socket: net.Socket): void {
    socket.on("error", () => undefined);
    this.#emit("refused", socket);
    const message = this.#options.refuseMessage;
    if (message !== undefined) socket.end(message);
    else socket.end();
    const timer = setTimeout(() => socket.destroy(), 1000);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.resume();
  }
}

/** Shorthand for `new ChatServer(channel, options)`. */
export function createServer<C extends AsyncChat<any>>(channel: ChannelFactory<C>, options?: ChatServerOptions<C>): ChatServer<C> {
  return new ChatServer(channel, options);
}

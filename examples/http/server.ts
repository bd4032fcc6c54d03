/**
 * The HTTP server: a `ChatServer` making one {@link HttpChannel} per
 * connection, with the limits every connection shares.
 */

import type { AddressInfo } from "node:net";
import { ChatServer } from "@asynchat/core";
import { HttpChannel } from "./protocol";
import type { HttpRequest } from "./request";
import type { DeploymentOptions } from "../deployment";
import type { Router } from "./router";

/** Options of {@link HttpServer}; every limit has a default. */
export interface HttpServerOptions {
  /** Largest request body in bytes; larger is answered 413. Default 1 MiB. */
  maxBodySize?: number;
  /** Milliseconds from the request line to the end of the header section; slower is 408. Default 30,000. */
  headersTimeout?: number;
  /**
   * Milliseconds a single frame may take from its first byte to its end
   * (the request line, a header line, a body piece of up to 64 KiB);
   * slower is 408 (slowloris defence). Default 10,000.
   */
  frameTimeout?: number;
  /** Milliseconds a connection may stay silent (an idle keep-alive connection) before it is closed. Default 60,000. */
  idleTimeout?: number;
  /** Most connections at once; more are answered 503 and closed. Default 10,000. */
  maxConnections?: number;
  /** Response bytes queued per connection past which it stops reading requests until the client reads. Default 1 MiB. */
  outputHighWaterMark?: number;
  /** Called when a handler throws or returns a malformed response (the client gets 500). Default: nothing. */
  onHandlerError?: (error: unknown, request: HttpRequest) => void;
  /**
   * A body refused with 413 is read and dropped after the answer, so that a
   * client still sending it is not reset before it reads the 413 (lingering
   * close): at most this many bytes, then the connection closes anyway.
   * Default 8 MiB.
   */
  drainLimit?: number;
  /** Milliseconds a refused body is read and dropped before the connection closes anyway. Default 5,000. */
  drainTimeout?: number;
}

const REFUSED = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/**
 * An HTTP/1.1 server over a {@link Router}.
 *
 * ```ts
 * const server = new HttpServer(new Router().get("/", () => text(200, "hi\n")));
 * const { port } = await server.listen(8080, "127.0.0.1");
 * await server.close();
 * ```
 */
export class HttpServer {
  readonly #server: ChatServer<HttpChannel>;

  /**
   * @param router the routes
   * @param options limits and timeouts, see {@link HttpServerOptions}
   * @param deployment the PROXY protocol behind a balancer, see {@link DeploymentOptions}
   */
  constructor(router: Router, options: HttpServerOptions = {}, deployment: DeploymentOptions = {}) {
    const settings = {
      router,
      maxBodySize: options.maxBodySize ?? 1024 * 1024,
      headersTimeout: options.headersTimeout ?? 30_000,
      onHandlerError: options.onHandlerError,
      drainLimit: options.drainLimit ?? 8 * 1024 * 1024,
      drainTimeout: options.drainTimeout ?? 5000,
    };
    const channelOptions = {
      frameTimeout: options.frameTimeout ?? 10_000,
      idleTimeout: options.idleTimeout ?? 60_000,
      outputHighWaterMark: options.outputHighWaterMark ?? 1024 * 1024,
    };
    this.#server = new ChatServer((socket) => new HttpChannel(socket, settings, channelOptions), {
      maxConnections: options.maxConnections ?? 10_000,
      refuseMessage: REFUSED,
      // The connection's own idle timeout, 0 included (then none).
      idleTimeout: channelOptions.idleTimeout,
      ...deployment,
    });
  }

  /** Starts listening (port 0 picks a free one); resolves with the address. */
  listen(port: number, host = "127.0.0.1"): Promise<AddressInfo> {
    return this.#server.listen(port, host);
  }

  /** The address listened on, or null before `listen` resolves. */
  get address(): AddressInfo | null {
    return this.#server.address;
  }

  /** The open connections. */
  get connections(): ReadonlySet<HttpChannel> {
    return this.#server.channels;
  }

  /** Stops accepting connections; the open ones carry on until {@link close} (a rolling restart's first step). */
  stopListening(): void {
    this.#server.stopListening();
  }

  /**
   * Stops accepting connections and closes the open ones once their current
   * response is sent (a running handler is waited for). Connections still
   * open after `timeout` ms are destroyed.
   */
  close(timeout = 10_000): Promise<void> {
    return this.#server.close({ timeout });
  }
}

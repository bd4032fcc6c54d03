/**
 * asyncore's `connect` for clients: open a connection and make a channel
 * for it once it is established.
 */

import * as net from "node:net";
import * as tls from "node:tls";
import type { AsyncChat } from "../channel/async-chat";
import type { AsyncChatOptions } from "../channel/options";
import { invalidArgType } from "../errors";
import { type ChannelFactory, makeChannel, validateChannelFactory } from "./channel-factory";

/** Where and how {@link connect} connects. */
export interface ConnectOptions {
  /** The server's port. */
  port: number;
  /** The server's host. Default `"127.0.0.1"`. */
  host?: string;
  /** Connect with TLS from the first byte; `true` for defaults, or `tls.connect` options. */
  tls?: boolean | tls.ConnectionOptions;
  /** Options for a channel made from a channel class. */
  channelOptions?: AsyncChatOptions;
  /** Milliseconds to wait for the connection (and TLS handshake). Default 10,000. */
  timeout?: number;
  /** Disable Nagle's algorithm. Default true. */
  noDelay?: boolean;
}

/**
 * Connects to `host:port` and resolves with the channel made for the
 * connection, once it is established (and its TLS handshake done). Rejects
 * with the socket's error, or a timeout.
 *
 * ```ts
 * const client = await connect(MyClient, { port: 6380 });
 * client.push("PING\r\n");
 * ```
 */
export function connect<C extends AsyncChat<any>>(channel: ChannelFactory<C>, options: ConnectOptions): Promise<C> {
  validateChannelFactory(channel);
  if (typeof options !== "object" || options === null || typeof options.port !== "number") {
    throw invalidArgType("options.port", "a number", options?.port);
  }
  const host = options.host ?? "127.0.0.1";
  const timeout = options.timeout ?? 10_000;
  return new Promise<C>((resolve, reject) => {
    let socket: net.Socket;
    const ready = (): void => {
      cleanup();
      if (options.noDelay ?? true) socket.setNoDelay(true);
      try {
        resolve(makeChannel(channel, socket, options.channelOptions));
      } catch (error) {
        socket.destroy();
        reject(error);
      }
    };
    const fail = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`connect to ${host}:${options.port} timed out after ${timeout} ms`)), timeout);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off("error", fail);
    };
    if (options.tls) {
      const tlsOptions = options.tls === true ? {} : options.tls;
      socket = tls.connect({ servername: net.isIP(host) ? undefined : host, ...tlsOptions, host, port: options.port, allowHalfOpen: true } as tls.ConnectionOptions, ready);
    } else {
      socket = net.connect({ host, port: options.port, allowHalfOpen: true }, ready);
    }
    socket.on("error", fail);
  });
}

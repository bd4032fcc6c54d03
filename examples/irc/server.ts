/**
 * The IRC server: a `ChatServer` making one {@link IrcConnection} per
 * accepted socket, all sharing one {@link Network}.
 */

import type { AddressInfo } from "node:net";
import { ChatServer } from "@asynchat/core";
import type { DeploymentOptions } from "../deployment";
import { RedisLink } from "./federation/link";
import { Network } from "./network";
import { IrcConnection } from "./protocol";
import { type IrcServerOptions, resolveSettings } from "./settings";

/** A running IRC server. */
export class IrcServer {
  /** The shared state: clients, nicknames, channels. */
  readonly network: Network;
  readonly #server: ChatServer<IrcConnection>;
  /** The link to the network's Redis, when this server is a node of a network. */
  readonly link: RedisLink | null;

  /**
   * @param options limits, intervals, password and MOTD, see {@link IrcServerOptions}
   * @param deployment the PROXY protocol behind a balancer, see {@link DeploymentOptions}
   * @throws TypeError or RangeError for a bad option
   */
  constructor(options: IrcServerOptions = {}, deployment: DeploymentOptions = {}) {
    const network = new Network(resolveSettings(options));
    this.network = network;
    const { redis, presenceTimeout } = network.settings;
    this.link = redis === null ? null : new RedisLink(network, { url: redis, presenceTimeout });
    this.#server = new ChatServer((socket) => new IrcConnection(socket, network), {
      maxConnections: network.settings.maxConnections,
      refuseMessage: "ERROR :Closing Link: too many connections\r\n",
      // The keep-alive (PING after pingInterval of silence, dropped pingTimeout later) finds dead peers sooner;
      // the server's default idle timeout would be a second timer on every connection for the same job.
      idleTimeout: 0,
      ...deployment,
    });
  }

  /** The bound address, or null before {@link listen} resolves. */
  get address(): AddressInfo | null {
    return this.#server.address;
  }

  /** Joins the network first when there is one, then starts accepting connections (port 0 picks a free one). */
  async listen(port: number, host = "127.0.0.1"): Promise<AddressInfo> {
    await this.link?.start();
    return this.#server.listen(port, host);
  }

  /** Stops accepting connections; the clients stay until {@link close} (a rolling restart's first step). */
  stopListening(): void {
    this.#server.stopListening();
  }

  /** Tells every client the server is shutting down, lets their output drain, and stops (leaving the network). */
  async close(): Promise<void> {
    this.network.quitAll("Server shutting down");
    await this.link?.stop();
    await this.#server.close();
  }
}

/** Creates an IRC server and starts it listening; resolves once it accepts connections. */
export async function startIrcServer(port: number, host: string, options: IrcServerOptions = {}, deployment: DeploymentOptions = {}): Promise<IrcServer> {
  const server = new IrcServer(options, deployment);
  await server.listen(port, host);
  return server;
}

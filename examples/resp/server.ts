/**
 * The RESP server: a ChatServer making one RespConnection per client, the
 * shared state, and the periodic sweep of expired keys.
 */

import { ChatServer } from "@asynchat/core";
import type { DeploymentOptions } from "../deployment";
import { ErrorReplies } from "./errors";
import { RespConnection } from "./protocol";
import { ServerState } from "./session";
import { DEFAULT_SETTINGS, type RespSettings, checkSettings } from "./settings";

/** A running RESP server. */
export interface RespServer {
  /** The bound address (its port matters when 0 was asked for). */
  readonly address: { port: number; address: string } | null;
  /** The shared state: key space, settings, clients. */
  readonly state: ServerState;
  /** The underlying ChatServer (its channels are the connections). */
  readonly chat: ChatServer<RespConnection>;
  /** Stops accepting; the clients carry on until {@link close} (a rolling restart's first step). */
  stopListening(): void;
  /** Stops accepting, lets every client receive what it is owed, stops the sweep. */
  close(): Promise<void>;
}

/** Options of {@link startRespServer}: where to listen, and any settings to change. */
export interface RespServerOptions extends Partial<RespSettings> {
  /** Port to listen on; 0 picks a free one. Default 6380. */
  port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
}

/** Starts a RESP server; resolves once it accepts connections. `deployment`: the PROXY protocol behind a balancer. */
export async function startRespServer(options: RespServerOptions = {}, deployment: DeploymentOptions = {}): Promise<RespServer> {
  const { port = 6380, host = "127.0.0.1", ...overrides } = options;
  const settings = checkSettings({ ...DEFAULT_SETTINGS, ...overrides });
  const state = new ServerState(settings);
  const chat = new ChatServer<RespConnection>((socket) => new RespConnection(socket, state), {
    maxConnections: settings.maxClients,
    refuseMessage: ErrorReplies.MAX_CLIENTS,
    // The connection's own timeout, 0 included: `--timeout 0` means never, as in Redis.
    idleTimeout: settings.idleTimeout,
    ...deployment,
  });
  const address = await chat.listen(port, host);
  state.port = address.port;
  const sweep = setInterval(() => {
    state.keyspace.sweep();
    state.sampleOps();
  }, settings.sweepInterval);
  sweep.unref();
  let closing: Promise<void> | null = null;
  return {
    get address() {
      return chat.address;
    },
    state,
    chat,
    stopListening() {
      chat.stopListening();
    },
    close() {
      closing ??= chat.close().finally(() => clearInterval(sweep));
      return closing;
    },
  };
}

/**
 * What commands see: the server they run in (its key space, settings and
 * clients) and the client that sent them.
 */

import { Keyspace } from "./keyspace";
import type { RespSettings } from "./settings";

/** The Redis version this server answers to (the Redis 7 behaviour it follows). */
export const REDIS_VERSION = "7.0.0";

/** One connected client, as commands see it. */
export interface Session {
  /** Unique per server, counting from 1 (CLIENT ID). */
  readonly id: number;
  /** Set by CLIENT SETNAME; null until then. */
  name: string | null;
  /** The server this client is connected to. */
  readonly server: ServerState;
  /** `host:port` of the peer, or `?` if unknown. */
  readonly peer: string;
  /** Milliseconds since the epoch when the client connected. */
  readonly connectedAt: number;
  /** Sends what has been replied so far, then closes (QUIT). */
  quit(): void;
}

/** State shared by every client of one server. */
export class ServerState {
  /** The one database (SELECT 0). */
  readonly keyspace = new Keyspace();
  /** Milliseconds since the epoch when the server started. */
  readonly startedAt = Date.now();
  /** Clients connected now. */
  readonly sessions = new Set<Session>();
  /** Connections accepted since the start. */
  connectionsReceived = 0;
  /** The TCP port the server listens on, once it does. */
  port = 0;
  #nextId = 1;

  /** @param settings the limits in force (read by CONFIG GET and the protocol) */
  constructor(readonly settings: Readonly<RespSettings>) {}

  /** A fresh client id. */
  nextClientId(): number {
    return this.#nextId++;
  }
}

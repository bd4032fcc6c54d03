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
  /** `host:port` of the server's end of the connection, or `?` if unknown. */
  readonly local: string;
  /** Whether the client may run commands: true from the start unless the server has a password, then after AUTH. */
  authenticated: boolean;
  /** Milliseconds since the epoch when the client connected. */
  readonly connectedAt: number;
  /** Sends what has been replied so far, then closes (QUIT). */
  quit(): void;
  /** Closes the connection now, dropping what it was sent and owed (CLIENT KILL of another client). */
  kill(): void;
}

/** Samples of the command count kept for `instantaneous_ops_per_sec` (Redis keeps 16). */
const OPS_SAMPLES = 16;

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
  /** Commands run since the start (or CONFIG RESETSTAT). */
  commandsProcessed = 0;
  /** Most clients connected at once since the start. */
  peakClients = 0;
  #nextId = 1;
  readonly #opsRates = new Float64Array(OPS_SAMPLES);
  #opsSample = 0;
  #opsAt = Date.now();
  #opsCount = 0;

  /** @param settings the limits in force (read by CONFIG GET and the protocol) */
  constructor(readonly settings: Readonly<RespSettings>) {}

  /** A fresh client id. */
  nextClientId(): number {
    return this.#nextId++;
  }

  /** Takes a sample of the command rate (called every sweep interval). */
  sampleOps(now = Date.now()): void {
    const elapsed = now - this.#opsAt;
    if (elapsed <= 0) return;
    this.#opsRates[this.#opsSample++ % OPS_SAMPLES] = ((this.commandsProcessed - this.#opsCount) * 1000) / elapsed;
    this.#opsAt = now;
    this.#opsCount = this.commandsProcessed;
  }

  /** Commands per second over the last samples (INFO's `instantaneous_ops_per_sec`). */
  get opsPerSecond(): number {
    let sum = 0;
    for (const rate of this.#opsRates) sum += rate;
    return Math.round(sum / OPS_SAMPLES);
  }

  /** CONFIG RESETSTAT: the counters start again from zero. */
  resetStats(): void {
    this.commandsProcessed = 0;
    this.#opsCount = 0;
    this.connectionsReceived = 0;
    this.peakClients = this.sessions.size;
    this.keyspace.hits = 0;
    this.keyspace.misses = 0;
    this.keyspace.expired = 0;
    this.#opsRates.fill(0);
  }
}

/**
 * The server's options, their defaults and their validation.
 */

import { MAX_LINE_BYTES } from "./message";

/** Options of the IRC server; every limit has a default. */
export interface IrcServerOptions {
  /** The server's name, the source of its numerics. Default `irc.local`. */
  serverName?: string;
  /** The network's name (001 and `NETWORK=` in 005). Default `AsynchatNet`. */
  networkName?: string;
  /** A connection password: clients must send a matching `PASS` before registering (464 otherwise). Default none. */
  password?: string | null;
  /** Message of the day, as lines; `null` (or no lines) answers 422 instead. Default: a short greeting. */
  motd?: readonly string[] | null;
  /** Milliseconds of silence before the server PINGs a client. Default 90 s. */
  pingInterval?: number;
  /** Milliseconds a PINGed client has to answer before it is dropped. Default 60 s. */
  pingTimeout?: number;
  /** Milliseconds a connection has to complete registration (NICK and USER). Default 60 s. */
  registrationTimeout?: number;
  /**
   * The receive queue: bytes of input a client may have sent that are not yet
   * a complete line. Past it the client is disconnected with "Excess Flood",
   * without the rest being read into memory. At least 512 (one line); default
   * 8192, as InspIRCd's `recvq`. Lines longer than 510 bytes but within it are
   * answered 417 and the client carries on.
   */
  maxReceiveQueue?: number;
  /** Lines a client may send at once before the flood limit applies. Default 20. */
  floodBurst?: number;
  /** Lines a second a client may send in the long run; beyond it: "Excess Flood" and disconnect. Default 4. */
  floodRate?: number;
  /** Most clients connected at once; those beyond are sent an ERROR and closed. Default 1000. */
  maxConnections?: number;
  /** Most channels one client may be on (405 beyond). Default 20. */
  maxChannelsPerClient?: number;
  /** Most targets of one PRIVMSG/NOTICE (407 beyond). Default 4. */
  maxTargets?: number;
  /** Milliseconds a disconnected client's last output (its ERROR line) may take to leave before the connection is closed anyway. Default 5 s. */
  closeTimeout?: number;
  /** Bytes of output queued for a client that does not read before it is dropped ("Max SendQ exceeded"). Default 1 MiB. */
  maxSendQueue?: number;
  /**
   * A Redis URL (`redis://127.0.0.1:6379`): this server is then a node of a
   * network whose nodes share nicknames, channels and messages through that
   * Redis; servers with the same Redis and `networkName` form one network.
   * Default none: a lone server.
   */
  redis?: string | null;
  /** With `redis`: milliseconds after which a node that stopped refreshing its presence is taken for dead and its users quit (`*.net *.split`). Default 30 s. */
  presenceTimeout?: number;
}

/** {@link IrcServerOptions} with every default filled in. */
export type IrcSettings = Readonly<Required<Omit<IrcServerOptions, "password" | "motd" | "redis">>> & {
  readonly password: string | null;
  readonly motd: readonly string[] | null;
  readonly redis: string | null;
};

/** The defaults of {@link IrcServerOptions}. */
export const DEFAULT_SETTINGS: IrcSettings = Object.freeze({
  serverName: "irc.local",
  networkName: "AsynchatNet",
  password: null,
  motd: Object.freeze([
    "Welcome to an IRC server written on @asynchat/core and @asynchat/decorators.",
    "Channels start with #, are created by joining them, and their creator is operator.",
    "Be nice.",
  ]),
  pingInterval: 90_000,
  pingTimeout: 60_000,
  registrationTimeout: 60_000,
  maxReceiveQueue: 8192,
  floodBurst: 20,
  floodRate: 4,
  maxConnections: 1000,
  maxChannelsPerClient: 20,
  maxTargets: 4,
  maxSendQueue: 1024 * 1024,
  closeTimeout: 5000,
  redis: null,
  presenceTimeout: 30_000,
});

const NUMERIC_KEYS = [
  "pingInterval",
  "pingTimeout",
  "registrationTimeout",
  "maxReceiveQueue",
  "floodBurst",
  "floodRate",
  "maxConnections",
  "maxChannelsPerClient",
  "maxTargets",
  "maxSendQueue",
  "closeTimeout",
  "presenceTimeout",
] as const;

/** Validates options and fills in the defaults; throws a `TypeError`/`RangeError` naming a bad option. */
export function resolveSettings(options: IrcServerOptions = {}): IrcSettings {
  const settings = { ...DEFAULT_SETTINGS, ...stripUndefined(options) };
  for (const key of NUMERIC_KEYS) {
    const value = settings[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`options.${key} must be a finite number > 0, got ${String(value)}`);
    }
  }
  if (!Number.isInteger(settings.maxReceiveQueue) || settings.maxReceiveQueue < MAX_LINE_BYTES) {
    throw new RangeError(`options.maxReceiveQueue must be an integer >= ${MAX_LINE_BYTES} (one line), got ${String(settings.maxReceiveQueue)}`);
  }
  for (const key of ["serverName", "networkName"] as const) {
    const value = settings[key];
    if (typeof value !== "string" || !/^[^\s:,]+$/.test(value)) {
      throw new TypeError(`options.${key} must be one word without spaces, colons or commas, got ${JSON.stringify(value)}`);
    }
  }
  if (settings.password !== null && (typeof settings.password !== "string" || settings.password === "")) {
    throw new TypeError("options.password must be a non-empty string or null");
  }
  if (settings.redis !== null && (typeof settings.redis !== "string" || !/^rediss?:\/\//.test(settings.redis))) {
    throw new TypeError(`options.redis must be a redis:// URL or null, got ${JSON.stringify(settings.redis)}`);
  }
  const motd = settings.motd;
  if (motd !== null && (!Array.isArray(motd) || motd.some((line) => typeof line !== "string"))) {
    throw new TypeError("options.motd must be an array of strings or null");
  }
  return Object.freeze({ ...settings, motd: motd === null || motd.length === 0 ? null : Object.freeze([...motd]) });
}

function stripUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

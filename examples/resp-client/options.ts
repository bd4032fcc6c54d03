/**
 * RespClient's options, their defaults and their checks.
 */

/** How the client reconnects after an established connection drops. */
export interface ReconnectOptions {
  /** Delay before the first attempt, in ms; default 50. */
  initialDelay?: number;
  /** Each failed attempt doubles the delay, up to this, in ms; default 2000. */
  maxDelay?: number;
  /** Attempts before giving up (the client then closes); default 20. */
  maxAttempts?: number;
}

/** Options of {@link RespClient.connect}. */
export interface RespClientOptions {
  /** The server's port. */
  port: number;
  /** The server's host; default `"127.0.0.1"`. */
  host?: string;
  /** Milliseconds to wait for each connection; default 10,000. */
  connectTimeout?: number;
  /** Reconnection after a drop, or `false` to close the client instead; default on, with the defaults of {@link ReconnectOptions}. */
  reconnect?: ReconnectOptions | false;
  /** Commands held while reconnecting; past it a command is rejected with `ERR_QUEUE_FULL`. Default 1000. */
  maxQueue?: number;
}

/** The options with every default filled in. */
export interface ResolvedOptions {
  port: number;
  host: string;
  connectTimeout: number;
  reconnect: Required<ReconnectOptions> | false;
  maxQueue: number;
}

/** Defaults of the reconnection. */
export const DEFAULT_RECONNECT: Required<ReconnectOptions> = { initialDelay: 50, maxDelay: 2000, maxAttempts: 20 };
/** Default bound of the queue of commands held while reconnecting. */
export const DEFAULT_MAX_QUEUE = 1000;

function invalid(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const error = new TypeError(`The "${name}" option must be ${expected}; got ${JSON.stringify(value) ?? String(value)}`) as TypeError & { code: string };
  error.code = "ERR_INVALID_ARG_VALUE";
  return error;
}

function count(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(Number.isSafeInteger(value) || value === Infinity) || value < min) {
    throw invalid(name, `an integer >= ${min}`, value);
  }
  return value;
}

/** Checks `options` and fills in the defaults; an unknown or bad option is a `TypeError` naming it. */
export function resolveOptions(options: RespClientOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) throw invalid("options", "an object with a port", options);
  const known = new Set(["port", "host", "connectTimeout", "reconnect", "maxQueue"]);
  for (const key of Object.keys(options)) if (!known.has(key)) throw invalid(key, `one of ${[...known].join(", ")} (unknown option)`, key);
  const port = count("port", options.port, NaN, 0);
  if (Number.isNaN(port) || port > 65535) throw invalid("port", "a port number", options.port);
  if (options.host !== undefined && typeof options.host !== "string") throw invalid("host", "a string", options.host);
  let reconnect: Required<ReconnectOptions> | false = false;
  if (options.reconnect !== false) {
    const given = options.reconnect ?? {};
    if (typeof given !== "object" || given === null) throw invalid("reconnect", "an object or false", given);
    reconnect = {
      initialDelay: count("reconnect.initialDelay", given.initialDelay, DEFAULT_RECONNECT.initialDelay, 0),
      maxDelay: count("reconnect.maxDelay", given.maxDelay, DEFAULT_RECONNECT.maxDelay, 0),
      maxAttempts: count("reconnect.maxAttempts", given.maxAttempts, DEFAULT_RECONNECT.maxAttempts, 1),
    };
  }
  return {
    port,
    host: options.host ?? "127.0.0.1",
    connectTimeout: count("connectTimeout", options.connectTimeout, 10_000, 1),
    reconnect,
    maxQueue: count("maxQueue", options.maxQueue, DEFAULT_MAX_QUEUE, 0),
  };
}

/**
 * The server's limits and timings, their defaults, and how they are read
 * from command-line flags (`--max-bulk-len 1048576` and so on).
 */

/** Limits and timings of a RESP server. Every limit has a finite default. */
export interface RespSettings {
  /**
   * Longest bulk string a client may send, and longest value APPEND may
   * build (Redis's `proto-max-bulk-len`, 512 MB there). Default 64 MiB.
   */
  maxBulkLength: number;
  /** Most arguments in one multibulk command (Redis 2–6's limit). Default 1024 × 1024. */
  maxMultibulkLength: number;
  /** Longest inline command line and longest header line (Redis's `PROTO_INLINE_MAX_SIZE`). Default 64 KiB. */
  maxInlineLength: number;
  /**
   * Most bytes the arguments of one multibulk command may total (Redis's
   * `client-query-buffer-limit`, 1 GB there); a client that goes past it is
   * disconnected before the data is read. Default 256 MiB.
   */
  maxQueryLength: number;
  /** Most clients connected at once (`maxclients`); one more is told so and closed. Default 10,000. */
  maxClients: number;
  /**
   * Milliseconds a client may stay silent before it is disconnected (Redis's
   * `timeout`, 0 there by default); 0 never. Default 300,000 (five minutes):
   * pooled clients reconnect when they need to.
   */
  idleTimeout: number;
  /**
   * Milliseconds from the first byte of a frame (a line, a bulk string) to
   * its end before the client is disconnected, so a client trickling bytes
   * cannot hold a half-read command forever; 0 never. Default 60,000.
   */
  frameTimeout: number;
  /** Milliseconds between two steps of the expired-key sweep. Default 100. */
  sweepInterval: number;
  /**
   * The password of the `default` user (Redis's `requirepass`): when set,
   * a client must `AUTH` before any command but AUTH, HELLO and QUIT, and
   * is told `-NOAUTH Authentication required.` otherwise. Default null: no
   * password.
   */
  requirePass: string | null;
}

/** The settings that are numbers (all but the password). */
type NumericSetting = Exclude<keyof RespSettings, "requirePass">;

/** The defaults. */
export const DEFAULT_SETTINGS: Readonly<RespSettings> = Object.freeze({
  maxBulkLength: 64 * 1024 * 1024,
  maxMultibulkLength: 1024 * 1024,
  maxInlineLength: 64 * 1024,
  maxQueryLength: 256 * 1024 * 1024,
  maxClients: 10_000,
  idleTimeout: 300_000,
  frameTimeout: 60_000,
  sweepInterval: 100,
  requirePass: null,
});

/** Command-line flags and the setting each one sets (`--timeout` is in seconds, as Redis's `timeout`). */
const FLAGS: ReadonlyArray<[flag: string, key: NumericSetting, scale: number]> = [
  ["max-bulk-len", "maxBulkLength", 1],
  ["max-multibulk-len", "maxMultibulkLength", 1],
  ["max-inline-len", "maxInlineLength", 1],
  ["max-query-len", "maxQueryLength", 1],
  ["max-clients", "maxClients", 1],
  ["timeout", "idleTimeout", 1000],
  ["frame-timeout", "frameTimeout", 1000],
];

/** Checks settings; throws a RangeError naming the first bad one and its value. */
export function checkSettings(settings: RespSettings): RespSettings {
  for (const key of Object.keys(DEFAULT_SETTINGS).filter((name) => name !== "requirePass") as NumericSetting[]) {
    const value = settings[key];
    const least = key === "idleTimeout" || key === "frameTimeout" ? 0 : 1;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < least) {
      throw new RangeError(`resp: ${key} must be an integer >= ${least}, got ${String(value)}`);
    }
  }
  const password = settings.requirePass;
  if (password !== null && (typeof password !== "string" || password.length === 0)) {
    throw new RangeError(`resp: requirePass must be a non-empty string or null, got ${JSON.stringify(password)}`);
  }
  if (settings.maxBulkLength > 2 ** 31 - 16) throw new RangeError(`resp: maxBulkLength must be below 2 GiB, got ${settings.maxBulkLength}`);
  return settings;
}

/**
 * Settings from `--name value` flags over the defaults; throws for a bad
 * value. Flags meant for other examples (`npm start` hands every example
 * the same ones) are left alone.
 */
export function settingsFromFlags(flags: Readonly<Record<string, string>>): RespSettings {
  const settings: RespSettings = { ...DEFAULT_SETTINGS };
  for (const [flag, name, scale] of FLAGS) {
    const text = flags[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) throw new RangeError(`resp: --${flag} takes a whole number, got "${text}"`);
    settings[name] = value * scale;
  }
  const password = flags["requirepass"];
  if (password !== undefined) {
    if (password === "") throw new RangeError("resp: --requirepass takes a password, got an empty one");
    settings.requirePass = password;
  }
  return checkSettings(settings);
}

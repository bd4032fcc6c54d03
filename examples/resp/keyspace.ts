/**
 * The key space: string keys to string values, and the expiry times of the
 * keys that have one. Keys are latin1 strings (one character per byte, so
 * any bytes work as a key). Values are stored as Buffers already in their
 * reply form, `$<length>\r\n<bytes>\r\n`, so GET copies (or pushes) one
 * buffer and builds nothing.
 *
 * Keys expire lazily (a key past its time is removed when it is next
 * touched) and by a periodic sweep that walks the expiring keys a slice at
 * a time.
 */

import { decimalDigits } from "./integers";
import { globMatch, matchesEverything } from "./glob";

/** Builds the stored form of `bytes[start..end)`: `$<length>\r\n<bytes>\r\n`. */
export function encodeValue(bytes: Uint8Array, start: number, end: number): Buffer {
  const length = end - start;
  const digits = decimalDigits(length);
  const value = Buffer.allocUnsafe(length + digits + 5);
  value[0] = 36;
  let rest = length;
  for (let i = digits; i >= 1; i--) {
    const next = Math.floor(rest / 10);
    value[i] = 48 + (rest - next * 10);
    rest = next;
  }
  let at = digits + 1;
  value[at++] = 13;
  value[at++] = 10;
  if (length <= 16) for (let i = start; i < end; i++) value[at++] = bytes[i]!;
  else {
    value.set(bytes.subarray(start, end), at);
    at += length;
  }
  value[at++] = 13;
  value[at] = 10;
  return value;
}

/** Builds the stored form of a latin1 string (a number's digits, say). */
export function encodeText(text: string): Buffer {
  return encodeValue(Buffer.from(text, "latin1"), 0, text.length);
}

/** Offset of the value's bytes in its stored form (after `$<length>\r\n`). */
export function valueStart(value: Buffer): number {
  let i = 1;
  while (value[i] !== 10) i++;
  return i + 1;
}

/** Length of the value's bytes. */
export function valueLength(value: Buffer): number {
  return value.length - valueStart(value) - 2;
}

/** How many expiring keys one sweep step examines at most. */
const SWEEP_SLICE = 512;

/** One database: keys, values and expiry times (milliseconds since the epoch). */
export class Keyspace {
  readonly #values = new Map<string, Buffer>();
  readonly #expires = new Map<string, number>();
  #sweepCursor: Iterator<[string, number]> | null = null;

  /** Number of keys (keys past their time that nobody has touched yet included, as in Redis). */
  get size(): number {
    return this.#values.size;
  }

  /** Number of keys with an expiry time. */
  get expiring(): number {
    return this.#expires.size;
  }

  /** The stored value of `key`, or undefined if there is none or it has expired. */
  get(key: string): Buffer | undefined {
    const value = this.#values.get(key);
    if (value === undefined || this.#expires.size === 0) return value;
    const at = this.#expires.get(key);
    if (at !== undefined && at <= Date.now()) {
      this.#values.delete(key);
      this.#expires.delete(key);
      return undefined;
    }
    return value;
  }

  /** Whether `key` exists (and has not expired). */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Sets `key` to a stored value (see {@link encodeValue}) and clears its expiry time. */
  set(key: string, value: Buffer): void {
    this.#values.set(key, value);
    if (this.#expires.size !== 0) this.#expires.delete(key);
  }

  /** Replaces the value of `key`, keeping its expiry time (INCR, APPEND). */
  replace(key: string, value: Buffer): void {
    this.#values.set(key, value);
  }

  /** Removes `key`; returns whether it existed (and had not expired). */
  delete(key: string): boolean {
    const existed = this.get(key) !== undefined;
    if (existed) {
      this.#values.delete(key);
      this.#expires.delete(key);
    }
    return existed;
  }

  /** The expiry time of `key` in ms since the epoch, -1 if it has none, -2 if the key does not exist. */
  expiryOf(key: string): number {
    if (this.get(key) === undefined) return -2;
    return this.#expires.get(key) ?? -1;
  }

  /** Sets the expiry time of an existing key (ms since the epoch). */
  setExpiry(key: string, at: number): void {
    this.#expires.set(key, at);
  }

  /** Clears the expiry time of `key`; returns whether it had one. */
  persist(key: string): boolean {
    return this.get(key) !== undefined && this.#expires.delete(key);
  }

  /** The keys matching a glob pattern, skipping those past their time. */
  keys(pattern: string): string[] {
    const all = matchesEverything(pattern);
    const now = Date.now();
    const keys: string[] = [];
    for (const key of this.#values.keys()) {
      if (!all && !globMatch(pattern, key)) continue;
      const at = this.#expires.size === 0 ? undefined : this.#expires.get(key);
      if (at !== undefined && at <= now) continue;
      keys.push(key);
    }
    return keys;
  }

  /** Removes every key. */
  clear(): void {
    this.#values.clear();
    this.#expires.clear();
    this.#sweepCursor = null;
  }

  /**
   * One step of the periodic sweep: examines up to `limit` expiring keys,
   * going on where the previous step stopped, and removes those past their
   * time. Returns the number removed.
   */
  sweep(limit = SWEEP_SLICE): number {
    if (this.#expires.size === 0) {
      this.#sweepCursor = null;
      return 0;
    }
    const now = Date.now();
    let removed = 0;
    // A Map iterator stays valid while entries are added and removed: the walk goes on where it was.
    let cursor = this.#sweepCursor ?? this.#expires.entries();
    for (let examined = 0; examined < limit; examined++) {
      const step = cursor.next();
      if (step.done === true) {
        cursor = this.#expires.entries();
        if (examined > 0) break;
        continue;
      }
      const [key, at] = step.value;
      if (at <= now) {
        this.#values.delete(key);
        this.#expires.delete(key);
        removed++;
      }
    }
    this.#sweepCursor = cursor;
    return removed;
  }
}

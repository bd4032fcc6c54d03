/**
 * The key space: a hash table from byte-string keys to string values, with
 * expiry times. It is keyed by the bytes themselves, as Redis's is: a
 * command's key is hashed and compared straight from the request buffer,
 * with no string made for it. Each entry is one Buffer, the key followed by
 * the value in its reply form (`$<length>\r\n<bytes>\r\n`), so that GET
 * copies or pushes a range of it and builds nothing, and a SET of a short
 * value of the same length rewrites it in place.
 *
 * The table uses open addressing with linear probing (deletion shifts the
 * run back, so there are no tombstones). Keys expire lazily (a key past its
 * time is removed when it is next touched) and by a periodic sweep that
 * walks the table a slice at a time.
 */

import { randomBytes } from "node:crypto";
import { globMatch, matchesEverything } from "./glob";
import { decimalDigits } from "./integers";
import { COPY_LIMIT } from "./reply";

/** Smallest table (slots); it grows at 3/4 full and shrinks below 1/8. */
const MIN_CAPACITY = 1024;
/** Slots one sweep step examines at most. */
const SWEEP_SLICE = 65_536;

/** A random seed per process, so that colliding keys cannot be prepared in advance. */
const SEED = randomBytes(4).readInt32LE(0);

/** Hash of `bytes[start..end)`, never 0: FNV-1a from a random seed, then MurmurHash3's finaliser to spread it. */
export function hashKey(bytes: Uint8Array, start: number, end: number): number {
  let hash = SEED ^ 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  // 0 marks a free slot in the table.
  return hash === 0 ? 0x5bd1e995 : hash;
}

/** Length of the entry for a key of `keyLength` bytes and a value of `length` bytes. */
function entryLength(keyLength: number, length: number): number {
  return keyLength + length + decimalDigits(length) + 5;
}

/**
 * Writes an entry into `entry` (exactly {@link entryLength} bytes): the key
 * `key[keyStart..keyEnd)`, then the value `value[valueStart..valueEnd)` as
 * `$<length>\r\n<bytes>\r\n`.
 */
function writeEntry(entry: Buffer, key: Uint8Array, keyStart: number, keyEnd: number, value: Uint8Array, valueStart: number, valueEnd: number): void {
  const keyLength = keyEnd - keyStart;
  const length = valueEnd - valueStart;
  let at = 0;
  if (keyLength <= 16) for (let i = keyStart; i < keyEnd; i++) entry[at++] = key[i]!;
  else {
    entry.set(key.subarray(keyStart, keyEnd), 0);
    at = keyLength;
  }
  entry[at] = 36;
  const digits = decimalDigits(length);
  let rest = length;
  for (let i = at + digits; i > at; i--) {
    const next = Math.floor(rest / 10);
    entry[i] = 48 + (rest - next * 10);
    rest = next;
  }
  at += digits + 1;
  entry[at++] = 13;
  entry[at++] = 10;
  if (length <= 16) for (let i = valueStart; i < valueEnd; i++) entry[at++] = value[i]!;
  else {
    entry.set(value.subarray(valueStart, valueEnd), at);
    at += length;
  }
  entry[at++] = 13;
  entry[at] = 10;
}

/**
 * Builds an entry: the key `key[keyStart..keyEnd)`, then the value
 * `value[valueStart..valueEnd)` as `$<length>\r\n<bytes>\r\n`.
 */
export function encodeEntry(key: Uint8Array, keyStart: number, keyEnd: number, value: Uint8Array, valueStart: number, valueEnd: number): Buffer {
  const entry = Buffer.allocUnsafe(entryLength(keyEnd - keyStart, valueEnd - valueStart));
  writeEntry(entry, key, keyStart, keyEnd, value, valueStart, valueEnd);
  return entry;
}

/** Where the value's bytes start in an entry whose value (reply form) starts at `replyStart`. */
export function valueStart(entry: Uint8Array, replyStart: number): number {
  let i = replyStart + 1;
  while (entry[i] !== 10) i++;
  return i + 1;
}

/** One database: keys, values and expiry times (milliseconds since the epoch). */
export class Keyspace {
  #mask = MIN_CAPACITY - 1;
  /** Per slot: the entry (key then value in reply form), or undefined for a free slot. */
  #entries: Array<Buffer | undefined> = new Array<Buffer | undefined>(MIN_CAPACITY).fill(undefined);
  /**
   * Per slot, side by side so that one cache line serves a probe: the key's
   * hash at `2 * slot` (0 for a free slot: probing reads only this array
   * until a hash matches) and its length at `2 * slot + 1`.
   */
  #meta = new Int32Array(2 * MIN_CAPACITY);
  /** Per slot: the expiry time, 0 for none (read only while some key has one). */
  #expiries = new Float64Array(MIN_CAPACITY);
  #size = 0;
  #expiring = 0;
  #sweepAt = 0;

  /** Number of keys (keys past their time that nobody has touched yet included, as in Redis). */
  get size(): number {
    return this.#size;
  }

  /** Number of keys with an expiry time. */
  get expiring(): number {
    return this.#expiring;
  }

  /**
   * The entry of the key `key[start..end)`, or undefined if there is none
   * or it has expired (it is removed then). The value, in reply form, is
   * `entry[end - start..]`. An entry whose value takes more than
   * `COPY_LIMIT` bytes is never changed once made, so it may be queued for
   * output as it is; a shorter one may be rewritten in place by the next
   * SET of the key with a value of the same length, so read or copy it at
   * once (the reply writer always copies values that short).
   */
  get(key: Uint8Array, start: number, end: number): Buffer | undefined {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    return slot < 0 ? undefined : this.#entries[slot];
  }

  /** Whether the key exists (and has not expired). */
  has(key: Uint8Array, start: number, end: number): boolean {
    return this.#find(key, start, end, hashKey(key, start, end)) >= 0;
  }

  /**
   * Sets the key `key[start..end)` to the value `value[valueStart..valueEnd)`.
   * Its expiry time is cleared, unless `keepExpiry` (INCR, APPEND, SET KEEPTTL).
   */
  set(key: Uint8Array, start: number, end: number, value: Uint8Array, valueStart: number, valueEnd: number, keepExpiry = false): void {
    const keyLength = end - start;
    const length = entryLength(keyLength, valueEnd - valueStart);
    const hash = hashKey(key, start, end);
    const slot = this.#find(key, start, end, hash);
    if (slot >= 0) {
      const old = this.#entries[slot]!;
      // A short entry of the same length is rewritten where it is (nobody outside holds on to it, see `get`).
      if (old.length === length && length - keyLength <= COPY_LIMIT) writeEntry(old, key, start, end, value, valueStart, valueEnd);
      else this.#entries[slot] = encodeEntry(key, start, end, value, valueStart, valueEnd);
      if (!keepExpiry && this.#expiries[slot] !== 0) {
        this.#expiries[slot] = 0;
        this.#expiring--;
      }
      return;
    }
    if ((this.#size + 1) * 4 > this.#entries.length * 3) this.#resize(this.#entries.length * 2);
    let free = hash & this.#mask;
    while (this.#meta[2 * free] !== 0) free = (free + 1) & this.#mask;
    this.#entries[free] = encodeEntry(key, start, end, value, valueStart, valueEnd);
    this.#meta[2 * free] = hash;
    this.#meta[2 * free + 1] = keyLength;
    this.#expiries[free] = 0;
    this.#size++;
  }

  /** Removes the key; returns whether it existed (and had not expired). */
  delete(key: Uint8Array, start: number, end: number): boolean {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0) return false;
    this.#remove(slot);
    this.#shrinkIfSparse();
    return true;
  }

  /** The key's expiry time in ms since the epoch, -1 if it has none, -2 if the key does not exist. */
  expiryOf(key: Uint8Array, start: number, end: number): number {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0) return -2;
    const at = this.#expiries[slot]!;
    return at === 0 ? -1 : at;
  }

  /** Sets the expiry time (ms since the epoch, > 0) of an existing key; returns false if there is no such key. */
  setExpiry(key: Uint8Array, start: number, end: number, at: number): boolean {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0) return false;
    if (this.#expiries[slot] === 0) this.#expiring++;
    this.#expiries[slot] = at;
    return true;
  }

  /** Clears the key's expiry time; returns whether it had one. */
  persist(key: Uint8Array, start: number, end: number): boolean {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0 || this.#expiries[slot] === 0) return false;
    this.#expiries[slot] = 0;
    this.#expiring--;
    return true;
  }

  /** The keys matching a glob pattern (keys as latin1 strings, a character per byte), skipping those past their time. */
  keys(pattern: string): string[] {
    const all = matchesEverything(pattern);
    const now = Date.now();
    const keys: string[] = [];
    const entries = this.#entries;
    for (let slot = 0; slot < entries.length; slot++) {
      if (this.#meta[2 * slot] === 0) continue;
      const entry = entries[slot]!;
      const at = this.#expiries[slot]!;
      if (at !== 0 && at <= now) continue;
      const key = entry.toString("latin1", 0, this.#meta[2 * slot + 1]);
      if (all || globMatch(pattern, key)) keys.push(key);
    }
    return keys;
  }

  /** Removes every key. */
  clear(): void {
    this.#mask = MIN_CAPACITY - 1;
    this.#entries = new Array<Buffer | undefined>(MIN_CAPACITY).fill(undefined);
    this.#meta = new Int32Array(2 * MIN_CAPACITY);
    this.#expiries = new Float64Array(MIN_CAPACITY);
    this.#size = 0;
    this.#expiring = 0;
    this.#sweepAt = 0;
  }

  /**
   * One step of the periodic sweep: examines up to `limit` slots, going on
   * where the previous step stopped, and removes the keys past their time.
   * Returns the number removed.
   */
  sweep(limit = SWEEP_SLICE): number {
    if (this.#expiring === 0) return 0;
    const now = Date.now();
    const expiries = this.#expiries;
    let at = this.#sweepAt;
    let removed = 0;
    for (let examined = 0; examined < limit && this.#expiring > 0; examined++) {
      if (at >= this.#entries.length) at = 0;
      const expiry = expiries[at]!;
      if (expiry !== 0 && expiry <= now && this.#meta[2 * at] !== 0) {
        // Removing shifts a later entry into this slot: look at it again.
        this.#remove(at);
        removed++;
      } else at++;
    }
    this.#sweepAt = at;
    if (removed > 0) this.#shrinkIfSparse();
    return removed;
  }

  /** The slot of the live key, or -1 (removing it if it is past its time). */
  #find(key: Uint8Array, start: number, end: number, hash: number): number {
    const entries = this.#entries;
    const meta = this.#meta;
    const mask = this.#mask;
    const length = end - start;
    let slot = hash & mask;
    for (;;) {
      const found = meta[2 * slot];
      if (found === 0) return -1;
      if (found === hash && meta[2 * slot + 1] === length) {
        const entry = entries[slot]!;
        let i = 0;
        while (i < length && entry[i] === key[start + i]) i++;
        if (i === length) break;
      }
      slot = (slot + 1) & mask;
    }
    if (this.#expiring !== 0) {
      const at = this.#expiries[slot]!;
      if (at !== 0 && at <= Date.now()) {
        this.#remove(slot);
        return -1;
      }
    }
    return slot;
  }

  /** Frees a slot and shifts the rest of its run back, so that every key stays reachable from its home slot. */
  #remove(slot: number): void {
    const entries = this.#entries;
    const meta = this.#meta;
    const expiries = this.#expiries;
    const mask = this.#mask;
    if (expiries[slot] !== 0) this.#expiring--;
    this.#size--;
    let hole = slot;
    let next = slot;
    for (;;) {
      next = (next + 1) & mask;
      const hash = meta[2 * next]!;
      if (hash === 0) break;
      const home = hash & mask;
      // The entry at `next` may move into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      entries[hole] = entries[next];
      meta[2 * hole] = hash;
      meta[2 * hole + 1] = meta[2 * next + 1]!;
      expiries[hole] = expiries[next]!;
      hole = next;
    }
    entries[hole] = undefined;
    meta[2 * hole] = 0;
    expiries[hole] = 0;
  }

  #shrinkIfSparse(): void {
    const capacity = this.#entries.length;
    if (capacity > MIN_CAPACITY && this.#size * 8 < capacity) this.#resize(capacity / 2);
  }

  /** Moves every entry into a table of `capacity` slots (a power of two). */
  #resize(capacity: number): void {
    const entries = this.#entries;
    const meta = this.#meta;
    const expiries = this.#expiries;
    this.#entries = new Array<Buffer | undefined>(capacity).fill(undefined);
    this.#meta = new Int32Array(2 * capacity);
    this.#expiries = new Float64Array(capacity);
    this.#mask = capacity - 1;
    this.#sweepAt = 0;
    for (let slot = 0; slot < entries.length; slot++) {
      const hash = meta[2 * slot]!;
      if (hash === 0) continue;
      let free = hash & this.#mask;
      while (this.#meta[2 * free] !== 0) free = (free + 1) & this.#mask;
      this.#entries[free] = entries[slot];
      this.#meta[2 * free] = hash;
      this.#meta[2 * free + 1] = meta[2 * slot + 1]!;
      this.#expiries[free] = expiries[slot]!;
    }
  }
}

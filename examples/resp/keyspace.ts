/**
 * The key space: a hash table from byte-string keys to string values, with
 * expiry times. It is keyed by the bytes themselves, as Redis's is: a
 * command's key is hashed and compared straight from the request buffer,
 * with no string made for it. Each entry is one Buffer, the key followed by
 * the value in its reply form (`$<length>\r\n<bytes>\r\n`), so that GET
 * copies or pushes a range of it and builds nothing, and a SET of a short
 * value of the same length rewrites it in place.
 *
 * Keys holding a list, hash, set or sorted set have an entry of the key
 * alone and their value as an object beside it (`values/`).
 *
 * The table uses open addressing with linear probing (deletion shifts the
 * run back, so there are no tombstones). Keys expire lazily (a key past its
 * time is removed when it is next touched) and by a periodic sweep that
 * walks the table a slice at a time.
 */

import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import { globMatch, matchesEverything } from "./glob";
import { decimalDigits } from "./integers";
import { COPY_LIMIT } from "./reply";
import { type Aggregate, type AggregateKind, type TypeName } from "./values";

/** What a lookup of a string returns when the key holds another type (commands reply `-WRONGTYPE`). */
export const WRONG_TYPE: unique symbol = Symbol("WRONGTYPE");
/** The type of {@link WRONG_TYPE}. */
export type WrongType = typeof WRONG_TYPE;

/** The aggregate class of a kind, for typed lookups. */
export type AggregateOf<K extends AggregateKind> = Extract<Aggregate, { kind: K }>;

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
  /** Per slot: the value when it is not a string (the entry then holds the key alone). */
  #objects: Array<Aggregate | undefined> = new Array<Aggregate | undefined>(MIN_CAPACITY).fill(undefined);
  #size = 0;
  #expiring = 0;
  /** Sum of the expiry times of the keys that have one, less `#expiryBase` each (kept small, so exact), for the average TTL. */
  #expirySum = 0;
  readonly #expiryBase = Date.now();
  #sweepAt = 0;
  /** Incremented at each table resize or clear: a SCAN cursor from before one starts over. */
  #generation = 0;
  /** Lookups by reading commands that found their key, and that did not (INFO's keyspace_hits/misses). */
  hits = 0;
  misses = 0;
  /** Keys removed because their time had come (INFO's expired_keys). */
  expired = 0;

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
   * or it has expired (it is removed then), or {@link WRONG_TYPE} if the
   * key holds something other than a string. Counts a hit or a miss. The value, in reply form, is
   * `entry[end - start..]`. An entry whose value takes more than
   * `COPY_LIMIT` bytes is never changed once made, so it may be queued for
   * output as it is; a shorter one may be rewritten in place by the next
   * SET of the key with a value of the same length, so read or copy it at
   * once (the reply writer always copies values that short).
   */
  get(key: Uint8Array, start: number, end: number): Buffer | undefined | WrongType {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return this.#objects[slot] === undefined ? this.#entries[slot] : WRONG_TYPE;
  }

  /**
   * The value of kind `kind` at the key (changes to it are changes to the
   * key), undefined if there is no key, {@link WRONG_TYPE} if it holds
   * another type. `read` counts a hit or a miss (reading commands).
   */
  object<K extends AggregateKind>(key: Uint8Array, start: number, end: number, kind: K, read = false): AggregateOf<K> | undefined | WrongType {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0) {
      if (read) this.misses++;
      return undefined;
    }
    if (read) this.hits++;
    const value = this.#objects[slot];
    return value !== undefined && value.kind === kind ? (value as AggregateOf<K>) : WRONG_TYPE;
  }

  /** Adds the key `key[start..end)`, which must not exist, holding `value`. */
  addObject(key: Uint8Array, start: number, end: number, value: Aggregate): void {
    this.#insert(hashKey(key, start, end), Buffer.from(key.subarray(start, end)), end - start, value, 0);
  }

  /** The TYPE of the key: `none` if it does not exist. */
  typeOf(key: Uint8Array, start: number, end: number): TypeName | "none" {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0) return "none";
    return this.#objects[slot]?.kind ?? "string";
  }

  /**
   * Renames a key, keeping its value and expiry time and replacing what the
   * new name held; returns false if there is no such key.
   */
  rename(key: Uint8Array, start: number, end: number, to: Uint8Array, toStart: number, toEnd: number): boolean {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0) return false;
    const keyLength = end - start;
    const entry = this.#entries[slot]!;
    const object = this.#objects[slot];
    const at = this.#expiries[slot]!;
    const toLength = toEnd - toStart;
    if (toLength === keyLength && entry.compare(to, toStart, toEnd, 0, keyLength) === 0) return true;
    this.#remove(slot);
    const target = this.#find(to, toStart, toEnd, hashKey(to, toStart, toEnd));
    if (target >= 0) this.#remove(target);
    const renamed = Buffer.allocUnsafe(toLength + entry.length - keyLength);
    renamed.set(to.subarray(toStart, toEnd), 0);
    entry.copy(renamed, toLength, keyLength);
    this.#insert(hashKey(to, toStart, toEnd), renamed, toLength, object, at);
    this.#shrinkIfSparse();
    return true;
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
      if (this.#objects[slot] !== undefined) {
        // SET over a list, hash, set or sorted set: the key becomes a string.
        this.#objects[slot] = undefined;
        this.#entries[slot] = encodeEntry(key, start, end, value, valueStart, valueEnd);
      }
      // A short entry of the same length is rewritten where it is (nobody outside holds on to it, see `get`).
      else if (old.length === length && length - keyLength <= COPY_LIMIT) writeEntry(old, key, start, end, value, valueStart, valueEnd);
      else this.#entries[slot] = encodeEntry(key, start, end, value, valueStart, valueEnd);
      if (!keepExpiry && this.#expiries[slot] !== 0) this.#setExpiryAt(slot, 0);
      return;
    }
    this.#insert(hash, encodeEntry(key, start, end, value, valueStart, valueEnd), keyLength, undefined, 0);
  }

  /** Adds an entry for a key known to be absent. */
  #insert(hash: number, entry: Buffer, keyLength: number, object: Aggregate | undefined, at: number): void {
    if ((this.#size + 1) * 4 > this.#entries.length * 3) this.#resize(this.#entries.length * 2);
    let free = hash & this.#mask;
    while (this.#meta[2 * free] !== 0) free = (free + 1) & this.#mask;
    this.#entries[free] = entry;
    this.#objects[free] = object;
    this.#meta[2 * free] = hash;
    this.#meta[2 * free + 1] = keyLength;
    this.#expiries[free] = 0;
    this.#size++;
    if (at !== 0) this.#setExpiryAt(free, at);
  }

  /** Sets or (with 0) clears a slot's expiry time, keeping the counts and the sum in step. */
  #setExpiryAt(slot: number, at: number): void {
    const old = this.#expiries[slot]!;
    if (old !== 0) {
      this.#expiring--;
      this.#expirySum -= old - this.#expiryBase;
    }
    if (at !== 0) {
      this.#expiring++;
      this.#expirySum += at - this.#expiryBase;
    }
    this.#expiries[slot] = at;
  }

  /** Average time to live in ms of the keys that expire (Redis's `avg_ttl`), 0 when none does. */
  averageTtl(now = Date.now()): number {
    if (this.#expiring === 0) return 0;
    return Math.max(0, Math.round(this.#expirySum / this.#expiring + this.#expiryBase - now));
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
    this.#setExpiryAt(slot, at);
    return true;
  }

  /** Clears the key's expiry time; returns whether it had one. */
  persist(key: Uint8Array, start: number, end: number): boolean {
    const slot = this.#find(key, start, end, hashKey(key, start, end));
    if (slot < 0 || this.#expiries[slot] === 0) return false;
    this.#setExpiryAt(slot, 0);
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
    this.#objects = new Array<Aggregate | undefined>(MIN_CAPACITY).fill(undefined);
    this.#size = 0;
    this.#expiring = 0;
    this.#expirySum = 0;
    this.#sweepAt = 0;
    this.#generation++;
  }

  /**
   * One SCAN step: from `cursor` (0 to start), hands `visit` the keys
   * (latin1) of at least `count` live keys (or of `10 × count` slots and
   * at least 4096, whichever comes first: a small database in one step) and returns the cursor to go on with, 0 once
   * the table has been walked through. Each step ends at a free slot, and
   * deleting shifts keys back only within their run of slots, so a key
   * present from the first step to the last is returned at least once. A
   * cursor from before a resize starts over (keys may then come twice, as
   * Redis allows).
   */
  scan(cursor: number, count: number, visit: (key: string, type: TypeName) => void): number {
    const capacity = this.#entries.length;
    let slot = Math.floor(cursor / 256);
    if (cursor % 256 !== (this.#generation & 255) || slot >= capacity) slot = 0;
    const now = Date.now();
    const meta = this.#meta;
    let found = 0;
    let examined = 0;
    const most = Math.max(count * 10, 4096);
    while (slot < capacity) {
      const occupied = meta[2 * slot] !== 0;
      if (!occupied && (found >= count || examined >= most)) break;
      if (occupied) {
        const at = this.#expiries[slot]!;
        if (at === 0 || at > now) {
          visit(this.#entries[slot]!.toString("latin1", 0, meta[2 * slot + 1]), this.#objects[slot]?.kind ?? "string");
          found++;
        }
      }
      examined++;
      slot++;
    }
    return slot >= capacity ? 0 : slot * 256 + (this.#generation & 255);
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
        this.expired++;
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
        this.expired++;
        return -1;
      }
    }
    return slot;
  }

  /** Frees a slot and shifts the rest of its run back, so that every key stays reachable from its home slot. */
  #remove(slot: number): void {
    const entries = this.#entries;
    const meta = this.#meta;
    const objects = this.#objects;
    const expiries = this.#expiries;
    const mask = this.#mask;
    if (expiries[slot] !== 0) this.#setExpiryAt(slot, 0);
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
      objects[hole] = objects[next];
      meta[2 * hole] = hash;
      meta[2 * hole + 1] = meta[2 * next + 1]!;
      expiries[hole] = expiries[next]!;
      hole = next;
    }
    entries[hole] = undefined;
    objects[hole] = undefined;
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
    const objects = this.#objects;
    this.#entries = new Array<Buffer | undefined>(capacity).fill(undefined);
    this.#objects = new Array<Aggregate | undefined>(capacity).fill(undefined);
    this.#generation++;
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
      this.#objects[free] = objects[slot];
      this.#meta[2 * free] = hash;
      this.#meta[2 * free + 1] = meta[2 * slot + 1]!;
      this.#expiries[free] = expiries[slot]!;
    }
  }
}

/** `bytes[start..end)` in reply form, `$<length>\r\n<bytes>\r\n`: how list elements and hash values are kept. */
export function encodeBulk(bytes: Uint8Array, start: number, end: number): Buffer {
  return encodeEntry(bytes, start, start, bytes, start, end);
}

/**
 * String commands: GET, SET (NX, XX, GET, EX, PX, EXAT, PXAT, KEEPTTL),
 * SETEX, PSETEX, SETNX, GETSET, GETDEL, MGET, MSET, APPEND, STRLEN, INCR,
 * DECR, INCRBY, DECRBY, INCRBYFLOAT. Against a key holding another type
 * they reply `-WRONGTYPE` (MGET answers nil for it; SET replaces it).
 */

import { Buffer } from "node:buffer";
import type { Args } from "../args";
import { ErrorReplies, arityError, expireTimeError } from "../errors";
import { parseFloatText } from "../floats";
import { INT64_MAX, INT64_MIN, type Int64, addInt64, parseInteger } from "../integers";
import { type Keyspace, WRONG_TYPE, type WrongType, valueStart } from "../keyspace";
import { addExtended, formatExtended, parseExtended } from "../long-double";
import { Replies, replies } from "../reply";
import type { Session } from "../session";
import type { CommandSpec } from "./table";

const NX = 1;
const XX = 2;
const GET = 4;
const KEEPTTL = 8;
const EX = 16;
const PX = 32;
const EXAT = 64;
const PXAT = 128;
const ANY_EXPIRY = EX | PX | EXAT | PXAT;

const SET_EXPIRE_ERROR = expireTimeError("set");

/**
 * The expiry time (ms since the epoch) a SET option asks for, or null after
 * replying with the error (not an integer, not positive, overflowing).
 */
export function absoluteExpiry(args: Args, index: number, unit: 1 | 1000, relative: boolean, error: Buffer): number | null {
  const value = args.integer(index);
  if (value === null) {
    replies.raw(ErrorReplies.NOT_INTEGER);
    return null;
  }
  if (value <= 0) {
    replies.raw(error);
    return null;
  }
  const base = relative ? Date.now() : 0;
  if (typeof value === "number") return value * unit + base;
  // Beyond the safe range: check as Redis does that the time stays within 64 bits.
  if (unit === 1000 && value > INT64_MAX / 1000n) {
    replies.raw(error);
    return null;
  }
  const at = value * BigInt(unit) + BigInt(base);
  if (at > INT64_MAX) {
    replies.raw(error);
    return null;
  }
  return Number(at);
}

/** The entry of the key in argument `i`, undefined, or WRONG_TYPE (see `Keyspace.get`). */
function lookup(keyspace: Keyspace, args: Args, i: number): Buffer | undefined | WrongType {
  return keyspace.get(args.buffer(i), args.start(i), args.end(i));
}

/** Stores `value[start..end)` under the key in argument `i`, clearing its expiry time unless `keepExpiry`. */
function store(keyspace: Keyspace, args: Args, i: number, value: Uint8Array, start: number, end: number, keepExpiry = false): void {
  keyspace.set(args.buffer(i), args.start(i), args.end(i), value, start, end, keepExpiry);
}

/** Replies with the value of an entry whose key is argument `i`, nil, or `-WRONGTYPE`. */
function replyValue(entry: Buffer | undefined | WrongType, args: Args, i: number): void {
  if (entry === undefined) replies.nil();
  else if (entry === WRONG_TYPE) replies.raw(ErrorReplies.WRONGTYPE);
  else replies.encodedValue(entry, args.length(i));
}

function set(session: Session, args: Args): void {
  let flags = 0;
  let expiryIndex = 0;
  for (let i = 3; i < args.count; i++) {
    const last = i === args.count - 1;
    if (args.is(i, "nx") && (flags & XX) === 0) flags |= NX;
    else if (args.is(i, "xx") && (flags & NX) === 0) flags |= XX;
    else if (args.is(i, "get")) flags |= GET;
    else if (args.is(i, "keepttl") && (flags & ANY_EXPIRY) === 0) flags |= KEEPTTL;
    else if (!last && args.is(i, "ex") && (flags & (KEEPTTL | PX | EXAT | PXAT)) === 0) (flags |= EX), (expiryIndex = ++i);
    else if (!last && args.is(i, "px") && (flags & (KEEPTTL | EX | EXAT | PXAT)) === 0) (flags |= PX), (expiryIndex = ++i);
    else if (!last && args.is(i, "exat") && (flags & (KEEPTTL | EX | PX | PXAT)) === 0) (flags |= EXAT), (expiryIndex = ++i);
    else if (!last && args.is(i, "pxat") && (flags & (KEEPTTL | EX | PX | EXAT)) === 0) (flags |= PXAT), (expiryIndex = ++i);
    else {
      replies.raw(ErrorReplies.SYNTAX);
      return;
    }
  }
  const keyspace = session.server.keyspace;
  if (flags === 0) {
    // The common case, kept short.
    store(keyspace, args, 1, args.buffer(2), args.start(2), args.end(2));
    replies.raw(Replies.OK);
    return;
  }
  let at = 0;
  if ((flags & ANY_EXPIRY) !== 0) {
    const seconds = (flags & (EX | EXAT)) !== 0;
    const expiry = absoluteExpiry(args, expiryIndex, seconds ? 1000 : 1, (flags & (EX | PX)) !== 0, SET_EXPIRE_ERROR);
    if (expiry === null) return;
    at = expiry;
  }
  const old = lookup(keyspace, args, 1);
  if ((flags & GET) !== 0) {
    replyValue(old, args, 1);
    if (old === WRONG_TYPE) return;
  }
  if (((flags & NX) !== 0 && old !== undefined) || ((flags & XX) !== 0 && old === undefined)) {
    if ((flags & GET) === 0) replies.nil();
    return;
  }
  store(keyspace, args, 1, args.buffer(2), args.start(2), args.end(2), (flags & KEEPTTL) !== 0);
  if (at !== 0) keyspace.setExpiry(args.buffer(1), args.start(1), args.end(1), at);
  if ((flags & GET) === 0) replies.raw(Replies.OK);
}

function get(session: Session, args: Args): void {
  replyValue(lookup(session.server.keyspace, args, 1), args, 1);
}

function getset(session: Session, args: Args): void {
  const keyspace = session.server.keyspace;
  // The reply first: storing may rewrite the old entry in place.
  const old = lookup(keyspace, args, 1);
  replyValue(old, args, 1);
  if (old !== WRONG_TYPE) store(keyspace, args, 1, args.buffer(2), args.start(2), args.end(2));
}

function mget(session: Session, args: Args): void {
  const keyspace = session.server.keyspace;
  replies.arrayHeader(args.count - 1);
  for (let i = 1; i < args.count; i++) {
    const entry = lookup(keyspace, args, i);
    replyValue(entry === WRONG_TYPE ? undefined : entry, args, i);
  }
}

function mset(session: Session, args: Args): void {
  if (args.count % 2 === 0) {
    replies.raw(MSET_ARITY);
    return;
  }
  const keyspace = session.server.keyspace;
  for (let i = 1; i < args.count; i += 2) store(keyspace, args, i, args.buffer(i + 1), args.start(i + 1), args.end(i + 1));
  replies.raw(Replies.OK);
}

function append(session: Session, args: Args): void {
  const keyspace = session.server.keyspace;
  const old = lookup(keyspace, args, 1);
  const added = args.length(2);
  if (old === WRONG_TYPE) {
    replies.raw(ErrorReplies.WRONGTYPE);
    return;
  }
  if (old === undefined) {
    store(keyspace, args, 1, args.buffer(2), args.start(2), args.end(2));
    replies.integer(added);
    return;
  }
  const start = valueStart(old, args.length(1));
  const oldLength = old.length - start - 2;
  const total = oldLength + added;
  if (total > session.server.settings.maxBulkLength) {
    replies.raw(ErrorReplies.STRING_TOO_LONG);
    return;
  }
  const joined = Buffer.allocUnsafe(total);
  old.copy(joined, 0, start, start + oldLength);
  args.buffer(2).copy(joined, oldLength, args.start(2), args.end(2));
  store(keyspace, args, 1, joined, 0, total, true);
  replies.integer(total);
}

function strlen(session: Session, args: Args): void {
  const entry = lookup(session.server.keyspace, args, 1);
  if (entry === WRONG_TYPE) replies.raw(ErrorReplies.WRONGTYPE);
  else replies.integer(entry === undefined ? 0 : entry.length - valueStart(entry, args.length(1)) - 2);
}

/** INCRBY's core: adds `delta` to the integer stored at the key in argument 1 (0 if none), keeping its expiry time. */
function incrementBy(session: Session, args: Args, delta: Int64): void {
  const keyspace = session.server.keyspace;
  const old = lookup(keyspace, args, 1);
  let current: Int64 = 0;
  if (old === WRONG_TYPE) {
    replies.raw(ErrorReplies.WRONGTYPE);
    return;
  }
  if (old !== undefined) {
    const parsed = parseInteger(old, valueStart(old, args.length(1)), old.length - 2);
    if (parsed === null) {
      replies.raw(ErrorReplies.NOT_INTEGER);
      return;
    }
    current = parsed;
  }
  const result = addInt64(current, delta);
  if (result === null) {
    replies.raw(ErrorReplies.OVERFLOW);
    return;
  }
  const digits = Buffer.from(String(result), "latin1");
  store(keyspace, args, 1, digits, 0, digits.length, true);
  replies.integer(result);
}

function incr(session: Session, args: Args): void {
  incrementBy(session, args, 1);
}

function decr(session: Session, args: Args): void {
  incrementBy(session, args, -1);
}

function incrby(session: Session, args: Args): void {
  const delta = args.integer(2);
  if (delta === null) replies.raw(ErrorReplies.NOT_INTEGER);
  else incrementBy(session, args, delta);
}

function decrby(session: Session, args: Args): void {
  const delta = args.integer(2);
  if (delta === null) replies.raw(ErrorReplies.NOT_INTEGER);
  else if (delta === INT64_MIN) replies.raw(ErrorReplies.DECREMENT_OVERFLOW);
  else incrementBy(session, args, -delta);
}

/** SETEX and PSETEX: SET with EX or PX, the time before the value. */
function setWithExpiry(session: Session, args: Args, unit: 1 | 1000, error: Buffer): void {
  const at = absoluteExpiry(args, 2, unit, true, error);
  if (at === null) return;
  const keyspace = session.server.keyspace;
  store(keyspace, args, 1, args.buffer(3), args.start(3), args.end(3));
  keyspace.setExpiry(args.buffer(1), args.start(1), args.end(1), at);
  replies.raw(Replies.OK);
}

const SETEX_ERROR = expireTimeError("setex");
const PSETEX_ERROR = expireTimeError("psetex");

function setex(session: Session, args: Args): void {
  setWithExpiry(session, args, 1000, SETEX_ERROR);
}

function psetex(session: Session, args: Args): void {
  setWithExpiry(session, args, 1, PSETEX_ERROR);
}

function setnx(session: Session, args: Args): void {
  const keyspace = session.server.keyspace;
  if (keyspace.typeOf(args.buffer(1), args.start(1), args.end(1)) !== "none") {
    replies.raw(Replies.ZERO);
    return;
  }
  store(keyspace, args, 1, args.buffer(2), args.start(2), args.end(2));
  replies.raw(Replies.ONE);
}

function getdel(session: Session, args: Args): void {
  const keyspace = session.server.keyspace;
  const old = lookup(keyspace, args, 1);
  replyValue(old, args, 1);
  if (old !== undefined && old !== WRONG_TYPE) keyspace.delete(args.buffer(1), args.start(1), args.end(1));
}

/**
 * INCRBYFLOAT: adds a float to the number stored at the key, keeping its
 * expiry time, in C's long double as Redis does (`long-double.ts`), and
 * stores and replies the sum as Redis prints it.
 */
function incrbyfloat(session: Session, args: Args): void {
  const keyspace = session.server.keyspace;
  const old = lookup(keyspace, args, 1);
  if (old === WRONG_TYPE) {
    replies.raw(ErrorReplies.WRONGTYPE);
    return;
  }
  const currentText = old === undefined ? "0" : old.toString("latin1", valueStart(old, args.length(1)), old.length - 2);
  const deltaText = args.text(2);
  const current = parseFloatText(currentText);
  const delta = parseFloatText(deltaText);
  if (current === null || delta === null) {
    replies.raw(ErrorReplies.NOT_FLOAT);
    return;
  }
  const a = Number.isFinite(current) ? parseExtended(currentText) : null;
  const b = Number.isFinite(delta) ? parseExtended(deltaText) : null;
  const sum = a === null || b === null ? null : addExtended(a, b);
  if (sum === null) {
    replies.raw(ErrorReplies.NAN_OR_INFINITY);
    return;
  }
  const text = Buffer.from(formatExtended(sum), "latin1");
  store(keyspace, args, 1, text, 0, text.length, true);
  replies.bulk(text, 0, text.length);
}

const MSET_ARITY = arityError("mset");

const READ = ["readonly", "fast"] as const;
const WRITE = ["write", "denyoom"] as const;
const WRITE_FAST = ["write", "denyoom", "fast"] as const;
const ONE_KEY = [1, 1, 1] as const;

/** The string commands. */
export const stringCommands: readonly CommandSpec[] = [
  { name: "get", arity: 2, flags: READ, keys: ONE_KEY, run: get },
  { name: "set", arity: -3, flags: WRITE, keys: ONE_KEY, run: set },
  { name: "getset", arity: 3, flags: WRITE_FAST, keys: ONE_KEY, run: getset },
  { name: "mget", arity: -2, flags: READ, keys: [1, -1, 1], run: mget },
  { name: "mset", arity: -3, flags: WRITE, keys: [1, -1, 2], run: mset },
  { name: "append", arity: 3, flags: WRITE_FAST, keys: ONE_KEY, run: append },
  { name: "strlen", arity: 2, flags: READ, keys: ONE_KEY, run: strlen },
  { name: "incr", arity: 2, flags: WRITE_FAST, keys: ONE_KEY, run: incr },
  { name: "decr", arity: 2, flags: WRITE_FAST, keys: ONE_KEY, run: decr },
  { name: "incrby", arity: 3, flags: WRITE_FAST, keys: ONE_KEY, run: incrby },
  { name: "decrby", arity: 3, flags: WRITE_FAST, keys: ONE_KEY, run: decrby },
  { name: "incrbyfloat", arity: 3, flags: WRITE_FAST, keys: ONE_KEY, run: incrbyfloat },
  { name: "setex", arity: 4, flags: WRITE, keys: ONE_KEY, run: setex },
  { name: "psetex", arity: 4, flags: WRITE, keys: ONE_KEY, run: psetex },
  { name: "setnx", arity: 3, flags: WRITE_FAST, keys: ONE_KEY, run: setnx },
  { name: "getdel", arity: 2, flags: ["write", "fast"], keys: ONE_KEY, run: getdel },
];

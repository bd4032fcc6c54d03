/**
 * Key space commands, for keys of any type: DEL, UNLINK, EXISTS, TYPE,
 * RENAME, EXPIRE, PEXPIRE, TTL, PTTL, PERSIST, KEYS, SCAN, DBSIZE,
 * FLUSHDB, FLUSHALL.
 */

import type { Args } from "../args";
import { ErrorReplies, expireTimeError } from "../errors";
import { globMatch, matchesEverything } from "../glob";
import { INT64_MAX, INT64_MIN } from "../integers";
import { Replies, replies } from "../reply";
import type { Session } from "../session";
import type { CommandSpec } from "./table";

function del(session: Session, args: Args): void {
  const keyspace = session.server.keyspace;
  let removed = 0;
  for (let i = 1; i < args.count; i++) if (keyspace.delete(args.buffer(i), args.start(i), args.end(i))) removed++;
  replies.integer(removed);
}

function exists(session: Session, args: Args): void {
  const keyspace = session.server.keyspace;
  let found = 0;
  for (let i = 1; i < args.count; i++) if (keyspace.has(args.buffer(i), args.start(i), args.end(i))) found++;
  replies.integer(found);
}

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

/**
 * EXPIRE and PEXPIRE: options first (NX, XX, GT, LT), then the time, then
 * the key, in Redis's order of checks. A time already past removes the key.
 */
function expireGeneric(session: Session, args: Args, unit: 1 | 1000, timeError: Buffer): void {
  let flags = 0;
  for (let i = 3; i < args.count; i++) {
    if (args.is(i, "nx")) flags |= NX;
    else if (args.is(i, "xx")) flags |= XX;
    else if (args.is(i, "gt")) flags |= GT;
    else if (args.is(i, "lt")) flags |= LT;
    else {
      replies.error(`ERR Unsupported option ${args.text(i)}`);
      return;
    }
  }
  if ((flags & NX) !== 0 && (flags & (XX | GT | LT)) !== 0) {
    replies.raw(ErrorReplies.NX_WITH_OTHERS);
    return;
  }
  if ((flags & GT) !== 0 && (flags & LT) !== 0) {
    replies.raw(ErrorReplies.GT_WITH_LT);
    return;
  }
  const value = args.integer(2);
  if (value === null) {
    replies.raw(ErrorReplies.NOT_INTEGER);
    return;
  }
  const now = Date.now();
  let at: number;
  if (typeof value === "number") at = value * unit + now;
  else {
    // Beyond the safe range: the checks Redis makes so that the time stays within 64 bits.
    if (unit === 1000 && (value > INT64_MAX / 1000n || value < INT64_MIN / 1000n)) {
      replies.raw(timeError);
      return;
    }
    const scaled = value * BigInt(unit);
    if (scaled > INT64_MAX - BigInt(now)) {
      replies.raw(timeError);
      return;
    }
    at = Number(scaled + BigInt(now));
  }
  const keyspace = session.server.keyspace;
  const [key, start, end] = [args.buffer(1), args.start(1), args.end(1)];
  const current = keyspace.expiryOf(key, start, end);
  if (current === -2) {
    replies.raw(Replies.ZERO);
    return;
  }
  if (
    ((flags & NX) !== 0 && current !== -1) ||
    ((flags & XX) !== 0 && current === -1) ||
    ((flags & GT) !== 0 && (current === -1 || at <= current)) ||
    ((flags & LT) !== 0 && current !== -1 && at >= current)
  ) {
    replies.raw(Replies.ZERO);
    return;
  }
  if (at <= now) keyspace.delete(key, start, end);
  else keyspace.setExpiry(key, start, end, at);
  replies.raw(Replies.ONE);
}

const EXPIRE_ERROR = expireTimeError("expire");
const PEXPIRE_ERROR = expireTimeError("pexpire");

function expire(session: Session, args: Args): void {
  expireGeneric(session, args, 1000, EXPIRE_ERROR);
}

function pexpire(session: Session, args: Args): void {
  expireGeneric(session, args, 1, PEXPIRE_ERROR);
}

/** TTL and PTTL: -2 no such key, -1 no expiry, else the time left (seconds rounded, or ms). */
function ttlGeneric(session: Session, args: Args, milliseconds: boolean): void {
  const at = session.server.keyspace.expiryOf(args.buffer(1), args.start(1), args.end(1));
  if (at < 0) {
    replies.integer(at);
    return;
  }
  const left = Math.max(0, at - Date.now());
  replies.integer(milliseconds ? left : Math.floor((left + 500) / 1000));
}

function ttl(session: Session, args: Args): void {
  ttlGeneric(session, args, false);
}

function pttl(session: Session, args: Args): void {
  ttlGeneric(session, args, true);
}

function persist(session: Session, args: Args): void {
  replies.raw(session.server.keyspace.persist(args.buffer(1), args.start(1), args.end(1)) ? Replies.ONE : Replies.ZERO);
}

function keys(session: Session, args: Args): void {
  const found = session.server.keyspace.keys(args.text(1));
  replies.arrayHeader(found.length);
  for (const key of found) replies.bulkText(key);
}

function type(session: Session, args: Args): void {
  replies.status(session.server.keyspace.typeOf(args.buffer(1), args.start(1), args.end(1)));
}

function rename(session: Session, args: Args): void {
  const renamed = session.server.keyspace.rename(args.buffer(1), args.start(1), args.end(1), args.buffer(2), args.start(2), args.end(2));
  replies.raw(renamed ? Replies.OK : ErrorReplies.NO_SUCH_KEY);
}

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]: one step of a walk through the keys (see `Keyspace.scan`). */
function scan(session: Session, args: Args): void {
  const cursor = args.safeInteger(1);
  if (!(cursor >= 0)) {
    replies.raw(ErrorReplies.INVALID_CURSOR);
    return;
  }
  let pattern: string | null = null;
  let count = 10;
  let wantedType: string | null = null;
  for (let i = 2; i < args.count; i += 2) {
    if (i + 1 >= args.count) {
      replies.raw(ErrorReplies.SYNTAX);
      return;
    }
    if (args.is(i, "count")) {
      const value = args.integer(i + 1);
      if (value === null) {
        replies.raw(ErrorReplies.NOT_INTEGER);
        return;
      }
      if (value < 1) {
        replies.raw(ErrorReplies.SYNTAX);
        return;
      }
      // A count past a million examines no more than a million slots per step: the step stays short.
      count = Math.min(Number(value), 1_000_000);
    } else if (args.is(i, "match")) {
      pattern = args.text(i + 1);
      if (matchesEverything(pattern)) pattern = null;
    } else if (args.is(i, "type")) wantedType = args.text(i + 1).toLowerCase();
    else {
      replies.raw(ErrorReplies.SYNTAX);
      return;
    }
  }
  const found: string[] = [];
  const next = session.server.keyspace.scan(cursor, count, (key, keyType) => {
    if ((pattern === null || globMatch(pattern, key)) && (wantedType === null || wantedType === keyType)) found.push(key);
  });
  replies.arrayHeader(2);
  replies.bulkText(String(next));
  replies.arrayHeader(found.length);
  for (const key of found) replies.bulkText(key);
}

function dbsize(session: Session): void {
  replies.integer(session.server.keyspace.size);
}

/** FLUSHDB and FLUSHALL take an optional ASYNC or SYNC (both flush at once here). */
function flush(session: Session, args: Args): void {
  if (args.count === 2 && !args.is(1, "async") && !args.is(1, "sync")) {
    replies.raw(ErrorReplies.SYNTAX);
    return;
  }
  if (args.count > 2) {
    replies.raw(ErrorReplies.SYNTAX);
    return;
  }
  session.server.keyspace.clear();
  replies.raw(Replies.OK);
}

const WRITE = ["write"] as const;
const WRITE_FAST = ["write", "fast"] as const;
const READ_FAST = ["readonly", "fast"] as const;
const ONE_KEY = [1, 1, 1] as const;
const NO_KEYS = [0, 0, 0] as const;

/** The key space commands. */
export const keyCommands: readonly CommandSpec[] = [
  { name: "del", arity: -2, flags: WRITE, keys: [1, -1, 1], run: del },
  { name: "unlink", arity: -2, flags: WRITE_FAST, keys: [1, -1, 1], run: del },
  { name: "type", arity: 2, flags: READ_FAST, keys: ONE_KEY, run: type },
  { name: "rename", arity: 3, flags: WRITE, keys: [1, 2, 1], run: rename },
  { name: "scan", arity: -2, flags: ["readonly"], keys: NO_KEYS, run: scan },
  { name: "exists", arity: -2, flags: READ_FAST, keys: [1, -1, 1], run: exists },
  { name: "expire", arity: -3, flags: WRITE_FAST, keys: ONE_KEY, run: expire },
  { name: "pexpire", arity: -3, flags: WRITE_FAST, keys: ONE_KEY, run: pexpire },
  { name: "ttl", arity: 2, flags: READ_FAST, keys: ONE_KEY, run: ttl },
  { name: "pttl", arity: 2, flags: READ_FAST, keys: ONE_KEY, run: pttl },
  { name: "persist", arity: 2, flags: WRITE_FAST, keys: ONE_KEY, run: persist },
  { name: "keys", arity: 2, flags: ["readonly"], keys: NO_KEYS, run: keys },
  { name: "dbsize", arity: 1, flags: READ_FAST, keys: NO_KEYS, run: dbsize },
  { name: "flushdb", arity: -1, flags: WRITE, keys: NO_KEYS, run: flush },
  { name: "flushall", arity: -1, flags: WRITE, keys: NO_KEYS, run: flush },
];

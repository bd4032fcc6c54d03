/**
 * Hash commands: HSET, HMSET, HGET, HMGET, HGETALL, HDEL, HLEN, HEXISTS,
 * HKEYS, HVALS, HINCRBY. Fields keep the order they were added in; values
 * are kept in reply form.
 */

import type { Args } from "../args";
import { ErrorReplies, arityError } from "../errors";
import { addInt64, parseInteger } from "../integers";
import { encodeBulk, valueStart } from "../keyspace";
import { Replies, replies } from "../reply";
import type { Session } from "../session";
import { HashValue } from "../values";
import type { CommandSpec } from "./table";
import { dropIfEmpty, valueAt, valueToFill } from "./typed";

/** HSET and HMSET key field value [field value ...]: HSET counts the new fields, HMSET says OK. */
function hset(session: Session, args: Args, countNew: boolean): void {
  if (args.count % 2 !== 0) {
    replies.raw(countNew ? HSET_ARITY : HMSET_ARITY);
    return;
  }
  const hash = valueToFill(session, args, 1, "hash", () => new HashValue());
  if (hash === null) return;
  let added = 0;
  for (let i = 2; i < args.count; i += 2) {
    const field = args.text(i);
    if (!hash.has(field)) added++;
    hash.set(field, encodeBulk(args.buffer(i + 1), args.start(i + 1), args.end(i + 1)));
  }
  if (countNew) replies.integer(added);
  else replies.raw(Replies.OK);
}

function hget(session: Session, args: Args): void {
  const hash = valueAt(session, args, 1, "hash", true);
  if (hash === null) return;
  const value = hash?.get(args.text(2));
  if (value === undefined) replies.nil();
  else replies.encodedValue(value, 0);
}

function hmget(session: Session, args: Args): void {
  const hash = valueAt(session, args, 1, "hash", true);
  if (hash === null) return;
  replies.arrayHeader(args.count - 2);
  for (let i = 2; i < args.count; i++) {
    const value = hash?.get(args.text(i));
    if (value === undefined) replies.nil();
    else replies.encodedValue(value, 0);
  }
}

/** HGETALL, HKEYS, HVALS. */
function hgetall(session: Session, args: Args, fields: boolean, values: boolean): void {
  const hash = valueAt(session, args, 1, "hash", true);
  if (hash === null) return;
  if (hash === undefined) {
    replies.raw(Replies.EMPTY_ARRAY);
    return;
  }
  replies.arrayHeader(hash.size * (fields && values ? 2 : 1));
  for (const [field, value] of hash) {
    if (fields) replies.bulkText(field);
    if (values) replies.encodedValue(value, 0);
  }
}

function hdel(session: Session, args: Args): void {
  const hash = valueAt(session, args, 1, "hash", false);
  if (hash === null) return;
  let removed = 0;
  if (hash !== undefined) {
    for (let i = 2; i < args.count; i++) if (hash.delete(args.text(i))) removed++;
    dropIfEmpty(session, args, 1, hash);
  }
  replies.integer(removed);
}

function hlen(session: Session, args: Args): void {
  const hash = valueAt(session, args, 1, "hash", true);
  if (hash !== null) replies.integer(hash?.size ?? 0);
}

function hexists(session: Session, args: Args): void {
  const hash = valueAt(session, args, 1, "hash", true);
  if (hash !== null) replies.raw(hash?.has(args.text(2)) ? Replies.ONE : Replies.ZERO);
}

/** HINCRBY key field increment: 64-bit, the field counting as 0 when absent. */
function hincrby(session: Session, args: Args): void {
  const delta = args.integer(3);
  if (delta === null) {
    replies.raw(ErrorReplies.NOT_INTEGER);
    return;
  }
  const hash = valueToFill(session, args, 1, "hash", () => new HashValue());
  if (hash === null) return;
  const field = args.text(2);
  const old = hash.get(field);
  const current = old === undefined ? 0 : parseInteger(old, valueStart(old, 0), old.length - 2);
  if (current === null) {
    replies.raw(ErrorReplies.HASH_NOT_INTEGER);
    return;
  }
  const sum = addInt64(current, delta);
  if (sum === null) {
    replies.raw(ErrorReplies.OVERFLOW);
    return;
  }
  const digits = Buffer.from(String(sum), "latin1");
  hash.set(field, encodeBulk(digits, 0, digits.length));
  replies.integer(sum);
}

const HSET_ARITY = arityError("hset");
const HMSET_ARITY = arityError("hmset");
const WRITE_FAST = ["write", "denyoom", "fast"] as const;
const READ_FAST = ["readonly", "fast"] as const;
const ONE_KEY = [1, 1, 1] as const;

/** The hash commands. */
export const hashCommands: readonly CommandSpec[] = [
  { name: "hset", arity: -4, flags: WRITE_FAST, keys: ONE_KEY, run: (session, args) => hset(session, args, true) },
  { name: "hmset", arity: -4, flags: WRITE_FAST, keys: ONE_KEY, run: (session, args) => hset(session, args, false) },
  { name: "hget", arity: 3, flags: READ_FAST, keys: ONE_KEY, run: hget },
  { name: "hmget", arity: -3, flags: READ_FAST, keys: ONE_KEY, run: hmget },
  { name: "hgetall", arity: 2, flags: ["readonly"], keys: ONE_KEY, run: (session, args) => hgetall(session, args, true, true) },
  { name: "hkeys", arity: 2, flags: ["readonly"], keys: ONE_KEY, run: (session, args) => hgetall(session, args, true, false) },
  { name: "hvals", arity: 2, flags: ["readonly"], keys: ONE_KEY, run: (session, args) => hgetall(session, args, false, true) },
  { name: "hdel", arity: -3, flags: ["write", "fast"], keys: ONE_KEY, run: hdel },
  { name: "hlen", arity: 2, flags: READ_FAST, keys: ONE_KEY, run: hlen },
  { name: "hexists", arity: 3, flags: READ_FAST, keys: ONE_KEY, run: hexists },
  { name: "hincrby", arity: 4, flags: WRITE_FAST, keys: ONE_KEY, run: hincrby },
];

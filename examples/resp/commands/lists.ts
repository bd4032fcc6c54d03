/**
 * List commands: LPUSH, RPUSH, LPOP, RPOP (with a count), LRANGE, LLEN,
 * LINDEX. Elements are kept in reply form, so replies copy bytes.
 */

import type { Args } from "../args";
import { ErrorReplies, arityError } from "../errors";
import { encodeBulk } from "../keyspace";
import { Replies, replies } from "../reply";
import type { Session } from "../session";
import { ListValue } from "../values";
import type { CommandSpec } from "./table";
import { dropIfEmpty, popCount, rankRange, valueAt, valueToFill } from "./typed";

function push(session: Session, args: Args, front: boolean): void {
  const list = valueToFill(session, args, 1, "list", () => new ListValue());
  if (list === null) return;
  for (let i = 2; i < args.count; i++) {
    const element = encodeBulk(args.buffer(i), args.start(i), args.end(i));
    if (front) list.pushFront(element);
    else list.pushBack(element);
  }
  replies.integer(list.length);
}

const LPOP_ARITY = arityError("lpop");
const RPOP_ARITY = arityError("rpop");

/** LPOP and RPOP key [count]: one element (or nil), or with a count an array (nil array when there is no key). */
function pop(session: Session, args: Args, front: boolean): void {
  if (args.count > 3) {
    replies.raw(front ? LPOP_ARITY : RPOP_ARITY);
    return;
  }
  let count = -1;
  if (args.count === 3) {
    const wanted = popCount(args, 2);
    if (wanted === null) return;
    count = wanted;
  }
  const list = valueAt(session, args, 1, "list", false);
  if (list === null) return;
  if (list === undefined) {
    replies.raw(count < 0 ? Replies.NIL : Replies.NIL_ARRAY);
    return;
  }
  if (count < 0) replies.encodedValue(front ? list.popFront()! : list.popBack()!, 0);
  else {
    const taken = Math.min(count, list.length);
    replies.arrayHeader(taken);
    for (let i = 0; i < taken; i++) replies.encodedValue(front ? list.popFront()! : list.popBack()!, 0);
  }
  dropIfEmpty(session, args, 1, list);
}

function lrange(session: Session, args: Args): void {
  const start = args.safeInteger(2);
  const stop = args.safeInteger(3);
  if (start !== start || stop !== stop) {
    replies.raw(ErrorReplies.NOT_INTEGER);
    return;
  }
  const list = valueAt(session, args, 1, "list", true);
  if (list === null) return;
  if (list === undefined) {
    replies.raw(Replies.EMPTY_ARRAY);
    return;
  }
  const [from, to] = rankRange(start, stop, list.length);
  replies.arrayHeader(to - from);
  for (let i = from; i < to; i++) replies.encodedValue(list.at(i), 0);
}

function llen(session: Session, args: Args): void {
  const list = valueAt(session, args, 1, "list", true);
  if (list !== null) replies.integer(list?.length ?? 0);
}

function lindex(session: Session, args: Args): void {
  let index = args.safeInteger(2);
  if (index !== index) {
    replies.raw(ErrorReplies.NOT_INTEGER);
    return;
  }
  const list = valueAt(session, args, 1, "list", true);
  if (list === null) return;
  if (list !== undefined && index < 0) index += list.length;
  if (list === undefined || index < 0 || index >= list.length) replies.nil();
  else replies.encodedValue(list.at(index), 0);
}

const WRITE_FAST = ["write", "denyoom", "fast"] as const;
const ONE_KEY = [1, 1, 1] as const;

/** The list commands. */
export const listCommands: readonly CommandSpec[] = [
  { name: "lpush", arity: -3, flags: WRITE_FAST, keys: ONE_KEY, run: (session, args) => push(session, args, true) },
  { name: "rpush", arity: -3, flags: WRITE_FAST, keys: ONE_KEY, run: (session, args) => push(session, args, false) },
  { name: "lpop", arity: -2, flags: ["write", "fast"], keys: ONE_KEY, run: (session, args) => pop(session, args, true) },
  { name: "rpop", arity: -2, flags: ["write", "fast"], keys: ONE_KEY, run: (session, args) => pop(session, args, false) },
  { name: "lrange", arity: 4, flags: ["readonly"], keys: ONE_KEY, run: lrange },
  { name: "llen", arity: 2, flags: ["readonly", "fast"], keys: ONE_KEY, run: llen },
  { name: "lindex", arity: 3, flags: ["readonly"], keys: ONE_KEY, run: lindex },
];

/**
 * Set commands: SADD, SREM, SISMEMBER, SCARD, SMEMBERS, SPOP (with a count).
 */

import type { Args } from "../args";
import { ErrorReplies } from "../errors";
import { Replies, replies } from "../reply";
import type { Session } from "../session";
import { SetValue } from "../values";
import type { CommandSpec } from "./table";
import { dropIfEmpty, popCount, valueAt, valueToFill } from "./typed";

function sadd(session: Session, args: Args): void {
  const set = valueToFill(session, args, 1, "set", () => new SetValue());
  if (set === null) return;
  let added = 0;
  for (let i = 2; i < args.count; i++) if (set.add(args.text(i))) added++;
  replies.integer(added);
}

function srem(session: Session, args: Args): void {
  const set = valueAt(session, args, 1, "set", false);
  if (set === null) return;
  let removed = 0;
  if (set !== undefined) {
    for (let i = 2; i < args.count; i++) if (set.delete(args.text(i))) removed++;
    dropIfEmpty(session, args, 1, set);
  }
  replies.integer(removed);
}

function sismember(session: Session, args: Args): void {
  const set = valueAt(session, args, 1, "set", true);
  if (set !== null) replies.raw(set?.has(args.text(2)) ? Replies.ONE : Replies.ZERO);
}

function scard(session: Session, args: Args): void {
  const set = valueAt(session, args, 1, "set", true);
  if (set !== null) replies.integer(set?.size ?? 0);
}

function smembers(session: Session, args: Args): void {
  const set = valueAt(session, args, 1, "set", true);
  if (set === null) return;
  const members = set?.members() ?? [];
  replies.arrayHeader(members.length);
  for (const member of members) replies.bulkText(member);
}

/** SPOP key [count]: a random member (or nil), or with a count an array of up to that many. */
function spop(session: Session, args: Args): void {
  if (args.count > 3) {
    replies.raw(ErrorReplies.SYNTAX);
    return;
  }
  let count = -1;
  if (args.count === 3) {
    const wanted = popCount(args, 2);
    if (wanted === null) return;
    count = wanted;
  }
  const set = valueAt(session, args, 1, "set", false);
  if (set === null) return;
  if (set === undefined) {
    replies.raw(count < 0 ? Replies.NIL : Replies.EMPTY_ARRAY);
    return;
  }
  if (count < 0) replies.bulkText(set.popRandom()!);
  else {
    const taken = Math.min(count, set.size);
    replies.arrayHeader(taken);
    for (let i = 0; i < taken; i++) replies.bulkText(set.popRandom()!);
  }
  dropIfEmpty(session, args, 1, set);
}

const ONE_KEY = [1, 1, 1] as const;

/** The set commands. */
export const setCommands: readonly CommandSpec[] = [
  { name: "sadd", arity: -3, flags: ["write", "denyoom", "fast"], keys: ONE_KEY, run: sadd },
  { name: "srem", arity: -3, flags: ["write", "fast"], keys: ONE_KEY, run: srem },
  { name: "sismember", arity: 3, flags: ["readonly", "fast"], keys: ONE_KEY, run: sismember },
  { name: "scard", arity: 2, flags: ["readonly", "fast"], keys: ONE_KEY, run: scard },
  { name: "smembers", arity: 2, flags: ["readonly"], keys: ONE_KEY, run: smembers },
  { name: "spop", arity: -2, flags: ["write", "fast"], keys: ONE_KEY, run: spop },
];

/**
 * What the commands on lists, hashes, sets and sorted sets share: finding
 * the value of the right type at a key (or replying `-WRONGTYPE`), creating
 * it on first write, and removing a key whose value has become empty, as
 * Redis does.
 */

import type { Args } from "../args";
import { ErrorReplies } from "../errors";
import { type AggregateOf, WRONG_TYPE } from "../keyspace";
import { replies } from "../reply";
import type { Session } from "../session";
import { type Aggregate, type AggregateKind, sizeOf } from "../values";

/**
 * The value of kind `kind` at the key in argument `i`: undefined when there
 * is no such key, null after replying `-WRONGTYPE` when it holds another
 * type. `read` counts a keyspace hit or miss (reading commands).
 */
export function valueAt<K extends AggregateKind>(session: Session, args: Args, i: number, kind: K, read: boolean): AggregateOf<K> | undefined | null {
  const value = session.server.keyspace.object(args.buffer(i), args.start(i), args.end(i), kind, read);
  if (value !== WRONG_TYPE) return value;
  replies.raw(ErrorReplies.WRONGTYPE);
  return null;
}

/**
 * The value of kind `kind` at the key in argument `i` for a command that
 * adds to it: made (empty) and stored under the key if there is none;
 * null after replying `-WRONGTYPE`.
 */
export function valueToFill<K extends AggregateKind>(session: Session, args: Args, i: number, kind: K, make: () => AggregateOf<K>): AggregateOf<K> | null {
  const value = valueAt(session, args, i, kind, false);
  if (value !== undefined) return value;
  const made = make();
  session.server.keyspace.addObject(args.buffer(i), args.start(i), args.end(i), made);
  return made;
}

/** Removes the key in argument `i` if its value has no elements left. */
export function dropIfEmpty(session: Session, args: Args, i: number, value: Aggregate): void {
  if (sizeOf(value) === 0) session.server.keyspace.delete(args.buffer(i), args.start(i), args.end(i));
}

/**
 * The optional count argument of LPOP, RPOP, SPOP, ZPOPMIN at `i`: a
 * non-negative safe integer, or null after replying Redis's error.
 */
export function popCount(args: Args, i: number): number | null {
  const count = args.integer(i);
  if (count === null || count < 0) {
    replies.raw(ErrorReplies.NOT_POSITIVE);
    return null;
  }
  return Number(count);
}

/**
 * `start` and `stop` (inclusive, negative from the end) as Redis clamps them
 * for a sequence of `length`: the first index and one past the last, an
 * empty range when they do not meet.
 */
export function rankRange(start: number, stop: number, length: number): [number, number] {
  if (start < 0) start += length;
  if (stop < 0) stop += length;
  if (start < 0) start = 0;
  if (start > stop || start >= length) return [0, 0];
  if (stop >= length) stop = length - 1;
  return [start, stop + 1];
}

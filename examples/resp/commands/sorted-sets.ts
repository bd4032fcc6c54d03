/**
 * Sorted set commands: ZADD (NX, XX, GT, LT, CH, INCR), ZREM, ZSCORE,
 * ZCARD, ZPOPMIN (with a count) and ZRANGE (by rank, BYSCORE or BYLEX,
 * REV, LIMIT, WITHSCORES). Scores are doubles, replied as C's `%.17g`.
 */

import type { Args } from "../args";
import { ErrorReplies } from "../errors";
import { formatScore, parseFloatText } from "../floats";
import { Replies, encoded, replies } from "../reply";
import type { Session } from "../session";
import { SortedSetValue } from "../values";
import type { CommandSpec } from "./table";
import { dropIfEmpty, popCount, rankRange, valueAt } from "./typed";

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;
const CH = 16;
const INCR = 32;

const NX_WITH_XX = encoded("-ERR XX and NX options at the same time are not compatible\r\n");
const GT_LT_NX = encoded("-ERR GT, LT, and/or NX options at the same time are not compatible\r\n");
const INCR_PAIRS = encoded("-ERR INCR option supports a single increment-element pair\r\n");
const SCORE_NAN = encoded("-ERR resulting score is not a number (NaN)\r\n");
const LIMIT_ALONE = encoded("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n");
const WITHSCORES_BYLEX = encoded("-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n");

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], with Redis's order of checks. */
function zadd(session: Session, args: Args): void {
  let flags = 0;
  let at = 2;
  for (; at < args.count; at++) {
    if (args.is(at, "nx")) flags |= NX;
    else if (args.is(at, "xx")) flags |= XX;
    else if (args.is(at, "gt")) flags |= GT;
    else if (args.is(at, "lt")) flags |= LT;
    else if (args.is(at, "ch")) flags |= CH;
    else if (args.is(at, "incr")) flags |= INCR;
    else break;
  }
  const elements = args.count - at;
  if (elements === 0 || elements % 2 !== 0) {
    replies.raw(ErrorReplies.SYNTAX);
    return;
  }
  if ((flags & NX) !== 0 && (flags & XX) !== 0) {
    replies.raw(NX_WITH_XX);
    return;
  }
  if (((flags & NX) !== 0 && (flags & (GT | LT)) !== 0) || ((flags & GT) !== 0 && (flags & LT) !== 0)) {
    replies.raw(GT_LT_NX);
    return;
  }
  if ((flags & INCR) !== 0 && elements > 2) {
    replies.raw(INCR_PAIRS);
    return;
  }
  const scores: number[] = [];
  for (let i = at; i < args.count; i += 2) {
    const score = parseFloatText(args.text(i));
    if (score === null) {
      replies.raw(ErrorReplies.NOT_FLOAT);
      return;
    }
    scores.push(score);
  }
  let zset = valueAt(session, args, 1, "zset", false);
  if (zset === null) return;
  if (zset === undefined) {
    if ((flags & XX) !== 0) {
      replies.raw((flags & INCR) !== 0 ? Replies.NIL : Replies.ZERO);
      return;
    }
    zset = new SortedSetValue();
    session.server.keyspace.addObject(args.buffer(1), args.start(1), args.end(1), zset);
  }
  let added = 0;
  let updated = 0;
  let result: number | null = null;
  for (let i = at, n = 0; i < args.count; i += 2, n++) {
    const member = args.text(i + 1);
    let score = scores[n]!;
    const current = zset.score(member);
    if (current === undefined) {
      if ((flags & XX) !== 0) continue;
      zset.set(member, score);
      added++;
      result = score;
      continue;
    }
    if ((flags & NX) !== 0) continue;
    if ((flags & INCR) !== 0) {
      score += current;
      if (Number.isNaN(score)) {
        replies.raw(SCORE_NAN);
        dropIfEmpty(session, args, 1, zset);
        return;
      }
    }
    if (((flags & GT) !== 0 && score <= current) || ((flags & LT) !== 0 && score >= current)) continue;
    result = score;
    if (score !== current) {
      zset.set(member, score);
      updated++;
    }
  }
  dropIfEmpty(session, args, 1, zset);
  if ((flags & INCR) !== 0) {
    if (result === null) replies.nil();
    else replies.bulkText(formatScore(result));
  } else replies.integer((flags & CH) !== 0 ? added + updated : added);
}

function zrem(session: Session, args: Args): void {
  const zset = valueAt(session, args, 1, "zset", false);
  if (zset === null) return;
  let removed = 0;
  if (zset !== undefined) {
    for (let i = 2; i < args.count; i++) if (zset.delete(args.text(i))) removed++;
    dropIfEmpty(session, args, 1, zset);
  }
  replies.integer(removed);
}

function zscore(session: Session, args: Args): void {
  const zset = valueAt(session, args, 1, "zset", true);
  if (zset === null) return;
  const score = zset?.score(args.text(2));
  if (score === undefined) replies.nil();
  else replies.bulkText(formatScore(score));
}

function zcard(session: Session, args: Args): void {
  const zset = valueAt(session, args, 1, "zset", true);
  if (zset !== null) replies.integer(zset?.size ?? 0);
}

/** ZPOPMIN key [count]: member and score pairs, lowest first. */
function zpopmin(session: Session, args: Args): void {
  if (args.count > 3) {
    replies.raw(ErrorReplies.SYNTAX);
    return;
  }
  let count = 1;
  if (args.count === 3) {
    const wanted = popCount(args, 2);
    if (wanted === null) return;
    count = wanted;
  }
  const zset = valueAt(session, args, 1, "zset", false);
  if (zset === null) return;
  if (zset === undefined) {
    replies.raw(Replies.EMPTY_ARRAY);
    return;
  }
  const taken = Math.min(count, zset.size);
  replies.arrayHeader(taken * 2);
  for (let i = 0; i < taken; i++) {
    replies.bulkText(zset.memberAt(i));
    replies.bulkText(formatScore(zset.scoreAt(i)));
  }
  zset.removeFirst(taken);
  dropIfEmpty(session, args, 1, zset);
}

/** One end of a BYSCORE range (`1.5`, `(1.5`, `-inf`), or null if malformed. */
function scoreBound(text: string): { value: number; exclusive: boolean } | null {
  const exclusive = text.startsWith("(");
  const value = parseFloatText(exclusive ? text.slice(1) : text);
  return value === null ? null : { value, exclusive };
}

/** One end of a BYLEX range (`[a`, `(a`, `-`, `+`), or null if malformed; `-`/`+` as the empty string with a flag. */
function lexBound(text: string): { value: string; exclusive: boolean; infinite: -1 | 0 | 1 } | null {
  if (text === "-") return { value: "", exclusive: false, infinite: -1 };
  if (text === "+") return { value: "", exclusive: false, infinite: 1 };
  if (text.startsWith("[") || text.startsWith("(")) return { value: text.slice(1), exclusive: text[0] === "(", infinite: 0 };
  return null;
}

/** ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]. */
function zrange(session: Session, args: Args): void {
  let withScores = false;
  let byScore = false;
  let byLex = false;
  let reverse = false;
  let offset = 0;
  let limit = -1;
  let limited = false;
  for (let i = 4; i < args.count; i++) {
    if (args.is(i, "withscores")) withScores = true;
    else if (args.is(i, "byscore")) byScore = true;
    else if (args.is(i, "bylex")) byLex = true;
    else if (args.is(i, "rev")) reverse = true;
    else if (args.is(i, "limit") && i + 2 < args.count) {
      const from = args.integer(i + 1);
      const most = args.integer(i + 2);
      if (from === null || most === null) {
        replies.raw(ErrorReplies.NOT_INTEGER);
        return;
      }
      offset = Number(from);
      limit = Number(most);
      limited = true;
      i += 2;
    } else {
      replies.raw(ErrorReplies.SYNTAX);
      return;
    }
  }
  if (byScore && byLex) {
    replies.raw(ErrorReplies.SYNTAX);
    return;
  }
  if (limited && !byScore && !byLex) {
    replies.raw(LIMIT_ALONE);
    return;
  }
  if (withScores && byLex) {
    replies.raw(WITHSCORES_BYLEX);
    return;
  }
  // With REV the range is written high end first.
  const [lowArg, highArg] = reverse && (byScore || byLex) ? [3, 2] : [2, 3];
  let ranks: [number, number];
  let zset: SortedSetValue | undefined | null;
  if (byScore) {
    const low = scoreBound(args.text(lowArg));
    const high = scoreBound(args.text(highArg));
    if (low === null || high === null) {
      replies.raw(ErrorReplies.SCORE_RANGE);
      return;
    }
    zset = valueAt(session, args, 1, "zset", true);
    if (zset === null) return;
    ranks = zset === undefined ? [0, 0] : [zset.firstRankFrom(low.value, low.exclusive), zset.firstRankFrom(high.value, !high.exclusive)];
  } else if (byLex) {
    const low = lexBound(args.text(lowArg));
    const high = lexBound(args.text(highArg));
    if (low === null || high === null) {
      replies.raw(ErrorReplies.LEX_RANGE);
      return;
    }
    zset = valueAt(session, args, 1, "zset", true);
    if (zset === null) return;
    const rankOf = (bound: NonNullable<ReturnType<typeof lexBound>>, after: boolean): number =>
      bound.infinite === -1 ? 0 : bound.infinite === 1 ? zset!.size : zset!.firstRankFromMember(bound.value, after);
    ranks = zset === undefined ? [0, 0] : [rankOf(low, low.exclusive), rankOf(high, !high.exclusive)];
  } else {
    const start = args.safeInteger(2);
    const stop = args.safeInteger(3);
    if (start !== start || stop !== stop) {
      replies.raw(ErrorReplies.NOT_INTEGER);
      return;
    }
    zset = valueAt(session, args, 1, "zset", true);
    if (zset === null) return;
    const size = zset?.size ?? 0;
    ranks = rankRange(start, stop, size);
    // REV by rank counts from the highest score.
    if (reverse) ranks = [size - ranks[1], size - ranks[0]];
  }
  if (zset === undefined || ranks[1] <= ranks[0]) {
    replies.raw(Replies.EMPTY_ARRAY);
    return;
  }
  let [from, to] = ranks;
  if (limited) {
    if (offset < 0) [from, to] = [0, 0];
    else if (reverse) {
      to = Math.max(from, to - offset);
      if (limit >= 0) from = Math.max(from, to - limit);
    } else {
      from = Math.min(to, from + offset);
      if (limit >= 0) to = Math.min(to, from + limit);
    }
  }
  const taken = Math.max(0, to - from);
  replies.arrayHeader(withScores ? taken * 2 : taken);
  for (let n = 0; n < taken; n++) {
    const rank = reverse ? to - 1 - n : from + n;
    replies.bulkText(zset.memberAt(rank));
    if (withScores) replies.bulkText(formatScore(zset.scoreAt(rank)));
  }
}

const ONE_KEY = [1, 1, 1] as const;

/** The sorted set commands. */
export const sortedSetCommands: readonly CommandSpec[] = [
  { name: "zadd", arity: -4, flags: ["write", "denyoom", "fast"], keys: ONE_KEY, run: zadd },
  { name: "zrem", arity: -3, flags: ["write", "fast"], keys: ONE_KEY, run: zrem },
  { name: "zscore", arity: 3, flags: ["readonly", "fast"], keys: ONE_KEY, run: zscore },
  { name: "zcard", arity: 2, flags: ["readonly", "fast"], keys: ONE_KEY, run: zcard },
  { name: "zpopmin", arity: -2, flags: ["write", "fast"], keys: ONE_KEY, run: zpopmin },
  { name: "zrange", arity: -4, flags: ["readonly"], keys: ONE_KEY, run: zrange },
];

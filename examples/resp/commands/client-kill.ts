/**
 * CLIENT KILL, both forms: `CLIENT KILL addr` (the old one: OK, or
 * `-ERR No such client`) and `CLIENT KILL <filter> <value> ...` with ID,
 * ADDR, LADDR, USER, TYPE and SKIPME (the number of clients closed; the
 * caller itself is spared unless `SKIPME no`). A client that kills itself
 * gets the reply first, then is closed, as in Redis.
 */

import type { Args } from "../args";
import { ErrorReplies } from "../errors";
import { Replies, replies } from "../reply";
import type { Session } from "../session";

/** What the filters of the new form ask for; null fields match everybody. */
interface KillFilter {
  id: number | null;
  addr: string | null;
  laddr: string | null;
  skipMe: boolean;
}

/** Client types CLIENT KILL TYPE knows; every client here is a `normal` one. */
const CLIENT_TYPES = new Set(["normal", "master", "slave", "replica", "pubsub"]);

/** The filters of the new form from argument 2 on, or null after replying the error. */
function parseFilter(args: Args): KillFilter | null {
  const filter: KillFilter = { id: null, addr: null, laddr: null, skipMe: true };
  for (let i = 2; i < args.count; i += 2) {
    if (i + 1 >= args.count) {
      replies.raw(ErrorReplies.SYNTAX);
      return null;
    }
    if (args.is(i, "id")) {
      const id = args.safeInteger(i + 1);
      if (!(id > 0)) {
        replies.raw(ErrorReplies.CLIENT_ID);
        return null;
      }
      filter.id = id;
    } else if (args.is(i, "addr")) filter.addr = args.text(i + 1);
    else if (args.is(i, "laddr")) filter.laddr = args.text(i + 1);
    else if (args.is(i, "user")) {
      // Every client is the default user's.
      if (!args.is(i + 1, "default")) {
        replies.error(`ERR No such user '${args.text(i + 1)}'`);
        return null;
      }
    } else if (args.is(i, "type")) {
      const type = args.text(i + 1).toLowerCase();
      if (!CLIENT_TYPES.has(type)) {
        replies.error(`ERR Unknown client type '${args.text(i + 1)}'`);
        return null;
      }
      // No masters, replicas or pubsub clients here: only `normal` matches anybody.
      if (type !== "normal") filter.id = -1;
    } else if (args.is(i, "skipme")) {
      if (args.is(i + 1, "yes")) filter.skipMe = true;
      else if (args.is(i + 1, "no")) filter.skipMe = false;
      else {
        replies.raw(ErrorReplies.SYNTAX);
        return null;
      }
    } else {
      replies.raw(ErrorReplies.SYNTAX);
      return null;
    }
  }
  return filter;
}

function matches(client: Session, filter: KillFilter, caller: Session): boolean {
  if (filter.skipMe && client === caller) return false;
  if (filter.id !== null && client.id !== filter.id) return false;
  if (filter.addr !== null && client.peer !== filter.addr) return false;
  if (filter.laddr !== null && client.local !== filter.laddr) return false;
  return true;
}

/** Closes the chosen clients; the caller, if among them, once its reply has left. */
function killAll(caller: Session, chosen: readonly Session[]): void {
  for (const client of chosen) {
    if (client === caller) caller.quit();
    else client.kill();
  }
}

/** CLIENT KILL addr | CLIENT KILL <filter> <value> [<filter> <value> ...]. */
export function clientKill(session: Session, args: Args): void {
  const clients = session.server.sessions;
  if (args.count === 3) {
    const addr = args.text(2);
    const client = [...clients].find((other) => other.peer === addr);
    if (client === undefined) {
      replies.raw(ErrorReplies.NO_SUCH_CLIENT);
      return;
    }
    replies.raw(Replies.OK);
    killAll(session, [client]);
    return;
  }
  const filter = parseFilter(args);
  if (filter === null) return;
  const chosen = [...clients].filter((client) => matches(client, filter, session));
  replies.integer(chosen.length);
  killAll(session, chosen);
}

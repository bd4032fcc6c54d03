/**
 * AUTH, and the password check HELLO shares: the `default` user's password
 * is the server's `requirePass` (`--requirepass`), compared in constant
 * time. Without one, the default user takes any password (`AUTH default x`
 * is OK) and the one-argument form gets Redis's warning.
 */

import { createHash, timingSafeEqual } from "node:crypto";
import type { Args } from "../args";
import { ErrorReplies } from "../errors";
import { Replies, replies } from "../reply";
import type { Session } from "../session";
import type { CommandSpec } from "./table";

/** SHA-256 of some bytes: equal-length digests for a constant-time comparison. */
function digest(bytes: Uint8Array): Buffer {
  return createHash("sha256").update(bytes).digest();
}

/** Whether argument `i` is the default user's password (any password is when there is none). */
function passwordMatches(session: Session, args: Args, i: number): boolean {
  const wanted = session.server.settings.requirePass;
  if (wanted === null) return true;
  const given = args.buffer(i).subarray(args.start(i), args.end(i));
  return timingSafeEqual(digest(given), digest(Buffer.from(wanted, "utf8")));
}

/**
 * Whether the username in argument `user` and the password in argument
 * `password` are the default user's; marks the session authenticated if so.
 */
export function authenticate(session: Session, args: Args, user: number, password: number): boolean {
  if (!args.is(user, "default") || !passwordMatches(session, args, password)) return false;
  session.authenticated = true;
  return true;
}

/** AUTH [username] password. */
function auth(session: Session, args: Args): void {
  if (args.count > 3) {
    replies.raw(ErrorReplies.SYNTAX);
    return;
  }
  let ok: boolean;
  if (args.count === 2) {
    if (session.server.settings.requirePass === null) {
      replies.raw(ErrorReplies.NO_PASSWORD);
      return;
    }
    ok = passwordMatches(session, args, 1);
    if (ok) session.authenticated = true;
  } else ok = authenticate(session, args, 1, 2);
  replies.raw(ok ? Replies.OK : ErrorReplies.WRONGPASS);
}

/** The AUTH command. */
export const authCommands: readonly CommandSpec[] = [
  { name: "auth", arity: -2, flags: ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], keys: [0, 0, 0], run: auth, noAuth: true },
];

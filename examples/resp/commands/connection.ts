/**
 * Connection commands: PING, ECHO, TIME, SELECT (only database 0 exists), HELLO
 * (RESP2 only), QUIT, AUTH, and CLIENT ID / GETNAME / SETNAME / SETINFO /
 * LIST / INFO / KILL / HELP.
 */

import type { Args } from "../args";
import { ErrorReplies, arityError } from "../errors";
import { Replies, encoded, replies } from "../reply";
import { REDIS_VERSION, type Session } from "../session";
import { authCommands, authenticate } from "./auth";
import { clientKill } from "./client-kill";
import type { CommandSpec } from "./table";

const PING_ARITY = arityError("ping");

function ping(_session: Session, args: Args): void {
  if (args.count === 1) replies.raw(Replies.PONG);
  else if (args.count === 2) replies.bulk(args.buffer(1), args.start(1), args.end(1));
  else replies.raw(PING_ARITY);
}

function echo(_session: Session, args: Args): void {
  replies.bulk(args.buffer(1), args.start(1), args.end(1));
}

function select(_session: Session, args: Args): void {
  const index = args.safeInteger(1);
  if (!(index >= -2147483648 && index <= 2147483647)) replies.raw(ErrorReplies.NOT_INTEGER);
  else if (index !== 0) replies.raw(ErrorReplies.DB_INDEX);
  else replies.raw(Replies.OK);
}

/** TIME: seconds and microseconds since the epoch, as two bulk strings. */
function time(): void {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  replies.arrayHeader(2);
  replies.bulkText(String(seconds));
  replies.bulkText(String(micros - seconds * 1_000_000));
}

function quit(session: Session): void {
  replies.raw(Replies.OK);
  session.quit();
}

/** One line of CLIENT LIST / CLIENT INFO (the fields this server knows). */
function describe(session: Session, now: number): string {
  const age = Math.floor((now - session.connectedAt) / 1000);
  return `id=${session.id} addr=${session.peer} laddr=${session.local} name=${session.name ?? ""} age=${age} db=0 user=default\n`;
}

function clientId(session: Session): void {
  replies.integer(session.id);
}

function clientGetname(session: Session): void {
  if (session.name === null) replies.nil();
  else replies.bulkText(session.name);
}

function clientSetname(session: Session, args: Args): void {
  const buffer = args.buffer(2);
  for (let i = args.start(2); i < args.end(2); i++) {
    const byte = buffer[i]!;
    if (byte < 33 || byte > 126) {
      replies.raw(ErrorReplies.CLIENT_NAME);
      return;
    }
  }
  session.name = args.length(2) === 0 ? null : args.text(2);
  replies.raw(Replies.OK);
}

/** CLIENT SETINFO LIB-NAME|LIB-VER value: accepted (clients send it on connect) and not kept. */
function clientSetinfo(_session: Session, args: Args): void {
  if (args.is(2, "lib-name") || args.is(2, "lib-ver")) replies.raw(Replies.OK);
  else replies.error(`ERR Unrecognized option '${args.text(2)}'`);
}

function clientList(session: Session): void {
  const now = Date.now();
  let text = "";
  for (const other of session.server.sessions) text += describe(other, now);
  replies.bulkText(text);
}

function clientInfo(session: Session): void {
  replies.bulkText(describe(session, Date.now()));
}

const CLIENT_HELP = helpReply("CLIENT", [
  "ID",
  "    Return the ID of the current connection.",
  "GETNAME",
  "    Return the name of the current connection.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "SETINFO <LIB-NAME|LIB-VER> <value>",
  "    Accepted for compatibility; not kept.",
  "LIST",
  "    Return information about client connections.",
  "INFO",
  "    Return information about the current client connection.",
  "KILL <ip:port>",
  "    Kill connection made from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>,",
  "    USER <username>, TYPE <normal|master|replica|pubsub>, SKIPME (YES|NO).",
]);

/** A HELP reply: an array of status lines, as Redis's `addReplyHelp` builds it. */
export function helpReply(command: string, lines: readonly string[]): Buffer {
  const all = [`${command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, "HELP", "    Print this help."];
  return encoded(`*${all.length}\r\n${all.map((line) => `+${line}\r\n`).join("")}`);
}

/**
 * HELLO [protover [AUTH username password] [SETNAME name]]: only RESP2 is
 * spoken here, so `HELLO 3` gets Redis's NOPROTO (clients then stay with
 * RESP2 or report it). AUTH checks the password as the AUTH command does;
 * a client that is not authenticated by then gets Redis's NOAUTH for HELLO.
 */
function hello(session: Session, args: Args): void {
  if (args.count >= 2) {
    const version = args.safeInteger(1);
    if (version !== version) {
      replies.error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (version !== 2) {
      replies.error("NOPROTO unsupported protocol version");
      return;
    }
  }
  let user = 0;
  let nameAt = 0;
  for (let i = 2; i < args.count; i++) {
    const more = args.count - i - 1;
    if (args.is(i, "auth") && more >= 2) {
      user = i + 1;
      i += 2;
    } else if (args.is(i, "setname") && more >= 1) nameAt = ++i;
    else {
      replies.error(`ERR Syntax error in HELLO option '${args.text(i)}'`);
      return;
    }
  }
  if (nameAt !== 0) {
    const buffer = args.buffer(nameAt);
    for (let j = args.start(nameAt); j < args.end(nameAt); j++) {
      if (buffer[j]! < 33 || buffer[j]! > 126) {
        replies.raw(ErrorReplies.CLIENT_NAME);
        return;
      }
    }
  }
  if (user !== 0 && !authenticate(session, args, user, user + 1)) {
    replies.raw(ErrorReplies.WRONGPASS);
    return;
  }
  if (!session.authenticated) {
    replies.raw(HELLO_NOAUTH);
    return;
  }
  if (nameAt !== 0) session.name = args.length(nameAt) === 0 ? null : args.text(nameAt);
  replies.arrayHeader(14);
  replies.bulkText("server");
  replies.bulkText("redis");
  replies.bulkText("version");
  replies.bulkText(REDIS_VERSION);
  replies.bulkText("proto");
  replies.integer(2);
  replies.bulkText("id");
  replies.integer(session.id);
  replies.bulkText("mode");
  replies.bulkText("standalone");
  replies.bulkText("role");
  replies.bulkText("master");
  replies.bulkText("modules");
  replies.raw(Replies.EMPTY_ARRAY);
}

const HELLO_NOAUTH = encoded(
  "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n",
);

const FAST = ["fast"] as const;
const NO_KEYS = [0, 0, 0] as const;

/** The connection commands. */
export const connectionCommands: readonly CommandSpec[] = [
  { name: "ping", arity: -1, flags: FAST, keys: NO_KEYS, run: ping },
  { name: "echo", arity: 2, flags: FAST, keys: NO_KEYS, run: echo },
  { name: "select", arity: 2, flags: ["loading", "stale", "fast"], keys: NO_KEYS, run: select },
  { name: "hello", arity: -1, flags: ["noscript", "loading", "stale", "fast"], keys: NO_KEYS, run: hello, noAuth: true },
  { name: "time", arity: 1, flags: ["loading", "stale", "fast"], keys: NO_KEYS, run: time },
  { name: "quit", arity: -1, flags: ["allow_busy", "fast"], keys: NO_KEYS, run: quit, noAuth: true },
  ...authCommands,
  {
    name: "client",
    arity: -2,
    flags: [],
    keys: NO_KEYS,
    subcommands: [
      { name: "id", arity: 2, flags: FAST, run: clientId },
      { name: "getname", arity: 2, flags: FAST, run: clientGetname },
      { name: "setname", arity: 3, flags: FAST, run: clientSetname },
      { name: "setinfo", arity: 4, flags: FAST, run: clientSetinfo },
      { name: "list", arity: 2, flags: [], run: clientList },
      { name: "info", arity: 2, flags: [], run: clientInfo },
      { name: "kill", arity: -3, flags: ["admin", "noscript", "loading", "stale"], run: clientKill },
      { name: "help", arity: 2, flags: [], run: () => replies.raw(CLIENT_HELP) },
    ],
  },
];

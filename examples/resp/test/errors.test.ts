/**
 * Error replies and protocol errors over raw sockets, byte for byte as
 * Redis 7 sends them, and the limits: every one enforced as bytes arrive.
 */

import type { RespServer } from "../server";
import { RawClient, command, exchange, portOf, testServer } from "./helpers";

let server: RespServer;
let port: number;

beforeAll(async () => {
  server = await testServer({ maxBulkLength: 1024, maxMultibulkLength: 100, maxInlineLength: 2048 });
  port = portOf(server);
});

afterAll(() => server.close());

beforeEach(() => server.state.keyspace.clear());

describe("raw requests", () => {
  it("answers inline commands, with quotes, escapes and bare LF line ends", async () => {
    const input = 'SET greeting "hello\\r\\nworld"\r\nGET greeting\nSET \'it\\\'s\' "\\x00\\xff"\r\nSTRLEN "it\'s"\r\n   \r\nECHO\t  tabbed  \r\n';
    const expected = "+OK\r\n$12\r\nhello\r\nworld\r\n+OK\r\n:2\r\n$6\r\ntabbed\r\n";
    expect(await exchange(port, input, expected)).toBe(expected);
  });

  it("answers a thousand commands written at once, in order", async () => {
    const requests: Buffer[] = [];
    let expected = "";
    for (let i = 0; i < 1000; i++) {
      if (i % 3 === 0) {
        requests.push(command("INCR", "n"));
        expected += `:${i / 3 + 1}\r\n`;
      } else if (i % 3 === 1) {
        requests.push(Buffer.from(`ECHO e${i}\r\n`));
        expected += `$${String(i).length + 1}\r\ne${i}\r\n`;
      } else {
        requests.push(command("GET", "n"));
        expected += `$${String((i + 1) / 3).length}\r\n${(i + 1) / 3}\r\n`;
      }
    }
    expect(await exchange(port, Buffer.concat(requests), expected)).toBe(expected);
  });
});

/** [request, reply] pairs, each checked as Redis 7.0 answers it (the connection stays open). */
const COMMAND_ERRORS: ReadonlyArray<[string, string]> = [
  ["GET\r\n", "-ERR wrong number of arguments for 'get' command\r\n"],
  ["get a b\r\n", "-ERR wrong number of arguments for 'get' command\r\n"],
  ["SeT a\r\n", "-ERR wrong number of arguments for 'set' command\r\n"],
  ["ping a b\r\n", "-ERR wrong number of arguments for 'ping' command\r\n"],
  ["mset a b c\r\n", "-ERR wrong number of arguments for 'mset' command\r\n"],
  ["client setname\r\n", "-ERR wrong number of arguments for 'client|setname' command\r\n"],
  ["config get\r\n", "-ERR wrong number of arguments for 'config|get' command\r\n"],
  ["foo bar baz\r\n", "-ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \r\n"],
  ["FOO\r\n", "-ERR unknown command 'FOO', with args beginning with: \r\n"],
  ["client nope\r\n", "-ERR unknown subcommand 'nope'. Try CLIENT HELP.\r\n"],
  ["config set maxmemory 1\r\n", "-ERR unknown subcommand 'set'. Try CONFIG HELP.\r\n"],
  ["command nope\r\n", "-ERR unknown subcommand 'nope'. Try COMMAND HELP.\r\n"],
  ["set a b c\r\n", "-ERR syntax error\r\n"],
  ["set a b NX XX\r\n", "-ERR syntax error\r\n"],
  ["set a b EX\r\n", "-ERR syntax error\r\n"],
  ["set a b KEEPTTL EX 10\r\n", "-ERR syntax error\r\n"],
  ["set a b EX 0\r\n", "-ERR invalid expire time in 'set' command\r\n"],
  ["set a b PX -5\r\n", "-ERR invalid expire time in 'set' command\r\n"],
  ["set a b EX 9223372036854775\r\n", "-ERR invalid expire time in 'set' command\r\n"],
  ["set a b EX ten\r\n", "-ERR value is not an integer or out of range\r\n"],
  ["set a b EX 9223372036854775808\r\n", "-ERR value is not an integer or out of range\r\n"],
  ["expire a 9223372036854775807\r\n", "-ERR invalid expire time in 'expire' command\r\n"],
  ["pexpire a 9223372036854775807\r\n", "-ERR invalid expire time in 'pexpire' command\r\n"],
  ["expire a 1 NX XX\r\n", "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"],
  ["expire a 1 GT LT\r\n", "-ERR GT and LT options at the same time are not compatible\r\n"],
  ["expire a 1 soon\r\n", "-ERR Unsupported option soon\r\n"],
  ["expire a x\r\n", "-ERR value is not an integer or out of range\r\n"],
  ["incrby a 1.5\r\n", "-ERR value is not an integer or out of range\r\n"],
  ["incrby a 01\r\n", "-ERR value is not an integer or out of range\r\n"],
  ["incrby a -0\r\n", "-ERR value is not an integer or out of range\r\n"],
  ["decrby a -9223372036854775808\r\n", "-ERR decrement would overflow\r\n"],
  ["select 1\r\n", "-ERR DB index is out of range\r\n"],
  ["select one\r\n", "-ERR value is not an integer or out of range\r\n"],
  ["flushdb now\r\n", "-ERR syntax error\r\n"],
  ['client setname "a b"\r\n', "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"],
  ["hello 3\r\n", "-NOPROTO unsupported protocol version\r\n"],
  ["hello two\r\n", "-ERR Protocol version is not an integer or out of range\r\n"],
];

describe("error replies", () => {
  it.each(COMMAND_ERRORS)("answers %j with Redis's error and keeps the connection", async (request, reply) => {
    const client = await RawClient.connect(port);
    client.send(`${request}PING\r\n`);
    expect(await client.reply(`${reply}+PONG\r\n`)).toBe(`${reply}+PONG\r\n`);
    expect(client.closed).toBe(false);
    client.close();
  });

  it("refuses to count on a value that is not an integer, or past the 64-bit range", async () => {
    const input = "set s abc\r\nincr s\r\nset big 9223372036854775807\r\nincr big\r\nset small -9223372036854775808\r\ndecr small\r\nincrby small 9223372036854775807\r\n";
    const expected =
      "+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n-ERR increment or decrement would overflow\r\n+OK\r\n-ERR increment or decrement would overflow\r\n:-1\r\n";
    expect(await exchange(port, input, expected)).toBe(expected);
  });

  it("refuses APPEND past the longest bulk string allowed", async () => {
    const input = `set k ${"a".repeat(1000)}\r\nappend k ${"b".repeat(24)}\r\nappend k ${"c".repeat(25)}\r\nstrlen k\r\n`;
    const expected = "+OK\r\n:1024\r\n-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n:1024\r\n";
    expect(await exchange(port, input, expected)).toBe(expected);
  });

  it("cuts the list of arguments in an unknown command's error at 128 characters", async () => {
    const long = "x".repeat(200);
    // 'a' and a space take 4 of the 128 characters; the next argument is cut to the 124 left.
    const expected = `-ERR unknown command 'nope', with args beginning with: 'a' '${"x".repeat(124)}' \r\n`;
    expect(await exchange(port, command("nope", "a", long, "more"), expected)).toBe(expected);
  });

  it("turns CR and LF inside an error reply into spaces", async () => {
    const expected = "-ERR unknown command 'a  b', with args beginning with: 'c d' \r\n";
    expect(await exchange(port, command("a\r\nb", "c\nd"), expected)).toBe(expected);
  });
});

/** [what, request, reply] for malformed requests: Redis answers, then closes. */
const PROTOCOL_ERRORS: ReadonlyArray<[string, string, string]> = [
  ["a non-number count", "*x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"],
  ["a count with a plus sign", "*+1\r\n$4\r\nPING\r\n", "-ERR Protocol error: invalid multibulk length\r\n"],
  ["a count with a leading zero", "*01\r\n$4\r\nPING\r\n", "-ERR Protocol error: invalid multibulk length\r\n"],
  ["a count above the limit", "*101\r\n", "-ERR Protocol error: invalid multibulk length\r\n"],
  ["a huge count", "*9223372036854775807\r\n", "-ERR Protocol error: invalid multibulk length\r\n"],
  ["something else than '$'", "*1\r\nPING\r\n", "-ERR Protocol error: expected '$', got 'P'\r\n"],
  ["an empty line where '$' belongs", "*1\r\n\r\n", "-ERR Protocol error: expected '$', got ' '\r\n"],
  ["a second array inside the first", "*1\r\n$4\r\nPING\r\n*1\r\n*1\r\n", "+PONG\r\n-ERR Protocol error: expected '$', got '*'\r\n"],
  ["a non-number length", "*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length\r\n"],
  ["a negative length", "*1\r\n$-1\r\n", "-ERR Protocol error: invalid bulk length\r\n"],
  ["a length with a plus sign", "*1\r\n$+4\r\nPING\r\n", "-ERR Protocol error: invalid bulk length\r\n"],
  ["a length above the limit", "*2\r\n$4\r\nECHO\r\n$1025\r\n", "-ERR Protocol error: invalid bulk length\r\n"],
  ["a length beyond any integer", "*1\r\n$9007199254740992\r\n", "-ERR Protocol error: invalid bulk length\r\n"],
  ["a bulk string without its CR LF", "*1\r\n$4\r\nPINGxx", "-ERR Protocol error: expected CRLF after bulk string\r\n"],
  ["an unbalanced double quote", 'ECHO "abc\r\n', "-ERR Protocol error: unbalanced quotes in request\r\n"],
  ["an unbalanced single quote", "ECHO 'abc\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"],
  ["a closing quote not followed by a space", 'ECHO "a"b\r\n', "-ERR Protocol error: unbalanced quotes in request\r\n"],
];

describe("protocol errors", () => {
  it.each(PROTOCOL_ERRORS)("answers %s with Redis's protocol error and closes", async (_what, request, reply) => {
    const client = await RawClient.connect(port);
    client.send(`${request}PING\r\n`);
    expect(await client.closedReply()).toBe(reply);
  });

  it("still answers the commands before the malformed one in the same write", async () => {
    const client = await RawClient.connect(port);
    client.send(Buffer.concat([command("SET", "k", "v"), Buffer.from("GET k\r\n"), command("GET", "k"), Buffer.from("*1\r\n$x\r\n")]));
    expect(await client.closedReply()).toBe("+OK\r\n$1\r\nv\r\n$1\r\nv\r\n-ERR Protocol error: invalid bulk length\r\n");
  });

  it("ignores empty lines and arrays of zero or negative length, as Redis does", async () => {
    const expected = "+PONG\r\n";
    expect(await exchange(port, "\r\n  \r\n*0\r\n*-1\r\n\nPING\r\n", expected)).toBe(expected);
  });
});

describe("limits", () => {
  it("rejects an oversized bulk length at once, before any of the bulk string arrives", async () => {
    const client = await RawClient.connect(port);
    // Only the header is sent: the error comes without waiting for the data it announces.
    client.send("*2\r\n$3\r\nSET\r\n$9007199254740992\r\n");
    expect(await client.closedReply()).toBe("-ERR Protocol error: invalid bulk length\r\n");
  });

  it("rejects a huge array length at once, before any of its elements arrive", async () => {
    const client = await RawClient.connect(port);
    client.send("*1048577\r\n");
    expect(await client.closedReply()).toBe("-ERR Protocol error: invalid multibulk length\r\n");
  });

  it("accepts a bulk string of exactly the longest length allowed", async () => {
    const value = "v".repeat(1024);
    const expected = `+OK\r\n$1024\r\n${value}\r\n`;
    expect(await exchange(port, Buffer.concat([command("SET", "k", value), command("GET", "k")]), expected)).toBe(expected);
  });

  it("accepts an array of exactly the most arguments allowed", async () => {
    const keys = Array.from({ length: 99 }, (_, i) => `k${i}`);
    const expected = ":0\r\n";
    expect(await exchange(port, command("EXISTS", ...keys), expected)).toBe(expected);
  });

  it("rejects an inline request longer than the limit before its end arrives", async () => {
    const client = await RawClient.connect(port);
    // No line end at all: the limit is found as the bytes arrive.
    client.send(`ECHO ${"a".repeat(4096)}`);
    expect(await client.closedReply()).toBe("-ERR Protocol error: too big inline request\r\n");
  });

  it("rejects a bulk length line longer than the limit", async () => {
    const client = await RawClient.connect(port);
    client.send(`*1\r\n$${"1".repeat(4096)}`);
    expect(await client.closedReply()).toBe("-ERR Protocol error: too big bulk count string\r\n");
  });

  it("accepts an inline request of exactly the longest length allowed, and not one byte more", async () => {
    const expected = `$${2048 - 5}\r\n${"a".repeat(2048 - 5)}\r\n`;
    expect(await exchange(port, `ECHO ${"a".repeat(2048 - 5)}\r\n`, expected)).toBe(expected);
    expect(await exchange(port, `ECHO ${"a".repeat(2048 - 5)}\n`, expected)).toBe(expected);
    const client = await RawClient.connect(port);
    client.send(`ECHO ${"a".repeat(2048 - 4)}\n`);
    expect(await client.closedReply()).toBe("-ERR Protocol error: too big inline request\r\n");
  });

  it("tells a client beyond the most clients allowed so, and closes it", async () => {
    const small = await testServer({ maxClients: 2 });
    try {
      const first = await RawClient.connect(portOf(small));
      const second = await RawClient.connect(portOf(small));
      first.send("PING\r\n");
      second.send("PING\r\n");
      await first.reply("+PONG\r\n");
      await second.reply("+PONG\r\n");
      const third = await RawClient.connect(portOf(small));
      expect(await third.closedReply()).toBe("-ERR max number of clients reached\r\n");
      first.close();
      second.close();
    } finally {
      await small.close();
    }
  });

  it("keeps a silent client for ever with idleTimeout 0 (Redis's timeout 0), despite the server-wide default", async () => {
    const patient = await testServer({ idleTimeout: 0 });
    try {
      const client = await RawClient.connect(portOf(patient));
      client.send("PING\r\n");
      expect(await client.reply("+PONG\r\n")).toBe("+PONG\r\n");
      const [connection] = [...patient.state.sessions] as Array<{ idleTimeout?: number }>;
      expect(connection!.idleTimeout).toBe(0);
      client.close();
    } finally {
      await patient.close();
    }
  });

  it("disconnects a client silent for longer than the idle timeout", async () => {
    const impatient = await testServer({ idleTimeout: 100 });
    try {
      const client = await RawClient.connect(portOf(impatient));
      client.send("PING\r\n");
      expect(await client.closedReply()).toBe("+PONG\r\n");
    } finally {
      await impatient.close();
    }
  });
});

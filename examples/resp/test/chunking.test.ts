/**
 * Framing does not depend on how the input is cut: the same pipelined
 * transcript, fed whole, a byte at a time, split at every position and at
 * random places, gets the same replies byte for byte. Also: inline
 * commands, the replies to one read leaving as one write, and a property
 * test over random command sequences cut at random places.
 */

import { FrameTooLongError } from "@asynchat/core";
import { createSocketPair, chunkings } from "@asynchat/core/testing";
import fc from "fast-check";
import { RespConnection } from "../protocol";
import { COPY_LIMIT, FLUSH_AT } from "../reply";
import { ServerState } from "../session";
import { DEFAULT_SETTINGS } from "../settings";
import { RawClient, command, portOf, testServer } from "./helpers";

/** Lets the microtasks and the write of the last replies happen. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Feeds `chunks` to a fresh connection (a fresh key space) over an
 * in-memory socket pair, one read each, and returns every byte it wrote
 * back and how many writes that took.
 */
async function serve(chunks: readonly Buffer[]): Promise<{ replies: Buffer; writes: number; closed: boolean }> {
  const [serverEnd, clientEnd] = createSocketPair({ highWaterMark: 1024 * 1024 });
  clientEnd.resume();
  const connection = new RespConnection(serverEnd, new ServerState(DEFAULT_SETTINGS));
  let closed = false;
  connection.on("close", () => {
    closed = true;
  });
  await settle();
  for (const chunk of chunks) connection.handleRead(chunk);
  await settle();
  await settle();
  const result = { replies: serverEnd.writtenBytes(), writes: serverEnd.writeCount, closed };
  connection.destroy();
  return result;
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** A pipelined session touching every path of the framing: multibulk, inline, binary, errors, ignored lines. */
const TRANSCRIPT = Buffer.concat([
  command("SET", "bin", ALL_BYTES),
  command("GET", "bin"),
  Buffer.from("SET inline \"quoted \\r\\n value\"\r\n"),
  command("GET", "inline"),
  command("SET", "crlf", "a\r\n$3\r\n*1\r\nb"),
  command("APPEND", "crlf", "\r\n"),
  command("GET", "crlf"),
  Buffer.from("\r\n*0\r\n*-1\r\n"),
  command("INCR", "n"),
  Buffer.from("INCRBY n 41\n"),
  command("MGET", "n", "nope", "inline"),
  command("NOPE", "x", "y"),
  command("GET"),
  command("ECHO", ""),
  command("SET", "empty", ""),
  command("STRLEN", "empty"),
  Buffer.from("exists n n nope\r\n"),
  command("DEL", "n", "bin"),
  command("DBSIZE"),
  command("QUIT"),
  command("PING"),
]);

/** A bulk string reply. */
function bulk(text: string): string {
  return `$${text.length}\r\n${text}\r\n`;
}

const EXPECTED = [
  "+OK\r\n",
  bulk(ALL_BYTES.toString("latin1")),
  "+OK\r\n",
  bulk("quoted \r\n value"),
  "+OK\r\n",
  ":14\r\n",
  bulk("a\r\n$3\r\n*1\r\nb\r\n"),
  ":1\r\n",
  ":42\r\n",
  `*3\r\n${bulk("42")}$-1\r\n${bulk("quoted \r\n value")}`,
  "-ERR unknown command 'NOPE', with args beginning with: 'x' 'y' \r\n",
  "-ERR wrong number of arguments for 'get' command\r\n",
  "$0\r\n\r\n",
  "+OK\r\n",
  ":0\r\n",
  ":2\r\n",
  ":2\r\n",
  ":3\r\n",
  "+OK\r\n",
].join("");

describe("a pipelined transcript cut anywhere", () => {
  it("gets the expected replies when fed whole, and closes after QUIT", async () => {
    const { replies, closed } = await serve([TRANSCRIPT]);
    expect(replies.toString("latin1")).toBe(EXPECTED);
    expect(closed).toBe(true);
  });

  it("gets the same replies in every chunking: byte by byte, split at every position, at random", async () => {
    let tried = 0;
    for (const chunking of chunkings(TRANSCRIPT, { exhaustiveUpTo: TRANSCRIPT.length, randomRuns: 50, sizes: [1, 2, 3, 5, 7, 13, 64] })) {
      const { replies } = await serve(chunking.chunks);
      if (replies.toString("latin1") !== EXPECTED) throw new Error(`replies differ when fed ${chunking.name}: ${JSON.stringify(replies.toString("latin1"))}`);
      tried++;
    }
    expect(tried).toBeGreaterThan(TRANSCRIPT.length);
  });

  it("gets the same replies over TCP when written a few bytes at a time", async () => {
    const server = await testServer();
    try {
      const client = await RawClient.connect(portOf(server));
      for (let i = 0; i < TRANSCRIPT.length; i += 5) {
        client.send(TRANSCRIPT.subarray(i, i + 5));
        await settle();
      }
      expect(await client.closedReply()).toBe(EXPECTED);
    } finally {
      await server.close();
    }
  });
});

describe("batching", () => {
  it("answers a whole pipeline that arrives in one read with one write", async () => {
    const pipeline = Buffer.concat(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? command("SET", `k${i}`, "v") : command("GET", `k${i - 1}`))));
    const { replies, writes } = await serve([pipeline]);
    expect(replies.toString("latin1")).toBe("+OK\r\n$1\r\nv\r\n".repeat(100));
    expect(writes).toBe(1);
  });

  it("answers a pipeline of inline commands in one read with one write", async () => {
    const { replies, writes } = await serve([Buffer.from("PING\r\n".repeat(100) + "ECHO a\r\n".repeat(100))]);
    expect(replies.toString("latin1")).toBe("+PONG\r\n".repeat(100) + "$1\r\na\r\n".repeat(100));
    expect(writes).toBe(1);
  });
});

/**
 * Two connections sharing one key space in which `key` holds `value`: a
 * slow one whose client does not read until the test says so, and a fast
 * one whose client reads everything.
 */
async function slowAndFast(key: string, value: Buffer) {
  const state = new ServerState(DEFAULT_SETTINGS);
  state.keyspace.set(Buffer.from(key), 0, key.length, value, 0, value.length);
  const [slowEnd, slowClient] = createSocketPair();
  const slow = new RespConnection(slowEnd, state);
  const [fastEnd, fastClient] = createSocketPair();
  fastClient.resume();
  const fast = new RespConnection(fastEnd, state);
  await settle();
  return { slow, slowClient, fast, fastEnd };
}

describe("a pipeline that waits", () => {
  it("runs correctly when another connection used the shared argument table while it waited for its output to drain", async () => {
    const big = Buffer.alloc(2 * 1024 * 1024, "b");
    const { slow, slowClient, fast, fastEnd } = await slowAndFast("big", big);
    // The 2 MiB reply fills the output: the pipeline after it is framed only once the client reads.
    slow.handleRead(Buffer.concat([Buffer.from("GET big\r\n"), command("GET", "k"), command("GET", "k"), command("STRLEN", "big")]));
    await settle();
    fast.handleRead(Buffer.concat([command("SET", "k", "v"), command("PING")]));
    await settle();
    expect(fastEnd.writtenBytes().toString()).toBe("+OK\r\n+PONG\r\n");
    const received: Buffer[] = [];
    slowClient.on("data", (data: Buffer) => received.push(data));
    const expected = `$${big.length}\r\n${big.toString("latin1")}\r\n$1\r\nv\r\n$1\r\nv\r\n:${big.length}\r\n`;
    while (Buffer.concat(received).length < expected.length) await settle();
    expect(Buffer.concat(received).toString("latin1") === expected).toBe(true);
    slow.destroy();
    fast.destroy();
  });
});

describe("a pipeline whose replies pass the output mark", () => {
  it("stops running there, frees the argument table, and runs the rest in order once the client reads", async () => {
    const value = Buffer.alloc(COPY_LIMIT, "v");
    const { slow, slowClient, fast, fastEnd } = await slowAndFast("v", value);
    const groups = 100;
    const reply = `$${value.length}\r\n${value.toString("latin1")}\r\n`;
    // 700 GETs of 4 KiB are 2.8 MiB of replies from one read, and the first scan alone (its argument table
    // holds 1,024 arguments) takes about 450 of them: well past the 1 MiB mark.
    const group = Buffer.concat([...Array.from({ length: 7 }, () => command("GET", "v")), command("INCR", "n")]);
    slow.handleRead(Buffer.concat(Array.from({ length: groups }, () => group)));
    await settle();
    await settle();
    const mark = slow.options.outputHighWaterMark;
    expect(slow.queuedOutput).toBeGreaterThanOrEqual(mark);
    expect(slow.queuedOutput).toBeLessThanOrEqual(mark + FLUSH_AT + reply.length);
    // Another connection is served meanwhile, through the same argument table, and sees the pipeline half run.
    fast.handleRead(command("GET", "n"));
    await settle();
    const counted = Number(/^\$\d+\r\n(\d+)\r\n$/.exec(fastEnd.writtenBytes().toString())?.[1]);
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThan(groups);
    const received: Buffer[] = [];
    slowClient.on("data", (data: Buffer) => received.push(data));
    const expected = Array.from({ length: groups }, (_, i) => `${reply.repeat(7)}:${i + 1}\r\n`).join("");
    while (Buffer.concat(received).length < expected.length) await settle();
    expect(Buffer.concat(received).toString("latin1") === expected).toBe(true);
    // And the connection goes on framing what follows.
    slow.handleRead(command("PING"));
    await settle();
    await settle();
    expect(Buffer.concat(received).subarray(expected.length).toString()).toBe("+PONG\r\n");
    slow.destroy();
    fast.destroy();
  });
});

describe("random sessions cut at random places", () => {
  const key = fc.constantFrom("a", "b", "c\r\nd", "");
  const value = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes));
  const request = fc.oneof(
    fc.tuple(key, value).map(([k, v]) => command("SET", k, v)),
    key.map((k) => command("GET", k)),
    fc.tuple(key, value).map(([k, v]) => command("APPEND", k, v)),
    key.map((k) => command("INCR", k)),
    key.map((k) => command("DEL", k)),
    value.map((v) => command("ECHO", v)),
    fc.constantFrom("PING\r\n", "ECHO hello\n", "GET a\r\n", "\r\n", "*0\r\n").map((line) => Buffer.from(line)),
    fc.constant(command("NOPE")),
  );
  const session = fc.array(request, { minLength: 1, maxLength: 30 }).chain((requests) => {
    const bytes = Buffer.concat(requests);
    return fc.tuple(fc.constant(bytes), fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.length - 1) }), { maxLength: 12 }));
  });

  it("get the same replies as when fed whole", async () => {
    await fc.assert(
      fc.asyncProperty(session, async ([bytes, cuts]) => {
        const points = [...cuts].filter((at) => at < bytes.length).sort((x, y) => x - y);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const at of points) {
          chunks.push(bytes.subarray(from, at));
          from = at;
        }
        chunks.push(bytes.subarray(from));
        const whole = await serve([bytes]);
        const cut = await serve(chunks);
        expect(cut.replies.equals(whole.replies)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("garbage", () => {
  const fragment = fc.oneof(
    fc.uint8Array({ maxLength: 30 }).map((bytes) => Buffer.from(bytes)),
    fc.constantFrom("*", "*2\r\n", "$", "$3\r\n", "$-1\r\n", "\r\n", "\n", "\r", '"', "'", "\\x", "PING", "SET", " ", "*1048576\r\n").map((text) => Buffer.from(text, "latin1")),
    fc.constantFrom(command("SET", "k", "v"), command("GET", "k"), command("INCR", "k"), command("QUIT")),
  );

  it("never makes a command or the protocol throw: only replies, protocol errors and closes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fragment, { maxLength: 40 }), fc.integer({ min: 1, max: 64 }), async (fragments, size) => {
        const [serverEnd, clientEnd] = createSocketPair({ highWaterMark: 1024 * 1024 });
        clientEnd.resume();
        const connection = new RespConnection(serverEnd, new ServerState({ ...DEFAULT_SETTINGS, maxInlineLength: 64 }));
        const errors: Error[] = [];
        connection.on("error", (error) => errors.push(error));
        await settle();
        const bytes = Buffer.concat(fragments);
        for (let i = 0; i < bytes.length; i += size) connection.handleRead(bytes.subarray(i, i + size));
        await settle();
        connection.destroy();
        // Over-long lines are reported as errors by the framing layer, and answered; nothing else may fail.
        expect(errors.filter((error) => !(error instanceof FrameTooLongError))).toEqual([]);
        const replies = serverEnd.writtenBytes().toString("latin1");
        expect(replies === "" || /\r\n$/.test(replies)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

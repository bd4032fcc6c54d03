/**
 * Async handlers: a handler that returns a Promise holds the machine until
 * it settles; its resolved value names the next state; a rejection errors
 * that channel only.
 */

import { ErrorCode } from "@asynchat/core";
import { chunkings, createSocketPair } from "@asynchat/core/testing";
import { Protocol, ProtocolErrorCode, ProtocolStateError, onBytes, onTerminator } from "@asynchat/decorators";
import { bytes, collect, errorsOf, feed, tick, waitUntil } from "../helpers";

/** A deferred promise, settled from the test. */
interface Deferred {
  promise: Promise<unknown>;
  resolve: (value?: unknown) => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: (value?: unknown) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lines whose handler waits for the test to settle each "wait" line. */
class Waiting extends Protocol {
  readonly seen: string[] = [];
  readonly pending: Deferred[] = [];

  @onTerminator("\n", { encoding: "latin1" })
  line(text: string): unknown {
    this.seen.push(`line ${text}`);
    if (!text.startsWith("wait")) return undefined;
    const d = deferred();
    this.pending.push(d);
    return d.promise;
  }

  @onBytes(4, { encoding: "latin1" })
  four(data: string): unknown {
    this.seen.push(`four ${data}`);
    return this.line;
  }
}

describe("an async handler", () => {
  it("gets no further frame until its promise settles; the bytes wait", async () => {
    const channel = new Waiting();
    feed(channel, "wait\nb\nc\n");
    expect(channel.seen).toEqual(["line wait"]);
    expect(channel.busy).toBe(true);
    expect(channel.bufferedInput).toBe(4);
    feed(channel, "d\n");
    await tick();
    expect(channel.seen).toEqual(["line wait"]);
    expect(channel.bufferedInput).toBe(6);
    channel.pending[0]!.resolve();
    await tick();
    expect(channel.seen).toEqual(["line wait", "line b", "line c", "line d"]);
    expect(channel.busy).toBe(false);
    expect(channel.bufferedInput).toBe(0);
  });

  it("names the next state with its resolved value, which frames the bytes that waited", async () => {
    const channel = new Waiting();
    feed(channel, "wait\nab\ncdx\n");
    channel.pending[0]!.resolve("four");
    await tick();
    expect(channel.seen).toEqual(["line wait", "four ab\nc", "line dx"]);
  });

  it("may resolve to a method as well as a name", async () => {
    const channel = new Waiting();
    feed(channel, "wait\n1234rest\n");
    channel.pending[0]!.resolve(channel.four);
    await tick();
    expect(channel.seen).toEqual(["line wait", "four 1234", "line rest"]);
  });

  it("stays in its state when the promise resolves to nothing", async () => {
    const channel = new Waiting();
    feed(channel, "wait\n1234\n");
    channel.pending[0]!.resolve(undefined);
    await tick();
    expect(channel.seen).toEqual(["line wait", "line 1234"]);
    expect(channel.state).toBe("line");
  });

  it("holds later frames one after another as each handler waits in turn", async () => {
    const channel = new Waiting();
    feed(channel, "wait 1\nwait 2\nlast\n");
    expect(channel.seen).toEqual(["line wait 1"]);
    channel.pending[0]!.resolve();
    await tick();
    expect(channel.seen).toEqual(["line wait 1", "line wait 2"]);
    channel.pending[1]!.resolve();
    await tick();
    expect(channel.seen).toEqual(["line wait 1", "line wait 2", "line last"]);
  });

  it("errors its channel when the promise rejects, delivering nothing more", async () => {
    const channel = new Waiting();
    const errors = errorsOf(channel);
    let closed = false;
    channel.on("close", () => (closed = true));
    feed(channel, "wait\nnever\n");
    const failure = new Error("database down");
    channel.pending[0]!.reject(failure);
    await tick();
    expect(errors).toEqual([failure]);
    expect(channel.seen).toEqual(["line wait"]);
    expect(closed).toBe(true);
  });

  it("rejecting errors that channel only: another channel of the class goes on", async () => {
    const failing = new Waiting();
    const other = new Waiting();
    const otherErrors = errorsOf(other);
    errorsOf(failing);
    feed(failing, "wait\n");
    feed(other, "wait\n");
    failing.pending[0]!.reject(new Error("boom"));
    other.pending[0]!.resolve();
    await tick();
    feed(other, "still here\n");
    expect(failing.closed).toBe(true);
    expect(other.closing).toBe(false);
    expect(other.seen).toEqual(["line wait", "line still here"]);
    expect(otherErrors).toEqual([]);
  });

  it("errors its channel when the promise resolves to something that is not a state", async () => {
    const channel = new Waiting();
    const errors = errorsOf(channel);
    feed(channel, "wait\nnext\n");
    channel.pending[0]!.resolve("nowhere");
    await tick();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(ProtocolStateError);
    expect((errors[0] as ProtocolStateError).code).toBe(ProtocolErrorCode.BAD_NEXT_STATE);
    expect(channel.seen).toEqual(["line wait"]);
    expect(channel.closed).toBe(true);
  });

  it("counts the bytes that wait against maxBufferedInput", async () => {
    const channel = new Waiting(null, { maxBufferedInput: 16 });
    const errors = errorsOf(channel);
    feed(channel, "wait\n", "0123456789", "abcdef");
    expect(errors).toEqual([]);
    feed(channel, "g");
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual([ErrorCode.INPUT_OVERFLOW]);
    await tick();
    expect(channel.closed).toBe(true);
  });

  it("is ignored once its channel has closed", async () => {
    const channel = new Waiting();
    const errors = errorsOf(channel);
    feed(channel, "wait\nlater\n");
    channel.close();
    channel.pending[0]!.resolve("four");
    await tick();
    expect(channel.seen).toEqual(["line wait"]);
    expect(errors).toEqual([]);
  });

  it("makes the same calls for a transcript in every chunking", async () => {
    class Lookup extends Protocol {
      readonly seen: string[] = [];
      need = 0;
      @onTerminator("\r\n", { encoding: "latin1" })
      async header(line: string): Promise<unknown> {
        await Promise.resolve();
        this.seen.push(`header ${line}`);
        if (line[0] !== "$") return undefined;
        this.need = Number(line.slice(1)) + 2;
        return "bulk";
      }
      @onBytes((self: Lookup) => self.need, { encoding: "latin1" })
      async bulk(data: string): Promise<unknown> {
        await new Promise((resolve) => setImmediate(resolve));
        this.seen.push(`bulk ${JSON.stringify(data.slice(0, -2))}`);
        return this.header;
      }
    }
    const input = bytes("*2\r\n$3\r\nGET\r\n$4\r\nk\r\nv\r\n+OK\r\n$0\r\n\r\n:1\r\n");
    const expected = [
      "header *2",
      "header $3",
      'bulk "GET"',
      "header $4",
      'bulk "k\\r\\nv"',
      "header +OK",
      "header $0",
      'bulk ""',
      "header :1",
    ];
    for (const { name, chunks } of chunkings(input, { exhaustiveUpTo: 0, randomRuns: 5 })) {
      const channel = new Lookup();
      for (const chunk of chunks) channel.handleRead(chunk);
      await waitUntil(() => channel.seen.length >= expected.length && !channel.busy, `${name} is handled`);
      expect({ name, seen: channel.seen }).toEqual({ name, seen: expected });
    }
  });
});

describe("an async handler on a connection", () => {
  it("is waited for before the channel closes at the peer's end, so its reply still goes out", async () => {
    class Replying extends Protocol {
      @onTerminator("\n", { encoding: "latin1" })
      async line(text: string): Promise<unknown> {
        await new Promise((resolve) => setTimeout(resolve, 20));
        this.push(`done ${text}\n`);
        return undefined;
      }
    }
    const [server, client] = createSocketPair();
    const channel = new Replying(server);
    const received = collect(client);
    client.end("one\ntwo\n");
    await waitUntil(() => channel.closed, "the channel closes");
    await waitUntil(received.ended, "the peer sees the end");
    expect(received.text()).toBe("done one\ndone two\n");
  });

  it("keeps every frame in order however slowly the handler answers", async () => {
    class Echo extends Protocol {
      @onTerminator("\n", { encoding: "latin1" })
      async line(text: string): Promise<unknown> {
        if (Number(text) % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        this.push(`${text}\n`);
        return undefined;
      }
    }
    const [server, client] = createSocketPair();
    new Echo(server);
    const received = collect(client);
    const lines = Array.from({ length: 200 }, (_, i) => `${i}\n`).join("");
    for (let i = 0; i < lines.length; i += 97) client.write(lines.slice(i, i + 97));
    await waitUntil(() => received.text().length === lines.length, "every line is echoed");
    expect(received.text()).toBe(lines);
    client.destroy();
  });
});

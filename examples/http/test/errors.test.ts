/**
 * Every error status of the http example over raw sockets, and that the
 * connection closes after each: a request pipelined behind the bad one is
 * never answered.
 */

import * as net from "node:net";
import { Router } from "../router";
import { HttpServer } from "../server";
import { type TestServer, exchange, parseResponses, startServer } from "./helpers";

const NEXT = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";

/** Sends `request` followed by a good one; expects exactly one response, `status`, and a closed connection. */
async function expectRefusal(port: number, request: string | Buffer, status: number): Promise<void> {
  const { data, closed } = await exchange(port, typeof request === "string" ? request + NEXT : Buffer.concat([request, Buffer.from(NEXT)]));
  const responses = parseResponses(data);
  expect(responses.map((r) => r.status)).toEqual([status]);
  expect(responses[0]!.headers.connection).toBe("close");
  expect(closed).toBe(true);
}

const badRequests: Array<[string, string]> = [
  ["a method that is not a token", "G@T / HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["a target that does not start with a slash", "GET index.html HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["a space inside the target", "GET /a b HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["two spaces between method and target", "GET  / HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["a fragment in the target", "GET /a#b HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["a tab inside the target", "GET /a\tb HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["a byte above ASCII in the target", "GET /caf\u00e9 HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["an asterisk target with GET", "GET * HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["an absolute target with another scheme", "GET ftp://test/ HTTP/1.1\r\nHost: test\r\n\r\n"],
  ["a malformed version", "GET / HTTP/1.x\r\nHost: test\r\n\r\n"],
  ["a lowercase protocol name", "GET / http/1.1\r\nHost: test\r\n\r\n"],
  ["a missing version", "GET /\r\nHost: test\r\n\r\n"],
  ["a header line without a colon", "GET / HTTP/1.1\r\nHost test\r\n\r\n"],
  ["whitespace between a field name and its colon", "GET / HTTP/1.1\r\nHost : test\r\n\r\n"],
  ["an empty field name", "GET / HTTP/1.1\r\nHost: test\r\n: value\r\n\r\n"],
  ["a field name with a space", "GET / HTTP/1.1\r\nHost: test\r\nX Y: z\r\n\r\n"],
  ["an obsolete folded field line", "GET / HTTP/1.1\r\nHost: test\r\nX-A: one\r\n  two\r\n\r\n"],
  ["a NUL in a field value", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\u0000b\r\n\r\n"],
  ["a control character in a field value", "GET / HTTP/1.1\r\nHost: test\r\nX-A: a\u0001b\r\n\r\n"],
  ["a Content-Length that is not a number", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: abc\r\n\r\n"],
  ["a negative Content-Length", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: -1\r\n\r\n"],
  ["a Content-Length with a sign", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: +3\r\n\r\nabc"],
  ["a Content-Length list", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 3, 3\r\n\r\nabc"],
  ["an empty Content-Length", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length:\r\n\r\n"],
  ["a Content-Length of 16 digits", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000000000000\r\n\r\n"],
  ["two Content-Length fields", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"],
  ["both Content-Length and Transfer-Encoding", "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"],
  ["Transfer-Encoding and Content-Length in the other order", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"],
  ["Transfer-Encoding in an HTTP/1.0 request", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
  ["chunked applied twice", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"],
  ["chunked split over two fields, twice", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"],
  ["chunked not the last transfer coding", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"],
  ["an empty transfer coding in a list", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: , chunked\r\n\r\n"],
  ["an HTTP/1.1 request without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"],
  ["two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"],
  ["bare LF line endings", "GET / HTTP/1.1\nHost: test\n\n"],
  ["a bare LF inside a header line", "GET / HTTP/1.1\r\nHost: test\nX-A: b\r\n\r\n"],
  ["a bare CR inside a header line", "GET / HTTP/1.1\r\nHost: te\rst\r\n\r\n"],
  ["a chunk size that is not hexadecimal", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
  ["an empty chunk-size line", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"],
  ["a negative chunk size", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n"],
  ["chunk data not followed by CRLF", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n"],
  ["a chunk-size line too long", `POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n1;${"x".repeat(5000)}\r\n`],
  ["a malformed trailer field", "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon here\r\n\r\n"],
  ["two empty lines before the request line", "\r\n\r\nGET / HTTP/1.1\r\nHost: test\r\n\r\n"],
];

describe("error responses", () => {
  let t: TestServer;
  let small: TestServer;

  beforeAll(async () => {
    t = await startServer();
    small = await startServer({ maxBodySize: 1000 });
  });

  afterAll(async () => {
    await Promise.all([t.server.close(), small.server.close()]);
  });

  it.each(badRequests)("answers %s with 400 and closes the connection", async (_what, request) => {
    await expectRefusal(t.port, request, 400);
  });

  it("answers a Content-Length over the body limit with 413 at once, without reading the body", async () => {
    await expectRefusal(t.port, `POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: ${1024 * 1024 + 1}\r\n\r\n`, 413);
  });

  it("accepts a body of exactly the limit", async () => {
    const { data } = await exchange(small.port, `POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n${"a".repeat(1000)}`);
    expect(parseResponses(data)[0]!.body.length).toBe(1000);
  });

  it("answers a chunked body that grows over the limit with 413", async () => {
    const chunks = `${(600).toString(16)}\r\n${"a".repeat(600)}\r\n${(401).toString(16)}\r\n${"b".repeat(401)}\r\n0\r\n\r\n`;
    await expectRefusal(small.port, `POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}`, 413);
  });

  it("answers a huge chunk size with 413 before any of its data", async () => {
    await expectRefusal(t.port, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffff\r\n", 413);
    await expectRefusal(t.port, `POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n${"f".repeat(40)}\r\n`, 413);
  });

  it("answers 413 to a client that expects 100-continue, without sending 100", async () => {
    const { data } = await exchange(t.port, `POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n`);
    expect(parseResponses(data).map((r) => r.status)).toEqual([413]);
  });

  it("answers a request line over 8 KiB with 414", async () => {
    await expectRefusal(t.port, `GET /${"a".repeat(8 * 1024)} HTTP/1.1\r\nHost: test\r\n\r\n`, 414);
  });

  it("answers a request line of exactly 8 KiB normally", async () => {
    const line = `GET /${"a".repeat(8 * 1024 - 14)} HTTP/1.1`;
    expect(line.length).toBe(8 * 1024);
    const { data } = await exchange(t.port, `${line}\r\nHost: test\r\nConnection: close\r\n\r\n`);
    expect(parseResponses(data).map((r) => r.status)).toEqual([404]);
  });

  it("answers more than 100 header lines with 431", async () => {
    const fields = Array.from({ length: 100 }, (_, i) => `X-F${i}: ${i}\r\n`).join("");
    await expectRefusal(t.port, `GET / HTTP/1.1\r\nHost: test\r\n${fields}\r\n`, 431);
  });

  it("accepts exactly 100 header lines", async () => {
    const fields = Array.from({ length: 98 }, (_, i) => `X-F${i}: ${i}\r\n`).join("");
    const { data } = await exchange(t.port, `GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${fields}\r\n`);
    expect(parseResponses(data).map((r) => r.status)).toEqual([200]);
  });

  it("answers header lines totalling more than 64 KiB with 431", async () => {
    const fields = Array.from({ length: 70 }, (_, i) => `X-F${i}: ${"v".repeat(1000)}\r\n`).join("");
    await expectRefusal(t.port, `GET / HTTP/1.1\r\nHost: test\r\n${fields}\r\n`, 431);
  });

  it("answers one header line over 64 KiB with 431", async () => {
    await expectRefusal(t.port, `GET / HTTP/1.1\r\nHost: test\r\nX-Big: ${"v".repeat(70 * 1024)}\r\n\r\n`, 431);
  });

  it("answers trailers over the budget with 431", async () => {
    const trailers = Array.from({ length: 101 }, (_, i) => `X-T${i}: ${i}\r\n`).join("");
    await expectRefusal(t.port, `POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${trailers}\r\n`, 431);
  });

  it("answers a transfer coding it does not implement with 501", async () => {
    await expectRefusal(t.port, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
    await expectRefusal(t.port, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501);
  });

  it("answers HTTP/2.0 and HTTP/3.0 request lines with 505", async () => {
    await expectRefusal(t.port, "GET / HTTP/2.0\r\nHost: test\r\n\r\n", 505);
    await expectRefusal(t.port, "GET / HTTP/3.0\r\nHost: test\r\n\r\n", 505);
  });

  it("answers a later HTTP/1.x minor version as HTTP/1.1", async () => {
    const { data } = await exchange(t.port, "GET / HTTP/1.2\r\nHost: test\r\nConnection: close\r\n\r\n");
    expect(parseResponses(data).map((r) => r.status)).toEqual([200]);
  });

  it("answers an expectation other than 100-continue with 417", async () => {
    await expectRefusal(t.port, "POST /echo HTTP/1.1\r\nHost: test\r\nExpect: teapot\r\nContent-Length: 3\r\n\r\nabc", 417);
  });

  it("answers 500 when a handler's response is malformed, and keeps the connection", async () => {
    const errors: unknown[] = [];
    const router = new Router()
      .get("/throws", () => {
        throw new Error("boom");
      })
      .get("/rejects", async () => {
        throw new Error("async boom");
      })
      .get("/bad-header", () => ({ status: 200, headers: { "X-Evil": "a\r\nInjected: yes" }, body: "x" }))
      .get("/framing", () => ({ status: 200, headers: { "Content-Length": "5" }, body: "x" }))
      .get("/", () => ({ status: 200, body: "fine" }));
    const server = new HttpServer(router, { onHandlerError: (error) => errors.push(error) });
    const { port } = await server.listen(0, "127.0.0.1");
    try {
      const requests = ["/throws", "/rejects", "/bad-header", "/framing"].map((p) => `GET ${p} HTTP/1.1\r\nHost: test\r\n\r\n`).join("");
      const { data } = await exchange(port, `${requests}GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
      const responses = parseResponses(data);
      expect(responses.map((r) => r.status)).toEqual([500, 500, 500, 500, 200]);
      expect(data.toString("latin1")).not.toMatch(/Injected/);
      expect(errors).toHaveLength(4);
    } finally {
      await server.close();
    }
  });
});

describe("the connection cap", () => {
  it("answers a connection over maxConnections with 503 and closes it", async () => {
    const t = await startServer({ maxConnections: 1 });
    const first = net.connect(t.port, "127.0.0.1");
    try {
      await new Promise((resolve) => first.once("connect", resolve));
      // Let the server accept the first one before the second arrives.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const { data, closed } = await exchange(t.port, NEXT);
      expect(parseResponses(data).map((r) => r.status)).toEqual([503]);
      expect(closed).toBe(true);
    } finally {
      first.destroy();
      await t.server.close();
    }
  });
});

describe("streamed bodies with a length", () => {
  async function* pieces(...texts: string[]): AsyncGenerator<string> {
    for (const piece of texts) yield piece;
  }

  it("closes the connection when a streamed body ends short of its Content-Length, or runs past it", async () => {
    const router = new Router()
      .get("/short", () => ({ status: 200, length: 10, body: pieces("abc", "def") }))
      .get("/long", () => ({ status: 200, length: 4, body: pieces("abc", "defgh") }))
      .get("/exact", () => ({ status: 200, length: 6, body: pieces("abc", "def") }));
    const server = new HttpServer(router);
    const { port } = await server.listen(0, "127.0.0.1");
    try {
      const exact = await exchange(port, "GET /exact HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
      expect(parseResponses(exact.data)[0]!.body.toString()).toBe("abcdef");
      for (const p of ["/short", "/long"]) {
        const { data, closed } = await exchange(port, `GET ${p} HTTP/1.1\r\nHost: test\r\n\r\n${NEXT}`);
        const text = data.toString("latin1");
        expect(text.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
        // Nothing after the broken body: the pipelined request is not answered.
        expect(text.split("HTTP/1.1 ").length).toBe(2);
        expect(text.endsWith("abcdef") || text.endsWith("abc")).toBe(true);
        expect(closed).toBe(true);
      }
    } finally {
      await server.close();
    }
  });
});

describe("timeouts", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({ frameTimeout: 200, headersTimeout: 600, idleTimeout: 1500 });
  });

  afterAll(async () => {
    await t.server.close();
  });

  it("answers a header line that stalls with 408 and closes", async () => {
    const { data, closed } = await exchange(t.port, "GET / HTTP/1.1\r\nHost: test\r\nUser-Agent: sl", { wait: 3000 });
    expect(parseResponses(data).map((r) => r.status)).toEqual([408]);
    expect(closed).toBe(true);
  });

  it("answers a request line that stalls with 408", async () => {
    const { data, closed } = await exchange(t.port, "GET /slow", { wait: 3000 });
    expect(parseResponses(data).map((r) => r.status)).toEqual([408]);
    expect(closed).toBe(true);
  });

  it("answers a body that stalls with 408", async () => {
    const { data, closed } = await exchange(t.port, "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10\r\n\r\nhalf.", { wait: 3000 });
    expect(parseResponses(data).map((r) => r.status)).toEqual([408]);
    expect(closed).toBe(true);
  });

  it("answers header lines that each arrive in time but together too slowly with 408", async () => {
    const lines = ["GET / HTTP/1.1\r\n", "Host: test\r\n", "X-A: 1\r\n", "X-B: 2\r\n", "X-C: 3\r\n", "X-D: 4\r\n", "X-E: 5\r\n", "\r\n"];
    const { data, closed } = await exchange(t.port, lines, { gap: 150, wait: 3000 });
    expect(parseResponses(data).map((r) => r.status)).toEqual([408]);
    expect(closed).toBe(true);
  });

  it("does not time out a keep-alive connection waiting between requests, and closes it silently once idle", async () => {
    const { data, closed } = await exchange(t.port, "GET / HTTP/1.1\r\nHost: test\r\n\r\n", { wait: 5000 });
    expect(parseResponses(data).map((r) => r.status)).toEqual([200]);
    expect(closed).toBe(true);
  });
});

describe("idleTimeout 0", () => {
  it("leaves keep-alive connections without an idle timeout, the server's default included", async () => {
    const t = await startServer({ idleTimeout: 0 });
    try {
      const socket = net.connect(t.port, "127.0.0.1");
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the connection was not accepted")), 2000);
        const check = (): void => {
          if (t.server.connections.size === 1) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 5);
        };
        check();
      });
      const [channel] = [...t.server.connections];
      expect(channel!.idleTimeout).toBe(0);
      socket.destroy();
    } finally {
      await t.server.close();
    }
  });
});

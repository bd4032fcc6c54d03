/**
 * The http example over raw sockets: pipelined requests, keep-alive and
 * close rules, 100-continue, chunked bodies with trailers.
 */

import * as net from "node:net";
import { type TestServer, exchange, parseResponses, startServer } from "./helpers";

const HOST = "Host: test\r\n";

describe("pipelining and connection handling", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer();
  });

  afterAll(async () => {
    await t.server.close();
  });

  it("answers pipelined requests in order, even when an earlier handler is slower", async () => {
    const batch =
      `GET /delay?ms=80 HTTP/1.1\r\n${HOST}\r\n` +
      `GET / HTTP/1.1\r\n${HOST}\r\n` +
      `GET /delay?ms=5 HTTP/1.1\r\n${HOST}\r\n` +
      `POST /echo HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nabcde` +
      `GET /static/hello.txt HTTP/1.1\r\n${HOST}\r\n` +
      `GET /hello/last HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`;
    const { data, closed } = await exchange(t.port, batch);
    const bodies = parseResponses(data).map((r) => r.body.toString());
    expect(bodies).toEqual(["waited 80 ms\n", "Hello, World!", "waited 5 ms\n", "abcde", "Hello from a static file.\n", "Hello, last!\n"]);
    expect(closed).toBe(true);
  });

  it("answers requests sent one byte at a time", async () => {
    const request = `POST /echo HTTP/1.1\r\n${HOST}Content-Length: 3\r\n\r\nxyzGET /hello/slow HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`;
    const { data } = await exchange(t.port, [...request], { gap: 0 });
    expect(parseResponses(data).map((r) => r.body.toString())).toEqual(["xyz", "Hello, slow!\n"]);
  });

  it("keeps an HTTP/1.1 connection open until the client asks to close it", async () => {
    const open = await exchange(t.port, `GET / HTTP/1.1\r\n${HOST}\r\n`, { wait: 300 });
    expect(open.closed).toBe(false);
    expect(parseResponses(open.data)[0]!.headers.connection).toBeUndefined();
    const close = await exchange(t.port, `GET / HTTP/1.1\r\n${HOST}Connection: close\r\n\r\nGET / HTTP/1.1\r\n${HOST}\r\n`);
    expect(close.closed).toBe(true);
    const responses = parseResponses(close.data);
    expect(responses).toHaveLength(1);
    expect(responses[0]!.headers.connection).toBe("close");
  });

  it("closes an HTTP/1.0 connection by default and keeps it when asked", async () => {
    const plain = await exchange(t.port, "GET / HTTP/1.0\r\n\r\n");
    expect(plain.closed).toBe(true);
    expect(parseResponses(plain.data)[0]!.headers.connection).toBe("close");
    const kept = await exchange(t.port, "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /hello/ten HTTP/1.0\r\n\r\n");
    const responses = parseResponses(kept.data);
    expect(responses.map((r) => r.headers.connection)).toEqual(["keep-alive", "close"]);
    expect(responses[1]!.body.toString()).toBe("Hello, ten!\n");
    expect(kept.closed).toBe(true);
  });

  it("sends a stream of unknown length to an HTTP/1.0 client without chunking, ending it by closing", async () => {
    const { data, closed } = await exchange(t.port, "GET /stream?lines=3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const [response] = parseResponses(data);
    expect(response!.headers["transfer-encoding"]).toBeUndefined();
    expect(response!.headers.connection).toBe("close");
    expect(response!.body.toString()).toBe("line 1\nline 2\nline 3\n");
    expect(closed).toBe(true);
  });

  it("answers HEAD without a body, keeping the connection usable", async () => {
    const { data } = await exchange(t.port, `HEAD / HTTP/1.1\r\n${HOST}\r\nGET /hello/after HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`);
    const responses = parseResponses(data, [true, false]);
    expect(responses[0]!.headers["content-length"]).toBe("13");
    expect(responses[0]!.body.length).toBe(0);
    expect(responses[1]!.body.toString()).toBe("Hello, after!\n");
  });

  it("reads a chunked body with extensions and trailers", async () => {
    const request =
      `POST /echo HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n` +
      "5;name=value\r\nhello\r\n" +
      "1 ; x\r\n,\r\n" +
      "6\r\n world\r\n" +
      "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n" +
      `GET /hello/next HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`;
    const { data } = await exchange(t.port, request);
    expect(parseResponses(data).map((r) => r.body.toString())).toEqual(["hello, world", "Hello, next!\n"]);
  });

  it("ignores one empty line before a request line", async () => {
    const { data } = await exchange(t.port, `POST /echo HTTP/1.1\r\n${HOST}Content-Length: 2\r\n\r\nok\r\nGET /hello/x HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`);
    expect(parseResponses(data).map((r) => r.body.toString())).toEqual(["ok", "Hello, x!\n"]);
  });

  it("accepts a request target in absolute form", async () => {
    const { data } = await exchange(t.port, `GET http://test/hello/abs?q=1 HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`);
    expect(parseResponses(data)[0]!.body.toString()).toBe("Hello, abs!\n");
  });

  it("sends 100 Continue only after the head, then reads the body", async () => {
    const socket = net.connect(t.port, "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (chunk) => received.push(chunk));
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`POST /echo HTTP/1.1\r\n${HOST}Content-Length: 4\r\nExpect: 100-continue\r\n\r\n`);
    await new Promise((resolve) => socket.once("data", resolve));
    expect(Buffer.concat(received).toString()).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    socket.write("body");
    await new Promise((resolve) => socket.once("data", resolve));
    const responses = parseResponses(Buffer.concat(received));
    expect(responses.map((r) => r.status)).toEqual([100, 200]);
    expect(responses[1]!.body.toString()).toBe("body");
    socket.destroy();
  });

  it("answers a client that ends its side right after the request, then closes", async () => {
    const socket = net.connect(t.port, "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("data", (chunk) => received.push(chunk));
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.end(`GET /delay?ms=20 HTTP/1.1\r\n${HOST}\r\nGET /hello/half HTTP/1.1\r\n${HOST}\r\n`);
    await new Promise((resolve) => socket.once("close", resolve));
    expect(parseResponses(Buffer.concat(received)).map((r) => r.body.toString())).toEqual(["waited 20 ms\n", "Hello, half!\n"]);
  });

  it("finishes a request whose handler is running when the server closes gracefully", async () => {
    const own = await startServer();
    const pending = exchange(own.port, `GET /delay?ms=150 HTTP/1.1\r\n${HOST}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await own.server.close();
    const { data, closed } = await pending;
    expect(parseResponses(data).map((r) => r.body.toString())).toEqual(["waited 150 ms\n"]);
    expect(closed).toBe(true);
  });
});

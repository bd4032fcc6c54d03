/**
 * A request body refused before it is read (413) is answered without
 * resetting the connection under a client that is still sending it: the
 * server half-closes after the answer and reads and discards the rest of
 * the body (lingering close, RFC 9112 §9.6), within a byte bound and a time
 * bound. The clients here behave like Python's http.client: they write the
 * whole body first and only then read.
 */

import { execFile } from "node:child_process";
import * as net from "node:net";
import { describeWithPeers } from "../../../test-support/peers";
import { type TestServer, parseResponses, startServer } from "./helpers";

/** What a client that sends everything before reading got. */
interface SendThenRead {
  /** Every byte the server sent. */
  data: Buffer;
  /** The error the socket reported (EPIPE, ECONNRESET...), or null. */
  error: NodeJS.ErrnoException | null;
  /** The client finished writing everything before the connection ended. */
  wroteAll: boolean;
  /** The server ended its side cleanly (a FIN, no reset). */
  ended: boolean;
}

/**
 * Connects, writes `head` and then `body` in 64 KiB pieces without reading
 * (the socket is paused, so what the server sends waits in the kernel), and
 * only after the last piece is handed over starts reading, until the
 * server's FIN or `wait` ms.
 */
function sendThenRead(port: number, head: string, body: Iterable<Buffer>, wait = 5000): Promise<SendThenRead> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.pause();
    const received: Buffer[] = [];
    const result: SendThenRead = { data: Buffer.alloc(0), error: null, wroteAll: false, ended: false };
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      result.data = Buffer.concat(received);
      resolve(result);
    };
    const timer = setTimeout(finish, wait);
    socket.on("error", (error: NodeJS.ErrnoException) => {
      result.error = error;
      finish();
    });
    socket.on("data", (chunk: Buffer) => received.push(chunk));
    socket.on("end", () => {
      result.ended = true;
      finish();
    });
    socket.on("close", finish);
    socket.on("connect", async () => {
      const write = (data: string | Buffer): Promise<void> =>
        new Promise((done, fail) => socket.write(data, (error) => (error ? fail(error) : done())));
      try {
        await write(head);
        for (const piece of body) await write(piece);
      } catch {
        return; // the error event reports it
      }
      result.wroteAll = true;
      socket.resume();
    });
  });
}

function* pieces(total: number, size = 64 * 1024): Generator<Buffer> {
  const piece = Buffer.alloc(size, 0x61);
  for (let sent = 0; sent < total; sent += size) yield total - sent >= size ? piece : piece.subarray(0, total - sent);
}

function* chunked(total: number, size = 16 * 1024): Generator<Buffer> {
  for (const piece of pieces(total, size)) yield Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]);
  yield Buffer.from("0\r\n\r\n");
}

describe("a body refused with 413 while the client still sends it", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({ maxBodySize: 64 * 1024 });
  });

  afterAll(async () => {
    await t.server.close();
  });

  it("lets a client that writes a 4 MiB Content-Length body before reading receive the 413", async () => {
    const length = 4 * 1024 * 1024;
    const spy = jest.spyOn(process.stderr, "write");
    let result: SendThenRead;
    let reports: string[];
    try {
      result = await sendThenRead(t.port, `POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: ${length}\r\n\r\n`, pieces(length));
    } finally {
      reports = spy.mock.calls.map(([text]) => String(text)).filter((text) => text.includes("unhandled error"));
      spy.mockRestore();
    }
    // The body was dropped to its end, well under drainLimit: the connection closes as planned, with no error reported.
    expect(reports).toEqual([]);
    expect(result.error).toBeNull();
    expect(result.wroteAll).toBe(true);
    expect(result.ended).toBe(true);
    const responses = parseResponses(result.data);
    expect(responses.map((r) => r.status)).toEqual([413]);
    expect(responses[0]!.headers.connection).toBe("close");
  });

  it("lets a client that writes a 4 MiB chunked body before reading receive the 413", async () => {
    const result = await sendThenRead(t.port, "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n", chunked(4 * 1024 * 1024));
    expect(result.error).toBeNull();
    expect(result.wroteAll).toBe(true);
    expect(result.ended).toBe(true);
    expect(parseResponses(result.data).map((r) => r.status)).toEqual([413]);
  });

  it("reads no request from the discarded body: a request hidden in it is never answered", async () => {
    const hidden = Buffer.from("GET / HTTP/1.1\r\nHost: test\r\n\r\n".repeat(3000));
    const head = `POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: ${hidden.length}\r\n\r\n`;
    const result = await sendThenRead(t.port, head, [hidden, Buffer.from("GET / HTTP/1.1\r\nHost: test\r\n\r\n")]);
    expect(result.error).toBeNull();
    expect(parseResponses(result.data).map((r) => r.status)).toEqual([413]);
  });

  it("half-closes at once after the 413 for a client that sends no body (it expected 100-continue)", async () => {
    const started = Date.now();
    const result = await sendThenRead(t.port, "POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 10000000\r\n\r\n", []);
    expect(parseResponses(result.data).map((r) => r.status)).toEqual([413]);
    expect(result.ended).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000); // well under drainTimeout (5 s): the FIN did not wait for it
  });
});

describe("the bounds of the discarding", () => {
  it("closes after discarding drainLimit bytes of a body that goes on", async () => {
    const t = await startServer({ maxBodySize: 1024, drainLimit: 256 * 1024 });
    try {
      // allowHalfOpen: the client goes on writing after the server's FIN, as one that reads only at the end does.
      const socket = net.connect({ port: t.port, host: "127.0.0.1", allowHalfOpen: true });
      const closed = new Promise<number>((resolve) => {
        let sent = 0;
        const piece = Buffer.alloc(16 * 1024, 0x62);
        socket.on("error", () => {});
        socket.on("close", () => resolve(sent));
        socket.on("connect", async () => {
          socket.write(`POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: ${1024 * 1024 * 1024}\r\n\r\n`);
          // Write until the server gives up; 64 MiB at most.
          while (!socket.destroyed && sent < 64 * 1024 * 1024) {
            if (!socket.write(piece)) await new Promise((r) => socket.once("drain", r).once("close", r));
            sent += piece.length;
          }
        });
      });
      const sent = await closed;
      expect(sent).toBeGreaterThanOrEqual(256 * 1024 - 16 * 1024);
      expect(sent).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await t.server.close();
    }
  });

  it("closes after drainTimeout a client that trickles its body and never reads", async () => {
    const t = await startServer({ maxBodySize: 1024, drainTimeout: 300 });
    try {
      const socket = net.connect({ port: t.port, host: "127.0.0.1", allowHalfOpen: true });
      socket.on("error", () => {});
      const started = Date.now();
      const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
      socket.on("connect", () => socket.write(`POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n`));
      const trickle = setInterval(() => socket.writable && socket.write("x"), 50);
      // Node reads the 413 and the FIN for it; allowHalfOpen keeps the client's side open.
      socket.resume();
      await closed;
      clearInterval(trickle);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(4000);
    } finally {
      await t.server.close();
    }
  });
});

/** Python's http.client: sends the whole body, then reads; prints the status, or the exception it got. */
const PYTHON_CLIENT = `
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
body = b"a" * int(sys.argv[2])
try:
    connection.request("POST", "/echo", body=body, headers={"Content-Type": "application/octet-stream"})
    response = connection.getresponse()
    print(response.status, response.getheader("Connection"), response.read().decode().strip())
except Exception as error:
    print("error", type(error).__name__, error)
`;

function python(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("python3", ["-c", PYTHON_CLIENT, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`python3 failed: ${error.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

describeWithPeers("python3", "a body refused with 413, sent by Python's http.client", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({ maxBodySize: 64 * 1024 });
  });

  afterAll(async () => {
    await t.server.close();
  });

  it("gives http.client the 413 instead of BrokenPipeError, three times out of three", async () => {
    for (let i = 0; i < 3; i++) {
      expect(await python([String(t.port), String(6 * 1024 * 1024)])).toBe("413 close 413 Content Too Large");
    }
  });
});

/**
 * Limits and hostile input over raw sockets: over-long command lines,
 * oversized bodies, bare line endings (SMTP smuggling), slow clients, the
 * connection cap and shutting down.
 */

import { FLUSH_BYTES } from "../message";
import { RawClient, type TestServer, codes, deliveredMessages, listMaildir, splitReceived, startTestServer } from "./helpers";

async function withServer(options: Parameters<typeof startTestServer>[0], body: (t: TestServer) => Promise<void>): Promise<void> {
  const t = await startTestServer(options);
  try {
    await body(t);
  } finally {
    await t.done();
  }
}

async function inData(port: number): Promise<RawClient> {
  const client = await RawClient.greeted(port);
  client.send("EHLO client.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
  expect(codes(await client.replies(4))).toEqual([250, 250, 250, 354]);
  return client;
}

describe("command line limits", () => {
  it("accepts a command line of exactly 512 octets and answers one of 513 with 500, then carries on", async () => {
    await withServer({}, async (t) => {
      const client = await RawClient.greeted(t.port);
      const longest = `NOOP ${"x".repeat(512 - 5 - 2)}`;
      expect(Buffer.byteLength(`${longest}\r\n`)).toBe(512);
      expect((await client.command(longest)).code).toBe(250);
      expect((await client.command(`${longest}y`)).raw).toBe("500 5.5.2 Error: line too long\r\n");
      expect((await client.command("NOOP")).code).toBe(250);
      client.destroy();
    });
  });

  it("answers a 60 KB line with one 500 and keeps the connection working, pipelined commands included", async () => {
    await withServer({}, async (t) => {
      const client = await RawClient.greeted(t.port);
      client.send(`MAIL FROM:<${"a".repeat(60 * 1024)}@example.test>\r\nEHLO client.test\r\nNOOP\r\n`);
      const replies = await client.replies(3);
      expect(codes(replies)).toEqual([500, 250, 250]);
      expect(replies[0]!.raw).toBe("500 5.5.2 Error: line too long\r\n");
      expect((await client.command("MAIL FROM:<a@example.test>")).code).toBe(250);
      client.destroy();
    });
  });

  it("drops a client that goes on sending an over-long line past maxDiscardedLine, with 500 then 421", async () => {
    await withServer({ maxDiscardedLine: 10_000 }, async (t) => {
      const client = await RawClient.greeted(t.port);
      await client.write(`NOOP ${"x".repeat(5000)}`);
      await client.write("x".repeat(4000));
      // 9,000 bytes after the first 512 are dropped, still under the limit: the line may yet end.
      await client.write("\r\nNOOP\r\n");
      expect(codes(await client.replies(2))).toEqual([500, 250]);
      for (let i = 0; i < 20; i++) client.send("y".repeat(1000));
      expect(await client.rest()).toBe("500 5.5.2 Error: line too long\r\n421 4.5.0 Error: line too long, closing connection\r\n");
      expect(t.server.sessions.size).toBe(0);
    });
  });

  it("answers a command line ending in a bare LF with 500 instead of waiting for a CRLF", async () => {
    await withServer({}, async (t) => {
      const client = await RawClient.greeted(t.port);
      client.send("NOOP\n");
      expect((await client.reply()).raw).toBe("500 5.5.2 Error: command lines must end with <CR><LF>\r\n");
      expect((await client.command("NOOP")).code).toBe(250);
      client.destroy();
    });
  });
});

describe("message size", () => {
  it("answers a body over the size limit with 552 once it has ended, holding no more than a flush of it in memory", async () => {
    await withServer({ maxMessageSize: 100_000 }, async (t) => {
      const client = await inData(t.port);
      const line = Buffer.from(`${"y".repeat(998)}\r\n`);
      // 8 MB in 1000-byte lines, written with backpressure.
      for (let i = 0; i < 8; i++) await client.write(Buffer.concat(Array.from({ length: 1000 }, () => line)));
      client.send(".\r\nNOOP\r\n");
      const replies = await client.replies(2);
      expect(replies[0]!.raw).toBe("552 5.3.4 Message size exceeds fixed maximum message size\r\n");
      expect(replies[1]!.code).toBe(250);
      const [session] = [...t.server.sessions];
      expect(session!.peakBodyBytesInMemory).toBeLessThanOrEqual(Math.min(100_000, FLUSH_BYTES + line.length));
      expect(await listMaildir(t.maildir)).toEqual([]);
      expect(await listMaildir(t.maildir, "tmp")).toEqual([]);
      // The session is back on commands: the next message goes through.
      client.send("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\nsmall\r\n.\r\n");
      expect(codes(await client.replies(4))).toEqual([250, 250, 354, 250]);
      client.destroy();
    });
  });

  it("accepts a body of exactly the size limit and refuses one a byte longer", async () => {
    await withServer({ maxMessageSize: 1000 }, async (t) => {
      const client = await inData(t.port);
      const exact = `${"z".repeat(998)}\r\n`;
      client.send(`${exact}.\r\n`);
      expect((await client.reply()).code).toBe(250);
      client.send("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
      expect(codes(await client.replies(3))).toEqual([250, 250, 354]);
      client.send(`z${exact}.\r\n`);
      expect((await client.reply()).code).toBe(552);
      client.destroy();
    });
  });

  it("writes a large body to tmp/ as it arrives, holding at most one flush in memory", async () => {
    await withServer({}, async (t) => {
      const client = await inData(t.port);
      const line = Buffer.from(`${"w".repeat(78)}\r\n`);
      const chunk = Buffer.concat(Array.from({ length: 10_000 }, () => line));
      for (let i = 0; i < 4; i++) await client.write(chunk);
      client.send(".\r\n");
      expect((await client.reply()).code).toBe(250);
      const [session] = [...t.server.sessions];
      expect(session!.peakBodyBytesInMemory).toBeLessThan(FLUSH_BYTES + line.length);
      const [message] = await deliveredMessages(t.maildir);
      expect(splitReceived(message!).rest.length).toBe(4 * chunk.length);
      client.destroy();
    });
  });
});

describe("interrupted messages", () => {
  it("removes the partial file from tmp/ when the client disconnects in the middle of a message", async () => {
    await withServer({}, async (t) => {
      const client = await inData(t.port);
      await client.write(Buffer.alloc(4 * FLUSH_BYTES, "partial line\r\n"));
      while ((await listMaildir(t.maildir, "tmp")).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      client.destroy();
      while ((await listMaildir(t.maildir, "tmp")).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await listMaildir(t.maildir)).toEqual([]);
      expect(t.server.sessions.size).toBe(0);
    });
  });
});

describe("bare line endings in the body (SMTP smuggling, CVE-2023-51764)", () => {
  const smuggled = "MAIL FROM:<evil@example.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n";

  it.each([
    ["<LF>.<LF>", `Subject: x\r\n\r\nhello\n.\n${smuggled}`],
    ["<CR><LF>.<LF>", `Subject: x\r\n\r\nhello\r\n.\n${smuggled}`],
    ["<LF>.<CR><LF>", `Subject: x\r\n\r\nhello\n.\r\n${smuggled}`],
    ["<CR>.<CR>", `Subject: x\r\n\r\nhello\r.\r${smuggled}`],
    ["<CR><LF>.<CR>", `Subject: x\r\n\r\nhello\r\n.\r${smuggled}`],
  ])("refuses a message hiding a second one behind %s with one 554, and delivers neither", async (_name, body) => {
    await withServer({}, async (t) => {
      const client = await inData(t.port);
      client.send(`${body}.\r\nNOOP\r\n`);
      const replies = await client.replies(2);
      expect(replies[0]!.raw).toBe("554 5.6.0 Message rejected: bare <CR> or <LF> in the body (lines must end with <CR><LF>)\r\n");
      expect(replies[1]!.code).toBe(250);
      expect(await listMaildir(t.maildir)).toEqual([]);
      expect(await listMaildir(t.maildir, "tmp")).toEqual([]);
      client.destroy();
    });
  });

  it("refuses a bare LF that arrives after part of the message was already written to tmp/", async () => {
    await withServer({}, async (t) => {
      const client = await inData(t.port);
      await client.write(Buffer.alloc(3 * FLUSH_BYTES, "a\r\n"));
      client.send("oops\nmore\r\n.\r\n");
      expect((await client.reply()).code).toBe(554);
      expect(await listMaildir(t.maildir)).toEqual([]);
      expect(await listMaildir(t.maildir, "tmp")).toEqual([]);
      client.destroy();
    });
  });
});

describe("slow and idle clients", () => {
  it("closes a client that takes longer than frameTimeout to finish a command line, with 421", async () => {
    await withServer({ frameTimeout: 300, idleTimeout: 60_000 }, async (t) => {
      const client = await RawClient.greeted(t.port);
      // A byte every 50 ms keeps the connection from idling, but the line never ends.
      const timer = setInterval(() => client.socket.writable && client.send("x"), 50);
      try {
        client.send("NOOP ");
        expect(await client.rest()).toBe("421 4.4.2 Timeout exceeded, closing connection\r\n");
      } finally {
        clearInterval(timer);
      }
    });
  });

  it("closes a client that dribbles a body line slower than frameTimeout, dropping its message", async () => {
    await withServer({ frameTimeout: 300, idleTimeout: 60_000 }, async (t) => {
      const client = await inData(t.port);
      const timer = setInterval(() => client.socket.writable && client.send("x"), 50);
      try {
        client.send("a complete line\r\nan incomplete one");
        expect(await client.rest()).toBe("421 4.4.2 Timeout exceeded, closing connection\r\n");
      } finally {
        clearInterval(timer);
      }
      expect(await listMaildir(t.maildir)).toEqual([]);
    });
  });

  it("closes an idle client with 421", async () => {
    await withServer({ idleTimeout: 200 }, async (t) => {
      const client = await RawClient.greeted(t.port);
      expect(await client.rest()).toBe("421 4.4.2 Timeout exceeded, closing connection\r\n");
    });
  });
});

describe("connections and shutdown", () => {
  it("tells a connection past maxConnections 421 and closes it, and serves the others", async () => {
    await withServer({ maxConnections: 1 }, async (t) => {
      const first = await RawClient.greeted(t.port);
      const second = await RawClient.connect(t.port);
      expect(await second.rest()).toBe("421 4.3.2 Too many connections, try again later\r\n");
      expect((await first.command("NOOP")).code).toBe(250);
      first.destroy();
    });
  });

  it("on close, lets a session finish the message under way, then says 421", async () => {
    const t = await startTestServer({});
    const idle = await RawClient.greeted(t.port);
    const sending = await inData(t.port);
    sending.send("Subject: last\r\n\r\nfirst half\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = t.done();
    expect(await idle.rest()).toBe("421 4.3.2 Service shutting down, closing connection\r\n");
    sending.send("second half\r\n.\r\n");
    const replies = await sending.replies(2);
    expect(codes(replies)).toEqual([250, 421]);
    await sending.closed;
    await closed;
  });

  it("turns new connections away with 421 while shutting down", async () => {
    const t = await startTestServer({ closeTimeout: 2000 });
    const busy = await inData(t.port);
    const closed = t.done();
    // The listener stays open while a session finishes its message.
    const late = await RawClient.connect(t.port);
    expect(await late.rest()).toBe("421 4.3.2 Service shutting down, closing connection\r\n");
    busy.send(".\r\n");
    expect(codes(await busy.replies(2))).toEqual([250, 421]);
    await busy.closed;
    await closed;
  });
});

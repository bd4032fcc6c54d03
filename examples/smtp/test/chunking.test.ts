/**
 * CHUNKING / BDAT (RFC 3030) over raw sockets (no npm client or swaks
 * release speaks it): chunks pipelined with their commands, large chunks
 * streamed to disk, the size limit, DATA and RSET in a chunked
 * transaction, a BDAT without a size; and the one rule for a stray CR in
 * any command line.
 */

import { FLUSH_BYTES } from "../message";
import { RawClient, type TestServer, codes, deliveredMessages, listMaildir, splitTrace, startTestServer } from "./helpers";

async function withServer(options: Parameters<typeof startTestServer>[0], body: (t: TestServer) => Promise<void>): Promise<void> {
  const t = await startTestServer(options);
  try {
    await body(t);
  } finally {
    await t.done();
  }
}

/** Waits until the dropped message's file is gone from tmp/ (its removal runs after the reply); fails after 2 s. */
async function emptied(maildir: string): Promise<void> {
  for (let waited = 0; (await listMaildir(maildir, "tmp")).length > 0; waited += 10) {
    if (waited > 2000) throw new Error(`tmp/ still holds ${(await listMaildir(maildir, "tmp")).join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function inTransaction(port: number): Promise<RawClient> {
  const client = await RawClient.greeted(port);
  client.send("EHLO client.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n");
  expect(codes(await client.replies(3))).toEqual([250, 250, 250]);
  return client;
}

describe("BDAT", () => {
  it("advertises CHUNKING and takes a message in pipelined chunks, stored byte for byte without dot-unstuffing", async () => {
    await withServer({}, async (t) => {
      const client = await RawClient.greeted(t.port);
      expect((await client.command("EHLO client.test")).lines).toContain("CHUNKING");
      const parts = ["Subject: chunks\r\n\r\n", "..not unstuffed\r\n.\r\n", "last part\r\n"];
      client.send(
        "MAIL FROM:<a@example.test> BODY=8BITMIME\r\nRCPT TO:<b@example.test>\r\n" +
          `BDAT ${parts[0]!.length}\r\n${parts[0]}BDAT ${parts[1]!.length}\r\n${parts[1]}bdat ${parts[2]!.length} last\r\n${parts[2]}NOOP\r\n`,
      );
      const replies = await client.replies(6);
      expect(replies.map((r) => r.raw.trim())).toEqual([
        "250 2.1.0 Ok",
        "250 2.1.5 Ok",
        `250 2.0.0 Ok: ${parts[0]!.length} octets received`,
        `250 2.0.0 Ok: ${parts[1]!.length} octets received`,
        expect.stringMatching(/^250 2\.0\.0 Ok: queued as [0-9A-Z]+$/),
        "250 2.0.0 Ok",
      ]);
      const [message] = await deliveredMessages(t.maildir);
      expect(splitTrace(message!).rest.toString("latin1")).toBe(parts.join(""));
      client.destroy();
    });
  });

  it("streams a 3 MB chunk to disk, holding at most one flush of it in memory", async () => {
    await withServer({}, async (t) => {
      const client = await inTransaction(t.port);
      const body = Buffer.alloc(3 * 1024 * 1024, "0123456789abcdef\r\n");
      await client.write(`BDAT ${body.length} LAST\r\n`);
      for (let at = 0; at < body.length; at += 256 * 1024) await client.write(body.subarray(at, at + 256 * 1024));
      expect((await client.reply()).code).toBe(250);
      const [session] = [...t.server.sessions];
      expect(session!.peakBodyBytesInMemory).toBeLessThanOrEqual(FLUSH_BYTES + 256 * 1024);
      const [message] = await deliveredMessages(t.maildir);
      expect(splitTrace(message!).rest.equals(body)).toBe(true);
      client.destroy();
    });
  });

  it("refuses with 552 the chunk that passes the size limit, drops the message, and answers its later chunks 503", async () => {
    await withServer({ maxMessageSize: 1000 }, async (t) => {
      const client = await inTransaction(t.port);
      client.send(`BDAT 600\r\n${"a".repeat(600)}BDAT 600\r\n${"b".repeat(600)}BDAT 10 LAST\r\n${"c".repeat(10)}`);
      expect(codes(await client.replies(3))).toEqual([250, 552, 503]);
      expect(await listMaildir(t.maildir)).toEqual([]);
      await emptied(t.maildir);
      // A declared SIZE over the limit is refused at MAIL, as with DATA.
      expect((await client.command("MAIL FROM:<a@example.test> SIZE=1001")).code).toBe(552);
      client.send("MAIL FROM:<a@example.test> SIZE=1000\r\nRCPT TO:<b@example.test>\r\nBDAT 1000 LAST\r\n");
      client.send("d".repeat(1000));
      expect(codes(await client.replies(3))).toEqual([250, 250, 250]);
      client.destroy();
    });
  });

  it("reads and drops the chunk of a BDAT it refuses, so its bytes never run as commands", async () => {
    await withServer({}, async (t) => {
      const client = await RawClient.greeted(t.port);
      client.send("EHLO client.test\r\nBDAT 18\r\nRSET\r\nQUIT\r\nNOOP\r\nNOOP\r\n");
      expect(codes(await client.replies(3))).toEqual([250, 503, 250]);
      client.send("MAIL FROM:<a@example.test>\r\nBDAT 6 LAST\r\nQUIT\r\nNOOP\r\n");
      expect(codes(await client.replies(3))).toEqual([250, 503, 250]);
      client.destroy();
    });
  });

  it("refuses DATA after BDAT in one transaction, and RSET drops the chunks received so far", async () => {
    await withServer({}, async (t) => {
      const client = await inTransaction(t.port);
      client.send("BDAT 5\r\nhelloDATA\r\n");
      const replies = await client.replies(2);
      expect(replies[1]!.raw).toBe("503 5.5.1 Error: DATA cannot follow BDAT in one transaction\r\n");
      expect((await client.command("RSET")).code).toBe(250);
      await emptied(t.maildir);
      client.send("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nBDAT 0 LAST\r\n");
      expect(codes(await client.replies(3))).toEqual([250, 250, 250]);
      expect((await listMaildir(t.maildir)).length).toBe(1);
      client.destroy();
    });
  });

  it("answers a BDAT without a readable size with 501 and closes, since what follows cannot be told from commands", async () => {
    await withServer({}, async (t) => {
      for (const bad of ["BDAT", "BDAT x", "BDAT -1", "BDAT 10 MORE", "BDAT 1234567890123456"]) {
        const client = await inTransaction(t.port);
        client.send(`${bad}\r\nNOOP\r\n`);
        expect([bad, await client.rest()]).toEqual([bad, "501 5.5.4 Syntax: BDAT size [LAST]\r\n"]);
      }
    });
  });

  it("lets the chunk under way finish when the server shuts down, then says 421", async () => {
    const t = await startTestServer({});
    const client = await inTransaction(t.port);
    client.send("BDAT 10 LAST\r\nhello");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = t.done();
    client.send("world");
    expect(codes(await client.replies(2))).toEqual([250, 421]);
    await client.closed;
    await closed;
  });
});

describe("a stray CR before the CRLF", () => {
  it.each([["EHLO client.test\r\r\n"], ["MAIL FROM:<a@example.test>\r\r\n"], ["NO\rOP\r\n"], ["RCPT TO:<b@example.test>\r \r\n"], ["QUIT\r\r\n"]])(
    "is refused with the same 500 in %j, and the session carries on",
    async (line) => {
      await withServer({}, async (t) => {
        const client = await RawClient.greeted(t.port);
        client.send(line);
        expect((await client.reply()).raw).toBe("500 5.5.2 Error: bare <CR> in a command line\r\n");
        expect((await client.command("EHLO client.test")).code).toBe(250);
        client.destroy();
      });
    },
  );
});

describe("delivery headers", () => {
  it("puts Return-Path with the envelope sender (<> for bounces) and Delivered-To above the Received header", async () => {
    await withServer({}, async (t) => {
      const client = await RawClient.greeted(t.port);
      client.send("EHLO client.test\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nSubject: bounce\r\n\r\nx\r\n.\r\n");
      expect(codes(await client.replies(5))).toEqual([250, 250, 250, 354, 250]);
      const [message] = await deliveredMessages(t.maildir);
      const parts = splitTrace(message!);
      expect(parts.returnPath).toBe("");
      expect(parts.deliveredTo).toBe("Postmaster");
      expect(message!.toString("latin1").startsWith("Return-Path: <>\r\nDelivered-To: Postmaster\r\nReceived: from client.test")).toBe(true);
      client.destroy();
    });
  });
});

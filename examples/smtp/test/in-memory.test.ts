/**
 * Sessions over an in-memory socket pair (the core test kit): replies to a
 * pipelined batch leave in one write, and a whole transcript gives the same
 * replies and the same delivered messages however its bytes are split.
 */

import { mkdtemp, rm } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { type MemorySocket, chunkings, createSocketPair } from "@asynchat/core/testing";
import { type SmtpContext, createContext } from "../config";
import { SmtpSession } from "../session";
import { deliveredMessages, listMaildir, splitReceived } from "./helpers";

let maildir: string;
let context: SmtpContext;

beforeAll(async () => {
  maildir = await mkdtemp(path.join(os.tmpdir(), "smtp-memory-"));
  context = await createContext({ maildir, hostname: "mx.test", fsync: false, maxMessageSize: 200 });
});

afterAll(async () => {
  await rm(maildir, { recursive: true, force: true });
});

/** A session on one end of a socket pair; the other end collects what the server writes. */
function open(): { client: MemorySocket; server: MemorySocket; session: SmtpSession; received: () => string; closed: Promise<void> } {
  const [client, server] = createSocketPair();
  let received = "";
  client.on("data", (data: Buffer) => (received += data.toString("latin1")));
  const session = new SmtpSession(server, context);
  const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));
  return { client, server, session, received: () => received, closed };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe("an SMTP session in memory", () => {
  it("answers a batch of pipelined commands with a single write", async () => {
    const { client, server, received } = open();
    await until(() => received().startsWith("220 "));
    const writesBefore = server.writeCount;
    client.write("EHLO client.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nNOOP\r\nVRFY x\r\nFROB\r\n");
    await until(() => received().includes("500 "));
    expect(server.writeCount - writesBefore).toBe(1);
    const codes = received()
      .split("\r\n")
      .filter((line) => /^\d{3} /.test(line))
      .map((line) => line.slice(0, 3));
    expect(codes).toEqual(["220", "250", "250", "250", "250", "250", "252", "500"]);
    client.destroy();
  });

  it("gives the same replies and delivers the same messages in every chunking of a transcript", async () => {
    const transcript = Buffer.from(
      "EHLO c\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n" +
        "S: x\r\n\r\n..one\r\n.\r\n" +
        "NOOP\n" +
        `NOOP ${"x".repeat(520)}\r\n` +
        "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nbad\n.\nline\r\n.\r\n" +
        "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n" +
        `${"y".repeat(250)}\r\n.\r\n` +
        "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n.\r\nQUIT\r\n",
      "latin1",
    );
    const expectedCodes = "220 250 250 250 354 250 500 500 250 250 354 554 250 250 354 552 250 250 354 250 221";
    const expectedBodies = ["S: x\r\n\r\n.one\r\n", ""];
    let runs = 0;
    for (const { name, chunks } of chunkings(transcript, { exhaustiveUpTo: 0, sizes: [1, 2, 3, 5, 8, 13, 64], randomRuns: 8 })) {
      const { session, received, closed } = open();
      const before = new Set((await deliveredMessages(maildir)).map((m) => m.toString("latin1")));
      await until(() => received().startsWith("220 "));
      for (const chunk of chunks) session.handleRead(chunk);
      await closed;
      const codes = received()
        .split("\r\n")
        .filter((line) => /^\d{3} /.test(line))
        .map((line) => line.slice(0, 3))
        .join(" ");
      expect([name, codes]).toEqual([name, expectedCodes]);
      const added = (await deliveredMessages(maildir)).filter((m) => !before.has(m.toString("latin1")));
      const bodies = added.map((m) => splitReceived(m).rest.toString("latin1")).sort();
      expect([name, bodies]).toEqual([name, [...expectedBodies].sort()]);
      runs++;
    }
    expect(runs).toBeGreaterThan(10);
  });

  it("reads BDAT chunks as they are, whatever they hold, in every chunking", async () => {
    const chunk1 = "S: y\r\n\r\n.\r\nQUIT\r\n";
    const chunk2 = "bare\nlf\r\n.\r\n";
    const transcript = Buffer.from(
      "EHLO c\r\n" +
        // Refused (no MAIL), but its 6 bytes are read, not run.
        "BDAT 6\r\nQUIT\r\n" +
        `MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nBDAT ${chunk1.length}\r\n${chunk1}BDAT ${chunk2.length} LAST\r\n${chunk2}` +
        // Over the 200-byte limit: 552 at the chunk that passes it; the next chunk has no transaction.
        `MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nBDAT 150\r\n${"z".repeat(150)}BDAT 100\r\n${"z".repeat(100)}BDAT 0 LAST\r\n` +
        "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nBDAT 0 LAST\r\n" +
        "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nBDAT 3\r\nabcDATA\r\nRSET\r\n" +
        "NOOP\r\r\nQUIT\r\n",
      "latin1",
    );
    const expectedCodes = "220 250 503 250 250 250 250 250 250 250 552 503 250 250 250 250 250 250 503 250 500 221";
    const expectedBodies = [chunk1 + chunk2, ""];
    let runs = 0;
    for (const { name, chunks } of chunkings(transcript, { exhaustiveUpTo: 0, sizes: [1, 2, 3, 5, 8, 13, 64], randomRuns: 8 })) {
      const { session, received, closed } = open();
      const before = new Set((await deliveredMessages(maildir)).map((m) => m.toString("latin1")));
      await until(() => received().startsWith("220 "));
      for (const chunk of chunks) session.handleRead(chunk);
      await closed;
      const codes = received()
        .split("\r\n")
        .filter((line) => /^\d{3} /.test(line))
        .map((line) => line.slice(0, 3))
        .join(" ");
      expect([name, codes]).toEqual([name, expectedCodes]);
      const added = (await deliveredMessages(maildir)).filter((m) => !before.has(m.toString("latin1")));
      const bodies = added.map((m) => splitReceived(m).rest.toString("latin1")).sort();
      expect([name, bodies]).toEqual([name, [...expectedBodies].sort()]);
      runs++;
    }
    expect(runs).toBeGreaterThan(10);
    expect(await listMaildir(maildir, "tmp")).toEqual([]);
  });
});

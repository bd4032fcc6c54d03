/**
 * Delivery with its file operations on the thread pool ("async") and on the
 * event loop ("sync"): the same files, the same clean-up after a failure,
 * and the option and flag checked.
 */

import { mkdir, rm } from "node:fs/promises";
import * as net from "node:net";
import * as path from "node:path";
import { createContext } from "../config";
import { optionsFromFlags } from "../index";
import { FLUSH_BYTES } from "../message";
import { RawClient, codes, deliveredMessages, listMaildir, splitTrace, startTestServer } from "./helpers";

describe.each(["async", "sync"] as const)("delivery with fileIo %s", (fileIo) => {
  it("writes a small message, a multi-recipient one (a file each) and one larger than a flush, byte for byte, leaving tmp/ empty", async () => {
    const t = await startTestServer({ fileIo, fsync: fileIo === "async" });
    try {
      const client = await RawClient.greeted(t.port);
      expect((await client.command("EHLO client.test")).code).toBe(250);
      const small = "Subject: small\r\n\r\n..dotted\r\nbody\r\n";
      const large = `Subject: large\r\n\r\n${"0123456789abcdef".repeat(64 * 5)}\r\n`.repeat(Math.ceil((3 * FLUSH_BYTES) / 5000));
      const sent: Array<[string[], string]> = [
        [["one@example.test"], small],
        [["two@example.test", "three@example.test"], "Subject: two\r\n\r\nfor two\r\n"],
        [["four@example.test"], large],
      ];
      for (const [recipients, text] of sent) {
        client.send(`MAIL FROM:<a@example.test>\r\n${recipients.map((r) => `RCPT TO:<${r}>\r\n`).join("")}DATA\r\n`);
        expect(codes(await client.replies(recipients.length + 2))).toEqual([250, ...recipients.map(() => 250), 354]);
        await client.write(`${text}.\r\n`);
        expect((await client.reply()).code).toBe(250);
      }
      expect((await client.command("QUIT")).code).toBe(221);
      client.destroy();
      const stored = (await deliveredMessages(t.maildir)).map(splitTrace);
      expect(stored.map((m) => m.deliveredTo).sort()).toEqual(["four@example.test", "one@example.test", "three@example.test", "two@example.test"]);
      const byRecipient = new Map(stored.map((m) => [m.deliveredTo, m.rest.toString("latin1")]));
      expect(byRecipient.get("one@example.test")).toBe(small.replace("..dotted", ".dotted"));
      expect(byRecipient.get("two@example.test")).toBe("Subject: two\r\n\r\nfor two\r\n");
      expect(byRecipient.get("three@example.test")).toBe("Subject: two\r\n\r\nfor two\r\n");
      expect(byRecipient.get("four@example.test")).toBe(large);
      expect(await listMaildir(t.maildir, "tmp")).toEqual([]);
    } finally {
      await t.done();
    }
  });

  it("answers 451 when the file cannot be moved into new/, removes it from tmp/, and delivers the next message once it can", async () => {
    const t = await startTestServer({ fileIo, fsync: false });
    try {
      const client = await RawClient.greeted(t.port);
      expect((await client.command("EHLO client.test")).code).toBe(250);
      const newFolder = path.join(t.maildir, "new");
      await rm(newFolder, { recursive: true });
      client.send("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
      expect(codes(await client.replies(3))).toEqual([250, 250, 354]);
      await client.write("Subject: lost\r\n\r\nx\r\n.\r\n");
      expect((await client.reply()).code).toBe(451);
      expect(await listMaildir(t.maildir, "tmp")).toEqual([]);
      await mkdir(newFolder);
      client.send("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
      expect(codes(await client.replies(3))).toEqual([250, 250, 354]);
      await client.write("Subject: kept\r\n\r\ny\r\n.\r\n");
      expect((await client.reply()).code).toBe(250);
      expect((await deliveredMessages(t.maildir)).map((m) => splitTrace(m).rest.toString())).toEqual(["Subject: kept\r\n\r\ny\r\n"]);
      client.destroy();
    } finally {
      await t.done();
    }
  });
});

describe("delivery with fileIo sync, pipelined", () => {
  it("answers the end of a message and the commands pipelined after it in one write", async () => {
    const t = await startTestServer({ fileIo: "sync", fsync: false });
    const socket = net.connect(t.port, "127.0.0.1");
    try {
      // What arrives, read by read, and a wait for the n-th complete reply since the last reset.
      const chunks: string[] = [];
      let waiter: { count: number; resolve(): void } | null = null;
      const count = () => chunks.join("").split("\r\n").filter((line) => /^\d{3} /.test(line)).length;
      socket.on("data", (data: Buffer) => {
        chunks.push(data.toString("latin1"));
        if (waiter !== null && count() >= waiter.count) waiter.resolve();
      });
      const until = (n: number) => new Promise<void>((resolve) => (count() >= n ? resolve() : (waiter = { count: n, resolve })));
      await until(1);
      chunks.length = 0;
      socket.write("EHLO client.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
      await until(4);
      chunks.length = 0;
      socket.write("Subject: one\r\n\r\nx\r\n.\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n");
      await until(4);
      expect(chunks.length).toBe(1);
      expect(chunks[0]).toMatch(/^250 2\.0\.0 Ok: queued as \w+\r\n250 [^\r]*\r\n250 [^\r]*\r\n354 [^\r]*\r\n$/);
      expect((await deliveredMessages(t.maildir)).map((m) => splitTrace(m).rest.toString())).toEqual(["Subject: one\r\n\r\nx\r\n"]);
    } finally {
      socket.destroy();
      await t.done();
    }
  });
});

describe("the fileIo option and --file-io", () => {
  it("takes async or sync from the flag, and names the flag when the value is anything else", async () => {
    expect((await optionsFromFlags({ maildir: "/tmp/x", "file-io": "sync" })).fileIo).toBe("sync");
    expect((await optionsFromFlags({ maildir: "/tmp/x", "file-io": "async" })).fileIo).toBe("async");
    expect((await optionsFromFlags({ maildir: "/tmp/x" })).fileIo).toBeUndefined();
    await expect(optionsFromFlags({ maildir: "/tmp/x", "file-io": "fast" })).rejects.toThrow("--file-io must be async or sync, got fast");
  });

  it("refuses an unknown mode before touching the Maildir", async () => {
    await expect(createContext({ maildir: "/nonexistent/never-created", fileIo: "fast" as never })).rejects.toThrow(
      'The SMTP server option "fileIo" must be "async" or "sync", got fast',
    );
  });
});

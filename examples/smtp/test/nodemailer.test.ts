/**
 * A real client, nodemailer, sending to the server: plain, over STARTTLS,
 * to several recipients, 8-bit content, a 1 MB message, and several messages
 * over one pooled connection.
 */

import nodemailer, { type Transporter } from "nodemailer";
import { type TestServer, deliveredMessages, fixtureCertificate, makeMessage, splitReceived, splitTrace, startTestServer } from "./helpers";

let plain: TestServer;
let secure: TestServer;

beforeAll(async () => {
  plain = await startTestServer();
  secure = await startTestServer({ tls: await fixtureCertificate() });
});

afterAll(async () => {
  await plain.done();
  await secure.done();
});

function plainTransport(options: Record<string, unknown> = {}): Transporter {
  return nodemailer.createTransport({ host: "127.0.0.1", port: plain.port, secure: false, ignoreTLS: true, name: "client.test", ...options });
}

/** The delivered message whose Received header names queue id `id` (from nodemailer's `info.response`). */
async function deliveredWithResponse(maildir: string, response: string | undefined): Promise<Buffer> {
  const match = /^250 2\.0\.0 Ok: queued as ([0-9A-Z]+)$/.exec(response ?? "");
  if (match === null) throw new Error(`unexpected final reply: ${response}`);
  const messages = await deliveredMessages(maildir);
  const found = messages.find((m) => splitReceived(m).received.includes(` id ${match[1]}`));
  if (found === undefined) throw new Error(`no message with id ${match[1]} in ${maildir}`);
  return found;
}

describe("nodemailer as the client", () => {
  it("sends a message in plaintext", async () => {
    const transport = plainTransport();
    const info = await transport.sendMail({
      from: "Sender <sender@example.test>",
      to: "Receiver <receiver@example.test>",
      subject: "Plain hello",
      text: "Hello over plain SMTP.\n.A line starting with a dot.\n",
    });
    expect(info.accepted).toEqual(["receiver@example.test"]);
    expect(info.rejected).toEqual([]);
    const { received, rest } = splitReceived(await deliveredWithResponse(plain.maildir, info.response));
    expect(received).toMatch(/^Received: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mx\.test with ESMTP id /);
    expect(received).toContain("\tfor <receiver@example.test>; ");
    const text = rest.toString("latin1");
    expect(text).toContain("Subject: Plain hello\r\n");
    expect(text).toContain("Hello over plain SMTP.\r\n.A line starting with a dot.\r\n");
    transport.close();
  });

  it("sends a message over STARTTLS when TLS is required", async () => {
    const transport = nodemailer.createTransport({
      host: "127.0.0.1",
      port: secure.port,
      secure: false,
      requireTLS: true,
      name: "client.test",
      tls: { rejectUnauthorized: false },
    });
    const info = await transport.sendMail({ from: "sender@example.test", to: "receiver@example.test", subject: "Secret", text: "Over TLS." });
    expect(info.accepted).toEqual(["receiver@example.test"]);
    const { received, rest } = splitReceived(await deliveredWithResponse(secure.maildir, info.response));
    expect(received).toContain(" with ESMTPS id ");
    expect(rest.toString("latin1")).toContain("Over TLS.");
    transport.close();
  });

  it("sends one message to several recipients as one file each, with its own Delivered-To and the same Return-Path and body", async () => {
    const transport = plainTransport();
    const info = await transport.sendMail({
      from: "sender@example.test",
      to: ["one@example.test", "two@example.test"],
      cc: "three@example.test",
      bcc: "hidden@example.test",
      subject: "Several",
      text: "To everyone.",
    });
    const recipients = ["hidden@example.test", "one@example.test", "three@example.test", "two@example.test"];
    expect([...(info.accepted ?? [])].sort()).toEqual(recipients);
    const copies = (await deliveredMessages(plain.maildir)).filter((m) => m.toString("latin1").includes("Subject: Several")).map(splitTrace);
    expect(copies.map((copy) => copy.deliveredTo).sort()).toEqual(recipients);
    for (const copy of copies) {
      expect(copy.returnPath).toBe("sender@example.test");
      expect(copy.received).not.toContain(" for ");
      expect(copy.received).toBe(copies[0]!.received);
      expect(copy.rest.equals(copies[0]!.rest)).toBe(true);
      expect(copy.rest.toString("latin1")).not.toContain("hidden@example.test");
    }
    transport.close();
  });

  it("delivers an 8-bit body byte for byte", async () => {
    const transport = plainTransport();
    const raw = makeMessage(4000, { eightBit: true });
    expect(raw.some((byte) => byte >= 0x80)).toBe(true);
    const info = await transport.sendMail({ envelope: { from: "sender@example.test", to: ["receiver@example.test"] }, raw });
    const { rest } = splitReceived(await deliveredWithResponse(plain.maildir, info.response));
    expect(rest.equals(raw)).toBe(true);
    transport.close();
  });

  it("delivers a 1 MB message byte for byte", async () => {
    const transport = plainTransport();
    const raw = makeMessage(1024 * 1024);
    expect(raw.length).toBeGreaterThanOrEqual(1024 * 1024);
    const info = await transport.sendMail({ envelope: { from: "sender@example.test", to: ["receiver@example.test"] }, raw });
    const { rest } = splitReceived(await deliveredWithResponse(plain.maildir, info.response));
    expect(rest.length).toBe(raw.length);
    expect(rest.equals(raw)).toBe(true);
    transport.close();
  });

  it("sends several messages over one pooled connection", async () => {
    const transport = plainTransport({ pool: true, maxConnections: 1, maxMessages: 100 });
    const sessions = new Set();
    plain.server.chat.on("connection", (session) => sessions.add(session));
    const infos = await Promise.all(
      Array.from({ length: 5 }, (_, i) => transport.sendMail({ from: "sender@example.test", to: `r${i}@example.test`, subject: `Pooled ${i}`, text: `Message ${i}` })),
    );
    for (const [i, info] of infos.entries()) {
      const { rest } = splitReceived(await deliveredWithResponse(plain.maildir, info.response));
      expect(rest.toString("latin1")).toContain(`Subject: Pooled ${i}\r\n`);
    }
    expect(sessions.size).toBe(1);
    transport.close();
  });
});

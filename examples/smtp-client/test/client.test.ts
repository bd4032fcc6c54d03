/**
 * The SMTP client against two real servers: the SMTP example (plain,
 * STARTTLS, pipelining, SIZE, 8BITMIME, several recipients, bodies from
 * producers, every refusal as a typed error) and smtp-server from npm; and
 * against a scripted socket peer for the HELO fallback.
 */

import * as net from "node:net";
import * as path from "node:path";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as os from "node:os";
import { FileProducer } from "@asynchat/core";
import { SMTPServer } from "smtp-server";
import { type TestServer, deliveredMessages, fixtureCertificate, splitTrace, startTestServer } from "../../smtp/test/helpers";
import { SmtpClient, SmtpClientError, SmtpClientErrorCode, SmtpReplyError } from "../index";
import { loadMessage, runLoad } from "../load";

const FIXTURES = path.join(__dirname, "..", "..", "..", "packages", "core", "test", "fixtures");

function message(subject: string, body: string): string {
  return `From: a@example.test\r\nTo: b@example.test\r\nSubject: ${subject}\r\n\r\n${body}`;
}

/** Every chunk the server's side of each connection read, in order. */
function recordReads(t: TestServer): Buffer[] {
  const reads: Buffer[] = [];
  t.server.chat.on("connection", (session) => (session.socket as net.Socket).on("data", (data: Buffer) => reads.push(Buffer.from(data))));
  return reads;
}

describe("the SMTP client against the SMTP example", () => {
  let t: TestServer;

  beforeEach(async () => {
    t = await startTestServer({ fsync: false, maxMessageSize: 100_000, maxRecipients: 3 });
  });

  afterEach(async () => {
    await t.done();
  });

  it("sends a message with MAIL, RCPT and DATA in one write, dot-stuffed, stored byte for byte", async () => {
    const reads = recordReads(t);
    const client = await SmtpClient.connect({ port: t.port, name: "client.test" });
    expect(client.esmtp).toBe(true);
    expect([...client.capabilities.keys()]).toEqual(expect.arrayContaining(["PIPELINING", "SIZE", "8BITMIME", "CHUNKING"]));
    const text = message("one", ".leading dot\r\n..two\r\n.\r\nend\r\n");
    const result = await client.send({ from: "a@example.test", to: ["b@example.test"], message: text });
    expect(result.response.code).toBe(250);
    expect(result.response.lines[0]).toMatch(/^2\.0\.0 Ok: queued as [0-9A-Z]+$/);
    expect(result.response.enhanced).toBe("2.0.0");
    expect(result.accepted).toEqual(["b@example.test"]);
    expect((await client.quit()).code).toBe(221);
    const [stored] = await deliveredMessages(t.maildir);
    expect(splitTrace(stored!).rest.toString("utf8")).toBe(text);
    expect(reads.some((read) => read.toString("latin1") === `MAIL FROM:<a@example.test> SIZE=${text.length}\r\nRCPT TO:<b@example.test>\r\nDATA\r\n`)).toBe(true);
  });

  it("pipelines overlapping sends: the end of one message and the envelope of the next leave in one write", async () => {
    const reads = recordReads(t);
    const client = await SmtpClient.connect({ port: t.port });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.send({ from: "a@example.test", to: ["b@example.test"], message: message(`n${i}`, `body ${i}\r\n`) })),
    );
    expect(results.map((r) => r.response.code)).toEqual(Array(20).fill(250));
    await client.quit();
    expect((await deliveredMessages(t.maildir)).length).toBe(20);
    expect(reads.some((read) => /\r\n\.\r\nMAIL FROM:<a@example\.test> SIZE=\d+\r\nRCPT TO:<b@example\.test>\r\nDATA\r\n$/.test(read.toString("latin1")))).toBe(true);
  });

  it("sends a body from a producer that does not end in CRLF, and one from an async iterable split inside CRLF and dots", async () => {
    const client = await SmtpClient.connect({ port: t.port });
    const dir = await mkdtemp(path.join(os.tmpdir(), "smtp-client-"));
    const file = path.join(dir, "message.eml");
    const fileBytes = Buffer.from("Subject: from a file\r\n\r\n.first line\r\nno line ending at the end", "latin1");
    await writeFile(file, fileBytes);
    await client.send({ from: "a@example.test", to: ["b@example.test"], message: new FileProducer(file, { chunkSize: 7 }) });
    await rm(dir, { recursive: true });
    async function* pieces(): AsyncIterable<string> {
      yield "Subject: split\r";
      yield "\n\r\n.";
      yield "dot\r\n";
      yield ".";
      yield "\r\n";
    }
    await client.send({ from: "a@example.test", to: ["b@example.test"], message: pieces() });
    await client.quit();
    const bodies = (await deliveredMessages(t.maildir)).map((m) => splitTrace(m).rest.toString("latin1"));
    // The file does not end with CRLF: the client adds one before the "." line, which the server keeps.
    expect(bodies).toContain(`${fileBytes.toString("latin1")}\r\n`);
    expect(bodies).toContain("Subject: split\r\n\r\n.dot\r\n.\r\n");
  });

  it("declares BODY=8BITMIME for an 8-bit message, and refuses before sending one larger than SIZE", async () => {
    const reads = recordReads(t);
    const client = await SmtpClient.connect({ port: t.port });
    await client.send({ from: "a@example.test", to: ["b@example.test"], message: message("8bit", "grüße\r\n") });
    expect(reads.some((read) => read.toString("latin1").includes(" BODY=8BITMIME\r\n"))).toBe(true);
    const before = reads.length;
    const big = client.send({ from: "a@example.test", to: ["b@example.test"], message: "x".repeat(100_001) });
    await expect(big).rejects.toMatchObject({ code: SmtpClientErrorCode.MESSAGE_TOO_BIG });
    await expect(big).rejects.toBeInstanceOf(SmtpClientError);
    expect(reads.length).toBe(before);
    // The session is still usable.
    expect((await client.send({ from: "a@example.test", to: ["b@example.test"], message: "small\r\n" })).response.code).toBe(250);
    await client.quit();
  });

  it("reports recipients the server refuses and still sends to the others; all refused is a typed error, and the session goes on", async () => {
    const client = await SmtpClient.connect({ port: t.port });
    const result = await client.send({ from: "a@example.test", to: ["1@x.test", "not an address", "2@x.test", "3@x.test", "4@x.test"], message: "hi\r\n" });
    expect(result.accepted).toEqual(["1@x.test", "2@x.test", "3@x.test"]);
    expect(result.rejected.map((r) => [r.recipient, r.reply.code])).toEqual([["not an address", 501], ["4@x.test", 452]]);
    const refused = client.send({ from: "a@example.test", to: ["bad address"], message: "hi\r\n" });
    await expect(refused).rejects.toBeInstanceOf(SmtpReplyError);
    await expect(refused).rejects.toMatchObject({ code: "ERR_SMTP_REPLY", replyCode: 501, command: "RCPT TO:<bad address>", transient: false });
    const sender = client.send({ from: "bad sender", to: ["b@example.test"], message: "hi\r\n" });
    await expect(sender).rejects.toMatchObject({ replyCode: 501, command: "MAIL FROM:<bad sender> SIZE=4" });
    expect((await client.send({ from: "a@example.test", to: ["b@example.test"], message: "after\r\n" })).response.code).toBe(250);
    await client.quit();
  });

  it("refuses addresses that would break the command line before sending anything", async () => {
    const client = await SmtpClient.connect({ port: t.port });
    await expect(client.send({ from: "a@example.test\r\nRSET", to: ["b@example.test"], message: "" })).rejects.toMatchObject({ code: SmtpClientErrorCode.INVALID_ARGUMENT });
    await expect(client.send({ from: "a@example.test", to: [], message: "" })).rejects.toMatchObject({ code: SmtpClientErrorCode.INVALID_ARGUMENT });
    await client.quit();
  });

  it("fails every waiting command with ERR_SMTP_CLOSED when the server goes away", async () => {
    const client = await SmtpClient.connect({ port: t.port });
    const pending = client.command("NOOP");
    const done = t.done();
    t = await startTestServer({});
    await done;
    await expect(pending.then(() => client.command("NOOP"))).rejects.toMatchObject({ code: SmtpClientErrorCode.CLOSED });
  });
});

describe("the SMTP client over STARTTLS", () => {
  it("upgrades when offered, verifying the certificate, and says EHLO again", async () => {
    // The server notices the failed handshake only at its handshake timeout: keep it short so close() does not wait 10 s.
    const t = await startTestServer({ fsync: false, tls: await fixtureCertificate(), tlsHandshakeTimeout: 1000 });
    try {
      const ca = await readFile(path.join(FIXTURES, "localhost-cert.pem"));
      const client = await SmtpClient.connect({ port: t.port, host: "127.0.0.1", tls: { ca, servername: "localhost" }, startTls: "required" });
      expect(client.secure).toBe(true);
      expect(client.capabilities.has("STARTTLS")).toBe(false);
      await client.send({ from: "a@example.test", to: ["b@example.test"], message: "over TLS\r\n" });
      await client.quit();

      const [stored] = await deliveredMessages(t.maildir);
      expect(splitTrace(stored!).received).toContain(" with ESMTPS id ");
      // Without the CA, the handshake fails and connect rejects.
      await expect(SmtpClient.connect({ port: t.port, tls: { servername: "localhost" } })).rejects.toThrow(/TLS upgrade failed/);
    } finally {
      await t.done();
    }
  });

  it("fails with ERR_SMTP_TLS_NOT_OFFERED when STARTTLS is required and not offered", async () => {
    const t = await startTestServer({ fsync: false });
    try {
      await expect(SmtpClient.connect({ port: t.port, startTls: "required" })).rejects.toMatchObject({ code: SmtpClientErrorCode.TLS_NOT_OFFERED });
    } finally {
      await t.done();
    }
  });
});

describe("the SMTP client against smtp-server from npm", () => {
  it("sends pipelined messages over one session, received byte for byte", async () => {
    const received: string[] = [];
    const server = new SMTPServer({
      disabledCommands: ["AUTH", "STARTTLS"],
      disableReverseLookup: true,
      logger: false,
      size: 1024 * 1024,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          received.push(Buffer.concat(chunks).toString("utf8"));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.server.address() as net.AddressInfo).port;
      const client = await SmtpClient.connect({ port, name: "client.test" });
      expect(client.capabilities.has("PIPELINING")).toBe(true);
      const texts = Array.from({ length: 5 }, (_, i) => message(`s${i}`, `.dot ${i}\r\ngrüße\r\n`));
      const results = await Promise.all(texts.map((text) => client.send({ from: "a@example.test", to: ["b@example.test", "c@example.test"], message: text })));
      expect(results.map((r) => r.accepted.length)).toEqual([2, 2, 2, 2, 2]);
      expect(results.every((r) => /queued as/i.test(r.response.lines.join(" ")) || r.response.code === 250)).toBe(true);
      await client.quit();
      expect(received).toEqual(texts);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe("the SMTP client against a server that does not know EHLO", () => {
  it("falls back to HELO and sends without ESMTP parameters", async () => {
    const lines: string[] = [];
    const server = net.createServer((socket) => {
      socket.write("220 old.test SMTP\r\n");
      let buffer = "";
      let inData = false;
      socket.on("data", (data: Buffer) => {
        buffer += data.toString("latin1");
        for (let end = buffer.indexOf("\r\n"); end >= 0; end = buffer.indexOf("\r\n")) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          lines.push(line);
          if (inData) {
            if (line === ".") {
              inData = false;
              socket.write("250 ok\r\n");
            }
          } else if (line.startsWith("EHLO")) socket.write("502 command not implemented\r\n");
          else if (line === "DATA") {
            inData = true;
            socket.write("354 go ahead\r\n");
          } else if (line === "QUIT") socket.end("221 bye\r\n");
          else socket.write("250 ok\r\n");
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = await SmtpClient.connect({ port: (server.address() as net.AddressInfo).port, name: "client.test" });
      expect(client.esmtp).toBe(false);
      await client.send({ from: "a@example.test", to: ["b@example.test"], message: "Subject: old\r\n\r\nhi\r\n" });
      await client.quit();
      expect(lines).toEqual(["EHLO client.test", "HELO client.test", "MAIL FROM:<a@example.test>", "RCPT TO:<b@example.test>", "DATA", "Subject: old", "", "hi", ".", "QUIT"]);
    } finally {
      server.close();
    }
  });
});

describe("the load generator", () => {
  it("sends every message over reused pipelined sessions and over a session each, all of them delivered", async () => {
    const t = await startTestServer({ fsync: false });
    try {
      const reused = await runLoad({ port: t.port, sessions: 4, messages: 41, size: 1024 });
      expect(reused).toMatchObject({ messages: 41, failures: 0 });
      const fresh = await runLoad({ port: t.port, sessions: 3, messages: 7, size: 300, perMessage: true });
      expect(fresh).toMatchObject({ messages: 7, failures: 0 });
      const stored = await deliveredMessages(t.maildir);
      expect(stored.length).toBe(48);
      const sizes = stored.map((m) => splitTrace(m).rest.length).sort((a, b) => a - b);
      expect(sizes[0]).toBe(300);
      expect(sizes[sizes.length - 1]).toBe(1024);
      expect(loadMessage(1024, 3).length).toBe(1024);
    } finally {
      await t.done();
    }
  });
});

/**
 * STARTTLS (RFC 3207) over raw sockets: the upgrade itself, what the
 * session forgets, and plaintext injected after the command (the class of
 * CVE-2011-0411), which must never run as if it had come over TLS.
 */

import * as tls from "node:tls";
import { ErrorCode } from "@asynchat/core";
import { SmtpSession } from "../session";
import { RawClient, type TestServer, codes, deliveredMessages, fixtureCertificate, splitReceived, startTestServer } from "./helpers";

let t: TestServer;
const channelErrors: Error[] = [];

beforeAll(async () => {
  t = await startTestServer({ tls: await fixtureCertificate() });
  t.server.chat.on("channelError", (error) => channelErrors.push(error));
});

afterAll(async () => {
  await t.done();
});

beforeEach(() => {
  channelErrors.length = 0;
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** Starts a TLS client on a socket that has just received "220 Ready to start TLS". */
function handshake(client: RawClient): Promise<RawClient> {
  const socket = client.detach();
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ socket: socket as never, rejectUnauthorized: false, servername: "localhost" });
    secure.once("secureConnect", () => resolve(new RawClient(secure)));
    secure.once("error", reject);
    secure.once("close", () => reject(new Error("closed during the handshake")));
  });
}

/** Records every reply the server pushes, per session. */
function recordPushes(): Map<SmtpSession, string[]> {
  const pushes = new Map<SmtpSession, string[]>();
  const push = SmtpSession.prototype.push;
  jest.spyOn(SmtpSession.prototype, "push").mockImplementation(function (this: SmtpSession, data: string | Uint8Array) {
    const list = pushes.get(this) ?? [];
    list.push(typeof data === "string" ? data : Buffer.from(data).toString("latin1"));
    pushes.set(this, list);
    return push.call(this, data);
  });
  return pushes;
}

describe("STARTTLS", () => {
  it("is advertised on a plaintext connection when a certificate is configured", async () => {
    const client = await RawClient.greeted(t.port);
    const ehlo = await client.command("EHLO client.test");
    expect(ehlo.lines).toContain("STARTTLS");
    expect((await client.command("HELP")).raw).toContain(" STARTTLS");
    client.destroy();
  });

  it("upgrades the connection, forgets the EHLO and the transaction, and marks the message ESMTPS", async () => {
    const plain = await RawClient.greeted(t.port);
    await plain.command("EHLO client.test");
    await plain.command("MAIL FROM:<before-tls@example.test>");
    expect((await plain.command("STARTTLS")).raw).toBe("220 2.0.0 Ready to start TLS\r\n");
    const client = await handshake(plain);
    expect((await client.command("MAIL FROM:<a@example.test>")).code).toBe(503);
    const ehlo = await client.command("EHLO client.test");
    expect(ehlo.code).toBe(250);
    expect(ehlo.lines).not.toContain("STARTTLS");
    expect((await client.command("STARTTLS")).raw).toBe("503 5.5.1 Error: TLS already active\r\n");
    expect((await client.command("RCPT TO:<b@example.test>")).code).toBe(503);
    client.send("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
    expect(codes(await client.replies(3))).toEqual([250, 250, 354]);
    const queued = await client.command("Subject: secret\r\n\r\nover TLS\r\n.");
    expect(queued.code).toBe(250);
    const id = queued.raw.slice("250 2.0.0 Ok: queued as ".length, -2);
    const message = (await deliveredMessages(t.maildir)).find((m) => m.toString("latin1").includes(`id ${id}`))!;
    const { received, rest } = splitReceived(message);
    expect(received).toContain(" with ESMTPS id ");
    expect(rest.toString("latin1")).toBe("Subject: secret\r\n\r\nover TLS\r\n");
    expect((await client.command("QUIT")).code).toBe(221);
    await client.closed;
  });

  it("answers STARTTLS with an argument with 501", async () => {
    const client = await RawClient.greeted(t.port);
    expect((await client.command("STARTTLS now")).code).toBe(501);
    client.destroy();
  });

  it("refuses plaintext pipelined with STARTTLS: the injected command never runs, before or after the handshake", async () => {
    const pushes = recordPushes();
    const plain = await RawClient.greeted(t.port);
    await plain.command("EHLO client.test");
    plain.send("STARTTLS\r\nRSET\r\nMAIL FROM:<injected@example.test>\r\n");
    expect((await plain.reply()).raw).toBe("220 2.0.0 Ready to start TLS\r\n");
    await expect(handshake(plain)).rejects.toThrow();
    await plain.closed;
    // Every command pushes a reply: the session pushed none after the 220.
    const [sessionPushes] = [...pushes.values()];
    expect(sessionPushes!.slice(-1)).toEqual(["220 2.0.0 Ready to start TLS\r\n"]);
    expect(channelErrors.map((e) => (e as Error & { code?: string }).code)).toContain(ErrorCode.PLAINTEXT_AFTER_STARTTLS);
  });

  it("takes plaintext sent after the 220 as the start of the handshake, which then fails without running it", async () => {
    const pushes = recordPushes();
    const plain = await RawClient.greeted(t.port);
    await plain.command("EHLO client.test");
    expect((await plain.command("STARTTLS")).code).toBe(220);
    plain.send("RSET\r\nMAIL FROM:<injected@example.test>\r\n");
    const rest = await plain.rest();
    expect(rest).not.toMatch(/^250 /m);
    const [sessionPushes] = [...pushes.values()];
    expect(sessionPushes!.slice(-1)).toEqual(["220 2.0.0 Ready to start TLS\r\n"]);
    expect(channelErrors.map((e) => (e as Error & { code?: string }).code)).toContain(ErrorCode.TLS_UPGRADE_FAILED);
  });
});

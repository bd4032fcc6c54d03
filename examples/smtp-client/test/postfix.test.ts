/**
 * The SMTP client against a real MTA: Postfix from Debian, started by the
 * test on a free loopback port with its own configuration, delivering to
 * a Maildir. Postfix stores LF line endings and adds headers (Return-Path,
 * Delivered-To and Received on top, Message-ID and Date at the end of the
 * header section), so each message is found by its body, with LF, and its
 * own header lines.
 */

import { describeWithPeers } from "../../../test-support/peers";
import { SmtpClient, SmtpReplyError } from "../index";
import { POSTFIX_DOMAIN, type PostfixInstance, startPostfix } from "./postfix";

describeWithPeers("postfix", "the SMTP client against Postfix", () => {
  let postfix: PostfixInstance;

  beforeAll(async () => {
    postfix = await startPostfix();
  }, 60_000);

  afterAll(async () => {
    await postfix?.stop();
  });

  it("sends pipelined messages over one session, with 8-bit and dot-stuffed lines, each delivered to the Maildir", async () => {
    const client = await SmtpClient.connect({ port: postfix.port, name: "client.test" });
    expect(client.greeting!.lines[0]).toBe("postfix.test ESMTP");
    expect([...client.capabilities.keys()]).toEqual(expect.arrayContaining(["PIPELINING", "SIZE", "8BITMIME", "CHUNKING"]));
    const texts = Array.from(
      { length: 5 },
      (_, i) => `From: a@client.test\r\nTo: b@${POSTFIX_DOMAIN}\r\nSubject: postfix ${i}\r\n\r\n.leading dot ${i}\r\n.\r\ngrüße\r\nend ${i}\r\n`,
    );
    const results = await Promise.all(texts.map((message) => client.send({ from: "a@client.test", to: [`b@${POSTFIX_DOMAIN}`], message })));
    for (const result of results) expect(result.response.lines[0]).toMatch(/^2\.0\.0 Ok: queued as [0-9A-F]+$/);
    expect((await client.quit()).code).toBe(221);
    const stored = (await postfix.delivered(texts.length)).map((m) => m.toString("utf8"));
    for (const text of texts) {
      const [head, body] = text.replace(/\r\n/g, "\n").split("\n\n") as [string, string];
      const found = stored.find((m) => m.endsWith(`\n\n${body}`) && head.split("\n").every((line) => m.includes(`\n${line}\n`)));
      expect([text, found === undefined ? stored : "found"]).toEqual([text, "found"]);
    }
    for (const m of stored) expect(m.slice(0, 200)).toMatch(new RegExp(`^Return-Path: <a@client\\.test>\n(?:X-Original-To: b@${POSTFIX_DOMAIN}\n)?Delivered-To: b@${POSTFIX_DOMAIN}\n`));
  }, 60_000);

  it("surfaces Postfix's refusal of a recipient outside its domains as a typed error", async () => {
    const client = await SmtpClient.connect({ port: postfix.port });
    const refused = client.send({ from: "a@client.test", to: ["someone@elsewhere.test"], message: "Subject: x\r\n\r\nx\r\n" });
    await expect(refused).rejects.toBeInstanceOf(SmtpReplyError);
    await expect(refused).rejects.toMatchObject({ replyCode: 454, command: "RCPT TO:<someone@elsewhere.test>", transient: true });
    await client.quit();
  }, 30_000);
});

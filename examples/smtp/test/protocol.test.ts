/**
 * The SMTP conversation over raw sockets: greeting, EHLO, delivery,
 * pipelining, dot-stuffing, and the reply code of every error.
 */

import {
  RawClient,
  type TestServer,
  codes,
  deliveredMessages,
  dotStuff,
  listMaildir,
  makeMessage,
  splitReceived,
  startTestServer,
} from "./helpers";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ maxMessageSize: 1_000_000, maxRecipients: 3, maxErrors: 100 });
});

afterAll(async () => {
  await t.done();
});

async function session(): Promise<RawClient> {
  const client = await RawClient.greeted(t.port);
  expect((await client.command("EHLO client.test")).code).toBe(250);
  return client;
}

describe("the SMTP conversation", () => {
  it("greets with 220 and its name, and answers EHLO with its extensions", async () => {
    const client = await RawClient.connect(t.port);
    expect((await client.reply()).raw).toBe("220 mx.test ESMTP ready\r\n");
    const ehlo = await client.command("EHLO client.test");
    expect(ehlo.code).toBe(250);
    expect(ehlo.lines).toEqual(["mx.test", "PIPELINING", "SIZE 1000000", "8BITMIME", "ENHANCEDSTATUSCODES", "CHUNKING"]);
    expect(ehlo.raw).not.toContain("STARTTLS");
    expect((await client.command("HELO client.test")).raw).toBe("250 mx.test\r\n");
    expect((await client.command("QUIT")).raw).toBe("221 2.0.0 Bye\r\n");
    await client.closed;
  });

  it("delivers a message into new/ with a Received header naming the client, the server and the recipient", async () => {
    const client = await session();
    expect((await client.command("MAIL FROM:<sender@example.test>")).raw).toBe("250 2.1.0 Ok\r\n");
    expect((await client.command("RCPT TO:<receiver@example.test>")).raw).toBe("250 2.1.5 Ok\r\n");
    expect((await client.command("DATA")).code).toBe(354);
    const before = (await listMaildir(t.maildir)).length;
    client.send("Subject: hello\r\n\r\nHello, world.\r\n.\r\n");
    const queued = await client.reply();
    expect(queued.raw).toMatch(/^250 2\.0\.0 Ok: queued as [0-9A-Z]+\r\n$/);
    const id = queued.raw.slice("250 2.0.0 Ok: queued as ".length, -2);
    // The 250 comes after the rename into new/.
    const messages = await deliveredMessages(t.maildir);
    expect(messages.length).toBe(before + 1);
    const delivered = messages.find((m) => m.toString("latin1").includes(`id ${id}`))!;
    const { received, rest } = splitReceived(delivered);
    expect(received).toMatch(
      new RegExp(`^Received: from client\\.test \\(\\[127\\.0\\.0\\.1\\]\\)\r\n\tby mx\\.test with ESMTP id ${id}\r\n\tfor <receiver@example\\.test>; \\w{3}, \\d{1,2} \\w{3} \\d{4} \\d\\d:\\d\\d:\\d\\d \\+0000\r\n$`),
    );
    expect(rest.toString("latin1")).toBe("Subject: hello\r\n\r\nHello, world.\r\n");
    expect(await listMaildir(t.maildir, "tmp")).toEqual([]);
    client.destroy();
  });

  it("gives each name in new/ the Maildir form <seconds>.M<micros>P<pid>Q<n>.<host>", async () => {
    const names = await listMaildir(t.maildir);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toMatch(/^\d+\.M\d+P\d+Q\d+\.[^/:]+$/);
    expect(new Set(names).size).toBe(names.length);
  });

  it("answers every command sent in one write, in order, and delivers every message, one file per recipient", async () => {
    const client = await RawClient.greeted(t.port);
    const before = (await listMaildir(t.maildir)).length;
    const message = Buffer.from("Subject: pipelined\r\n\r\nOne.\r\n");
    client.send(
      Buffer.concat([
        Buffer.from("EHLO client.test\r\nMAIL FROM:<a@example.test> SIZE=100 BODY=8BITMIME\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n"),
        dotStuff(message),
        Buffer.from("MAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n"),
        dotStuff(message),
        Buffer.from("RSET\r\nNOOP\r\nVRFY someone\r\nQUIT\r\n"),
      ]),
    );
    const replies = await client.replies(14);
    expect(codes(replies)).toEqual([250, 250, 250, 250, 354, 250, 250, 250, 354, 250, 250, 250, 252, 221]);
    await client.closed;
    // b and c get a copy each, Postmaster one.
    expect((await listMaildir(t.maildir)).length).toBe(before + 3);
  });

  it("removes the stuffed dot from lines that start with one and ends the body only at a lone dot", async () => {
    const client = await session();
    await client.command("MAIL FROM:<a@example.test>");
    await client.command("RCPT TO:<b@example.test>");
    expect((await client.command("DATA")).code).toBe(354);
    client.send("..\r\n...\r\n..leading\r\n.x\r\nnot.at.start\r\n. \r\n\r\n.\r\n");
    const queued = await client.reply();
    expect(queued.code).toBe(250);
    const id = queued.raw.slice("250 2.0.0 Ok: queued as ".length, -2);
    const delivered = (await deliveredMessages(t.maildir)).find((m) => m.toString("latin1").includes(`id ${id}`))!;
    expect(splitReceived(delivered).rest.toString("latin1")).toBe(".\r\n..\r\n.leading\r\nx\r\nnot.at.start\r\n \r\n\r\n");
    client.destroy();
  });

  it("receives a dot-stuffed message byte for byte, whatever its lines", async () => {
    const client = await session();
    const message = makeMessage(20_000);
    client.send(Buffer.concat([Buffer.from("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"), dotStuff(message)]));
    const replies = await client.replies(3);
    expect(codes(replies)).toEqual([250, 250, 354]);
    const queued = await client.reply();
    expect(queued.code).toBe(250);
    const id = queued.raw.slice("250 2.0.0 Ok: queued as ".length, -2);
    const delivered = (await deliveredMessages(t.maildir)).find((m) => m.toString("latin1").includes(`id ${id}`))!;
    expect(splitReceived(delivered).rest.equals(message)).toBe(true);
    client.destroy();
  });

  it("delivers an empty body as just the Received header", async () => {
    const client = await session();
    await client.command("MAIL FROM:<a@example.test>");
    await client.command("RCPT TO:<b@example.test>");
    expect((await client.command("DATA")).code).toBe(354);
    const queued = await client.command(".");
    expect(queued.code).toBe(250);
    const id = queued.raw.slice("250 2.0.0 Ok: queued as ".length, -2);
    const delivered = (await deliveredMessages(t.maildir)).find((m) => m.toString("latin1").includes(`id ${id}`))!;
    expect(splitReceived(delivered).rest.length).toBe(0);
    client.destroy();
  });

  it("accepts a sender and recipient with spaces after the colon, a null sender and a source route", async () => {
    const client = await session();
    expect((await client.command("mail from: <>")).code).toBe(250);
    expect((await client.command("rcpt to: <@relay.test,@other.test:user@example.test>")).code).toBe(250);
    expect((await client.command('RCPT TO:<"quoted > name"@example.test>')).code).toBe(250);
    expect((await client.command("RCPT TO:<user@[192.0.2.1]>")).code).toBe(250);
    client.destroy();
  });

  it("answers VRFY with 252, HELP with 214 and NOOP with 250, before and after HELO", async () => {
    const client = await RawClient.greeted(t.port);
    expect((await client.command("VRFY someone")).raw).toBe("252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n");
    expect((await client.command("HELP")).raw).toMatch(/^214 2\.0\.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP\r\n$/);
    expect((await client.command("NOOP anything")).raw).toBe("250 2.0.0 Ok\r\n");
    expect((await client.command("noop")).code).toBe(250);
    client.destroy();
  });
});

describe("error replies", () => {
  it("answers an unknown command with 500", async () => {
    const client = await session();
    expect((await client.command("FROB")).raw).toBe("500 5.5.2 Error: command not recognized\r\n");
    expect((await client.command("")).code).toBe(500);
    expect((await client.command("MAILFROM:<a@example.test>")).code).toBe(500);
    client.destroy();
  });

  it("answers syntax errors in arguments with 501", async () => {
    const client = await session();
    const cases: Array<[string, string]> = [
      ["HELO", "501 5.5.4 Syntax: HELO domain\r\n"],
      ["EHLO", "501 5.5.4 Syntax: EHLO domain\r\n"],
      ["EHLO bad name!", "501 5.5.4 Syntax: EHLO domain\r\n"],
      ["MAIL", "501 5.5.4 Syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]\r\n"],
      ["MAIL FROM:a@example.test", "501 5.5.4 Syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]\r\n"],
      ["MAIL FROM:<a@example.test", "501 5.5.4 Syntax: MAIL FROM:<address> [SIZE=n] [BODY=7BIT|8BITMIME]\r\n"],
      ["MAIL FROM:<not an address>", "501 5.1.7 Bad sender address syntax\r\n"],
      ["MAIL FROM:<a@example.test> SIZE=big", "501 5.5.4 Bad SIZE parameter\r\n"],
      ["MAIL FROM:<a@example.test> BODY=BINARYMIME", "501 5.5.4 Bad BODY parameter, use 7BIT or 8BITMIME\r\n"],
      ["MAIL FROM:<a@example.test> SIZE=1 SIZE=2", "501 5.5.4 Duplicate parameter\r\n"],
      ["VRFY", "501 5.5.4 Syntax: VRFY address\r\n"],
      ["RSET now", "501 5.5.4 Syntax error: this command takes no arguments\r\n"],
    ];
    for (const [command, reply] of cases) expect([command, (await client.command(command)).raw]).toEqual([command, reply]);
    await client.command("MAIL FROM:<a@example.test>");
    for (const [command, reply] of [
      ["RCPT TO:<>", "501 5.1.3 Bad recipient address syntax\r\n"],
      ["RCPT TO:<no-domain>", "501 5.1.3 Bad recipient address syntax\r\n"],
      [`RCPT TO:<${"x".repeat(65)}@example.test>`, "501 5.1.3 Bad recipient address syntax\r\n"],
      ["RCPT TO b@example.test", "501 5.5.4 Syntax: RCPT TO:<address>\r\n"],
    ]) {
      expect([command, (await client.command(command!)).raw]).toEqual([command, reply]);
    }
    await client.command("RCPT TO:<b@example.test>");
    expect((await client.command("DATA now")).code).toBe(501);
    client.destroy();
  });

  it("answers commands out of sequence with 503", async () => {
    const client = await RawClient.greeted(t.port);
    expect((await client.command("MAIL FROM:<a@example.test>")).raw).toBe("503 5.5.1 Error: send HELO/EHLO first\r\n");
    expect((await client.command("DATA")).raw).toBe("503 5.5.1 Error: send HELO/EHLO first\r\n");
    await client.command("HELO client.test");
    expect((await client.command("RCPT TO:<b@example.test>")).raw).toBe("503 5.5.1 Error: need MAIL command\r\n");
    expect((await client.command("DATA")).raw).toBe("503 5.5.1 Error: need MAIL command\r\n");
    await client.command("MAIL FROM:<a@example.test>");
    expect((await client.command("MAIL FROM:<a@example.test>")).raw).toBe("503 5.5.1 Error: nested MAIL command\r\n");
    expect((await client.command("DATA")).raw).toBe("503 5.5.1 Error: need RCPT command\r\n");
    // RSET and HELO/EHLO end the transaction.
    await client.command("RSET");
    expect((await client.command("RCPT TO:<b@example.test>")).code).toBe(503);
    await client.command("MAIL FROM:<a@example.test>");
    await client.command("EHLO client.test");
    expect((await client.command("RCPT TO:<b@example.test>")).code).toBe(503);
    client.destroy();
  });

  it("answers EXPN, and STARTTLS without a certificate, with 502", async () => {
    const client = await session();
    expect((await client.command("EXPN list")).raw).toBe("502 5.5.1 Error: command not implemented\r\n");
    expect((await client.command("STARTTLS")).raw).toBe("502 5.5.1 Error: STARTTLS not available\r\n");
    client.destroy();
  });

  it("answers a declared SIZE over the limit with 552 and an unknown parameter with 555", async () => {
    const client = await session();
    expect((await client.command("MAIL FROM:<a@example.test> SIZE=1000001")).raw).toBe("552 5.3.4 Message size exceeds fixed maximum message size\r\n");
    expect((await client.command("MAIL FROM:<a@example.test> SMTPUTF8")).raw).toBe("555 5.5.4 Unsupported MAIL FROM/RCPT TO parameter\r\n");
    expect((await client.command("MAIL FROM:<a@example.test> SIZE=1000000")).code).toBe(250);
    expect((await client.command("RCPT TO:<b@example.test> NOTIFY=NEVER")).code).toBe(555);
    client.destroy();
  });

  it("answers recipients past the per-message limit with 452 and delivers to the others", async () => {
    const client = await session();
    await client.command("MAIL FROM:<a@example.test>");
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push((await client.command(`RCPT TO:<r${i}@example.test>`)).code);
    expect(replies).toEqual([250, 250, 250, 452, 452]);
    expect((await client.command("DATA")).code).toBe(354);
    expect((await client.command("Subject: x\r\n\r\nbody\r\n.")).code).toBe(250);
    client.destroy();
  });

  it("says 421 and closes after too many failed commands", async () => {
    const strict = await startTestServer({ maxErrors: 3 });
    try {
      const client = await RawClient.greeted(strict.port);
      client.send("FROB\r\nFROB\r\nFROB\r\nFROB\r\nNOOP\r\n");
      const replies = await client.replies(5);
      expect(codes(replies)).toEqual([500, 500, 500, 500, 421]);
      expect(replies[4]!.raw).toBe("421 4.7.0 Too many errors, closing connection\r\n");
      expect(await client.rest()).toBe("");
    } finally {
      await strict.done();
    }
  });
});

/**
 * Hostile input against the SMTP example, over real sockets: mutated and
 * random sessions while a well-behaved client keeps delivering mail, then
 * a client trickling bytes, one pipelining without reading, and lines of
 * 10 MB, each stopped by a limit whose cost in memory is measured.
 */

import { readdirSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import type { Socket } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { type SmtpServerOptions, startSmtpServer } from "../smtp";
import { FLUSH_BYTES } from "../smtp/message";
import { REPLY, serverReplies } from "../smtp/replies";
import { type TestServer, fixtureCertificate, splitTrace, startTestServer } from "../smtp/test/helpers";
import {
  Bystander,
  CounterPeaks,
  FaultWatch,
  HELD_BOUND,
  MiB,
  Peer,
  RSS_GROWTH_BOUND,
  RssPeak,
  type Transcript,
  channelOf,
  checkProperty,
  flood,
  fuzzSettings,
  mutatedTranscriptArb,
  play,
  preview,
  randomTranscriptArb,
  retainedMemory,
  trickle,
  waitUntil,
  within,
  settledBytesRead,
} from "./helpers";
import { ExampleProcess } from "./server-process";

const HOSTNAME = "mx.test";

/** The fuzzed server offers STARTTLS (with the test certificate), so fuzzed sessions upgrade, fail and give up mid-handshake too. */
const WITH_STARTTLS = true;

/** A server on a free port delivering to a new temporary Maildir (no fsync, a short close timeout). */
function startServer(options: Partial<SmtpServerOptions>): Promise<TestServer> {
  return startTestServer({ fsync: false, closeTimeout: 1000, ...options });
}

/** The length of the complete reply (all lines of a multi-line one) that `pending` starts with, or 0. */
function replyLength(pending: Buffer): number {
  let at = 0;
  for (;;) {
    const end = pending.indexOf("\r\n", at, "latin1");
    if (end < 0) return 0;
    const separator = pending[at + 3];
    at = end + 2;
    if (separator !== 0x2d /* - */) return at;
  }
}

/** Reads the next reply of a well-behaved client and checks it is `expected` (a string, or a pattern for one line). */
async function expectReply(peer: Peer, expected: string | RegExp, what: string): Promise<string> {
  const reply = (await peer.next(replyLength, 5000, what)).toString("latin1");
  const ok = typeof expected === "string" ? reply === expected : expected.test(reply);
  if (!ok) throw new Error(`${what}: expected ${String(expected)}, got ${JSON.stringify(reply)}`);
  return reply;
}

// ------------------------------------------------------------ fuzzing

describe("the SMTP example fed mutated and random sessions", () => {
  const options: Partial<SmtpServerOptions> = {
    idleTimeout: 300,
    frameTimeout: 200,
    tlsHandshakeTimeout: 300,
    maxMessageSize: 16 * 1024,
    maxRecipients: 3,
    // AUTH on plaintext too, so fuzzed sessions reach the exchange; "fuzz"/"pw" is the one good password.
    authenticate: ({ username, password }) => username === "fuzz" && password === "pw",
    authOverPlaintext: true,
    authFailureDelay: 0,
  };
  let t: Awaited<ReturnType<typeof startServer>>;
  let faults: FaultWatch;
  /** Every line the server may send, as sent (CRLF included). */
  let knownLines: Set<string>;
  let readyToStartTls: string;

  beforeAll(async () => {
    t = await startServer({ ...options, ...(WITH_STARTTLS ? { tls: await fixtureCertificate() } : {}) });
    faults = FaultWatch.start();
    const perServer = serverReplies(HOSTNAME, options.maxMessageSize!, WITH_STARTTLS, "always");
    knownLines = new Set<string>();
    for (const reply of [...Object.values(REPLY), ...Object.values(perServer)]) {
      for (const line of reply.split(/(?<=\r\n)/)) if (line !== "") knownLines.add(line);
    }
    readyToStartTls = REPLY.readyToStartTls;
  });

  afterAll(async () => {
    faults.stop();
    await t.done();
  });

  /**
   * Every complete line the server sent is one of its replies, the first
   * one the greeting. After `220 Ready to start TLS` the bytes are the TLS
   * handshake, not replies.
   */
  function checkReplies(received: Buffer): void {
    const lines = received.toString("latin1").split(/(?<=\r\n)/);
    if (lines.length > 0 && !lines[lines.length - 1]!.endsWith("\r\n")) lines.pop();
    if (lines[0] !== `220 ${HOSTNAME} ESMTP ready\r\n`) throw new Error(`no greeting first: ${preview(received)}`);
    for (const line of lines) {
      if (line === readyToStartTls) return;
      if (!knownLines.has(line) && !/^(?:250 2\.0\.0 Ok: queued as [0-9A-Z]+|250 2\.0\.0 Ok: \d+ octets received|334 (?:|VXNlcm5hbWU6|UGFzc3dvcmQ6))\r\n$/.test(line)) {
        throw new Error(`a line that is no reply of the server: ${JSON.stringify(line)} in ${preview(received)}`);
      }
    }
  }

  /** A well-behaved client: each round sends one message (pipelined up to DATA) and checks every reply. */
  async function wellBehaved(): Promise<{ bystander: Bystander; peer: Peer; sent: Map<string, string> }> {
    const peer = await Peer.connect(t.port);
    await expectReply(peer, `220 ${HOSTNAME} ESMTP ready\r\n`, "greeting");
    await peer.write("EHLO bystander.test\r\n");
    await expectReply(peer, serverReplies(HOSTNAME, options.maxMessageSize!, WITH_STARTTLS, "always").ehlo, "EHLO");
    const sent = new Map<string, string>();
    const bystander = new Bystander(async (n) => {
      await peer.write(`NOOP round ${n}\r\nMAIL FROM:<bystander@example.test>\r\nRCPT TO:<inbox@example.test>\r\nDATA\r\n`);
      await expectReply(peer, REPLY.ok, `NOOP of round ${n}`);
      await expectReply(peer, REPLY.senderOk, `MAIL of round ${n}`);
      await expectReply(peer, REPLY.recipientOk, `RCPT of round ${n}`);
      await expectReply(peer, REPLY.startData, `DATA of round ${n}`);
      const body = `Subject: round ${n}\r\n\r\n..a line with a dot, round ${n}\r\n${"x".repeat(n % 200)}\r\n`;
      await peer.write(`${body}.\r\n`);
      const queued = await expectReply(peer, /^250 2\.0\.0 Ok: queued as [0-9A-Z]+\r\n$/, `end of data of round ${n}`);
      sent.set(queued.slice(24, -2), body.replace("\r\n..", "\r\n."));
    });
    return { bystander, peer, sent };
  }

  /** The messages of the well-behaved client are in the Maildir byte for byte, after the trace headers the server puts on top. */
  async function checkDelivered(sent: Map<string, string>): Promise<void> {
    const folder = path.join(t.maildir, "new");
    const byId = new Map<string, string>();
    for (const name of await readdir(folder)) {
      const { received, rest } = splitTrace(await readFile(path.join(folder, name)));
      const id = /\bid ([0-9A-Z]+)\b/.exec(received)?.[1];
      if (id !== undefined) byId.set(id, rest.toString("latin1"));
    }
    expect(sent.size).toBeGreaterThan(0);
    for (const [id, body] of sent) expect({ id, body: byId.get(id) }).toEqual({ id, body });
  }

  async function fuzz(arbitrary: fc.Arbitrary<Transcript>, runs: number): Promise<void> {
    const { bystander, peer, sent } = await wellBehaved();
    let current = "";
    try {
      await bystander.start();
      const from = performance.now();
      await checkProperty(
        fc.asyncProperty(arbitrary, async (transcript) => {
          current = fc.stringify(transcript);
          const outcome = await play(t.port, transcript, 3000);
          expect({ closedByServer: outcome.closed, received: preview(outcome.received) }).toMatchObject({ closedByServer: true });
          checkReplies(outcome.received);
          await waitUntil(() => t.server.sessions.size === 1, 2000, "the hostile session is gone on the server");
          faults.check("after the transcript");
          if (bystander.failures.length > 0) throw new Error(`the well-behaved client failed during ${current}: ${bystander.failures.join("; ")}`);
        }),
        fuzzSettings(runs),
      );
      const to = performance.now();
      await bystander.stop();
      expect(bystander.failures).toEqual([]);
      expect(bystander.passedBetween(from, to)).toBeGreaterThan(0);
      expect(bystander.passed[bystander.passed.length - 1]!).toBeGreaterThan(to);
      await peer.write("QUIT\r\n");
      await expectReply(peer, REPLY.bye, "QUIT");
      await checkDelivered(sent);
      // An interrupted or refused message leaves no file behind.
      await waitUntil(() => t.server.sessions.size === 0, 2000, "every session closed");
      // A session cut off mid-message removes its file in tmp/ once its pending file operations have run.
      await waitUntil(() => readdirSync(path.join(t.maildir, "tmp")).length === 0, 2000, "unfinished messages are removed from tmp/");
      faults.check("after fuzzing");
    } finally {
      peer.destroy();
    }
  }

  const domain = fc.constantFrom("client.test", "[127.0.0.1]", "[IPv6:::1]", "a-b.example.test");
  const address = fc.constantFrom("<a@example.test>", '<"two words"@example.test>', "<>", "<Postmaster>", "<@relay.test:b@example.test>", "<x.y+z@sub.example.test>");
  const bodyLine = fc.oneof(
    fc.stringMatching(/^[ -~]{0,40}$/),
    fc.constantFrom(".", "..", ".hidden", "", "Subject: fuzz", "\t folded"),
  );
  const body = fc.array(bodyLine, { maxLength: 6 }).map((lines) => lines.map((l) => `${l.startsWith(".") ? "." : ""}${l}\r\n`).join(""));
  const transaction = fc
    .tuple(address, fc.option(fc.integer({ min: 0, max: 40_000 })), fc.option(fc.constantFrom("7BIT", "8BITMIME")), fc.array(address, { minLength: 1, maxLength: 4 }), body)
    .map(([from, size, kind, to, data]) => {
      const params = `${size === null ? "" : ` SIZE=${size}`}${kind === null ? "" : ` BODY=${kind}`}`;
      return `MAIL FROM:${from}${params}\r\n${to.map((a) => `RCPT TO:${a}\r\n`).join("")}DATA\r\n${data}.\r\n`;
    });
  /** A transaction whose body goes in BDAT chunks (sizes right, as a client would send them). */
  const chunkedTransaction = fc
    .tuple(address, fc.array(address, { minLength: 1, maxLength: 3 }), fc.array(fc.stringMatching(/^[\x00-\xff]{0,30}$/), { maxLength: 3 }))
    .map(([from, to, chunks]) => {
      const sizes = chunks.map((chunk, i) => `BDAT ${Buffer.byteLength(chunk, "latin1")}${i === chunks.length - 1 ? " LAST" : ""}\r\n${chunk}`);
      return `MAIL FROM:${from}\r\n${to.map((a) => `RCPT TO:${a}\r\n`).join("")}${sizes.join("") || "BDAT 0 LAST\r\n"}`;
    });
  const b64 = (text: string): string => Buffer.from(text, "latin1").toString("base64");
  const auth = fc.constantFrom(
    `AUTH PLAIN ${b64("\0fuzz\0pw")}\r\n`,
    `AUTH PLAIN ${b64("\0fuzz\0wrong")}\r\n`,
    "AUTH PLAIN\r\n*\r\n",
    `AUTH LOGIN\r\n${b64("fuzz")}\r\n${b64("pw")}\r\n`,
    "AUTH LOGIN\r\n!!!\r\n",
    "AUTH CRAM-MD5\r\n",
  );
  const command = fc.oneof(
    { weight: 3, arbitrary: transaction },
    { weight: 2, arbitrary: chunkedTransaction },
    { weight: 1, arbitrary: auth },
    { weight: 1, arbitrary: domain.map((d) => `EHLO ${d}\r\n`) },
    { weight: 1, arbitrary: domain.map((d) => `HELO ${d}\r\n`) },
    { weight: 2, arbitrary: fc.constantFrom("RSET\r\n", "NOOP\r\n", "NOOP some text\r\n", "VRFY someone\r\n", "HELP\r\n", "EXPN list\r\n", "STARTTLS\r\n") },
  );
  const session = fc
    .tuple(fc.boolean(), fc.array(command, { minLength: 1, maxLength: 6 }), fc.boolean())
    .map(([ehlo, commands, quit]) => Buffer.from(`${ehlo ? "EHLO fuzz.test\r\n" : "HELO fuzz.test\r\n"}${commands.join("")}${quit ? "QUIT\r\n" : ""}`, "latin1"));

  it("answers or closes every mutated session, never faults, and keeps serving a client connected meanwhile", async () => {
    await fuzz(mutatedTranscriptArb(session), 40);
  }, 90_000);

  it("answers or closes every random transcript, never faults, and keeps serving a client connected meanwhile", async () => {
    const words = [
      "EHLO x.test", "HELO x.test", "MAIL FROM:", "RCPT TO:", "<a@example.test>", "DATA", ".", "RSET", "NOOP", "QUIT", "STARTTLS",
      "SIZE=99999999999", "BODY=8BITMIME", "\r\n.\r\n", "\n.\n", "\r.\r", "BDAT 3", "BDAT 0 LAST", "BDAT 99999", " LAST", "AUTH PLAIN", "AUTH LOGIN", "*", "=",
    ];
    await fuzz(randomTranscriptArb(words), 30);
  }, 90_000);
});

// ------------------------------------------------------------ limits

describe("the SMTP example's limits against hostile clients", () => {
  let t: Awaited<ReturnType<typeof startServer>> | null = null;
  let faults: FaultWatch;

  beforeEach(() => {
    faults = FaultWatch.start();
  });

  afterEach(async () => {
    faults.stop();
    await t?.done();
    t = null;
  });

  async function connected(options: Partial<SmtpServerOptions>, peerOptions?: { read?: boolean }): Promise<Peer> {
    t = await startServer(options);
    const peer = await Peer.connect(t.port, peerOptions);
    await waitUntil(() => t!.server.sessions.size === 1, 2000, "the session is open");
    if (peerOptions?.read !== false) await peer.waitFor((text) => text.startsWith("220 "), 2000, "greeting");
    return peer;
  }

  it("says 421 and closes a command line trickled a byte at a time once the frame deadline passes, before the line is complete", async () => {
    const peer = await connected({ frameTimeout: 200, idleTimeout: 10_000 });
    const session = [...t!.server.sessions][0]!;
    const counters = new CounterPeaks(session);
    const line = `NOOP ${"x".repeat(60)}\r\n`;
    const sent = await trickle(peer, line, 40);
    expect(await peer.waitClosed(2000)).toBe(true);
    const peak = counters.stop();
    expect(sent).toBeLessThan(line.length);
    expect(peer.text).toBe(`220 ${HOSTNAME} ESMTP ready\r\n${REPLY.timeout}`);
    expect(peak.bytesRead).toBeLessThanOrEqual(sent);
    expect(peak.bufferedInput).toBeLessThanOrEqual(1);
    faults.check("slowloris");
  });

  it("says 421 and closes a body line trickled a byte at a time during DATA", async () => {
    const peer = await connected({ frameTimeout: 200, idleTimeout: 10_000 });
    await peer.write("EHLO c.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
    await peer.waitFor((text) => text.includes("354 "), 2000, "354");
    const line = `${"y".repeat(60)}\r\n.\r\n`;
    const sent = await trickle(peer, line, 40);
    expect(await peer.waitClosed(2000)).toBe(true);
    expect(sent).toBeLessThan(line.length);
    expect(peer.text.endsWith(REPLY.timeout)).toBe(true);
    await waitUntil(() => t!.server.sessions.size === 0, 2000, "the session is gone");
    // The aborted delivery removes its file in tmp/ once its pending file operations have run.
    await waitUntil(() => readdirSync(path.join(t!.maildir, "tmp")).length === 0, 2000, "the unfinished message is removed from tmp/");
    expect(await readdir(path.join(t!.maildir, "new"))).toEqual([]);
    faults.check("slowloris in the body");
  });

  it("stops reading a client that pipelines EHLOs and never reads, holding no more than the output high-water mark", async () => {
    const peer = await connected({}, { read: false });
    const session = [...t!.server.sessions][0]!;
    const highWaterMark = session.options.outputHighWaterMark;
    const counters = new CounterPeaks(session);
    const before = retainedMemory();
    const rssPeak = new RssPeak();
    const command = Buffer.from("EHLO pipeliner.test\r\n".repeat(3000), "latin1");
    const result = await flood(peer, command, { limit: 64 * MiB, stallMs: 500 });
    const readAtStall = counters.stop().bytesRead;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = retainedMemory() - before;
    const peak = counters.peak;
    expect(result).toMatchObject({ stalled: true, closed: false });
    // The server stopped reading: what the client could still write sits in the kernel's buffers.
    // Once stalled it stops reading: it may read a little more while the kernel's send buffer grows and takes queued output, then settles.
    expect(await settledBytesRead(session.socket as Socket)).toBeLessThan(result.written);
    expect(readAtStall).toBeLessThan(result.written);
    expect(peak.queuedOutput).toBeLessThanOrEqual(highWaterMark + 64 * 1024);
    expect(peak.bufferedInput).toBeLessThanOrEqual(session.options.maxBufferedInput);
    expect(rssPeak.stop()).toBeLessThan(RSS_GROWTH_BOUND);
    expect(held).toBeLessThan(highWaterMark + session.options.maxBufferedInput + 2 * MiB);
    faults.check("never-reading pipeliner");
    peer.destroy();
  }, 60_000);

  it("answers a 10 MB command line with 500, drops the client with 421 once it has sent maxDiscardedLine more, holding none of it", async () => {
    const peer = await connected({});
    const session = channelOf(t!.server.sessions, peer);
    const serverSocket = session.socket as Socket;
    const counters = new CounterPeaks(session);
    const before = retainedMemory();
    const rssPeak = new RssPeak();
    const piece = Buffer.alloc(64 * 1024, "x");
    await peer.write("MAIL FROM:<");
    const result = await flood(peer, piece, { limit: 10 * MiB, stallMs: 5000 });
    expect(await peer.waitClosed(10_000)).toBe(true);
    const held = retainedMemory() - before;
    const rssGrowth = rssPeak.stop();
    const peak = counters.stop();
    // What the server wrote (the client may not read it all: its next write after the close fails and Node drops the socket).
    const replies = `220 ${HOSTNAME} ESMTP ready\r\n${REPLY.lineTooLong}${REPLY.lineNeverEnds}`;
    expect(serverSocket.bytesWritten).toBe(replies.length);
    expect(replies.startsWith(peer.text)).toBe(true);
    // Dropped after the 512-byte line and 64 KiB more (give or take the reads they came in), not read to the end.
    expect(result.written).toBeLessThan(10 * MiB);
    expect(peak.bytesRead).toBeLessThan(4 * MiB);
    expect(peak.bufferedInput).toBeLessThan(MiB);
    expect(held).toBeLessThan(HELD_BOUND);
    expect(rssGrowth).toBeLessThan(RSS_GROWTH_BOUND);
    await waitUntil(() => t!.server.sessions.size === 0, 2000, "the session is gone");
    faults.check("10 MB line");
  }, 30_000);

  it("refuses a 10 MB body line over the size limit with 552, holding at most one flush of it", async () => {
    const peer = await connected({ maxMessageSize: MiB });
    await peer.write("EHLO c.test\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
    await peer.waitFor((text) => text.includes("354 "), 2000, "354");
    const session = channelOf(t!.server.sessions, peer);
    const before = retainedMemory();
    const rssPeak = new RssPeak();
    const piece = Buffer.alloc(64 * 1024, "z");
    const sent = await flood(peer, piece, { limit: 10 * MiB, stallMs: 5000 });
    expect(sent).toMatchObject({ stalled: false, closed: false });
    await waitUntil(() => (session.socket as Socket).bytesRead >= peer.socket.bytesWritten, 10_000, "the server reads the body");
    const heldMidLine = retainedMemory() - before;
    await peer.write("\r\n.\r\nNOOP\r\n");
    await peer.waitFor((text) => text.endsWith(REPLY.ok), 10_000, "the replies");
    const rssGrowth = rssPeak.stop();
    expect(peer.text.split("\r\n").slice(-3)).toEqual([REPLY.tooBig.trim(), REPLY.ok.trim(), ""]);
    expect(session.peakBodyBytesInMemory).toBeLessThanOrEqual(FLUSH_BYTES + piece.length);
    expect(heldMidLine).toBeLessThan(HELD_BOUND);
    expect(rssGrowth).toBeLessThan(RSS_GROWTH_BOUND);
    expect(await readdir(path.join(t!.maildir, "new"))).toEqual([]);
    faults.check("10 MB body line");
    peer.destroy();
  }, 30_000);

  it("forgets a session whose STARTTLS handshake is cut off by the idle timeout, and closes the server", async () => {
    const faults = FaultWatch.start();
    const maildir = await mkdtemp(path.join(os.tmpdir(), "smtp-fuzz-"));
    const server = await startSmtpServer({
      maildir,
      hostname: "mx.test",
      fsync: false,
      tls: await fixtureCertificate(),
      idleTimeout: 200,
      tlsHandshakeTimeout: 1000,
      closeTimeout: 500,
    });
    try {
      const peer = await Peer.connect(server.address!.port);
      await peer.write("EHLO c.test\r\nSTARTTLS\r\n");
      await peer.waitFor((text) => text.endsWith(REPLY.readyToStartTls), 2000, "220 Ready to start TLS");
      expect(await peer.waitClosed(3000)).toBe(true);
      await waitUntil(() => server.sessions.size === 0, 2000, "the session is gone from the server");
      await within(server.close(), 3000, "server.close()");
      faults.check("STARTTLS cut off");
    } finally {
      faults.stop();
      await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 1000))]);
      await rm(maildir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------ a 64 MiB line, measured in the server's own process

describe("the SMTP example sent 64 MiB without a line ending, in a process of its own", () => {
  /** How far the server's resident set may grow for one such connection (issue: less than 16 MB). */
  const FLOOD_RSS_BOUND = 16 * MiB;
  let server: ExampleProcess | null = null;
  let maildir = "";

  beforeAll(async () => {
    maildir = await mkdtemp(path.join(os.tmpdir(), "smtp-flood-"));
    server = await ExampleProcess.start("smtp", ["--maildir", maildir, "--hostname", HOSTNAME, "--fsync", "off"]);
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await rm(maildir, { recursive: true, force: true });
  });

  it("answers 500, drops the client instead of reading the line to its end, and grows by less than 16 MB", async () => {
    const port = server!.port;
    // Warm up what a connection costs, so the measure below is the flood's, not the first connection's.
    const warm = await Peer.connect(port);
    await warm.write("EHLO warm.test\r\nQUIT\r\n");
    expect(await warm.waitClosed(5000)).toBe(true);
    const peer = await Peer.connect(port);
    const { result, growth } = await server!.rssGrowthDuring(async () => {
      await peer.waitFor((text) => text.startsWith("220 "), 5000, "greeting");
      await peer.write("MAIL FROM:<");
      const flooded = await flood(peer, Buffer.alloc(256 * 1024, "a"), { limit: 64 * MiB, stallMs: 10_000 });
      expect(await peer.waitClosed(10_000)).toBe(true);
      return flooded;
    });
    // The replies may be lost to the client: its next write after the close fails and Node drops the socket unread.
    const replies = `220 ${HOSTNAME} ESMTP ready\r\n${REPLY.lineTooLong}${REPLY.lineNeverEnds}`;
    expect(peer.text.startsWith("220 ") && replies.startsWith(peer.text)).toBe(true);
    expect(result.stalled).toBe(false);
    expect(result.written).toBeLessThan(64 * MiB);
    expect(growth).toBeLessThan(FLOOD_RSS_BOUND);
    // The server carries on.
    const next = await Peer.connect(port);
    await next.write("EHLO next.test\r\nQUIT\r\n");
    await next.waitFor((text) => text.endsWith("221 2.0.0 Bye\r\n"), 5000, "221");
    next.destroy();
  }, 60_000);
});

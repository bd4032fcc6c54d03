/**
 * Hostile input against the IRC example, over real sockets: mutated and
 * random sessions while a well-behaved client keeps talking on a channel
 * the others join, then clients trickling bytes, a client flooding commands
 * without reading, a member of a busy channel that never reads, a
 * 5,000-byte line, and 64 MiB without a line ending against the example
 * running as its own process, each stopped by a limit whose cost in memory
 * is measured.
 */

import type { Socket } from "node:net";
import { ChatServer } from "@asynchat/core";
import fc from "fast-check";
import { IrcServer, type IrcServerOptions } from "../irc";
import { checkServerLine } from "../irc/test/grammar";
import { Network } from "../irc/network";
import { IrcConnection } from "../irc/protocol";
import { resolveSettings } from "../irc/settings";
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
  settledBytesRead,
} from "./helpers";
import { IrcProcess, buildExamples } from "./irc-process";

/** How far the server process's resident set size may grow while a client floods it (issue: "less than 16 MB"). */
const PROCESS_RSS_BOUND = 16 * 1000 * 1000;

const SERVER = "irc.local";

/** The length of the complete CRLF line `pending` starts with, or 0. */
function lineLength(pending: Buffer): number {
  const end = pending.indexOf("\r\n", 0, "latin1");
  return end < 0 ? 0 : end + 2;
}

/**
 * Every complete line the server sent is one IRC message: at most 512 bytes
 * with its CRLF, no CR, LF or NUL inside (no peer can be shown a forged
 * line), and well-formed by the message grammar the IRC tests check every
 * reply against (prefix, command, at most 15 parameters, free text trailing).
 */
function checkLines(received: Buffer): void {
  let at = 0;
  for (;;) {
    const end = received.indexOf("\r\n", at, "latin1");
    if (end < 0) return;
    const line = received.subarray(at, end);
    const text = line.toString("latin1");
    if (end + 2 - at > 512) throw new Error(`a line of ${end + 2 - at} bytes: ${preview(line)}`);
    if (/[\r\n\0]/.test(text)) throw new Error(`a line with CR, LF or NUL inside: ${preview(line)}`);
    const problem = checkServerLine(line.toString("utf8"));
    if (problem !== null) throw new Error(`not a well-formed IRC message (${problem}): ${preview(line)} in ${preview(received)}`);
    at = end + 2;
  }
}

/** The IRC server assembled as `IrcServer` does, keeping the `ChatServer` at hand for its channels' counters. */
async function startAssembled(options: IrcServerOptions): Promise<{ chat: ChatServer<IrcConnection>; network: Network; port: number; close(): Promise<void> }> {
  const network = new Network(resolveSettings(options));
  const chat = new ChatServer((socket) => new IrcConnection(socket, network), { maxConnections: network.settings.maxConnections });
  const { port } = await chat.listen(0, "127.0.0.1");
  return {
    chat,
    network,
    port,
    async close() {
      network.quitAll("Server shutting down");
      await chat.close({ timeout: 1000 });
    },
  };
}

/** A raw client that registers as `nick` and reads its lines one by one. */
async function registered(port: number, nick: string): Promise<Peer> {
  const peer = await Peer.connect(port);
  await peer.write(`NICK ${nick}\r\nUSER ${nick} 0 * :${nick}\r\n`);
  for (;;) {
    const line = (await peer.next(lineLength, 5000, `registration of ${nick}`)).toString("latin1");
    if (/^:\S+ (376|422) /.test(line)) return peer;
    if (/^:\S+ 4[0-9][0-9] /.test(line)) throw new Error(`registration of ${nick} refused: ${JSON.stringify(line)}`);
  }
}

// ------------------------------------------------------------ fuzzing

describe("the IRC example fed mutated and random sessions", () => {
  const options: IrcServerOptions = {
    pingInterval: 300,
    pingTimeout: 200,
    registrationTimeout: 400,
    closeTimeout: 500,
    floodBurst: 20,
    floodRate: 50,
    maxChannelsPerClient: 3,
    maxTargets: 2,
  };
  let server: IrcServer;
  let port: number;
  let faults: FaultWatch;

  beforeAll(async () => {
    server = new IrcServer(options);
    port = (await server.listen(0, "127.0.0.1")).port;
    faults = FaultWatch.start();
  });

  afterAll(async () => {
    faults.stop();
    await server.close();
  });

  /**
   * A well-behaved client on #fuzz (the channel the hostile sessions join
   * and talk on): each round it pings the server and messages itself, and
   * checks both answers. Lines from other users (their JOIN, PRIVMSG, QUIT
   * on the channel) and the server's PING may come in between; anything
   * else is a failure.
   */
  async function wellBehaved(): Promise<{ bystander: Bystander; peer: Peer }> {
    const peer = await registered(port, "bystander");
    const self = ":bystander!~bystander@127.0.0.1";
    const expectLine = async (expected: string, what: string): Promise<void> => {
      for (;;) {
        const line = (await peer.next(lineLength, 5000, what)).toString("latin1").slice(0, -2);
        if (line === expected) return;
        if (line.startsWith(`:${SERVER} PING `) || line.startsWith("PING ")) {
          await peer.write(`PONG :${SERVER}\r\n`);
          continue;
        }
        if (/^:[^ !]+![^ @]+@[^ ]+ [A-Z]+ /.test(line) && !line.startsWith(`${self} `)) continue;
        throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(line)}`);
      }
    };
    await peer.write("JOIN #fuzz\r\n");
    await expectLine(`${self} JOIN #fuzz`, "JOIN");
    await expectLine(`:${SERVER} 353 bystander = #fuzz :@bystander`, "NAMES after JOIN");
    await expectLine(`:${SERVER} 366 bystander #fuzz :End of /NAMES list.`, "end of NAMES after JOIN");
    const bystander = new Bystander(
      async (n) => {
        await peer.write(`PING :round-${n}\r\nPRIVMSG bystander :round ${n}\r\n`);
        await expectLine(`:${SERVER} PONG ${SERVER} :round-${n}`, `PONG of round ${n}`);
        await expectLine(`${self} PRIVMSG bystander :round ${n}`, `PRIVMSG of round ${n}`);
      },
      // Twenty lines a second: within the flood limit, and never quiet long enough to be pinged.
      { pauseMs: 100 },
    );
    return { bystander, peer };
  }

  async function fuzz(arbitrary: fc.Arbitrary<Transcript>, runs: number): Promise<void> {
    const { bystander, peer } = await wellBehaved();
    try {
      await bystander.start();
      const from = performance.now();
      await checkProperty(
        fc.asyncProperty(arbitrary, async (transcript) => {
          const outcome = await play(port, transcript, 3000);
          expect({ closedByServer: outcome.closed, received: preview(outcome.received) }).toMatchObject({ closedByServer: true });
          checkLines(outcome.received);
          if (bystander.failures.length > 0) throw new Error(`the well-behaved client failed: ${bystander.failures.join("; ")}`);
          const others = (): number => [...server.network.clients].filter((client) => client.nick !== "bystander").length;
          await waitUntil(() => others() === 0, 2000, "the hostile client is gone from the network");
          for (const channel of server.network.channels()) expect({ channel: channel.name, members: channel.members.size }).not.toEqual({ channel: channel.name, members: 0 });
          faults.check("after the transcript");
        }),
        fuzzSettings(runs),
      );
      const to = performance.now();
      await bystander.stop();
      expect(bystander.failures).toEqual([]);
      expect(bystander.passedBetween(from, to)).toBeGreaterThan(0);
      expect(bystander.passed[bystander.passed.length - 1]!).toBeGreaterThan(to);
      await peer.write("QUIT :done\r\n");
      await peer.waitFor((text) => text.includes("ERROR :Closing Link: 127.0.0.1 (Quit: done)\r\n"), 2000, "QUIT");
      await waitUntil(() => server.network.clients.size === 0, 2000, "every client gone");
      expect([...server.network.channels()]).toEqual([]);
      faults.check("after fuzzing");
    } finally {
      peer.destroy();
      // The next test's well-behaved client takes the same nickname.
      await waitUntil(() => server.network.clients.size === 0, 2000, "every client gone");
    }
  }

  const eol = fc.constantFrom("\r\n", "\n");
  const text = fc.oneof(fc.stringMatching(/^[ -~]{0,30}$/), fc.constantFrom("ünïcödé ✓", "\u0001ACTION waves\u0001", ":colon", ""));
  const channel = fc.constantFrom("#fuzz", "#Fuzz", "#other", "&local", "#a,#b", "0");
  const nick = fc.constantFrom("fuzzer", "Fuzzer2", "bystander", "[x]", "f|z");
  const command = fc.oneof(
    channel.map((c) => `JOIN ${c}`),
    fc.tuple(channel, text).map(([c, t]) => `PART ${c} :${t}`),
    fc.tuple(fc.constantFrom("#fuzz", "bystander", "fuzzer", "#fuzz,bystander", "#nowhere"), text).map(([to, t]) => `PRIVMSG ${to} :${t}`),
    fc.tuple(fc.constantFrom("#fuzz", "bystander"), text).map(([to, t]) => `NOTICE ${to} :${t}`),
    fc.tuple(channel, fc.option(text)).map(([c, t]) => (t === null ? `TOPIC ${c}` : `TOPIC ${c} :${t}`)),
    fc.tuple(channel, fc.constantFrom("", "+o bystander", "-o fuzzer", "+t", "-n", "+tn-o x", "+b", "+k key")).map(([c, m]) => `MODE ${c} ${m}`.trim()),
    fc.constantFrom("MODE fuzzer +i", "MODE bystander -i", "NAMES #fuzz", "WHO #fuzz", "WHO f*", "WHOIS bystander", "LIST", "MOTD", "PING :x", "PONG :x", "CAP LS 302", "CAP END", "AWAY :gone", "AWAY"),
    fc.constantFrom("ISON bystander fuzzer nobody", "ISON :bystander", "USERHOST bystander fuzzer", "VERSION", "LUSERS", "TIME", "INFO", "INVITE bystander #fuzz", "INVITE nobody #other"),
    fc.tuple(channel, fc.constantFrom("+b", "+b f*", "-b f*!*@*", "+k", "+k :bad", "+k sekrit", "-k x", "+l 1", "+l x", "-l", "+i", "+m", "+v bystander", "+imv-t fuzzer", "+bbbbb a b c d e")).map(([c, m]) => `MODE ${c} ${m}`),
    fc.tuple(channel, fc.constantFrom("sekrit", "wrong,keys", "")).map(([c, k]) => `JOIN ${c} ${k}`.trim()),
    fc.tuple(channel, nick, text).map(([c, n, t]) => `KICK ${c} ${n} :${t}`),
    nick.map((n) => `NICK ${n}`),
  );
  const session = fc
    .tuple(fc.boolean(), fc.array(command, { minLength: 1, maxLength: 8 }), fc.option(text), eol)
    .map(([cap, commands, quit, end]) => {
      const lines = [...(cap ? ["CAP LS 302"] : []), "NICK fuzzer", "USER fuzz 0 * :Fuzz Er", ...(cap ? ["CAP END"] : []), ...commands];
      if (quit !== null) lines.push(`QUIT :${quit}`);
      return Buffer.from(lines.map((l) => l + end).join(""), "utf8");
    });

  it("answers or closes every mutated session, never faults, and keeps serving a client on the same channel", async () => {
    await fuzz(mutatedTranscriptArb(session), 40);
  }, 90_000);

  it("answers or closes every random transcript, never faults, and keeps serving a client on the same channel", async () => {
    const words = ["NICK fuzzer", "USER u 0 * :r", "JOIN #fuzz", "PRIVMSG #fuzz :", "PRIVMSG bystander :", "PART #fuzz", "MODE #fuzz +o", "KICK #fuzz bystander", "PING", "CAP LS", "CAP END", "QUIT", ":", "#fuzz", ","];
    await fuzz(randomTranscriptArb(words), 30);
  }, 90_000);
});

// ------------------------------------------------------------ limits

describe("the IRC example process flooded with 64 MiB without a line ending", () => {
  let irc: IrcProcess | null = null;

  beforeAll(() => {
    buildExamples();
  }, 180_000);

  afterEach(async () => {
    await irc?.stop();
    irc = null;
  });

  it("closes the client with Excess Flood once its receive queue is full, and its RSS grows by less than 16 MB", async () => {
    irc = await IrcProcess.start(["--close-timeout", "1"]);
    const bystander = await registered(irc.port, "bystander");
    const flooder = await registered(irc.port, "flooder");
    // Let start-up garbage settle before the baseline.
    await new Promise((resolve) => setTimeout(resolve, 300));
    irc.resetPeak();
    const baseline = irc.rss();
    await flooder.write("PRIVMSG bystander :");
    const result = await flood(flooder, Buffer.alloc(64 * 1024, "f"), { limit: 64 * MiB, stallMs: 10_000 });
    expect(await flooder.waitClosed(15_000)).toBe(true);
    const growth = Math.max(irc.peakRss(), irc.rss()) - baseline;
    expect(flooder.text).toContain("ERROR :Closing Link: 127.0.0.1 (Excess Flood)\r\n");
    expect(result.written).toBeLessThan(64 * MiB);
    expect(growth).toBeLessThan(PROCESS_RSS_BOUND);
    // The server carries on for everyone else.
    await bystander.write("PING :still-here\r\n");
    await bystander.waitFor((text) => text.includes(`:${SERVER} PONG ${SERVER} :still-here\r\n`), 5000, "the bystander is still served");
    expect(bystander.text).not.toContain("fff");
    bystander.destroy();
  }, 60_000);

  it("does the same for a flooder that sends 64 MiB and never reads its replies", async () => {
    irc = await IrcProcess.start(["--close-timeout", "1"]);
    const flooder = await registered(irc.port, "deaf");
    flooder.socket.pause();
    irc.resetPeak();
    const baseline = irc.rss();
    const result = await flood(flooder, Buffer.alloc(64 * 1024, "d"), { limit: 64 * MiB, stallMs: 5000 });
    expect(await flooder.waitClosed(10_000)).toBe(true);
    const growth = Math.max(irc.peakRss(), irc.rss()) - baseline;
    expect(result.written).toBeLessThan(64 * MiB);
    expect(growth).toBeLessThan(PROCESS_RSS_BOUND);
    flooder.destroy();
  }, 60_000);
});

describe("the IRC example's limits against hostile clients", () => {
  let server: Awaited<ReturnType<typeof startAssembled>> | null = null;
  let faults: FaultWatch;

  beforeEach(() => {
    faults = FaultWatch.start();
  });

  afterEach(async () => {
    faults.stop();
    await server?.close();
    server = null;
  });

  async function start(options: IrcServerOptions): Promise<number> {
    server = await startAssembled(options);
    return server.port;
  }

  it("drops a client that trickles its registration a byte at a time once the registration deadline passes", async () => {
    const port = await start({ registrationTimeout: 300, pingInterval: 10_000 });
    const peer = await Peer.connect(port);
    await waitUntil(() => server!.chat.channels.size === 1, 2000, "the connection is open");
    const counters = new CounterPeaks([...server!.chat.channels][0]!);
    const lines = "NICK slowpoke\r\nUSER slowpoke 0 * :Slow Poke\r\n";
    const sent = await trickle(peer, lines, 40);
    expect(await peer.waitClosed(2000)).toBe(true);
    const peak = counters.stop();
    expect(sent).toBeLessThan(lines.length);
    expect(peer.text).toBe("ERROR :Closing Link: 127.0.0.1 (Registration timed out)\r\n");
    expect(peak.bufferedInput).toBeLessThanOrEqual(1);
    expect(server!.network.clients.size).toBe(0);
    faults.check("slowloris before registration");
  });

  it("drops a registered client that trickles a line a byte at a time once it has not answered a PING in time", async () => {
    const port = await start({ pingInterval: 150, pingTimeout: 150 });
    const peer = await registered(port, "slowpoke");
    const line = `PRIVMSG slowpoke :${"z".repeat(100)}\r\n`;
    const sent = await trickle(peer, line, 20);
    expect(await peer.waitClosed(2000)).toBe(true);
    expect(sent).toBeLessThan(line.length);
    const rest = peer.unread.toString("latin1");
    expect(rest).toMatch(/^(PING :irc\.local\r\n)+ERROR :Closing Link: 127\.0\.0\.1 \(Ping timeout: 0\.15 seconds\)\r\n$/);
    expect(server!.network.clients.size).toBe(0);
    faults.check("slowloris after registration");
  });

  it("disconnects a client pipelining commands past the flood limit, reading no more than what it had sent by then", async () => {
    const port = await start({ floodBurst: 20, floodRate: 4, closeTimeout: 500 });
    const peer = await registered(port, "flooder");
    const channel = channelOf(server!.chat.channels, peer);
    const command = Buffer.from("MOTD\r\n".repeat(1000), "latin1");
    // Hung up, the server reads a little more and then nothing: the flood stalls or fails, and the connection closes after closeTimeout.
    const result = await flood(peer, command, { limit: 64 * MiB, stallMs: 2000 });
    expect(await peer.waitClosed(3000)).toBe(true);
    expect(result.written).toBeLessThan(64 * MiB);
    expect(peer.text).toContain("ERROR :Closing Link: 127.0.0.1 (Excess Flood)\r\n");
    expect((channel.socket as Socket).bytesRead).toBeLessThan(4 * MiB);
    faults.check("flood");
  });

  it("stops reading a client that pipelines commands and never reads (flood limit raised), holding no more than the output high-water mark", async () => {
    const port = await start({ floodBurst: 1e9, floodRate: 1e9 });
    const peer = await registered(port, "pipeliner");
    peer.socket.pause();
    const channel = channelOf(server!.chat.channels, peer);
    const highWaterMark = channel.options.outputHighWaterMark;
    const counters = new CounterPeaks(channel);
    const before = retainedMemory();
    const rssPeak = new RssPeak();
    const result = await flood(peer, Buffer.from("MOTD\r\n".repeat(2000), "latin1"), { limit: 64 * MiB, stallMs: 500 });
    const readAtStall = counters.stop().bytesRead;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = retainedMemory() - before;
    expect(result).toMatchObject({ stalled: true, closed: false });
    // Once stalled it stops reading: it may read a little more while the kernel's send buffer grows and takes queued output, then settles.
    expect(await settledBytesRead(channel.socket as Socket)).toBeLessThan(result.written);
    expect(readAtStall).toBeLessThan(result.written);
    expect(counters.peak.queuedOutput).toBeLessThanOrEqual(highWaterMark + 4096);
    expect(counters.peak.bufferedInput).toBeLessThanOrEqual(channel.options.maxBufferedInput);
    expect(rssPeak.stop()).toBeLessThan(RSS_GROWTH_BOUND);
    expect(held).toBeLessThan(highWaterMark + channel.options.maxBufferedInput + 2 * MiB);
    faults.check("never-reading pipeliner");
    peer.destroy();
  }, 60_000);

  it("drops a member of a busy channel that never reads once its send queue passes the limit, and the talker carries on", async () => {
    const maxSendQueue = 256 * 1024;
    const port = await start({ floodBurst: 1e9, floodRate: 1e9, maxSendQueue });
    const sleeper = await registered(port, "sleeper");
    await sleeper.write("JOIN #busy\r\n");
    await sleeper.next(lineLength, 2000, "JOIN");
    sleeper.socket.pause();
    const sleeperChannel = channelOf(server!.chat.channels, sleeper);
    const counters = new CounterPeaks(sleeperChannel);
    const talker = await registered(port, "talker");
    await talker.write("JOIN #busy\r\n");
    await talker.waitFor((text) => text.includes(" 366 "), 2000, "JOIN");
    const message = Buffer.from(`PRIVMSG #busy :${"w".repeat(400)}\r\n`.repeat(100), "latin1");
    const result = await flood(talker, message, { limit: 16 * MiB, stallMs: 2000 });
    await waitUntil(() => sleeperChannel.closed, 5000, "the sleeper is dropped");
    expect(result).toMatchObject({ stalled: false, closed: false });
    expect(counters.peak.queuedOutput).toBeLessThanOrEqual(maxSendQueue + 512);
    await talker.write("PING :still-there\r\n");
    await talker.waitFor((text) => text.includes("QUIT :Max SendQ exceeded\r\n") && text.endsWith(`:${SERVER} PONG ${SERVER} :still-there\r\n`), 5000, "the talker is still served");
    faults.check("never-reading member");
    talker.destroy();
    sleeper.destroy();
  }, 60_000);

  it("answers a 5,000-byte line with one 417 without holding it past the line, then carries on", async () => {
    const port = await start({});
    const peer = await registered(port, "longliner");
    const channel = channelOf(server!.chat.channels, peer);
    const counters = new CounterPeaks(channel);
    const before = retainedMemory();
    await peer.write(`PRIVMSG longliner :${"l".repeat(5000)}\r\nPING :after\r\n`);
    const replies: string[] = [];
    for (let i = 0; i < 2; i++) replies.push((await peer.next(lineLength, 10_000, "the replies")).toString("latin1"));
    expect(replies).toEqual([`:${SERVER} 417 longliner :Input line was too long\r\n`, `:${SERVER} PONG ${SERVER} :after\r\n`]);
    expect(retainedMemory() - before).toBeLessThan(HELD_BOUND);
    expect(counters.stop().bufferedInput).toBeLessThanOrEqual(server!.network.settings.maxReceiveQueue);
    faults.check("5,000-byte line");
    peer.destroy();
  }, 30_000);
});

/**
 * The limits, over raw sockets: the 512-byte line, the receive queue, the flood limit, the
 * keep-alive PING timeout, the registration deadline, the connection cap
 * and the send queue.
 */

import { numeric, testServer } from "./raw-client";
import { resolveSettings } from "../settings";

describe("the 512-byte line limit", () => {
  let irc: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    irc = await testServer();
  });
  afterAll(() => irc.stop());

  it("rejects a 5,000-byte line with 417 and keeps the connection working", async () => {
    const c = await irc.client("longline");
    c.sendRaw(`PRIVMSG longline :${"x".repeat(5000)}\r\nPING :still-here\r\n`);
    expect(await c.expect(numeric("417"))).toBe(":irc.local 417 longline :Input line was too long");
    await c.expect(/ PONG irc\.local :still-here$/);
    c.send("JOIN #afterwards");
    await c.expect(/ JOIN #afterwards$/);
  });

  it("answers 417 for a line that fills the receive queue exactly, and carries on", async () => {
    const c = await irc.client("fullq");
    const line = `PRIVMSG fullq :${"q".repeat(8192 - "PRIVMSG fullq :".length)}`;
    expect(Buffer.byteLength(line)).toBe(8192);
    c.sendRaw(`${line}\r\nPING :after-full\r\n`);
    await c.expect(numeric("417"));
    await c.expect(/ PONG irc\.local :after-full$/);
  });
  it("accepts a line of exactly 510 bytes before CR LF and rejects one of 511", async () => {
    const c = await irc.client("edge");
    const exactly = `PING :${"a".repeat(510 - "PING :".length)}`;
    expect(Buffer.byteLength(exactly)).toBe(510);
    c.send(exactly);
    await c.expect(/ PONG irc\.local :a+$/);
    c.send(`${exactly}b`);
    await c.expect(numeric("417"));
    c.sendRaw(`${exactly}\n`);
    await c.expect(/ PONG irc\.local :a+$/);
  });

  it("counts bytes, not characters", async () => {
    const c = await irc.client("bytes");
    // 300 two-byte characters: 300 characters, 600 bytes.
    c.send(`PING :${"é".repeat(300)}`);
    await c.expect(numeric("417"));
    c.send(`PING :${"é".repeat(250)}`);
    await c.expect(/ PONG irc\.local :é+$/);
  });
});

describe("the receive queue", () => {
  let irc: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    irc = await testServer({ maxReceiveQueue: 2048 });
  });
  afterAll(() => irc.stop());

  it("disconnects with Excess Flood a client whose unfinished line passes the receive queue, before it ends, and its peers see the QUIT", async () => {
    const peer = await irc.client("recvwatch");
    const flooder = await irc.client("recvflood");
    for (const c of [peer, flooder]) {
      c.send("JOIN #recvq");
      await c.expect(numeric("366"));
    }
    // 2049 bytes and no line ending: the server must not wait for the end of the line.
    flooder.sendRaw(`PRIVMSG #recvq :${"z".repeat(2049 - "PRIVMSG #recvq :".length)}`);
    expect(await flooder.expect(/^ERROR /)).toBe("ERROR :Closing Link: 127.0.0.1 (Excess Flood)");
    await flooder.waitForClose();
    expect(await peer.expect(/ QUIT /)).toBe(":recvflood!~recvflood@127.0.0.1 QUIT :Excess Flood");
    expect(peer.lines.filter((line) => line.includes("zzz"))).toEqual([]);
  });

  it("keeps a client whose unfinished line stays within the receive queue", async () => {
    const c = await irc.client("recvok");
    c.sendRaw(`PRIVMSG recvok :${"o".repeat(2048 - "PRIVMSG recvok :".length)}`);
    c.sendRaw("\r\nPING :kept\r\n");
    await c.expect(numeric("417"));
    await c.expect(/ PONG irc\.local :kept$/);
    expect(c.closed).toBe(false);
  });

  it("refuses a receive queue smaller than one line", () => {
    expect(() => resolveSettings({ maxReceiveQueue: 511 })).toThrow(/options\.maxReceiveQueue/);
    expect(() => resolveSettings({ maxReceiveQueue: 1024.5 })).toThrow(/options\.maxReceiveQueue/);
    expect(resolveSettings({}).maxReceiveQueue).toBe(8192);
  });
});

describe("the flood limit", () => {
  let irc: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    irc = await testServer({ floodBurst: 10, floodRate: 1 });
  });
  afterAll(() => irc.stop());

  it("disconnects a client that sends more lines at once than its burst, with an ERROR its peers see as a QUIT", async () => {
    const peer = await irc.client("watcher");
    const flooder = await irc.client("flooder");
    for (const c of [peer, flooder]) {
      c.send("JOIN #flood");
      await c.expect(numeric("366"));
    }
    const lines = Array.from({ length: 50 }, (_, i) => `PRIVMSG #flood :line ${i}`);
    flooder.send(...lines);
    expect(await flooder.expect(/^ERROR /)).toBe("ERROR :Closing Link: 127.0.0.1 (Excess Flood)");
    await flooder.waitForClose();
    expect(await peer.expect(/ QUIT /)).toBe(":flooder!~flooder@127.0.0.1 QUIT :Excess Flood");
    const relayed = peer.lines.filter((line) => line.includes("PRIVMSG #flood"));
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.length).toBeLessThan(10);
  });

  it("leaves a client alone that stays within its burst", async () => {
    const calm = await irc.client("calm");
    calm.send(...Array.from({ length: 6 }, (_, i) => `PING :calm-${i}`));
    await calm.expect(/ PONG irc\.local :calm-5$/);
    expect(calm.closed).toBe(false);
  });

  it("counts over-long lines too", async () => {
    const c = await irc.client("longflood");
    c.sendRaw(`${"z".repeat(600)}\r\n`.repeat(30));
    await c.expect(/^ERROR .*Excess Flood/);
    await c.waitForClose();
  });
});

describe("PING and PONG", () => {
  let irc: Awaited<ReturnType<typeof testServer>>;
  beforeAll(async () => {
    irc = await testServer({ pingInterval: 100, pingTimeout: 150 });
  });
  afterAll(() => irc.stop());

  it("answers a client's PING with PONG, and PING without a token with 409", async () => {
    const c = await irc.client("pinger");
    c.send("PING :12345");
    expect(await c.expect(/ PONG /)).toBe(":irc.local PONG irc.local :12345");
    c.send("PING");
    expect(await c.expect(numeric("409"))).toBe(":irc.local 409 pinger :No origin specified");
  });

  it("pings an idle client and drops it when it does not answer; its peers see the timeout", async () => {
    const live = await irc.client("alive");
    live.answerPings();
    const dead = await irc.client("dead");
    for (const c of [live, dead]) {
      c.send("JOIN #pings");
      await c.expect(numeric("366"));
    }
    expect(await dead.expect(/^PING /)).toBe("PING :irc.local");
    expect(await dead.expect(/^ERROR /)).toBe("ERROR :Closing Link: 127.0.0.1 (Ping timeout: 0.15 seconds)");
    await dead.waitForClose();
    expect(await live.expect(/ QUIT /)).toBe(":dead!~dead@127.0.0.1 QUIT :Ping timeout: 0.15 seconds");
  });

  it("keeps a client that answers every PING", async () => {
    const c = await irc.client("steady");
    c.answerPings();
    for (let i = 0; i < 4; i++) await c.expect(/^PING /);
    expect(c.closed).toBe(false);
    c.send("PING :still-registered");
    await c.expect(/ PONG irc\.local :still-registered$/);
  });

  it("drops a connection that never registers", async () => {
    const quick = await testServer({ registrationTimeout: 100 });
    try {
      const c = await quick.connect();
      c.send("NICK slowpoke");
      expect(await c.expect(/^ERROR /)).toBe("ERROR :Closing Link: 127.0.0.1 (Registration timed out)");
      await c.waitForClose();
    } finally {
      await quick.stop();
    }
  });
});

describe("connection and output limits", () => {
  it("refuses connections beyond maxConnections with an ERROR line", async () => {
    const irc = await testServer({ maxConnections: 2 });
    try {
      await irc.client("first");
      await irc.client("second");
      const third = await irc.connect();
      expect(await third.expect(/^ERROR /)).toBe("ERROR :Closing Link: too many connections");
      await third.waitForClose();
    } finally {
      await irc.stop();
    }
  });

  it("drops a client whose queued output passes the send queue limit", async () => {
    const irc = await testServer({ maxSendQueue: 2000, floodBurst: 100 });
    try {
      const talker = await irc.client("talker");
      const listener = await irc.client("listener");
      for (const c of [talker, listener]) {
        c.send("JOIN #sendq");
        await c.expect(numeric("366"));
      }
      // Forty 100-byte messages framed from one read: queued for the listener faster than they can leave.
      talker.send(...Array.from({ length: 40 }, (_, i) => `PRIVMSG #sendq :${String(i).padEnd(100, ".")}`));
      await listener.waitForClose();
      expect(await talker.expect(/ QUIT /)).toBe(":listener!~listener@127.0.0.1 QUIT :Max SendQ exceeded");
    } finally {
      await irc.stop();
    }
  });
});

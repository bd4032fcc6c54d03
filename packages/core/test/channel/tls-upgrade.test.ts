/**
 * STARTTLS over real loopback TCP, as server and as client: what was
 * buffered before the upgrade, the terminator and frame that carry over,
 * which output goes in plaintext and which over TLS, the policies for
 * plaintext pipelined after the command, and failed handshakes.
 */

import type * as net from "node:net";
import { connect as connectSocket } from "node:net";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { AsyncChat, ChatServer, ErrorCode, type StartTlsOptions } from "@asynchat/core";
import { CallLog, loopbackPair, sleep, waitUntil } from "../helpers";
import { TextReader, cert, key, readPlaintext, tlsClientOn, tlsServerOn, trustFixture } from "../peers";

/** A line channel: answers STARTTLS with "220 ready" and an upgrade, echoes anything else. */
class StartTlsChannel extends CallLog {
  readonly errors: Error[] = [];
  readonly upgrades: Array<Promise<tls.TLSSocket>> = [];
  closes = 0;
  /** Pushed right after `startTls`, when set. */
  afterUpgrade: string | null = null;

  constructor(
    socket: Duplex,
    readonly upgradeOptions: StartTlsOptions,
  ) {
    super("\r\n", socket);
    this.on("error", (error) => this.errors.push(error));
    this.on("close", () => this.closes++);
    this.onFound = (frame) => this.answer(frame);
  }

  answer(frame: string): void {
    if (frame === "STARTTLS") {
      this.push("220 ready\r\n");
      this.upgrade();
      if (this.afterUpgrade !== null) this.push(this.afterUpgrade);
    } else {
      this.push(`echo ${frame}\r\n`);
    }
  }

  upgrade(options: Partial<StartTlsOptions> = {}): Promise<tls.TLSSocket> {
    const upgraded = this.startTls({ ...this.upgradeOptions, ...options });
    this.upgrades.push(upgraded);
    return upgraded;
  }
}

const asServer: StartTlsOptions = { isServer: true, key, cert };

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A loopback pair whose accepted end is a STARTTLS server channel. */
async function serverChannel(options: Partial<StartTlsOptions> = {}): Promise<{ channel: StartTlsChannel; client: net.Socket }> {
  const pair = await loopbackPair();
  cleanups.push(pair.close);
  const channel = new StartTlsChannel(pair.server, { ...asServer, ...options });
  cleanups.push(() => channel.destroy());
  return { channel, client: pair.client };
}

/** Reads the plaintext reply, then completes a TLS handshake as client on the same socket. */
async function upgradeClient(client: net.Socket, reply = "220 ready\r\n"): Promise<{ plaintext: string; secure: tls.TLSSocket; reader: TextReader }> {
  const plaintext = await readPlaintext(client, reply);
  const { socket: secure, ready, reader } = tlsClientOn(client);
  cleanups.push(() => void secure.destroy());
  await ready;
  return { plaintext, secure, reader };
}

/**
 * A TLS carrier for a client that does not wait for the STARTTLS reply: its
 * first write (the ClientHello) goes out in the same write as `command`,
 * and the plaintext reply is taken off the front of what comes back.
 */
function pipeliningCarrier(socket: net.Socket, command: string, replyEnd: string): { carrier: Duplex; plaintext: () => string } {
  let prefix: Buffer | null = Buffer.from(command, "latin1");
  let plaintext = "";
  let inPlaintext = true;
  const carrier = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      const out = prefix === null ? chunk : Buffer.concat([prefix, chunk]);
      prefix = null;
      socket.write(out, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy();
      callback(error);
    },
  });
  socket.on("data", (data: Buffer) => {
    let rest = data;
    if (inPlaintext) {
      plaintext += data.toString("latin1");
      const at = plaintext.indexOf(replyEnd);
      if (at < 0) return;
      const end = at + replyEnd.length;
      rest = Buffer.from(plaintext.slice(end), "latin1");
      plaintext = plaintext.slice(0, end);
      inPlaintext = false;
    }
    if (rest.length > 0 && !carrier.push(rest)) socket.pause();
  });
  socket.on("end", () => carrier.push(null));
  socket.on("error", (error) => carrier.destroy(error));
  return { carrier, plaintext: () => plaintext };
}

describe("STARTTLS as server", () => {
  it("writes the reply pushed before startTls in plaintext and output pushed after it over TLS", async () => {
    const { channel, client } = await serverChannel();
    channel.afterUpgrade = "hello over TLS\r\n";
    client.write("STARTTLS\r\n");
    const { plaintext, secure, reader } = await upgradeClient(client);
    expect(plaintext).toBe("220 ready\r\n");
    await reader.until("hello over TLS\r\n");
    secure.write("NOOP\r\n");
    await reader.until("echo NOOP\r\n");
    expect(reader.text).toBe("hello over TLS\r\necho NOOP\r\n");

    const upgraded = await channel.upgrades[0]!;
    expect(upgraded).toBeInstanceOf(tls.TLSSocket);
    expect(upgraded.encrypted).toBe(true);
    expect(channel.socket).toBe(upgraded);
    expect(channel.frames).toEqual(["STARTTLS", "NOOP"]);
    expect(channel.errors).toEqual([]);
  });

  it("frames and answers, in plaintext, every command that arrived in the same read before STARTTLS", async () => {
    const { channel, client } = await serverChannel();
    client.write("ONE\r\nTWO\r\nSTARTTLS\r\n");
    const { plaintext, secure, reader } = await upgradeClient(client);
    expect(plaintext).toBe("echo ONE\r\necho TWO\r\n220 ready\r\n");
    secure.write("THREE\r\n");
    await reader.until("echo THREE\r\n");
    expect(channel.frames).toEqual(["ONE", "TWO", "STARTTLS", "THREE"]);
  });

  it("goes on with a byte count set before the upgrade, finishing the frame in progress with bytes that come over TLS", async () => {
    const { channel, client } = await serverChannel();
    channel.onFound = (frame) => {
      if (frame === "BODY 10") channel.setTerminator(10);
      else if (channel.getTerminator() === 0) {
        channel.setTerminator("\r\n");
        channel.push(`got ${frame}\r\n`);
      } else channel.answer(frame);
    };
    client.write("BODY 10\r\nabcd");
    await waitUntil(() => channel.pending === "abcd", "the first bytes of the body are collected");
    expect(channel.getTerminator()).toBe(6);

    channel.push("220 ready\r\n");
    const upgraded = channel.upgrade();
    const { secure, reader } = await upgradeClient(client);
    await upgraded;
    expect(channel.getTerminator()).toBe(6);
    secure.write("efg");
    await waitUntil(() => channel.pending === "abcdefg", "more of the body arrives over TLS");
    expect(channel.getTerminator()).toBe(3);
    secure.write("hijNOOP\r\n");
    await reader.until("echo NOOP\r\n");
    expect(reader.text).toBe("got abcdefghij\r\necho NOOP\r\n");
    expect(channel.frames).toEqual(["BODY 10", "abcdefghij", "NOOP"]);
  });

  it("finds a line terminator split between the plaintext and the TLS stream", async () => {
    const { channel, client } = await serverChannel();
    client.write("hel\r");
    await waitUntil(() => channel.pending === "hel", "the start of the line is collected");
    channel.push("220 ready\r\n");
    const upgraded = channel.upgrade();
    const { secure, reader } = await upgradeClient(client);
    await upgraded;
    secure.write("\nNOOP\r\n");
    await reader.until("echo NOOP\r\n");
    expect(channel.frames).toEqual(["hel", "NOOP"]);
    expect(channel.errors).toEqual([]);
  });
});

describe("STARTTLS as client", () => {
  /** A raw server peer on the accepted end: answers STARTTLS with "220 go", then handshakes. */
  async function clientChannel(options: Partial<StartTlsOptions> = {}): Promise<{ channel: StartTlsChannel; server: net.Socket }> {
    const pair = await loopbackPair();
    cleanups.push(pair.close);
    const channel = new StartTlsChannel(pair.client, { isServer: false, ...trustFixture, ...options });
    cleanups.push(() => channel.destroy());
    channel.onFound = (frame) => {
      if (frame === "220 go") {
        channel.upgrade();
        channel.push("EHLO secure\r\n");
      }
    };
    return { channel, server: pair.server };
  }

  it("upgrades after the server's reply, keeps what was read before it, and talks over TLS", async () => {
    const { channel, server } = await clientChannel();
    channel.push("STARTTLS\r\n");
    expect(await readPlaintext(server, "STARTTLS\r\n")).toBe("STARTTLS\r\n");
    // The notice and the reply arrive in one read: both are framed before the upgrade.
    const secure = tlsServerOn(server);
    server.write("100 notice\r\n220 go\r\n");
    await secure.ready;
    await secure.reader.until("EHLO secure\r\n");
    secure.socket.write("250 fine\r\n");
    await waitUntil(() => channel.frames.length === 3, "the TLS reply is framed");
    expect(channel.frames).toEqual(["100 notice", "220 go", "250 fine"]);
    const upgraded = await channel.upgrades[0]!;
    expect(upgraded.encrypted).toBe(true);
    expect(upgraded.authorized).toBe(true);
    expect(channel.errors).toEqual([]);
  });

  it("fails with ERR_TLS_UPGRADE_FAILED and closes when the server's certificate is not trusted", async () => {
    const { channel, server } = await clientChannel({ ca: undefined, rejectUnauthorized: true });
    channel.push("STARTTLS\r\n");
    await readPlaintext(server, "STARTTLS\r\n");
    const secure = tlsServerOn(server);
    secure.ready.catch(() => undefined);
    server.write("220 go\r\n");
    await waitUntil(() => channel.closes > 0, "the channel closes");
    await expect(channel.upgrades[0]).rejects.toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    expect((channel.errors[0]!.cause as { code?: string }).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    await sleep(20);
    expect(channel.closes).toBe(1);
  });
});

describe("plaintext pipelined after STARTTLS", () => {
  it("fails the channel with ERR_PLAINTEXT_AFTER_STARTTLS by default, and the pipelined command never runs", async () => {
    const { channel, client } = await serverChannel();
    const reader = new TextReader(client);
    client.write("STARTTLS\r\nNOOP\r\n");
    await reader.untilEnd();
    expect(reader.text).toBe("220 ready\r\n");
    expect(channel.frames).toEqual(["STARTTLS"]);
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toMatchObject({ code: ErrorCode.PLAINTEXT_AFTER_STARTTLS, length: 6 });
    await expect(channel.upgrades[0]).rejects.toMatchObject({ code: ErrorCode.PLAINTEXT_AFTER_STARTTLS });
    expect(channel.closes).toBe(1);
  });

  it("drops it with plaintextLeftover: \"discard\" and goes on over TLS", async () => {
    const { channel, client } = await serverChannel({ plaintextLeftover: "discard" });
    client.write("STARTTLS\r\nNOOP\r\n");
    const { plaintext, secure, reader } = await upgradeClient(client);
    expect(plaintext).toBe("220 ready\r\n");
    secure.write("AFTER\r\n");
    await reader.until("echo AFTER\r\n");
    expect(reader.text).toBe("echo AFTER\r\n");
    expect(channel.frames).toEqual(["STARTTLS", "AFTER"]);
    expect(channel.errors).toEqual([]);
  });

  it.each([
    ["in the same write as the command", true],
    ["in a write of its own right after the command", false],
  ])("hands a ClientHello sent %s to TLS with plaintextLeftover: \"tls\"", async (_how, sameWrite) => {
    const { channel, client } = await serverChannel({ plaintextLeftover: "tls" });
    let carrier: Duplex;
    let plaintext: () => string;
    if (sameWrite) ({ carrier, plaintext } = pipeliningCarrier(client, "STARTTLS\r\n", "220 ready\r\n"));
    else {
      client.write("STARTTLS\r\n");
      ({ carrier, plaintext } = pipeliningCarrier(client, "", "220 ready\r\n"));
    }
    // The handshake starts at once, without waiting for "220 ready".
    const { socket: secure, ready, reader } = tlsClientOn(carrier);
    cleanups.push(() => void secure.destroy());
    await ready;
    expect(plaintext()).toBe("220 ready\r\n");
    secure.write("NOOP\r\n");
    await reader.until("echo NOOP\r\n");
    expect(channel.frames).toEqual(["STARTTLS", "NOOP"]);
    expect(channel.errors).toEqual([]);
    expect(await channel.upgrades[0]).toBe(channel.socket);
  });
});

describe("a failed upgrade", () => {
  it("fails with ERR_TLS_UPGRADE_FAILED, closes and rejects when the peer does not speak TLS", async () => {
    const { channel, client } = await serverChannel();
    const reader = new TextReader(client);
    client.write("STARTTLS\r\n");
    await reader.until("220 ready\r\n");
    client.write("this is not a ClientHello\r\n");
    await reader.untilEnd();
    await expect(channel.upgrades[0]).rejects.toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    expect(channel.frames).toEqual(["STARTTLS"]);
    await waitUntil(() => channel.closes > 0, "the channel closes");
    await sleep(20);
    expect(channel.closes).toBe(1);
  });

  it("fails with ERR_TLS_UPGRADE_FAILED and closes when the handshake does not finish within handshakeTimeout", async () => {
    const { channel, client } = await serverChannel({ handshakeTimeout: 30 });
    const reader = new TextReader(client);
    client.write("STARTTLS\r\n");
    await reader.until("220 ready\r\n");
    // The client never starts its handshake.
    await reader.untilEnd();
    await expect(channel.upgrades[0]).rejects.toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED, message: expect.stringMatching(/30 ms/) });
    expect(channel.errors).toHaveLength(1);
    expect(channel.errors[0]).toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    await waitUntil(() => channel.closes > 0, "the channel closes");
    expect(channel.closed).toBe(true);
  });

  it("rejects a second startTls while one is under way, and the first one completes", async () => {
    const { channel, client } = await serverChannel();
    channel.onFound = (frame) => {
      if (frame !== "STARTTLS") return channel.answer(frame);
      channel.push("220 ready\r\n");
      channel.upgrade();
      channel.upgrade();
    };
    client.write("STARTTLS\r\n");
    await waitUntil(() => channel.upgrades.length === 2, "startTls is called twice");
    await expect(channel.upgrades[1]).rejects.toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    const { secure, reader } = await upgradeClient(client);
    await expect(channel.upgrades[0]).resolves.toBe(channel.socket);
    secure.write("NOOP\r\n");
    await reader.until("echo NOOP\r\n");
    expect(channel.errors).toEqual([]);
  });

  it.each([
    ["destroyed", (channel: StartTlsChannel) => channel.destroy()],
    ["closed", (channel: StartTlsChannel) => channel.close()],
    ["failed", (channel: StartTlsChannel) => channel.socket!.destroy(new Error("connection lost"))],
  ])("rejects with ERR_TLS_UPGRADE_FAILED when the channel is %s before the handshake begins", async (_how, end) => {
    const { channel } = await serverChannel();
    channel.push("220 ready\r\n");
    const upgraded = channel.upgrade();
    end(channel);
    const settled = Promise.race([upgraded, sleep(2000).then(() => "still pending")]);
    await expect(settled).rejects.toMatchObject({ code: ErrorCode.TLS_UPGRADE_FAILED });
    await waitUntil(() => channel.closes > 0, "the channel closes");
    expect(channel.closes).toBe(1);
  });

  it("rejects startTls with ERR_CHANNEL_CLOSED on a closed channel", async () => {
    const { channel } = await serverChannel();
    channel.close();
    await expect(channel.startTls(asServer)).rejects.toMatchObject({ code: ErrorCode.CHANNEL_CLOSED });
  });
});

describe("a channel closed while its STARTTLS handshake is under way", () => {
  it("still emits close once, and leaves its server", async () => {
    class Upgrading extends AsyncChat {
      constructor(socket: Duplex) {
        super(socket, { idleTimeout: 150 });
        this.setTerminator("\r\n");
      }
      override collectIncomingData(): void {}
      override foundTerminator(): void {
        this.push("220 go ahead\r\n");
        void this.startTls({ isServer: true, key, cert, handshakeTimeout: 5000 });
      }
    }
    const server = new ChatServer(Upgrading);
    const { port } = await server.listen(0);
    let closes = 0;
    server.on("connection", (channel) => channel.on("close", () => closes++));
    const client = connectSocket(port, "127.0.0.1");
    client.on("error", () => undefined);
    client.write("STARTTLS\r\n");
    try {
      // The client never starts its handshake: the idle timeout closes the channel mid-upgrade.
      await waitUntil(() => closes > 0 && server.channels.size === 0, "the channel has closed and left the server", 3000);
      await sleep(50);
      expect(closes).toBe(1);
      expect(server.channels.size).toBe(0);
    } finally {
      client.destroy();
      for (const channel of server.channels) channel.socket?.destroy();
      await Promise.race([server.close({ graceful: false }), sleep(1000)]);
    }
  });
});

/**
 * Backpressure over real loopback TCP: a peer that stops reading stops the
 * producer from being pulled (memory stays bounded), writing resumes when
 * it reads again, and every byte arrives in order.
 */

import type * as net from "node:net";
import { AsyncChat, type Producer } from "@asynchat/core";
import { loopbackPair, once, Sender, sleep, waitUntil } from "../helpers";

const MiB = 1024 * 1024;

/** Produces `total` bytes of a known pattern (byte i is i % 251) in 16 KiB pieces, counting what was pulled. */
class PatternProducer implements Producer {
  pulled = 0;
  constructor(readonly total: number) {}
  more(): Buffer {
    const size = Math.min(16 * 1024, this.total - this.pulled);
    const out = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) out[i] = (this.pulled + i) % 251;
    this.pulled += size;
    return out;
  }
}

/** Waits until `read()` stops changing for `quiet` ms. */
async function settle(read: () => number, quiet = 60): Promise<number> {
  let last = read();
  for (;;) {
    await sleep(quiet);
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

/** Checks bytes as they arrive against the pattern; returns the count so far. */
function verifier(socket: net.Socket): { received: () => number; mismatch: () => number } {
  let received = 0;
  let mismatch = -1;
  socket.on("data", (data: Buffer) => {
    for (let i = 0; i < data.length && mismatch < 0; i++) {
      if (data[i] !== (received + i) % 251) mismatch = received + i;
    }
    received += data.length;
  });
  return { received: () => received, mismatch: () => mismatch };
}

describe("backpressure over loopback TCP", () => {
  it("stops pulling a producer while the peer does not read, and delivers every byte in order once it does", async () => {
    const { server, client, close } = await loopbackPair();
    try {
      const total = 64 * MiB;
      const producer = new PatternProducer(total);
      const channel = new Sender(server);
      client.pause();
      channel.pushWithProducer(producer);

      // The kernel buffers take what they take; past that, nothing more is pulled.
      const stalled = await settle(() => producer.pulled);
      expect(stalled).toBeLessThan(16 * MiB);
      expect(stalled).toBeLessThan(total);
      expect(channel.queuedOutput).toBeLessThan(MiB);

      const check = verifier(client);
      client.resume();
      await waitUntil(() => check.received() === total, "every byte arrives", 20_000);
      expect(check.mismatch()).toBe(-1);
      expect(producer.pulled).toBe(total);

      const closed = once(channel, "close");
      channel.closeWhenDone();
      await closed;
    } finally {
      await close();
    }
  });

  it("pauses and resumes more than once as the peer stops and starts reading", async () => {
    const { server, client, close } = await loopbackPair();
    try {
      const total = 48 * MiB;
      const producer = new PatternProducer(total);
      const channel = new Sender(server);
      const check = verifier(client);
      client.pause();
      channel.pushWithProducer(producer);
      const first = await settle(() => producer.pulled);
      expect(first).toBeLessThan(total);

      // Read a little, stop again: the producer moves on, then stalls again.
      client.resume();
      await waitUntil(() => check.received() > first / 2, "part of the data is read");
      client.pause();
      const second = await settle(() => producer.pulled);
      expect(second).toBeGreaterThan(first);
      expect(second).toBeLessThan(total);
      expect(second - check.received()).toBeLessThan(16 * MiB);

      client.resume();
      await waitUntil(() => check.received() === total, "every byte arrives", 20_000);
      expect(check.mismatch()).toBe(-1);
      channel.destroy();
    } finally {
      await close();
    }
  });

  it("stops reading from a peer that sends requests without reading the replies", async () => {
    // Each request line asks for a large reply: the channel must not queue replies without bound.
    class Replier extends AsyncChat {
      requests = 0;
      constructor(socket: net.Socket) {
        super(socket, { outputHighWaterMark: 64 * 1024 });
        this.setTerminator("\n");
      }
      override collectIncomingData(): void {}
      override foundTerminator(): void {
        this.requests++;
        this.push(Buffer.alloc(16 * 1024, 0x2e));
      }
    }
    const { server, client, close } = await loopbackPair();
    try {
      const channel = new Replier(server);
      channel.on("error", () => undefined);
      client.pause();
      const requests = "GET\n".repeat(2000);
      client.write(requests);
      await settle(() => channel.requests, 80);
      // The replies of the requests taken stay within reach of the high-water mark.
      expect(channel.requests).toBeLessThan(2000);
      expect(channel.queuedOutput).toBeLessThan(2 * MiB);
      let received = 0;
      client.on("data", (data: Buffer) => (received += data.length));
      client.resume();
      await waitUntil(() => channel.requests === 2000, "every request is served", 20_000);
      await waitUntil(() => received === 2000 * 16 * 1024, "every reply arrives", 20_000);
      channel.destroy();
    } finally {
      await close();
    }
  });
});

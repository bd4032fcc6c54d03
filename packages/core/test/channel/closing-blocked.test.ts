/**
 * A closing channel whose peer never reads is destroyed after
 * `closeTimeout`, whichever way its last output was queued: pushed bytes, an
 * async producer or an async iterable. The "socket full" transition is one
 * and the same for all of them.
 */

import { AsyncChat, type ProducerSource } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { Sender, waitUntil } from "../helpers";

const PIECE = Buffer.alloc(16 * 1024, 0x61);

async function* slowPieces(count: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    yield PIECE;
  }
}

const ways: Array<[string, (channel: AsyncChat) => void]> = [
  ["push", (channel) => channel.push(Buffer.alloc(4 * PIECE.length, 0x61))],
  [
    "an async producer",
    (channel) => {
      let left = 4;
      channel.pushWithProducer({ more: async () => (left-- > 0 ? PIECE : Buffer.alloc(0)) });
    },
  ],
  ["an async iterable", (channel) => channel.pushWithProducer(slowPieces(4) as ProducerSource)],
];

describe("closeWhenDone towards a peer that never reads", () => {
  it.each(ways)("closes after closeTimeout when the output came from %s", async (_way, queue) => {
    // The peer's buffer holds 16 KiB and nobody reads it: the channel's 64 KiB can never all leave.
    const [server, client] = createSocketPair({ highWaterMark: 16 * 1024 });
    const channel = new Sender(server, { closeTimeout: 100 });
    channel.on("error", () => undefined);
    queue(channel);
    channel.closeWhenDone();
    const started = Date.now();
    await waitUntil(() => channel.closed, "the channel closes", 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    client.destroy();
  });
});

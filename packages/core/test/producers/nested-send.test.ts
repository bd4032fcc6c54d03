import { AsyncChat, type Producer } from "@asynchat/core";
import { createSocketPair } from "@asynchat/core/testing";
import { CallLog } from "../helpers";

/** Reads from `socket` until `expected` bytes have arrived. */
async function readAll(socket: NodeJS.ReadableStream, expected: number): Promise<string> {
  let text = "";
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    text += chunk.toString("latin1");
    if (text.length >= expected) break;
  }
  return text;
}

describe("a send asked for while one is running", () => {
  it("runs after it, so a producer that asks for one from more() loses nothing", async () => {
    const [client, server] = createSocketPair();
    const channel = new AsyncChat(server);
    let asked = 0;
    const nagging: Producer = {
      more() {
        asked++;
        // An exhausted producer that pokes the channel, as a handler resuming input would.
        channel.initiateSend();
        channel.updateReading();
        return asked === 1 ? "first|" : "";
      },
    };
    channel.pushWithProducer(nagging);
    channel.push("second|");
    channel.pushWithProducer(["third|"]);
    channel.push("fourth");
    expect(await readAll(client, "first|second|third|fourth".length)).toBe("first|second|third|fourth");
    const closed = new Promise((resolve) => channel.once("close", () => resolve(undefined)));
    channel.close();
    await closed;
  });
});

describe("queued producers", () => {
  it("count against the output high-water mark, so a client that never reads cannot queue any number of them", async () => {
    const [, server] = createSocketPair({ highWaterMark: 1024 });
    let opened = 0;
    const channel = new CallLog("\n", server, { outputHighWaterMark: 64 * 1024 });
    channel.onFound = (_frame, self) => {
      opened++;
      self.pushWithProducer({ more: () => "x".repeat(1024) });
    };
    // 1000 pipelined requests for endless streams, and a peer that never reads.
    channel.handleRead(Buffer.from("GET\n".repeat(1000)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(5);
    expect(channel.bufferedInput).toBeGreaterThan(0);
    channel.destroy();
  });
});

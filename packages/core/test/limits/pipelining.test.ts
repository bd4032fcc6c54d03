/**
 * The output high-water mark, on by default: a client that pipelines
 * requests without reading the replies cannot grow the server's memory.
 * The channel stops reading once its queued output passes the mark, and
 * resumes when the client reads.
 */

import type * as net from "node:net";
import type { Duplex } from "node:stream";
import { AsyncChat, ChatServer, DEFAULT_CHANNEL_OPTIONS } from "@asynchat/core";
import { rawConnect, sleep, waitUntil } from "../helpers";

const KiB = 1024;
const MiB = 1024 * KiB;
const REPLY = Buffer.alloc(3 * KiB, 0x2e);

/** Answers every line with 3 KiB, pushed at once. */
class BigReplies extends AsyncChat {
  served = 0;
  readonly errors: Error[] = [];

  constructor(socket: Duplex) {
    super(socket);
    this.setTerminator("\n");
    this.on("error", (error) => this.errors.push(error));
  }

  override collectIncomingData(): void {}

  override foundTerminator(): void {
    this.served++;
    this.push(REPLY);
  }
}

/** Samples `read()` every few ms until `until()` holds, and returns the largest value seen. */
async function peak(read: () => number, until: () => boolean): Promise<number> {
  let most = read();
  while (!until()) {
    await sleep(3);
    most = Math.max(most, read());
  }
  return Math.max(most, read());
}

/** Waits until `read()` stops changing for `quiet` ms. */
async function stall(read: () => number, quiet = 60): Promise<void> {
  let last = read();
  for (;;) {
    await sleep(quiet);
    const now = read();
    if (now === last) return;
    last = now;
  }
}

let server: ChatServer<BigReplies>;
let client: net.Socket;

afterEach(async () => {
  client?.destroy();
  await server?.close({ graceful: false });
});

describe("a client that pipelines requests without reading", () => {
  it("stops the channel reading at the default high-water mark, and is served in full once it reads", async () => {
    expect(DEFAULT_CHANNEL_OPTIONS.outputHighWaterMark).toBe(MiB);
    server = new ChatServer(BigReplies);
    const made: BigReplies[] = [];
    server.on("connection", (channel) => made.push(channel));
    const { port } = await server.listen(0, "127.0.0.1");
    client = await rawConnect(port);
    client.pause();
    const requests = 10_000;
    client.write("GET\n".repeat(requests));
    await waitUntil(() => made.length === 1, "the channel is made");
    const channel = made[0]!;
    const socket = channel.socket as net.Socket;

    // While the client does not read, sample what the channel holds until it stops serving.
    let stalled = false;
    const sampling = {
      output: peak(() => channel.queuedOutput, () => stalled),
      input: peak(() => channel.bufferedInput, () => stalled),
    };
    await stall(() => channel.served);
    stalled = true;
    const [maxOutput, maxInput] = [await sampling.output, await sampling.input];

    expect(channel.served).toBeLessThan(requests);
    expect(maxOutput).toBeLessThan(MiB + REPLY.length + socket.writableHighWaterMark);
    expect(maxInput).toBeLessThanOrEqual(64 * KiB);
    expect(socket.isPaused()).toBe(true);
    const bytesRead = socket.bytesRead;
    await sleep(30);
    expect(socket.bytesRead).toBe(bytesRead);
    expect(channel.errors).toEqual([]);

    let received = 0;
    client.on("data", (data: Buffer) => (received += data.length));
    client.resume();
    await waitUntil(() => received === requests * REPLY.length, "every reply arrives", 20_000);
    expect(channel.served).toBe(requests);
    expect(channel.errors).toEqual([]);
  });
});

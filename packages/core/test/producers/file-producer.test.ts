/**
 * FileProducer: ranges as fs.createReadStream reads them, the file handle
 * closed at the end and when the channel drops the producer, reading paced
 * by the peer over loopback TCP, and failures reported, not swallowed.
 */

import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { ErrorCode, FileProducer, type AsyncChatError } from "@asynchat/core";
import { loopbackPair, once, Sender, sleep, waitUntil } from "../helpers";
import { drain } from "./sources";

const MiB = 1024 * 1024;

/** Waits until `read()` stops changing for `quiet` ms. */
async function settle(read: () => number, quiet = 80): Promise<number> {
  let last = read();
  for (;;) {
    await sleep(quiet);
    const now = read();
    if (now === last) return now;
    last = now;
  }
}

/** A FileHandle is an EventEmitter that emits "close" (Node >= 15.4), though its type does not say so. */
function closeOf(handle: FileHandle): Promise<unknown[]> {
  return once(handle as unknown as NodeJS.EventEmitter, "close");
}

function streamRange(file: string, start: number | undefined, end: number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    createReadStream(file, { start, end })
      .on("data", (d) => parts.push(d as Buffer))
      .on("end", () => resolve(Buffer.concat(parts)))
      .on("error", reject);
  });
}

describe("FileProducer", () => {
  let dir: string;
  let small: string;
  let data: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "asynchat-file-producer-"));
    small = path.join(dir, "small.bin");
    data = randomBytes(5000);
    writeFileSync(small, data);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the same bytes as fs.createReadStream for any start, end (inclusive) and chunk size", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.nat(6000)),
        fc.option(fc.nat(6000)),
        fc.integer({ min: 1, max: 2000 }),
        async (start, end, chunkSize) => {
          fc.pre(start === null || end === null || end >= start);
          const options = { start: start ?? undefined, end: end ?? undefined, chunkSize };
          const producer = new FileProducer(small, options);
          const out = await drain(producer);
          expect(out.equals(await streamRange(small, options.start, options.end))).toBe(true);
          expect(producer.closed).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("hands out pieces of at most chunkSize bytes, reading nothing ahead", async () => {
    const producer = new FileProducer(small, { chunkSize: 1024 });
    const first = await producer.more();
    expect(first.length).toBe(1024);
    expect(producer.bytesRead).toBe(1024);
    await sleep(20);
    expect(producer.bytesRead).toBe(1024);
    producer.discard();
  });

  it("closes a given FileHandle once the last byte is read", async () => {
    const handle = await open(small, "r");
    const closed = closeOf(handle);
    const producer = new FileProducer(handle, { start: 4000 });
    const out = await drain(producer);
    expect(out.equals(data.subarray(4000))).toBe(true);
    await closed;
    expect(handle.fd).toBe(-1);
  });

  it("closes the file when discarded, also with a read in flight", async () => {
    const handle = await open(small, "r");
    const producer = new FileProducer(handle, { chunkSize: 100 });
    const pending = producer.more();
    producer.discard();
    expect(await pending).toHaveLength(0);
    await waitUntil(() => handle.fd === -1, "the handle is closed");
    expect(producer.closed).toBe(true);
    expect((await producer.more()).length).toBe(0);
  });

  it("never opens a path that is discarded before the first read", async () => {
    const producer = new FileProducer(path.join(dir, "does-not-exist"));
    producer.discard();
    await waitUntil(() => producer.closed, "closed");
    expect((await producer.more()).length).toBe(0);
  });

  it("follows the peer's pace over loopback TCP, and closes the file when the connection drops", async () => {
    const big = path.join(dir, "big.bin");
    const content = randomBytes(48 * MiB);
    writeFileSync(big, content);
    const { server, client, close } = await loopbackPair();
    try {
      const channel = new Sender(server);
      channel.on("error", () => undefined);
      const handle = await open(big, "r");
      const handleClosed = closeOf(handle);
      const producer = new FileProducer(handle);
      client.pause();
      channel.pushWithProducer(producer);

      // Nothing is read past what the socket buffers take while the peer reads nothing.
      const stalled = await settle(() => producer.bytesRead);
      expect(stalled).toBeLessThan(40 * MiB);
      expect(handle.fd).not.toBe(-1);

      // Read some, then vanish: the channel closes and the producer closes its file.
      const hash = createHash("sha256");
      let received = 0;
      client.on("data", (d: Buffer) => {
        hash.update(d);
        received += d.length;
      });
      client.resume();
      await waitUntil(() => received > stalled, "the peer reads past the stall");
      const channelClosed = once(channel, "close");
      client.destroy();
      await channelClosed;
      await handleClosed;
      await waitUntil(() => producer.closed, "the producer reports its file closed");
      expect(producer.bytesRead).toBeLessThan(content.length);
      expect(hash.digest("hex")).toBe(createHash("sha256").update(content.subarray(0, received)).digest("hex"));
    } finally {
      await close();
    }
  });

  it("fails the channel with ERR_PRODUCER_FAILED and the open error as its cause, for a missing file", async () => {
    const { server, close } = await loopbackPair();
    try {
      const channel = new Sender(server);
      const errors: AsyncChatError[] = [];
      channel.on("error", (error) => errors.push(error as AsyncChatError));
      const closed = once(channel, "close");
      channel.pushWithProducer(new FileProducer(path.join(dir, "missing.bin")));
      await closed;
      expect(errors).toHaveLength(1);
      expect(errors[0]!.code).toBe(ErrorCode.PRODUCER_FAILED);
      expect((errors[0]!.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
    } finally {
      await close();
    }
  });

  it("rejects bad arguments with a code, naming the argument", () => {
    expect(() => new FileProducer(42 as never)).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE", message: expect.stringContaining('"file"') }));
    expect(() => new FileProducer(small, { start: -1 })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => new FileProducer(small, { start: 10, end: 9 })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE", message: expect.stringContaining("options.end") }),
    );
    expect(() => new FileProducer(small, { chunkSize: 0 })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }));
    expect(() => new FileProducer(small, { end: "9" as never })).toThrow(expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }));
  });
});

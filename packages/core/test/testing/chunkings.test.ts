/**
 * The chunking helpers of the test kit: chunkings(), splitEvery(),
 * seededRandom() and assertSameFramesInEveryChunking().
 */

import { AssertionError } from "node:assert";
import { assertSameFramesInEveryChunking, chunkings, recordFrames, seededRandom, splitEvery } from "@asynchat/core/testing";

const data = Buffer.from("0123456789abcdefghij");

describe("chunkings", () => {
  it("yields the whole input first, then fixed sizes, every split in two, and seeded random splits", () => {
    const names = [...chunkings(data, { randomRuns: 3, seed: 9 })].map((chunking) => chunking.name);
    expect(names[0]).toBe("whole");
    expect(names.slice(1, 5)).toEqual(["1-byte", "2-byte", "3-byte", "7-byte"]);
    expect(names.slice(5, 5 + 19)).toEqual(Array.from({ length: 19 }, (_, i) => `split at ${i + 1}`));
    expect(names.slice(24)).toEqual(["random #0 (seed 9)", "random #1 (seed 9)", "random #2 (seed 9)"]);
  });

  it("gives pieces that join to the input in every chunking, none of them empty", () => {
    for (const chunking of chunkings(data)) {
      expect(Buffer.concat(chunking.chunks).equals(data)).toBe(true);
      for (const chunk of chunking.chunks) expect(chunk.length).toBeGreaterThan(0);
    }
  });

  it("cuts fixed sizes exactly", () => {
    const oneByte = [...chunkings(data)].find((chunking) => chunking.name === "1-byte")!;
    expect(oneByte.chunks).toHaveLength(20);
    const seven = [...chunkings(data)].find((chunking) => chunking.name === "7-byte")!;
    expect(seven.chunks.map((chunk) => chunk.length)).toEqual([7, 7, 6]);
    const split = [...chunkings(data)].find((chunking) => chunking.name === "split at 4")!;
    expect(split.chunks.map((chunk) => chunk.toString())).toEqual(["0123", "456789abcdefghij"]);
  });

  it("gives the same random splits for the same seed and different ones for another", () => {
    const random = (seed: number) =>
      [...chunkings(data, { seed, randomRuns: 5 })]
        .filter((chunking) => chunking.name.startsWith("random"))
        .map((chunking) => chunking.chunks.map((chunk) => chunk.length));
    expect(random(42)).toEqual(random(42));
    expect(random(42)).not.toEqual(random(43));
  });

  it("skips the splits in two for inputs longer than exhaustiveUpTo, and sizes not smaller than the input", () => {
    const names = [...chunkings(data, { exhaustiveUpTo: 10, sizes: [5, 50], randomRuns: 0 })].map((chunking) => chunking.name);
    expect(names).toEqual(["whole", "5-byte"]);
  });

  it("yields only the whole (empty) input for empty data", () => {
    expect([...chunkings(Buffer.alloc(0))]).toEqual([{ name: "whole", chunks: [] }]);
  });
});

describe("splitEvery and seededRandom", () => {
  it("splits into pieces of the given size, the last one shorter", () => {
    expect(splitEvery(Buffer.from("abcdefg"), 3).map(String)).toEqual(["abc", "def", "g"]);
  });

  it("repeats its sequence for a seed and stays in [0, 1)", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const values = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(values);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe("assertSameFramesInEveryChunking", () => {
  it("returns the frames of the whole input when every chunking agrees", () => {
    const frames = assertSameFramesInEveryChunking(Buffer.from("a\r\nb\r\n"), (chunks) => recordFrames(chunks).strings);
    expect(frames).toEqual(["a", "b"]);
  });

  it("throws an AssertionError naming the chunking where a broken framer differs", () => {
    // Looks for the terminator in each chunk on its own: wrong when CRLF is split between chunks.
    const perChunk = (chunks: Buffer[]): string[] => {
      const frames: string[] = [];
      let current = "";
      for (const chunk of chunks) {
        const parts = chunk.toString().split("\r\n");
        current += parts[0];
        for (const part of parts.slice(1)) {
          frames.push(current);
          current = part;
        }
      }
      return frames;
    };
    let error: unknown;
    try {
      assertSameFramesInEveryChunking(Buffer.from("ab\r\ncd\r\n"), perChunk, { sizes: [], randomRuns: 0 });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(AssertionError);
    const assertion = error as AssertionError;
    expect(assertion.message).toContain("split at 3");
    expect(assertion.message).toContain("3+5 bytes");
    expect(assertion.expected).toEqual(["ab", "cd"]);
    expect(assertion.actual).toEqual(["ab\r\ncd"]);
  });

  it("compares results by content, so frames made of different buffers still agree", () => {
    const frames = assertSameFramesInEveryChunking(Buffer.from("x\ny\n"), (chunks) => recordFrames(chunks, { terminator: "\n" }).frames);
    expect(frames.map((frame) => frame.data.toString())).toEqual(["x", "y"]);
  });

  it("names a random chunking with its seed so that it can be replayed", () => {
    let calls = 0;
    let error: unknown;
    try {
      // Agrees with the whole input for every deterministic chunking, then fails on the first random one.
      assertSameFramesInEveryChunking(
        Buffer.from("abc"),
        () => {
          calls++;
          return calls <= 1 + 2 + 2 ? "same" : "different";
        },
        { sizes: [1, 2], seed: 77 },
      );
    } catch (thrown) {
      error = thrown;
    }
    expect((error as Error).message).toContain("random #0 (seed 77)");
  });
});

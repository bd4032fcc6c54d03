/**
 * Every producer of the library against a reference implementation, for
 * any input cut into any pieces, each piece handed out synchronously, as a
 * resolved Promise or on a later turn of the event loop.
 */

import * as zlib from "node:zlib";
import fc from "fast-check";
import {
  ChunkedProducer,
  CompositeProducer,
  CompressedProducer,
  EscapingProducer,
  GlobbingProducer,
  HookedProducer,
  LinesProducer,
  dotStuff,
  type CompressionFormat,
} from "@asynchat/core";
import { chunkings } from "@asynchat/core/testing";
import { bytesFrom, drain, drainPieces, scripted, splitting, type Timing } from "./sources";

const latin1 = (data: Uint8Array): string => Buffer.from(data).toString("latin1");
const fromLatin1 = (text: string): Buffer => Buffer.from(text, "latin1");

/** Reference: the whole input at once, as a latin1 string replace. */
function escapeReference(data: Uint8Array, from: string, to: string): Buffer {
  return fromLatin1(latin1(data).replaceAll(from, to));
}

/** Reference: SMTP dot-stuffing of the whole body (RFC 5321 4.5.2). */
function dotStuffReference(data: Uint8Array): Buffer {
  return fromLatin1(`\r\n${latin1(data)}`.replaceAll("\r\n.", "\r\n..").slice(2));
}

/** Reference decoder of HTTP/1.1 chunked coding: the body, and the chunk sizes met. */
function decodeChunked(data: Buffer): { body: Buffer; sizes: number[] } {
  const sizes: number[] = [];
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf("\r\n", at, "latin1");
    if (eol < 0) throw new Error(`no chunk-size line at ${at}`);
    const sizeText = data.subarray(at, eol).toString("latin1");
    if (!/^[0-9a-f]+$/.test(sizeText)) throw new Error(`bad chunk size ${JSON.stringify(sizeText)}`);
    const size = parseInt(sizeText, 16);
    sizes.push(size);
    at = eol + 2;
    if (size === 0) {
      if (data.subarray(at).toString("latin1") !== "\r\n") throw new Error("the last chunk must be followed by exactly CRLF");
      return { body: Buffer.concat(parts), sizes };
    }
    parts.push(data.subarray(at, at + size));
    at += size;
    if (data.subarray(at, at + 2).toString("latin1") !== "\r\n") throw new Error(`no CRLF after the chunk at ${at}`);
    at += 2;
  }
}

const decompress: Record<CompressionFormat, (data: Buffer) => Buffer> = {
  gzip: (data) => zlib.gunzipSync(data),
  deflate: (data) => zlib.inflateSync(data),
  br: (data) => zlib.brotliDecompressSync(data),
};

describe("EscapingProducer", () => {
  it("replaces every occurrence as a whole-input replaceAll does, in any chunking and timing", async () => {
    await fc.assert(
      fc.asyncProperty(
        bytesFrom("abX"),
        fc.constantFrom("X", "aX", "XX", "abXab", "aaa"),
        fc.constantFrom("", "Y", "<X>", "abXab!"),
        splitting,
        async (data, from, to, split) => {
          const out = await drain(new EscapingProducer(scripted(data, split), from, to));
          expect(latin1(out)).toBe(latin1(escapeReference(data, from, to)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("finds a sequence split at every point of a fixture", async () => {
    const data = fromLatin1("xx\r\n.yy\r\n.\r\n..z\r");
    for (const { name, chunks } of chunkings(data, { randomRuns: 5 })) {
      const out = await drain(new EscapingProducer(chunks, "\r\n.", "\r\n.."));
      expect([name, latin1(out)]).toEqual([name, latin1(escapeReference(data, "\r\n.", "\r\n.."))]);
    }
  });

  it("passes a piece without the sequence through as it is, without a copy", async () => {
    const piece = Buffer.from("no match here");
    const producer = new EscapingProducer([piece], "\r\n.", "\r\n..");
    expect(await producer.more()).toBe(piece);
  });
});

describe("dotStuff", () => {
  it("doubles a leading dot and every dot after CRLF, in any chunking and timing", async () => {
    await fc.assert(
      fc.asyncProperty(bytesFrom("\r\n.a"), splitting, async (data, split) => {
        const out = await drain(dotStuff(scripted(data, split)));
        expect(latin1(out)).toBe(latin1(dotStuffReference(data)));
      }),
      { numRuns: 400 },
    );
  });

  it("stuffs the SMTP cases: a leading dot, a lone dot line, a dot after a split CRLF, bare LF left alone", async () => {
    expect(latin1(await drain(dotStuff([".hidden\r\n"])))).toBe("..hidden\r\n");
    expect(latin1(await drain(dotStuff(["a\r\n.\r\nb\r\n"])))).toBe("a\r\n..\r\nb\r\n");
    expect(latin1(await drain(dotStuff(["a\r", "\n", ".b"])))).toBe("a\r\n..b");
    expect(latin1(await drain(dotStuff(["a\n.b\r.c"])))).toBe("a\n.b\r.c");
    expect(latin1(await drain(dotStuff([])))).toBe("");
  });
});

describe("ChunkedProducer", () => {
  it("frames each piece as one chunk and ends with the last chunk, in any chunking and timing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), splitting, async (data, split) => {
        const source = scripted(data, split);
        const out = await drain(new ChunkedProducer(source));
        const { body, sizes } = decodeChunked(out);
        expect(body.equals(Buffer.from(data))).toBe(true);
        expect(sizes).toEqual([...source.pieces.map((p) => Buffer.byteLength(p)), 0]);
      }),
      { numRuns: 200 },
    );
  });

  it("writes sizes in lower-case hexadecimal", async () => {
    const out = await drain(new ChunkedProducer([Buffer.alloc(300, 0x61)]));
    expect(latin1(out.subarray(0, 5))).toBe("12c\r\n");
    expect(latin1(out.subarray(-7))).toBe("\r\n0\r\n\r\n");
  });
});

describe("CompressedProducer", () => {
  it.each<CompressionFormat>(["gzip", "deflate", "br"])("%s: decompresses to the input, in any chunking and timing", async (format) => {
    await fc.assert(
      fc.asyncProperty(bytesFrom("abcab\n", 3000), splitting, fc.option(fc.integer({ min: 0, max: 9 })), async (data, split, level) => {
        const out = await drain(new CompressedProducer(scripted(data, split), { format, level: level ?? undefined }));
        expect(decompress[format](out).equals(data)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("compresses a repetitive megabyte to a small fraction, pulling the input as output is taken", async () => {
    const pieces = Array.from({ length: 64 }, (_, i) => Buffer.from(`line ${i % 7} of a very repetitive body\n`.repeat(400)));
    const total = pieces.reduce((n, p) => n + p.length, 0);
    const out = await drain(new CompressedProducer(pieces, { format: "gzip" }));
    expect(out.length).toBeLessThan(total / 20);
    expect(zlib.gunzipSync(out).equals(Buffer.concat(pieces))).toBe(true);
  });
});

describe("ChunkedProducer over CompressedProducer", () => {
  it("gives a chunked gzip body that decodes and decompresses to the input", async () => {
    await fc.assert(
      fc.asyncProperty(bytesFrom("xyz", 2000), splitting, async (data, split) => {
        const out = await drain(new ChunkedProducer(new CompressedProducer(scripted(data, split), { format: "gzip" })));
        expect(zlib.gunzipSync(decodeChunked(out).body).equals(data)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});

describe("GlobbingProducer", () => {
  it("passes every byte through in order and gathers synchronous pieces up to bufferSize", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 800 }), splitting, fc.integer({ min: 1, max: 300 }), async (data, split, size) => {
        const pieces = await drainPieces(new GlobbingProducer(scripted(data, split), size));
        expect(Buffer.concat(pieces).equals(Buffer.from(data))).toBe(true);
        if (split.timings.every((t) => t === "sync")) {
          // Every piece but the last is full: nothing left early.
          for (const piece of pieces.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(size);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("LinesProducer", () => {
  const line = fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }));

  it("writes each line and its ending, from an iterable or an async iterable with any timing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { maxLength: 60 }),
        fc.constantFrom("\r\n", "\n", ""),
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.constantFrom<Timing>("sync", "microtask", "later"), { minLength: 1, maxLength: 5 }),
        async (lines, lineEnding, bufferSize, timings) => {
          const expected = Buffer.concat(lines.flatMap((l) => [Buffer.from(l), Buffer.from(lineEnding)]));
          const fromArray = await drainPieces(new LinesProducer(lines, { lineEnding, bufferSize }));
          expect(Buffer.concat(fromArray).equals(expected)).toBe(true);
          for (const piece of fromArray.slice(0, -1)) expect(piece.length).toBeGreaterThanOrEqual(bufferSize);

          async function* slowly(): AsyncGenerator<string | Uint8Array> {
            let i = 0;
            for (const l of lines) {
              const timing = timings[i++ % timings.length];
              if (timing === "later") await new Promise((resolve) => setImmediate(resolve));
              else if (timing === "microtask") await Promise.resolve();
              yield l;
            }
          }
          const fromGenerator = await drain(new LinesProducer(slowly(), { lineEnding, bufferSize }));
          expect(fromGenerator.equals(expected)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("CompositeProducer", () => {
  it("hands out each part in turn: producers, iterables, strings and bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.uint8Array({ maxLength: 100 }), splitting, fc.nat(3)), { maxLength: 8 }), async (parts) => {
        const made = parts.map(([data, split, kind]) => {
          if (kind === 0) return scripted(data, split);
          if (kind === 1) return Buffer.from(data);
          if (kind === 2) return [Buffer.from(data)];
          return (async function* () {
            yield Buffer.from(data);
          })();
        });
        const out = await drain(new CompositeProducer(made));
        expect(out.equals(Buffer.concat(parts.map(([data]) => data)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("HookedProducer", () => {
  it("passes everything through and reports the byte count once, at the end", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 500 }), splitting, async (data, split) => {
        const reports: Array<[number, boolean]> = [];
        const producer = new HookedProducer(scripted(data, split), (bytes, complete) => reports.push([bytes, complete]));
        const out = await drain(producer);
        expect(out.equals(Buffer.from(data))).toBe(true);
        expect(reports).toEqual([[data.length, true]]);
        producer.discard();
        expect(reports).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });
});

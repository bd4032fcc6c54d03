/**
 * The reply reader in every chunking: any tree of RESP2 replies, encoded
 * and cut anywhere, is read back as the same values, in order.
 */

import fc from "fast-check";
import { chunkings } from "@asynchat/core/testing";
import { type ReplyValue, ReplyError, ReplyReader } from "..";

/** A reply as the reference encoder takes it. */
type Tree = { simple: string } | { error: string } | { integer: number } | { bulk: Buffer | null } | { array: Tree[] | null };

function encode(tree: Tree): Buffer {
  if ("simple" in tree) return Buffer.from(`+${tree.simple}\r\n`);
  if ("error" in tree) return Buffer.from(`-${tree.error}\r\n`);
  if ("integer" in tree) return Buffer.from(`:${tree.integer}\r\n`);
  if ("bulk" in tree) {
    if (tree.bulk === null) return Buffer.from("$-1\r\n");
    return Buffer.concat([Buffer.from(`$${tree.bulk.length}\r\n`), tree.bulk, Buffer.from("\r\n")]);
  }
  if (tree.array === null) return Buffer.from("*-1\r\n");
  return Buffer.concat([Buffer.from(`*${tree.array.length}\r\n`), ...tree.array.map(encode)]);
}

function expected(tree: Tree): unknown {
  if ("simple" in tree) return tree.simple;
  if ("error" in tree) return { error: tree.error };
  if ("integer" in tree) return tree.integer;
  if ("bulk" in tree) return tree.bulk === null ? null : tree.bulk.toString("latin1");
  return tree.array === null ? null : tree.array.map(expected);
}

function shown(value: ReplyValue): unknown {
  if (value instanceof ReplyError) return { error: value.message };
  if (Buffer.isBuffer(value)) return value.toString("latin1");
  if (Array.isArray(value)) return value.map(shown);
  return value;
}

const line = fc.string({ maxLength: 20 }).filter((s) => !s.includes("\r") && !s.includes("\n"));
const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    line.map((simple) => ({ simple })),
    line.map((error) => ({ error: `ERR ${error}` })),
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }).map((integer) => ({ integer })),
    fc.option(fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b))).map((bulk) => ({ bulk })),
    fc.option(fc.array(tie("tree"), { maxLength: 4 })).map((array) => ({ array })),
  ),
})).tree;

function read(chunks: Buffer[]): unknown[] {
  const values: unknown[] = [];
  const reader = new ReplyReader(null, { reply: (value) => values.push(shown(value)) });
  for (const chunk of chunks) reader.handleRead(chunk);
  return values;
}

describe("ReplyReader", () => {
  it("reads any sequence of replies back, whatever the cuts", () => {
    fc.assert(
      fc.property(fc.array(tree, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (trees, cuts) => {
        const bytes = Buffer.concat(trees.map(encode));
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let start = 0;
        for (const point of [...points, bytes.length]) {
          chunks.push(bytes.subarray(start, point));
          start = point;
        }
        expect(read(chunks.filter((c) => c.length > 0))).toEqual(trees.map(expected));
      }),
      { numRuns: 500 },
    );
  });

  it("reads a nested fixture the same in every chunking", () => {
    const fixture: Tree[] = [
      { array: [{ simple: "OK" }, { array: [{ integer: 1 }, { bulk: Buffer.from("a\r\nb") }, { array: null }] }, { error: "WRONGTYPE no" }, { array: [] }] },
      { bulk: null },
      { bulk: Buffer.alloc(0) },
    ];
    const bytes = Buffer.concat(fixture.map(encode));
    for (const { name, chunks } of chunkings(bytes)) expect([name, read(chunks)]).toEqual([name, fixture.map(expected)]);
  });

  it("fails the connection on a reply that is not RESP2, with ERR_RESP_PROTOCOL", () => {
    for (const bad of ["?what\r\n", "$x\r\n", "*-2\r\n", ":1.5\r\n", "$3\r\nabcXY"]) {
      const errors: Error[] = [];
      const reader = new ReplyReader(null, { reply: () => undefined });
      reader.on("error", (error) => errors.push(error));
      reader.handleRead(Buffer.from(bad, "latin1"));
      expect([bad, errors.map((e) => (e as { code?: string }).code)]).toEqual([bad, ["ERR_RESP_PROTOCOL"]]);
    }
  });
});

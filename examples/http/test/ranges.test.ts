/**
 * `parseRange` on its own: every form of range-spec, the clamping, what is
 * ignored and what is unsatisfiable, and the merging of overlapping ranges.
 */

import fc from "fast-check";
import { MAX_RANGES, UNSATISFIABLE, parseRange } from "../ranges";

describe("parseRange", () => {
  it.each([
    ["bytes=0-4", 10, [{ start: 0, end: 4 }]],
    ["bytes=5-", 10, [{ start: 5, end: 9 }]],
    ["bytes=-3", 10, [{ start: 7, end: 9 }]],
    ["bytes=-30", 10, [{ start: 0, end: 9 }]],
    ["bytes=8-100", 10, [{ start: 8, end: 9 }]],
    ["bytes=9-9", 10, [{ start: 9, end: 9 }]],
    ["Bytes = 1-2", 10, [{ start: 1, end: 2 }]],
    ["bytes=6-7, 1-2", 10, [{ start: 6, end: 7 }, { start: 1, end: 2 }]],
    ["bytes=0-0,-1", 10, [{ start: 0, end: 0 }, { start: 9, end: 9 }]],
    ["bytes=1-2,,", 10, [{ start: 1, end: 2 }]],
    ["bytes=20-30, 2-3", 10, [{ start: 2, end: 3 }]],
  ])("reads %j of a %i-byte file", (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });

  it.each([
    ["bytes=10-", 10],
    ["bytes=10-20", 10],
    ["bytes=-0", 10],
    ["bytes=100-, -0", 10],
    ["bytes=1000000000000000000000-", 10],
  ])("finds %j unsatisfiable in a %i-byte file", (header, size) => {
    expect(parseRange(header, size)).toBe(UNSATISFIABLE);
  });

  it.each([
    ["items=0-4", 10],
    ["bytes 0-4", 10],
    ["bytes=", 10],
    ["bytes=5-2", 10],
    ["bytes=a-", 10],
    ["bytes=-", 10],
    ["bytes=0-4,x", 10],
    ["bytes=+1-2", 10],
    ["bytes=1-2-3", 10],
    ["bytes=0-4", 0],
  ])("ignores %j for a %i-byte file (the whole file is sent)", (header, size) => {
    expect(parseRange(header, size)).toBeNull();
  });

  it(`ignores a header of more than ${MAX_RANGES} ranges, and takes exactly ${MAX_RANGES}`, () => {
    const ranges = (n: number): string => `bytes=${Array.from({ length: n }, (_, i) => `${i * 2}-${i * 2}`).join(",")}`;
    expect(parseRange(ranges(MAX_RANGES + 1), 1000)).toBeNull();
    expect(parseRange(ranges(MAX_RANGES), 1000)).toHaveLength(MAX_RANGES);
  });

  it("merges ranges that overlap or touch, in ascending order", () => {
    expect(parseRange("bytes=5-9,0-5", 20)).toEqual([{ start: 0, end: 9 }]);
    expect(parseRange("bytes=10-12,0-4,5-6", 20)).toEqual([
      { start: 0, end: 6 },
      { start: 10, end: 12 },
    ]);
    expect(parseRange("bytes=0-1,0-1,0-1", 20)).toEqual([{ start: 0, end: 1 }]);
  });

  it("gives, for any range set, ranges inside the file that cover exactly the satisfiable bytes asked for", () => {
    const spec = fc.oneof(
      fc.tuple(fc.nat(60), fc.nat(60)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
      fc.nat(60).map((a) => `${a}-`),
      fc.nat(60).map((n) => `-${n}`),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.array(spec, { minLength: 1, maxLength: 8 }), (size, specs) => {
        const result = parseRange(`bytes=${specs.join(",")}`, size);
        // The bytes each spec asks for, by the RFC's definitions.
        const wanted = new Set<number>();
        for (const s of specs) {
          const [first, last] = s.split("-") as [string, string];
          const from = first === "" ? Math.max(0, size - Number(last)) : Number(first);
          const to = first === "" ? (Number(last) === 0 ? -1 : size - 1) : last === "" ? size - 1 : Math.min(Number(last), size - 1);
          for (let b = from; b <= to && b < size; b++) wanted.add(b);
        }
        if (wanted.size === 0) {
          expect(result).toBe(UNSATISFIABLE);
          return;
        }
        if (result === null || result === UNSATISFIABLE) throw new Error(`expected ranges, got ${String(result)}`);
        const covered: number[] = [];
        for (const { start, end } of result) {
          expect(start).toBeGreaterThanOrEqual(0);
          expect(end).toBeLessThan(size);
          expect(start).toBeLessThanOrEqual(end);
          for (let b = start; b <= end; b++) covered.push(b);
        }
        // No byte twice, and exactly the bytes asked for.
        expect(new Set(covered).size).toBe(covered.length);
        expect(new Set(covered)).toEqual(wanted);
      }),
      { numRuns: 500 },
    );
  });
});

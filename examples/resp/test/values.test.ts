/**
 * The value types and SCAN against simple models, for every sequence of
 * operations fast-check finds: the list's ring buffer (growing, shrinking,
 * wrapping), the sorted set's order, the set's random pops, and the
 * guarantee of a SCAN walk while keys come and go and the table resizes.
 */

import fc from "fast-check";
import { Keyspace } from "../keyspace";
import { ListValue, SetValue, SortedSetValue } from "../values";

const element = (n: number): Buffer => Buffer.from(`$${String(n).length}\r\n${n}\r\n`, "latin1");

describe("ListValue", () => {
  it("behaves as an array pushed and popped at both ends, for any sequence of operations", () => {
    const operation = fc.oneof(
      fc.record({ op: fc.constant("pushFront" as const), value: fc.nat(1000) }),
      fc.record({ op: fc.constant("pushBack" as const), value: fc.nat(1000) }),
      fc.record({ op: fc.constant("popFront" as const) }),
      fc.record({ op: fc.constant("popBack" as const) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), (operations) => {
        const list = new ListValue();
        const model: number[] = [];
        for (const step of operations) {
          if (step.op === "pushFront") (list.pushFront(element(step.value)), model.unshift(step.value));
          else if (step.op === "pushBack") (list.pushBack(element(step.value)), model.push(step.value));
          else if (step.op === "popFront") expect(list.popFront()?.toString("latin1")).toBe(model.length ? element(model.shift()!).toString("latin1") : undefined);
          else expect(list.popBack()?.toString("latin1")).toBe(model.length ? element(model.pop()!).toString("latin1") : undefined);
          expect(list.length).toBe(model.length);
        }
        for (let i = 0; i < model.length; i++) expect(list.at(i).toString("latin1")).toBe(element(model[i]!).toString("latin1"));
      }),
      { numRuns: 200 },
    );
  });
});

describe("SortedSetValue", () => {
  it("keeps members ordered by score, then by bytes, whatever is added, moved and removed", () => {
    const member = fc.constantFrom("a", "b", "c", "d", "e", "ab", "\u00ff", "");
    const score = fc.constantFrom(-Infinity, -1.5, 0, 0.1, 1, 1, 2, Infinity);
    const operation = fc.oneof(
      fc.record({ op: fc.constant("set" as const), member, score }),
      fc.record({ op: fc.constant("delete" as const), member }),
      fc.record({ op: fc.constant("removeFirst" as const), count: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
        const zset = new SortedSetValue();
        const model = new Map<string, number>();
        const ordered = (): Array<[string, number]> => [...model].sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
        for (const step of operations) {
          if (step.op === "set") {
            expect(zset.set(step.member, step.score)).toBe(!model.has(step.member));
            model.set(step.member, step.score);
          } else if (step.op === "delete") expect(zset.delete(step.member)).toBe(model.delete(step.member));
          else {
            for (const [name] of ordered().slice(0, step.count)) model.delete(name);
            zset.removeFirst(step.count);
          }
          const expected = ordered();
          expect(zset.size).toBe(expected.length);
          expect(expected.map((_, i) => [zset.memberAt(i), zset.scoreAt(i)])).toEqual(expected);
          for (const [name, value] of expected) expect(zset.score(name)).toBe(value);
          for (const bound of [-2, 0, 1, 3]) expect(zset.firstRankFrom(bound, false)).toBe(expected.filter(([, s]) => s < bound).length);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("SetValue", () => {
  it("pops every member exactly once, at random", () => {
    const set = new SetValue();
    for (let i = 0; i < 100; i++) set.add(`m${i}`);
    expect(set.add("m5")).toBe(false);
    const popped: string[] = [];
    for (let member = set.popRandom(); member !== undefined; member = set.popRandom()) popped.push(member);
    expect(popped.slice().sort()).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`).sort());
    // Not in the order added (the chance that 100 random pops come out in order is nil).
    expect(popped).not.toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
  });
});

describe("Keyspace.scan", () => {
  it("returns every key present throughout a walk, while others are added and removed and the table grows and shrinks", () => {
    const operation = fc.oneof(fc.record({ add: fc.nat(5000) }), fc.record({ remove: fc.nat(5000) }));
    fc.assert(
      fc.property(fc.nat(2000), fc.array(fc.array(operation, { maxLength: 40 }), { maxLength: 100 }), fc.integer({ min: 1, max: 50 }), (initial, rounds, count) => {
        const keyspace = new Keyspace();
        const key = (n: number): Buffer => Buffer.from(`k${n}`);
        for (let i = 0; i < initial; i++) keyspace.set(key(i), 0, key(i).length, key(i), 0, 1);
        const present = new Set(Array.from({ length: initial }, (_, i) => i));
        const touched = new Set<number>();
        const seen = new Set<string>();
        let cursor = 0;
        let step = 0;
        do {
          cursor = keyspace.scan(cursor, count, (name) => seen.add(name));
          for (const change of rounds[step++ % Math.max(1, rounds.length)] ?? []) {
            if ("add" in change) keyspace.set(key(change.add), 0, key(change.add).length, key(0), 0, 1);
            else keyspace.delete(key(change.remove), 0, key(change.remove).length);
            touched.add("add" in change ? change.add : change.remove);
          }
        } while (cursor !== 0 && step < 100_000);
        expect(cursor).toBe(0);
        for (const n of present) if (!touched.has(n)) expect(seen.has(`k${n}`)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });
});

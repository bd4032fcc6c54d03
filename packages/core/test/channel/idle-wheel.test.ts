/**
 * The idle wheel that channels with the same idle timeout share: a member
 * expires no sooner than the timeout after its last touch, and not much
 * later; touches put it off; removals (also from inside another member's
 * expiry) are honoured; a tick held up by a busy event loop expires nobody early.
 */

import { type IdleMember, IdleWheel, idleWheel } from "../../src/channel/idle-wheel";
import { sleep } from "../helpers";

class Member implements IdleMember {
  idlePrev: IdleMember | null = null;
  idleNext: IdleMember | null = null;
  idleTick = 0;
  idleWheel: IdleWheel | null = null;
  expiredAt = -1;
  onExpiry: (() => void) | null = null;
  constructor(readonly since = performance.now()) {}
  idleExpired(): void {
    this.expiredAt = performance.now();
    this.onExpiry?.();
  }
}

function busyFor(milliseconds: number): void {
  const until = performance.now() + milliseconds;
  while (performance.now() < until);
}

async function until(condition: () => boolean, timeout = 2000): Promise<void> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeout) throw new Error("timed out waiting");
    await sleep(2);
  }
}

describe("idle wheel", () => {
  it("expires a member between the timeout and a quarter more after it was added", async () => {
    const wheel = idleWheel(80);
    const members = [new Member(), new Member(), new Member()];
    for (const m of members) wheel.add(m);
    await until(() => members.every((m) => m.expiredAt >= 0));
    for (const m of members) {
      expect(m.expiredAt - m.since).toBeGreaterThanOrEqual(80);
      // Two ticks of 5 ms late at most, plus what a loaded machine adds.
      expect(m.expiredAt - m.since).toBeLessThan(80 + 10 + 150);
      expect(m.idleWheel).toBeNull();
    }
    expect(wheel.size).toBe(0);
  });

  it("counts from the last touch, never from before it", async () => {
    const wheel = idleWheel(60);
    const touched = new Member();
    const left = new Member();
    wheel.add(touched);
    wheel.add(left);
    let lastTouch = performance.now();
    for (let i = 0; i < 10; i++) {
      await sleep(12);
      lastTouch = performance.now();
      wheel.touch(touched);
    }
    expect(left.expiredAt).toBeGreaterThanOrEqual(0);
    expect(touched.expiredAt).toBe(-1);
    await until(() => touched.expiredAt >= 0);
    expect(touched.expiredAt - lastTouch).toBeGreaterThanOrEqual(60);
  });

  it("forgets a removed member, also one removed by another's expiry", async () => {
    const wheel = idleWheel(40);
    const first = new Member();
    const second = new Member();
    const removed = new Member();
    wheel.add(first);
    wheel.add(second);
    wheel.add(removed);
    first.onExpiry = () => wheel.remove(second);
    wheel.remove(removed);
    await until(() => first.expiredAt >= 0);
    await sleep(40);
    expect(second.expiredAt).toBe(-1);
    expect(removed.expiredAt).toBe(-1);
    expect(wheel.size).toBe(0);
  });

  it("expires nobody early when a tick is held up by a busy event loop", async () => {
    const wheel = idleWheel(64);
    const early = new Member();
    wheel.add(early);
    await sleep(30);
    // Block the loop across a few ticks, then touch: the touch lands in a tick that began late.
    busyFor(25);
    const late = new Member();
    wheel.add(late);
    await until(() => late.expiredAt >= 0);
    expect(early.expiredAt - early.since).toBeGreaterThanOrEqual(64);
    expect(late.expiredAt - late.since).toBeGreaterThanOrEqual(64);
  });

  it("does not expire a member early when the tick after its last traffic began late and later ticks came fast", () => {
    // A wheel on a clock the test moves, ticked by hand: the order of ticks a blocked loop and
    // millisecond rounding can produce, which a real timer cannot be made to produce on demand.
    let now = 0;
    const wheel = new IdleWheel(16, () => now);
    let expiredAt = -1;
    const member = new Member(0);
    member.onExpiry = () => (expiredAt = now);
    wheel.add(member);
    now = 9.9;
    wheel.touch(member); // heard from at 9.9, still in the first tick
    now = 10;
    wheel.advance(); // the second tick begins late
    for (let i = 0; i < 16; i++) {
      now += 0.1;
      wheel.advance(); // then ticks come quickly, up to the one that would expire the first tick's members
    }
    expect(expiredAt).toBe(-1);
    for (let i = 0; i < 100 && expiredAt < 0; i++) {
      now += 1;
      wheel.advance();
    }
    expect(expiredAt - 9.9).toBeGreaterThanOrEqual(16);
    expect(expiredAt - 9.9).toBeLessThan(16 + 3);
    expect(wheel.size).toBe(0);
  });

  it("keeps no timer once empty, and starts again for the next member", async () => {
    const wheel = idleWheel(20);
    const m = new Member();
    wheel.add(m);
    await until(() => m.expiredAt >= 0);
    await sleep(10);
    const again = idleWheel(20);
    const n = new Member();
    again.add(n);
    await until(() => n.expiredAt >= 0);
    expect(n.expiredAt - n.since).toBeGreaterThanOrEqual(20);
  });
});

/**
 * Idle deadlines shared by every channel with the same idle timeout: one
 * unref'd Node timer per timeout value, ticking at a sixteenth of it, and
 * the channels in buckets by the tick of their last traffic. So a
 * connection costs no timer of its own, and traffic costs a comparison (and,
 * once per tick at most, a move between two lists) instead of re-arming one.
 * A channel times out no sooner than `timeout` after its last traffic and at
 * most about two ticks (an eighth of the timeout) later.
 */

/** Ticks per timeout. */
const SLOTS = 16;
/** Buckets in the ring: the ticks a member can still be in, plus the one expiring. */
const RING = SLOTS + 2;

/** A member of a wheel: a channel's timers. Its links are its own fields (no node object per member). */
export interface IdleMember {
  idlePrev: IdleMember | null;
  idleNext: IdleMember | null;
  /** The wheel's tick at the member's last traffic. */
  idleTick: number;
  idleWheel: IdleWheel | null;
  /** The deadline passed: called once the member is out of the wheel. */
  idleExpired(): void;
}

/** The head of one bucket's list. */
class Bucket implements IdleMember {
  idlePrev: IdleMember | null = null;
  idleNext: IdleMember | null = null;
  idleTick = -1;
  idleWheel: IdleWheel | null = null;
  idleExpired(): void {}
}

const wheels = new Map<number, IdleWheel>();

/** The wheel for `timeout` milliseconds (made on first use, dropped once it empties). */
export function idleWheel(timeout: number): IdleWheel {
  let wheel = wheels.get(timeout);
  if (wheel === undefined) wheels.set(timeout, (wheel = new IdleWheel(timeout)));
  return wheel;
}

/** The members that share one idle timeout. */
export class IdleWheel {
  readonly timeout: number;
  /** Where the time comes from; with a clock of its own the wheel has no timer and is driven by {@link advance}. */
  readonly #clock: () => number;
  readonly #ownTimer: boolean;
  /** Ticks so far: members touched during tick `t` are in bucket `t % RING`. */
  tick = 0;
  #size = 0;
  readonly #buckets: Bucket[] = [];
  /** When each tick began (performance.now()), by bucket: a late tick must not expire anyone early. */
  readonly #tickStarts: number[] = [];
  #timer: NodeJS.Timeout | null = null;
  /** Ticking: a member is in, or the tick that finds none has not come yet. */
  #running = false;
  /** The members expiring now, while their expiries run. */
  readonly #due = new Bucket();

  /**
   * @param timeout the idle timeout of every member, in milliseconds
   * @param clock milliseconds from a fixed origin; given, the wheel ticks only when {@link advance} is
   *   called (tests); absent, `performance.now()` and a Node timer of a sixteenth of the timeout
   */
  constructor(timeout: number, clock?: () => number) {
    this.timeout = timeout;
    this.#clock = clock ?? (() => performance.now());
    this.#ownTimer = clock === undefined;
    for (let i = 0; i < RING; i++) {
      const head = new Bucket();
      head.idlePrev = head.idleNext = head;
      this.#buckets.push(head);
      this.#tickStarts.push(0);
    }
    this.#due.idlePrev = this.#due.idleNext = this.#due;
  }

  /** Members in the wheel. */
  get size(): number {
    return this.#size;
  }

  /** Puts `member` in the wheel, its wait starting now. */
  add(member: IdleMember): void {
    member.idleWheel = this;
    member.idleTick = this.tick;
    link(this.#buckets[this.tick % RING]!, member);
    this.#size++;
    if (!this.#running) this.#start();
  }

  /** Takes `member` out (its channel closed or changed its timeout). */
  remove(member: IdleMember): void {
    if (member.idleWheel !== this) return;
    unlink(member);
    member.idleWheel = null;
    this.#size--;
  }

  /** Traffic: the wait starts again. Cheap when the member was already touched this tick. */
  touch(member: IdleMember): void {
    const tick = this.tick;
    if (member.idleTick === tick) return;
    member.idleTick = tick;
    unlink(member);
    link(this.#buckets[tick % RING]!, member);
  }

  #start(): void {
    this.#running = true;
    this.#tickStarts[this.tick % RING] = this.#clock();
    if (!this.#ownTimer) return;
    this.#timer = setInterval(() => this.advance(), Math.max(1, Math.ceil(this.timeout / SLOTS)));
    this.#timer.unref();
  }

  /** One tick: members last heard from a timeout ago expire. Called by the wheel's timer (or by a test). */
  advance(): void {
    if (this.#size === 0) {
      // Nothing to watch: stop ticking until the next member.
      this.#running = false;
      if (this.#timer !== null) clearInterval(this.#timer);
      this.#timer = null;
      if (wheels.get(this.timeout) === this) wheels.delete(this.timeout);
      return;
    }
    const now = this.#clock();
    const tick = ++this.tick;
    this.#tickStarts[tick % RING] = now;
    // Members of bucket `tick - SLOTS - 1` were last heard from before the tick after theirs began.
    const expiring = this.#buckets[(tick + 1) % RING]!;
    const next = this.#buckets[(tick + 2) % RING]!;
    if (expiring.idleNext === expiring) return;
    if (now - this.#tickStarts[(tick + 2) % RING]! < this.timeout) {
      // That tick began late: its members may have been heard from too recently. Wait one more tick.
      splice(expiring, next);
      return;
    }
    // Move the bucket aside first: an expiry may close channels and touch or remove others, this one's included.
    const due = this.#due;
    splice(expiring, due);
    while (due.idleNext !== due) {
      const member = due.idleNext!;
      unlink(member);
      member.idleWheel = null;
      this.#size--;
      member.idleExpired();
    }
  }
}

function link(head: IdleMember, member: IdleMember): void {
  const last = head.idlePrev!;
  member.idlePrev = last;
  member.idleNext = head;
  last.idleNext = member;
  head.idlePrev = member;
}

function unlink(member: IdleMember): void {
  const prev = member.idlePrev;
  const next = member.idleNext;
  if (prev !== null) prev.idleNext = next;
  if (next !== null) next.idlePrev = prev;
  member.idlePrev = member.idleNext = null;
}

/** Moves every member of `from` to the end of `to`. */
function splice(from: Bucket, to: Bucket): void {
  const first = from.idleNext!;
  const last = from.idlePrev!;
  from.idleNext = from.idlePrev = from;
  const tail = to.idlePrev!;
  tail.idleNext = first;
  first.idlePrev = tail;
  last.idleNext = to;
  to.idlePrev = last;
}

/**
 * A Redis sorted set: members (byte strings held as latin1 strings) with
 * scores, ordered by score and then by member bytes. The order lives in
 * two parallel arrays kept sorted (binary search, then an insertion or
 * removal that moves the tail: fast for the sizes an in-memory example
 * holds), and a Map gives a member's score.
 */

/** A sorted set value. */
export class SortedSetValue {
  readonly kind = "zset";
  readonly #scores = new Map<string, number>();
  #members: string[] = [];
  #ordered: number[] = [];

  /** Number of members. */
  get size(): number {
    return this.#members.length;
  }

  /** The score of `member`, or undefined. */
  score(member: string): number | undefined {
    return this.#scores.get(member);
  }

  /** Adds `member` with `score`, or moves it to that score; returns whether it was new. */
  set(member: string, score: number): boolean {
    const old = this.#scores.get(member);
    if (old !== undefined) {
      if (old === score) return false;
      this.#removeAt(this.#position(old, member));
    }
    this.#scores.set(member, score);
    const at = this.#position(score, member);
    this.#members.splice(at, 0, member);
    this.#ordered.splice(at, 0, score);
    return old === undefined;
  }

  /** Removes `member`; returns whether it was there. */
  delete(member: string): boolean {
    const score = this.#scores.get(member);
    if (score === undefined) return false;
    this.#removeAt(this.#position(score, member));
    this.#scores.delete(member);
    return true;
  }

  /** The member at rank `index` (0 is the lowest score). */
  memberAt(index: number): string {
    return this.#members[index]!;
  }

  /** The score at rank `index`. */
  scoreAt(index: number): number {
    return this.#ordered[index]!;
  }

  /** Removes the `count` lowest-ranked members (fewer if there are fewer). */
  removeFirst(count: number): void {
    const removed = this.#members.splice(0, count);
    this.#ordered.splice(0, count);
    for (const member of removed) this.#scores.delete(member);
  }

  /** The first rank whose score is above `min` (or at it, unless `exclusive`). */
  firstRankFrom(min: number, exclusive: boolean): number {
    const ordered = this.#ordered;
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const score = ordered[middle]!;
      if (score < min || (exclusive && score === min)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The first rank whose member is above `min` (or at it, unless `exclusive`); meaningful when all scores are equal (BYLEX). */
  firstRankFromMember(min: string, exclusive: boolean): number {
    const members = this.#members;
    let low = 0;
    let high = members.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const member = members[middle]!;
      if (member < min || (exclusive && member === min)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Where (`score`, `member`) is or would go in the order. */
  #position(score: number, member: string): number {
    const ordered = this.#ordered;
    const members = this.#members;
    let low = 0;
    let high = ordered.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const s = ordered[middle]!;
      if (s < score || (s === score && members[middle]! < member)) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #removeAt(at: number): void {
    this.#members.splice(at, 1);
    this.#ordered.splice(at, 1);
  }
}

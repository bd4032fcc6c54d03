/**
 * A Redis set of byte strings (held as latin1 strings, one character per
 * byte). Members sit in an array with a Map from member to position, so
 * that SPOP takes a random member in O(1): the last member moves into the
 * hole.
 */

/** A set value. */
export class SetValue {
  readonly kind = "set";
  readonly #positions = new Map<string, number>();
  #members: string[] = [];

  /** Number of members. */
  get size(): number {
    return this.#members.length;
  }

  /** Whether `member` is in the set. */
  has(member: string): boolean {
    return this.#positions.has(member);
  }

  /** Adds `member`; returns whether it was new. */
  add(member: string): boolean {
    if (this.#positions.has(member)) return false;
    this.#positions.set(member, this.#members.length);
    this.#members.push(member);
    return true;
  }

  /** Removes `member`; returns whether it was there. */
  delete(member: string): boolean {
    const at = this.#positions.get(member);
    if (at === undefined) return false;
    this.#removeAt(at);
    return true;
  }

  /** Removes and returns a member chosen at random; undefined when empty. */
  popRandom(): string | undefined {
    if (this.#members.length === 0) return undefined;
    const at = Math.floor(Math.random() * this.#members.length);
    const member = this.#members[at]!;
    this.#removeAt(at);
    return member;
  }

  /** Every member, in no particular order (as Redis's). */
  members(): readonly string[] {
    return this.#members;
  }

  #removeAt(at: number): void {
    const members = this.#members;
    const member = members[at]!;
    const last = members.pop()!;
    this.#positions.delete(member);
    if (at < members.length) {
      members[at] = last;
      this.#positions.set(last, at);
    }
  }
}

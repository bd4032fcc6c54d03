/**
 * A Redis list: a double-ended queue of elements kept in their reply form
 * (`$3\r\nfoo\r\n`), so that LRANGE and the pops copy bytes and build
 * nothing. A ring buffer: pushes and pops at both ends and access by index
 * are O(1); it grows by doubling and shrinks when three quarters are empty.
 */

/** Smallest ring kept. */
const MIN_CAPACITY = 8;

/** A list value. */
export class ListValue {
  readonly kind = "list";
  #items: Array<Buffer | undefined> = new Array<Buffer | undefined>(MIN_CAPACITY).fill(undefined);
  #head = 0;
  #length = 0;

  /** Number of elements. */
  get length(): number {
    return this.#length;
  }

  /** Adds an element (reply form) before the first. */
  pushFront(element: Buffer): void {
    this.#makeRoom();
    this.#head = (this.#head - 1 + this.#items.length) & (this.#items.length - 1);
    this.#items[this.#head] = element;
    this.#length++;
  }

  /** Adds an element (reply form) after the last. */
  pushBack(element: Buffer): void {
    this.#makeRoom();
    this.#items[(this.#head + this.#length) & (this.#items.length - 1)] = element;
    this.#length++;
  }

  /** Removes and returns the first element; undefined when empty. */
  popFront(): Buffer | undefined {
    if (this.#length === 0) return undefined;
    const element = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (this.#items.length - 1);
    this.#length--;
    this.#shrinkIfSparse();
    return element;
  }

  /** Removes and returns the last element; undefined when empty. */
  popBack(): Buffer | undefined {
    if (this.#length === 0) return undefined;
    const at = (this.#head + this.#length - 1) & (this.#items.length - 1);
    const element = this.#items[at];
    this.#items[at] = undefined;
    this.#length--;
    this.#shrinkIfSparse();
    return element;
  }

  /** The element at `index` (0 is the first; no negative indexes here), in reply form. */
  at(index: number): Buffer {
    return this.#items[(this.#head + index) & (this.#items.length - 1)]!;
  }

  #makeRoom(): void {
    if (this.#length < this.#items.length) return;
    this.#resize(this.#items.length * 2);
  }

  #shrinkIfSparse(): void {
    const capacity = this.#items.length;
    if (capacity > MIN_CAPACITY && this.#length * 4 < capacity) this.#resize(capacity / 2);
  }

  /** Copies the elements into a ring of `capacity` (a power of two), the first at 0. */
  #resize(capacity: number): void {
    const items = new Array<Buffer | undefined>(capacity).fill(undefined);
    for (let i = 0; i < this.#length; i++) items[i] = this.at(i);
    this.#items = items;
    this.#head = 0;
  }
}

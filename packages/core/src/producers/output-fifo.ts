/**
 * The producer FIFO behind a channel's output: pushed data, producers and
 * the close marker, in order, with a count of the bytes of pushed data.
 */

import { Buffer } from "node:buffer";
import type { Producer } from "./producer";

/** Marks the place in the FIFO where `closeWhenDone()` was called. */
export const CLOSE_MARKER: unique symbol = Symbol("closeWhenDone");

/** Marks the place in the FIFO where `startTls()` was called: output before it goes in plaintext, after it over TLS. */
export const STARTTLS_MARKER: unique symbol = Symbol("startTls");

/** A place in the FIFO where output stops for something to happen. */
export type OutputMarker = typeof CLOSE_MARKER | typeof STARTTLS_MARKER;

/** One entry of the FIFO. */
export type OutputItem = string | Buffer | Producer | OutputMarker;

/** Consecutive strings are merged up to this length, so a burst of small replies leaves as one write. */
const MERGE_LIMIT = 64 * 1024;

/** A FIFO with O(1) shift (a head index, compacted now and then). */
export class OutputFifo {
  #items: OutputItem[] = [];
  #head = 0;
  /** Bytes of pushed data queued (string length for strings: an estimate of their UTF-8 size). */
  bytes = 0;
  /** Producers queued. */
  producers = 0;

  /** Number of entries. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Queues data; a string right behind another string is joined to it. */
  pushData(data: string | Buffer): void {
    const items = this.#items;
    const last = items.length - 1;
    if (typeof data === "string" && last >= this.#head) {
      const tail = items[last];
      if (typeof tail === "string" && tail.length + data.length <= MERGE_LIMIT) {
        items[last] = tail + data;
        this.bytes += data.length;
        return;
      }
    }
    items.push(data);
    this.bytes += data.length;
  }

  /** Queues a producer or a marker. */
  pushItem(item: Producer | OutputMarker): void {
    this.#items.push(item);
    if (typeof item === "object") this.producers++;
  }

  /** The first entry, or undefined when empty. */
  peek(): OutputItem | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined;
  }

  /** Removes and returns the first entry. */
  shift(): OutputItem | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as unknown as OutputItem;
    this.#head++;
    if (typeof item === "string" || item instanceof Buffer) this.bytes -= item.length;
    else if (typeof item === "object") this.producers--;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Empties the FIFO and returns the producers it held, so they can be told. */
  clear(): Producer[] {
    const producers: Producer[] = [];
    for (let i = this.#head; i < this.#items.length; i++) {
      const item = this.#items[i];
      if (typeof item === "object" && !Buffer.isBuffer(item)) producers.push(item);
    }
    this.#items = [];
    this.#head = 0;
    this.bytes = 0;
    this.producers = 0;
    return producers;
  }

  /** Whether the close marker is queued. */
  hasCloseMarker(): boolean {
    for (let i = this.#head; i < this.#items.length; i++) if (this.#items[i] === CLOSE_MARKER) return true;
    return false;
  }
}

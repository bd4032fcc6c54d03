/**
 * Views of received chunks, made cheaply.
 *
 * A `Buffer` is a `Uint8Array` whose prototype chain passes through
 * `Buffer.prototype`. `Buffer.from(arrayBuffer, offset, length)` and
 * `subarray` both make one, but through argument checks and a species
 * lookup that cost about twice the construction itself (Node 20). A channel
 * makes a view per frame, so it constructs them directly: instances of this
 * class are Buffers in every respect (`Buffer.isBuffer`, every method,
 * `constructor === Buffer`, inspected as `<Buffer ...>`, and their own
 * `subarray`/`slice` give ordinary Buffers).
 */
class BufferView extends Uint8Array {}
Object.setPrototypeOf(BufferView.prototype, Buffer.prototype);
Object.defineProperty(BufferView.prototype, "constructor", { value: Buffer, writable: true, configurable: true });

/** A Buffer over `length` bytes of `buffer` from `offset`, sharing the memory (no copy, no checks). */
export function bufferView(buffer: ArrayBufferLike, offset: number, length: number): Buffer {
  return new BufferView(buffer as ArrayBuffer, offset, length) as unknown as Buffer;
}

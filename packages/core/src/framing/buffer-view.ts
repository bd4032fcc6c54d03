/**
 * Views of received chunks, made cheaply.
 *
 * `Buffer.from(arrayBuffer, offset, length)` and `subarray` both make a
 * Buffer over the same memory, but through argument checks (and, for
 * `subarray`, a species lookup) that cost more than the construction
 * itself. A channel makes a view per frame, so it calls Node's own Buffer
 * class (`FastBuffer`, which `Buffer[Symbol.species]` returns) directly:
 * the result is an ordinary Buffer, with `Buffer.prototype` as its
 * prototype, equal under `assert.deepStrictEqual` to any Buffer of the same
 * bytes. Where that class cannot be had, `Buffer.from` is used.
 */

// Node's global `Buffer` is a getter: hot code reads it from its module instead.
import { Buffer } from "node:buffer";

type ViewConstructor = new (buffer: ArrayBufferLike, offset: number, length: number) => Buffer;

function nodeBufferClass(): ViewConstructor | null {
  const species = (Buffer as unknown as { [Symbol.species]?: unknown })[Symbol.species];
  if (typeof species !== "function" || species === Buffer) return null;
  try {
    const probe = new (species as ViewConstructor)(new ArrayBuffer(2), 1, 1);
    return Object.getPrototypeOf(probe) === Buffer.prototype && probe.byteOffset === 1 && probe.length === 1 ? (species as ViewConstructor) : null;
  } catch {
    return null;
  }
}

const ViewBuffer = nodeBufferClass();

/** A Buffer over `length` bytes of `buffer` from `offset`, sharing the memory (no copy, no checks). */
export const bufferView: (buffer: ArrayBufferLike, offset: number, length: number) => Buffer =
  ViewBuffer !== null
    ? (buffer, offset, length) => new ViewBuffer(buffer, offset, length)
    : (buffer, offset, length) => Buffer.from(buffer as ArrayBuffer, offset, length);

/** `data` as a Buffer: itself if it is one, else a Buffer over the same memory. */
export function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Buffer's own `indexOf`, read once. Reads come as Buffers of more than one
 * V8 map (made by Node's native side or in JavaScript), and a method looked
 * up on such receivers is a generic property load on every call.
 */
const nativeIndexOf = Buffer.prototype.indexOf;

/** `buffer.indexOf(byte, from)` as Buffer has it (memchr, also for a plain Uint8Array), without looking the method up per call. */
export function indexOfByte(buffer: Uint8Array, byte: number, from: number): number {
  return nativeIndexOf.call(buffer as Buffer, byte, from);
}

/**
 * The file operations a Maildir delivery makes, in two flavours with one
 * promise-returning face:
 *
 * - `"async"`: each call goes to libuv's thread pool. The event loop never
 *   waits for the disk, which a real disk (above all with `fsync`) needs.
 *   The price is the hand-off: a message takes four operations, and each
 *   costs a wake-up of a pool thread and one of the loop (about five futex
 *   calls and an eventfd write), more than the system call itself on a RAM
 *   disk or in the page cache.
 * - `"sync"`: each call is made on the event loop's thread. It costs the
 *   system call and nothing else, but every connection waits while it runs:
 *   for a Maildir on a RAM disk (or in the page cache, without `fsync`),
 *   where a call takes microseconds.
 *
 * Errors are the same in both: a rejected promise with the `fs` error.
 */

import * as fs from "node:fs";

/** How a Maildir makes its file operations. */
export type FileIoMode = "async" | "sync";

/** The file operations of a delivery. Every method reports failure by rejecting. */
export interface FileIo {
  /**
   * The calls run on the calling thread: a delivery may then be finished
   * at once, without waiting for a promise (`MaildirDelivery.commitNow`).
   */
  readonly synchronous: boolean;
  /** Opens `file` with `flags` ("wx": create, failing if it exists; "r": read) and `mode`. */
  open(file: string, flags: string, mode?: number): Promise<number>;
  /** Reads up to `length` bytes at `position` into `buffer`; resolves with the count (0 at the end). */
  read(fd: number, buffer: Buffer, length: number, position: number): Promise<number>;
  /** Writes `buffers` in one call at the current offset; resolves with the bytes written. */
  writev(fd: number, buffers: readonly Buffer[]): Promise<number>;
  fsync(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  close(fd: number): Promise<void>;
  unlink(file: string): Promise<void>;
}

/**
 * Runs a callback-style `fs` function as a promise. The callback API costs
 * markedly less per operation than `fs/promises` FileHandles.
 */
function call<T>(operation: (done: (error: NodeJS.ErrnoException | null, result?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => operation((error, result) => (error ? reject(error) : resolve(result as T))));
}

/** On libuv's thread pool. */
const ASYNC_IO: FileIo = Object.freeze({
  synchronous: false,
  open: (file: string, flags: string, mode?: number) => call<number>((done) => fs.open(file, flags, mode, done)),
  read: (fd: number, buffer: Buffer, length: number, position: number) => call<number>((done) => fs.read(fd, buffer, 0, length, position, done)),
  writev: (fd: number, buffers: readonly Buffer[]) => call<number>((done) => fs.writev(fd, buffers as Buffer[], done)),
  fsync: (fd: number) => call<void>((done) => fs.fsync(fd, done)),
  rename: (from: string, to: string) => call<void>((done) => fs.rename(from, to, done)),
  close: (fd: number) => call<void>((done) => fs.close(fd, done)),
  unlink: (file: string) => call<void>((done) => fs.unlink(file, done)),
});

/** On the calling thread (each `async` arrow turns a thrown error into a rejection). */
const SYNC_IO: FileIo = Object.freeze({
  synchronous: true,
  open: async (file: string, flags: string, mode?: number) => fs.openSync(file, flags, mode),
  read: async (fd: number, buffer: Buffer, length: number, position: number) => fs.readSync(fd, buffer, 0, length, position),
  writev: async (fd: number, buffers: readonly Buffer[]) => fs.writevSync(fd, buffers as Buffer[]),
  fsync: async (fd: number) => fs.fsyncSync(fd),
  rename: async (from: string, to: string) => fs.renameSync(from, to),
  close: async (fd: number) => fs.closeSync(fd),
  unlink: async (file: string) => fs.unlinkSync(file),
});

/** The file operations of `mode`. */
export function fileIo(mode: FileIoMode): FileIo {
  if (mode === "async") return ASYNC_IO;
  if (mode === "sync") return SYNC_IO;
  throw new RangeError(`The file I/O mode must be "async" or "sync", got ${String(mode)}`);
}

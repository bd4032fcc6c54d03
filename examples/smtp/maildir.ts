/**
 * A Maildir folder (https://cr.yp.to/proto/maildir.html): a message is
 * written to `tmp/` under a unique name, then renamed into `new/`, so a
 * reader never sees a partial message. Names follow the modern convention
 * `<seconds>.M<microseconds>P<pid>Q<count>.<host>`.
 */

import * as fs from "node:fs";
import { mkdir } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { type FileIo, type FileIoMode, fileIo } from "./file-io";

/** Options of a {@link Maildir}. */
export interface MaildirOptions {
  /**
   * `fsync` each message before it is renamed into `new/` (what the Maildir
   * convention asks, so that an acknowledged message survives a crash).
   * Default true.
   */
  fsync?: boolean;
  /**
   * How the file operations are made: `"async"` on libuv's thread pool, or
   * `"sync"` on the event loop's thread, which costs less CPU per message
   * but makes every connection wait for the disk (see file-io.ts). Default
   * `"async"`.
   */
  io?: FileIoMode;
}

/** The host part of a Maildir name: `/` and `:` are escaped as the convention says. */
function safeHostname(): string {
  return os.hostname().replace(/\//g, "\\057").replace(/:/g, "\\072");
}

/** A Maildir folder that messages are delivered to. */
export class Maildir {
  /** The folder holding `tmp/`, `new/` and `cur/`. */
  readonly root: string;
  readonly #fsync: boolean;
  readonly #io: FileIo;
  readonly #host = safeHostname();
  #count = 0;

  private constructor(root: string, fsync: boolean, io: FileIo) {
    this.root = root;
    this.#fsync = fsync;
    this.#io = io;
  }

  /** Opens the Maildir at `root`, creating it and its `tmp/`, `new/` and `cur/` folders if missing. */
  static async open(root: string, options: MaildirOptions = {}): Promise<Maildir> {
    const io = fileIo(options.io ?? "async");
    const absolute = path.resolve(root);
    for (const sub of ["tmp", "new", "cur"]) await mkdir(path.join(absolute, sub), { recursive: true, mode: 0o700 });
    return new Maildir(absolute, options.fsync ?? true, io);
  }

  /** A new unique file name (unique within this host, given the process id and a counter). */
  uniqueName(): string {
    const now = performance.timeOrigin + performance.now();
    const seconds = Math.floor(now / 1000);
    const micros = Math.floor((now - seconds * 1000) * 1000);
    return `${seconds}.M${micros}P${process.pid}Q${++this.#count}.${this.#host}`;
  }

  /** Starts delivering one message: nothing touches the disk until the first write. */
  begin(): MaildirDelivery {
    const name = this.uniqueName();
    return new MaildirDelivery(name, path.join(this.root, "tmp", name), path.join(this.root, "new", name), this.#fsync, this.#io);
  }

  /**
   * Delivers a copy of the message file `source` (already in `new/`) for
   * another recipient: `prefix`, then `source` from byte `skip` on (its own
   * per-recipient headers left out), through `tmp/` like any message.
   * Resolves with the new file's path in `new/`.
   */
  async deliverCopy(source: string, skip: number, prefix: Buffer): Promise<string> {
    const name = this.uniqueName();
    const tmpPath = path.join(this.root, "tmp", name);
    const newPath = path.join(this.root, "new", name);
    const io = this.#io;
    const from = await io.open(source, "r");
    const to = await io.open(tmpPath, "wx", 0o600).catch(async (error: unknown) => {
      await io.close(from);
      throw error;
    });
    try {
      await writeAll(io, to, [prefix], tmpPath);
      const buffer = Buffer.allocUnsafe(64 * 1024);
      for (let position = skip; ; ) {
        const bytesRead = await io.read(from, buffer, buffer.length, position);
        if (bytesRead === 0) break;
        await writeAll(io, to, [buffer.subarray(0, bytesRead)], tmpPath);
        position += bytesRead;
      }
      if (this.#fsync) await io.fsync(to);
      await io.rename(tmpPath, newPath);
      return newPath;
    } catch (error) {
      await io.unlink(tmpPath).catch(() => undefined);
      throw error;
    } finally {
      await Promise.all([io.close(from), io.close(to)]);
    }
  }
}

/**
 * One message on its way into a Maildir: {@link write} appends to its file in
 * `tmp/` (created on the first write), {@link commit} moves it into `new/`,
 * {@link abort} removes it. The operations run one after another in the order
 * they were called, so an abort issued while a write is under way waits for it.
 */
export class MaildirDelivery {
  /** The file name in `tmp/` and then `new/`. */
  readonly name: string;
  readonly #tmpPath: string;
  readonly #newPath: string;
  readonly #fsync: boolean;
  readonly #io: FileIo;
  /** The open file in `tmp/`, or -1 before the first write. */
  #fd = -1;
  #finished = false;
  #tail: Promise<unknown> = Promise.resolve();
  /** Operations queued by #serially and not yet settled. */
  #pending = 0;

  constructor(name: string, tmpPath: string, newPath: string, fsync: boolean, io: FileIo) {
    this.name = name;
    this.#tmpPath = tmpPath;
    this.#newPath = newPath;
    this.#fsync = fsync;
    this.#io = io;
  }

  /** Appends `buffers` to the file in `tmp/`, opening it on the first call. */
  write(buffers: readonly Buffer[]): Promise<void> {
    return this.#serially(async () => {
      if (this.#finished) throw new Error(`the delivery of ${this.name} is already finished`);
      const fd = await this.#open();
      await writeAll(this.#io, fd, buffers, this.#tmpPath);
    });
  }

  /**
   * True when {@link commitNow} can finish the delivery at once: the file
   * calls are synchronous and no operation of this delivery is still queued.
   */
  get immediate(): boolean {
    return this.#io.synchronous && this.#pending === 0 && !this.#finished;
  }

  /**
   * {@link write} and {@link commit} in one go, without a promise, when
   * {@link immediate}: a reply then leaves with the replies to the commands
   * that follow in the same read. Returns the path in `new/`; throws, after
   * removing the file from `tmp/`, if a call fails.
   */
  commitNow(buffers: readonly Buffer[]): string {
    if (!this.immediate) throw new Error(`the delivery of ${this.name} cannot be committed at once`);
    this.#finished = true;
    let fd = this.#fd;
    this.#fd = -1;
    try {
      if (fd < 0) fd = fs.openSync(this.#tmpPath, "wx", 0o600);
      for (let rest = nonEmpty(buffers); rest.length > 0; ) rest = afterBytes(rest, progress(fs.writevSync(fd, rest), this.#tmpPath));
      if (this.#fsync) fs.fsyncSync(fd);
      fs.renameSync(this.#tmpPath, this.#newPath);
    } catch (error) {
      if (fd >= 0) closeQuietly(fd);
      try {
        fs.unlinkSync(this.#tmpPath);
      } catch {
        // It was never created, or is gone already.
      }
      throw error;
    }
    closeQuietly(fd);
    return this.#newPath;
  }

  /** Flushes (fsync if configured) and renames the file into `new/`, then closes it; resolves with its path there. */
  commit(): Promise<string> {
    return this.#serially(async () => {
      if (this.#finished) throw new Error(`the delivery of ${this.name} is already finished`);
      const fd = await this.#open();
      this.#fd = -1;
      this.#finished = true;
      const io = this.#io;
      try {
        if (this.#fsync) await io.fsync(fd);
        await io.rename(this.#tmpPath, this.#newPath);
      } catch (error) {
        io.close(fd).catch(() => undefined);
        await io.unlink(this.#tmpPath).catch(() => undefined);
        throw error;
      }
      // The data is written (and synced, if asked) and the name is final: closing the file
      // need not hold up the reply, which then waits for two file operations, not three.
      io.close(fd).catch(() => undefined);
      return this.#newPath;
    });
  }

  /** Drops the message: closes and removes the file in `tmp/`, if it was created. */
  abort(): Promise<void> {
    return this.#serially(async () => {
      if (this.#finished) return;
      this.#finished = true;
      const fd = this.#fd;
      this.#fd = -1;
      if (fd < 0) return;
      await this.#io.close(fd).catch(() => undefined);
      await this.#io.unlink(this.#tmpPath).catch(() => undefined);
    });
  }

  /** Starts creating the file in `tmp/` ahead of the first write. */
  prepare(): void {
    void this.#serially(() => this.#open()).catch(() => undefined);
  }

  async #open(): Promise<number> {
    if (this.#fd < 0) this.#fd = await this.#io.open(this.#tmpPath, "wx", 0o600);
    return this.#fd;
  }

  /** Runs file operations one after another, in call order. */
  #serially<T>(operation: () => Promise<T>): Promise<T> {
    this.#pending++;
    const result = this.#tail.then(operation);
    this.#tail = result.then(
      () => this.#pending--,
      () => this.#pending--,
    );
    return result;
  }
}

/** Writes every byte of `buffers` at the file's offset, going on after a short write. */
async function writeAll(io: FileIo, fd: number, buffers: readonly Buffer[], file: string): Promise<void> {
  for (let rest = nonEmpty(buffers); rest.length > 0; ) rest = afterBytes(rest, progress(await io.writev(fd, rest), file));
}

function nonEmpty(buffers: readonly Buffer[]): Buffer[] {
  return buffers.filter((buffer) => buffer.length > 0);
}

/** The count a write returned, which must be more than nothing. */
function progress(written: number, file: string): number {
  if (written <= 0) throw new Error(`no progress writing to ${file}`);
  return written;
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Nothing is lost: the data is written and the name is final (or the file is gone).
  }
}

/** What is left of `buffers` once their first `count` bytes are gone. */
function afterBytes(buffers: readonly Buffer[], count: number): Buffer[] {
  let skip = count;
  let i = 0;
  while (i < buffers.length && skip >= buffers[i]!.length) skip -= buffers[i++]!.length;
  const rest = buffers.slice(i);
  if (skip > 0 && rest.length > 0) rest[0] = rest[0]!.subarray(skip);
  return rest;
}

/**
 * A Maildir folder (https://cr.yp.to/proto/maildir.html): a message is
 * written to `tmp/` under a unique name, then renamed into `new/`, so a
 * reader never sees a partial message. Names follow the modern convention
 * `<seconds>.M<microseconds>P<pid>Q<count>.<host>`.
 */

import { type FileHandle, mkdir, open, rename, unlink } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

/** Options of a {@link Maildir}. */
export interface MaildirOptions {
  /**
   * `fsync` each message before it is renamed into `new/` (what the Maildir
   * convention asks, so that an acknowledged message survives a crash).
   * Default true.
   */
  fsync?: boolean;
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
  readonly #host = safeHostname();
  #count = 0;

  private constructor(root: string, fsync: boolean) {
    this.root = root;
    this.#fsync = fsync;
  }

  /** Opens the Maildir at `root`, creating it and its `tmp/`, `new/` and `cur/` folders if missing. */
  static async open(root: string, options: MaildirOptions = {}): Promise<Maildir> {
    const absolute = path.resolve(root);
    for (const sub of ["tmp", "new", "cur"]) await mkdir(path.join(absolute, sub), { recursive: true, mode: 0o700 });
    return new Maildir(absolute, options.fsync ?? true);
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
    return new MaildirDelivery(name, path.join(this.root, "tmp", name), path.join(this.root, "new", name), this.#fsync);
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
  #handle: FileHandle | null = null;
  #finished = false;
  #tail: Promise<unknown> = Promise.resolve();

  /** Made by {@link Maildir.begin}. */
  constructor(name: string, tmpPath: string, newPath: string, fsync: boolean) {
    this.name = name;
    this.#tmpPath = tmpPath;
    this.#newPath = newPath;
    this.#fsync = fsync;
  }

  /** Appends `buffers` to the message. */
  write(buffers: readonly Buffer[]): Promise<void> {
    return this.#serially(async () => {
      if (this.#finished) throw new Error(`the delivery of ${this.name} is already finished`);
      this.#handle ??= await open(this.#tmpPath, "wx", 0o600);
      if (buffers.length === 0) return;
      let expected = 0;
      for (const buffer of buffers) expected += buffer.length;
      const { bytesWritten } = await this.#handle.writev(buffers as Buffer[]);
      if (bytesWritten !== expected) throw new Error(`short write to ${this.#tmpPath}: ${bytesWritten} of ${expected} bytes`);
    });
  }

  /**
   * Flushes the message to disk (with `fsync`), closes it and renames it
   * into `new/`. Resolves with its final path; on failure the file in `tmp/`
   * is removed and the promise rejects.
   */
  commit(): Promise<string> {
    return this.#serially(async () => {
      if (this.#finished) throw new Error(`the delivery of ${this.name} is already finished`);
      this.#handle ??= await open(this.#tmpPath, "wx", 0o600);
      const handle = this.#handle;
      this.#handle = null;
      this.#finished = true;
      try {
        try {
          if (this.#fsync) await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(this.#tmpPath, this.#newPath);
      } catch (error) {
        await unlink(this.#tmpPath).catch(() => undefined);
        throw error;
      }
      return this.#newPath;
    });
  }

  /** Drops the message: closes and removes its file in `tmp/`. Never rejects; does nothing after a commit. */
  abort(): Promise<void> {
    return this.#serially(async () => {
      if (this.#finished) return;
      this.#finished = true;
      const handle = this.#handle;
      this.#handle = null;
      if (handle === null) return;
      await handle.close().catch(() => undefined);
      await unlink(this.#tmpPath).catch(() => undefined);
    });
  }

  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(operation);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

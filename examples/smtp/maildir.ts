/**
 * A Maildir folder (https://cr.yp.to/proto/maildir.html): a message is
 * written to `tmp/` under a unique name, then renamed into `new/`, so a
 * reader never sees a partial message. Names follow the modern convention
 * `<seconds>.M<microseconds>P<pid>Q<count>.<host>`.
 */

import * as fs from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
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
    const from = await open(source, "r");
    const to = await open(tmpPath, "wx", 0o600).catch(async (error: unknown) => {
      await from.close();
      throw error;
    });
    try {
      await to.write(prefix);
      const buffer = Buffer.allocUnsafe(64 * 1024);
      for (let position = skip; ; ) {
        const { bytesRead } = await from.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) break;
        await to.write(buffer, 0, bytesRead);
        position += bytesRead;
      }
      if (this.#fsync) await to.sync();
      await rename(tmpPath, newPath);
      return newPath;
    } catch (error) {
      await rm(tmpPath, { force: true }).catch(() => undefined);
      throw error;
    } finally {
      await Promise.all([from.close(), to.close()]);
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
  /** The open file in `tmp/`, or -1 before the first write. */
  #fd = -1;
  #finished = false;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(name: string, tmpPath: string, newPath: string, fsync: boolean) {
    this.name = name;
    this.#tmpPath = tmpPath;
    this.#newPath = newPath;
    this.#fsync = fsync;
  }

  /** Appends `buffers` to the file in `tmp/`, opening it on the first call. */
  write(buffers: readonly Buffer[]): Promise<void> {
    return this.#serially(async () => {
      if (this.#finished) throw new Error(`the delivery of ${this.name} is already finished`);
      const fd = await this.#open();
      if (buffers.length === 0) return;
      let expected = 0;
      for (const buffer of buffers) expected += buffer.length;
      const written = await call<number>((done) => fs.writev(fd, buffers as Buffer[], done));
      if (written !== expected) throw new Error(`short write to ${this.#tmpPath}: ${written} of ${expected} bytes`);
    });
  }

  /** Flushes (fsync if configured) and renames the file into `new/`, then closes it; resolves with its path there. */
  commit(): Promise<string> {
    return this.#serially(async () => {
      if (this.#finished) throw new Error(`the delivery of ${this.name} is already finished`);
      const fd = await this.#open();
      this.#fd = -1;
      this.#finished = true;
      try {
        if (this.#fsync) await call<void>((done) => fs.fsync(fd, done));
        await call<void>((done) => fs.rename(this.#tmpPath, this.#newPath, done));
      } catch (error) {
        fs.close(fd, () => undefined);
        await call<void>((done) => fs.unlink(this.#tmpPath, done)).catch(() => undefined);
        throw error;
      }
      // The data is written (and synced, if asked) and the name is final: closing the file
      // need not hold up the reply, which then waits for two file operations, not three.
      fs.close(fd, () => undefined);
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
      await call<void>((done) => fs.close(fd, done)).catch(() => undefined);
      await call<void>((done) => fs.unlink(this.#tmpPath, done)).catch(() => undefined);
    });
  }

  /** Starts creating the file in `tmp/` ahead of the first write. */
  prepare(): void {
    void this.#serially(() => this.#open()).catch(() => undefined);
  }

  async #open(): Promise<number> {
    if (this.#fd < 0) this.#fd = await call<number>((done) => fs.open(this.#tmpPath, "wx", 0o600, done));
    return this.#fd;
  }

  /** Runs file operations one after another, in call order. */
  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(operation);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Runs a callback-style `fs` function as a promise. The callback API costs
 * markedly less per operation than `fs/promises` FileHandles, and a message
 * takes four operations.
 */
function call<T>(operation: (done: (error: NodeJS.ErrnoException | null, result?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => operation((error, result) => (error ? reject(error) : resolve(result as T))));
}

/**
 * A file of SMTP users with scrypt password hashes (node:crypto), the
 * check the example ships for AUTH. One user per line:
 *
 * ```
 * # comment
 * alice:scrypt$16384$8$1$<salt, base64>$<hash, base64>
 * ```
 *
 * Names may not hold `:`, white space or control characters. The cost
 * parameters are stored with each hash, so raising them later does not
 * invalidate older entries.
 */

import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";
import type { Authenticator } from "./auth";

/** scrypt cost parameters of new entries: N = 2^14, r = 8, p = 1 (16 MiB of memory, tens of milliseconds). */
export const SCRYPT_COST = Object.freeze({ N: 16384, r: 8, p: 1 });

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const NAME = /^[^\s:\x00-\x1f\x7f]{1,256}$/;

/** One stored hash and the parameters it was made with. */
interface StoredHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** An error in a users file or a user entry, naming the line or the value. */
export class UsersFileError extends Error {
  /** Stable code: `ERR_SMTP_USERS_FILE`. */
  readonly code = "ERR_SMTP_USERS_FILE";
}

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: scrypt needs 128 * N * r bytes; allow twice that.
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash` for `password`, with a new random salt. */
export async function hashPassword(password: string, cost: { N: number; r: number; p: number } = SCRYPT_COST): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const hash = await derive(password, salt, cost.N, cost.r, cost.p);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

function parseHash(text: string, where: string): StoredHash {
  const parts = text.split("$");
  const [kind, n, r, p, salt, hash] = parts;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (parts.length !== 6 || kind !== "scrypt" || !Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0 || !Number.isSafeInteger(R) || R < 1 || !Number.isSafeInteger(P) || P < 1) {
    throw new UsersFileError(`${where}: expected scrypt$N$r$p$salt$hash, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return { N, r: R, p: P, salt: Buffer.from(salt!, "base64"), hash: Buffer.from(hash!, "base64") };
}

/** Whether `name` can be stored in a users file. */
export function isValidUserName(name: string): boolean {
  return NAME.test(name);
}

/** The users of one file, checked with scrypt. */
export class UsersFile {
  readonly #users: ReadonlyMap<string, StoredHash>;
  /** Compared against when the name is unknown, so that an unknown name takes as long as a wrong password. */
  #decoy: Promise<StoredHash> | null = null;

  private constructor(users: ReadonlyMap<string, StoredHash>) {
    this.#users = users;
  }

  /** Parses the text of a users file; throws {@link UsersFileError} naming the first bad line. */
  static parse(text: string, source = "users file"): UsersFile {
    const users = new Map<string, StoredHash>();
    text.split(/\r?\n/).forEach((raw, index) => {
      const line = raw.trim();
      if (line.length === 0 || line.startsWith("#")) return;
      const where = `${source}:${index + 1}`;
      const colon = line.indexOf(":");
      const name = colon < 0 ? "" : line.slice(0, colon);
      if (!isValidUserName(name)) throw new UsersFileError(`${where}: expected name:scrypt$..., got ${JSON.stringify(line.slice(0, 40))}`);
      if (users.has(name)) throw new UsersFileError(`${where}: user ${JSON.stringify(name)} appears twice`);
      users.set(name, parseHash(line.slice(colon + 1), where));
    });
    return new UsersFile(users);
  }

  /** Reads and parses the users file at `file`. */
  static async load(file: string): Promise<UsersFile> {
    return UsersFile.parse(await readFile(file, "utf8"), file);
  }

  /** How many users the file holds. */
  get size(): number {
    return this.#users.size;
  }

  /** Whether the file has a user called `name`. */
  has(name: string): boolean {
    return this.#users.has(name);
  }

  /** Whether `password` is `name`'s. Takes about as long for an unknown name as for a known one. */
  async verify(name: string, password: string): Promise<boolean> {
    const stored = this.#users.get(name);
    const against = stored ?? (await (this.#decoy ??= hashPassword(randomBytes(16).toString("hex")).then((text) => parseHash(text, "decoy"))));
    const derived = await derive(password, against.salt, against.N, against.r, against.p);
    return stored !== undefined && derived.length === stored.hash.length && timingSafeEqual(derived, stored.hash);
  }

  /** The check for {@link SmtpServerOptions.authenticate}. */
  get authenticator(): Authenticator {
    return ({ username, password }) => this.verify(username, password);
  }
}

/** Appends a user with a freshly hashed password to the users file at `file` (created if missing). */
export async function addUser(file: string, name: string, password: string): Promise<void> {
  if (!isValidUserName(name)) throw new UsersFileError(`a user name may not hold ":", white space or control characters, got ${JSON.stringify(name)}`);
  if (password.length === 0) throw new UsersFileError("the password is empty");
  let existing = "";
  try {
    existing = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (UsersFile.parse(existing, file).has(name)) throw new UsersFileError(`${file}: user ${JSON.stringify(name)} already exists`);
  const separator = existing.length > 0 && !existing.endsWith("\n") ? "\n" : "";
  await appendFile(file, `${separator}${name}:${await hashPassword(password)}\n`, { mode: 0o600 });
}

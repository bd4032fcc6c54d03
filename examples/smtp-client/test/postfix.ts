/**
 * A real Postfix for the client tests: an instance of its own (`postfix -c
 * <dir>`) with a generated main.cf and master.cf, its queue, data and log
 * in a temporary folder, smtpd on a free loopback port, and every message
 * for `example.test` delivered by `virtual` to one Maildir. Started and
 * stopped by the test. Needs root (Postfix's master runs as root and
 * drops privileges to `postfix`).
 */

import { execFile } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../../test-support/free-port";

const run = promisify(execFile);

/** The mail domain the instance delivers (every address in it goes to {@link PostfixInstance.maildir}). */
export const POSTFIX_DOMAIN = "example.test";

/** A running Postfix instance. */
export interface PostfixInstance {
  port: number;
  /** The Maildir its `virtual` agent delivers to. */
  maildir: string;
  /** Its log (`maillog_file`), for a failing test's message. */
  log(): Promise<string>;
  /** Every file in the Maildir's `new/`, waiting up to `ms` for `count` of them (delivery is asynchronous: smtpd queues, then qmgr and virtual deliver). */
  delivered(count: number, ms?: number): Promise<Buffer[]>;
  /** Stops it (`postfix stop`) and removes its folder. */
  stop(): Promise<void>;
}

/** Debian's master.cf with smtpd moved to `127.0.0.1:<port>` and every service out of the chroot (the instance has none). */
async function masterCf(port: number): Promise<string> {
  // Debian's postinst writes /etc/postfix/master.cf from master.cf.dist; take the latter if an install left none.
  const template = await readFile("/etc/postfix/master.cf", "utf8").catch(() => readFile("/usr/share/postfix/master.cf.dist", "utf8"));
  return template
    .split("\n")
    .map((line) => {
      if (line.startsWith("#") || /^\s/.test(line)) return line;
      const fields = line.split(/\s+/);
      if (fields.length < 8) return line;
      if (fields[0] === "smtp" && fields[1] === "inet") fields[0] = `127.0.0.1:${port}`;
      fields[4] = "n";
      return fields.join(" ");
    })
    .join("\n");
}

/** Starts a Postfix instance in a new temporary folder. */
export async function startPostfix(): Promise<PostfixInstance> {
  if (process.getuid?.() !== 0) throw new Error("a Postfix instance needs root: its master process starts as root");
  const root = await mkdtemp(path.join(os.tmpdir(), "postfix-test-"));
  // mkdtemp makes it 0700; Postfix's daemons (user postfix) must reach their folders inside.
  await chmod(root, 0o755);
  const dirs = { etc: path.join(root, "etc"), spool: path.join(root, "spool"), data: path.join(root, "data"), mail: path.join(root, "mail") };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true, mode: 0o755 });
  const postfixUser = await userId("postfix");
  await chown(dirs.data, postfixUser, 0);
  // virtual delivers as this uid/gid (nobody): the mail folder must be theirs.
  const [uid, gid] = [65534, 65534];
  await chown(dirs.mail, uid, gid);
  const port = await freePort();
  const mainCf = [
    "compatibility_level = 3.6",
    `queue_directory = ${dirs.spool}`,
    `data_directory = ${dirs.data}`,
    "mail_owner = postfix",
    "setgid_group = postdrop",
    "myhostname = postfix.test",
    "mydestination =",
    "inet_interfaces = 127.0.0.1",
    "inet_protocols = ipv4",
    // Not loopback: the test's client is an outsider, so Postfix refuses to relay for it.
    "mynetworks = 192.0.2.1/32",
    `virtual_mailbox_domains = ${POSTFIX_DOMAIN}`,
    `virtual_mailbox_base = ${dirs.mail}`,
    // A trailing slash: Maildir format.
    "virtual_mailbox_maps = static:maildir/",
    `virtual_uid_maps = static:${uid}`,
    `virtual_gid_maps = static:${gid}`,
    "virtual_minimum_uid = 1",
    "alias_maps =",
    "alias_database =",
    `maillog_file_prefixes = ${root}`,
    `maillog_file = ${path.join(root, "maillog")}`,
    "smtpd_banner = $myhostname ESMTP",
    "",
  ].join("\n");
  await writeFile(path.join(dirs.etc, "main.cf"), mainCf);
  await writeFile(path.join(dirs.etc, "master.cf"), await masterCf(port));
  const maildir = path.join(dirs.mail, "maildir");
  const instance: PostfixInstance = {
    port,
    maildir,
    log: () => readFile(path.join(root, "maillog"), "utf8").catch(() => "(no log)"),
    async delivered(count, ms = 15_000) {
      const folder = path.join(maildir, "new");
      for (const started = Date.now(); ; ) {
        const names = await readdir(folder).catch(() => [] as string[]);
        if (names.length >= count) return Promise.all(names.sort().map((name) => readFile(path.join(folder, name))));
        if (Date.now() - started > ms) throw new Error(`${names.length} of ${count} messages delivered after ${ms} ms; log:\n${await instance.log()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await run("postfix", ["-c", dirs.etc, "stop"]).catch(() => undefined);
      await rm(root, { recursive: true, force: true });
    },
  };
  try {
    await run("postfix", ["-c", dirs.etc, "start"], { timeout: 30_000 });
    await waitForPort(port, 15_000);
  } catch (error) {
    const log = await instance.log();
    await instance.stop();
    throw new Error(`postfix did not start: ${(error as Error).message}\n${log}`);
  }
  return instance;
}

/** The uid of a system user, from /etc/passwd. */
async function userId(name: string): Promise<number> {
  const line = (await readFile("/etc/passwd", "utf8")).split("\n").find((entry) => entry.startsWith(`${name}:`));
  if (line === undefined) throw new Error(`no user ${name} in /etc/passwd: is postfix installed?`);
  return Number(line.split(":")[2]);
}

async function waitForPort(port: number, ms: number): Promise<void> {
  for (const started = Date.now(); ; ) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() - started > ms) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The npm `smtp-server` the SMTP example is compared with:
 * `node bench/dist/servers/smtp-server-peer.js <port> <maildir|discard>`.
 * Reverse DNS lookups off, no AUTH or TLS. With a folder, each message is
 * written to a Maildir there (tmp/ then renamed into new/) as the example
 * does, so both do the same work per message; with `discard`, messages are
 * read and thrown away (the figure smtp-server is usually quoted with).
 */

import { createWriteStream, mkdirSync, renameSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { SMTPServer } from "smtp-server";

const port = Number(process.argv[2] ?? 0);
const maildir = process.argv[3] ?? path.join("/dev/shm", `smtp-server-peer-${process.pid}`);
const discard = maildir === "discard";
if (!discard) for (const sub of ["tmp", "new", "cur"]) mkdirSync(path.join(maildir, sub), { recursive: true });
let sequence = 0;
const host = hostname();

const server = new SMTPServer({
  disabledCommands: ["AUTH", "STARTTLS"],
  disableReverseLookup: true,
  logger: false,
  size: 10 * 1024 * 1024,
  onData(stream, _session, callback) {
    if (discard) {
      stream.on("data", () => undefined);
      stream.on("end", () => callback());
      return;
    }
    const name = `${Date.now()}.P${process.pid}Q${++sequence}.${host}`;
    const temporary = path.join(maildir, "tmp", name);
    const file = createWriteStream(temporary);
    stream.pipe(file);
    file.on("finish", () => {
      try {
        renameSync(temporary, path.join(maildir, "new", name));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    });
    stream.on("error", callback);
  },
});
server.listen(port, "127.0.0.1", () => {
  const address = server.server.address();
  process.stdout.write(`listening smtp-server 127.0.0.1:${typeof address === "object" && address ? address.port : port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

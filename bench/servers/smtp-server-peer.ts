/**
 * The npm `smtp-server` the SMTP example is compared with:
 * `node bench/dist/servers/smtp-server-peer.js <port> <maildir>`. Reverse
 * DNS lookups off, no AUTH or TLS, and each message written to a Maildir
 * (tmp/ then renamed into new/) as the example does, so both do the same
 * work per message.
 */

import { createWriteStream, mkdirSync, renameSync } from "node:fs";
import { hostname } from "node:os";
import * as path from "node:path";
import { SMTPServer } from "smtp-server";

const port = Number(process.argv[2] ?? 0);
const maildir = process.argv[3] ?? path.join("/dev/shm", `smtp-server-peer-${process.pid}`);
for (const sub of ["tmp", "new", "cur"]) mkdirSync(path.join(maildir, sub), { recursive: true });
let sequence = 0;
const host = hostname();

const server = new SMTPServer({
  disabledCommands: ["AUTH", "STARTTLS"],
  disableReverseLookup: true,
  logger: false,
  size: 10 * 1024 * 1024,
  onData(stream, _session, callback) {
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

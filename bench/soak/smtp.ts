/**
 * SMTP soak: 10,000 messages over 50 concurrent sessions (pipelined
 * MAIL/RCPT/DATA), then every message looked up in the Maildir byte for
 * byte (after the trace headers the server adds).
 */

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { type HeapGrowth, heapGrowth, mb, printReport, startSoakServer } from "./child";

/** Figures of the SMTP soak. */
export interface SmtpSoakResult extends HeapGrowth {
  sent: number;
  messagesPerSecond: number;
  foundIntact: number;
  missingOrDifferent: number;
  peakRss: number;
}

/** The message `n`, as stored (dot-unstuffed), and as sent on the wire (dot-stuffed). */
function message(n: number): { stored: string; wire: string } {
  const lines = [
    "From: soak@example.test",
    "To: sink@example.test",
    `Subject: soak ${n}`,
    `Message-ID: <soak-${n}@example.test>`,
    "",
    `This is message ${n}.`,
    ".a line that starts with a dot",
    ...Array.from({ length: 12 }, (_, i) => `line ${i} of message ${n}: ${"x".repeat(60)}`),
  ];
  const stored = `${lines.join("\r\n")}\r\n`;
  const wire = `${lines.map((line) => (line.startsWith(".") ? `.${line}` : line)).join("\r\n")}\r\n.\r\n`;
  return { stored, wire };
}

/** A line-reply reader for one SMTP session. */
class Replies {
  #buffer = "";
  #waiting: Array<{ count: number; resolve: (codes: string[]) => void }> = [];
  #codes: string[] = [];

  constructor(socket: net.Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (data: string) => {
      this.#buffer += data;
      let eol: number;
      while ((eol = this.#buffer.indexOf("\r\n")) >= 0) {
        const line = this.#buffer.slice(0, eol);
        this.#buffer = this.#buffer.slice(eol + 2);
        if (line[3] !== "-") this.#codes.push(line.slice(0, 3));
      }
      this.#settle();
    });
  }

  /** The codes of the next `count` replies. */
  next(count: number): Promise<string[]> {
    return new Promise((resolve) => {
      this.#waiting.push({ count, resolve });
      this.#settle();
    });
  }

  #settle(): void {
    while (this.#waiting.length > 0 && this.#codes.length >= this.#waiting[0]!.count) {
      const { count, resolve } = this.#waiting.shift()!;
      resolve(this.#codes.splice(0, count));
    }
  }
}

async function session(port: number, numbers: number[]): Promise<number> {
  const socket = net.connect(port, "127.0.0.1");
  const replies = new Replies(socket);
  let failures = 0;
  const expect = async (count: number, codes: string[]): Promise<void> => {
    const got = await replies.next(count);
    if (got.join() !== codes.join()) failures++;
  };
  await expect(1, ["220"]);
  socket.write("EHLO soak.example.test\r\n");
  await expect(1, ["250"]);
  for (const n of numbers) {
    socket.write(`MAIL FROM:<soak@example.test>\r\nRCPT TO:<sink@example.test>\r\nDATA\r\n`);
    await expect(3, ["250", "250", "354"]);
    socket.write(message(n).wire);
    await expect(1, ["250"]);
  }
  socket.write("QUIT\r\n");
  await expect(1, ["221"]);
  socket.destroy();
  return failures;
}

/** Runs the SMTP soak and prints its figures. */
export async function smtpSoak(messages: number, sessions: number): Promise<SmtpSoakResult> {
  const ramDisk = os.platform() === "linux" ? "/dev/shm" : os.tmpdir();
  const maildir = mkdtempSync(path.join(ramDisk, "asynchat-soak-maildir-"));
  const server = await startSoakServer("smtp", ["--maildir", maildir, "--fsync", "off"]);
  try {
    // Warm up first (code compiled, caches filled), so "before" is a server that has served.
    await Promise.all(Array.from({ length: 10 }, (_, s) => session(server.port, [messages + s * 10, messages + s * 10 + 1])));
    for (const name of readdirSync(path.join(maildir, "new"))) rmSync(path.join(maildir, "new", name));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await server.stats();
    const started = process.hrtime.bigint();
    const perSession = Array.from({ length: sessions }, (_, s) => Array.from({ length: messages }, (_, n) => n).filter((n) => n % sessions === s));
    const failures = (await Promise.all(perSession.map((numbers) => session(server.port, numbers)))).reduce((a, b) => a + b, 0);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Every message, byte for byte after the trace headers the server added (Return-Path, Delivered-To, Received).
    const found = new Set<number>();
    let different = 0;
    for (const name of readdirSync(path.join(maildir, "new"))) {
      const text = readFileSync(path.join(maildir, "new", name), "latin1");
      const n = Number(/Subject: soak (\d+)\r\n/.exec(text)?.[1] ?? -1);
      const { stored } = message(n);
      if (n >= 0 && /^Return-Path: <[^>]*>\r\nDelivered-To: [^\r]+\r\nReceived: /.test(text) && text.endsWith(stored) && !found.has(n)) found.add(n);
      else different++;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = await server.stats();
    const result: SmtpSoakResult = {
      sent: messages,
      messagesPerSecond: messages / seconds,
      foundIntact: found.size,
      missingOrDifferent: messages - found.size + different + failures,
      peakRss: after.peakRss,
      ...heapGrowth(before, after),
    };
    printReport(
      [
        "SMTP soak",
        `  messages sent            ${messages} over ${sessions} concurrent sessions`,
        `  messages/s               ${Math.round(result.messagesPerSecond)} (Maildir on ${ramDisk}, no fsync)`,
        `  found intact in Maildir  ${found.size}`,
        `  missing or different     ${result.missingOrDifferent}${result.missingOrDifferent === 0 ? "" : "  <-- MUST BE 0"}`,
      ],
      result,
    );
    return result;
  } finally {
    await server.stop();
    rmSync(maildir, { recursive: true, force: true });
  }
}

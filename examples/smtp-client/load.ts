/**
 * An SMTP load generator on the client:
 *
 *   node examples/dist/smtp-client/load.js --port P [--host H] [--sessions 20]
 *     [--messages 10000] [--size 1024] [--per-message] [--no-pipelining]
 *
 * `--sessions` sessions share `--messages` messages of `--size` bytes. By
 * default each session is reused for its share and pipelines (the envelope
 * and DATA in one write, the end of one message with the next envelope);
 * `--per-message` opens a session for each message instead. Prints one JSON
 * line: `{ messages, failures, seconds, perSecond, cpuSeconds }` (`cpuSeconds`:
 * the generator's own CPU time, user and system, so a benchmark can tell
 * whether it or the server set the pace); exits 1 if any failed.
 */

import { parseArgs } from "node:util";
import { SmtpClient } from "./client";

/** Options of {@link runLoad}. */
export interface LoadOptions {
  port: number;
  host?: string;
  sessions: number;
  messages: number;
  size: number;
  /** A new session for every message instead of reusing each. */
  perMessage?: boolean;
  /** Use PIPELINING when offered. Default true. */
  pipelining?: boolean;
}

/** What one run did. */
export interface LoadResult {
  messages: number;
  failures: number;
  seconds: number;
  perSecond: number;
  /** The generator's own CPU time over the run, user and system, in seconds. */
  cpuSeconds: number;
  /** The first failure's message, if any. */
  firstFailure?: string;
}

/** A message of `size` bytes (headers and 78-byte lines, CRLF), numbered. */
export function loadMessage(size: number, n: number): Buffer {
  const head = `From: load@example.test\r\nTo: sink@example.test\r\nSubject: load ${n}\r\n\r\n`;
  const line = `${"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd"}\r\n`;
  let body = "";
  while (head.length + body.length + line.length <= size) body += line;
  body += `${"x".repeat(Math.max(0, size - head.length - body.length - 2))}\r\n`;
  return Buffer.from(head + body, "latin1");
}

/** Sends the messages and measures how long it took. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const shares = Array.from({ length: options.sessions }, (_, s) => Math.floor(options.messages / options.sessions) + (s < options.messages % options.sessions ? 1 : 0));
  const messages = Array.from({ length: 64 }, (_, n) => loadMessage(options.size, n));
  const connectOptions = { port: options.port, host: options.host, name: "load.test", startTls: "never" as const, pipelining: options.pipelining ?? true };
  let failures = 0;
  let firstFailure: string | undefined;
  const failed = (error: unknown): void => {
    failures++;
    firstFailure ??= error instanceof Error ? error.message : String(error);
  };
  const envelope = (n: number) => ({ from: "load@example.test", to: ["sink@example.test"], message: messages[n % messages.length]! });

  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  await Promise.all(
    shares.map(async (share, s) => {
      if (options.perMessage) {
        for (let i = 0; i < share; i++) {
          try {
            const client = await SmtpClient.connect(connectOptions);
            await client.send(envelope(s + i));
            await client.quit();
          } catch (error) {
            failed(error);
          }
        }
        return;
      }
      let client: SmtpClient;
      try {
        client = await SmtpClient.connect(connectOptions);
      } catch (error) {
        for (let i = 0; i < share; i++) failed(error);
        return;
      }
      // Every message of the share is handed over at once: the client sends them one after another, pipelined.
      await Promise.all(Array.from({ length: share }, (_, i) => client.send(envelope(s + i)).catch(failed)));
      await client.quit().catch(failed);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const sent = options.messages - failures;
  return { messages: sent, failures, seconds, perSecond: sent / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, ...(firstFailure === undefined ? {} : { firstFailure }) };
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      sessions: { type: "string" },
      messages: { type: "string" },
      size: { type: "string" },
      "per-message": { type: "boolean" },
      "no-pipelining": { type: "boolean" },
    },
  });
  if (values.port === undefined) throw new Error("--port is required");
  const result = await runLoad({
    port: positive("port", values.port, 0),
    host: values.host,
    sessions: positive("sessions", values.sessions, 20),
    messages: positive("messages", values.messages, 10_000),
    size: positive("size", values.size, 1024),
    perMessage: values["per-message"] === true,
    pipelining: values["no-pipelining"] !== true,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (result.failures > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`smtp-client load: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
}

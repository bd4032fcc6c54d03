/**
 * Test helpers for the http example: start a server on a free port, talk to
 * it over a raw socket, and parse what comes back into responses.
 */

import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { exampleRoutes } from "../routes";
import { HttpServer, type HttpServerOptions } from "../server";

/** The folder shipped with the example. */
export const PUBLIC = path.join(__dirname, "..", "public");

/** A running example server and its base URL. */
export interface TestServer {
  server: HttpServer;
  port: number;
  url: string;
}

/** Starts the example's routes on 127.0.0.1, a free port. */
export async function startServer(options: HttpServerOptions = {}, root = PUBLIC): Promise<TestServer> {
  const server = new HttpServer(exampleRoutes(root), options);
  const { port } = await server.listen(0, "127.0.0.1");
  return { server, port, url: `http://127.0.0.1:${port}` };
}

/** A temporary folder with files of random bytes, removed by `cleanup`. */
export function makeFiles(files: Record<string, number | string>): { root: string; cleanup: () => void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "http-example-"));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === "number" ? randomBytes(content) : content);
  }
  return { root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function randomBytes(length: number, seed = 12345): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** What a raw exchange got back. */
export interface RawResult {
  /** Every byte the server sent. */
  data: Buffer;
  /** The server closed the connection (within the wait). */
  closed: boolean;
}

/**
 * Connects, writes each piece in turn (waiting `gap` ms between pieces),
 * then collects what the server sends until it closes the connection or
 * `wait` ms pass without it closing.
 */
export function exchange(port: number, pieces: Array<string | Buffer> | string | Buffer, options: { gap?: number; wait?: number } = {}): Promise<RawResult> {
  const list = Array.isArray(pieces) ? pieces : [pieces];
  const wait = options.wait ?? 3000;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(received), closed });
    };
    const timer = setTimeout(() => finish(false), wait);
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A reset after the server closed still counts as closed.
      if (error.code === "ECONNRESET" || error.code === "EPIPE") finish(true);
      else if (!done) reject(error);
    });
    socket.on("connect", async () => {
      for (let i = 0; i < list.length; i++) {
        if (socket.destroyed) return;
        socket.write(list[i]!);
        if (options.gap !== undefined && i < list.length - 1) await new Promise((r) => setTimeout(r, options.gap));
      }
    });
  });
}

/** One parsed response. */
export interface ParsedResponse {
  status: number;
  /** Header fields by lowercased name (repeated ones joined with ", "). */
  headers: Record<string, string>;
  body: Buffer;
  /** The raw head, status line and fields. */
  head: string;
}

/**
 * Parses a byte stream of responses. `heads` gives, for each response in
 * turn, whether it answers a HEAD request (no body whatever the length).
 * Interim 1xx responses are returned too. Throws on a truncated stream.
 */
export function parseResponses(data: Buffer, heads: boolean[] = []): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  let pos = 0;
  let finalIndex = 0;
  while (pos < data.length) {
    const end = data.indexOf("\r\n\r\n", pos);
    if (end < 0) throw new Error(`truncated head at ${pos}: ${JSON.stringify(data.subarray(pos).toString("latin1").slice(0, 200))}`);
    const head = data.toString("latin1", pos, end);
    pos = end + 4;
    const lines = head.split("\r\n");
    const status = Number(lines[0]!.split(" ")[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    let body: Buffer = Buffer.alloc(0);
    if (status >= 200) {
      const isHead = heads[finalIndex++] === true;
      if (!isHead && status !== 204 && status !== 304) {
        if (headers["transfer-encoding"] === "chunked") {
          const parts: Buffer[] = [];
          for (;;) {
            const lineEnd = data.indexOf("\r\n", pos);
            if (lineEnd < 0) throw new Error("truncated chunk size");
            const size = parseInt(data.toString("latin1", pos, lineEnd), 16);
            pos = lineEnd + 2;
            if (size === 0) {
              const trailerEnd = data.indexOf("\r\n", pos);
              pos = trailerEnd + 2;
              break;
            }
            parts.push(data.subarray(pos, pos + size));
            pos += size + 2;
          }
          body = Buffer.concat(parts);
        } else if (headers["content-length"] !== undefined) {
          const length = Number(headers["content-length"]);
          if (pos + length > data.length) throw new Error("truncated body");
          body = data.subarray(pos, pos + length);
          pos += length;
        } else {
          body = data.subarray(pos);
          pos = data.length;
        }
      }
    }
    responses.push({ status, headers, body, head });
  }
  return responses;
}

/** The statuses of the responses in `data`. */
export function statuses(data: Buffer, heads: boolean[] = []): number[] {
  return parseResponses(data, heads).map((r) => r.status);
}

/** `data` with every Date field blanked, for comparing output across a change of second. */
export function withoutDates(data: Buffer): string {
  return data.toString("latin1").replace(/\r\nDate: [^\r]*\r\n/g, "\r\nDate: -\r\n");
}

/** The parts of a multipart/byteranges body: each part's fields and bytes. */
export function parseByteranges(contentType: string, body: Buffer): Array<{ range: string; type: string; data: Buffer }> {
  const boundary = /boundary=([^;\s]+)/.exec(contentType)?.[1];
  if (boundary === undefined) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: Array<{ range: string; type: string; data: Buffer }> = [];
  let pos = body.indexOf(delimiter);
  if (pos !== 0) throw new Error("the body does not start with the first delimiter");
  for (;;) {
    pos += delimiter.length;
    if (body.toString("latin1", pos, pos + 4) === "--\r\n") {
      if (pos + 4 !== body.length) throw new Error("bytes after the closing delimiter");
      return parts;
    }
    const headEnd = body.indexOf("\r\n\r\n", pos);
    const head = body.toString("latin1", pos + 2, headEnd);
    const fields = Object.fromEntries(head.split("\r\n").map((line) => [line.slice(0, line.indexOf(":")).toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]));
    const next = body.indexOf(delimiter, headEnd + 4);
    if (next < 0) throw new Error("unterminated part");
    parts.push({ range: fields["content-range"]!, type: fields["content-type"]!, data: body.subarray(headEnd + 4, next) });
    pos = next;
  }
}

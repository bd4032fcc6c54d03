/**
 * Property: a pipelined batch of requests yields the same responses however
 * its bytes are split, each request gets the answer it should, in order.
 * Checked on an in-memory socket pair (every split reaches the channel as a
 * separate read) and over loopback TCP.
 */

import { createSocketPair } from "@asynchat/core/testing";
import fc from "fast-check";
import { HttpChannel } from "../protocol";
import { exampleRoutes } from "../routes";
import { PUBLIC, type TestServer, exchange, parseResponses, startServer, withoutDates } from "./helpers";

/** One request of a batch and what it must be answered with. */
interface Case {
  bytes: Buffer;
  head: boolean;
  status: number;
  body: Buffer;
}

const HOST = "Host: prop\r\n";

function simple(line: string, status: number, body: string, head = false): Case {
  return { bytes: Buffer.from(`${line}\r\n${HOST}\r\n`), head, status, body: Buffer.from(body) };
}

const caseArb: fc.Arbitrary<Case> = fc.oneof(
  fc.constant(simple("GET / HTTP/1.1", 200, "Hello, World!")),
  fc.constant(simple("HEAD / HTTP/1.1", 200, "", true)),
  fc.constant(simple("GET /missing HTTP/1.1", 404, "404 Not Found\n")),
  fc.constant(simple("DELETE / HTTP/1.1", 405, "405 Method Not Allowed\n")),
  fc.constant(simple("GET /static/hello.txt HTTP/1.1", 200, "Hello from a static file.\n")),
  fc.stringMatching(/^[a-z0-9]{1,12}$/).map((name) => simple(`GET /hello/${name} HTTP/1.1`, 200, `Hello, ${name}!\n`)),
  fc.integer({ min: 0, max: 3 }).map((ms) => simple(`GET /delay?ms=${ms} HTTP/1.1`, 200, `waited ${ms} ms\n`)),
  fc
    .integer({ min: 0, max: 4 })
    .map((n) => simple(`GET /stream?lines=${n} HTTP/1.1`, 200, Array.from({ length: n }, (_, i) => `line ${i + 1}\n`).join(""))),
  fc.uint8Array({ maxLength: 200 }).map((data) => {
    const body = Buffer.from(data);
    const head = Buffer.from(`POST /echo HTTP/1.1\r\n${HOST}Content-Length: ${body.length}\r\n\r\n`);
    return { bytes: Buffer.concat([head, body]), head: false, status: 200, body };
  }),
  fc.tuple(fc.array(fc.uint8Array({ minLength: 1, maxLength: 60 }), { maxLength: 4 }), fc.boolean()).map(([chunks, trailer]) => {
    const parts: Buffer[] = [Buffer.from(`POST /echo HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n`)];
    for (const chunk of chunks) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), Buffer.from(chunk), Buffer.from("\r\n"));
    parts.push(Buffer.from(trailer ? "0\r\nX-Trailer: yes\r\n\r\n" : "0\r\n\r\n"));
    return { bytes: Buffer.concat(parts), head: false, status: 200, body: Buffer.concat(chunks.map((c) => Buffer.from(c))) };
  }),
);

const LAST: Case = {
  bytes: Buffer.from(`GET /hello/end HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`),
  head: false,
  status: 200,
  body: Buffer.from("Hello, end!\n"),
};

/** A batch of requests (the last one closes) and cut points into its bytes. */
const batchArb = fc.array(caseArb, { minLength: 1, maxLength: 8 }).chain((cases) => {
  const all = [...cases, LAST];
  const bytes = Buffer.concat(all.map((c) => c.bytes));
  return fc.record({
    cases: fc.constant(all),
    bytes: fc.constant(bytes),
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }).map((c) => c.sort((a, b) => a - b)),
  });
});

function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const pieces: Buffer[] = [];
  let at = 0;
  for (const cut of cuts) {
    pieces.push(bytes.subarray(at, cut));
    at = cut;
  }
  pieces.push(bytes.subarray(at));
  return pieces;
}

/** Feeds `pieces` to a channel on an in-memory socket pair, one read each; resolves with all it sent once it closed. */
function viaSocketPair(pieces: Buffer[]): Promise<Buffer> {
  const [client, server] = createSocketPair();
  new HttpChannel(server, { router: exampleRoutes(PUBLIC), maxBodySize: 1024 * 1024, headersTimeout: 30_000, drainLimit: 8 * 1024 * 1024, drainTimeout: 5000 });
  const received: Buffer[] = [];
  client.on("data", (chunk: Buffer) => received.push(chunk));
  return new Promise((resolve) => {
    client.on("end", () => resolve(Buffer.concat(received)));
    void (async () => {
      for (const piece of pieces) {
        client.write(piece);
        await new Promise((r) => setImmediate(r));
      }
    })();
  });
}

function checkAnswers(data: Buffer, cases: readonly Case[]): void {
  const responses = parseResponses(
    data,
    cases.map((c) => c.head),
  );
  expect(responses.map((r) => r.status)).toEqual(cases.map((c) => c.status));
  responses.forEach((response, i) => expect(response.body.equals(cases[i]!.body)).toBe(true));
}

describe("a pipelined batch split anywhere", () => {
  it("gets the same, right answers in every split, over an in-memory socket pair", async () => {
    await fc.assert(
      fc.asyncProperty(batchArb, async ({ cases, bytes, cuts }) => {
        const whole = await viaSocketPair([bytes]);
        checkAnswers(whole, cases);
        const pieces = await viaSocketPair(split(bytes, cuts));
        expect(withoutDates(pieces)).toBe(withoutDates(whole));
        const bytewise = await viaSocketPair(split(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)));
        expect(withoutDates(bytewise)).toBe(withoutDates(whole));
      }),
      { numRuns: 60 },
    );
  });

  describe("over loopback TCP", () => {
    let t: TestServer;

    beforeAll(async () => {
      t = await startServer();
    });

    afterAll(async () => {
      await t.server.close();
    });

    it("gets the same, right answers in every split", async () => {
      await fc.assert(
        fc.asyncProperty(batchArb, async ({ cases, bytes, cuts }) => {
          const whole = await exchange(t.port, bytes);
          expect(whole.closed).toBe(true);
          checkAnswers(whole.data, cases);
          const pieces = await exchange(t.port, split(bytes, cuts), { gap: 0 });
          expect(pieces.closed).toBe(true);
          expect(withoutDates(pieces.data)).toBe(withoutDates(whole.data));
        }),
        { numRuns: 25 },
      );
    });
  });
});

/**
 * Static files with validators, conditional requests and ranges, through
 * Node's fetch (undici) and raw sockets: ETag / Last-Modified, 304 and 412,
 * Range as 206 (one range) or multipart/byteranges (several), 416, If-Range,
 * a file path with a final slash, and OPTIONS.
 */

import fc from "fast-check";
import { type TestServer, exchange, makeFiles, parseByteranges, parseResponses, randomBytes, startServer } from "./helpers";

const BIG = 3 * 1024 * 1024 + 5;

describe("static files: validators, conditional requests, ranges", () => {
  let t: TestServer;
  const text = "0123456789abcdefghijklmnopqrstuvwxyz\n";
  const files = makeFiles({ "letters.txt": text, "big.bin": BIG, "empty.txt": "", "docs/index.html": "<p>docs</p>\n" });
  const big = randomBytes(BIG);

  beforeAll(async () => {
    t = await startServer({}, files.root);
  });

  afterAll(async () => {
    await t.server.close();
    files.cleanup();
  });

  async function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<{ status: number; headers: Headers; body: Buffer }> {
    const response = await fetch(`${t.url}${path}`, { method, headers });
    return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
  }

  it("sends ETag, Last-Modified and Accept-Ranges with a file", async () => {
    const r = await get("/static/letters.txt");
    expect(r.status).toBe(200);
    expect(r.headers.get("etag")).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(new Date(r.headers.get("last-modified")!).getTime()).not.toBeNaN();
    expect(r.headers.get("accept-ranges")).toBe("bytes");
    expect(r.body.toString()).toBe(text);
  });

  it("answers If-None-Match with the current tag (or *, or a weak form of it) with 304 and no body", async () => {
    const etag = (await get("/static/letters.txt")).headers.get("etag")!;
    for (const condition of [etag, `"other", ${etag}`, `W/${etag}`, "*"]) {
      const r = await get("/static/letters.txt", { "If-None-Match": condition });
      expect({ condition, status: r.status }).toEqual({ condition, status: 304 });
      expect(r.headers.get("etag")).toBe(etag);
      expect(r.headers.get("content-length")).toBeNull();
      expect(r.body.length).toBe(0);
    }
    expect((await get("/static/letters.txt", { "If-None-Match": '"stale"' })).status).toBe(200);
  });

  it("answers If-Modified-Since at or after Last-Modified with 304, before it with 200; ignores a bad date", async () => {
    const lastModified = (await get("/static/letters.txt")).headers.get("last-modified")!;
    expect((await get("/static/letters.txt", { "If-Modified-Since": lastModified })).status).toBe(304);
    expect((await get("/static/letters.txt", { "If-Modified-Since": new Date(Date.now() + 60_000).toUTCString() })).status).toBe(304);
    const earlier = new Date(new Date(lastModified).getTime() - 1000).toUTCString();
    expect((await get("/static/letters.txt", { "If-Modified-Since": earlier })).status).toBe(200);
    expect((await get("/static/letters.txt", { "If-Modified-Since": "yesterday" })).status).toBe(200);
  });

  it("lets If-None-Match take precedence over If-Modified-Since", async () => {
    const lastModified = (await get("/static/letters.txt")).headers.get("last-modified")!;
    const r = await get("/static/letters.txt", { "If-None-Match": '"stale"', "If-Modified-Since": lastModified });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(text);
  });

  it("answers a failed If-Match or If-Unmodified-Since with 412", async () => {
    const first = await get("/static/letters.txt");
    expect((await get("/static/letters.txt", { "If-Match": '"stale"' })).status).toBe(412);
    expect((await get("/static/letters.txt", { "If-Match": first.headers.get("etag")! })).status).toBe(200);
    expect((await get("/static/letters.txt", { "If-Match": `W/${first.headers.get("etag")!}` })).status).toBe(412);
    expect((await get("/static/letters.txt", { "If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT" })).status).toBe(412);
    expect((await get("/static/letters.txt", { "If-Unmodified-Since": first.headers.get("last-modified")! })).status).toBe(200);
  });

  it("answers one range with 206, Content-Range and exactly those bytes", async () => {
    for (const [range, start, end] of [
      ["bytes=0-9", 0, 9],
      ["bytes=30-", 30, 36],
      ["bytes=-5", 32, 36],
      ["bytes=10-1000", 10, 36],
    ] as const) {
      const r = await get("/static/letters.txt", { Range: range });
      expect({ range, status: r.status }).toEqual({ range, status: 206 });
      expect(r.headers.get("content-range")).toBe(`bytes ${start}-${end}/${text.length}`);
      expect(r.headers.get("content-length")).toBe(String(end - start + 1));
      expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(r.body.toString()).toBe(text.slice(start, end + 1));
    }
  });

  it("answers several ranges with a multipart/byteranges body, one part per range", async () => {
    const r = await get("/static/letters.txt", { Range: "bytes=0-2, 10-12, -3" });
    expect(r.status).toBe(206);
    const type = r.headers.get("content-type")!;
    expect(type).toMatch(/^multipart\/byteranges; boundary=\S+$/);
    expect(r.headers.get("content-range")).toBeNull();
    expect(Number(r.headers.get("content-length"))).toBe(r.body.length);
    expect(parseByteranges(type, r.body)).toEqual([
      { range: `bytes 0-2/${text.length}`, type: "text/plain; charset=utf-8", data: Buffer.from("012") },
      { range: `bytes 10-12/${text.length}`, type: "text/plain; charset=utf-8", data: Buffer.from("abc") },
      { range: `bytes 34-36/${text.length}`, type: "text/plain; charset=utf-8", data: Buffer.from("yz\n") },
    ]);
  });

  it("reads ranges of a large file piece by piece, byte for byte", async () => {
    const r = await get("/static/big.bin", { Range: "bytes=5-200000, 1048576-2621440, -70000" });
    const parts = parseByteranges(r.headers.get("content-type")!, r.body);
    expect(parts.map((p) => p.range)).toEqual([`bytes 5-200000/${BIG}`, `bytes 1048576-2621440/${BIG}`, `bytes ${BIG - 70000}-${BIG - 1}/${BIG}`]);
    expect(parts[0]!.data.equals(big.subarray(5, 200001))).toBe(true);
    expect(parts[1]!.data.equals(big.subarray(1048576, 2621441))).toBe(true);
    expect(parts[2]!.data.equals(big.subarray(BIG - 70000))).toBe(true);
  });

  it("answers a range set no byte of which exists with 416 and Content-Range bytes */length", async () => {
    const r = await get("/static/letters.txt", { Range: "bytes=1000-2000" });
    expect(r.status).toBe(416);
    expect(r.headers.get("content-range")).toBe(`bytes */${text.length}`);
    expect(r.body.toString()).toBe("416 Range Not Satisfiable\n");
  });

  it("sends the whole file for a malformed Range, another unit, a HEAD, an empty file or a stale If-Range", async () => {
    const etag = (await get("/static/letters.txt")).headers.get("etag")!;
    expect((await get("/static/letters.txt", { Range: "bytes=9-1" })).status).toBe(200);
    expect((await get("/static/letters.txt", { Range: "lines=1-2" })).status).toBe(200);
    expect((await get("/static/empty.txt", { Range: "bytes=0-1" })).status).toBe(200);
    const head = await get("/static/letters.txt", { Range: "bytes=0-1" }, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(text.length));
    const stale = await get("/static/letters.txt", { Range: "bytes=0-1", "If-Range": '"stale"' });
    expect(stale.status).toBe(200);
    expect(stale.body.toString()).toBe(text);
    const current = await get("/static/letters.txt", { Range: "bytes=0-1", "If-Range": etag });
    expect(current.status).toBe(206);
    expect(current.body.toString()).toBe("01");
    const lastModified = (await get("/static/letters.txt")).headers.get("last-modified")!;
    expect((await get("/static/letters.txt", { Range: "bytes=0-1", "If-Range": lastModified })).status).toBe(206);
  });

  it("answers 304 before looking at Range", async () => {
    const etag = (await get("/static/letters.txt")).headers.get("etag")!;
    expect((await get("/static/letters.txt", { Range: "bytes=0-1", "If-None-Match": etag })).status).toBe(304);
  });

  it("answers 404 for a file path with a final slash, and still serves a folder's index with one", async () => {
    expect((await get("/static/letters.txt/")).status).toBe(404);
    const folder = await get("/static/docs/");
    expect(folder.status).toBe(200);
    expect(folder.body.toString()).toBe("<p>docs</p>\n");
  });

  it("serves any set of ranges of a file as the bytes it names (random range sets)", async () => {
    const spec = fc.oneof(
      fc.tuple(fc.nat(BIG + 10), fc.nat(300_000)).map(([a, n]) => `${a}-${a + n}`),
      fc.nat(BIG + 10).map((a) => `${a}-`),
      fc.integer({ min: 1, max: 300_000 }).map((n) => `-${n}`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: 1, maxLength: 4 }), async (specs) => {
        const r = await get("/static/big.bin", { Range: `bytes=${specs.join(",")}` });
        if (r.status === 416) {
          expect(r.headers.get("content-range")).toBe(`bytes */${BIG}`);
          return;
        }
        expect(r.status).toBe(206);
        const type = r.headers.get("content-type")!;
        const parts = type.startsWith("multipart/")
          ? parseByteranges(type, r.body)
          : [{ range: r.headers.get("content-range")!, type, data: r.body }];
        for (const part of parts) {
          const [, from, to] = /^bytes (\d+)-(\d+)\/\d+$/.exec(part.range)!;
          expect(part.data.equals(big.subarray(Number(from), Number(to) + 1))).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("OPTIONS", () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer();
  });

  afterAll(async () => {
    await t.server.close();
  });

  it("answers OPTIONS * with 200 and every method the server answers in Allow, no body, and keeps the connection", async () => {
    const { data } = await exchange(t.port, "OPTIONS * HTTP/1.1\r\nHost: test\r\n\r\nGET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    const [options, next] = parseResponses(data);
    expect(options!.status).toBe(200);
    expect(options!.headers.allow).toBe("GET, HEAD, POST, PUT, OPTIONS");
    expect(options!.headers["content-length"]).toBe("0");
    expect(next!.body.toString()).toBe("Hello, World!");
  });

  it("answers OPTIONS on a path with the methods of its routes", async () => {
    const echo = await fetch(`${t.url}/echo`, { method: "OPTIONS" });
    expect(echo.status).toBe(200);
    expect(echo.headers.get("allow")).toBe("POST, PUT, OPTIONS");
    const file = await fetch(`${t.url}/static/hello.txt`, { method: "OPTIONS" });
    expect(file.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect((await fetch(`${t.url}/nowhere`, { method: "OPTIONS" })).status).toBe(404);
  });

  it("still refuses * as the target of another method with 400", async () => {
    const { data } = await exchange(t.port, "GET * HTTP/1.1\r\nHost: test\r\n\r\n");
    expect(parseResponses(data).map((r) => r.status)).toEqual([400]);
  });
});

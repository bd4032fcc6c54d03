/**
 * The http example against Node's own HTTP client, `fetch` (undici).
 */

import { type TestServer, makeFiles, randomBytes, startServer } from "./helpers";

describe("the http example with fetch", () => {
  let t: TestServer;
  const files = makeFiles({ "blob.bin": 3 * 1024 * 1024 + 17, "empty.txt": "", "docs/index.html": "<p>docs</p>\n", ".secret": "hidden" });

  beforeAll(async () => {
    t = await startServer({ maxBodySize: 16 * 1024 * 1024 }, files.root);
  });

  afterAll(async () => {
    await t.server.close();
    files.cleanup();
  });

  it("answers GET / with the hello-world text, its length and a Date", async () => {
    const response = await fetch(`${t.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("content-length")).toBe("13");
    expect(new Date(response.headers.get("date")!).getTime()).not.toBeNaN();
    expect(await response.text()).toBe("Hello, World!");
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const response = await fetch(`${t.url}/`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("13");
    expect(await response.text()).toBe("");
  });

  it("echoes a POST body sent with Content-Length", async () => {
    const response = await fetch(`${t.url}/echo`, { method: "POST", body: "posted text", headers: { "Content-Type": "text/x-test" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/x-test");
    expect(await response.text()).toBe("posted text");
  });

  it("echoes a POST body sent in the chunked transfer coding", async () => {
    const pieces = ["first piece, ", "second piece, ", "and the last"];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece));
        controller.close();
      },
    });
    const response = await fetch(`${t.url}/echo`, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(pieces.join(""));
  });

  it("echoes a large body byte for byte, with Content-Length and chunked", async () => {
    const data = randomBytes(5 * 1024 * 1024 + 3, 7);
    const plain = await fetch(`${t.url}/echo`, { method: "PUT", body: data });
    expect(Buffer.from(await plain.arrayBuffer()).equals(data)).toBe(true);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < data.length; at += 100_000) controller.enqueue(data.subarray(at, at + 100_000));
        controller.close();
      },
    });
    const chunked = await fetch(`${t.url}/echo`, { method: "POST", body: streamed, duplex: "half" } as RequestInit);
    expect(Buffer.from(await chunked.arrayBuffer()).equals(data)).toBe(true);
  });

  it("reuses one keep-alive connection for requests made one after another", async () => {
    await (await fetch(`${t.url}/hello/first`)).text();
    const open = new Set(t.server.connections);
    expect(open.size).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${t.url}/hello/n${i}`);
      expect(await response.text()).toBe(`Hello, n${i}!\n`);
    }
    // No new connection was accepted: every one open now was open before.
    expect([...t.server.connections].every((channel) => open.has(channel))).toBe(true);
    expect(t.server.connections.size).toBeGreaterThanOrEqual(1);
  });

  it("serves a static file byte for byte with its length and type", async () => {
    const response = await fetch(`${t.url}/static/blob.bin`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(3 * 1024 * 1024 + 17));
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(Buffer.from(await response.arrayBuffer()).equals(randomBytes(3 * 1024 * 1024 + 17))).toBe(true);
  });

  it("serves an empty file, a directory's index, and the length of a file to HEAD", async () => {
    const empty = await fetch(`${t.url}/static/empty.txt`);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe("");
    const index = await fetch(`${t.url}/static/docs/`);
    expect(await index.text()).toBe("<p>docs</p>\n");
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const head = await fetch(`${t.url}/static/blob.bin`, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(3 * 1024 * 1024 + 17));
    expect(await head.text()).toBe("");
  });

  it("redirects a directory asked for without its slash", async () => {
    const response = await fetch(`${t.url}/static/docs`, { redirect: "manual" });
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe("/static/docs/");
  });

  it("answers 404 for missing files, hidden files and paths that climb out of the folder", async () => {
    for (const p of ["/static/missing.txt", "/static/.secret", "/static/..%2f..%2fetc%2fpasswd", "/static/docs/..%2f..%2fhelpers.ts"]) {
      const response = await fetch(`${t.url}${p}`);
      expect({ p, status: response.status }).toEqual({ p, status: 404 });
      await response.arrayBuffer();
    }
  });

  it("answers 404 for an unknown path and 405 with Allow for a known path with another method", async () => {
    const missing = await fetch(`${t.url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("404 Not Found\n");
    const wrong = await fetch(`${t.url}/`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    await wrong.arrayBuffer();
  });

  it("streams a body of unknown length in the chunked transfer coding", async () => {
    const response = await fetch(`${t.url}/stream?lines=500`);
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.headers.get("content-length")).toBeNull();
    const expected = Array.from({ length: 500 }, (_, i) => `line ${i + 1}\n`).join("");
    expect(await response.text()).toBe(expected);
  });

  it("waits for an async handler and answers concurrent requests each on its own connection", async () => {
    const answers = await Promise.all([50, 10, 30].map(async (ms) => (await fetch(`${t.url}/delay?ms=${ms}`)).text()));
    expect(answers).toEqual(["waited 50 ms\n", "waited 10 ms\n", "waited 30 ms\n"]);
  });

  it("shows the request's header fields, names lowercased", async () => {
    const response = await fetch(`${t.url}/headers`, { headers: { "X-Custom-Thing": "value  with  spaces" } });
    const headers = (await response.json()) as Record<string, string>;
    expect(headers["x-custom-thing"]).toBe("value  with  spaces");
    expect(headers.host).toBe(`127.0.0.1:${t.port}`);
  });
});

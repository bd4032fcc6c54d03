/**
 * Compressed static files: the coding chosen from Accept-Encoding (q-values
 * included), Vary, an ETag per coding, never for ranges, HEAD, HTTP/1.0;
 * checked by decompressing with node:zlib, through fetch (which decodes by
 * itself) and over raw sockets.
 */

import * as zlib from "node:zlib";
import { negotiateEncoding } from "../content-coding";
import { type TestServer, exchange, makeFiles, parseResponses, startServer } from "./helpers";

describe("negotiateEncoding", () => {
  it.each([
    [undefined, null],
    ["", null],
    ["gzip", "gzip"],
    ["x-gzip", "gzip"],
    ["deflate", "deflate"],
    ["br", "br"],
    ["gzip, deflate, br", "br"],
    ["gzip;q=1.0, br;q=0.5", "gzip"],
    ["gzip;q=0.5, deflate;q=0.8", "deflate"],
    ["br;q=0, gzip", "gzip"],
    ["*", "br"],
    ["*;q=0.5, gzip;q=0.6", "gzip"],
    ["*;q=0", null],
    ["gzip;q=0", null],
    ["identity", null],
    ["identity;q=1, gzip;q=0.5", null],
    ["compress, zstd", null],
    ["GZIP ; Q=0.9", "gzip"],
    ["gzip;q=2, deflate", "deflate"],
    ["gzip;q=abc", null],
  ])("for Accept-Encoding %j chooses %j", (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});

describe("compressed static files", () => {
  let t: TestServer;
  const page = `<html><body>${"<p>asynchat compresses this line of text.</p>\n".repeat(500)}</body></html>\n`;
  const files = makeFiles({ "page.html": page, "small.txt": "short\n", "data.bin": 50_000 });

  beforeAll(async () => {
    t = await startServer({}, files.root);
  });

  afterAll(async () => {
    await t.server.close();
    files.cleanup();
  });

  async function raw(request: string, heads: boolean[] = []): Promise<ReturnType<typeof parseResponses>> {
    const { data } = await exchange(t.port, request);
    return parseResponses(data, heads);
  }

  const get = (path: string, fields = ""): string => `GET ${path} HTTP/1.1\r\nHost: test\r\n${fields}Connection: close\r\n\r\n`;

  it.each([
    ["br", zlib.brotliDecompressSync],
    ["gzip", zlib.gunzipSync],
    ["deflate", zlib.inflateSync],
  ] as const)("sends %s, chunked, with Vary and its own ETag, that decompresses to the file", async (coding, decompress) => {
    const [response] = await raw(get("/static/page.html", `Accept-Encoding: ${coding}\r\n`));
    expect(response!.status).toBe(200);
    expect(response!.headers["content-encoding"]).toBe(coding);
    expect(response!.headers["transfer-encoding"]).toBe("chunked");
    expect(response!.headers["content-length"]).toBeUndefined();
    expect(response!.headers.vary).toBe("Accept-Encoding");
    expect(response!.headers.etag).toMatch(new RegExp(`-${coding}"$`));
    expect(response!.body.length).toBeLessThan(page.length / 5);
    expect(decompress(response!.body).toString()).toBe(page);
  });

  it("follows the client's q-values", async () => {
    const [response] = await raw(get("/static/page.html", "Accept-Encoding: br;q=0.1, gzip;q=0.9, deflate;q=0.5\r\n"));
    expect(response!.headers["content-encoding"]).toBe("gzip");
    expect(zlib.gunzipSync(response!.body).toString()).toBe(page);
  });

  it("sends the file as it is without Accept-Encoding, or when nothing offered is acceptable, still with Vary", async () => {
    for (const fields of ["", "Accept-Encoding: identity\r\n", "Accept-Encoding: *;q=0\r\n", "Accept-Encoding: zstd\r\n"]) {
      const [response] = await raw(get("/static/page.html", fields));
      expect({ fields, encoding: response!.headers["content-encoding"] }).toEqual({ fields, encoding: undefined });
      expect(response!.headers["content-length"]).toBe(String(page.length));
      expect(response!.headers.vary).toBe("Accept-Encoding");
      expect(response!.body.toString()).toBe(page);
    }
  });

  it("does not compress small files (but says Vary) nor binary ones (no Vary)", async () => {
    const [small] = await raw(get("/static/small.txt", "Accept-Encoding: gzip\r\n"));
    expect(small!.headers["content-encoding"]).toBeUndefined();
    expect(small!.headers.vary).toBe("Accept-Encoding");
    const [binary] = await raw(get("/static/data.bin", "Accept-Encoding: gzip\r\n"));
    expect(binary!.headers["content-encoding"]).toBeUndefined();
    expect(binary!.headers.vary).toBeUndefined();
    expect(binary!.headers["content-length"]).toBe("50000");
  });

  it("never compresses a range: 206 of the bytes as they are", async () => {
    const [response] = await raw(get("/static/page.html", "Accept-Encoding: gzip, br\r\nRange: bytes=0-11\r\n"));
    expect(response!.status).toBe(206);
    expect(response!.headers["content-encoding"]).toBeUndefined();
    expect(response!.headers.vary).toBe("Accept-Encoding");
    expect(response!.body.toString()).toBe(page.slice(0, 12));
  });

  it("answers If-None-Match with the ETag of the compressed representation with 304, and not the other coding's", async () => {
    const [first] = await raw(get("/static/page.html", "Accept-Encoding: gzip\r\n"));
    const etag = first!.headers.etag!;
    const [again] = await raw(get("/static/page.html", `Accept-Encoding: gzip\r\nIf-None-Match: ${etag}\r\n`));
    expect(again!.status).toBe(304);
    expect(again!.headers.etag).toBe(etag);
    expect(again!.headers.vary).toBe("Accept-Encoding");
    const [other] = await raw(get("/static/page.html", `Accept-Encoding: br\r\nIf-None-Match: ${etag}\r\n`));
    expect(other!.status).toBe(200);
    expect(other!.headers["content-encoding"]).toBe("br");
  });

  it("answers HEAD with the fields GET would get (Content-Encoding, chunked) and no body", async () => {
    const [head, next] = await raw(`HEAD /static/page.html HTTP/1.1\r\nHost: test\r\nAccept-Encoding: gzip\r\n\r\n${get("/")}`, [true]);
    expect(head!.headers["content-encoding"]).toBe("gzip");
    expect(head!.headers["transfer-encoding"]).toBe("chunked");
    expect(head!.body.length).toBe(0);
    expect(next!.body.toString()).toBe("Hello, World!");
  });

  it("sends a compressed body to an HTTP/1.0 client up to the close of the connection", async () => {
    const { data, closed } = await exchange(t.port, "GET /static/page.html HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n");
    const [response] = parseResponses(data);
    expect(response!.headers["content-encoding"]).toBe("gzip");
    expect(response!.headers.connection).toBe("close");
    expect(closed).toBe(true);
    expect(zlib.gunzipSync(response!.body).toString()).toBe(page);
  });

  it("is decoded by fetch, which asks for it by itself", async () => {
    const response = await fetch(`${t.url}/static/page.html`);
    expect(response.headers.get("content-encoding")).toMatch(/^(gzip|br|deflate)$/);
    expect(await response.text()).toBe(page);
  });
});

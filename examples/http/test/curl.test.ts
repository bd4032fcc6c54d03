/**
 * The http example against the `curl` command-line client.
 */

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeWithPeers } from "../../../test-support/peers";
import { type TestServer, makeFiles, parseByteranges, randomBytes, startServer } from "./helpers";

interface CurlResult {
  stdout: Buffer;
  /** curl's verbose trace (`-v`): `>` lines sent, `<` lines received, `*` notes. */
  stderr: string;
}

function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["--silent", "--show-error", "--max-time", "20", ...args], { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`curl ${args.join(" ")} failed: ${error.message}\n${stderr.toString()}`));
      else resolve({ stdout, stderr: stderr.toString() });
    });
  });
}

describeWithPeers("curl", "the http example with curl", () => {
  let t: TestServer;
  const files = makeFiles({ "upload.bin": 200_000, "page.html": "<h1>curl</h1>\n" });

  beforeAll(async () => {
    t = await startServer({}, files.root);
  });

  afterAll(async () => {
    await t.server.close();
    files.cleanup();
  });

  it("gets the hello-world page", async () => {
    const { stdout, stderr } = await curl(["-v", `${t.url}/`]);
    expect(stdout.toString()).toBe("Hello, World!");
    expect(stderr).toMatch(/< HTTP\/1\.1 200 OK/);
    expect(stderr).toMatch(/< Content-Length: 13/);
  });

  it("posts a binary file with --data-binary and gets it back unchanged", async () => {
    const file = path.join(files.root, "upload.bin");
    const { stdout } = await curl(["--data-binary", `@${file}`, "-H", "Content-Type: application/octet-stream", `${t.url}/echo`]);
    expect(stdout.equals(fs.readFileSync(file))).toBe(true);
  });

  it("sends 100 Continue before the body when the client expects it", async () => {
    const file = path.join(files.root, "upload.bin");
    const { stdout, stderr } = await curl(["-v", "-H", "Expect: 100-continue", "--data-binary", `@${file}`, `${t.url}/echo`]);
    expect(stderr).toMatch(/< HTTP\/1\.1 100 Continue/);
    expect(stderr).toMatch(/< HTTP\/1\.1 200 OK/);
    expect(stdout.equals(randomBytes(200_000))).toBe(true);
  });

  it("answers an HTTP/1.0 request and closes the connection after it", async () => {
    const { stdout, stderr } = await curl(["-v", "-0", `${t.url}/hello/curl`]);
    expect(stdout.toString()).toBe("Hello, curl!\n");
    expect(stderr).toMatch(/> GET \/hello\/curl HTTP\/1\.0/);
    expect(stderr).toMatch(/< HTTP\/1\.1 200 OK/);
    expect(stderr).toMatch(/< Connection: close/);
  });

  it("keeps an HTTP/1.0 connection open when the client asks for keep-alive", async () => {
    const { stdout, stderr } = await curl(["-v", "-0", "-H", "Connection: keep-alive", `${t.url}/`, `${t.url}/hello/again`]);
    expect(stdout.toString()).toBe("Hello, World!Hello, again!\n");
    expect(stderr).toMatch(/< Connection: keep-alive/);
    expect(stderr).toMatch(/Re-using existing connection|Reusing existing/);
  });

  it("reuses one connection for several URLs on one command line", async () => {
    const { stdout, stderr } = await curl(["-v", `${t.url}/`, `${t.url}/static/page.html`, `${t.url}/stream?lines=2`]);
    expect(stdout.toString()).toBe("Hello, World!<h1>curl</h1>\nline 1\nline 2\n");
    expect(stderr).toMatch(/Re-using existing connection|Reusing existing/);
  });

  it("answers HEAD (curl -I) without a body", async () => {
    const { stdout } = await curl(["-I", `${t.url}/static/page.html`]);
    const text = stdout.toString();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nContent-Length: 14\r\n/);
    expect(text).toMatch(/\r\nContent-Type: text\/html; charset=utf-8\r\n/);
    expect(text.endsWith("\r\n\r\n")).toBe(true);
  });

  it("accepts a chunked upload from curl", async () => {
    const { stdout, stderr } = await curl(["-v", "-H", "Transfer-Encoding: chunked", "--data-binary", "chunked from curl", `${t.url}/echo`]);
    expect(stderr).toMatch(/> Transfer-Encoding: chunked/);
    expect(stdout.toString()).toBe("chunked from curl");
  });
});

describeWithPeers("curl", "static files with curl: ranges, conditional requests, OPTIONS", () => {
  let t: TestServer;
  const letters = "0123456789abcdefghijklmnopqrstuvwxyz\n";
  const files = makeFiles({ "letters.txt": letters });

  beforeAll(async () => {
    t = await startServer({}, files.root);
  });

  afterAll(async () => {
    await t.server.close();
    files.cleanup();
  });

  /** The value of a response field in curl's `-v` trace. */
  function field(stderr: string, name: string): string | undefined {
    return new RegExp(`^< ${name}: ([^\\r\\n]*)`, "im").exec(stderr)?.[1];
  }

  it("gets one range with -r: 206 and those bytes", async () => {
    const { stdout, stderr } = await curl(["-v", "-r", "10-15", `${t.url}/static/letters.txt`]);
    expect(stderr).toMatch(/< HTTP\/1\.1 206 Partial Content/);
    expect(field(stderr, "Content-Range")).toBe(`bytes 10-15/${letters.length}`);
    expect(stdout.toString()).toBe("abcdef");
  });

  it("gets several ranges with -r as multipart/byteranges", async () => {
    const { stdout, stderr } = await curl(["-v", "-r", "0-1,-2", `${t.url}/static/letters.txt`]);
    const parts = parseByteranges(field(stderr, "Content-Type")!, stdout);
    expect(parts.map((p) => [p.range, p.data.toString()])).toEqual([
      [`bytes 0-1/${letters.length}`, "01"],
      [`bytes 35-36/${letters.length}`, "z\n"],
    ]);
  });

  it("gets 416 with Content-Range bytes */length for a range past the end", async () => {
    const { stderr } = await curl(["-v", "-r", "100-200", `${t.url}/static/letters.txt`]);
    expect(stderr).toMatch(/< HTTP\/1\.1 416 Range Not Satisfiable/);
    expect(field(stderr, "Content-Range")).toBe(`bytes */${letters.length}`);
  });

  it("gets 304 for -z (If-Modified-Since) with the file's date, and for --etag-compare with its saved ETag", async () => {
    const first = await curl(["-v", "-o", "/dev/null", `${t.url}/static/letters.txt`]);
    const lastModified = field(first.stderr, "Last-Modified")!;
    const byDate = await curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-z", lastModified, `${t.url}/static/letters.txt`]);
    expect(byDate.stdout.toString()).toBe("304");
    const etagFile = path.join(files.root, "etag.txt");
    await curl(["-o", "/dev/null", "--etag-save", etagFile, `${t.url}/static/letters.txt`]);
    expect(fs.readFileSync(etagFile, "utf8").trim()).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    const byTag = await curl(["-v", "-o", "/dev/null", "-w", "%{http_code}", "--etag-compare", etagFile, `${t.url}/static/letters.txt`]);
    expect(byTag.stderr).toMatch(/> If-None-Match: "/);
    expect(byTag.stdout.toString()).toBe("304");
  });

  it("gets 404 for a file path with a final slash", async () => {
    const { stdout } = await curl(["-s", "-o", "/dev/null", "-w", "%{http_code}", `${t.url}/static/letters.txt/`]);
    expect(stdout.toString()).toBe("404");
  });

  it("gets a compressed page with --compressed and decodes it to the file", async () => {
    const page = "<p>curl decodes what the server compressed.</p>\n".repeat(200);
    fs.writeFileSync(path.join(files.root, "page.html"), page);
    const { stdout, stderr } = await curl(["-v", "--compressed", `${t.url}/static/page.html`]);
    expect(stderr).toMatch(/> Accept-Encoding: .*gzip/);
    expect(field(stderr, "Content-Encoding")).toMatch(/^(br|gzip|deflate)$/);
    expect(field(stderr, "Vary")).toBe("Accept-Encoding");
    expect(stdout.toString()).toBe(page);
  });

  it("gets 200 and Allow for OPTIONS * (--request-target)", async () => {
    const { stdout, stderr } = await curl(["-v", "-X", "OPTIONS", "--request-target", "*", `${t.url}/`]);
    expect(stderr).toMatch(/> OPTIONS \* HTTP\/1\.1/);
    expect(stderr).toMatch(/< HTTP\/1\.1 200 OK/);
    expect(field(stderr, "Allow")).toBe("GET, HEAD, POST, PUT, OPTIONS");
    expect(stdout.length).toBe(0);
  });
});

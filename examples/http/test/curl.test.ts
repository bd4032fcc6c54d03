/**
 * The http example against the `curl` command-line client.
 */

import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describeWithPeers } from "../../../test-support/peers";
import { type TestServer, makeFiles, randomBytes, startServer } from "./helpers";

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

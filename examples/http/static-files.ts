/**
 * Serving a folder: a route handler that answers GET and HEAD with the
 * files under a root directory: finding the file safely (inside the root,
 * no hidden files, folders and their index). The answer itself (validators,
 * ranges, compression, a `FileProducer` read only as the socket has room)
 * is `fileResponse`'s.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import { fileResponse } from "./file-response";
import type { HttpRequest } from "./request";
import { type HttpResponse, text } from "./response";
import type { RouteHandler } from "./router";

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
};

/** Options of {@link serveStatic}. */
export interface StaticOptions {
  /** The file served for a directory. Default `index.html`. */
  index?: string;
  /** Bytes read from the file at a time (the size of each piece queued). Default 64 KiB. */
  readSize?: number;
  /**
   * Compress text files (text/*, JSON, JavaScript, XML, SVG, wasm) of at
   * least 512 bytes with gzip, deflate or br when the client's
   * `Accept-Encoding` accepts one (never a range). Default true.
   */
  compress?: boolean;
}

const NOT_FOUND = text(404, "404 Not Found\n");

/**
 * A handler serving the files under `root` for a route ending in `*`
 * (`router.get("/static/*", serveStatic(dir))`): the rest of the path,
 * percent-decoded, names the file. Paths that leave the root (`..`,
 * symbolic links pointing outside it) and hidden files (a segment starting
 * with `.`) are 404, as is a file asked for with a final slash; a directory
 * serves its index file, and a directory asked for without its final slash
 * is redirected (301) to it.
 *
 * Each file answer carries `ETag` (size and modification time),
 * `Last-Modified` and `Accept-Ranges: bytes`. Conditional requests are
 * evaluated as RFC 9110 §13.2.2 says (`If-None-Match` / `If-Modified-Since`
 * give 304, `If-Match` / `If-Unmodified-Since` 412), then a GET's `Range`
 * (subject to `If-Range`): one range is a 206 with `Content-Range`, several
 * a 206 `multipart/byteranges`, none satisfiable a 416 with
 * `Content-Range: bytes *\/<size>`; a malformed `Range` is ignored.
 */
export function serveStatic(root: string, options: StaticOptions = {}): RouteHandler {
  const index = options.index ?? "index.html";
  const readSize = options.readSize ?? 64 * 1024;
  const compress = options.compress ?? true;
  const absoluteRoot = path.resolve(root);
  let realRoot: Promise<string> | null = null;

  return async (request: HttpRequest): Promise<HttpResponse> => {
    const rest = request.params["*"] ?? "";
    if (rest.includes("\0") || rest.split("/").some((segment) => segment.startsWith("."))) return NOT_FOUND;
    realRoot ??= fs.promises.realpath(absoluteRoot);
    const base = await realRoot;
    let file = path.resolve(base, `.${path.posix.sep}${rest}`);
    let real: string;
    try {
      real = await fs.promises.realpath(file);
    } catch {
      return NOT_FOUND;
    }
    if (real !== base && !real.startsWith(base + path.sep)) return NOT_FOUND;
    let handle = await openFile(real);
    if (handle === null) return NOT_FOUND;
    let stat = await handle.stat();
    const folder = stat.isDirectory();
    if (folder) {
      await handle.close();
      if (!request.path.endsWith("/")) {
        return { status: 301, headers: { Location: `${request.path}/${request.query ? `?${request.query}` : ""}` }, body: "" };
      }
      file = path.join(real, index);
      handle = await openFile(file);
      if (handle === null) return NOT_FOUND;
      stat = await handle.stat();
    }
    // A file is not a folder: "/static/hello.txt/" names nothing.
    if (!stat.isFile() || (!folder && request.path.endsWith("/"))) {
      await handle.close();
      return NOT_FOUND;
    }
    const contentType = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
    return fileResponse(request, handle, stat, contentType, { readSize, compress });
  };
}

async function openFile(file: string): Promise<fs.promises.FileHandle | null> {
  try {
    return await fs.promises.open(file, "r");
  } catch {
    return null;
  }
}

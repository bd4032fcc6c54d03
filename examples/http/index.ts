/**
 * Entry point of the http example for `npm start` / `npm run example -- http`.
 * Its flags are declared in flags.ts (`--root DIR` serves another folder
 * under `/static/`) and read here.
 */

import { existsSync } from "node:fs";
import * as path from "node:path";
import type { ExampleOptions, RunningExample } from "../registry";
import { exampleRoutes } from "./routes";
import { HttpServer } from "./server";

export { HttpChannel } from "./protocol";
export { HttpRequest } from "./request";
export { PreparedResponse, json, text, type HttpBody, type HttpHeaders, type HttpResponse } from "./response";
export { Router, type RouteHandler, type RouteResult } from "./router";
export { HttpServer, type HttpServerOptions } from "./server";
export { serveStatic, type StaticOptions } from "./static-files";

/**
 * The folder shipped with the example: beside this file when run from the
 * sources, two levels up from the compiled file in `examples/dist/http`.
 */
export function defaultStaticRoot(): string {
  const beside = path.join(__dirname, "public");
  return existsSync(beside) ? beside : path.join(__dirname, "..", "..", "http", "public");
}

/** Starts the http example server; resolves once it listens. */
export async function start(options: ExampleOptions): Promise<RunningExample> {
  const root = options.flags.root ?? defaultStaticRoot();
  const server = new HttpServer(exampleRoutes(root), { maxConnections: options.maxConnections }, options.deployment);
  await server.listen(options.port, options.host);
  return {
    get address() {
      return server.address;
    },
    stopListening: () => server.stopListening(),
    close: () => server.close(),
  };
}

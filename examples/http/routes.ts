/**
 * The example's routes: a hello world (the one the benchmark hits), a route
 * parameter, an echo of the request body, a streamed chunked body, an async
 * handler, and a folder of static files.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type { HttpRequest } from "./request";
import { type HttpResponse, PreparedResponse, json, text } from "./response";
import { Router } from "./router";
import { serveStatic } from "./static-files";

/** The hello-world response, prepared once: sent as one cached buffer. */
export const HELLO = new PreparedResponse(200, { "Content-Type": "text/plain; charset=utf-8" }, "Hello, World!");

/** Most lines `/stream` sends. */
const MAX_LINES = 10_000;
/** Longest wait `/delay` accepts, in milliseconds. */
const MAX_DELAY = 10_000;

/** A small non-negative integer from the query, or `fallback`. */
function intParam(request: HttpRequest, name: string, fallback: number, max: number): number {
  const raw = request.searchParams.get(name);
  const value = raw === null ? fallback : Number(raw);
  return Number.isInteger(value) && value >= 0 ? Math.min(value, max) : fallback;
}

async function* numberedLines(count: number): AsyncGenerator<string> {
  for (let i = 1; i <= count; i++) {
    yield `line ${i}\n`;
    // Let other connections in between pieces, as a real data source would.
    if (i % 100 === 0) await sleep(0);
  }
}

/**
 * The example application:
 *
 * - `GET /`: `Hello, World!`
 * - `GET /hello/:name`: a greeting for the percent-decoded name
 * - `POST /echo` (and `PUT`): the request body back, with its Content-Type
 * - `GET /stream?lines=N`: N numbered lines, streamed in the chunked transfer coding
 * - `GET /delay?ms=N`: answers after N ms (an async handler)
 * - `GET /headers`: the request's header fields as JSON
 * - `GET /static/*`: the files of `staticRoot`
 */
export function exampleRoutes(staticRoot: string): Router {
  const echo = (request: HttpRequest): HttpResponse => ({
    status: 200,
    headers: { "Content-Type": request.header("content-type") ?? "application/octet-stream" },
    body: request.body,
  });
  return new Router()
    .get("/", () => HELLO)
    .get("/hello/:name", (request) => text(200, `Hello, ${request.params.name}!\n`))
    .post("/echo", echo)
    .put("/echo", echo)
    .get("/stream", (request) => ({
      status: 200,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
      body: numberedLines(intParam(request, "lines", 10, MAX_LINES)),
    }))
    .get("/delay", async (request) => {
      const ms = intParam(request, "ms", 100, MAX_DELAY);
      await sleep(ms);
      return text(200, `waited ${ms} ms\n`);
    })
    .get("/headers", (request) => json(200, request.headers))
    .get("/static/*", serveStatic(staticRoot));
}

/**
 * A small router: method + path pattern → handler. Exact paths are found
 * with one map lookup; patterns with `:name` segments and a trailing `*`
 * are tried in the order they were added.
 */

import type { HttpRequest } from "./request";
import type { HttpResponse, PreparedResponse } from "./response";

/** What a handler answers with: a response object, or a prepared constant response. */
export type RouteResult = HttpResponse | PreparedResponse;

/**
 * Answers one request. It may be async: the connection waits for it, and
 * responses always go out in the order the requests came in. A handler that
 * throws (or rejects) gets a 500 response.
 */
export type RouteHandler = (request: HttpRequest) => RouteResult | Promise<RouteResult>;

/** A route whose pattern has parameters. */
interface PatternRoute {
  readonly pattern: string;
  /** Literal segments as they are, parameters as `:name`. */
  readonly segments: readonly string[];
  /** The pattern ends in `*`, which captures the rest of the path. */
  readonly rest: boolean;
  readonly methods: Map<string, RouteHandler>;
}

/** {@link Router.find}: no route has this path. */
export const NOT_FOUND = 404;
/** {@link Router.find}: a route has this path, not for this method. */
export const METHOD_NOT_ALLOWED = 405;
/** {@link Router.find}: a parameter is not valid percent-encoding. */
export const BAD_PATH = 400;

/** The order methods are listed in an `Allow` field; others follow, sorted. */
const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** The methods of some routes as an `Allow` list: HEAD wherever GET is, and OPTIONS (answered by the router itself). */
function allowList(methods: Iterable<string>): string[] {
  const names = new Set(methods);
  if (names.has("GET")) names.add("HEAD");
  names.add("OPTIONS");
  const known = METHOD_ORDER.filter((m) => names.has(m));
  const others = [...names].filter((m) => !METHOD_ORDER.includes(m)).sort();
  return [...known, ...others];
}

/** A handler answering OPTIONS with 200, the `Allow` field and no body (RFC 9110 §9.3.7). */
function optionsHandler(allow: readonly string[]): RouteHandler {
  const response: HttpResponse = { status: 200, headers: { Allow: allow.join(", ") }, body: "" };
  return () => response;
}

function decode(segment: string): string | null {
  if (segment.indexOf("%") < 0) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Routes requests to handlers.
 *
 * ```ts
 * const router = new Router()
 *   .get("/", () => hello)
 *   .get("/hello/:name", (req) => text(200, `Hello, ${req.params.name}!`))
 *   .get("/static/*", serveStatic("./public"));
 * ```
 */
export class Router {
  readonly #exact = new Map<string, Map<string, RouteHandler>>();
  readonly #patterns: PatternRoute[] = [];

  /**
   * Adds a route. `pattern` starts with `/`; a segment `:name` matches one
   * non-empty segment (captured, percent-decoded, in `request.params.name`);
   * a last segment `*` matches the rest of the path (in `params["*"]`,
   * possibly empty). A GET route answers HEAD too, unless HEAD has its own.
   * Adding the same method and pattern twice replaces the handler.
   */
  route(method: string, pattern: string, handler: RouteHandler): this {
    if (typeof pattern !== "string" || !pattern.startsWith("/")) throw new TypeError(`A route pattern starts with "/", got ${JSON.stringify(pattern)}`);
    if (typeof handler !== "function") throw new TypeError(`The handler of ${method} ${pattern} must be a function`);
    const segments = pattern.split("/").slice(1);
    const rest = segments[segments.length - 1] === "*";
    if (rest) segments.pop();
    if (segments.includes("*")) throw new TypeError(`"*" may only end a route pattern: ${pattern}`);
    if (!rest && !segments.some((s) => s.startsWith(":"))) {
      let methods = this.#exact.get(pattern);
      if (methods === undefined) this.#exact.set(pattern, (methods = new Map()));
      methods.set(method, handler);
      return this;
    }
    let route = this.#patterns.find((r) => r.pattern === pattern);
    if (route === undefined) {
      route = { pattern, segments, rest, methods: new Map() };
      this.#patterns.push(route);
    }
    route.methods.set(method, handler);
    return this;
  }

  /** Adds a GET route (which answers HEAD too). */
  get(pattern: string, handler: RouteHandler): this {
    return this.route("GET", pattern, handler);
  }

  /** Adds a HEAD route (only needed when HEAD must differ from GET). */
  head(pattern: string, handler: RouteHandler): this {
    return this.route("HEAD", pattern, handler);
  }

  /** Adds a POST route. */
  post(pattern: string, handler: RouteHandler): this {
    return this.route("POST", pattern, handler);
  }

  /** Adds a PUT route. */
  put(pattern: string, handler: RouteHandler): this {
    return this.route("PUT", pattern, handler);
  }

  /** Adds a PATCH route. */
  patch(pattern: string, handler: RouteHandler): this {
    return this.route("PATCH", pattern, handler);
  }

  /** Adds a DELETE route. */
  delete(pattern: string, handler: RouteHandler): this {
    return this.route("DELETE", pattern, handler);
  }

  /**
   * The handler for `request`, with `request.params` set; or
   * {@link NOT_FOUND}, {@link METHOD_NOT_ALLOWED} or {@link BAD_PATH}.
   * OPTIONS is answered by the router unless a route has its own handler:
   * `OPTIONS *` with every method the server answers, `OPTIONS /path` with
   * the methods of that path, both 200 with `Allow`.
   */
  find(request: HttpRequest): RouteHandler | number {
    if (request.path === "*") return optionsHandler(this.#allMethods());
    const exact = this.#exact.get(request.path);
    if (exact !== undefined) return pick(exact, request.method);
    if (this.#patterns.length === 0) return NOT_FOUND;
    const parts = request.path.split("/");
    for (const route of this.#patterns) {
      const params = match(route, parts);
      if (params === undefined) continue;
      if (params === null) return BAD_PATH;
      const handler = pick(route.methods, request.method);
      if (typeof handler === "function") request.params = params;
      return handler;
    }
    return NOT_FOUND;
  }

  /** The methods the routes of `path` answer, OPTIONS included (for the Allow field of a 405), or an empty list. */
  allowed(path: string): string[] {
    let methods = this.#exact.get(path);
    if (methods === undefined) {
      const parts = path.split("/");
      methods = this.#patterns.find((route) => match(route, parts) !== undefined)?.methods;
    }
    if (methods === undefined) return [];
    return allowList(methods.keys());
  }

  /** Every method some route answers, as an `Allow` list (for `OPTIONS *`). */
  #allMethods(): string[] {
    const names: string[] = [];
    for (const methods of this.#exact.values()) names.push(...methods.keys());
    for (const route of this.#patterns) names.push(...route.methods.keys());
    return allowList(names);
  }
}

function pick(methods: Map<string, RouteHandler>, method: string): RouteHandler | number {
  const handler = methods.get(method) ?? (method === "HEAD" ? methods.get("GET") : undefined);
  if (handler !== undefined) return handler;
  return method === "OPTIONS" ? optionsHandler(allowList(methods.keys())) : METHOD_NOT_ALLOWED;
}

/**
 * Matches the path's segments (`parts[0]` is the empty string before the
 * first `/`) against a pattern: the captured parameters, `undefined` if it
 * does not match, null if a parameter is not valid percent-encoding.
 */
function match(route: PatternRoute, parts: readonly string[]): Record<string, string> | null | undefined {
  const segments = route.segments;
  const n = segments.length;
  if (route.rest ? parts.length - 1 < n : parts.length - 1 !== n) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    const segment = segments[i]!;
    const part = parts[i + 1]!;
    if (segment.startsWith(":")) {
      if (part === "") return undefined;
      const value = decode(part);
      if (value === null) return null;
      params[segment.slice(1)] = value;
    } else if (segment !== part) return undefined;
  }
  if (route.rest) {
    const value = decode(parts.slice(n + 1).join("/"));
    if (value === null) return null;
    params["*"] = value;
  }
  return params;
}

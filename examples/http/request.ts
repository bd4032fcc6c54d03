/**
 * A complete request, as a route handler sees it: method, target, header
 * fields, body and trailers, and the parameters its route captured.
 */

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const NO_FIELDS: readonly string[] = Object.freeze([]);

/** A request whose head and body have been read. */
export class HttpRequest {
  /** The method, as sent (`GET`, `POST`...). */
  readonly method: string;
  /** The request target, as sent (`/path?query`, or an absolute URL). */
  readonly target: string;
  /** The path of the target, still percent-encoded. */
  readonly path: string;
  /** The query of the target, without the `?` ("" if none). */
  readonly query: string;
  /** `"1.1"` or `"1.0"`. */
  readonly httpVersion: "1.0" | "1.1";
  /** The header fields as a flat list: lowercased name, value, name, value... in the order received. */
  readonly fields: readonly string[];
  /** The body (empty if none), whole: Content-Length or de-chunked. */
  readonly body: Buffer;
  /** Trailer fields of a chunked body, as a flat list like {@link fields}. */
  readonly trailers: readonly string[];
  /** What the route's pattern captured (`:name` segments, `*` for the rest). */
  params: Readonly<Record<string, string>> = NO_PARAMS;
  #headers: Record<string, string> | null = null;
  #searchParams: URLSearchParams | null = null;

  /** Made by the server for each request. */
  constructor(
    method: string,
    target: string,
    path: string,
    query: string,
    minor: number,
    fields: readonly string[],
    body: Buffer,
    trailers: readonly string[] | null,
  ) {
    this.method = method;
    this.target = target;
    this.path = path;
    this.query = query;
    this.httpVersion = minor === 0 ? "1.0" : "1.1";
    this.fields = fields;
    this.body = body;
    this.trailers = trailers ?? NO_FIELDS;
  }

  /** The value of a header field (case-insensitive name); several fields of one name are joined with ", ". */
  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    const fields = this.fields;
    let value: string | undefined;
    for (let i = 0; i < fields.length; i += 2) {
      if (fields[i] === lower) value = value === undefined ? fields[i + 1]! : `${value}, ${fields[i + 1]!}`;
    }
    return value;
  }

  /** All header fields by lowercased name (repeated fields joined with ", "), built on first use. */
  get headers(): Readonly<Record<string, string>> {
    if (this.#headers === null) {
      const headers: Record<string, string> = Object.create(null) as Record<string, string>;
      const fields = this.fields;
      for (let i = 0; i < fields.length; i += 2) {
        const name = fields[i]!;
        const value = fields[i + 1]!;
        headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
      }
      this.#headers = headers;
    }
    return this.#headers;
  }

  /** The query parsed as `URLSearchParams`, built on first use. */
  get searchParams(): URLSearchParams {
    return (this.#searchParams ??= new URLSearchParams(this.query));
  }
}

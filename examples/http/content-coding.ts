/**
 * Content codings (RFC 9110 §8.4, §12.5.3): which compression, if any, a
 * client accepts (`Accept-Encoding` with q-values), and which files are
 * worth compressing.
 */

import type { CompressionFormat } from "@asynchat/core";

/** The codings this server produces, in its order of preference when the client ranks several equally. */
const SUPPORTED: readonly CompressionFormat[] = ["br", "gzip", "deflate"];

/** A q-value (`q=0.5`): 0 to 1, at most three decimals; null when malformed. */
function qValue(text: string): number | null {
  if (!/^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/.test(text)) return null;
  return Number(text);
}

/**
 * The coding to send a response in, given the request's `Accept-Encoding`
 * (`undefined` when absent): the supported coding with the highest q-value
 * above 0 (`br` before `gzip` before `deflate` on a tie; `*` stands for
 * every coding not named; `x-gzip` is `gzip`), or null for none (no field,
 * nothing acceptable, or `identity` named with a higher q-value than every
 * supported coding). An element with a malformed q-value is ignored.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): CompressionFormat | null {
  if (acceptEncoding === undefined) return null;
  const ranks = new Map<string, number>();
  for (const element of acceptEncoding.split(",")) {
    const [rawName, ...params] = element.split(";");
    let name = rawName!.trim().toLowerCase();
    if (name === "") continue;
    if (name === "x-gzip") name = "gzip";
    let q: number | null = 1;
    for (const param of params) {
      const [key, value] = param.split("=").map((s) => s.trim());
      if (key!.toLowerCase() === "q") q = value === undefined ? null : qValue(value);
    }
    if (q === null) continue;
    ranks.set(name, Math.max(q, ranks.get(name) ?? 0));
  }
  const star = ranks.get("*");
  let best: CompressionFormat | null = null;
  let bestQ = 0;
  for (const coding of SUPPORTED) {
    const q = ranks.get(coding) ?? star ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  // A client that names identity with a higher q-value than every coding prefers the bytes as they are.
  const identity = ranks.get("identity");
  if (identity !== undefined && identity > bestQ) return null;
  return best;
}

/** Media types whose bytes compress well: text, and the structured text formats. */
export function isCompressible(contentType: string): boolean {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return (
    type.startsWith("text/") ||
    type === "application/json" ||
    type === "application/javascript" ||
    type === "application/xml" ||
    type === "image/svg+xml" ||
    type === "application/wasm"
  );
}

/** Files smaller than this are sent as they are: compressing them saves less than it costs. */
export const MIN_COMPRESSED_SIZE = 512;

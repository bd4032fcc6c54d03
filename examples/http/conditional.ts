/**
 * Conditional requests for files (RFC 9110 §13): the validators a file
 * gets (an entity tag from its size and modification time, and its
 * Last-Modified date) and the evaluation of `If-Match`,
 * `If-Unmodified-Since`, `If-None-Match`, `If-Modified-Since` and
 * `If-Range` against them, in the order §13.2.2 prescribes.
 */

import type { HttpRequest } from "./request";

/** The validators of one version of a file. */
export interface Validators {
  /** A strong entity tag, quotes included: `"<size>-<mtime>"` in hexadecimal, `-<coding>` added for a compressed one. */
  readonly etag: string;
  /** The modification time in whole seconds since the epoch (HTTP dates have no finer grain). */
  readonly modifiedSeconds: number;
  /** The modification time as an HTTP date, for `Last-Modified`. */
  readonly lastModified: string;
}

/**
 * The validators of a file of `size` bytes last modified at `mtimeMs`, sent
 * in `coding` (null: as it is). Each content coding is another
 * representation with its own strong ETag (`"…-gzip"`), as RFC 9110 §8.8.3
 * requires.
 */
export function fileValidators(size: number, mtimeMs: number, coding: string | null): Validators {
  const modified = new Date(mtimeMs);
  return {
    etag: `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${coding === null ? "" : `-${coding}`}"`,
    modifiedSeconds: Math.floor(mtimeMs / 1000),
    lastModified: modified.toUTCString(),
  };
}

/** {@link evaluatePreconditions}: no precondition stops the request. */
export const PROCEED = 0;
/** {@link evaluatePreconditions}: answer 304 Not Modified. */
export const NOT_MODIFIED = 304;
/** {@link evaluatePreconditions}: answer 412 Precondition Failed. */
export const PRECONDITION_FAILED = 412;

/** An HTTP date as whole seconds since the epoch, or NaN when it is not a date. */
function seconds(date: string): number {
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? NaN : Math.floor(ms / 1000);
}

/** The entity tags of an `If-Match` / `If-None-Match` list (`W/` kept), or null for `*`. */
function entityTags(list: string): string[] | null {
  if (list.trim() === "*") return null;
  const tags: string[] = [];
  let i = 0;
  while (i < list.length) {
    const open = list.indexOf('"', i);
    if (open < 0) break;
    const close = list.indexOf('"', open + 1);
    if (close < 0) break;
    const weak = list.slice(Math.max(0, open - 2), open) === "W/";
    tags.push(`${weak ? "W/" : ""}${list.slice(open, close + 1)}`);
    i = close + 1;
  }
  return tags;
}

/** Strong comparison: both tags strong and identical (RFC 9110 §8.8.3.2). */
function strongMatch(tag: string, etag: string): boolean {
  return !tag.startsWith("W/") && tag === etag;
}

/** Weak comparison: identical once any `W/` is dropped. */
function weakMatch(tag: string, etag: string): boolean {
  return (tag.startsWith("W/") ? tag.slice(2) : tag) === (etag.startsWith("W/") ? etag.slice(2) : etag);
}

/**
 * Evaluates the preconditions of a GET or HEAD request for a file with
 * these validators (RFC 9110 §13.2.2): `If-Match` (strong comparison) or
 * else `If-Unmodified-Since` can fail with 412; then `If-None-Match` (weak
 * comparison) or else `If-Modified-Since` gives 304 when the client's copy
 * is current. A date that does not parse is ignored, as the RFC says.
 */
export function evaluatePreconditions(request: HttpRequest, validators: Validators): number {
  const ifMatch = request.header("if-match");
  if (ifMatch !== undefined) {
    const tags = entityTags(ifMatch);
    if (tags !== null && !tags.some((tag) => strongMatch(tag, validators.etag))) return PRECONDITION_FAILED;
  } else {
    const since = request.header("if-unmodified-since");
    if (since !== undefined && validators.modifiedSeconds > seconds(since)) return PRECONDITION_FAILED;
  }
  const ifNoneMatch = request.header("if-none-match");
  if (ifNoneMatch !== undefined) {
    const tags = entityTags(ifNoneMatch);
    if (tags === null || tags.some((tag) => weakMatch(tag, validators.etag))) return NOT_MODIFIED;
  } else {
    const since = request.header("if-modified-since");
    if (since !== undefined && validators.modifiedSeconds <= seconds(since)) return NOT_MODIFIED;
  }
  return PROCEED;
}

/**
 * Whether a `Range` header may be honoured given the request's `If-Range`
 * (RFC 9110 §13.1.5): yes without one; with an entity tag, only if it
 * matches strongly; with a date, only if it is exactly the Last-Modified.
 * Otherwise the whole file is sent.
 */
export function rangeAllowed(request: HttpRequest, validators: Validators): boolean {
  const ifRange = request.header("if-range");
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) return strongMatch(value, validators.etag);
  return seconds(value) === validators.modifiedSeconds;
}

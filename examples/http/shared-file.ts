/**
 * One open file read by several `FileProducer`s, as the parts of a
 * multipart/byteranges answer are: a `FileProducer` owns and closes the
 * handle it is given, so each part gets a view of the one handle whose
 * `close()` only counts, and the file itself closes when every view has
 * closed (its range sent, or the answer dropped). Reading from the one
 * handle opened and checked for the request, rather than opening the path
 * again per part, keeps every part from the same file.
 */

import type { FileHandle } from "node:fs/promises";

/** `count` views of `handle` for `FileProducer`s; the handle closes once all of them are closed. */
export function sharedViews(handle: FileHandle, count: number): FileHandle[] {
  let open = count;
  const views: FileHandle[] = [];
  for (let i = 0; i < count; i++) {
    let closed = false;
    const view = {
      fd: handle.fd,
      read: handle.read.bind(handle),
      close(): Promise<void> {
        if (closed) return Promise.resolve();
        closed = true;
        return --open === 0 ? handle.close() : Promise.resolve();
      },
    };
    // Only what FileProducer uses (fd, read, close) is there: a view is not a whole FileHandle.
    views.push(view as unknown as FileHandle);
  }
  return views;
}

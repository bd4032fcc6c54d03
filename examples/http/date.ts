/**
 * The Date header value (RFC 9110 §5.6.7, IMF-fixdate), computed at most
 * once per second: every response of the same second shares one string, so
 * a response prepared once can be reused until the second changes.
 */

let current = "";

function expire(): void {
  current = "";
}

/**
 * The current date as an HTTP-date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
 * The same string object is returned for the whole second, so callers may
 * compare it with `===` to know whether it changed.
 */
export function httpDate(): string {
  if (current === "") {
    const now = Date.now();
    current = new Date(now).toUTCString();
    // Forget it when the second ends; the timer does not keep the process alive.
    setTimeout(expire, 1000 - (now % 1000)).unref();
  }
  return current;
}
